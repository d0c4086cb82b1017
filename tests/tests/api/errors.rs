//! Malformed requests get a JSON error with a stable code and never a 5xx; a request that
//! fails validation leaves nothing behind.

use reqwest::StatusCode;
use serde_json::json;

use super::helpers::{TestApp, assert_error, json_of, vacancy};

#[tokio::test]
async fn malformed_json_returns_400_with_the_position() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/api/v1/users"))
        .header("content-type", "application/json")
        .body(r#"{"email": "a@b.io", "password": }"#)
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(
        body["message"].as_str().unwrap().contains("column"),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_content_type_returns_415() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/api/v1/users"))
        .header("content-type", "text/plain")
        .body("email=a@b.io")
        .send()
        .await
        .unwrap();
    assert_error(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn oversized_body_returns_413() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let huge = json!({"name": "x", "description": "y".repeat(200_000)});
    let r = app.submit(&user, &huge, None).await;
    assert_error(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn missing_wrongly_typed_and_unknown_fields_return_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let password = "correct horse battery";
    for (path, body, field, message) in [
        (
            "/api/v1/users",
            json!({"email": "a@b.io"}),
            "password",
            "password is required",
        ),
        (
            "/api/v1/users",
            json!({"email": 5, "password": password}),
            "email",
            "email must be a string, not a number",
        ),
        (
            "/api/v1/users",
            json!({"email": "a@b.io", "password": password, "admin": true}),
            "admin",
            "unknown field `admin`.",
        ),
        (
            "/api/v1/users",
            json!([1, 2]),
            "body",
            "body must be a JSON object",
        ),
        (
            "/api/v1/sessions",
            json!({"email": "a@b.io", "password": null}),
            "password",
            "password must be a string, not null",
        ),
        // The most likely slip of a client: the vacancy's title sent as `title`.
        (
            "/api/v1/predictions",
            json!({"title": "Rust developer", "description": "d"}),
            "name",
            "name is required",
        ),
        (
            "/api/v1/predictions",
            json!({"name": "n", "description": 12}),
            "description",
            "description must be a string, not a number",
        ),
        (
            "/api/v1/predictions",
            json!({"name": "n", "description": "d", "area": ["Казань"]}),
            "area",
            "area must be a string or null, not an array",
        ),
    ] {
        let r = app.post_json(path, &body, Some(&user.token)).await;
        let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(e["details"][0]["field"], field, "{body}: {e}");
        assert_eq!(e["details"][0]["message"], message, "{body}: {e}");
        assert_eq!(e["message"], format!("{field}: {message}"), "{body}: {e}");
    }
}

#[tokio::test]
async fn invalid_vacancies_return_422_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    for (body, field) in [
        (json!({"name": "  ", "description": "d"}), "name"),
        (json!({"name": "n", "description": ""}), "description"),
        (json!({"name": "x".repeat(201), "description": "d"}), "name"),
        (
            json!({"name": "n", "description": "d".repeat(20_001)}),
            "description",
        ),
        (json!({"name": "a\u{0}b", "description": "d"}), "name"),
        (
            json!({"name": "n", "description": "d", "area": "x".repeat(101)}),
            "area",
        ),
    ] {
        let r = app.submit(&user, &body, None).await;
        let e = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(e["details"][0]["field"], field, "{e}");
    }
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert_eq!(history["items"], json!([]));
}

#[tokio::test]
async fn invalid_utf8_returns_400() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let mut bytes = br#"{"name": "n", "description": "d"#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""}"#);
    let r = app
        .client
        .post(app.url("/api/v1/predictions"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST, "bad_request").await;
    let _ = vacancy("unused");
}

#[tokio::test]
async fn unknown_routes_return_a_json_404() {
    let app = TestApp::spawn().await;
    assert_error(
        app.get("/api/v1/nope", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_method_a_route_does_not_take_gets_405_with_allow_and_a_json_body() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        ("DELETE", "/api/v1/predictions", "GET, HEAD, POST"),
        ("TRACE", "/api/v1/users/me", "DELETE, GET, HEAD"),
        ("PUT", "/api/v1/sessions", "DELETE, POST"),
        (
            "POST",
            "/api/v1/admin/users/0190f8a2c3d44e5f8a9b0c1d2e3f4a5b",
            "PATCH",
        ),
    ] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        let got = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let mut got: Vec<String> = got
            .unwrap_or_default()
            .split(", ")
            .map(str::to_owned)
            .collect();
        got.sort();
        assert_eq!(got.join(", "), allow, "{method} {path}");
        assert_error(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_with_the_headers_and_no_body() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/app.js",
        "/openapi.json",
        "/docs",
        "/api/v1/model",
        "/api/v1/health/live",
    ] {
        let get = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(get.status(), StatusCode::OK, "GET {path}");
        let get_type = get.headers().get("content-type").cloned();
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type").cloned(),
            get_type,
            "{path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    // Where GET is refused, so is HEAD, the same way.
    let r = app
        .client
        .head(app.url("/api/v1/users/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
