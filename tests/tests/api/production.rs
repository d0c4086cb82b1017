//! Production mode end to end: `serve` that only publishes and a separate worker, on a fresh
//! PostgreSQL database and RabbitMQ queue. Runs when `TEST_DATABASE_URL` and `TEST_AMQP_URL`
//! are set; under `TEST_REQUIRE_SERVICES=1` their absence is a failure.

use std::time::Duration;

use amqprs::channel::{ExchangeDeleteArguments, QueueDeleteArguments};
use amqprs::connection::Connection;
use payrange_app::Settings;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::oneshot;

use super::helpers::{TestApp, json_of, vacancy};

/// `(database url, amqp url)`, or `None` to skip.
pub(super) fn services() -> Option<(String, String)> {
    let db = std::env::var("TEST_DATABASE_URL").ok();
    let amqp = std::env::var("TEST_AMQP_URL").ok();
    match (db, amqp) {
        (Some(db), Some(amqp)) => Some((db, amqp)),
        _ => {
            assert!(
                std::env::var("TEST_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "TEST_DATABASE_URL and TEST_AMQP_URL are required"
            );
            eprintln!("SKIPPED: set TEST_DATABASE_URL and TEST_AMQP_URL");
            None
        }
    }
}

/// Creates a fresh database next to `admin_url`'s and returns its URL.
pub(super) async fn fresh_database(admin_url: &str) -> (String, String) {
    let name = format!("payrange_api_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    (format!("{base}/{name}"), name)
}

/// Drops the test's database and deletes its queues and dead-letter exchange when the test
/// ends, also when it panicked, so that runs leave nothing behind on the shared servers.
pub(super) struct Cleanup {
    pub(super) admin_url: String,
    pub(super) database: String,
    pub(super) amqp_url: String,
    pub(super) queue: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let admin_url = std::mem::take(&mut self.admin_url);
        let database = std::mem::take(&mut self.database);
        let amqp_url = std::mem::take(&mut self.amqp_url);
        let queue = std::mem::take(&mut self.queue);
        // Drop runs inside the test's runtime: use one of our own on another thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().ok()?;
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                    let _ = admin.execute_unprepared(&sql).await;
                }
                let args = payrange_queue_amqp::connection_arguments(&amqp_url).ok()?;
                let connection = Connection::open(&args).await.ok()?;
                let channel = connection.open_channel(None).await.ok()?;
                let dead = format!("{queue}.dead");
                for q in [&queue, &dead] {
                    let _ = channel.queue_delete(QueueDeleteArguments::new(q)).await;
                }
                let _ = channel
                    .exchange_delete(ExchangeDeleteArguments::new(&dead))
                    .await;
                connection.close().await.ok()
            })
        })
        .join();
    }
}

pub(super) fn production(settings: &mut Settings, db: &str, amqp: &str, queue: &str) {
    settings.database_url = db.into();
    settings.amqp_url = Some(amqp.to_owned().into());
    settings.amqp_queue = queue.to_owned();
    settings.token_key = Some("42".repeat(32).into());
}

#[tokio::test]
async fn serve_publishes_and_a_separate_worker_completes_on_postgres_and_rabbitmq() {
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
    let user = app.user().await;

    // No worker yet: the job waits in RabbitMQ, the prediction stays queued.
    let r = app.submit(&user, &vacancy("Java developer"), Some(1)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let id = json_of(r).await["id"].as_str().unwrap().to_owned();

    let mut settings = Settings::default();
    production(&mut settings, &db, &amqp, &queue);
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
