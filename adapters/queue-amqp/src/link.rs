//! One live connection to the broker (a *generation*): its channels, its consumers, and the
//! supervisor task that replaces it with a new one, with exponential backoff, when it dies.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use amqprs::channel::{
    BasicAckArguments, BasicConsumeArguments, BasicNackArguments, BasicQosArguments,
    BasicRejectArguments, Channel, ConfirmSelectArguments, ConsumerMessage,
};
use amqprs::connection::Connection;
use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::{Mutex, Notify, mpsc};
use tokio::task::JoinHandle;

use crate::callbacks::{Callbacks, Confirms};
use crate::delivery::{Kind, Message};
use crate::error::AmqpError;
use crate::publish::{self, Target};
use crate::shared::{Incoming, Shared, Status};
use crate::{topology, wire};

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const HEALTH_POLL: Duration = Duration::from_millis(500);

/// The connection of one generation and what was opened on it.
pub(crate) struct Live {
    pub(crate) generation: u64,
    pub(crate) connection: Connection,
    /// Confirm-mode channel for publishing; the mutex serializes publishes so that delivery
    /// tags (1, 2, ...) match the order of `basic_publish` calls. It holds the next tag.
    pub(crate) publisher: Channel,
    pub(crate) next_tag: Mutex<u64>,
    pub(crate) confirms: Arc<Confirms>,
    /// Channel of the work-queue consumer, opened on the first `receive`: a process that only
    /// publishes (`payrange serve` in production) must not prefetch jobs it will never handle.
    pub(crate) consumer: Mutex<Option<(Channel, String)>>,
    /// The task forwarding the work consumer's deliveries; it ends once the consumer is
    /// cancelled and every delivery before the cancel is forwarded.
    pub(crate) work_forwarder: Mutex<Option<JoinHandle<()>>>,
    /// Channel of the dead-letter consumer, opened on first demand.
    pub(crate) dead: Mutex<Option<(Channel, String)>>,
    died: Arc<Notify>,
}

impl Live {
    fn healthy(&self) -> bool {
        let consumer_open = self
            .consumer
            .try_lock()
            .map_or(true, |c| c.as_ref().is_none_or(|(ch, _)| ch.is_open()));
        self.connection.is_open() && self.publisher.is_open() && consumer_open
    }

    /// Starts consuming the work queue on this connection unless already done.
    pub(crate) async fn ensure_work_consumer(&self, shared: &Arc<Shared>) -> Result<(), AmqpError> {
        let mut work = self.consumer.lock().await;
        if work.is_none() {
            let queue = shared.settings.queue.clone();
            let consumer = consume(
                shared,
                &self.connection,
                &self.died,
                self.generation,
                &queue,
                Kind::Work,
            );
            let (channel, tag, forwarder) = consumer.await?;
            *work = Some((channel, tag));
            *self.work_forwarder.lock().await = Some(forwarder);
        }
        Ok(())
    }

    /// Starts consuming `<queue>.dead` on this connection unless already done.
    pub(crate) async fn ensure_dead_consumer(&self, shared: &Arc<Shared>) -> Result<(), AmqpError> {
        let mut dead = self.dead.lock().await;
        if dead.is_none() {
            let queue = shared.settings.dead_letter_queue();
            let consumer = consume(
                shared,
                &self.connection,
                &self.died,
                self.generation,
                &queue,
                Kind::DeadLetter,
            );
            let (channel, tag, _forwarder) = consumer.await?;
            *dead = Some((channel, tag));
        }
        Ok(())
    }
}

/// Opens a channel consuming `queue` with manual acks and feeds its deliveries to the
/// adapter's work or dead-letter stream.
async fn consume(
    shared: &Arc<Shared>,
    connection: &Connection,
    died: &Arc<Notify>,
    generation: u64,
    queue: &str,
    kind: Kind,
) -> Result<(Channel, String, JoinHandle<()>), AmqpError> {
    let channel = connection.open_channel(None).await?;
    channel
        .register_callback(Callbacks {
            confirms: Arc::new(Confirms::default()),
            died: died.clone(),
        })
        .await?;
    channel
        .basic_qos(BasicQosArguments::new(0, shared.settings.prefetch, false))
        .await?;
    let (tag, rx) = channel
        .basic_consume_rx(
            BasicConsumeArguments::new(queue, "")
                .manual_ack(true)
                .finish(),
        )
        .await?;
    let tx = match kind {
        Kind::Work => shared.jobs.inbound.clone(),
        Kind::DeadLetter => shared.dead.inbound.clone(),
    };
    let forwarder = tokio::spawn(forward(
        Arc::downgrade(shared),
        rx,
        channel.clone(),
        generation,
        tx,
        kind,
    ));
    Ok((channel, tag, forwarder))
}

