//! Processing jobs: the use case every worker runs.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::models::{Prediction, PredictionId, PredictionStatus, to_storage_precision};
use crate::ports::{Delivery, Job, LogStore, SalaryPredictor, StartOutcome, StoreError};

/// What processing a job did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processed {
    /// The prediction is now done with a result.
    Done,
    /// The model could not predict; the prediction is now failed with a reason.
    Failed,
    /// It had been started more than the allowed number of times; now failed.
    GaveUp,
    /// It was already finished (a redelivery); nothing was written.
    AlreadyFinished,
    /// Another worker finished it between our start and our finish; nothing was written.
    LostRace,
    /// No such prediction; nothing to do.
    Missing,
}

/// What processing a job did, and how long the job had waited for a worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The outcome.
    pub processed: Processed,
    /// From acceptance to this start (`None` when the job was not started).
    pub queued_for: Option<time::Duration>,
    /// The prediction exactly as this call committed it (final state), when this call wrote
    /// the outcome: what a re-read would return, so that a waiter in the same process can
    /// answer without reading it back.
    pub finished: Option<Prediction>,
}

/// Computes predictions for jobs. Idempotent by prediction id: any number of deliveries of the
/// same job write at most one result.
#[derive(Clone)]
pub struct Worker {
    logs: Arc<dyn LogStore>,
    predictor: Arc<dyn SalaryPredictor>,
    max_attempts: u32,
}

impl Processed {
    /// Stable name, for logs and metrics.
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed => "failed",
            Self::GaveUp => "gave_up",
            Self::AlreadyFinished => "already_finished",
            Self::LostRace => "lost_race",
            Self::Missing => "missing",
        }
    }
}

impl Worker {
    /// A worker that gives a prediction up after `max_attempts` starts (crashes mid-job count).
    #[must_use]
    pub fn new(
        logs: Arc<dyn LogStore>,
        predictor: Arc<dyn SalaryPredictor>,
        max_attempts: u32,
    ) -> Self {
        Self {
            logs,
            predictor,
            max_attempts: max_attempts.max(1),
        }
    }

    /// Processes one job and commits its outcome.
    ///
    /// # Errors
    /// [`StoreError`] if the outcome could not be read or committed; the job should then be
    /// retried.
    pub async fn process(&self, job: &Job) -> Result<Report, StoreError> {
        let skipped = |processed| Report {
            processed,
            queued_for: None,
            finished: None,
        };
        let id: PredictionId = job.prediction_id;
        let prediction = match self
            .logs
            .start_prediction(id, to_storage_precision(OffsetDateTime::now_utc()))
            .await?
        {
            StartOutcome::Started(p) => p,
            StartOutcome::AlreadyFinished(_) => return Ok(skipped(Processed::AlreadyFinished)),
            StartOutcome::Missing => return Ok(skipped(Processed::Missing)),
        };
        let (outcome, processed) = if prediction.attempts > self.max_attempts {
            let reason = format!(
                "gave up after {} attempts to process this request",
                self.max_attempts
            );
            (Err(reason), Processed::GaveUp)
        } else {
            match self.predictor.predict(&prediction.vacancy) {
                Ok(estimate) => (Ok(estimate), Processed::Done),
                Err(e) => (Err(e.to_string()), Processed::Failed),
            }
        };
        // At the store's precision, so that the prediction built below equals the stored row.
        let at = to_storage_precision(OffsetDateTime::now_utc());
        let written = self
            .logs
            .finish_prediction(id, outcome.as_ref().map_err(String::as_str), at)
            .await?;
        let queued_for = prediction.started_at.map(|s| s - prediction.created_at);
        if !written {
            return Ok(Report {
                processed: Processed::LostRace,
                queued_for,
                finished: None,
            });
        }
        let mut finished = prediction;
        match outcome {
            Ok(estimate) => {
                finished.status = PredictionStatus::Done;
                finished.result = Some(estimate);
            }
            Err(reason) => {
                finished.status = PredictionStatus::Failed;
                finished.error = Some(reason);
            }
        }
        finished.finished_at = Some(at);
        Ok(Report {
            processed,
            queued_for,
            finished: Some(finished),
        })
    }

    /// Processes a delivered job and settles the delivery: ack once the outcome is committed,
    /// retry when storage failed. Returns what processing did, or the storage error after the
    /// job was handed back.
    ///
    /// # Errors
    /// The [`StoreError`] that made the job go back to the queue; callers should back off.
    pub async fn handle(&self, delivery: Box<dyn Delivery>) -> Result<Report, StoreError> {
        match self.process(delivery.job()).await {
            Ok(report) => {
                // An ack lost to a broken connection means a redelivery, which is harmless.
                let _ = delivery.ack().await;
                Ok(report)
            }
            Err(e) => {
                let _ = delivery.retry().await;
                Err(e)
            }
        }
    }
}
