//! With a broker, a job can be lost between the prediction's row and the queue (a process
//! dying between the two, a broker losing a message): the reconciler republishes the
//! predictions left unfinished for `reconcile_after_secs`, a thousand at a time. Handling a
//! job twice is harmless, so republishing one that was merely slow is too.

use std::time::Duration;

use payrange_domain::services::PredictionService;

/// Every quarter of `after_secs` (1 s to 60 s), republishes the predictions created more than
/// `after_secs` ago and still unfinished; forever.
pub(super) async fn run(predictions: PredictionService, after_secs: u64) {
    let age = time::Duration::seconds(i64::try_from(after_secs).unwrap_or(i64::MAX));
    let every = Duration::from_secs((after_secs / 4).clamp(1, 60));
    loop {
        tokio::time::sleep(every).await;
        let before = time::OffsetDateTime::now_utc() - age;
        match predictions.republish_unfinished(before, 1000).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "reconciler republished stale predictions"),
            Err(e) => tracing::warn!(error = %e, "reconciler could not run"),
        }
    }
}
