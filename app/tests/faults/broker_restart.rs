//! RabbitMQ restarted under running processes with confirmed jobs waiting: every job
//! completes once it is back, publishers and consumers reconnect by themselves, and a
//! submission while it is down gets 503 and leaves no prediction queued forever.

use std::time::Duration;

use payrange_domain::services::QUEUE_UNAVAILABLE_REASON;
use reqwest::StatusCode;

use crate::support::client::{User, status_of};
use crate::support::processes::{Proc, outcomes};
use crate::support::servers::PrivateRabbit;
use crate::support::{Fixture, eventually, private_servers_available, scratch, shared_services};

async fn ready_is(proc: &Proc, status: StatusCode) {
    let url = format!("{}{}/ready", proc.base(), proc.health_prefix());
    let what = format!("{} to be {status} on /ready", proc.name);
    eventually(&what, Duration::from_secs(60), || async {
        (status_of(&url).await == Some(status)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_rabbitmq_restart_confirmed_jobs_complete_and_everyone_reconnects() {
    let Some((admin, _)) = shared_services() else {
        return;
    };
    if !private_servers_available() {
        return;
    }
    let rabbit = PrivateRabbit::start();
    let name = crate::support::unique("payrange_faults");
    let db_url = scratch::create_database(&admin, &name).await;
    let f = Fixture::new(crate::PAYRANGE, admin, name, db_url, rabbit.url());
    let mut serve = f.deployment.serve("serve").await;
    let mut worker = f.deployment.worker("worker").await;
    let user = User::register(&serve.base()).await;
    ready_is(&serve, StatusCode::OK).await;
    let first = user.submit_accepted("Haskell developer").await;
    assert_eq!(
        user.finished(&first, Duration::from_secs(30)).await["status"],
        "done"
    );

    // The worker is frozen (still connected): accepted jobs wait in RabbitMQ, confirmed.
    worker.signal("STOP");
    let mut waiting = Vec::new();
    for i in 0..10 {
        waiting.push(user.submit_accepted(&format!("OCaml developer {i}")).await);
    }

    rabbit.stop();
    ready_is(&serve, StatusCode::SERVICE_UNAVAILABLE).await;
    let live = format!("{}/api/v1/health/live", serve.base());
    assert_eq!(status_of(&live).await, Some(StatusCode::OK));
    // Broker down at submit: 503 with Retry-After, and the prediction is recorded failed.
    let r = user.submit("F# developer").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));

    rabbit.start_again();
    worker.signal("CONT");
    ready_is(&serve, StatusCode::OK).await;
    ready_is(&worker, StatusCode::OK).await;
    let last = user.submit_accepted("Clojure developer").await;
    for id in waiting.iter().chain([&first, &last]) {
        let p = user.finished(id, Duration::from_secs(60)).await;
        assert_eq!(p["status"], "done", "{p}");
    }

    // Nothing is left queued; the one refused while the broker was down is failed.
    let history = user.history().await;
    assert_eq!(history.len(), 13);
    let refused: Vec<_> = history.iter().filter(|p| p["status"] != "done").collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["status"], "failed");
    assert_eq!(refused[0]["error"], QUEUE_UNAVAILABLE_REASON);
    assert_eq!(refused[0]["name"], "F# developer");
    // And each job was completed once.
    let seen = outcomes(&[&worker]);
    for id in waiting.iter().chain([&first, &last]) {
        assert_eq!(seen[id].get("done"), Some(&1), "{id}: {:?}", seen[id]);
    }
    assert!(
        serve.running() && worker.running(),
        "no process was restarted"
    );
}
