//! Deliveries handed to callers: a work job ([`AmqpDelivery`], behind the port's `Delivery`)
//! and a dead letter ([`AmqpDeadLetter`], behind the port's `DeadLetter`).

use std::sync::{Arc, Mutex as StdMutex, PoisonError, Weak};

use amqprs::FieldTable;
use amqprs::channel::{BasicAckArguments, BasicNackArguments, BasicRejectArguments, Channel};
use async_trait::async_trait;
use payrange_domain::ports::{DeadLetter, Delivery, Job, QueueError};

use crate::error::AmqpError;
use crate::publish::{self, Target};
use crate::shared::{Incoming, Shared};
use crate::wire;

/// How a delivery is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Settle {
    Ack,
    Requeue,
    Reject,
}

/// Which queue a message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Work,
    DeadLetter,
}

/// One broker message, holding one job or several (see `publish`). Its jobs are handed out
/// and settled one by one; the broker hears once, when the last one is settled: an ack, a
/// requeue or a reject of the whole message when all its jobs were settled alike, otherwise
/// the jobs not acked are first published again alone (requeued ones to where the message
/// came from, rejected work to the dead-letter exchange) and then the message is acked. If
/// that fails, the whole message is requeued: jobs done already are harmless to redo.
pub(crate) struct Message {
    pub(crate) generation: u64,
    pub(crate) channel: Channel,
    pub(crate) tag: u64,
    pub(crate) kind: Kind,
    /// The broker's reason for dead-lettering it (dead letters only).
    pub(crate) death_reason: Option<String>,
    tally: StdMutex<Tally>,
}

/// The settled jobs of a message so far.
struct Tally {
    open: usize,
    acked: usize,
    /// Jobs to publish again, each with the deliveries it has had.
    requeued: Vec<(Job, u32)>,
    rejected: Vec<(Job, u32)>,
}

/// What to tell the broker once every job of a message is settled.
enum Final {
    All(Settle),
    Mixed {
        requeued: Vec<(Job, u32)>,
        rejected: Vec<(Job, u32)>,
    },
}

impl Message {
    pub(crate) fn new(
        generation: u64,
        channel: Channel,
        tag: u64,
        kind: Kind,
        death_reason: Option<String>,
        jobs: usize,
    ) -> Self {
        Self {
            generation,
            channel,
            tag,
            kind,
            death_reason,
            tally: StdMutex::new(Tally {
                open: jobs,
                acked: 0,
                requeued: Vec::new(),
                rejected: Vec::new(),
            }),
        }
    }

    /// Counts `job` (delivered `redeliveries` times before) as settled `how`; the outcome
    /// for the broker once it was the last open job of the message.
    fn record(&self, job: &Job, redeliveries: u32, how: Settle) -> Option<Final> {
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        if tally.open == 0 {
            return None;
        }
        tally.open -= 1;
        let total = tally.acked + tally.requeued.len() + tally.rejected.len() + 1;
        match how {
            Settle::Ack => tally.acked += 1,
            Settle::Requeue => tally.requeued.push((job.clone(), redeliveries)),
            Settle::Reject => tally.rejected.push((job.clone(), redeliveries)),
        }
        if tally.open > 0 {
            return None;
        }
        let alike = match how {
            Settle::Ack => tally.acked,
            Settle::Requeue => tally.requeued.len(),
            Settle::Reject => tally.rejected.len(),
        };
        Some(if alike == total {
            Final::All(how)
        } else {
            Final::Mixed {
                requeued: std::mem::take(&mut tally.requeued),
                rejected: std::mem::take(&mut tally.rejected),
            }
        })
    }

    /// Settles `job` `how`; tells the broker if it was the message's last open job.
    pub(crate) async fn settle(
        &self,
        shared: &Shared,
        job: &Job,
        redeliveries: u32,
        how: Settle,
    ) -> Result<(), AmqpError> {
        match self.record(job, redeliveries, how) {
            None => Ok(()),
            Some(Final::All(how)) => self.tell(how).await,
            Some(Final::Mixed { requeued, rejected }) => {
                let republished = self.republish(shared, requeued, rejected).await;
                match republished {
                    Ok(()) => self.tell(Settle::Ack).await,
                    Err(error) => {
                        tracing::warn!(error = %error, "could not republish the unfinished jobs of a message; requeueing it whole");
                        self.tell(Settle::Requeue).await?;
                        Err(error)
                    }
                }
            }
        }
    }

    /// Publishes the jobs of a mixed outcome again, one message each.
    async fn republish(
        &self,
        shared: &Shared,
        requeued: Vec<(Job, u32)>,
        rejected: Vec<(Job, u32)>,
    ) -> Result<(), AmqpError> {
        let live = shared.live().map_err(|_| AmqpError::NotConnected)?;
        if live.generation != self.generation {
            return Err(AmqpError::StaleDelivery);
        }
        let settings = &shared.settings;
        let (home, reason) = match self.kind {
            Kind::Work => (Target::Work, None),
            Kind::DeadLetter => (Target::DeadLetter, self.death_reason.as_deref()),
        };
        let requeued: Vec<_> = requeued
            .into_iter()
            .map(|(mut job, redeliveries)| {
                job.seen_before = true;
                Ok((job, redeliveries + 1, death_header(reason)?))
            })
            .collect::<Result<_, AmqpError>>()?;
        publish::each_alone(&live, settings, home, &requeued).await?;
        // A rejected dead letter is dropped, as the broker would (the dead-letter queue has
        // no dead-letter place); rejected work goes where the broker would send it.
        if self.kind == Kind::Work && !rejected.is_empty() {
            let rejected: Vec<_> = rejected
                .into_iter()
                .map(|(job, redeliveries)| Ok((job, redeliveries, death_header(Some("rejected"))?)))
                .collect::<Result<_, AmqpError>>()?;
            publish::each_alone(&live, settings, Target::DeadLetter, &rejected).await?;
        }
        Ok(())
    }

