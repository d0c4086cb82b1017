//! Publishing with confirms. Jobs published at the same moment share a message: each
//! `publish` call hands its job to the [`Outbox`], whose task sends whatever jobs are waiting
//! (up to `jobs_per_message`) as one persistent message, and every caller returns once the
//! broker confirmed that message. Under load the broker then stores, confirms, delivers and
//! acknowledges one message for several predictions; a lone job still goes out at once, alone.
//!
//! Written here because no AMQP client batches publishes; the coalescing is the usual
//! "take all that is waiting" loop over a tokio channel.

use std::sync::{Arc, Mutex as StdMutex, PoisonError, Weak};

use amqprs::channel::BasicPublishArguments;
use amqprs::{BasicProperties, FieldTable};
use payrange_domain::ports::Job;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::error::AmqpError;
use crate::link::Live;
use crate::settings::AmqpSettings;
use crate::shared::Shared;
use crate::wire;

/// Messages with room for more jobs that the outbox may have sent and not yet seen
/// confirmed: one, so that the jobs accepted while it awaits its confirm all gather in the
/// next (two in flight made smaller messages and ran 4-8 % slower, docs/benchmarks-history.md). A full
/// message does not count: with more jobs waiting than fit, nothing is gained by holding them
/// back (and with `jobs_per_message` = 1 every publish goes out at once, as without sharing).
const IN_FLIGHT: usize = 1;

/// What a publisher waits for: `Ok` once the broker confirmed the message holding its job.
type Outcome = Result<(), Arc<AmqpError>>;

/// A job handed to the outbox, with the caller waiting for its confirm.
struct Pending {
    job: Job,
    done: oneshot::Sender<Outcome>,
}

/// The queue of jobs waiting to be published; its task starts with [`Outbox::start`].
pub(crate) struct Outbox {
    tx: mpsc::UnboundedSender<Pending>,
    rx: StdMutex<Option<mpsc::UnboundedReceiver<Pending>>>,
}

impl Outbox {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: StdMutex::new(Some(rx)),
        }
    }

    /// Starts the task that publishes the outbox (once; it ends when `shared` is dropped).
    pub(crate) fn start(shared: &Arc<Shared>) {
        let rx = shared
            .outbox
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(rx) = rx {
            tokio::spawn(run(Arc::downgrade(shared), rx));
        }
    }

    /// Publishes `job`, in a message with the other jobs waiting now, and waits for the
    /// broker's confirm.
    pub(crate) async fn publish(&self, job: Job) -> Result<(), Arc<AmqpError>> {
        let (done, confirmed) = oneshot::channel();
        if self.tx.send(Pending { job, done }).is_err() {
            return Err(Arc::new(AmqpError::NotConnected));
        }
        confirmed
            .await
            .unwrap_or_else(|_| Err(Arc::new(AmqpError::ConfirmLost)))
    }
}

/// The outbox task: takes the first waiting job and every other one already waiting, sends
/// them as one message and hands the confirm to their callers from a task of its own. The
/// next message waits for that confirm (at most [`IN_FLIGHT`] unconfirmed messages with room
/// to spare), unless this one was full.
async fn run(shared: Weak<Shared>, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // Waiting for a permit first lets jobs gather while the broker is busy.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let Some(limit) = shared.upgrade().map(|s| s.settings.jobs_per_message.max(1)) else {
            break;
        };
        // The first waiting job and the others already waiting, up to `limit`.
        let mut batch = Vec::with_capacity(limit);
        if rx.recv_many(&mut batch, limit).await == 0 {
            break;
        }
        let Some(shared) = shared.upgrade() else {
            break;
        };
        // A full message does not hold its permit while its confirm is awaited.
        let permit = (batch.len() < shared.settings.jobs_per_message).then_some(permit);
        let jobs: Vec<Job> = batch.iter().map(|p| p.job.clone()).collect();
        let sent = match shared.live() {
            Ok(live) => send(&live, &shared.settings, Target::Work, &jobs, 0, None)
                .await
                .map(|sent| (live, sent)),
            Err(_) => Err(AmqpError::NotConnected),
        };
        let timeout = shared.settings.confirm_timeout;
        drop(shared);
        match sent {
            Ok((live, sent)) => {
                tokio::spawn(async move {
                    let outcome = sent.confirmed(&live, timeout).await.map_err(Arc::new);
                    drop(permit);
                    for pending in batch {
                        let _ = pending.done.send(outcome.clone());
                    }
                });
            }
            Err(error) => {
                let error = Arc::new(error);
                for pending in batch {
                    let _ = pending.done.send(Err(error.clone()));
                }
            }
        }
    }
}

/// Where a message goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// The work queue (through the default exchange).
    Work,
    /// The dead-letter exchange `<queue>.dead`.
    DeadLetter,
}

/// A message sent on the confirm channel, its confirm still to come.
pub(crate) struct Sent {
    tag: u64,
    confirmed: oneshot::Receiver<bool>,
}

impl Sent {
    /// Waits up to `timeout` for the broker's confirm.
    pub(crate) async fn confirmed(
        self,
        live: &Live,
        timeout: std::time::Duration,
    ) -> Result<(), AmqpError> {
        match tokio::time::timeout(timeout, self.confirmed).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(AmqpError::Nacked),
            Ok(Err(_)) => Err(AmqpError::ConfirmLost),
            Err(_) => {
                live.confirms.forget(self.tag);
                Err(AmqpError::ConfirmTimeout(timeout))
            }
        }
    }
}

/// Sends `jobs` as one persistent message to `target` on `live`'s confirm channel. `carried`
/// is the earlier deliveries of a job republished alone; `headers` go on the message.
pub(crate) async fn send(
    live: &Live,
    settings: &AmqpSettings,
    target: Target,
    jobs: &[Job],
    carried: u32,
    headers: Option<FieldTable>,
) -> Result<Sent, AmqpError> {
    let mut props = BasicProperties::default();
    props
        .with_content_type("application/json")
        .with_delivery_mode(amqprs::DELIVERY_MODE_PERSISTENT);
    if let [job] = jobs {
        props.with_message_id(&job.prediction_id.to_string());
    }
    if let Some(headers) = headers {
        props.with_headers(headers);
    }
    let dead = settings.dead_letter_queue();
    let args = match target {
        Target::Work => BasicPublishArguments::new("", &settings.queue),
        Target::DeadLetter => BasicPublishArguments::new(&dead, ""),
    };
    let body = wire::encode(jobs, carried);
    // The lock keeps delivery tags (1, 2, ...) in the order of the publishes.
    let mut next_tag = live.next_tag.lock().await;
    let tag = *next_tag;
    let confirmed = live.confirms.expect(tag);
    if let Err(e) = live.publisher.basic_publish(props, body, args).await {
        live.confirms.forget(tag);
        return Err(e.into());
    }
    *next_tag += 1;
    Ok(Sent { tag, confirmed })
}

/// Sends `jobs` one message each to `target` and waits for every confirm.
pub(crate) async fn each_alone(
    live: &Live,
    settings: &AmqpSettings,
    target: Target,
    jobs: &[(Job, u32, Option<FieldTable>)],
) -> Result<(), AmqpError> {
    let mut sent = Vec::with_capacity(jobs.len());
    for (job, carried, headers) in jobs {
        let one = std::slice::from_ref(job);
        sent.push(send(live, settings, target, one, *carried, headers.clone()).await?);
    }
    for sent in sent {
        sent.confirmed(live, settings.confirm_timeout).await?;
    }
    Ok(())
}
