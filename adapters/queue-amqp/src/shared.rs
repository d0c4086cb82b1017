//! State shared by the queue handle, its deliveries and the supervisor task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex, PoisonError};

use amqprs::channel::BasicCancelArguments;
use amqprs::connection::OpenConnectionArguments;
use payrange_domain::ports::{Job, QueueError};
use tokio::sync::{Mutex, mpsc, watch};

use crate::delivery::{Message, Settle};
use crate::error::AmqpError;
use crate::link::Live;
use crate::publish::Outbox;
use crate::settings::AmqpSettings;

/// How long [`Shared::stop_receiving`] waits for deliveries sent before the cancel.
const FORWARDER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether jobs can flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not connected (yet, or again): publish fails fast, receive reports `Unavailable`.
    Down,
    /// Connected; the number is the connection's generation.
    Up(u64),
    /// Closed for good.
    Closed,
}

/// A job read off a consumer channel, not yet handed to a caller: one of the jobs of
/// `message`.
pub(crate) struct Incoming {
    pub(crate) message: Arc<Message>,
    pub(crate) job: Job,
    pub(crate) redeliveries: u32,
}

/// The hand-over between a consumer channel and the callers of `receive`: the connection's
/// forwarder task pushes into `inbound`, callers take from `outbound` one at a time (the
/// mutex keeps the taking in order: one waiting caller, the others try without waiting).
pub(crate) struct Stream {
    /// Where the forwarder of the current connection puts what the broker delivers.
    pub(crate) inbound: mpsc::UnboundedSender<Incoming>,
    /// Where callers take deliveries from.
    pub(crate) outbound: Mutex<mpsc::UnboundedReceiver<Incoming>>,
}

impl Stream {
    fn new() -> Self {
        let (inbound, outbound) = mpsc::unbounded_channel();
        Self {
            inbound,
            outbound: Mutex::new(outbound),
        }
    }
}

/// Everything the handle, the deliveries and the supervisor share.
pub(crate) struct Shared {
    pub(crate) settings: AmqpSettings,
    pub(crate) args: OpenConnectionArguments,
    live: StdMutex<Option<Arc<Live>>>,
    pub(crate) status: watch::Sender<Status>,
    pub(crate) closing: watch::Sender<bool>,
    /// Deliveries from the work queue.
    pub(crate) jobs: Stream,
    /// Deliveries from the dead-letter queue.
    pub(crate) dead: Stream,
    /// Jobs waiting to be published.
    pub(crate) outbox: Outbox,
    pub(crate) wants_dead_letters: AtomicBool,
    /// Set by the first `receive`: consume the work queue (now and after reconnects).
    pub(crate) wants_jobs: AtomicBool,
    /// Set by [`Shared::stop_receiving`]: no more deliveries are handed out, but those held
    /// by callers can still be settled on the open connection.
    draining: AtomicBool,
}

impl Shared {
    pub(crate) fn new(settings: AmqpSettings, args: OpenConnectionArguments) -> Self {
        Self {
            settings,
            args,
            live: StdMutex::new(None),
            status: watch::Sender::new(Status::Down),
            closing: watch::Sender::new(false),
            jobs: Stream::new(),
            dead: Stream::new(),
            outbox: Outbox::new(),
            wants_dead_letters: AtomicBool::new(false),
            wants_jobs: AtomicBool::new(false),
            draining: AtomicBool::new(false),
        }
    }

    /// The first step of a graceful shutdown: waiting and later receivers get `Closed`, the
    /// work-queue consumer is cancelled and the jobs it prefetched that nobody took go back
    /// to the queue; the connection stays up so that callers can still ack the jobs in hand.
    pub(crate) async fn stop_receiving(&self) {
        self.wants_jobs.store(false, Ordering::SeqCst);
        self.draining.store(true, Ordering::SeqCst);
        // Wake receivers waiting in `next` so that they see `draining`.
        self.status.send_modify(|_| {});
        let live = self
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(live) = live {
            let consumer = live.consumer.lock().await.take();
            let forwarder = live.work_forwarder.lock().await.take();
            if let Some((channel, tag)) = consumer {
                match channel.basic_cancel(BasicCancelArguments::new(&tag)).await {
                    // Deliveries sent before the cancel may still be on their way to the
                    // stream: wait until the forwarder has passed them all on.
                    Ok(_) => {
                        if let Some(forwarder) = forwarder {
                            let _ = tokio::time::timeout(FORWARDER_PATIENCE, forwarder).await;
                        }
                    }
                    Err(error) => {
                        tracing::debug!(error = %error, "could not cancel the work consumer");
                    }
                }
            }
        }
        self.return_prefetched(&self.jobs).await;
        tracing::info!(queue = %self.settings.queue, "stopped receiving jobs");
    }

