//! Account self-service: sign out everywhere, download my data, delete my account.

use reqwest::StatusCode;
use serde_json::json;

use super::helpers::{PASSWORD, TestApp, User, assert_error, json_of, vacancy};

async fn sign_in_again(app: &TestApp, email: &str) -> String {
    let r = app.sign_in(email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    json_of(r).await["token"].as_str().unwrap().to_owned()
}

async fn delete_me(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.client
        .delete(app.url("/api/v1/users/me"))
        .bearer_auth(token)
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signing_out_everywhere_revokes_every_session_of_the_user_only() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let second = sign_in_again(&app, &ann.email).await;
    let bob = app.user().await;
    let r = app
        .client
        .delete(app.url("/api/v1/sessions"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    for token in [&ann.token, &second] {
        let r = app.get("/api/v1/users/me", Some(token)).await;
        assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    assert_eq!(
        app.get("/api/v1/users/me", Some(&bob.token)).await.status(),
        StatusCode::OK,
        "another user's session lives on"
    );
    // The account itself is fine: signing in works again.
    sign_in_again(&app, &ann.email).await;
}

#[tokio::test]
async fn signing_out_everywhere_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .delete(app.url("/api/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn with_predictions(app: &TestApp) -> User {
    let ann = app.user().await;
    for name in ["=HYPERLINK(\"http://evil\")", "Rust developer, senior"] {
        let r = app.submit(&ann, &vacancy(name), Some(10)).await;
        assert_eq!(r.status(), StatusCode::OK, "finished within the wait");
    }
    ann
}

#[tokio::test]
async fn the_json_export_holds_the_account_and_every_prediction_uncached() {
    let app = TestApp::spawn().await;
    let ann = with_predictions(&app).await;
    let bob = app.user().await;
    app.submit(&bob, &vacancy("Bob's own"), Some(10)).await;
    let r = app.get("/api/v1/users/me/export", Some(&ann.token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("payrange-data.json")
    );
    let body = json_of(r).await;
    assert_eq!(body["account"]["email"], ann.email);
    let predictions = body["predictions"].as_array().unwrap();
    assert_eq!(predictions.len(), 2, "only Ann's, all of them: {body}");
    assert_eq!(
        predictions[0]["name"], "Rust developer, senior",
        "newest first"
    );
    assert_eq!(predictions[1]["name"], "=HYPERLINK(\"http://evil\")");
    for p in predictions {
        assert_eq!(p["status"], "done");
        assert!(p["salary_from"].as_f64().is_some() && p["description"].is_string());
    }
}

#[tokio::test]
async fn the_csv_export_neutralises_formulas_and_is_chosen_by_query_or_accept() {
    let app = TestApp::spawn().await;
    let ann = with_predictions(&app).await;
    let by_query = app
        .get("/api/v1/users/me/export?format=csv", Some(&ann.token))
        .await;
    let by_accept = app
        .client
        .get(app.url("/api/v1/users/me/export"))
        .bearer_auth(&ann.token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    for r in [by_query, by_accept] {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/csv"), "{ct}");
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("kind,id,created_at,email"), "{csv}");
        assert!(lines[1].starts_with("account,") && lines[1].contains(&ann.email));
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with("prediction,"))
                .count(),
            2
        );
        assert!(
            csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
            "formula neutralised and quoted: {csv}"
        );
        assert!(csv.contains(",\"Rust developer, senior\","), "{csv}");
    }
}

#[tokio::test]
async fn an_unknown_export_format_is_a_client_error_naming_it() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let r = app
        .get("/api/v1/users/me/export?format=xlsx", Some(&ann.token))
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(r.text().await.unwrap().contains("format"));
}

#[tokio::test]
async fn deleting_my_account_needs_the_password_and_then_frees_the_email() {
    let app = TestApp::spawn().await;
    let ann = with_predictions(&app).await;
    let second = sign_in_again(&app, &ann.email).await;
    let bob = app.user().await;

    let r = delete_me(&app, &ann.token, "not the password at all").await;
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let r = app
        .client
        .delete(app.url("/api/v1/users/me"))
        .bearer_auth(&ann.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "password", "{body}");
    assert_eq!(
        app.get("/api/v1/users/me", Some(&ann.token)).await.status(),
        StatusCode::OK,
        "nothing deleted yet"
    );

    let r = delete_me(&app, &ann.token, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    for token in [&ann.token, &second] {
        let r = app.get("/api/v1/predictions", Some(token)).await;
        assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let r = app.sign_in(&ann.email, PASSWORD).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(&bob.token)).await.status(),
        StatusCode::OK
    );
    // The email is free again, and the new account starts with an empty history.
    assert_eq!(
        app.register(&ann.email, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let token = sign_in_again(&app, &ann.email).await;
    let history = json_of(app.get("/api/v1/predictions", Some(&token)).await).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 0, "{history}");
}

#[tokio::test]
async fn wrong_deletion_passwords_are_throttled_like_sign_ins() {
    let app = TestApp::spawn_with(|s| s.signin_max_failures_per_pair = 2).await;
    let ann = app.user().await;
    for _ in 0..2 {
        let r = delete_me(&app, &ann.token, "not the password at all").await;
        assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let r = delete_me(&app, &ann.token, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        app.get("/api/v1/users/me", Some(&ann.token)).await.status(),
        StatusCode::OK,
        "still there"
    );
}

#[tokio::test]
async fn a_deleted_accounts_throttle_does_not_pass_to_the_next_owner_of_the_email() {
    let app = TestApp::spawn_with(|s| s.signin_max_failures_per_pair = 2).await;
    let ann = app.user().await;
    let r = delete_me(&app, &ann.token, "not the password at all").await;
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        delete_me(&app, &ann.token, PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    app.register(&ann.email, PASSWORD).await;
    // One more failure would reach the limit of 2 had the old count survived.
    let r = app.sign_in(&ann.email, "not the password at all").await;
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        app.sign_in(&ann.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_document_keeps_every_operation_of_the_shared_paths() {
    let app = TestApp::spawn().await;
    let doc = json_of(app.get("/openapi.json", None).await).await;
    for (path, methods) in [
        ("/sessions", ["post", "delete"]),
        ("/users/me", ["get", "delete"]),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is in the document"
            );
        }
    }
    assert!(doc["paths"]["/users/me/export"]["get"].is_object());
}
