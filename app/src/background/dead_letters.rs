//! The consumer of dead letters in `payrange worker`: takes each job the queue gave up on and
//! hands it to the domain's [`DeadLetterService`] (which marks its prediction failed and then
//! acknowledges it), then wakes whoever waits for that prediction in this process.

use std::sync::Arc;
use std::time::Duration;

use payrange_domain::ports::{JobQueue, QueueError};
use payrange_domain::services::DeadLetterService;

use crate::completions::Completions;

/// How long to wait after the broker or the store failed before taking the next dead letter.
const PAUSE: Duration = Duration::from_secs(1);

/// Handles dead letters until the queue is closed.
pub(super) async fn run(
    queue: Arc<dyn JobQueue>,
    service: DeadLetterService,
    completions: Completions,
) {
    loop {
        let letter = match queue.receive_dead_letter().await {
            Ok(letter) => letter,
            Err(QueueError::Closed) => break,
            Err(_) => {
                tokio::time::sleep(PAUSE).await;
                continue;
            }
        };
        let id = letter.job().prediction_id;
        let reason = letter.reason().map(str::to_owned);
        match service
            .handle(letter, time::OffsetDateTime::now_utc())
            .await
        {
            Ok(_) => {
                tracing::warn!(prediction_id = %id, reason = ?reason, "dead-lettered job marked failed");
                completions.finished(id, None);
            }
            Err(e) => {
                tracing::warn!(prediction_id = %id, error = %e, "cannot mark a dead letter failed yet");
                tokio::time::sleep(PAUSE).await;
            }
        }
    }
}
