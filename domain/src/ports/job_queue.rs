//! The job queue between the API (which accepts predictions) and the workers (which compute
//! them): publishing, receiving and settling jobs, the dead letters of jobs given up on, and
//! the two steps of a graceful shutdown ([`JobQueue::drain`], then [`JobQueue::close`]).

use async_trait::async_trait;

use super::Cause;
use crate::models::PredictionId;

/// A unit of work: compute this prediction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The prediction to compute; handling the same id twice MUST be harmless.
    pub prediction_id: PredictionId,
    /// The HTTP request that created it, so logs can follow it across processes.
    pub request_id: Option<String>,
    /// Whether this job may have reached a worker before: a republish of an unfinished
    /// prediction (publishers set it), or a redelivery (workers also treat any delivery with
    /// [`Delivery::redeliveries`] > 0 so). A worker records the attempt of such a job before
    /// computing it, so that a job whose attempts crash workers is given up after
    /// `max_attempts`; a job certainly on its first delivery has its attempt recorded together
    /// with its outcome, in one write (see `Worker::process_batch`).
    pub seen_before: bool,
}

/// What a queue adapter may report.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The broker cannot be reached or did not confirm; the caller may retry later.
    #[error("job queue unavailable")]
    Unavailable(#[source] Cause),
    /// The queue was shut down; no more jobs will come.
    #[error("job queue closed")]
    Closed,
}

/// A job handed to a worker. The worker MUST settle it exactly once, by [`Delivery::ack`]
/// after the outcome is committed, [`Delivery::retry`] to give it back, or
/// [`Delivery::reject`] to give up on it. A delivery dropped unsettled (crash) MUST come back.
#[async_trait]
pub trait Delivery: Send {
    /// The job.
    fn job(&self) -> &Job;

    /// How many times this job was delivered before (0 on first delivery), as far as the queue
    /// knows.
    fn redeliveries(&self) -> u32;

    /// Done with it: the queue forgets it.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the broker is gone; the job may then come again.
    async fn ack(self: Box<Self>) -> Result<(), QueueError>;

    /// Could not handle it now: deliver it again later (to this or another worker).
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the broker is gone; the job comes again anyway.
    async fn retry(self: Box<Self>) -> Result<(), QueueError>;

    /// Will never handle it: drop it, or dead-letter it where the queue has a dead-letter place.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the broker is gone; the job may then come again.
    async fn reject(self: Box<Self>) -> Result<(), QueueError>;
}

/// A job the queue gave up on (rejected by a worker, or delivered more often than the queue
/// allows), handed to the application so that it records the job's prediction as failed. The
/// application MUST [`DeadLetter::ack`] it once that is recorded; a dead letter dropped
/// unacknowledged MUST come again.
#[async_trait]
pub trait DeadLetter: Send {
    /// The job given up on.
    fn job(&self) -> &Job;

    /// The queue's reason for giving up on it, when it says (RabbitMQ: `"rejected"` or
    /// `"delivery_limit"`).
    fn reason(&self) -> Option<&str>;

    /// Done with it: the queue forgets it.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the broker is gone; the dead letter then comes again.
    async fn ack(self: Box<Self>) -> Result<(), QueueError>;
}

/// A durable, at-least-once job queue.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Hands a job to the queue. Returns only once the queue holds it durably (for a broker:
    /// after a publisher confirm of a persistent message).
    ///
    /// # Errors
    /// MUST return [`QueueError::Unavailable`] if that cannot be confirmed.
    async fn publish(&self, job: &Job) -> Result<(), QueueError>;

    /// Waits for the next job.
    ///
    /// # Errors
    /// [`QueueError::Closed`] once the queue is shut down; [`QueueError::Unavailable`] while
    /// the broker is unreachable (callers back off and call again).
    async fn receive(&self) -> Result<Box<dyn Delivery>, QueueError>;

    /// A job already at hand (delivered to this process, or queued in it), without waiting:
    /// lets a worker that just received one take the others that are ready and handle them
    /// together. `Ok(None)` when there is none right now, also while disconnected or stopping.
    /// The default has none.
    ///
    /// # Errors
    /// [`QueueError::Closed`] once the queue is shut down.
    async fn try_receive(&self) -> Result<Option<Box<dyn Delivery>>, QueueError> {
        Ok(None)
    }

    /// The next job (waiting for it as [`JobQueue::receive`] does) and, after it, up to
    /// `max - 1` more already at hand ([`JobQueue::try_receive`]), so that a worker handles
    /// them together. Always at least one job; an error after the first ends the batch.
    ///
    /// # Errors
    /// As [`JobQueue::receive`], for the first job only.
    async fn receive_batch(&self, max: usize) -> Result<Vec<Box<dyn Delivery>>, QueueError> {
        let mut batch = vec![self.receive().await?];
        while batch.len() < max {
            match self.try_receive().await {
                Ok(Some(delivery)) => batch.push(delivery),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(batch)
    }

    /// Checks that jobs can be published now (for readiness probes).
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] when they cannot.
    async fn check(&self) -> Result<(), QueueError>;

    /// Whether the queue lives in this process alone: it starts empty and its jobs end with
    /// the process (so the application republishes the jobs of every unfinished prediction at
    /// start-up), and only this process's workers take them (so every finish happens here).
    /// `false` for a broker that outlives the process and is shared by several.
    fn in_process(&self) -> bool;

    /// Waits for the next [`DeadLetter`]. A queue without a place for dead letters (one that
    /// drops rejected jobs) never has one: the call then waits until the queue is drained or
    /// closed.
    ///
    /// # Errors
    /// [`QueueError::Closed`] once the queue is drained ([`JobQueue::drain`]) or closed
    /// ([`JobQueue::close`]), also for a call waiting then;
    /// [`QueueError::Unavailable`] while the broker is unreachable (callers back off and call
    /// again).
    async fn receive_dead_letter(&self) -> Result<Box<dyn DeadLetter>, QueueError>;

    /// First step of a graceful shutdown: stops handing out jobs, so that workers exit after
    /// the jobs they hold. Afterwards, waiting and later [`JobQueue::receive`] and
    /// [`JobQueue::receive_dead_letter`] calls MUST return [`QueueError::Closed`], and
    /// [`JobQueue::try_receive`] MUST NOT return a job. The deliveries callers hold MUST still
    /// settle as before (a job in hand is acknowledged once done, and handed to no one else
    /// meanwhile). Jobs this process received that no caller took MUST go back to the queue
    /// (in process: stay unfinished in the store, for the next start). Then let the workers
    /// finish and call [`JobQueue::close`].
    ///
    /// Never fails: a caller could do nothing about an error while stopping, and a broker that
    /// is gone redelivers whatever it had handed out.
    async fn drain(&self);

    /// Last step of a graceful shutdown, once the workers have stopped: releases the queue's
    /// resources (a broker connection). Afterwards every call that returns a `Result` MUST
    /// fail with [`QueueError::Closed`], and waiting calls wake with it. Deliveries still held
    /// MUST NOT be lost: they come back as if dropped unsettled (from the broker; in process,
    /// from the store at the next start). Calling it again does nothing.
    ///
    /// Never fails, for the same reasons as [`JobQueue::drain`].
    async fn close(&self);
}
