//! `/estimates`: the model tried without an account. The answer carries the estimate, nothing
//! is stored, tries are limited per client address, and the input is checked as for
//! `POST /predictions`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::{TestApp, assert_error, json_of, vacancy};

const TRY: &str = "/api/v1/estimates";

fn assert_estimate(e: &Value, name: &str) {
    assert_eq!(e["name"], name, "{e}");
    let from = e["salary_from"].as_f64().unwrap();
    let to = e["salary_to"].as_f64().unwrap();
    assert!(from > 0.0 && from <= to, "{e}");
    assert_eq!(from, from.round(), "whole currency units: {e}");
    assert_eq!(e["currency"], "RUB");
    let (lf, lt) = (
        e["likely_from"].as_f64().unwrap(),
        e["likely_to"].as_f64().unwrap(),
    );
    assert!(lf > 0.0 && lf <= lt, "{e}");
    assert_eq!(e["level"], 0.8);
    assert!(
        ["high", "medium", "low"].contains(&e["confidence"].as_str().unwrap()),
        "{e}"
    );
    assert!(!e["model_version"].as_str().unwrap().is_empty());
    assert!(
        e["explanation"]["salary_from"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "the explanation names the words behind the bound: {e}"
    );
    assert!(e["explanation"]["pay_basis"].is_string(), "{e}");
}

#[tokio::test]
async fn a_try_without_an_account_answers_with_the_estimate() {
    let app = TestApp::spawn().await;
    let r = app.post_json(TRY, &vacancy("Python developer"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let e = json_of(r).await;
    assert_estimate(&e, "Python developer");
    assert_eq!(e["area"], "Москва");
    assert!(e.get("id").is_none(), "nothing stored, so no id: {e}");
}

#[tokio::test]
async fn a_try_is_the_same_estimate_as_a_signed_in_prediction() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let v = vacancy("Senior Python developer");
    let tried = json_of(app.post_json(TRY, &v, None).await).await;
    let r = app.submit(&user, &v, Some(10)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let predicted = json_of(r).await;
    for field in [
        "salary_from",
        "salary_to",
        "currency",
        "likely_from",
        "likely_to",
        "level",
        "confidence",
        "model_version",
        "explanation",
    ] {
        assert_eq!(tried[field], predicted[field], "{field}");
    }
}

#[tokio::test]
async fn a_try_stores_nothing_no_prediction_no_history_no_log_entry() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let admin = app.admin().await;
    // Anonymous, and with a signed-in user's token: neither is kept.
    assert_eq!(
        app.post_json(TRY, &vacancy("anonymous try"), None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post_json(TRY, &vacancy("signed-in try"), Some(&user.token))
            .await
            .status(),
        StatusCode::OK
    );
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert_eq!(history["items"], json!([]), "{history}");
    let log = app
        .get("/api/v1/admin/predictions", Some(&admin.token))
        .await;
    assert_eq!(log.status(), StatusCode::OK);
    let log = json_of(log).await;
    assert_eq!(
        log["items"],
        json!([]),
        "the request log stays empty: {log}"
    );
    // And a real prediction does show up in both, so the listings above could have failed.
    assert_eq!(
        app.submit(&user, &vacancy("kept"), None).await.status(),
        StatusCode::ACCEPTED
    );
    let log = json_of(
        app.get("/api/v1/admin/predictions", Some(&admin.token))
            .await,
    )
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
}

#[tokio::test]
async fn tries_past_the_per_address_quota_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.try_quota = 3).await;
    for i in 0..3 {
        let r = app
            .post_json(TRY, &vacancy(&format!("try {i}")), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "try {i}");
    }
    let r = app.post_json(TRY, &vacancy("one too many"), None).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3601).contains(&retry), "Retry-After {retry}");
    let body = assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("estimates tried"),
        "{body}"
    );
    // A signed-in user's own predictions are not what this limits.
    let user = app.user().await;
    assert_eq!(
        app.submit(&user, &vacancy("kept"), None).await.status(),
        StatusCode::ACCEPTED
    );
    // The example costs no try, and is there when the tries are used up.
    let r = app.get("/api/v1/estimates/example", None).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn invalid_tries_get_the_same_422_as_predictions_and_cost_no_try() {
    let app = TestApp::spawn_with(|s| s.try_quota = 1).await;
    let cases = [
        (json!({"name": "", "description": "d"}), "name"),
        (json!({"name": "   ", "description": "d"}), "name"),
        (json!({"name": "n", "description": ""}), "description"),
        (json!({"name": "n"}), "description"),
        (
            json!({"name": "n", "description": "d", "area": "x".repeat(101)}),
            "area",
        ),
        (json!({"name": "x".repeat(201), "description": "d"}), "name"),
        (
            json!({"name": "n", "description": "d", "admin": true}),
            "admin",
        ),
        (json!({"name": "n\u{0}", "description": "d"}), "name"),
    ];
    let user = app.user().await;
    for (body, field) in &cases {
        let tried = app.post_json(TRY, body, None).await;
        let tried =
            assert_error(tried, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(tried["details"][0]["field"], *field, "{tried}");
        let submitted = app
            .post_json("/api/v1/predictions", body, Some(&user.token))
            .await;
        let submitted = json_of(submitted).await;
        assert_eq!(
            tried, submitted,
            "the same answer as a signed-in submission"
        );
    }
    let r = app.post_json(TRY, &vacancy("the one try"), None).await;
    assert_eq!(r.status(), StatusCode::OK, "refused input counted no try");
}

#[tokio::test]
async fn the_quota_can_be_lifted() {
    let app = TestApp::spawn_with(|s| s.try_quota = 0).await;
    for i in 0..8 {
        let r = app
            .post_json(TRY, &vacancy(&format!("try {i}")), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "try {i}");
    }
}

#[tokio::test]
async fn the_example_is_a_real_vacancy_estimated_by_the_model_and_kept() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/estimates/example", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let e = json_of(r).await;
    assert_estimate(&e, "Программист Python (Middle)");
    assert_eq!(e["area"], "Москва");
    assert!(e["description"].as_str().unwrap().chars().count() > 300);
    // Computed by the model: trying the same vacancy gives the same figures.
    let body = json!({"name": e["name"], "description": e["description"], "area": e["area"]});
    let tried = json_of(app.post_json(TRY, &body, None).await).await;
    assert_eq!(tried, e);
    let model = json_of(app.get("/api/v1/model", None).await).await;
    assert_eq!(e["model_version"], model["version"]);
    let again = json_of(app.get("/api/v1/estimates/example", None).await).await;
    assert_eq!(again, e);
    let head = app
        .client
        .head(app.url("/api/v1/estimates/example"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
}
