//! Submitting predictions and reading them back.

use std::sync::Arc;

use time::OffsetDateTime;

use super::from_store_error;
use crate::models::{
    MAX_PAGE_LIMIT, Page, PageRequest, Prediction, PredictionFilter, PredictionId, UserId, Vacancy,
};
use crate::ports::{Cause, Job, JobQueue, LogStore, QueueError};

/// What a submission that could not be queued is marked with.
pub const QUEUE_UNAVAILABLE_REASON: &str =
    "the job queue was unavailable, so this request was not processed; please submit it again";

/// Prediction use cases for the API side.
#[derive(Clone)]
pub struct PredictionService {
    logs: Arc<dyn LogStore>,
    queue: Arc<dyn JobQueue>,
}

/// Why a submission failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The job queue did not take the job; the prediction was recorded as failed.
    #[error("job queue unavailable")]
    QueueUnavailable(#[source] QueueError),
    /// Storage is down; nothing was recorded.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("submission failed")]
    Internal(#[source] Cause),
}

/// Why a prediction could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetPredictionError {
    /// No such prediction, or not the caller's.
    #[error("prediction not found")]
    NotFound,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("reading the prediction failed")]
    Internal(#[source] Cause),
}

/// Why a history page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("reading the history failed")]
    Internal(#[source] Cause),
}

from_store_error!(SubmitError);
from_store_error!(GetPredictionError);
from_store_error!(HistoryError);

impl PredictionService {
    /// Wires the use cases to their ports.
    #[must_use]
    pub fn new(logs: Arc<dyn LogStore>, queue: Arc<dyn JobQueue>) -> Self {
        Self { logs, queue }
    }

    /// Records a prediction as queued and hands its job to the queue.
    ///
    /// The row is written first, so a worker never sees a job without its row. If the queue
    /// refuses the job, the row is marked failed at once (with [`QUEUE_UNAVAILABLE_REASON`]):
    /// no row is left queued forever.
    ///
    /// # Errors
    /// [`SubmitError::QueueUnavailable`] or storage failures.
    pub async fn submit(
        &self,
        owner: UserId,
        vacancy: Vacancy,
        request_id: Option<String>,
    ) -> Result<Prediction, SubmitError> {
        self.submit_observed(owner, vacancy, request_id, |_| {})
            .await
    }

    /// [`PredictionService::submit`], calling `before_publish` with the new prediction's id
    /// once its row is stored and before its job is published: a caller that wants to wait for
    /// the outcome registers there, so that no worker can finish it unobserved.
    ///
    /// # Errors
    /// As [`PredictionService::submit`].
    pub async fn submit_observed(
        &self,
        owner: UserId,
        vacancy: Vacancy,
        request_id: Option<String>,
        before_publish: impl FnOnce(PredictionId) + Send,
    ) -> Result<Prediction, SubmitError> {
        let prediction = Prediction::queued(owner, vacancy, request_id, OffsetDateTime::now_utc());
        self.logs.insert_prediction(&prediction).await?;
        before_publish(prediction.id);
        let job = Job {
            prediction_id: prediction.id,
            request_id: prediction.request_id.clone(),
            seen_before: false,
        };
        if let Err(e) = self.queue.publish(&job).await {
            self.logs
                .finish_prediction(
                    prediction.id,
                    Err(QUEUE_UNAVAILABLE_REASON),
                    OffsetDateTime::now_utc(),
                )
                .await?;
            return Err(SubmitError::QueueUnavailable(e));
        }
        Ok(prediction)
    }

    /// One of the caller's predictions.
    ///
    /// # Errors
    /// [`GetPredictionError::NotFound`] if it does not exist or belongs to someone else (the
    /// two are indistinguishable on purpose).
    pub async fn get(
        &self,
        owner: UserId,
        id: PredictionId,
    ) -> Result<Prediction, GetPredictionError> {
        match self.logs.prediction(id).await? {
            Some(p) if p.owner == owner => Ok(p),
            _ => Err(GetPredictionError::NotFound),
        }
    }

    /// Publishes again the jobs of predictions still unfinished that were accepted before
    /// `before`, at most `limit` of them; returns how many. Run at start-up of the embedded
    /// mode (whose in-process queue forgets jobs at exit) and periodically by the reconciler in
    /// production, so that no accepted request waits forever. Redelivering a job that is still
    /// queued elsewhere is harmless: workers are idempotent by prediction id.
    ///
    /// # Errors
    /// Storage failures, or [`SubmitError::QueueUnavailable`] if the queue refuses a job.
    pub async fn republish_unfinished(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<usize, SubmitError> {
        let pending = self.logs.unfinished_predictions(before, limit).await?;
        for p in &pending {
            let job = Job {
                prediction_id: p.id,
                request_id: p.request_id.clone(),
                // A worker may have had it and crashed: its attempt must count.
                seen_before: true,
            };
            self.queue
                .publish(&job)
                .await
                .map_err(SubmitError::QueueUnavailable)?;
        }
        Ok(pending.len())
    }

    /// A page of the caller's predictions, newest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn history(
        &self,
        owner: UserId,
        page: PageRequest,
    ) -> Result<Page<Prediction>, HistoryError> {
        self.history_of_version(owner, None, page).await
    }

    /// A page of the caller's predictions, newest first; with `model_version`, only those
    /// whose result that model version gave (so none unfinished or failed).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn history_of_version(
        &self,
        owner: UserId,
        model_version: Option<String>,
        page: PageRequest,
    ) -> Result<Page<Prediction>, HistoryError> {
        let filter = PredictionFilter::owned_by(owner).with_model_version(model_version);
        Ok(self.logs.list_predictions(&filter, page).await?)
    }

    /// Every prediction of the caller, newest first, not paginated: what a download of their
    /// data holds. Read page by page, so one statement never returns more than a page.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn all_of(&self, owner: UserId) -> Result<Vec<Prediction>, HistoryError> {
        let filter = PredictionFilter::owned_by(owner);
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = PageRequest::new(Some(u64::from(MAX_PAGE_LIMIT)), after.as_deref())
                .map_err(|e| HistoryError::Internal(Box::new(e)))?;
            let page = self.logs.list_predictions(&filter, page).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next.encode()),
                None => return Ok(all),
            }
        }
    }
}
