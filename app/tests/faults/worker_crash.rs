//! A worker SIGKILLed mid-job: its jobs are delivered again and each is completed once.

use std::time::Duration;

use sea_orm::ConnectionTrait as _;

use crate::support::client::{User, http};
use crate::support::inspect::{self, FinishGate};
use crate::support::processes::outcomes;
use crate::support::{Fixture, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_has_its_jobs_redelivered_and_each_completed_exactly_once() {
    let Some(f) = Fixture::on_shared_services(crate::PAYRANGE).await else {
        return;
    };
    // PostgreSQL checks every 100 ms whether the client of a running statement is still
    // there, so the killed worker's statements end with it instead of finishing later.
    let admin = inspect::connect(&f.admin_url).await;
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {} SET client_connection_check_interval = '100ms'",
            f.db_name
        ))
        .await
        .unwrap();
    let serve = f.deployment.serve("serve").await;
    let user = User::register(&serve.base()).await;
    let gate = FinishGate::install(&f.db_url).await;
    let mut doomed = f.deployment.worker("worker-doomed").await;

    // Both worker tasks are mid-job (result computed, not committed); the other four jobs
    // wait at the worker. A first delivery records its attempt together with its outcome, so
    // none of the six has changed in the database yet.
    let ids = gate.hold_two_of_six(&user, "Rust developer").await;
    let db = inspect::connect(&f.db_url).await;
    for id in &ids {
        assert_eq!(
            inspect::row(&db, id).await,
            ("queued".to_owned(), 0),
            "{id}"
        );
    }

    doomed.kill();
    // The database ends the dead worker's half-done statements by itself.
    gate.wait_for(0).await;
    gate.open().await;
    for id in &ids {
        assert_eq!(
            inspect::row(&db, id).await,
            ("queued".to_owned(), 0),
            "{id}"
        );
    }

    let survivor = f.deployment.worker("worker-survivor").await;
    for id in &ids {
        let p = user.finished(id, Duration::from_secs(30)).await;
        assert_eq!(p["status"], "done", "{p}");
    }
    // Delivered again, each was started (its attempt recorded first, in case this worker
    // dies too), then finished once.
    for id in &ids {
        assert_eq!(inspect::row(&db, id).await, ("done".to_owned(), 1), "{id}");
    }
    // Exactly one result per job: the killed worker wrote none, the survivor one each.
    assert!(doomed.processed().is_empty(), "{:?}", doomed.processed());
    let seen = eventually(
        "the survivor to log every job",
        Duration::from_secs(10),
        || {
            let seen = outcomes(&[&doomed, &survivor]);
            let ok = ids.iter().all(|id| seen.contains_key(id));
            async move { ok.then_some(seen) }
        },
    )
    .await;
    for id in &ids {
        assert_eq!(seen[id].get("done"), Some(&1), "{id}: {:?}", seen[id]);
        assert_eq!(seen[id].len(), 1, "{id}: {:?}", seen[id]);
    }

    // What an operator sees of it on the survivor's `/metrics`: every job done and timed, and
    // among its redeliveries at least the two that were mid-job (the other four as well if
    // the killed worker had taken them from the queue before it died).
    let metrics = http()
        .get(format!("{}/metrics", survivor.base()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |series: &str| -> usize {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{series} in {metrics}"))
    };
    assert_eq!(
        value("payrange_jobs_total{outcome=\"done\"}"),
        ids.len(),
        "{metrics}"
    );
    assert_eq!(
        value("payrange_job_run_seconds_count"),
        ids.len(),
        "{metrics}"
    );
    let redelivered = value("payrange_job_redeliveries_total");
    assert!((2..=ids.len()).contains(&redelivered), "{metrics}");
}
