//! The loop every worker task runs: take a job, process it, settle it, tell waiters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use payrange_domain::models::PredictionId;
use payrange_domain::ports::QueueError;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::wiring::QueueKind;
use crate::{App, Settings};

/// Lets a request wait for its prediction to finish in this process without polling.
#[derive(Clone, Default)]
pub struct Completions {
    waiters: Arc<Mutex<HashMap<PredictionId, Arc<Notify>>>>,
}

impl Completions {
    /// A handle to wait on; register BEFORE checking the state, then await
    /// `notified()` with a timeout, and call [`Completions::forget`] when done.
    #[must_use]
    pub fn watch(&self, id: PredictionId) -> Arc<Notify> {
        self.lock().entry(id).or_default().clone()
    }

    /// Drops the handle of `id`.
    pub fn forget(&self, id: PredictionId) {
        self.lock().remove(&id);
    }

    /// Wakes whoever waits for `id`.
    pub fn finished(&self, id: PredictionId) {
        if let Some(n) = self.lock().get(&id) {
            n.notify_waiters();
            n.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PredictionId, Arc<Notify>>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

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

async fn run(app: App, index: usize) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let delivery = match app.queue.receive().await {
            Ok(d) => d,
            Err(QueueError::Closed) => break,
            Err(e) => {
                tracing::warn!(worker = index, error = %e, "queue unavailable; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        let id = delivery.job().prediction_id;
        let request_id = delivery.job().request_id.clone().unwrap_or_default();
        let redelivered = delivery.redeliveries() > 0;
        let started = std::time::Instant::now();
        let handled = app.worker.handle(delivery).await;
        let ran = started.elapsed();
        match handled {
            Ok(report) => {
                backoff = Duration::from_millis(100);
                let outcome = report.processed.as_str();
                let waited = report.queued_for.and_then(|d| Duration::try_from(d).ok());
                app.metrics.job(outcome, waited, ran, redelivered);
                tracing::info!(worker = index, prediction_id = %id, request_id, outcome, "job processed");
                app.completions.finished(id);
            }
            Err(e) => {
                app.metrics.job("error", None, ran, redelivered);
                tracing::warn!(worker = index, prediction_id = %id, request_id, error = ?e, "job failed; returned to the queue");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
    tracing::debug!(worker = index, "worker stopped");
}

/// Reason shown to the owner of a dead-lettered job.
pub const DEAD_LETTER_REASON: &str =
    "this request could not be processed after repeated attempts and was given up";

/// Background tasks of `serve`: with RabbitMQ, the reconciler that republishes predictions
/// left unfinished for `reconcile_after_secs` (none are needed with the in-process queue,
/// which republishes everything at start-up).
#[must_use]
pub fn spawn_serve_tasks(app: &App, settings: &Settings) -> JoinSet<()> {
    let mut set = JoinSet::new();
    if matches!(app.queue_kind, QueueKind::Amqp(_)) {
        let app = app.clone();
        let age = time::Duration::seconds(
            i64::try_from(settings.reconcile_after_secs).unwrap_or(i64::MAX),
        );
        let every = Duration::from_secs((settings.reconcile_after_secs / 4).clamp(1, 60));
        set.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let before = time::OffsetDateTime::now_utc() - age;
                match app.predictions.republish_unfinished(before, 1000).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(jobs = n, "reconciler republished stale predictions"),
                    Err(e) => tracing::warn!(error = %e, "reconciler could not run"),
                }
            }
        });
    }
    set
}

/// Background tasks of `payrange worker`: the dead-letter handler, which marks each
/// dead-lettered job's prediction failed with [`DEAD_LETTER_REASON`] so that its owner sees it
/// failed rather than pending forever.
#[must_use]
pub fn spawn_worker_tasks(app: &App) -> JoinSet<()> {
    use payrange_domain::ports::LogStore as _;
    let mut set = JoinSet::new();
    if let QueueKind::Amqp(queue) = &app.queue_kind {
        let (queue, store, completions) =
            (queue.clone(), app.store.clone(), app.completions.clone());
        set.spawn(async move {
            loop {
                let letter = match queue.receive_dead_letter().await {
                    Ok(l) => l,
                    Err(QueueError::Closed) => break,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let id = letter.job().prediction_id;
                let now = time::OffsetDateTime::now_utc();
                match store.finish_prediction(id, Err(DEAD_LETTER_REASON), now).await {
                    Ok(_) => {
                        tracing::warn!(prediction_id = %id, reason = ?letter.reason(), "dead-lettered job marked failed");
                        completions.finished(id);
                        let _ = letter.ack().await;
                    }
                    Err(e) => {
                        tracing::warn!(prediction_id = %id, error = %e, "cannot mark a dead letter failed yet");
                        drop(letter);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
    set
}
