//! How a worker settles a batch of deliveries when storage fails: only the jobs at fault go
//! back, as if each had been handled alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::fakes::LengthPredictor;
use super::*;
use crate::memory::MemoryStore;
use crate::models::{
    ModelInfo, Page, PageRequest, Prediction, PredictionFilter, PredictionId, PredictionStatus,
    SalaryEstimate, UserId, Vacancy,
};
use crate::ports::{Delivery, Job, LogStore, QueueError, StartOutcome, StoreError};

/// A [`MemoryStore`] that refuses to start one prediction (as a database trigger might), or
/// everything while `down`.
struct FlakyStore {
    inner: MemoryStore,
    refused: Mutex<Option<PredictionId>>,
    down: AtomicBool,
}

impl FlakyStore {
    fn check(&self, id: Option<PredictionId>) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        let refused = *self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        if id.is_some() && id == refused {
            return Err(StoreError::Internal("refused".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl LogStore for FlakyStore {
    async fn insert_prediction(&self, p: &Prediction) -> Result<(), StoreError> {
        self.inner.insert_prediction(p).await
    }
    async fn prediction(&self, id: PredictionId) -> Result<Option<Prediction>, StoreError> {
        self.inner.prediction(id).await
    }
    async fn list_predictions(
        &self,
        filter: &PredictionFilter,
        page: PageRequest,
    ) -> Result<Page<Prediction>, StoreError> {
        self.inner.list_predictions(filter, page).await
    }
    async fn set_outcome(
        &self,
        id: PredictionId,
        outcome: Option<&crate::models::Outcome>,
    ) -> Result<bool, StoreError> {
        self.inner.set_outcome(id, outcome).await
    }
    async fn start_prediction(
        &self,
        id: PredictionId,
        at: OffsetDateTime,
    ) -> Result<StartOutcome, StoreError> {
        self.check(Some(id))?;
        self.inner.start_prediction(id, at).await
    }
    async fn start_predictions(
        &self,
        ids: &[PredictionId],
        at: OffsetDateTime,
    ) -> Result<Vec<StartOutcome>, StoreError> {
        // All or nothing, as one statement would.
        for id in ids {
            self.check(Some(*id))?;
        }
        self.inner.start_predictions(ids, at).await
    }
    async fn finish_prediction(
        &self,
        id: PredictionId,
        outcome: Result<&SalaryEstimate, &str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.check(None)?;
        self.inner.finish_prediction(id, outcome, at).await
    }
    async fn unfinished_predictions(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Prediction>, StoreError> {
        self.inner.unfinished_predictions(before, limit).await
    }
}

/// A delivery that records how it was settled.
struct Recorded {
    job: Job,
    redeliveries: u32,
    settled: Arc<Mutex<Vec<(PredictionId, &'static str)>>>,
}

impl Recorded {
    fn settle(&self, how: &'static str) {
        self.settled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((self.job.prediction_id, how));
    }
}

#[async_trait]
impl Delivery for Recorded {
    fn job(&self) -> &Job {
        &self.job
    }
    fn redeliveries(&self) -> u32 {
        self.redeliveries
    }
    async fn ack(self: Box<Self>) -> Result<(), QueueError> {
        self.settle("ack");
        Ok(())
    }
    async fn retry(self: Box<Self>) -> Result<(), QueueError> {
        self.settle("retry");
        Ok(())
    }
    async fn reject(self: Box<Self>) -> Result<(), QueueError> {
        self.settle("reject");
        Ok(())
    }
}

struct Setup {
    store: Arc<FlakyStore>,
    worker: Worker,
    ids: Vec<PredictionId>,
    settled: Arc<Mutex<Vec<(PredictionId, &'static str)>>>,
}

async fn setup(n: usize) -> Setup {
    let store = Arc::new(FlakyStore {
        inner: MemoryStore::new(),
        refused: Mutex::new(None),
        down: AtomicBool::new(false),
    });
    let owner = UserId::generate();
    let mut ids = Vec::new();
    for i in 0..n {
        let vacancy = Vacancy::new(&format!("Developer {i}"), "Build services", None).unwrap();
        let p = Prediction::queued(owner, vacancy, None, OffsetDateTime::now_utc());
        store.insert_prediction(&p).await.unwrap();
        ids.push(p.id);
    }
    let worker = Worker::new(
        store.clone(),
        Arc::new(LengthPredictor(ModelInfo::default())),
        3,
    );
    Setup {
        store,
        worker,
        ids,
        settled: Arc::default(),
    }
}

impl Setup {
    fn deliveries(&self) -> Vec<Box<dyn Delivery>> {
        self.ids
            .iter()
            .map(|id| {
                Box::new(Recorded {
                    job: Job {
                        prediction_id: *id,
                        request_id: None,
                        seen_before: false,
                    },
                    redeliveries: 0,
                    settled: self.settled.clone(),
                }) as Box<dyn Delivery>
            })
            .collect()
    }

    fn settled(&self) -> Vec<(PredictionId, &'static str)> {
        std::mem::take(&mut *self.settled.lock().unwrap())
    }
}

#[tokio::test]
async fn a_committed_batch_acks_every_delivery_after_the_commit() {
    let s = setup(3).await;
    let results = s.worker.handle_batch(s.deliveries()).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().processed == Processed::Done)
    );
    let acked: Vec<_> = s.ids.iter().map(|id| (*id, "ack")).collect();
    assert_eq!(s.settled(), acked);
    for id in &s.ids {
        let p = s.store.prediction(*id).await.unwrap().unwrap();
        assert_eq!((p.status, p.attempts), (PredictionStatus::Done, 1));
    }
}

#[tokio::test]
async fn a_job_the_store_refuses_fails_alone_and_the_rest_of_its_batch_is_done() {
    let s = setup(3).await;
    *s.store.refused.lock().unwrap() = Some(s.ids[1]);
    let results = s.worker.handle_batch(s.deliveries()).await;
    assert!(matches!(results[1], Err(StoreError::Internal(_))));
    for i in [0, 2] {
        assert_eq!(results[i].as_ref().unwrap().processed, Processed::Done);
        let p = s.store.prediction(s.ids[i]).await.unwrap().unwrap();
        assert_eq!((p.status, p.attempts), (PredictionStatus::Done, 1));
    }
    assert_eq!(
        s.settled(),
        vec![(s.ids[0], "ack"), (s.ids[1], "retry"), (s.ids[2], "ack")],
        "each settled once, the refused one handed back"
    );
    let refused = s.store.prediction(s.ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (refused.status, refused.attempts),
        (PredictionStatus::Queued, 0)
    );
}

#[tokio::test]
async fn while_storage_is_down_every_job_of_a_batch_goes_back_untouched() {
    let s = setup(3).await;
    s.store.down.store(true, Ordering::SeqCst);
    let results = s.worker.handle_batch(s.deliveries()).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(StoreError::Unavailable(_))))
    );
    let retried: Vec<_> = s.ids.iter().map(|id| (*id, "retry")).collect();
    assert_eq!(s.settled(), retried);
    for id in &s.ids {
        let p = s.store.prediction(*id).await.unwrap().unwrap();
        assert_eq!(p.status, PredictionStatus::Queued);
    }
}

#[tokio::test]
async fn a_job_delivered_before_has_its_attempt_recorded_before_it_is_computed() {
    let s = setup(0).await;
    let owner = UserId::generate();
    let mut ids = Vec::new();
    for name in ["crash once", "crash again"] {
        let vacancy = Vacancy::new(name, "Build services", None).unwrap();
        let p = Prediction::queued(owner, vacancy, None, OffsetDateTime::now_utc());
        s.store.insert_prediction(&p).await.unwrap();
        ids.push(p.id);
    }
    // The first on its first delivery, the second delivered before (the queue says so; the
    // job itself does not).
    let deliveries: Vec<Box<dyn Delivery>> = ids
        .iter()
        .zip([0, 2])
        .map(|(id, redeliveries)| {
            Box::new(Recorded {
                job: Job {
                    prediction_id: *id,
                    request_id: None,
                    seen_before: false,
                },
                redeliveries,
                settled: s.settled.clone(),
            }) as Box<dyn Delivery>
        })
        .collect();
    let worker = s.worker.clone();
    // The worker dies computing them.
    let died = tokio::spawn(async move { worker.handle_batch(deliveries).await }).await;
    assert!(died.unwrap_err().is_panic());
    let first = s.store.prediction(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (first.status, first.attempts, first.started_at),
        (PredictionStatus::Queued, 0, None),
        "a first delivery writes its attempt only with its outcome"
    );
    let again = s.store.prediction(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (again.status, again.attempts),
        (PredictionStatus::Running, 1),
        "a redelivery's attempt counts even though it never finished"
    );
    assert!(again.started_at.is_some());
}
