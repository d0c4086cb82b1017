//! Registration, sign-in, sign-out, the current user.

use reqwest::StatusCode;

use super::helpers::{PASSWORD, TestApp, assert_error, json_of};

#[tokio::test]
async fn registration_returns_201_with_the_normalised_email_and_no_secret() {
    let app = TestApp::spawn().await;
    let r = app.register("  Ann.Lee@Example.COM ", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body = json_of(r).await;
    assert_eq!(body["email"], "ann.lee@example.com");
    assert_eq!(body["role"], "user");
    assert!(body["id"].as_str().is_some());
    assert!(body.get("password_hash").is_none() && body.get("password").is_none());
}

#[tokio::test]
async fn registering_a_taken_email_in_any_case_returns_409_email_taken() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    let r = app.register("ANN@example.com", PASSWORD).await;
    assert_error(r, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn invalid_email_returns_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = assert_error(
        app.register("not-an-email", PASSWORD).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"][0]["field"], "email");
}

#[tokio::test]
async fn weak_passwords_return_422_saying_why() {
    let app = TestApp::spawn().await;
    for (password, why) in [
        ("short", "at least 12"),
        ("1qaz2wsx3edc", "too common"),
        ("aaaaaaaaaaaa", "too simple"),
        ("abcdefghijklmn", "too simple"),
        (&*"x".repeat(129), "at most 128"),
    ] {
        let body = assert_error(
            app.register("ann@example.com", password).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["details"][0]["field"], "password");
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    // Nothing was stored: the address is still free.
    assert_eq!(
        app.register("ann@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn unicode_passwords_of_128_characters_are_accepted_whole() {
    let app = TestApp::spawn().await;
    let long = "пароль-".repeat(18) + "ok"; // 128 characters, 254 bytes
    assert_eq!(long.chars().count(), 128);
    assert_eq!(
        app.register("u@example.com", &long).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.sign_in("u@example.com", &long).await.status(),
        StatusCode::OK
    );
    // No truncation: a prefix is not the password.
    let prefix: String = long.chars().take(72).collect();
    assert_eq!(
        app.sign_in("u@example.com", &prefix).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sign_in_returns_a_token_and_an_httponly_strict_cookie() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    let r = app.sign_in("Ann@Example.com", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = json_of(r).await;
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("v4.local."));
    assert!(
        cookie.starts_with(&format!("payrange_session={token};")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // Bound to loopback: no Secure attribute, so the cookie works over plain http locally.
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert_eq!(body["user"]["email"], "ann@example.com");
    assert!(body["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn login_with_wrong_password_returns_401_and_same_body_as_unknown_email() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    let wrong = assert_error(
        app.sign_in("ann@example.com", "wrong password 123").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_error(
        app.sign_in("nobody@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
}

/// Not a speed goal but a security property: without the dummy verification an unknown
/// email would answer ~30x faster than a wrong password (one argon2id verification). The
/// attempts interleave, so machine load hits both sides alike; the bound (medians within a
/// factor of 2) is loose enough for a noisy machine and far from the 30x of the leak.
#[tokio::test]
async fn unknown_email_and_wrong_password_take_comparable_time() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    let timed = |email: String, password: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let r = app.sign_in(&email, password).await;
            let elapsed = started.elapsed();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            elapsed
        }
    };
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    // 9 failures: under the per-account limit of 10, so no 429 shortens a wrong-password run.
    for i in 0..9 {
        unknown.push(timed(format!("nobody-{i}@example.com"), PASSWORD).await);
        wrong.push(timed("ann@example.com".to_owned(), "wrong password 123").await);
    }
    let median = |v: &mut Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (u, w) = (median(&mut unknown), median(&mut wrong));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    assert!(
        (0.5..=2.0).contains(&ratio),
        "unknown email median {u:?}, wrong password median {w:?}"
    );
}

#[tokio::test]
async fn users_me_works_with_bearer_token_and_with_cookie() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let me = json_of(app.get("/api/v1/users/me", Some(&user.token)).await).await;
    assert_eq!(me["email"], user.email.as_str());
    let r = app
        .client
        .get(app.url("/api/v1/users/me"))
        .header("cookie", format!("payrange_session={}", user.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_or_garbage_tokens_return_401_with_the_same_json_body() {
    let app = TestApp::spawn().await;
    let none = assert_error(
        app.get("/api/v1/users/me", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let junk = assert_error(
        app.get("/api/v1/users/me", Some("v4.local.garbage")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let v2 = assert_error(
        app.get("/api/v1/users/me", Some("v2.local.AAAA")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(none, junk);
    assert_eq!(junk, v2);
}

#[tokio::test]
async fn sign_out_revokes_the_token_so_a_replay_gets_401() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cleared = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_error(
        app.get("/api/v1/users/me", Some(&user.token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Other sessions of the same user are untouched.
    let again = json_of(app.sign_in(&user.email, PASSWORD).await).await;
    let fresh = again["token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/users/me", Some(fresh)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cross_site_unsafe_requests_with_the_cookie_are_refused_but_bearer_is_not() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let body = super::helpers::vacancy("Python developer");
    let r = app
        .client
        .post(app.url("/api/v1/predictions"))
        .header("cookie", format!("payrange_session={}", user.token))
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .client
        .post(app.url("/api/v1/predictions"))
        .bearer_auth(&user.token)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_with_retry_after_and_other_accounts_are_not() {
    let app = TestApp::spawn().await;
    app.register("ann@example.com", PASSWORD).await;
    app.register("bob@example.com", PASSWORD).await;
    for _ in 0..10 {
        let r = app.sign_in("ann@example.com", "wrong password 123").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, and the answer says when to retry.
    let r = app.sign_in("ANN@example.com", PASSWORD).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert_eq!(
        app.sign_in("bob@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn throttling_ends_when_the_window_passes() {
    let app = TestApp::spawn_with(|s| {
        s.signin_max_failures_per_pair = 2;
        s.signin_window_secs = 1;
    })
    .await;
    app.register("ann@example.com", PASSWORD).await;
    for _ in 0..2 {
        app.sign_in("ann@example.com", "wrong password 123").await;
    }
    assert_eq!(
        app.sign_in("ann@example.com", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        app.sign_in("ann@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_revokes_all_sessions_and_needs_the_current_password() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let other = json_of(app.sign_in(&user.email, PASSWORD).await).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let put = |body: serde_json::Value| {
        app.client
            .put(app.url("/api/v1/users/me/password"))
            .bearer_auth(&user.token)
            .json(&body)
            .send()
    };
    let r = put(serde_json::json!({"current_password": "wrong password 1", "new_password": "a brand new secret"})).await.unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let r = put(serde_json::json!({"current_password": PASSWORD, "new_password": "short"}))
        .await
        .unwrap();
    let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(e["details"][0]["field"], "new_password");
    let r = put(
        serde_json::json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for token in [&user.token, &other] {
        assert_error(
            app.get("/api/v1/users/me", Some(token)).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    assert_eq!(
        app.sign_in(&user.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in(&user.email, "a brand new secret")
            .await
            .status(),
        StatusCode::OK
    );
}
