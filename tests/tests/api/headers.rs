//! Security headers: what every page and answer tells the browser.

use reqwest::{Response, StatusCode};
use serde_json::json;

use super::helpers::{PASSWORD, TestApp, vacancy};

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// The headers every response carries, whatever its status.
fn assert_common(r: &Response, what: &str) {
    assert_eq!(
        header(r, "x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        header(r, "referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    let csp = header(r, "content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
}

#[tokio::test]
async fn the_web_ui_loads_only_its_own_files() {
    let app = TestApp::spawn().await;
    for path in ["/", "/app.js", "/styles.css", "/favicon.svg"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_common(&r, path);
        let csp = header(&r, "content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'self';"), "{path}: {csp}");
    }
    // The UI's page holds no inline script or style for the policy to refuse.
    let index = app.get("/", None).await.text().await.unwrap();
    assert!(!index.contains("<script>") && !index.contains("<style") && !index.contains(" style="));
}

#[tokio::test]
async fn api_answers_are_never_cached_and_run_nothing() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let submitted = app
        .submit(&user, &vacancy("Rust developer"), Some(10))
        .await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let sign_in = app.sign_in(&user.email, PASSWORD).await;
    let wrong = app.sign_in(&user.email, "not the password at all").await;
    let invalid = app
        .post_json(
            "/api/v1/predictions",
            &json!({"name": 1}),
            Some(&user.token),
        )
        .await;
    let mut answers = vec![
        ("sign-in", sign_in),
        ("wrong password", wrong),
        ("submission", submitted),
        ("invalid submission", invalid),
    ];
    for path in [
        "/api/v1/users/me",
        "/api/v1/predictions",
        "/api/v1/model",
        "/api/v1/nowhere",
    ] {
        answers.push((path, app.get(path, Some(&user.token)).await));
    }
    for (what, r) in &answers {
        assert_common(r, what);
        assert_eq!(
            header(r, "cache-control").as_deref(),
            Some("no-store"),
            "{what}"
        );
        let csp = header(r, "content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'none';"), "{what}: {csp}");
    }
    let statuses: Vec<u16> = answers.iter().map(|(_, r)| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 401, 200, 422, 200, 200, 200, 404]);
}

#[tokio::test]
async fn the_docs_page_runs_only_the_inline_code_it_was_built_with() {
    let app = TestApp::spawn().await;
    let r = app.get("/docs", None).await;
    assert_common(&r, "/docs");
    let csp = header(&r, "content-security-policy").unwrap();
    let page = r.text().await.unwrap();
    let scripts = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("script-src"))
        .unwrap();
    // Swagger UI's bundle and its start-up script, each by its hash.
    assert_eq!(scripts.matches("'sha256-").count(), 2, "{csp}");
    assert!(page.contains("SwaggerUIBundle"));
    for other in ["/openapi.json", "/metrics"] {
        let r = app.get(other, None).await;
        assert_common(&r, other);
    }
}

#[tokio::test]
async fn strict_transport_security_is_sent_only_with_secure_cookies() {
    // On loopback cookies are not Secure by default: plain http, nothing to pin.
    let plain = TestApp::spawn().await;
    let r = plain.get("/", None).await;
    assert_eq!(header(&r, "strict-transport-security"), None);
    // Behind a TLS proxy on the same host the operator sets PAYRANGE_COOKIE_SECURE=true.
    let proxied = TestApp::spawn_with(|s| s.cookie_secure = Some(true)).await;
    for path in ["/", "/api/v1/model", "/api/v1/nowhere"] {
        let r = proxied.get(path, None).await;
        assert_eq!(
            header(&r, "strict-transport-security").as_deref(),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    proxied.register("ann@example.com", PASSWORD).await;
    let r = proxied.sign_in("ann@example.com", PASSWORD).await;
    assert!(header(&r, "set-cookie").unwrap().contains("; Secure"));
}