    /// The broker operation for the whole message.
    async fn tell(&self, how: Settle) -> Result<(), AmqpError> {
        let result = match how {
            Settle::Ack => {
                let args = BasicAckArguments::new(self.tag, false);
                self.channel.basic_ack(args).await
            }
            Settle::Requeue => {
                let args = BasicNackArguments::new(self.tag, false, true);
                self.channel.basic_nack(args).await
            }
            Settle::Reject => {
                let args = BasicRejectArguments::new(self.tag, false);
                self.channel.basic_reject(args).await
            }
        };
        result.map_err(AmqpError::from)
    }
}

/// The `x-first-death-reason` header the broker puts on a dead letter, for one the adapter
/// dead-letters itself (a job rejected out of a message with others).
fn death_header(reason: Option<&str>) -> Result<Option<FieldTable>, AmqpError> {
    reason
        .map(|reason| wire::table(&[("x-first-death-reason", wire::text(reason)?)]))
        .transpose()
}

/// A job delivered from the work queue. Dropped unsettled, it is returned to the queue
/// (from a spawned task; if no runtime is running, the broker returns it when the channel
/// closes).
pub(crate) struct AmqpDelivery {
    job: Job,
    redeliveries: u32,
    message: Arc<Message>,
    shared: Weak<Shared>,
    settled: bool,
}

impl AmqpDelivery {
    pub(crate) fn new(incoming: Incoming, shared: Weak<Shared>) -> Self {
        Self {
            job: incoming.job,
            redeliveries: incoming.redeliveries,
            message: incoming.message,
            shared,
            settled: false,
        }
    }

    async fn settle(&mut self, how: Settle) -> Result<(), QueueError> {
        self.settled = true;
        let shared = self
            .shared
            .upgrade()
            .filter(|s| s.is_current(self.message.generation));
        let Some(shared) = shared.filter(|_| self.message.channel.is_open()) else {
            // Its channel is gone, so the broker redelivers it anyway.
            tracing::debug!(prediction_id = %self.job.prediction_id, ?how, "settling a delivery of a dead connection");
            return Err(AmqpError::StaleDelivery.into());
        };
        self.message
            .settle(&shared, &self.job, self.redeliveries, how)
            .await
            .map_err(QueueError::from)
    }
}

#[async_trait]
impl Delivery for AmqpDelivery {
    fn job(&self) -> &Job {
        &self.job
    }

    fn redeliveries(&self) -> u32 {
        self.redeliveries
    }

    async fn ack(mut self: Box<Self>) -> Result<(), QueueError> {
        self.settle(Settle::Ack).await
    }

    async fn retry(mut self: Box<Self>) -> Result<(), QueueError> {
        self.settle(Settle::Requeue).await
    }

    async fn reject(mut self: Box<Self>) -> Result<(), QueueError> {
        tracing::warn!(prediction_id = %self.job.prediction_id, redeliveries = self.redeliveries, "job rejected; dead-lettering it");
        self.settle(Settle::Reject).await
    }
}

impl Drop for AmqpDelivery {
    fn drop(&mut self) {
        if self.settled || !self.message.channel.is_open() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        tracing::debug!(prediction_id = %self.job.prediction_id, "delivery dropped unsettled; returning it");
        let (message, shared, job, redeliveries) = (
            self.message.clone(),
            self.shared.clone(),
            self.job.clone(),
            self.redeliveries,
        );
        runtime.spawn(async move {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let returned = message
                .settle(&shared, &job, redeliveries, Settle::Requeue)
                .await;
            if let Err(error) = returned {
                tracing::debug!(error = %error, "could not return a dropped delivery");
            }
        });
    }
}

/// A job from the dead-letter queue `<queue>.dead`: given up on (rejected by a worker,
/// redelivered more than `max_deliveries` times). Dropped unacknowledged, it goes back to the
/// dead-letter queue.
pub(crate) struct AmqpDeadLetter {
    delivery: AmqpDelivery,
    reason: Option<String>,
}

impl AmqpDeadLetter {
    pub(crate) fn new(incoming: Incoming, shared: Weak<Shared>) -> Self {
        let reason = incoming.message.death_reason.clone();
        Self {
            delivery: AmqpDelivery::new(incoming, shared),
            reason,
        }
    }
}

#[async_trait]
impl DeadLetter for AmqpDeadLetter {
    fn job(&self) -> &Job {
        &self.delivery.job
    }

    /// The broker's reason for dead-lettering it: `"rejected"` (a worker gave up) or
    /// `"delivery_limit"` (redelivered too often); `None` if the broker did not say.
    fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    async fn ack(mut self: Box<Self>) -> Result<(), QueueError> {
        self.delivery.settle(Settle::Ack).await
    }
}
