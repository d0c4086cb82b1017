//! A worker told to stop (SIGTERM) finishes the jobs in hand and returns the others.

use std::time::Duration;

use crate::support::client::User;
use crate::support::inspect::{self, FinishGate};
use crate::support::processes::outcomes;
use crate::support::{Fixture, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_makes_a_worker_finish_its_jobs_in_hand_and_return_the_prefetched_ones() {
    let Some(f) = Fixture::on_shared_services(crate::PAYRANGE).await else {
        return;
    };
    let serve = f.deployment.serve("serve").await;
    let user = User::register(&serve.base()).await;
    let gate = FinishGate::install(&f.db_url).await;
    let mut stopping = f.deployment.worker("worker-stopping").await;

    // Two jobs in hand (mid-way, held at the gate); the other four prefetched by the worker.
    let ids = gate.hold_two_of_six(&user, "Kotlin developer").await;
    eventually(
        "the last four jobs to reach the worker",
        Duration::from_secs(10),
        || async { (inspect::ready_messages(&f.amqp_url, &f.queue).await == 0).then_some(()) },
    )
    .await;

    stopping.signal("TERM");
    // It hands the four it had not started back to the queue at once and keeps the two.
    eventually(
        "the prefetched jobs to be returned",
        Duration::from_secs(10),
        || async { (inspect::ready_messages(&f.amqp_url, &f.queue).await == 4).then_some(()) },
    )
    .await;
    assert!(stopping.running(), "it must finish its jobs before exiting");
    gate.open().await;
    let status = stopping.exited(Duration::from_secs(30)).await;
    assert!(status.success(), "{status}");

    let db = inspect::connect(&f.db_url).await;
    let mut in_hand = Vec::new();
    for id in &ids {
        match inspect::row(&db, id).await {
            (s, 1) if s == "done" => in_hand.push(id.clone()),
            (s, 0) if s == "queued" => {}
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!(in_hand, ids[..2], "the jobs in hand were finished");
    // What it finished it also acknowledged: the queue holds exactly the four others.
    assert_eq!(inspect::ready_messages(&f.amqp_url, &f.queue).await, 4);

    let next = f.deployment.worker("worker-next").await;
    for id in &ids {
        let p = user.finished(id, Duration::from_secs(30)).await;
        assert_eq!(p["status"], "done", "{p}");
        assert_eq!(p["attempts"], 1, "{p}");
    }
    let seen = eventually(
        "the next worker to log its jobs",
        Duration::from_secs(10),
        || {
            let seen = outcomes(&[&stopping, &next]);
            let ok = ids.iter().all(|id| seen.contains_key(id));
            async move { ok.then_some(seen) }
        },
    )
    .await;
    for id in &ids {
        assert_eq!(
            seen[id].iter().collect::<Vec<_>>(),
            vec![(&"done".to_owned(), &1)],
            "{id}"
        );
    }
}