    /// Whether [`Shared::stop_receiving`] was called.
    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Returns to the queue every job of `stream` that no caller took.
    async fn return_prefetched(&self, stream: &Stream) {
        let mut rx = stream.outbound.lock().await;
        while let Ok(incoming) = rx.try_recv() {
            let returned = incoming
                .message
                .settle(self, &incoming.job, incoming.redeliveries, Settle::Requeue)
                .await;
            if let Err(error) = returned {
                tracing::debug!(error = %error, "could not return a prefetched delivery");
            }
        }
    }

    /// Marks the queue closed (receivers wake with `Closed`) and tells the supervisor to stop.
    pub(crate) fn close(&self) {
        self.status.send_replace(Status::Closed);
        self.closing.send_replace(true);
    }

    /// The current generation, if connected.
    pub(crate) fn live(&self) -> Result<Arc<Live>, QueueError> {
        if *self.closing.borrow() {
            return Err(QueueError::Closed);
        }
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| AmqpError::NotConnected.into())
    }

    pub(crate) fn set_live(&self, live: Option<Arc<Live>>) {
        let status = live
            .as_ref()
            .map_or(Status::Down, |l| Status::Up(l.generation));
        *self.live.lock().unwrap_or_else(PoisonError::into_inner) = live;
        self.status.send_if_modified(|s| {
            let changed = *s != Status::Closed && *s != status;
            if changed {
                *s = status;
            }
            changed
        });
    }

    /// Whether deliveries of `generation` can still be settled.
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        *self.status.borrow() == Status::Up(generation)
    }

    /// The next job of `stream` from the current generation. Deliveries of dead generations
    /// are dropped: the broker redelivers them.
    ///
    /// Returns `Closed` once closed and `Unavailable` while (or as soon as) disconnected.
    pub(crate) async fn next(
        &self,
        stream: &Mutex<mpsc::UnboundedReceiver<Incoming>>,
    ) -> Result<Incoming, QueueError> {
        let mut status = self.status.subscribe();
        loop {
            if self.draining() {
                return Err(QueueError::Closed);
            }
            let generation = match *status.borrow_and_update() {
                Status::Closed => return Err(QueueError::Closed),
                Status::Down => return Err(AmqpError::NotConnected.into()),
                Status::Up(generation) => generation,
            };
            let mut rx = tokio::select! {
                rx = stream.lock() => rx,
                _ = status.changed() => continue,
            };
            tokio::select! {
                incoming = rx.recv() => match incoming {
                    Some(incoming) if incoming.message.generation == generation => return Ok(incoming),
                    Some(stale) => {
                        tracing::debug!(generation = stale.message.generation, prediction_id = %stale.job.prediction_id, "dropping a delivery of a dead connection");
                    }
                    None => return Err(QueueError::Closed),
                },
                _ = status.changed() => {}
            }
        }
    }

    /// A job of `stream` from the current generation that is already here, without waiting:
    /// `None` when there is none, while disconnected or stopping, or while another caller
    /// waits on the stream (then it is empty). Returns `Closed` once closed.
    pub(crate) fn try_next(
        &self,
        stream: &Mutex<mpsc::UnboundedReceiver<Incoming>>,
    ) -> Result<Option<Incoming>, QueueError> {
        loop {
            if self.draining() {
                return Ok(None);
            }
            let generation = match *self.status.borrow() {
                Status::Closed => return Err(QueueError::Closed),
                Status::Down => return Ok(None),
                Status::Up(generation) => generation,
            };
            let Ok(mut rx) = stream.try_lock() else {
                return Ok(None);
            };
            match rx.try_recv() {
                Ok(incoming) if incoming.message.generation == generation => {
                    return Ok(Some(incoming));
                }
                Ok(stale) => {
                    tracing::debug!(generation = stale.message.generation, prediction_id = %stale.job.prediction_id, "dropping a delivery of a dead connection");
                }
                Err(_) => return Ok(None),
            }
        }
    }

    /// Graceful end of `live`: stop consuming, give back prefetched jobs nobody took, close
    /// the channels and the connection.
    pub(crate) async fn teardown(&self, live: &Live) {
        let mut consumers: Vec<_> = live.consumer.lock().await.clone().into_iter().collect();
        consumers.extend(live.dead.lock().await.clone());
        for (channel, tag) in &consumers {
            if let Err(error) = channel.basic_cancel(BasicCancelArguments::new(tag)).await {
                tracing::debug!(error = %error, "could not cancel a consumer");
            }
        }
        for stream in [&self.jobs, &self.dead] {
            self.return_prefetched(stream).await;
        }
        for (channel, _) in consumers {
            let _ = channel.close().await;
        }
        let _ = live.publisher.clone().close().await;
        let _ = live.connection.clone().close().await;
        tracing::info!(queue = %self.settings.queue, "AMQP queue closed");
    }
}
