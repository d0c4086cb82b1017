//! Processing jobs: the use case every worker runs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use time::OffsetDateTime;

use crate::models::{
    Prediction, PredictionId, PredictionStatus, SalaryEstimate, to_storage_precision,
};
use crate::ports::{
    Delivery, Job, LogStore, SalaryPredictor, StartOutcome, StoreError, UnstartedFinish,
};

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
    /// Another worker finished it between our start and our finish (or, on a first delivery,
    /// started or finished it since we read it); nothing was written.
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

    /// Processes one job and commits its outcome: [`Worker::process_batch`] of one.
    ///
    /// # Errors
    /// [`StoreError`] if the outcome could not be read or committed; the job should then be
    /// retried.
    pub async fn process(&self, job: &Job) -> Result<Report, StoreError> {
        self.process_batch(&[job])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Internal("a processed job has no report".into()))
    }

    /// Processes several jobs together and commits all their outcomes. Returns one report per
    /// job, in order.
    ///
    /// Each prediction is processed once: a job whose prediction appears earlier in `jobs` (a
    /// job published twice) reports [`Processed::AlreadyFinished`] (or
    /// [`Processed::Missing`]).
    ///
    /// Every attempt is recorded (`attempts`, `started_at`), in one of two ways:
    /// - a job [seen before](Job::seen_before) is started first, all in one store call
    ///   ([`LogStore::start_predictions`]), so that its attempt counts even if this process
    ///   dies computing it; its outcome is committed by [`LogStore::finish_predictions`];
    /// - a job on its first delivery is only read ([`LogStore::predictions`]); its outcome and
    ///   its attempt are committed together by [`LogStore::finish_unstarted`], unless another
    ///   worker started it meanwhile ([`Processed::LostRace`]). Had this process died before,
    ///   the redelivery would be seen before and started first. One write per job instead of
    ///   two: this is the common case, and the database's largest cost per prediction.
    ///
    /// # Errors
    /// [`StoreError`] if the jobs could not be started or read, or their outcomes not
    /// committed; all of them should then be retried (outcomes already committed are not
    /// written again).
    pub async fn process_batch(&self, jobs: &[&Job]) -> Result<Vec<Report>, StoreError> {
        let (seen, first) = distinct_predictions(jobs);
        let started = to_storage_precision(OffsetDateTime::now_utc());
        let mut held = Held::default();
        self.start_seen(&seen, started, &mut held).await?;
        self.read_first(&first, started, &mut held).await?;
        let computed = held.mine.into_iter().map(|c| self.compute(c)).collect();
        let mut reports: HashMap<PredictionId, Report> = held
            .skipped
            .into_iter()
            .map(|(id, processed)| (id, skipped(processed)))
            .collect();
        reports.extend(self.commit(computed, started).await?);
        Ok(per_job(jobs, &reports))
    }

    /// Starts the predictions of jobs seen before, in one store call, so that this attempt
    /// counts even if the process dies computing them.
    async fn start_seen(
        &self,
        ids: &[PredictionId],
        started: OffsetDateTime,
        held: &mut Held,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let outcomes = self.logs.start_predictions(ids, started).await?;
        for (&id, outcome) in ids.iter().zip(outcomes) {
            match outcome {
                StartOutcome::Started(prediction) => held.mine.push(Claim {
                    prediction,
                    read_attempts: None,
                }),
                StartOutcome::AlreadyFinished(_) => {
                    held.skipped.push((id, Processed::AlreadyFinished));
                }
                StartOutcome::Missing => held.skipped.push((id, Processed::Missing)),
            }
        }
        Ok(())
    }

    /// Reads the predictions of jobs on their first delivery, without writing: their attempt
    /// is committed together with their outcome.
    async fn read_first(
        &self,
        ids: &[PredictionId],
        started: OffsetDateTime,
        held: &mut Held,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let found = self.logs.predictions(ids).await?;
        for (&id, found) in ids.iter().zip(found) {
            match found {
                None => held.skipped.push((id, Processed::Missing)),
                Some(p) if p.status.is_final() => {
                    held.skipped.push((id, Processed::AlreadyFinished));
                }
                Some(mut prediction) => {
                    // As `finish_unstarted` will store it.
                    let read = prediction.attempts;
                    prediction.attempts += 1;
                    prediction.started_at = Some(started);
                    held.mine.push(Claim {
                        prediction,
                        read_attempts: Some(read),
                    });
                }
            }
        }
        Ok(())
    }

    /// What the model (or the attempt limit) makes of a held prediction in this attempt.
    fn compute(&self, claim: Claim) -> Computed {
        let (outcome, processed) = if claim.prediction.attempts > self.max_attempts {
            let reason = format!(
                "gave up after {} attempts to process this request",
                self.max_attempts
            );
            (Err(reason), Processed::GaveUp)
        } else {
            match self.predictor.predict(&claim.prediction.vacancy) {
                Ok(estimate) => (Ok(estimate), Processed::Done),
                Err(e) => (Err(e.to_string()), Processed::Failed),
            }
        };
        Computed {
            claim,
            outcome,
            processed,
        }
    }

    /// Commits the outcomes: those of started predictions in one store call, those of
    /// predictions only read (with their attempt) in another. Returns each one's report.
    async fn commit(
        &self,
        computed: Vec<Computed>,
        started: OffsetDateTime,
    ) -> Result<Vec<(PredictionId, Report)>, StoreError> {
        let at = to_storage_precision(OffsetDateTime::now_utc());
        let mut finishes = Vec::new();
        let mut first_finishes = Vec::new();
        for c in &computed {
            let id = c.claim.prediction.id;
            let outcome = c.outcome.as_ref().map_err(String::as_str);
            match c.claim.read_attempts {
                None => finishes.push((id, outcome)),
                Some(attempts) => first_finishes.push(UnstartedFinish {
                    id,
                    attempts,
                    outcome,
                }),
            }
        }
        let mut written = Vec::new().into_iter();
        let mut first_written = Vec::new().into_iter();
        if !finishes.is_empty() {
            written = self
                .logs
                .finish_predictions(&finishes, at)
                .await?
                .into_iter();
        }
        if !first_finishes.is_empty() {
            first_written = self
                .logs
                .finish_unstarted(&first_finishes, started, at)
                .await?
                .into_iter();
        }
        Ok(computed
            .into_iter()
            .map(|c| {
                let written = match c.claim.read_attempts {
                    None => written.next(),
                    Some(_) => first_written.next(),
                }
                .unwrap_or(false);
                let id = c.claim.prediction.id;
                let report = Self::report(c.claim.prediction, c.outcome, c.processed, written, at);
                (id, report)
            })
            .collect())
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
            let jobs: Vec<Job> = deliveries.iter().map(|d| job_of(d.as_ref())).collect();
            self.process_batch(&jobs.iter().collect::<Vec<_>>()).await
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
        match self.process(&job_of(delivery.as_ref())).await {
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

/// A prediction of the batch as this worker holds it for this attempt.
struct Claim {
    /// As it will be once finished by this worker.
    prediction: Prediction,
    /// `None` when started by [`LogStore::start_predictions`]; when only read, the attempts as
    /// read (its attempt is committed with its outcome by [`LogStore::finish_unstarted`]).
    read_attempts: Option<u32>,
}

/// The batch's predictions after they were started or read.
#[derive(Default)]
struct Held {
    /// Those this worker computes.
    mine: Vec<Claim>,
    /// Those with nothing to compute: finished already, or missing.
    skipped: Vec<(PredictionId, Processed)>,
}

/// A claimed prediction and what the model made of it.
struct Computed {
    claim: Claim,
    outcome: Result<SalaryEstimate, String>,
    processed: Processed,
}

/// The report of a job that was not computed.
const fn skipped(processed: Processed) -> Report {
    Report {
        processed,
        queued_for: None,
        finished: None,
    }
}

/// The batch's predictions, each once, in order of first appearance, split into those seen
/// before (if any of their jobs was) and those on their first delivery.
fn distinct_predictions(jobs: &[&Job]) -> (Vec<PredictionId>, Vec<PredictionId>) {
    let mut seen_before: HashMap<PredictionId, bool> = HashMap::with_capacity(jobs.len());
    let mut order = Vec::with_capacity(jobs.len());
    for job in jobs {
        *seen_before.entry(job.prediction_id).or_insert_with(|| {
            order.push(job.prediction_id);
            false
        }) |= job.seen_before;
    }
    order.into_iter().partition(|id| seen_before[id])
}

/// One report per job, in order. A prediction's report goes to its first job; a later job of
/// the same prediction (published twice) reports it finished already, or missing.
fn per_job(jobs: &[&Job], reports: &HashMap<PredictionId, Report>) -> Vec<Report> {
    let mut reported = HashSet::with_capacity(jobs.len());
    jobs.iter()
        .map(|job| {
            let id = job.prediction_id;
            match reports.get(&id) {
                Some(report) if reported.insert(id) => report.clone(),
                Some(report) if report.processed == Processed::Missing => {
                    skipped(Processed::Missing)
                }
                _ => skipped(Processed::AlreadyFinished),
            }
        })
        .collect()
}

/// The job of `delivery`, [seen before](Job::seen_before) also if the queue delivered it before.
fn job_of(delivery: &dyn Delivery) -> Job {
    let mut job = delivery.job().clone();
    job.seen_before |= delivery.redeliveries() > 0;
    job
}
