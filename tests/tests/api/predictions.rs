//! Submitting, waiting, polling, history and isolation between users.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::helpers::{TestApp, assert_error, json_of, vacancy};

async fn poll_done(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..400 {
        let p = json_of(app.get(location, Some(token)).await).await;
        if p["status"] == "done" || p["status"] == "failed" {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("prediction did not finish");
}

fn assert_range(p: &Value) {
    assert_eq!(p["status"], "done", "{p}");
    let (from, to) = (
        p["salary_from"].as_f64().unwrap(),
        p["salary_to"].as_f64().unwrap(),
    );
    assert!(
        from > 10_000.0 && from <= to && to < 2_000_000.0,
        "{from}..{to}"
    );
    assert_eq!(p["currency"], "RUB");
    assert!(p["model_version"].as_str().is_some_and(|v| !v.is_empty()));
    let terms = p["explanation"]["salary_from"].as_array().unwrap();
    assert!(!terms.is_empty());
    assert!(terms[0]["term"].as_str().is_some() && terms[0]["contribution"].as_f64().is_some());
    assert!(p["finished_at"].as_str().is_some() && p["created_at"].as_str().is_some());
}

#[tokio::test]
async fn submit_returns_202_with_location_and_polling_gives_the_range() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app
        .submit(&user, &vacancy("Senior Python developer"), None)
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let queued = json_of(r).await;
    assert_eq!(
        location,
        format!("/api/v1/predictions/{}", queued["id"].as_str().unwrap())
    );
    assert!(matches!(
        queued["status"].as_str(),
        Some("queued" | "running" | "done")
    ));
    let done = poll_done(&app, &user.token, &location).await;
    assert_range(&done);
    let model = json_of(app.get("/api/v1/model", None).await).await;
    assert_eq!(done["model_version"], model["version"]);
    assert_eq!(done["area"], "Москва");
}

#[tokio::test]
async fn submit_with_wait_answers_200_with_the_finished_result() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let r = app
        .submit(&user, &vacancy("Data scientist"), Some(10))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_range(&json_of(r).await);
}

#[tokio::test]
async fn wait_above_30_seconds_returns_422_naming_wait() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let body = assert_error(
        app.submit(&user, &vacancy("x"), Some(31)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"][0]["field"], "wait");
}

#[tokio::test]
async fn a_seniority_word_raises_the_predicted_range() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let get = |name: &'static str| {
        let (app, user) = (&app, &user);
        async move { json_of(app.submit(user, &vacancy(name), Some(10)).await).await }
    };
    let junior = get("Junior Python developer").await;
    let lead = get("Lead Python developer").await;
    assert!(
        lead["salary_to"].as_f64() > junior["salary_to"].as_f64(),
        "{junior} {lead}"
    );
}

#[tokio::test]
async fn history_is_newest_first_and_pages_cover_everything_once() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let p = json_of(
            app.submit(&user, &vacancy(&format!("Developer {i}")), None)
                .await,
        )
        .await;
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/predictions?limit=2".to_owned();
    loop {
        let page = json_of(app.get(&path, Some(&user.token)).await).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/predictions?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let default = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
    assert_eq!(default["items"].as_array().unwrap().len(), 5);
    assert!(default["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_pagination_parameters_return_422_naming_them() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("limit=abc", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=%00%00", "cursor"),
    ] {
        let r = app
            .get(&format!("/api/v1/predictions?{query}"), Some(&user.token))
            .await;
        let body = assert_error(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn another_users_prediction_is_404_and_never_in_their_history() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.user().await, app.user().await);
    let p = json_of(app.submit(&ann, &vacancy("Accountant"), None).await).await;
    let path = format!("/api/v1/predictions/{}", p["id"].as_str().unwrap());
    let theirs = assert_error(
        app.get(&path, Some(&bob.token)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let unknown = assert_error(
        app.get(
            &format!("/api/v1/predictions/{}", uuid::Uuid::now_v7()),
            Some(&bob.token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(theirs, unknown);
    let history = json_of(app.get("/api/v1/predictions", Some(&bob.token)).await).await;
    assert_eq!(history["items"], json!([]));
    assert_error(
        app.get("/api/v1/predictions/not-a-uuid", Some(&bob.token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn predictions_require_authentication() {
    let app = TestApp::spawn().await;
    let r = app
        .post_json("/api/v1/predictions", &vacancy("x"), None)
        .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(
        app.get("/api/v1/predictions", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn queued_jobs_survive_a_restart_and_finish_after_it() {
    // Zero workers: jobs stay queued; the database keeps them across a restart.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db?mode=rwc", dir.path().display());
    let key = "11".repeat(32);
    let (url1, key1) = (url.clone(), key.clone());
    let first = TestApp::spawn_with(move |s| {
        s.database_url = url1.into();
        s.token_key = Some(key1.into());
        s.workers = 0;
    })
    .await;
    let user = first.user().await;
    let p = json_of(
        first
            .submit(&user, &vacancy("Backend developer"), None)
            .await,
    )
    .await;
    assert_eq!(p["status"], "queued");
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = TestApp::spawn_with(move |s| {
        s.database_url = url.into();
        s.token_key = Some(key.into());
    })
    .await;
    let done = poll_done(
        &second,
        &user.token,
        &format!("/api/v1/predictions/{}", p["id"].as_str().unwrap()),
    )
    .await;
    assert_range(&done);
}

#[tokio::test]
async fn submissions_beyond_the_quota_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.submit_quota = 2).await;
    let (ann, bob) = (app.user().await, app.user().await);
    for _ in 0..2 {
        assert_eq!(
            app.submit(&ann, &vacancy("Cook"), None).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let r = app.submit(&ann, &vacancy("Cook"), None).await;
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert_eq!(
        app.submit(&bob, &vacancy("Cook"), None).await.status(),
        StatusCode::ACCEPTED
    );
}

/// A client that gives up while its submission is being stored (here: the insert waits for
/// a write lock held by the test) must not leave the stored row without its job: the row is
/// still published and finished, never left `queued`. (poem does not drop a handler whose
/// HTTP/1 client left, so the submission runs to its end; were that to change, the store
/// would still write the row, which joined inserts run apart from the caller, while the
/// publish would be skipped, and this test would fail.)
#[tokio::test]
async fn a_submission_whose_client_went_away_mid_insert_still_gets_its_job() {
    use sea_orm::{ConnectOptions, ConnectionTrait, Database};

    let app = TestApp::spawn().await;
    let user = app.user().await;
    let mut options = ConnectOptions::new(app.database_url.clone());
    options.max_connections(1).sqlx_logging(false);
    let lock = Database::connect(options).await.unwrap();
    lock.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(app.url("/api/v1/predictions?wait=5"))
        .bearer_auth(&user.token)
        .json(&vacancy("Data engineer"))
        .send()
        .await;
    assert!(
        gave_up.as_ref().is_err_and(reqwest::Error::is_timeout),
        "the client should have given up: {gave_up:?}"
    );
    // The connection is gone; now let the insert through.
    tokio::time::sleep(Duration::from_millis(200)).await;
    lock.execute_unprepared("COMMIT").await.unwrap();

    let mut listed = Value::Null;
    for _ in 0..200 {
        listed = json_of(app.get("/api/v1/predictions", Some(&user.token)).await).await;
        if listed["items"][0]["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the row was stored: {listed}");
    assert_eq!(items[0]["status"], "done", "and its job ran: {listed}");
}
