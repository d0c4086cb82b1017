//! What a finished prediction carries beyond its bounds, wherever it is read (the submission
//! with `wait`, a `GET`, the history): the likely range and its confidence, terms as words with
//! their source and currency amount, a stated salary and the pay basis; and the model
//! endpoint's quality of the likely ranges.

use payrange_domain::models::Confidence;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::{TestApp, User, json_of, vacancy};

/// Submits `v` and waits for it to finish.
async fn predict(app: &TestApp, user: &User, v: &Value) -> Value {
    let r = app.submit(user, v, Some(30)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p = json_of(r).await;
    assert_eq!(p["status"], "done", "{p}");
    p
}

/// The likely range of a finished prediction: all four fields when the model is calibrated
/// (`model.likely` set), at its level, around the predicted range's middle, labelled by the
/// documented rule; none of them otherwise.
fn assert_likely_range(p: &Value, model: &Value) {
    let fields = ["likely_from", "likely_to", "level", "confidence"];
    for f in fields {
        assert!(
            p.get(f).is_some(),
            "{f} is always present (null or not): {p}"
        );
    }
    if model["likely"].is_null() {
        assert!(fields.iter().all(|f| p[f].is_null()), "{p}");
        return;
    }
    let (from, to) = (
        p["likely_from"].as_f64().unwrap(),
        p["likely_to"].as_f64().unwrap(),
    );
    let middle = f64::midpoint(
        p["salary_from"].as_f64().unwrap(),
        p["salary_to"].as_f64().unwrap(),
    );
    // Whole currency units, never float noise such as 249999.99999999983.
    for f in ["salary_from", "salary_to", "likely_from", "likely_to"] {
        assert_eq!(p[f].as_f64().unwrap().fract(), 0.0, "{f}: {p}");
    }
    assert!(0.0 < from && from <= middle && middle <= to, "{p}");
    assert_eq!(p["level"], model["likely"]["level"]);
    assert_eq!(p["level"].as_f64(), Some(0.8), "the default level");
    assert_eq!(
        p["confidence"].as_str(),
        Some(Confidence::of_band(from, to).as_str()),
        "{p}"
    );
}

/// Terms are words (no `source: ` prefix) with a source and an amount in whole currency units
/// that is `bound × (1 − e^−contribution)`, rounded.
fn assert_terms(p: &Value) {
    for bound in ["salary_from", "salary_to"] {
        let value = p[bound].as_f64().unwrap();
        let terms = p["explanation"][bound].as_array().unwrap();
        assert!(!terms.is_empty(), "{p}");
        for t in terms {
            let term = t["term"].as_str().unwrap();
            assert!(!term.is_empty() && !term.contains(": "), "a word: {t}");
            assert!(
                matches!(t["source"].as_str(), Some("title" | "description" | "area")),
                "{t}"
            );
            let (c, amount) = (
                t["contribution"].as_f64().unwrap(),
                t["amount"].as_f64().unwrap(),
            );
            let expected = value * (1.0 - (-c).exp());
            // The bound itself is rounded too: at most half a unit each way.
            assert!(
                amount.fract() == 0.0 && (amount - expected).abs() <= 1.0,
                "{amount} vs {expected}: {t}"
            );
        }
    }
}

#[tokio::test]
async fn a_finished_prediction_carries_its_likely_range_and_terms_with_amounts_everywhere() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let model = json_of(app.get("/api/v1/model", None).await).await;
    let done = predict(&app, &user, &vacancy("Senior Python developer")).await;
    assert_likely_range(&done, &model);
    assert!(
        !model["likely"].is_null(),
        "the bundled model gives likely ranges"
    );
    assert_terms(&done);
    let title_terms: Vec<_> = done["explanation"]["salary_to"]
        .as_array()
        .unwrap()
        .iter()
        .chain(done["explanation"]["salary_from"].as_array().unwrap())
        .filter(|t| t["source"] == "title")
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert!(
        title_terms.contains(&"senior"),
        "the title's seniority is named as a title word: {title_terms:?}"
    );
    assert!(
        done["explanation"]["stated_salary"].is_null(),
        "the vacancy states no salary: {done}"
    );
    assert_eq!(done["explanation"]["pay_basis"], "unstated");

    // The same through GET and in the history.
    let id = done["id"].as_str().unwrap();
    let got = json_of(
        app.get(&format!("/api/v1/predictions/{id}"), Some(&user.token))
            .await,
    )
    .await;
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    let listed = &history["items"][0];
    assert_eq!(listed["id"], done["id"]);
    for read in [&got, listed] {
        for field in RESULT_FIELDS {
            assert_eq!(read[field], done[field], "{field}");
        }
    }
}

/// A finished prediction's result, as every read must return it.
const RESULT_FIELDS: [&str; 8] = [
    "salary_from",
    "salary_to",
    "currency",
    "likely_from",
    "likely_to",
    "level",
    "confidence",
    "explanation",
];

#[tokio::test]
async fn a_stated_salary_is_reported_with_its_effect_and_the_pay_basis() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let model = json_of(app.get("/api/v1/model", None).await).await;
    let v = json!({
        "name": "Python developer",
        "description": "Разработка backend-сервисов на Python (Django, PostgreSQL). \
                        Зарплата от 250 000 до 350 000 руб. на руки. Опыт работы от 3 лет.",
        "area": "Москва"
    });
    let done = predict(&app, &user, &v).await;
    assert_likely_range(&done, &model);
    let stated = &done["explanation"]["stated_salary"];
    assert_eq!(
        (stated["from"].as_f64(), stated["to"].as_f64()),
        (Some(250_000.0), Some(350_000.0)),
        "{done}"
    );
    assert!(
        matches!(
            stated["effect"].as_str(),
            Some("used_as_given" | "moved_towards" | "set_aside")
        ),
        "{stated}"
    );
    assert_eq!(done["explanation"]["pay_basis"], "net", "«на руки»");
}

#[tokio::test]
async fn the_model_endpoint_reports_the_quality_of_its_likely_ranges() {
    let app = TestApp::spawn().await;
    let m = json_of(app.get("/api/v1/model", None).await).await;
    let likely = &m["likely"];
    assert!(likely.is_object(), "the bundled model is calibrated: {m}");
    let (level, coverage, width) = (
        likely["level"].as_f64().unwrap(),
        likely["coverage"].as_f64().unwrap(),
        likely["mean_width"].as_f64().unwrap(),
    );
    assert_eq!(level, 0.8);
    assert!(
        (0.7..=0.9).contains(&coverage),
        "coverage near the level: {likely}"
    );
    assert!(width > 0.0, "{likely}");
}
