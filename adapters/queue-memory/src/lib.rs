//! In-process [`JobQueue`] for payrange's embedded mode: one `payrange serve` process that
//! accepts predictions and works them off itself.
//!
//! The queue itself is not durable; durability comes from the store: every job's prediction
//! row is written before the job is published, and at start-up the service republishes every
//! unfinished prediction (see `PredictionService::republish_unfinished`). Deliveries follow the
//! port's contract: a delivery dropped without being settled (a panicking or cancelled worker
//! task) goes back to the queue. A rejected job is dropped: there is no dead-letter place, so
//! `receive_dead_letter` only waits for the queue to close. Draining closes it: the jobs not
//! taken stay unfinished in the store.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use payrange_domain::ports::{DeadLetter, Delivery, Job, JobQueue, QueueError};
use tokio::sync::Notify;

#[derive(Default)]
struct Inner {
    jobs: Mutex<VecDeque<(Job, u32)>>,
    ready: Notify,
    closed: AtomicBool,
    /// Woken once, on close, for those waiting for a dead letter.
    closing: Notify,
}

impl Inner {
    fn push(&self, job: Job, redeliveries: u32) {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back((job, redeliveries));
        self.ready.notify_one();
    }

    fn pop(&self) -> Option<(Job, u32)> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}

/// An unbounded in-process FIFO of jobs with at-least-once deliveries.
#[derive(Clone, Default)]
pub struct MemoryQueue {
    inner: Arc<Inner>,
}

impl MemoryQueue {
    /// An empty, open queue.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Jobs waiting for a worker.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no job is waiting.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// Stops handing out jobs: waiting and future `receive` calls return
    /// [`QueueError::Closed`], and `publish` fails. Jobs still queued stay unfinished in the
    /// store and are republished at the next start.
    fn shut(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.inner.ready.notify_waiters();
        self.inner.closing.notify_waiters();
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn publish(&self, job: &Job) -> Result<(), QueueError> {
        if self.is_closed() {
            return Err(QueueError::Closed);
        }
        self.inner.push(job.clone(), 0);
        Ok(())
    }

    async fn receive(&self) -> Result<Box<dyn Delivery>, QueueError> {
        loop {
            if self.is_closed() {
                return Err(QueueError::Closed);
            }
            if let Some((job, redeliveries)) = self.inner.pop() {
                return Ok(Box::new(MemoryDelivery {
                    job,
                    settled: false,
                    redeliveries,
                    queue: self.inner.clone(),
                }));
            }
            // notify_one leaves a permit when nobody waits, so a push between pop and here is
            // not missed.
            self.inner.ready.notified().await;
        }
    }

    async fn try_receive(&self) -> Result<Option<Box<dyn Delivery>>, QueueError> {
        if self.is_closed() {
            return Err(QueueError::Closed);
        }
        Ok(self.inner.pop().map(|(job, redeliveries)| {
            Box::new(MemoryDelivery {
                job,
                settled: false,
                redeliveries,
                queue: self.inner.clone(),
            }) as Box<dyn Delivery>
        }))
    }

    async fn check(&self) -> Result<(), QueueError> {
        if self.is_closed() {
            Err(QueueError::Closed)
        } else {
            Ok(())
        }
    }

    fn in_process(&self) -> bool {
        true
    }

    async fn receive_dead_letter(&self) -> Result<Box<dyn DeadLetter>, QueueError> {
        // Rejected jobs are dropped, so none ever comes: wait for the close.
        let mut closing = std::pin::pin!(self.inner.closing.notified());
        // Registered before the check, so a close in between is not missed.
        closing.as_mut().enable();
        if !self.is_closed() {
            closing.await;
        }
        Err(QueueError::Closed)
    }

    /// Closes the queue: the jobs not yet taken stay unfinished in the store, where the next
    /// start finds them.
    async fn drain(&self) {
        self.shut();
    }

    async fn close(&self) {
        self.shut();
    }
}

/// A job handed out by [`MemoryQueue`]; returns to the queue if dropped unsettled.
struct MemoryDelivery {
    job: Job,
    redeliveries: u32,
    settled: bool,
    queue: Arc<Inner>,
}

impl MemoryDelivery {
    fn settle(&mut self, requeue: bool) {
        if !self.settled && requeue {
            self.queue.push(self.job.clone(), self.redeliveries + 1);
        }
        self.settled = true;
    }
}

#[async_trait]
impl Delivery for MemoryDelivery {
    fn job(&self) -> &Job {
        &self.job
    }

    fn redeliveries(&self) -> u32 {
        self.redeliveries
    }

    async fn ack(mut self: Box<Self>) -> Result<(), QueueError> {
        self.settle(false);
        Ok(())
    }

    async fn retry(mut self: Box<Self>) -> Result<(), QueueError> {
        self.settle(true);
        Ok(())
    }

    async fn reject(mut self: Box<Self>) -> Result<(), QueueError> {
        tracing::warn!(prediction_id = %self.job.prediction_id, "job rejected and dropped");
        self.settle(false);
        Ok(())
    }
}

impl Drop for MemoryDelivery {
    fn drop(&mut self) {
        self.settle(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use payrange_domain::models::PredictionId;
    use std::time::Duration;

    fn job() -> Job {
        Job {
            prediction_id: PredictionId::generate(),
            request_id: None,
            seen_before: false,
        }
    }

    #[tokio::test]
    async fn jobs_come_out_in_order_and_acked_ones_are_gone() {
        let q = MemoryQueue::new();
        let (a, b) = (job(), job());
        q.publish(&a).await.unwrap();
        q.publish(&b).await.unwrap();
        let d = q.receive().await.unwrap();
        assert_eq!(d.job(), &a);
        d.ack().await.unwrap();
        let d = q.receive().await.unwrap();
        assert_eq!(d.job(), &b);
        d.ack().await.unwrap();
        assert!(q.is_empty());
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_on_publish() {
        let q = MemoryQueue::new();
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.receive().await.map(|d| d.job().clone()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let j = job();
        q.publish(&j).await.unwrap();
        assert_eq!(waiter.await.unwrap().unwrap(), j);
    }

    #[tokio::test]
    async fn unsettled_and_retried_deliveries_come_back_counted() {
        let q = MemoryQueue::new();
        let j = job();
        q.publish(&j).await.unwrap();
        drop(q.receive().await.unwrap());
        let d = q.receive().await.unwrap();
        assert_eq!((d.job(), d.redeliveries()), (&j, 1));
        d.retry().await.unwrap();
        let d = q.receive().await.unwrap();
        assert_eq!(d.redeliveries(), 2);
        d.reject().await.unwrap();
        assert!(q.is_empty());
    }

    #[tokio::test]
    async fn close_wakes_receivers_and_refuses_publishing() {
        let q = MemoryQueue::new();
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.receive().await.err() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.close().await;
        assert!(matches!(waiter.await.unwrap(), Some(QueueError::Closed)));
        assert!(q.publish(&job()).await.is_err());
    }

    #[tokio::test]
    async fn no_dead_letter_comes_until_the_queue_closes() {
        let q = MemoryQueue::new();
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.receive_dead_letter().await.err() }
        });
        q.publish(&job()).await.unwrap();
        q.receive().await.unwrap().reject().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiter.is_finished(),
            "a rejected job is dropped, not dead-lettered"
        );
        q.close().await;
        assert!(matches!(waiter.await.unwrap(), Some(QueueError::Closed)));
        assert!(matches!(
            q.receive_dead_letter().await.err(),
            Some(QueueError::Closed)
        ));
    }
}
