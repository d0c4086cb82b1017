//! Scale-out: the topology of `deploy/local-cluster.sh` (2 `payrange serve` and 3 `payrange
//! worker` processes on PostgreSQL and RabbitMQ) takes 2,000 predictions from 20 users at
//! once while one worker is SIGKILLed and started again. Afterwards every accepted prediction
//! is done, none was completed twice, and each user's history holds exactly their own.
//!
//! Uses the shared `TEST_DATABASE_URL` and `TEST_AMQP_URL` with a database and queue of its
//! own (nothing is restarted). Skipped without them, except under `CI=true` or
//! `TEST_REQUIRE_SERVICES=1`, where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use payrange_tests as support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::client::User;
use support::processes::outcomes;
use support::{Fixture, eventually, inspect};

/// The `payrange` binary cargo built for this package's tests, which the harness starts.
const PAYRANGE: &str = env!("CARGO_BIN_EXE_payrange");

const USERS: usize = 20;
const PER_USER: usize = 100;
/// Most jobs a `payrange worker` process has in hand, committed perhaps but not yet logged:
/// its tasks' batches (`PAYRANGE_WORKERS` 2 x `PAYRANGE_WORKER_BATCH` 16, the defaults). With
/// one job per message the prefetch window (16 messages) was the tighter bound; a message
/// now holds up to 16 jobs.
const IN_HAND: usize = 2 * 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serves_and_three_workers_complete_2000_concurrent_predictions_once_despite_a_killed_worker()
 {
    let Some(mut f) = Fixture::on_shared_services(PAYRANGE).await else {
        return;
    };
    // The deployment's default pool size, as local-cluster.sh runs it.
    f.deployment.set("PAYRANGE_DATABASE_MAX_CONNECTIONS", "8");
    let serves = [
        f.deployment.serve("serve-0").await,
        f.deployment.serve("serve-1").await,
    ];
    let mut workers = vec![
        f.deployment.worker("worker-0").await,
        f.deployment.worker("worker-1").await,
        f.deployment.worker("worker-2").await,
    ];
    let bases: Vec<String> = serves.iter().map(|s| s.base()).collect();
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(User::register(&bases[i % 2]).await);
    }

    // Every user submits PER_USER predictions, alternating between the two `serve`s.
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut submitters = tokio::task::JoinSet::new();
    for (i, user) in users.iter().enumerate() {
        let (user, bases, accepted) = (user.clone(), bases.clone(), accepted.clone());
        submitters.spawn(async move {
            let mut ids = Vec::with_capacity(PER_USER);
            for j in 0..PER_USER {
                let at = user.at(&bases[j % 2]);
                ids.push(at.submit_accepted(&format!("Developer {i}-{j}")).await);
                accepted.fetch_add(1, Ordering::SeqCst);
            }
            (i, ids)
        });
    }

    // Mid-way, once worker-0 has done some of the work, it is SIGKILLed and started again.
    eventually(
        "a third of the submissions",
        Duration::from_secs(300),
        || async { (accepted.load(Ordering::SeqCst) >= USERS * PER_USER / 3).then_some(()) },
    )
    .await;
    eventually(
        "worker-0 to process jobs",
        Duration::from_secs(60),
        || async { (!workers[0].processed().is_empty()).then_some(()) },
    )
    .await;
    workers[0].kill();
    let during = accepted.load(Ordering::SeqCst);
    workers.push(f.deployment.worker("worker-0-again").await);

    let mut submitted: HashMap<usize, Vec<String>> = HashMap::new();
    while let Some(joined) = submitters.join_next().await {
        let (i, ids) = joined.unwrap();
        submitted.insert(i, ids);
    }
    let total = USERS * PER_USER;
    assert_eq!(accepted.load(Ordering::SeqCst), total);
    assert!(
        during < total,
        "the worker was killed while submissions went on"
    );

    // Accepted = done.
    let db = inspect::connect(&f.db_url).await;
    let statuses = eventually(
        "every prediction to be done",
        Duration::from_secs(300),
        || async {
            let s = inspect::statuses(&db).await;
            (s.get("done").copied() == Some(i64::try_from(total).unwrap())).then_some(s)
        },
    )
    .await;
    assert_eq!(statuses.len(), 1, "{statuses:?}");

    // Each user's history (read through the other `serve`) is exactly their submissions.
    for (i, user) in users.iter().enumerate() {
        let history = user.at(&bases[(i + 1) % 2]).history().await;
        let listed: Vec<&str> = history.iter().map(|p| p["id"].as_str().unwrap()).collect();
        let unique: HashSet<&str> = listed.iter().copied().collect();
        let own: HashSet<&str> = submitted[&i].iter().map(String::as_str).collect();
        assert_eq!(listed.len(), PER_USER, "user {i}: no duplicates");
        assert_eq!(unique, own, "user {i}: exactly their own");
        assert!(history.iter().all(|p| p["status"] == "done"));
    }

    // No prediction was completed twice, across all four worker processes' logs.
    let worker_refs: Vec<_> = workers.iter().collect();
    let seen = eventually(
        "the workers to log every job",
        Duration::from_secs(30),
        || {
            let seen = outcomes(&worker_refs);
            let logged = seen.values().filter(|o| o.contains_key("done")).count();
            // The killed worker may have died between committing results and logging them,
            // with at most its tasks' batches in hand.
            async move { (logged + IN_HAND >= total).then_some(seen) }
        },
    )
    .await;
    for w in &workers {
        let mut by_outcome: HashMap<String, usize> = HashMap::new();
        for (_, outcome) in w.processed() {
            *by_outcome.entry(outcome).or_default() += 1;
        }
        eprintln!("{}: {by_outcome:?}", w.name);
    }
    eprintln!("worker-0 was killed after {during} of {total} submissions were accepted");
    let accepted_ids: HashSet<&String> = submitted.values().flatten().collect();
    for (id, by_outcome) in &seen {
        assert!(accepted_ids.contains(id), "unknown prediction {id}");
        assert!(
            by_outcome.get("done").is_none_or(|n| *n == 1),
            "{id}: {by_outcome:?}"
        );
    }
}