/// Opens generation `generation`: connection, topology, publisher, consumers.
pub(crate) async fn connect(shared: &Arc<Shared>, generation: u64) -> Result<Arc<Live>, AmqpError> {
    tokio::time::timeout(CONNECT_TIMEOUT, open(shared, generation))
        .await
        .map_err(|_| AmqpError::ConnectTimeout)?
}

async fn open(shared: &Arc<Shared>, generation: u64) -> Result<Arc<Live>, AmqpError> {
    let connection = Connection::open(&shared.args).await?;
    let callbacks = Callbacks {
        confirms: Arc::new(Confirms::default()),
        died: Arc::new(Notify::new()),
    };
    connection.register_callback(callbacks.clone()).await?;
    let publisher = connection.open_channel(None).await?;
    publisher.register_callback(callbacks.clone()).await?;
    topology::declare(&publisher, &shared.settings).await?;
    publisher
        .confirm_select(ConfirmSelectArguments::default())
        .await?;
    let live = Live {
        generation,
        connection,
        publisher,
        next_tag: Mutex::new(1),
        confirms: callbacks.confirms,
        consumer: Mutex::new(None),
        work_forwarder: Mutex::new(None),
        dead: Mutex::new(None),
        died: callbacks.died,
    };
    if shared.wants_jobs.load(Ordering::SeqCst) {
        live.ensure_work_consumer(shared).await?;
    }
    if shared.wants_dead_letters.load(Ordering::SeqCst) {
        live.ensure_dead_consumer(shared).await?;
    }
    Ok(Arc::new(live))
}

/// Turns raw deliveries into [`Incoming`] jobs until the channel closes. A body that is not a
/// job is rejected (work queue: dead-lettered) or dropped (dead-letter queue), and logged. A
/// work message of several jobs that comes again is split first (see [`split`]).
async fn forward(
    shared: Weak<Shared>,
    mut rx: mpsc::UnboundedReceiver<ConsumerMessage>,
    channel: Channel,
    generation: u64,
    tx: mpsc::UnboundedSender<Incoming>,
    kind: Kind,
) {
    while let Some(message) = rx.recv().await {
        let (Some(deliver), Some(props), Some(body)) =
            (message.deliver, message.basic_properties, message.content)
        else {
            continue;
        };
        let tag = deliver.delivery_tag();
        // The quorum queue's count, or at least one if the broker flags the message as
        // delivered before.
        let redeliveries = wire::delivery_count(&props).max(u32::from(deliver.redelivered()));
        match wire::decode(&body) {
            Ok(jobs) if kind == Kind::Work && jobs.len() > 1 && redeliveries > 0 => {
                split(&shared, generation, &channel, tag, jobs, redeliveries).await;
            }
            Ok(jobs) => {
                let message = Arc::new(Message::new(
                    generation,
                    channel.clone(),
                    tag,
                    kind,
                    wire::death_reason(&props),
                    jobs.len(),
                ));
                for decoded in jobs {
                    let incoming = Incoming {
                        message: message.clone(),
                        job: decoded.job,
                        redeliveries: redeliveries + decoded.carried,
                    };
                    if tx.send(incoming).is_err() {
                        break;
                    }
                }
            }
            Err(error) => {
                tracing::error!(
                    ?kind,
                    message_id = props.message_id().map_or("", String::as_str),
                    body = %wire::excerpt(&body),
                    error = %error,
                    "malformed job message; dead-lettering it"
                );
                // Dead letters have no further dead-letter place: rejecting drops them.
                let rejected = channel
                    .basic_reject(BasicRejectArguments::new(tag, false))
                    .await;
                if let Err(error) = rejected {
                    tracing::debug!(error = %error, "could not reject a malformed message");
                }
            }
        }
    }
    tracing::debug!(generation, ?kind, "consumer stream ended");
}

