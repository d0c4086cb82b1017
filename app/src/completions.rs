//! The waiters of predictions: a request that asks to wait (`?wait=`) registers here before
//! its job is published, and whoever sees the prediction finish wakes it, handing over the
//! final state when it has it: this process's worker tasks (`worker_loop`) and, with
//! PostgreSQL, the listener of finish notifications from other processes
//! (`background::finish_listener`), which also wakes every waiter after notifications may
//! have been lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use payrange_domain::models::{Prediction, PredictionId};
use payrange_store_sea_orm::Announced;
use tokio::sync::Notify;

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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::time::Duration;

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
