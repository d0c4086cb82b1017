//! Batches: many vacancies submitted at once (a CSV file or a JSON list), each row becoming an
//! ordinary [`Prediction`] tagged with the batch, and the batch's progress over them.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Prediction, PredictionStatus, UserId};

/// Most rows one batch may hold.
pub const MAX_BATCH_ROWS: usize = 1000;

/// Identifies a [`Batch`]. UUIDv7, so batches sort by creation time like predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchId(Uuid);

impl BatchId {
    /// A fresh, time-ordered (UUIDv7) id.
    #[must_use]
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// Wraps an existing UUID (read back from storage or a URL).
    #[must_use]
    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    /// The UUID inside.
    #[must_use]
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A submitted batch: who sent it, when, how many rows were accepted (each a prediction) and
/// how many were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Id.
    pub id: BatchId,
    /// Who submitted it.
    pub owner: UserId,
    /// When it was accepted (storage precision).
    pub created_at: OffsetDateTime,
    /// Rows accepted, each a prediction.
    pub total: u32,
    /// Rows refused at submission (invalid, or past the submission quota).
    pub rejected: u32,
}

/// How many of a batch's predictions are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Waiting for a worker.
    pub queued: u32,
    /// Being computed again.
    pub running: u32,
    /// Finished with a range.
    pub done: u32,
    /// Finished without one.
    pub failed: u32,
}

impl BatchCounts {
    /// Adds `n` predictions in state `status`.
    pub fn add(&mut self, status: PredictionStatus, n: u32) {
        let slot = match status {
            PredictionStatus::Queued => &mut self.queued,
            PredictionStatus::Running => &mut self.running,
            PredictionStatus::Done => &mut self.done,
            PredictionStatus::Failed => &mut self.failed,
        };
        *slot = slot.saturating_add(n);
    }

    /// Predictions not finished yet.
    #[must_use]
    pub const fn unfinished(&self) -> u32 {
        self.queued.saturating_add(self.running)
    }
}

/// A batch with the states of its predictions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchProgress {
    /// The batch.
    pub batch: Batch,
    /// Its predictions by state.
    pub counts: BatchCounts,
}

impl BatchProgress {
    /// Whether every prediction of the batch is finished (done or failed).
    #[must_use]
    pub const fn is_done(&self) -> bool {
        self.counts.unfinished() == 0
    }
}

/// One accepted row of a batch: where it came from and its prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchItem {
    /// The CSV line the row starts on (the header is line 1), or the 1-based index of the
    /// item in a JSON list.
    pub line: u32,
    /// The prediction made of it.
    pub prediction: Prediction,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_done_once_nothing_is_queued_or_running() {
        let batch = Batch {
            id: BatchId::generate(),
            owner: UserId::generate(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            total: 3,
            rejected: 0,
        };
        let mut counts = BatchCounts::default();
        counts.add(PredictionStatus::Done, 2);
        counts.add(PredictionStatus::Running, 1);
        let mut p = BatchProgress { batch, counts };
        assert!(!p.is_done());
        p.counts.running = 0;
        p.counts.add(PredictionStatus::Failed, 1);
        assert!(p.is_done());
        assert_eq!(p.counts.done + p.counts.failed, 3);
    }
}
