//! Health, the model, the docs, the spec and the web UI.

use reqwest::StatusCode;

use super::helpers::{TestApp, json_of};

#[tokio::test]
async fn health_endpoints_report_ok() {
    let app = TestApp::spawn().await;
    let live = json_of(app.get("/api/v1/health/live", None).await).await;
    assert_eq!(live["status"], "ok");
    let ready = json_of(app.get("/api/v1/health/ready", None).await).await;
    assert_eq!(
        (ready["database"].as_bool(), ready["queue"].as_bool()),
        (Some(true), Some(true))
    );
}

#[tokio::test]
async fn model_endpoint_describes_the_bundled_model() {
    let app = TestApp::spawn().await;
    let m = json_of(app.get("/api/v1/model", None).await).await;
    assert_eq!(m["currency"], "RUB");
    assert!(m["version"].as_str().is_some_and(|v| v.len() >= 8));
    assert!(m["training_rows"].as_u64().unwrap() > 2000);
    assert!(m["metrics"]["salary_from"]["mae"].as_f64().unwrap() > 0.0);
    assert!(
        m["data_file"]
            .as_str()
            .unwrap()
            .ends_with("hh_vacancies.csv")
    );
}

#[tokio::test]
async fn served_spec_matches_the_committed_openapi_file() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = json_of(app.get("/openapi.json", None).await).await;
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served, committed,
        "run `cargo run -p payrange-app -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn swagger_ui_and_the_web_ui_are_served() {
    let app = TestApp::spawn().await;
    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    let page = docs.text().await.unwrap();
    assert!(page.to_lowercase().contains("swagger"));
    // The page shows the served document itself: input rules and links included.
    let served = app.get("/openapi.json", None).await.text().await.unwrap();
    assert!(page.contains(&served), "the docs embed /openapi.json");
    assert!(served.contains("additionalProperties") && served.contains("\"links\""));
    let index = app.get("/", None).await;
    assert_eq!(index.status(), StatusCode::OK);
    assert!(index.text().await.unwrap().contains("<html"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_jobs_by_outcome() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app
        .submit(
            &user,
            &super::helpers::vacancy("Python developer"),
            Some(10),
        )
        .await;
    let id = json_of(r).await["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/predictions/{id}"), Some(&user.token))
        .await;
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.contains(r#"payrange_http_requests_total{route="/api/v1/predictions/{id}",method="GET",status="200"} 1"#), "{text}");
    assert!(
        text.contains(r#"payrange_jobs_total{outcome="done"} 1"#),
        "{text}"
    );
    assert!(text.contains("payrange_job_run_seconds_count 1"), "{text}");
    assert!(
        text.contains("payrange_model_info{market=\"ru\",version="),
        "{text}"
    );
    assert!(
        text.contains("payrange_model_info{market=\"uk\",version="),
        "{text}"
    );
    assert!(!text.contains(&id), "ids must not become labels");
}

#[tokio::test]
async fn static_files_answer_conditional_requests_with_304() {
    let app = TestApp::spawn().await;
    let first = app.get("/app.js", None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/app.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
