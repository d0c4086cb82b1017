//! A job that fails on every delivery is dead-lettered after a bounded number of deliveries
//! and shown to its owner as failed, with a reason.

use std::time::Duration;

use payrange_domain::services::DEAD_LETTER_REASON;

use crate::support::client::User;
use crate::support::inspect;
use crate::support::{Fixture, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_on_every_delivery_is_dead_lettered_and_its_owner_sees_it_failed() {
    let Some(mut f) = Fixture::on_shared_services(crate::PAYRANGE).await else {
        return;
    };
    let max_attempts: usize = 2;
    f.deployment
        .set("PAYRANGE_MAX_ATTEMPTS", &max_attempts.to_string());
    let serve = f.deployment.serve("serve").await;
    let user = User::register(&serve.base()).await;
    inspect::poison(&f.db_url, "Poisoned vacancy").await;
    let worker = f.deployment.worker("worker").await;

    let poisoned = user.submit_accepted("Poisoned vacancy").await;
    let healthy = user.submit_accepted("Healthy vacancy").await;

    let p = user.finished(&poisoned, Duration::from_secs(60)).await;
    assert_eq!(p["status"], "failed", "{p}");
    assert_eq!(p["error"], DEAD_LETTER_REASON, "{p}");
    let history = user.history().await;
    let listed = history
        .iter()
        .find(|h| h["id"] == poisoned.as_str())
        .unwrap();
    assert_eq!(listed["status"], "failed");
    assert_eq!(listed["error"], DEAD_LETTER_REASON);

    // The queue's delivery limit is max_attempts + 1 redeliveries: it was delivered
    // max_attempts + 2 times, failing each time, and then never again.
    eventually(
        "the last failed delivery to be logged",
        Duration::from_secs(5),
        || async { (worker.failed_attempts(&poisoned) >= max_attempts + 2).then_some(()) },
    )
    .await;
    assert_eq!(worker.failed_attempts(&poisoned), max_attempts + 2);
    let p = user.finished(&healthy, Duration::from_secs(30)).await;
    assert_eq!(
        p["status"], "done",
        "the worker goes on with other jobs: {p}"
    );
    assert_eq!(worker.failed_attempts(&poisoned), max_attempts + 2);
}
