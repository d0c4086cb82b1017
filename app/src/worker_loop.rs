//! The loop every worker task runs: take a job, process it, settle it, tell waiters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use payrange_domain::models::{Prediction, PredictionId};
use payrange_domain::ports::QueueError;
use payrange_store_sea_orm::Announced;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::wiring::QueueKind;
use crate::{App, Settings};

/// Lets a request wait for its prediction to finish without polling: in-process workers (and,
/// with PostgreSQL, the listener of finish notifications) wake the waiter of an id.
#[derive(Clone, Default)]
pub struct Completions {
    waiters: Arc<Mutex<HashMap<PredictionId, Arc<Slot>>>>,
}

/// What a waiter of one prediction is woken with.
#[derive(Default)]
pub struct Slot {
    notify: Notify,
    finished: Mutex<Option<Handover>>,
}

/// The final state of a prediction, handed to its waiter so that it need not read it back.
#[derive(Clone, Debug, PartialEq)]
pub enum Handover {
    /// The whole prediction, from a worker in this process.
    Whole(Box<Prediction>),
    /// The state a PostgreSQL finish notification carried (without the vacancy, which the
    /// waiter has).
    Announced(Announced),
}

impl Slot {
    /// Waits until woken (a wake-up that came first is not lost).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }

    /// The finished prediction, when it was handed over; `None` when the waiter must read it
    /// from the store. `submitted` is the prediction as submitted (it supplies the vacancy to
    /// an announced state).
    pub fn take_finished(&self, submitted: &Prediction) -> Option<Prediction> {
        let handed = self
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        match handed {
            Handover::Whole(p) => Some(*p),
            Handover::Announced(a) => a.complete(submitted),
        }
    }
}

/// A registered waiter; dropping it (also when the request is cancelled) unregisters it.
pub struct Watch {
    completions: Completions,
    id: PredictionId,
    slot: Arc<Slot>,
}

impl Watch {
    /// The slot to wait on.
    #[must_use]
    pub fn slot(&self) -> &Slot {
        &self.slot
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.completions.lock().remove(&self.id);
    }
}

impl Completions {
    /// Registers a waiter for `id`: register BEFORE the job can finish (before publishing).
    #[must_use]
    pub fn watch(&self, id: PredictionId) -> Watch {
        let slot = self.lock().entry(id).or_default().clone();
        Watch {
            completions: self.clone(),
            id,
            slot,
        }
    }

    /// Wakes whoever waits for `id`, handing over its final state when known.
    pub fn finished(&self, id: PredictionId, handover: Option<Handover>) {
        let slot = self.lock().get(&id).cloned();
        if let Some(slot) = slot {
            if handover.is_some() {
                *slot.finished.lock().unwrap_or_else(PoisonError::into_inner) = handover;
            }
            slot.notify.notify_one();
        }
    }

    /// Wakes every waiter so that each reads its prediction again (after notifications may
    /// have been lost, e.g. while the listener reconnected).
    pub fn wake_all(&self) {
        for slot in self.lock().values() {
            slot.notify.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PredictionId, Arc<Slot>>> {
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

/// Delays between attempts against a server that failed: 100 ms, doubling up to `max`, each
/// with up to as much again at random, so that the processes that lost the same server do not
/// all come back at the same moment.
fn backoff(max: Duration) -> impl Iterator<Item = Duration> {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(max)
        .with_jitter()
        .without_max_times()
        .build()
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

/// How often `serve` truncates the SQLite write-ahead log.
const SQLITE_CHECKPOINT_EVERY: Duration = Duration::from_secs(30);

/// Reason shown to the owner of a dead-lettered job.
pub const DEAD_LETTER_REASON: &str =
    "this request could not be processed after repeated attempts and was given up";

/// Background tasks of `serve`: with RabbitMQ, the reconciler that republishes predictions
/// left unfinished for `reconcile_after_secs` (none are needed with the in-process queue,
/// which republishes everything at start-up); with PostgreSQL, the listener that wakes
/// requests waiting for predictions finished in other processes; with a SQLite file, the
/// periodic checkpoint that truncates its write-ahead log.
#[must_use]
pub fn spawn_serve_tasks(app: &App, settings: &Settings) -> JoinSet<()> {
    let mut set = JoinSet::new();
    if app.store.notifies_finished() {
        set.spawn(listen_finished(app.clone()));
    }
    if settings.sqlite_path().is_some() {
        // Keeps the SQLite write-ahead log from growing without bound under steady load.
        let store = app.store.clone();
        set.spawn(async move {
            loop {
                tokio::time::sleep(SQLITE_CHECKPOINT_EVERY).await;
                if let Err(e) = store.checkpoint().await {
                    tracing::warn!(error = %e, "SQLite checkpoint failed; will try again");
                }
            }
        });
    }
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

/// Wakes the waiter of every prediction the database announces finished; reconnects with
/// backoff, and wakes every waiter whenever announcements may have been missed.
async fn listen_finished(app: App) {
    use payrange_store_sea_orm::Finished;
    const MAX_BACKOFF: Duration = Duration::from_secs(5);
    let mut delays = backoff(MAX_BACKOFF);
    loop {
        match app.store.finished().await {
            Ok(mut listener) => {
                delays = backoff(MAX_BACKOFF);
                // Finishes before the LISTEN took effect were not heard.
                app.completions.wake_all();
                loop {
                    match listener.next().await {
                        Ok(Finished::Prediction(id, announced)) => app
                            .completions
                            .finished(id, announced.map(Handover::Announced)),
                        Ok(Finished::Resync) => app.completions.wake_all(),
                        Err(_) => break,
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for finished predictions"),
        }
        app.completions.wake_all();
        tokio::time::sleep(delays.next().unwrap_or(MAX_BACKOFF)).await;
    }
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
                        completions.finished(id, None);
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use payrange_domain::models::{UserId, Vacancy};

    use super::*;

    fn prediction() -> Prediction {
        let vacancy = Vacancy::new("Rust developer", "Build services", None).unwrap();
        Prediction::queued(
            UserId::generate(),
            vacancy,
            None,
            time::OffsetDateTime::now_utc(),
        )
    }

    #[tokio::test]
    async fn a_finish_before_the_wait_is_not_lost_and_hands_over_the_prediction() {
        let completions = Completions::default();
        let p = prediction();
        let watch = completions.watch(p.id);
        completions.finished(p.id, Some(Handover::Whole(Box::new(p.clone()))));
        tokio::time::timeout(Duration::from_secs(5), watch.slot().woken())
            .await
            .unwrap();
        assert_eq!(watch.slot().take_finished(&p), Some(p));
    }

    #[tokio::test]
    async fn wake_all_wakes_every_waiter_without_a_prediction() {
        let completions = Completions::default();
        let (a, b) = (prediction(), prediction());
        let (wa, wb) = (completions.watch(a.id), completions.watch(b.id));
        completions.wake_all();
        for w in [&wa, &wb] {
            tokio::time::timeout(Duration::from_secs(5), w.slot().woken())
                .await
                .unwrap();
            assert_eq!(w.slot().take_finished(&a), None);
        }
    }

    #[test]
    fn dropping_a_watch_unregisters_it() {
        let completions = Completions::default();
        let p = prediction();
        drop(completions.watch(p.id));
        assert!(completions.lock().is_empty());
        // Nobody waits: nothing is kept.
        completions.finished(p.id, Some(Handover::Whole(Box::new(p))));
        assert!(completions.lock().is_empty());
    }
}
