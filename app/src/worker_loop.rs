//! The loop every worker task runs: take a job (or the jobs at hand), have the domain's
//! [`Worker`](payrange_domain::services::Worker) process and settle them, count them in the
//! metrics and wake their waiters ([`Completions`](crate::completions::Completions)).

use std::time::Duration;

use payrange_domain::models::PredictionId;
use payrange_domain::ports::QueueError;
use tokio::task::JoinSet;

use crate::App;
use crate::backoff::backoff;
use crate::completions::Handover;

/// Running worker tasks.
pub struct Workers(JoinSet<()>);

impl Workers {
    /// Waits until every task has stopped.
    pub async fn join(mut self) {
        while self.0.join_next().await.is_some() {}
    }
}

/// Starts `n` worker tasks that run until the queue is closed.
#[must_use]
pub fn spawn(app: &App, n: usize) -> Workers {
    let mut set = JoinSet::new();
    for index in 0..n {
        let app = app.clone();
        set.spawn(async move { run(app, index).await });
    }
    Workers(set)
}

/// Where the doubling of a failing worker's pauses stops (the jitter adds up to as much again).
const WORKER_MAX_BACKOFF: Duration = Duration::from_secs(10);

async fn run(app: App, index: usize) {
    let mut delays = backoff(WORKER_MAX_BACKOFF);
    loop {
        // With `worker_batch` > 1, the jobs already at hand join the one waited for (never
        // more than the prefetch window with RabbitMQ): their starts are one store call and
        // their outcomes one commit.
        let batch = match app.queue.receive_batch(app.worker_batch).await {
            Ok(batch) => batch,
            Err(QueueError::Closed) => break,
            Err(e) => {
                tracing::warn!(worker = index, error = %e, "queue unavailable; backing off");
                tokio::time::sleep(delays.next().unwrap_or(WORKER_MAX_BACKOFF)).await;
                continue;
            }
        };
        let jobs: Vec<(PredictionId, String, bool)> = batch
            .iter()
            .map(|d| {
                let job = d.job();
                let request_id = job.request_id.clone().unwrap_or_default();
                (job.prediction_id, request_id, d.redeliveries() > 0)
            })
            .collect();
        let size = batch.len();
        let started = std::time::Instant::now();
        let results = app.worker.handle_batch(batch).await;
        // The time of the whole batch: its jobs ran together.
        let ran = started.elapsed();
        let mut failed = false;
        for ((id, request_id, redelivered), result) in jobs.into_iter().zip(results) {
            match result {
                Ok(report) => {
                    let outcome = report.processed.as_str();
                    let waited = report.queued_for.and_then(|d| Duration::try_from(d).ok());
                    app.metrics.job(outcome, waited, ran, redelivered);
                    tracing::info!(worker = index, prediction_id = %id, request_id, outcome, batch = size, "job processed");
                    app.completions
                        .finished(id, report.finished.map(|p| Handover::Whole(Box::new(p))));
                }
                Err(e) => {
                    failed = true;
                    app.metrics.job("error", None, ran, redelivered);
                    tracing::warn!(worker = index, prediction_id = %id, request_id, batch = size, error = ?e, "job failed; returned to the queue");
                }
            }
        }
        if failed {
            tokio::time::sleep(delays.next().unwrap_or(WORKER_MAX_BACKOFF)).await;
        } else {
            delays = backoff(WORKER_MAX_BACKOFF);
        }
    }
    tracing::debug!(worker = index, "worker stopped");
}