/// A message of several jobs delivered again (a worker holding it died, or it was requeued
/// whole) is published again as one message per job, marked seen before and carrying its
/// deliveries, and then acked: a job that crashes workers is then given up on alone (by the
/// attempt count, or the broker's delivery limit), never together with the jobs it shared a
/// message with. If that fails, the message goes back to the queue as it was.
async fn split(
    shared: &Weak<Shared>,
    generation: u64,
    channel: &Channel,
    tag: u64,
    jobs: Vec<wire::Decoded>,
    redeliveries: u32,
) {
    let republished = async {
        let shared = shared.upgrade().ok_or(AmqpError::NotConnected)?;
        let live = shared.live().map_err(|_| AmqpError::NotConnected)?;
        if live.generation != generation {
            return Err(AmqpError::StaleDelivery);
        }
        let alone: Vec<_> = jobs
            .into_iter()
            .map(|decoded| {
                let mut job = decoded.job;
                job.seen_before = true;
                (job, redeliveries + decoded.carried, None)
            })
            .collect();
        publish::each_alone(&live, &shared.settings, Target::Work, &alone).await?;
        tracing::info!(
            jobs = alone.len(),
            redeliveries,
            "message of several jobs redelivered; published them one by one"
        );
        Ok(())
    };
    let settled = match republished.await {
        Ok(()) => channel.basic_ack(BasicAckArguments::new(tag, false)).await,
        Err(error) => {
            tracing::warn!(error = %error, "could not split a redelivered message; returning it");
            channel
                .basic_nack(BasicNackArguments::new(tag, false, true))
                .await
        }
    };
    if let Err(error) = settled {
        tracing::debug!(error = %error, "could not settle a split message");
    }
}

/// Delays between reconnection attempts: [`MIN_BACKOFF`], doubling up to [`MAX_BACKOFF`], each
/// with up to as much again at random, so that the workers that lost the same broker do not
/// all come back at the same moment.
fn backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::new()
        .with_min_delay(MIN_BACKOFF)
        .with_max_delay(MAX_BACKOFF)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Keeps the adapter connected until it is closed: waits for the current generation to die,
/// then reconnects with jittered exponential backoff ([`backoff`]). On close it tears down the
/// last generation.
pub(crate) async fn supervise(shared: Arc<Shared>, mut live: Option<Arc<Live>>) {
    let mut closing = shared.closing.subscribe();
    let mut generation = live.as_ref().map_or(0, |l| l.generation);
    let mut delays = backoff();
    loop {
        if let Some(current) = live.take() {
            shared.set_live(Some(current.clone()));
            delays = backoff();
            tokio::select! {
                () = died(&current) => {}
                _ = closing.wait_for(|c| *c) => {}
            }
            shared.set_live(None);
            current.confirms.fail_all();
            if *closing.borrow() {
                shared.teardown(&current).await;
                break;
            }
            tracing::warn!(generation = current.generation, queue = %shared.settings.queue, "AMQP connection lost; reconnecting");
            drop(current);
        }
        if *closing.borrow() {
            break;
        }
        generation += 1;
        let attempt = tokio::select! {
            attempt = connect(&shared, generation) => attempt,
            _ = closing.wait_for(|c| *c) => break,
        };
        match attempt {
            Ok(next) => {
                tracing::info!(generation, queue = %shared.settings.queue, "AMQP connection up");
                live = Some(next);
            }
            Err(error) => {
                let pause = delays.next().unwrap_or(MAX_BACKOFF);
                tracing::warn!(generation, error = %error, backoff_ms = pause.as_millis() as u64, "AMQP connect failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = closing.wait_for(|c| *c) => {}
                }
            }
        }
    }
    shared.status.send_replace(Status::Closed);
    tracing::debug!(queue = %shared.settings.queue, "AMQP supervisor stopped");
}

/// Resolves when the connection or one of its channels is gone.
async fn died(live: &Live) {
    let mut poll = tokio::time::interval(HEALTH_POLL);
    let unhealthy = async {
        loop {
            poll.tick().await;
            if !live.healthy() {
                break;
            }
        }
    };
    tokio::select! {
        _ = live.connection.listen_network_io_failure() => {}
        () = live.died.notified() => {}
        () = unhealthy => {}
    }
}
