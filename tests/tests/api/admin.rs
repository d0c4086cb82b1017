//! The admin role: who may use `/admin`, and what disabling a user and the log filters do.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::{PASSWORD, TestApp, assert_error, json_of, vacancy};

async fn me(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/users/me", Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    json_of(r).await
}

#[tokio::test]
async fn every_admin_endpoint_refuses_a_normal_user_with_403_and_a_stranger_with_401() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let bob = app.user().await;
    let bob_id = me(&app, &bob.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user_path = format!("/api/v1/admin/users/{bob_id}");
    for token in [Some(ann.token.as_str()), None] {
        let expected = if token.is_some() {
            (StatusCode::FORBIDDEN, "forbidden")
        } else {
            (StatusCode::UNAUTHORIZED, "unauthorized")
        };
        for path in [
            "/api/v1/admin/users",
            "/api/v1/admin/predictions",
            "/api/v1/admin/predictions?status=done",
        ] {
            assert_error(app.get(path, token).await, expected.0, expected.1).await;
        }
        let r = app
            .patch_json(&user_path, &json!({"disabled": true}), token)
            .await;
        assert_error(r, expected.0, expected.1).await;
    }
    // Nothing was changed by the refused request.
    me(&app, &bob.token).await;
}

#[tokio::test]
async fn an_admin_pages_through_every_user_newest_first() {
    let app = TestApp::spawn().await;
    let mut emails = Vec::new();
    for _ in 0..3 {
        emails.push(app.user().await.email);
    }
    let root = app.admin().await;
    emails.push(root.email.clone());
    emails.reverse();

    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/users?limit=3".to_owned();
    loop {
        let r = app.get(&path, Some(&root.token)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let page = json_of(r).await;
        for u in page["items"].as_array().unwrap() {
            assert!(u.get("password_hash").is_none(), "{u}");
            seen.push((
                u["email"].as_str().unwrap().to_owned(),
                u["role"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/admin/users?limit=3&cursor={c}"),
            None => break,
        }
    }
    let got: Vec<_> = seen.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(got, emails);
    assert_eq!(seen[0].1, "admin");
    assert!(seen[1..].iter().all(|(_, role)| role == "user"));

    for bad in ["limit=0", "limit=101", "cursor=zz"] {
        let r = app
            .get(&format!("/api/v1/admin/users?{bad}"), Some(&root.token))
            .await;
        assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}

#[tokio::test]
async fn a_disabled_user_loses_every_token_and_cannot_sign_in_until_enabled_again() {
    let app = TestApp::spawn().await;
    let root = app.admin().await;
    let ann = app.user().await;
    let second_session = app.sign_in(&ann.email, PASSWORD).await;
    let second_token = json_of(second_session).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ann_id = me(&app, &ann.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/admin/users/{ann_id}");

    let r = app
        .patch_json(&path, &json!({"disabled": true}), Some(&root.token))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = json_of(r).await;
    assert_eq!(body["disabled"], true);
    assert_eq!(body["email"], ann.email.as_str());

    for token in [&ann.token, &second_token] {
        let r = app.get("/api/v1/users/me", Some(token)).await;
        assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let r = app
            .submit(
                &super::helpers::User {
                    email: ann.email.clone(),
                    token: token.clone(),
                },
                &vacancy("QA"),
                None,
            )
            .await;
        assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    // Signing in tells nothing more than a wrong password would.
    let disabled = json_of(app.sign_in(&ann.email, PASSWORD).await).await;
    let wrong = json_of(app.sign_in(&ann.email, "not the password at all").await).await;
    assert_eq!(disabled, wrong);
    assert_eq!(disabled["code"], "invalid_credentials");

    let r = app
        .patch_json(&path, &json!({"disabled": false}), Some(&root.token))
        .await;
    assert_eq!(json_of(r).await["disabled"], false);
    let r = app.get("/api/v1/users/me", Some(&ann.token)).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(
        app.sign_in(&ann.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn disabling_refuses_self_unknown_users_and_malformed_requests_with_4xx() {
    let app = TestApp::spawn().await;
    let root = app.admin().await;
    let root_id = me(&app, &root.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = format!("/api/v1/admin/users/{root_id}");
    let r = app
        .patch_json(&own, &json!({"disabled": true}), Some(&root.token))
        .await;
    assert_error(r, StatusCode::CONFLICT, "cannot_disable_self").await;
    me(&app, &root.token).await;

    let unknown = format!("/api/v1/admin/users/{}", uuid::Uuid::now_v7());
    let r = app
        .patch_json(&unknown, &json!({"disabled": true}), Some(&root.token))
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .patch_json(
            "/api/v1/admin/users/not-a-uuid",
            &json!({"disabled": true}),
            Some(&root.token),
        )
        .await;
    assert_error(r, StatusCode::NOT_FOUND, "not_found").await;

    let ann = app.user().await;
    let ann_id = me(&app, &ann.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/admin/users/{ann_id}");
    for body in [
        json!({"disabled": "yes"}),
        json!({"disabled": true, "role": "admin"}),
        json!({}),
    ] {
        let r = app.patch_json(&path, &body, Some(&root.token)).await;
        assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    me(&app, &ann.token).await;
}

#[tokio::test]
async fn an_admin_reads_every_users_logs_filtered_by_user_status_and_time() {
    let app = TestApp::spawn().await;
    let root = app.admin().await;
    let ann = app.user().await;
    let bob = app.user().await;
    let ann_id = me(&app, &ann.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for (user, name) in [
        (&ann, "Python developer"),
        (&bob, "Data analyst"),
        (&ann, "QA engineer"),
    ] {
        let r = app.submit(user, &vacancy(name), Some(30)).await;
        assert_eq!(r.status(), StatusCode::OK, "finished within the wait");
        ids.push(json_of(r).await["id"].as_str().unwrap().to_owned());
    }
    let list = |query: String| {
        let app = &app;
        let token = root.token.clone();
        async move {
            let r = app
                .get(&format!("/api/v1/admin/predictions?{query}"), Some(&token))
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{query}");
            let page = json_of(r).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let newest_first: Vec<_> = ids.iter().rev().cloned().collect();
    assert_eq!(list(String::new()).await, newest_first);
    assert_eq!(list("status=done".into()).await, newest_first);
    assert!(list("status=queued".into()).await.is_empty());
    assert_eq!(
        list(format!("user_id={ann_id}")).await,
        vec![ids[2].clone(), ids[0].clone()]
    );
    assert_eq!(
        list(format!("user_id={ann_id}&limit=1")).await,
        vec![ids[2].clone()]
    );

    let r = app
        .get(
            &format!("/api/v1/predictions/{}", ids[1]),
            Some(&root.token),
        )
        .await;
    let bobs = json_of(r).await;
    assert_eq!(
        bobs["code"], "not_found",
        "the admin's own history is still their own"
    );

    let r = app
        .get("/api/v1/admin/predictions?limit=3", Some(&root.token))
        .await;
    let page = json_of(r).await;
    let created: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["created_at"].as_str().unwrap())
        .collect();
    assert_eq!(page["items"][0]["user_id"], ann_id.as_str());
    // From the middle one's acceptance time (inclusive) to the newest one's (exclusive).
    let from = created[1];
    let before = created[0];
    let range = format!(
        "created_from={}&created_before={}",
        urlencode(from),
        urlencode(before)
    );
    assert_eq!(list(range).await, vec![ids[1].clone()]);
    let inverted = format!(
        "created_from={}&created_before={}",
        urlencode(before),
        urlencode(from)
    );
    assert!(
        list(inverted).await.is_empty(),
        "an inverted range selects nothing"
    );
    let upto = format!("created_before={}", urlencode(before));
    assert_eq!(list(upto).await, vec![ids[1].clone(), ids[0].clone()]);

    for (bad, field) in [
        ("created_from=yesterday".to_owned(), "created_from"),
        ("status=lost".to_owned(), "status"),
        ("user_id=42".to_owned(), "user_id"),
    ] {
        let r = app
            .get(
                &format!("/api/v1/admin/predictions?{bad}"),
                Some(&root.token),
            )
            .await;
        let body = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], field, "{bad}: {body}");
    }
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('+', "%2B")
}
