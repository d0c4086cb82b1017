//! Processing jobs: the use case every worker runs.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::models::{
    Prediction, PredictionId, PredictionStatus, SalaryEstimate, to_storage_precision,
};
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
        let (outcome, processed) = self.compute(&prediction);
        // At the store's precision, so that the prediction built below equals the stored row.
        let at = to_storage_precision(OffsetDateTime::now_utc());
        let written = self
            .logs
            .finish_prediction(id, outcome.as_ref().map_err(String::as_str), at)
            .await?;
        Ok(Self::report(prediction, outcome, processed, written, at))
    }

    /// Processes several jobs together: one store call starts them all, one commits all their
    /// outcomes (see [`LogStore::start_predictions`] and [`LogStore::finish_predictions`]).
    /// Each job is processed exactly as [`Worker::process`] would; a job whose prediction
    /// appears earlier in `jobs` is not processed again and reports
    /// [`Processed::AlreadyFinished`] (or [`Processed::Missing`]). Returns one report per job,
    /// in order.
    ///
    /// # Errors
    /// [`StoreError`] if the jobs could not be started or their outcomes not committed; all of
    /// them should then be retried.
    pub async fn process_batch(&self, jobs: &[&Job]) -> Result<Vec<Report>, StoreError> {
        let skipped = |processed| Report {
            processed,
            queued_for: None,
            finished: None,
        };
        // Each prediction once: a repeat in the same batch (a job published twice) would
        // otherwise be started and finished twice in one statement.
        let mut ids: Vec<PredictionId> = Vec::with_capacity(jobs.len());
        for job in jobs {
            if !ids.contains(&job.prediction_id) {
                ids.push(job.prediction_id);
            }
        }
        let started = self
            .logs
            .start_predictions(&ids, to_storage_precision(OffsetDateTime::now_utc()))
            .await?;
        let mut firsts: Vec<(Prediction, Result<SalaryEstimate, String>, Processed)> =
            Vec::with_capacity(ids.len());
        let mut unstarted: Vec<(PredictionId, Processed)> = Vec::new();
        for (id, outcome) in ids.iter().zip(started) {
            let prediction = match outcome {
                StartOutcome::Started(p) => p,
                StartOutcome::AlreadyFinished(_) => {
                    unstarted.push((*id, Processed::AlreadyFinished));
                    continue;
                }
                StartOutcome::Missing => {
                    unstarted.push((*id, Processed::Missing));
                    continue;
                }
            };
            let (outcome, processed) = self.compute(&prediction);
            firsts.push((prediction, outcome, processed));
        }
        let at = to_storage_precision(OffsetDateTime::now_utc());
        let finishes: Vec<_> = firsts
            .iter()
            .map(|(p, outcome, _)| (p.id, outcome.as_ref().map_err(String::as_str)))
            .collect();
        let written = self.logs.finish_predictions(&finishes, at).await?;
        let mut reports: Vec<(PredictionId, Report)> = Vec::with_capacity(ids.len());
        for ((prediction, outcome, processed), written) in firsts.into_iter().zip(written) {
            let id = prediction.id;
            reports.push((
                id,
                Self::report(prediction, outcome, processed, written, at),
            ));
        }
        for (id, processed) in unstarted {
            reports.push((id, skipped(processed)));
        }
        let mut seen: Vec<PredictionId> = Vec::with_capacity(jobs.len());
        Ok(jobs
            .iter()
            .map(|job| {
                let id = job.prediction_id;
                let first = reports.iter().find(|(r, _)| *r == id).map(|(_, r)| r);
                let repeat = seen.contains(&id);
                seen.push(id);
                match first {
                    Some(report) if !repeat => report.clone(),
                    Some(report) if report.processed == Processed::Missing => {
                        skipped(Processed::Missing)
                    }
                    _ => skipped(Processed::AlreadyFinished),
                }
            })
            .collect())
    }

    /// What the model (or the attempt limit) makes of a started prediction.
    fn compute(&self, prediction: &Prediction) -> (Result<SalaryEstimate, String>, Processed) {
        if prediction.attempts > self.max_attempts {
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
        }
    }

    /// The report of a started prediction whose outcome was (or was not) `written` at `at`.
    fn report(
        prediction: Prediction,
        outcome: Result<SalaryEstimate, String>,
        processed: Processed,
        written: bool,
        at: OffsetDateTime,
    ) -> Report {
        let queued_for = prediction.started_at.map(|s| s - prediction.created_at);
        if !written {
            return Report {
                processed: Processed::LostRace,
                queued_for,
                finished: None,
            };
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
        Report {
            processed,
            queued_for,
            finished: Some(finished),
        }
    }

    /// [`Worker::handle`] for several deliveries: processes them together with
    /// [`Worker::process_batch`] and acks every one once their outcomes are committed. If that
    /// fails because storage is unavailable, every one is handed back (each would have failed
    /// alike); if it fails otherwise (something about one of the jobs, e.g. a row the database
    /// refuses), each is handled alone with [`Worker::handle`], so that only the jobs at fault
    /// fail and go back, exactly as without batching. Returns one result per delivery, in
    /// order; an error means that job went back to the queue.
    pub async fn handle_batch(
        &self,
        mut deliveries: Vec<Box<dyn Delivery>>,
    ) -> Vec<Result<Report, StoreError>> {
        if deliveries.len() == 1
            && let Some(delivery) = deliveries.pop()
        {
            return vec![self.handle(delivery).await];
        }
        let processed = {
            let jobs: Vec<&Job> = deliveries.iter().map(|d| d.job()).collect();
            self.process_batch(&jobs).await
        };
        let mut results = Vec::with_capacity(deliveries.len());
        match processed {
            Ok(reports) => {
                for (delivery, report) in deliveries.into_iter().zip(reports) {
                    // An ack lost to a broken connection means a redelivery, which is harmless.
                    let _ = delivery.ack().await;
                    results.push(Ok(report));
                }
            }
            Err(StoreError::Unavailable(cause)) => {
                let cause = cause.to_string();
                for delivery in deliveries {
                    let _ = delivery.retry().await;
                    results.push(Err(StoreError::Unavailable(cause.clone().into())));
                }
            }
            Err(_) => {
                for delivery in deliveries {
                    results.push(self.handle(delivery).await);
                }
            }
        }
        results
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
