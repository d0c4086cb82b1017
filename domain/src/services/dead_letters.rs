//! Dead letters: what becomes of a job the queue gave up on (rejected by a worker, or
//! delivered more often than the queue allows). Its prediction is marked failed with
//! [`DEAD_LETTER_REASON`], so that its owner sees it failed rather than pending forever, and
//! only then is the dead letter acknowledged.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::models::PredictionId;
use crate::ports::{DeadLetter, LogStore, StoreError};

/// Reason shown to the owner of a dead-lettered job.
pub const DEAD_LETTER_REASON: &str =
    "this request could not be processed after repeated attempts and was given up";

/// What handling one dead letter did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLettered {
    /// The prediction of the job given up on (its waiters may be woken).
    pub prediction_id: PredictionId,
    /// Whether this call marked it failed; `false` when it was already finished (a worker
    /// finished it before the job was given up on, or the letter came twice) or is gone.
    pub marked_failed: bool,
}

/// Settles dead letters. Idempotent by prediction id: a dead letter that comes again writes
/// nothing more.
#[derive(Clone)]
pub struct DeadLetterService {
    logs: Arc<dyn LogStore>,
}

impl DeadLetterService {
    /// Wires the use case to its port.
    #[must_use]
    pub fn new(logs: Arc<dyn LogStore>) -> Self {
        Self { logs }
    }

    /// Marks the prediction of `letter`'s job failed with [`DEAD_LETTER_REASON`] at `at`
    /// (unless it is already finished), then acknowledges the letter. An acknowledgement that
    /// fails is not reported: the letter comes again and finds its prediction finished.
    ///
    /// # Errors
    /// [`StoreError`] if the failure could not be recorded; the letter is then dropped
    /// unacknowledged, so it comes again (the caller backs off before taking the next).
    pub async fn handle(
        &self,
        letter: Box<dyn DeadLetter>,
        at: OffsetDateTime,
    ) -> Result<DeadLettered, StoreError> {
        let prediction_id = letter.job().prediction_id;
        let marked_failed = self
            .logs
            .finish_prediction(prediction_id, Err(DEAD_LETTER_REASON), at)
            .await?;
        // Not acknowledged is harmless (see above).
        let _ = letter.ack().await;
        Ok(DeadLettered {
            prediction_id,
            marked_failed,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::memory::MemoryStore;
    use crate::models::{Prediction, PredictionStatus, UserId, Vacancy};
    use crate::services::fakes::{FakeDeadLetter, UnavailableLogs};

    async fn queued(store: &MemoryStore) -> Prediction {
        let vacancy = Vacancy::new("Rust developer", "Build services", None).unwrap();
        let p = Prediction::queued(UserId::generate(), vacancy, None, OffsetDateTime::now_utc());
        store.insert_prediction(&p).await.unwrap();
        p
    }

    #[tokio::test]
    async fn a_dead_letter_marks_its_prediction_failed_then_is_acknowledged() {
        let store = Arc::new(MemoryStore::new());
        let p = queued(&store).await;
        let (letter, acked) = FakeDeadLetter::of(p.id);
        let at = OffsetDateTime::now_utc();

        let handled = DeadLetterService::new(store.clone())
            .handle(letter, at)
            .await
            .unwrap();

        assert_eq!(
            handled,
            DeadLettered {
                prediction_id: p.id,
                marked_failed: true
            }
        );
        let stored = store.prediction(p.id).await.unwrap().unwrap();
        assert_eq!(stored.status, PredictionStatus::Failed);
        assert_eq!(stored.error.as_deref(), Some(DEAD_LETTER_REASON));
        assert_eq!(stored.finished_at, Some(at));
        assert!(acked.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_dead_letter_of_a_finished_prediction_changes_nothing_and_is_acknowledged() {
        let store = Arc::new(MemoryStore::new());
        let p = queued(&store).await;
        let service = DeadLetterService::new(store.clone());
        let (first, _) = FakeDeadLetter::of(p.id);
        let at = OffsetDateTime::now_utc();
        service.handle(first, at).await.unwrap();

        let (again, acked) = FakeDeadLetter::of(p.id);
        let later = at + time::Duration::minutes(1);
        let handled = service.handle(again, later).await.unwrap();

        assert!(!handled.marked_failed);
        let stored = store.prediction(p.id).await.unwrap().unwrap();
        assert_eq!(stored.finished_at, Some(at), "the first outcome stands");
        assert!(acked.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_dead_letter_for_an_unknown_prediction_is_acknowledged() {
        let store = Arc::new(MemoryStore::new());
        let (letter, acked) = FakeDeadLetter::of(PredictionId::generate());
        let handled = DeadLetterService::new(store)
            .handle(letter, OffsetDateTime::now_utc())
            .await
            .unwrap();
        assert!(!handled.marked_failed);
        assert!(acked.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn when_the_store_is_down_the_dead_letter_is_not_acknowledged() {
        let (letter, acked) = FakeDeadLetter::of(PredictionId::generate());
        let handled = DeadLetterService::new(Arc::new(UnavailableLogs))
            .handle(letter, OffsetDateTime::now_utc())
            .await;
        assert!(
            matches!(handled, Err(StoreError::Unavailable(_))),
            "{handled:?}"
        );
        assert!(!acked.load(Ordering::SeqCst));
    }
}
