//! `/metrics`: labels from fixed sets, so clients cannot grow it, and its own listener with
//! `PAYRANGE_METRICS_BIND`.

use reqwest::{Method, StatusCode};

use super::helpers::TestApp;

/// Series in a Prometheus text exposition: its sample lines.
async fn series(app: &TestApp, base: &str) -> usize {
    let r = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    text.lines().filter(|l| !l.starts_with('#')).count()
}

#[tokio::test]
async fn two_thousand_unknown_paths_and_methods_add_no_series() {
    let app = TestApp::spawn().await;
    let brew = Method::from_bytes(b"BREW").unwrap();
    // One of each kind first, so that their series exist before counting.
    for method in [Method::GET, Method::POST, brew.clone()] {
        app.client
            .request(method, app.url("/api/v1/x0"))
            .send()
            .await
            .unwrap();
    }
    series(&app, &app.base).await;
    let before = series(&app, &app.base).await;
    for i in 1..=2000 {
        let method = match i % 3 {
            0 => Method::GET,
            1 => Method::POST,
            _ => Method::from_bytes(format!("M{i}").as_bytes()).unwrap(),
        };
        let r = app
            .client
            .request(method, app.url(&format!("/api/v1/x{i}")))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    assert_eq!(series(&app, &app.base).await, before);
}

#[tokio::test]
async fn with_a_metrics_bind_metrics_leave_the_api_port() {
    // A free port for the metrics listener: bound, noted and released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(|s| {
        s.metrics_bind = Some(([127, 0, 0, 1], port).into());
    })
    .await;
    assert_eq!(
        app.get("/metrics", None).await.status(),
        StatusCode::NOT_FOUND
    );
    let ops = format!("http://127.0.0.1:{port}");
    app.get("/api/v1/model", None).await;
    let text = app
        .client
        .get(format!("{ops}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"payrange_http_requests_total{route="/api/v1/model",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    let live = app
        .client
        .get(format!("{ops}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}
