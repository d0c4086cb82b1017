//! `/api/v1/batches`: batch estimates from a CSV file or a JSON list, in the embedded mode
//! (SQLite, in-process queue); the production mode (PostgreSQL, RabbitMQ, a separate worker)
//! is at the end.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::{TestApp, User, assert_error, json_of, vacancy};

/// A CSV of four vacancies whose third (starting on line 5, after a two-line quoted field)
/// has no title.
pub(super) const CSV_WITH_A_BAD_ROW: &str = "\u{feff}title,description,area\r\n\
    Rust developer,\"Backend services in Rust.\nTokio, PostgreSQL\",Москва\r\n\
    =HYPERLINK(\"x\"),Excel-shaped title; formulas must stay inert,\r\n\
    ,A row without a title,Казань\r\n\
    Python developer,\"Django, \"\"DRF\"\", Celery. Опыт от 3 лет\",\r\n";

pub(super) async fn upload_csv(app: &TestApp, user: &User, csv: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/batches/csv"))
        .bearer_auth(&user.token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

/// Polls the batch until `done`; its last state.
pub(super) async fn until_done(app: &TestApp, user: &User, id: &str) -> Value {
    let path = format!("/api/v1/batches/{id}");
    let mut batch = Value::Null;
    for _ in 0..600 {
        let r = app.get(&path, Some(&user.token)).await;
        assert_eq!(r.status(), StatusCode::OK);
        batch = json_of(r).await;
        if batch["done"] == true {
            return batch;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the batch did not finish: {batch}");
}

/// The results CSV, parsed into records (header first).
pub(super) async fn results(app: &TestApp, user: &User, id: &str) -> Vec<Vec<String>> {
    let r = app
        .get(
            &format!("/api/v1/batches/{id}/results.csv"),
            Some(&user.token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let text = r.text().await.unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Checks the submission answer and the finished batch of [`CSV_WITH_A_BAD_ROW`]; returns
/// the batch id.
pub(super) async fn check_csv_batch(app: &TestApp, user: &User) -> String {
    let r = upload_csv(app, user, CSV_WITH_A_BAD_ROW).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body = json_of(r).await;
    let id = body["batch"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/batches/{id}"));
    assert_eq!(body["batch"]["total"], 3, "{body}");
    assert_eq!(body["batch"]["rejected"], 1);
    let lines: Vec<u64> = body["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 4, 6]);
    assert_eq!(
        body["rejected"],
        json!([{"line": 5, "field": "name", "code": "validation_failed",
                "message": "name must not be empty"}])
    );

    let done = until_done(app, user, &id).await;
    assert_eq!(done["succeeded"], 3, "{done}");
    assert_eq!(done["failed"], 0);
    assert_eq!(done["queued"], 0);

    let rows = results(app, user, &id).await;
    assert_eq!(rows[0][..4], ["line", "name", "status", "salary_from"]);
    assert_eq!(rows.len(), 4, "a header and every accepted row: {rows:?}");
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    assert_eq!(rows[1][col("line")], "2");
    assert_eq!(rows[1][col("name")], "Rust developer");
    assert_eq!(
        rows[2][col("name")],
        "'=HYPERLINK(\"x\")",
        "formula neutralised"
    );
    assert_eq!(rows[3][col("line")], "6");
    let markets: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[col("market")].as_str())
        .collect();
    assert_eq!(markets, ["ru", "uk", "ru"]);
    for row in &rows[1..] {
        assert_eq!(row[col("status")], "done");
        let from: f64 = row[col("salary_from")].parse().unwrap();
        let to: f64 = row[col("salary_to")].parse().unwrap();
        assert!(from > 0.0 && from <= to, "{row:?}");
        assert_eq!(from.fract(), 0.0, "whole currency units: {row:?}");
        // The market comes from each row's text: the formula-shaped English title is `uk`.
        let currency = if row[col("market")] == "uk" {
            "GBP"
        } else {
            "RUB"
        };
        assert_eq!(row[col("currency")], currency, "{row:?}");
        assert!(!row[col("prediction_id")].is_empty());
    }
    // Each row is an ordinary prediction, in the history too.
    let history = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 3);
    id
}

#[tokio::test]
async fn a_csv_with_a_bad_row_reports_its_line_and_the_others_finish() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let id = check_csv_batch(&app, &user).await;
    let list = json_of(app.get("/api/v1/batches", Some(&user.token)).await).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["done"], true);
}

#[tokio::test]
async fn a_json_batch_validates_each_item_with_the_single_prediction_rules() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let long = "x".repeat(201);
    let body = json!({"items": [
        vacancy("Java developer"),
        {"description": "no name"},
        {"name": long, "description": "too long a title"},
        {"name": "Go developer", "description": "Go, Kubernetes", "area": null},
    ]});
    let r = app
        .post_json("/api/v1/batches", &body, Some(&user.token))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body = json_of(r).await;
    let rejected: Vec<(u64, &str, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap(),
                r["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            (2, "name", "validation_failed"),
            (3, "name", "validation_failed")
        ]
    );
    assert_eq!(body["accepted"][1]["line"], 4);
    let id = body["batch"]["id"].as_str().unwrap();
    let done = until_done(&app, &user, id).await;
    assert_eq!(done["succeeded"], 2);
    let rows = results(&app, &user, id).await;
    assert_eq!(rows.len(), 3);
}

#[tokio::test]
async fn more_than_1000_rows_empty_batches_and_unnamed_columns_are_refused_whole() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let mut csv = String::from("name,description\n");
    for i in 0..1001 {
        csv.push_str(&format!("Developer {i},Writes code\n"));
    }
    assert_error(
        upload_csv(&app, &user, &csv).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_rows",
    )
    .await;
    let items: Vec<Value> = (0..1001).map(|i| vacancy(&format!("Dev {i}"))).collect();
    let r = app
        .post_json(
            "/api/v1/batches",
            &json!({ "items": items }),
            Some(&user.token),
        )
        .await;
    assert_error(r, StatusCode::PAYLOAD_TOO_LARGE, "too_many_rows").await;
    assert_error(
        upload_csv(&app, &user, "name,description\n").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "empty_batch",
    )
    .await;
    let body = assert_error(
        upload_csv(&app, &user, "job,text\nA,B\n").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "csv_header",
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("job, text"),
        "{body}"
    );
    // Nothing was stored.
    let list = json_of(app.get("/api/v1/batches", Some(&user.token)).await).await;
    assert_eq!(list["items"], json!([]));
    // 1,000 rows fit (with the quota lifted).
    let app = TestApp::spawn_with(|s| s.submit_quota = 0).await;
    let user = app.user().await;
    let mut csv = String::from("name,description\n");
    for i in 0..1000 {
        csv.push_str(&format!("Developer {i},\"Writes code, reviews code\"\n"));
    }
    let r = upload_csv(&app, &user, &csv).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body = json_of(r).await;
    assert_eq!(body["batch"]["total"], 1000);
    assert_eq!(body["accepted"][999]["line"], 1001);
}

#[tokio::test]
async fn rows_past_the_quota_are_refused_and_a_batch_with_none_left_is_429() {
    let app = TestApp::spawn_with(|s| s.submit_quota = 3).await;
    let user = app.user().await;
    assert_eq!(
        app.submit(&user, &vacancy("One"), None).await.status(),
        StatusCode::ACCEPTED
    );
    let items: Vec<Value> = (0..4).map(|i| vacancy(&format!("Dev {i}"))).collect();
    let r = app
        .post_json(
            "/api/v1/batches",
            &json!({ "items": items }),
            Some(&user.token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body = json_of(r).await;
    assert_eq!(body["batch"]["total"], 2, "{body}");
    let refused: Vec<(u64, &str)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, vec![(3, "quota_exceeded"), (4, "quota_exceeded")]);

    let r = upload_csv(&app, &user, "name,description\nA,B\n").await;
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // The single submission shares the quota.
    assert_eq!(
        app.submit(&user, &vacancy("Two"), None).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let list = json_of(app.get("/api/v1/batches", Some(&user.token)).await).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the 429 stored nothing"
    );
}

#[tokio::test]
async fn another_users_batch_is_404_and_batches_need_a_session() {
    let app = TestApp::spawn().await;
    let ann = app.user().await;
    let bob = app.user().await;
    let r = upload_csv(&app, &ann, "name,description\nA,B\n").await;
    let id = json_of(r).await["batch"]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/v1/batches/{id}"),
        format!("/api/v1/batches/{id}/results.csv"),
    ] {
        assert_error(
            app.get(&path, Some(&bob.token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_error(
            app.get(&path, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    let list = json_of(app.get("/api/v1/batches", Some(&bob.token)).await).await;
    assert_eq!(list["items"], json!([]));
    let r = app
        .client
        .post(app.url("/api/v1/batches/csv"))
        .header("content-type", "text/csv")
        .body("name,description\nA,B\n")
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let r = app
        .client
        .post(app.url("/api/v1/batches"))
        .bearer_auth(&ann.token)
        .header("content-type", "application/xml")
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_batch_upload_may_be_larger_than_other_bodies_up_to_its_own_limit() {
    let app = TestApp::spawn_with(|s| {
        s.max_body_bytes = 4096;
        s.max_batch_body_bytes = 64 * 1024;
    })
    .await;
    let user = app.user().await;
    let mut csv = String::from("name,description\n");
    for i in 0..50 {
        csv.push_str(&format!("Developer {i},{}\n", "Rust and SQL. ".repeat(10)));
    }
    assert!(csv.len() > 4096);
    assert_eq!(
        upload_csv(&app, &user, &csv).await.status(),
        StatusCode::CREATED
    );
    let huge = format!("name,description\nA,{}\n", "x".repeat(70 * 1024));
    assert_error(
        upload_csv(&app, &user, &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}

#[tokio::test]
async fn production_mode_a_csv_batch_goes_through_rabbitmq_to_a_separate_worker() {
    use super::production::{Cleanup, fresh_database, production, services};
    let Some((admin, amqp)) = services() else {
        return;
    };
    let (db, database) = fresh_database(&admin).await;
    let queue = format!("payrange.test.{}", uuid::Uuid::new_v4().simple());
    let _cleanup = Cleanup {
        admin_url: admin.clone(),
        database,
        amqp_url: amqp.clone(),
        queue: queue.clone(),
    };
    let (db2, amqp2, queue2) = (db.clone(), amqp.clone(), queue.clone());
    let app = TestApp::spawn_with(move |s| production(s, &db2, &amqp2, &queue2)).await;
    let mut settings = payrange_app::Settings::default();
    production(&mut settings, &db, &amqp, &queue);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(payrange_app::run_worker(settings, async {
        let _ = stopped.await;
    }));
    let user = app.user().await;
    check_csv_batch(&app, &user).await;
    let other = app.user().await;
    let list = json_of(app.get("/api/v1/batches", Some(&user.token)).await).await;
    let id = list["items"][0]["id"].as_str().unwrap();
    assert_error(
        app.get(&format!("/api/v1/batches/{id}"), Some(&other.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let _ = stop.send(());
    worker.await.unwrap().unwrap();
}
