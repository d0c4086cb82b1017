//! Production mode end to end: `serve` that only publishes and a separate worker, on a fresh
//! PostgreSQL database and RabbitMQ queue. Runs when `TEST_DATABASE_URL` and `TEST_AMQP_URL`
//! are set; under `CI=true` or `TEST_REQUIRE_SERVICES=1` their absence is a failure.

use std::time::Duration;

use payrange_app::Settings;
use reqwest::StatusCode;
use tokio::sync::oneshot;

use super::helpers::{Scratch, TestApp, json_of, vacancy};

// The names the production-mode tests of other files were written with; new tests take a
// `Scratch` instead.
pub(super) use super::helpers::production;
pub(super) use payrange_tests::scratch::Cleanup;
pub(super) use payrange_tests::shared_services as services;

/// Creates a fresh database next to `admin_url`'s; returns its URL and name.
pub(super) async fn fresh_database(admin_url: &str) -> (String, String) {
    let name = payrange_tests::unique("payrange_api");
    (
        payrange_tests::scratch::create_database(admin_url, &name).await,
        name,
    )
}

#[tokio::test]
async fn serve_publishes_and_a_separate_worker_completes_on_postgres_and_rabbitmq() {
    let Some(scratch) = Scratch::on_shared_services("payrange_api").await else {
        return;
    };
    let (db, amqp, queue) = (&scratch.db_url, &scratch.amqp_url, &scratch.queue);
    let app = TestApp::spawn_with(|s| production(s, db, amqp, queue)).await;
    let user = app.user().await;

    // No worker yet: the job waits in RabbitMQ, the prediction stays queued.
    let r = app.submit(&user, &vacancy("Java developer"), Some(1)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let id = json_of(r).await["id"].as_str().unwrap().to_owned();

    let mut settings = Settings::default();
    production(&mut settings, db, amqp, queue);
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = tokio::spawn(payrange_app::run_worker(settings, async {
        let _ = stopped.await;
    }));

    let path = format!("/api/v1/predictions/{id}");
    let mut done = serde_json::Value::Null;
    for _ in 0..200 {
        done = json_of(app.get(&path, Some(&user.token)).await).await;
        if done["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    assert!(done["salary_from"].as_f64() <= done["salary_to"].as_f64());
    assert_eq!(done["attempts"], 1);

    // With the worker running, wait=10 answers with the result.
    let r = app.submit(&user, &vacancy("Go developer"), Some(10)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ready = json_of(app.get("/api/v1/health/ready", None).await).await;
    assert_eq!(ready["status"], "ok");

    let _ = stop.send(());
    worker.await.unwrap().unwrap();
}
