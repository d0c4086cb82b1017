//! A request id travels from the HTTP request into the job message and the worker's log
//! lines: `serve` and `worker` are separate processes with RabbitMQ between them, so the id
//! the worker logs can only have come through the message.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::client::User;
use crate::support::{Fixture, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_id_of_a_submission_reaches_the_workers_log_line_for_its_job() {
    let Some(f) = Fixture::on_shared_services(crate::PAYRANGE).await else {
        return;
    };
    let serve = f.deployment.serve("serve").await;
    let worker = f.deployment.worker("worker").await;
    let user = User::register(&serve.base()).await;

    // One id chosen by the client (a proxy's, say), and one that `serve` makes up for a
    // request without one (or with one it refuses: too long, or not [A-Za-z0-9_-]).
    let chosen = format!("trace-{}", uuid::Uuid::new_v4().simple());
    for sent in [chosen.as_str(), "not a valid id!"] {
        let r = user.submit_with_request_id("Rust developer", sent).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let echoed = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        if sent == chosen {
            assert_eq!(echoed, chosen, "a valid id is kept");
        } else {
            assert_ne!(echoed, sent, "an invalid id is replaced");
            assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
        }
        let body: Value = r.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        let p = user.finished(&id, Duration::from_secs(30)).await;
        assert_eq!(p["status"], "done", "{p}");

        let logged = eventually(
            "the worker to log the job",
            Duration::from_secs(10),
            || async {
                let ids = worker.request_ids_logged_for(&id);
                (!ids.is_empty()).then_some(ids)
            },
        )
        .await;
        assert_eq!(logged, vec![echoed], "the worker's line for {id}");
    }
}
