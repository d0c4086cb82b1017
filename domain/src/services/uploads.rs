//! Batch estimates: many vacancies submitted at once, each becoming an ordinary prediction
//! through the same queue as a single one, and the batch's progress and results read back.
//!
//! (Not to be confused with the worker's batches of jobs, `Worker::handle_batch`.)

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use time::OffsetDateTime;

use super::from_store_error;
use super::predictions::QUEUE_UNAVAILABLE_REASON;
use crate::models::{
    Batch, BatchId, BatchItem, BatchProgress, Page, PageRequest, Prediction, PredictionId, UserId,
    Vacancy, to_storage_precision,
};
use crate::ports::{BatchStore, Cause, Job, JobQueue, LogStore};

/// Jobs published at once: a broker confirms them together (and may carry several in one
/// message) instead of one round trip each.
const PUBLISH_AT_ONCE: usize = 64;

/// One valid row of a batch to submit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBatchRow {
    /// The CSV line the row starts on, or the 1-based index of a JSON item.
    pub line: u32,
    /// The vacancy.
    pub vacancy: Vacancy,
}

/// A batch just submitted.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmittedBatch {
    /// The batch and the states of its predictions right after submission.
    pub progress: BatchProgress,
    /// Each accepted row: its line and its prediction's id, by line.
    pub items: Vec<(u32, PredictionId)>,
}

/// Batch use cases for the API side.
#[derive(Clone)]
pub struct BatchService {
    batches: Arc<dyn BatchStore>,
    logs: Arc<dyn LogStore>,
    queue: Arc<dyn JobQueue>,
}

/// Why a batch could not be submitted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitBatchError {
    /// Storage is down; nothing was queued.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("batch submission failed")]
    Internal(#[source] Cause),
}

/// Why a batch could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetBatchError {
    /// No such batch, or not the caller's.
    #[error("batch not found")]
    NotFound,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("reading the batch failed")]
    Internal(#[source] Cause),
}

from_store_error!(SubmitBatchError);
from_store_error!(GetBatchError);

impl BatchService {
    /// Wires the use cases to their ports.
    #[must_use]
    pub fn new(
        batches: Arc<dyn BatchStore>,
        logs: Arc<dyn LogStore>,
        queue: Arc<dyn JobQueue>,
    ) -> Self {
        Self {
            batches,
            logs,
            queue,
        }
    }

    /// Records a batch of `rows` (already validated, and within the caller's quota) with
    /// `rejected` rows refused before, each row as a queued prediction tagged with the batch,
    /// then hands their jobs to the queue, [`PUBLISH_AT_ONCE`] at a time.
    ///
    /// Rows are stored before their jobs are published, so a worker never sees a job without
    /// its row. A row whose job the queue refuses is marked failed at once with
    /// [`QUEUE_UNAVAILABLE_REASON`] (it shows so in the batch's progress and results), and
    /// the others go ahead: a batch is never left with rows queued forever, and never refused
    /// half-way.
    ///
    /// # Errors
    /// Storage failures (then nothing was published).
    pub async fn submit(
        &self,
        owner: UserId,
        rows: Vec<NewBatchRow>,
        rejected: u32,
        request_id: Option<String>,
    ) -> Result<SubmittedBatch, SubmitBatchError> {
        let now = to_storage_precision(OffsetDateTime::now_utc());
        let batch = Batch {
            id: BatchId::generate(),
            owner,
            created_at: now,
            total: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            rejected,
        };
        let items: Vec<BatchItem> = rows
            .into_iter()
            .map(|row| BatchItem {
                line: row.line,
                prediction: Prediction::queued(owner, row.vacancy, request_id.clone(), now),
            })
            .collect();
        self.batches.insert_batch(&batch, &items).await?;
        let mut refused = Vec::new();
        for chunk in items.chunks(PUBLISH_AT_ONCE) {
            let jobs: Vec<Job> = chunk
                .iter()
                .map(|item| Job {
                    prediction_id: item.prediction.id,
                    request_id: item.prediction.request_id.clone(),
                    seen_before: false,
                })
                .collect();
            let outcomes = join_all(jobs.iter().map(|job| self.queue.publish(job))).await;
            refused.extend(
                jobs.iter()
                    .zip(outcomes)
                    .filter(|(_, outcome)| outcome.is_err())
                    .map(|(job, _)| (job.prediction_id, Err(QUEUE_UNAVAILABLE_REASON))),
            );
        }
        let mut counts = crate::models::BatchCounts {
            queued: batch.total,
            ..crate::models::BatchCounts::default()
        };
        if !refused.is_empty() {
            self.logs
                .finish_predictions(&refused, OffsetDateTime::now_utc())
                .await?;
            let failed = u32::try_from(refused.len()).unwrap_or(u32::MAX);
            counts.queued = counts.queued.saturating_sub(failed);
            counts.failed = failed;
        }
        Ok(SubmittedBatch {
            items: items.iter().map(|i| (i.line, i.prediction.id)).collect(),
            progress: BatchProgress { batch, counts },
        })
    }

    /// One of the caller's batches with its progress.
    ///
    /// # Errors
    /// [`GetBatchError::NotFound`] if it does not exist or belongs to someone else (the two
    /// are indistinguishable on purpose).
    pub async fn get(&self, owner: UserId, id: BatchId) -> Result<BatchProgress, GetBatchError> {
        match self.batches.batch(id).await? {
            Some(b) if b.batch.owner == owner => Ok(b),
            _ => Err(GetBatchError::NotFound),
        }
    }

    /// A page of the caller's batches with their progress, newest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list(
        &self,
        owner: UserId,
        page: PageRequest,
    ) -> Result<Page<BatchProgress>, GetBatchError> {
        Ok(self.batches.list_batches(owner, page).await?)
    }

    /// One of the caller's batches with its predictions in their current state, by line.
    ///
    /// # Errors
    /// As [`BatchService::get`].
    pub async fn results(
        &self,
        owner: UserId,
        id: BatchId,
    ) -> Result<(BatchProgress, Vec<BatchItem>), GetBatchError> {
        let progress = self.get(owner, id).await?;
        let items = self.batches.batch_items(id).await?;
        Ok((progress, items))
    }
}

/// Runs `futures` concurrently on the current task; their outputs in order. Written here
/// because the domain takes no dependency for one small join (see the crate's docs).
async fn join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *output = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
