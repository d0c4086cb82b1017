//! With batches (`PAYRANGE_WORKER_BATCH` above 1), a job failing on every delivery is still
//! retried and dead-lettered alone: the jobs that shared a batch with it are done, once each,
//! without a failed attempt.

use std::time::Duration;

use payrange_domain::services::DEAD_LETTER_REASON;

use crate::support::client::User;
use crate::support::inspect;
use crate::support::{Fixture, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_batches_a_job_failing_on_every_delivery_is_dead_lettered_alone() {
    let Some(mut f) = Fixture::on_shared_services(crate::PAYRANGE).await else {
        return;
    };
    let max_attempts: usize = 2;
    f.deployment
        .set("PAYRANGE_MAX_ATTEMPTS", &max_attempts.to_string());
    f.deployment.set("PAYRANGE_WORKER_BATCH", "16");
    let serve = f.deployment.serve("serve").await;
    let user = User::register(&serve.base()).await;
    inspect::poison(&f.db_url, "Poisoned vacancy").await;
    // Queued before any worker runs, so that they reach it together and are taken as batches.
    let poisoned = user.submit_accepted("Poisoned vacancy").await;
    let mut healthy = Vec::new();
    for i in 0..6 {
        healthy.push(user.submit_accepted(&format!("Healthy vacancy {i}")).await);
    }
    let worker = f.deployment.worker("worker").await;

    let p = user.finished(&poisoned, Duration::from_secs(60)).await;
    assert_eq!(p["status"], "failed", "{p}");
    assert_eq!(p["error"], DEAD_LETTER_REASON, "{p}");
    for id in &healthy {
        let p = user.finished(id, Duration::from_secs(30)).await;
        assert_eq!(p["status"], "done", "{p}");
        assert_eq!(p["attempts"], 1, "started once: {p}");
    }
    // As without batches: max_attempts + 2 failed deliveries of the poisoned job, one failed
    // attempt logged for each, and never one for a healthy job.
    eventually(
        "the last failed delivery to be logged",
        Duration::from_secs(5),
        || async { (worker.failed_attempts(&poisoned) >= max_attempts + 2).then_some(()) },
    )
    .await;
    assert_eq!(worker.failed_attempts(&poisoned), max_attempts + 2);
    let lines: Vec<serde_json::Value> = worker
        .log_text()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|v: &serde_json::Value| v["fields"]["message"] == "job processed")
        .collect();
    for id in &healthy {
        assert_eq!(worker.failed_attempts(id), 0, "{id}");
        let done: Vec<_> = lines
            .iter()
            .filter(|v| v["fields"]["prediction_id"] == id.as_str())
            .collect();
        assert_eq!(done.len(), 1, "{id} processed once: {done:?}");
        assert_eq!(done[0]["fields"]["outcome"], "done", "{id}");
    }
    assert!(
        lines
            .iter()
            .any(|v| v["fields"]["batch"].as_u64() > Some(1)),
        "the jobs were taken in batches"
    );
}
