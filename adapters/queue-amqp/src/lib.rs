//! RabbitMQ [`JobQueue`] for payrange (AMQP 0-9-1 through `amqprs`).
//!
//! - Jobs go to a durable **quorum** queue as persistent JSON messages; `publish` returns only
//!   after the broker's publisher confirm for the message holding its job. Jobs published at
//!   the same moment share one message (see `publish`); each is still delivered and settled
//!   on its own (see `delivery::Message`), and a shared message that comes back is split into
//!   one message per job.
//! - Workers consume with manual acks and a prefetch window. A job returned more than
//!   `max_deliveries` times, or rejected, is dead-lettered to `<queue>.dead`, which
//!   `receive_dead_letter` reads so the application can fail the prediction.
//! - Graceful shutdown in two steps: `drain` stops consuming and returns the prefetched jobs
//!   nobody took, while the jobs in hand can still be acknowledged; `close` then closes the
//!   connection.
//! - A supervisor task keeps the connection up: when the broker closes it or the network
//!   fails, it reconnects with jittered exponential backoff (100 ms doubling to 5 s),
//!   re-declares the topology and consumes again. While disconnected, `publish`, `receive`
//!   and `check` return [`QueueError::Unavailable`] at once (callers back off); deliveries of
//!   the dead connection fail quietly when settled, and the broker redelivers them.
//! - `amqps://` URLs connect over TLS and verify the broker's certificate (see `tls`).
//!
//! # The life of a message holding several jobs
//!
//! ```text
//!  serve: publish(job A)  publish(job B)  publish(job C)      each caller waits on a oneshot
//!            │               │               │
//!            ▼               ▼               ▼
//!  publish::Outbox ── takes what is waiting (≤ jobs_per_message) ──► one persistent message
//!            │                                                       {"jobs":[A,B,C]} (wire)
//!            ▼
//!  broker confirm (callbacks::Confirms) ──► A, B and C's publish calls return Ok
//!            │
//!            ▼  quorum queue, delivered to a worker's consumer channel (prefetch window)
//!  link: forwarder task ── wire::decode ─┬─► delivery::Message (tally: 3 open)
//!            │                            │   + one shared::Incoming per job
//!            │                            │   into shared::Stream (jobs.inbound)
//!            │                            ├─► delivered before (redeliveries > 0): link::split
//!            │                            │   publishes A, B, C again alone, then acks it
//!            │                            └─► malformed: rejected (→ <queue>.dead)
//!            ▼
//!  worker: receive() / try_receive() ── take from jobs.outbound ──► AmqpDelivery per job
//!            │
//!            ▼  each job settled on its own: ack / requeue / reject
//!  delivery::Message::settle ── last of the three settled ──► broker hears once:
//!     all alike       → basic.ack / basic.nack(requeue) / basic.reject (→ <queue>.dead)
//!     mixed           → the jobs not acked are published again alone (requeued ones to the
//!                       work queue, rejected ones to the dead-letter exchange), then ack
//!     that fails      → the whole message is requeued (a finished job is harmless to redo)
//!     connection died → nothing to settle: the broker redelivers the message whole, the
//!                       forwarder splits it (above), and a job seen more than
//!                       max_deliveries times is dead-lettered alone
//! ```

mod callbacks;
mod delivery;
mod error;
mod link;
mod publish;
mod settings;
mod shared;
mod tls;
mod topology;
mod uri;
mod wire;

use std::sync::{Arc, Mutex, PoisonError};

use amqprs::connection::OpenConnectionArguments;
use async_trait::async_trait;
use payrange_domain::ports::{DeadLetter, Delivery, Job, JobQueue, QueueError};
use tokio::task::JoinHandle;

pub use settings::AmqpSettings;

use crate::delivery::{AmqpDeadLetter, AmqpDelivery};
use crate::error::AmqpError;
use crate::shared::Shared;

