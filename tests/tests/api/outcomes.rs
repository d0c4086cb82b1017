//! Real outcomes: recording, replacing and clearing the real salary of an estimate; who may;
//! what is refused and how; the model-version filters of the history and the admin log; the
//! admin accuracy table; and the round trip into a training file `payrange train` accepts.

use payrange_domain::models::{Prediction, UserId, Vacancy};
use payrange_domain::ports::LogStore as _;
use payrange_store_sea_orm::{SeaOrmStore, StoreSettings};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::helpers::{TestApp, User, assert_error, json_of, train_quickly, vacancy};

async fn put_outcome(app: &TestApp, user: Option<&User>, id: &str, body: &Value) -> Response {
    let mut req = app
        .client
        .put(app.url(&format!("/api/v1/predictions/{id}/outcome")))
        .json(body);
    if let Some(u) = user {
        req = req.bearer_auth(&u.token);
    }
    req.send().await.unwrap()
}

async fn delete_outcome(app: &TestApp, user: &User, id: &str) -> Response {
    app.client
        .delete(app.url(&format!("/api/v1/predictions/{id}/outcome")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

/// Submits `vacancy` and waits for its finished prediction.
async fn done(app: &TestApp, user: &User, vacancy: &Value) -> Value {
    let r = app.submit(user, vacancy, Some(20)).await;
    assert_eq!(r.status(), StatusCode::OK, "not finished in time");
    let p = json_of(r).await;
    assert_eq!(p["status"], "done", "{p}");
    assert_eq!(p["outcome"], Value::Null, "{p}");
    p
}

async fn prediction(app: &TestApp, user: &User, id: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/predictions/{id}"), Some(&user.token))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    json_of(r).await
}

#[tokio::test]
async fn the_owner_records_replaces_and_clears_the_real_salary_of_a_finished_estimate() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let p = done(&app, &ann, &vacancy("Python developer")).await;
    let id = p["id"].as_str().unwrap();

    let r = put_outcome(
        &app,
        Some(&ann),
        id,
        &json!({"salary_from": 180000, "salary_to": 220000.5, "currency": "rub", "kind": "offered"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stored = json_of(r).await;
    assert_eq!(stored["salary_from"], 180_000.0);
    assert_eq!(stored["salary_to"], 220_000.5);
    assert_eq!(stored["currency"], "RUB");
    assert_eq!(stored["kind"], "offered");
    assert!(stored["recorded_at"].is_string(), "{stored}");
    assert_eq!(prediction(&app, &ann, id).await["outcome"], stored);
    let history = json_of(app.get("/api/v1/predictions", Some(&ann.token)).await).await;
    assert_eq!(history["items"][0]["outcome"], stored);

    // Recording again replaces it; currency and kind may be left out.
    let r = put_outcome(&app, Some(&ann), id, &json!({"salary_to": 250000})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let replaced = prediction(&app, &ann, id).await["outcome"].clone();
    assert_eq!(replaced["salary_from"], Value::Null);
    assert_eq!(replaced["salary_to"], 250_000.0);
    assert_eq!(replaced["currency"], "RUB");
    assert_eq!(replaced["kind"], Value::Null);

    // The data download carries it too, in both forms.
    let export = json_of(app.get("/api/v1/users/me/export", Some(&ann.token)).await).await;
    assert_eq!(export["predictions"][0]["outcome"], replaced, "{export}");
    let rows = app.export_csv(&ann).await;
    let row = rows.iter().find(|r| r["kind"] == "prediction").unwrap();
    assert_eq!(row["outcome_salary_to"], "250000.0", "{row:?}");

    let r = delete_outcome(&app, &ann, id).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(prediction(&app, &ann, id).await["outcome"], Value::Null);
    // Clearing what is not there is no error.
    assert_eq!(
        delete_outcome(&app, &ann, id).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_bad_outcome_is_a_422_naming_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let p = done(&app, &ann, &vacancy("Data engineer")).await;
    let id = p["id"].as_str().unwrap();
    for (body, field) in [
        (json!({}), "salary_from"),
        (
            json!({"salary_from": null, "salary_to": null}),
            "salary_from",
        ),
        (json!({"salary_from": 0}), "salary_from"),
        (json!({"salary_to": -100}), "salary_to"),
        (json!({"salary_to": 1e12}), "salary_to"),
        (
            json!({"salary_from": 300000, "salary_to": 200000}),
            "salary_from",
        ),
        (json!({"salary_from": 1000, "currency": "USD"}), "currency"),
        (json!({"salary_from": 1000, "kind": "rumoured"}), "kind"),
        (json!({"salary_from": "lots"}), "salary_from"),
        (json!({"salary_from": 1000, "bonus": 5}), "bonus"),
    ] {
        let r = put_outcome(&app, Some(&ann), id, &body).await;
        let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let named = err["details"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            named == field || err["message"].as_str().unwrap().contains(field),
            "{body} -> {err}"
        );
    }
    let err = assert_error(
        put_outcome(
            &app,
            Some(&ann),
            id,
            &json!({"salary_from": 1000, "currency": "USD"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("RUB"),
        "names the expected currency as clients know it: {err}"
    );
    assert_eq!(prediction(&app, &ann, id).await["outcome"], Value::Null);
}

#[tokio::test]
async fn only_the_owner_of_a_done_prediction_may_record_its_outcome() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let bob = app.user().await;
    let p = done(&app, &ann, &vacancy("QA engineer")).await;
    let id = p["id"].as_str().unwrap();
    let ok = json!({"salary_from": 100000});

    assert_error(
        put_outcome(&app, Some(&bob), id, &ok).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        delete_outcome(&app, &bob, id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_error(
        put_outcome(&app, Some(&ann), &unknown, &ok).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        put_outcome(&app, None, id, &ok).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    // A queued prediction (stored without a job, so it stays queued) is refused with 409.
    let me = json_of(app.get("/api/v1/users/me", Some(&ann.token)).await).await;
    let owner = UserId::from_uuid(me["id"].as_str().unwrap().parse().unwrap());
    let store = SeaOrmStore::connect(&StoreSettings::new(&app.database_url))
        .await
        .unwrap();
    let queued = Prediction::queued(
        owner,
        Vacancy::new("Waiting", "Still in the queue.", None).unwrap(),
        None,
        time::OffsetDateTime::now_utc(),
    );
    store.insert_prediction(&queued).await.unwrap();
    let queued_id = queued.id.to_string();
    assert_error(
        put_outcome(&app, Some(&ann), &queued_id, &ok).await,
        StatusCode::CONFLICT,
        "prediction_not_done",
    )
    .await;
    assert_error(
        delete_outcome(&app, &ann, &queued_id).await,
        StatusCode::CONFLICT,
        "prediction_not_done",
    )
    .await;
    assert_eq!(prediction(&app, &ann, id).await["outcome"], Value::Null);
}

#[tokio::test]
async fn history_and_the_admin_log_filter_by_model_version_and_admins_see_accuracy() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let admin = app.admin().await;
    let p = done(&app, &ann, &vacancy("Backend developer")).await;
    let id = p["id"].as_str().unwrap();
    let version = p["model_version"].as_str().unwrap().to_owned();

    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (path, token) in [
        ("/api/v1/predictions", &ann.token),
        ("/api/v1/admin/predictions", &admin.token),
    ] {
        let page = app
            .get(&format!("{path}?model_version={version}"), Some(token))
            .await;
        assert_eq!(ids(json_of(page).await), vec![id.to_owned()]);
        let page = app
            .get(&format!("{path}?model_version=no-such-model"), Some(token))
            .await;
        assert!(ids(json_of(page).await).is_empty());
        // Empty, or holding what no version holds (a NUL byte, which PostgreSQL could not
        // even compare): 422 naming the parameter, before any query.
        for bad in ["", "%00", "a%20b", &"x".repeat(101)] {
            let r = app
                .get(&format!("{path}?model_version={bad}"), Some(token))
                .await;
            let err = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert!(err.to_string().contains("model_version"), "{bad}: {err}");
        }
    }

    // Accuracy: empty, then one outcome's figures.
    let accuracy = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/admin/accuracy", Some(&token)).await }
    };
    let empty = json_of(accuracy(admin.token.clone()).await).await;
    assert_eq!(empty["items"], json!([]));
    let (from, to) = (
        p["salary_from"].as_f64().unwrap(),
        p["salary_to"].as_f64().unwrap(),
    );
    let real = json!({"salary_from": (from + 10000.0).round(), "salary_to": (to - 5000.0).round()});
    assert_eq!(
        put_outcome(&app, Some(&ann), id, &real).await.status(),
        StatusCode::OK
    );
    let table = json_of(accuracy(admin.token.clone()).await).await;
    let row = &table["items"][0];
    assert_eq!(row["model_version"], version.as_str());
    assert_eq!(row["outcomes"], 1);
    assert_eq!(row["salary_from_count"], 1);
    assert_eq!(row["salary_to_count"], 1);
    // Within a unit: the API rounds the estimate it shows, the figures use the exact one.
    assert!(
        (row["salary_from_mae"].as_f64().unwrap() - 10000.0).abs() <= 1.0,
        "{row}"
    );
    assert!(
        (row["salary_to_mae"].as_f64().unwrap() - 5000.0).abs() <= 1.0,
        "{row}"
    );
    if p["likely_from"].is_number() {
        assert_eq!(row["likely_count"], 1);
        let mid = (from + 10000.0 + to - 5000.0) / 2.0;
        let inside =
            p["likely_from"].as_f64().unwrap() <= mid && mid <= p["likely_to"].as_f64().unwrap();
        assert_eq!(row["inside_likely"], if inside { 1.0 } else { 0.0 });
    }
    assert_error(
        accuracy(ann.token.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn outcomes_round_trip_into_a_training_file_that_train_accepts() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let names = [
        "Python developer",
        "Java developer",
        "Системный администратор",
        "Бухгалтер",
        "Менеджер по продажам",
        "Водитель",
        "Data scientist",
        "Frontend developer",
        "Product manager",
        "Тестировщик",
        "DevOps engineer",
        "Аналитик данных",
    ];
    let mut expected = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let p = done(&app, &ann, &vacancy(name)).await;
        let id = p["id"].as_str().unwrap().to_owned();
        let from = 60_000.0 + 10_000.0 * i as f64;
        let body = if i % 3 == 0 {
            json!({"salary_from": from, "kind": "published"})
        } else {
            json!({"salary_from": from, "salary_to": from + 40_000.5})
        };
        assert_eq!(
            put_outcome(&app, Some(&ann), &id, &body).await.status(),
            StatusCode::OK
        );
        expected.push((id, name.to_string(), body));
    }
    // One without an outcome is not exported.
    done(&app, &ann, &vacancy("Курьер")).await;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outcomes.csv");
    let written = payrange_app::training_export::export_training_data(&app.database_url, &out)
        .await
        .unwrap();
    assert_eq!(written, names.len());

    let loaded = payrange_ml::data::load_csv(&out, true).unwrap();
    assert!(loaded.bad_rows.is_empty(), "{:?}", loaded.bad_rows);
    assert_eq!(loaded.rows.len(), names.len());
    for (row, (id, name, body)) in loaded.rows.iter().zip(&expected) {
        assert_eq!(&row.id, id);
        assert_eq!(&row.name, name);
        assert_eq!(row.area.as_deref(), Some("Москва"));
        assert_eq!(row.currency.as_deref(), Some("RUR"));
        assert_eq!(row.salary_from, body["salary_from"].as_f64());
        assert_eq!(row.salary_to, body["salary_to"].as_f64());
        assert!(row.description.starts_with("Разработка backend"));
    }
    let bytes = std::fs::read_to_string(&out).unwrap();
    assert!(
        bytes.starts_with("id,name,description,salary_from,salary_to,currency,area,source\r\n")
    );
    assert!(bytes.contains(",payrange:published\r\n"), "{bytes}");

    // And `payrange train` takes it.
    let model = dir.path().join("model.json");
    let trained = train_quickly(&out, &model);
    assert_eq!(trained.data.rows.len(), names.len());
    assert!(model.exists());
}
