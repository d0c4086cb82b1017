//! `GET /admin/users?email=`: an administrator finds users by a piece of their address.

use reqwest::StatusCode;
use serde_json::Value;

use super::helpers::{PASSWORD, TestApp, assert_error, json_of};

/// The addresses on every page of `query`, followed by the cursor, newest first.
async fn emails(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/admin/users?{query}");
    loop {
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let page: Value = json_of(r).await;
        for u in page["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/admin/users?{query}&cursor={c}"),
            None => break,
        }
        assert!(seen.len() <= 10, "pagination does not end");
    }
    seen
}

#[tokio::test]
async fn an_admin_finds_users_by_a_piece_of_their_email_in_any_case_page_by_page() {
    let app = TestApp::spawn().await;
    for email in [
        "ann_smith@example.com",
        "AnnXSmith@example.com",
        "bob@example.com",
    ] {
        assert_eq!(
            app.register(email, PASSWORD).await.status(),
            StatusCode::CREATED
        );
    }
    let root = app.admin().await;

    assert_eq!(
        emails(&app, &root.token, "email=ANN_S").await,
        ["ann_smith@example.com"],
        "case folded, `_` only itself"
    );
    assert_eq!(
        emails(&app, &root.token, "email=smith&limit=1").await,
        ["annxsmith@example.com", "ann_smith@example.com"],
        "newest first, one per page"
    );
    assert_eq!(
        emails(&app, &root.token, "email=%20Bob%40").await,
        ["bob@example.com"],
        "trimmed"
    );
    assert!(emails(&app, &root.token, "email=%25").await.is_empty());
    assert_eq!(emails(&app, &root.token, "limit=100").await.len(), 4);
}

#[tokio::test]
async fn a_bad_email_search_is_a_422_naming_email_and_a_normal_user_still_gets_403() {
    let app = TestApp::spawn().await;
    let root = app.admin().await;
    let long = "a".repeat(255);
    for bad in ["", "%20%20", "a%00b", "a%0Ab", long.as_str()] {
        let r = app
            .get(
                &format!("/api/v1/admin/users?email={bad}"),
                Some(&root.token),
            )
            .await;
        let body = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], "email", "{bad}: {body}");
    }
    let ann = app.user().await;
    let r = app
        .get("/api/v1/admin/users?email=ann", Some(&ann.token))
        .await;
    assert_error(r, StatusCode::FORBIDDEN, "forbidden").await;
}