/// A [`JobQueue`] on RabbitMQ. Not `Clone`: share it behind an `Arc`. Call
/// [`JobQueue::drain`] then [`JobQueue::close`] on shutdown; dropping it also stops it, less
/// gracefully.
pub struct AmqpJobQueue {
    shared: Arc<Shared>,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl AmqpJobQueue {
    /// Connects and declares the topology (consuming starts with the first `receive`); fails
    /// if the broker cannot be reached now. Afterwards the queue reconnects by itself.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the URL is invalid or the first connection fails.
    pub async fn connect(settings: AmqpSettings) -> Result<Self, QueueError> {
        let shared = Arc::new(Shared::new(settings.clone(), open_args(&settings)?));
        let live = link::connect(&shared, 1).await.map_err(|e| {
            tracing::warn!(url = %settings::redacted(&settings.url), error = %e, "AMQP connect failed");
            QueueError::from(e)
        })?;
        tracing::info!(queue = %settings.queue, "AMQP connection up");
        Ok(Self::start(shared, Some(live)))
    }

    /// Starts disconnected and connects in the background (with backoff), so the service can
    /// start while the broker is down; until connected, every call reports `Unavailable`.
    /// Needs a running tokio runtime.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the URL is invalid.
    pub fn connect_lazy(settings: AmqpSettings) -> Result<Self, QueueError> {
        let shared = Arc::new(Shared::new(settings.clone(), open_args(&settings)?));
        Ok(Self::start(shared, None))
    }

    fn start(shared: Arc<Shared>, live: Option<Arc<link::Live>>) -> Self {
        if let Some(live) = &live {
            shared.set_live(Some(live.clone()));
        }
        publish::Outbox::start(&shared);
        let supervisor = tokio::spawn(link::supervise(shared.clone(), live));
        Self {
            shared,
            supervisor: Mutex::new(Some(supervisor)),
        }
    }

    /// The settings it was started with.
    #[must_use]
    pub fn settings(&self) -> &AmqpSettings {
        &self.shared.settings
    }
}

impl Drop for AmqpJobQueue {
    fn drop(&mut self) {
        // The supervisor sees this, tears the connection down and exits.
        self.shared.close();
    }
}

/// Connection arguments for an `amqp://` or `amqps://` URL by this adapter's rules
/// (percent-decoded user, password and vhost; TLS options from the query), for tools that
/// open their own connection to the same broker, such as an operator's queue inspection.
///
/// # Errors
/// [`QueueError::Unavailable`] if the URL is invalid or a TLS file cannot be read.
pub fn connection_arguments(url: &str) -> Result<OpenConnectionArguments, QueueError> {
    Ok(uri::parse(url)?)
}

fn open_args(settings: &AmqpSettings) -> Result<OpenConnectionArguments, QueueError> {
    let mut args = uri::parse(&settings.url)?;
    args.connection_name(&settings.connection_name);
    Ok(args)
}

#[async_trait]
impl JobQueue for AmqpJobQueue {
    async fn publish(&self, job: &Job) -> Result<(), QueueError> {
        // Fail fast while disconnected or closed.
        self.shared.live()?;
        let id = job.prediction_id;
        match self.shared.outbox.publish(job.clone()).await {
            Ok(()) => {
                tracing::debug!(prediction_id = %id, "job published");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(prediction_id = %id, error = %error, "job not confirmed");
                Err(QueueError::Unavailable(Box::new(error)))
            }
        }
    }

    async fn receive(&self) -> Result<Box<dyn Delivery>, QueueError> {
        use std::sync::atomic::Ordering;
        if self.shared.draining() {
            // Stopping: never consume again (that would take back the returned jobs).
            return Err(QueueError::Closed);
        }
        // Consume only once asked to: a publisher-only process never holds jobs.
        self.shared.wants_jobs.store(true, Ordering::SeqCst);
        let live = self.shared.live()?;
        live.ensure_work_consumer(&self.shared).await?;
        let incoming = self.shared.next(&self.shared.jobs.outbound).await?;
        Ok(Box::new(AmqpDelivery::new(
            incoming,
            Arc::downgrade(&self.shared),
        )))
    }

    async fn try_receive(&self) -> Result<Option<Box<dyn Delivery>>, QueueError> {
        if self.shared.draining() {
            return Ok(None);
        }
        let incoming = self.shared.try_next(&self.shared.jobs.outbound)?;
        Ok(incoming.map(|incoming| {
            Box::new(AmqpDelivery::new(incoming, Arc::downgrade(&self.shared))) as Box<dyn Delivery>
        }))
    }

    async fn check(&self) -> Result<(), QueueError> {
        let live = self.shared.live()?;
        if live.connection.is_open() && live.publisher.is_open() {
            Ok(())
        } else {
            Err(AmqpError::NotConnected.into())
        }
    }

    fn in_process(&self) -> bool {
        false
    }

    /// Reads `<queue>.dead`. The first call starts a consumer on it (also after every
    /// reconnect).
    async fn receive_dead_letter(&self) -> Result<Box<dyn DeadLetter>, QueueError> {
        use std::sync::atomic::Ordering;
        self.shared.wants_dead_letters.store(true, Ordering::SeqCst);
        let live = self.shared.live()?;
        live.ensure_dead_consumer(&self.shared).await?;
        let incoming = self.shared.next(&self.shared.dead.outbound).await?;
        Ok(Box::new(AmqpDeadLetter::new(
            incoming,
            Arc::downgrade(&self.shared),
        )))
    }

    /// Cancels the work consumer and returns the prefetched jobs that no caller took to the
    /// queue; the connection stays up, so the jobs callers hold can still be acknowledged
    /// (and are not delivered to anyone else meanwhile).
    async fn drain(&self) {
        self.shared.stop_receiving().await;
    }

    /// Closes the channels and the connection and waits for the supervisor to stop.
    /// Deliveries still held by callers fail to settle and come back.
    async fn close(&self) {
        self.shared.close();
        let supervisor = self
            .supervisor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(supervisor) = supervisor
            && let Err(error) = supervisor.await
        {
            tracing::warn!(error = %error, "AMQP supervisor failed");
        }
    }
}
