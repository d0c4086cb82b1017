//! Deliveries handed to callers: a work job ([`AmqpDelivery`], behind the port's `Delivery`)
//! and a dead letter ([`DeadLetter`]).

use std::sync::Weak;

use amqprs::channel::{BasicAckArguments, BasicNackArguments, BasicRejectArguments, Channel};
use async_trait::async_trait;
use payrange_domain::ports::{Delivery, Job, QueueError};

use crate::error::AmqpError;
use crate::shared::{Incoming, Shared};

/// How a delivery is settled.
#[derive(Clone, Copy, Debug)]
enum Settle {
    Ack,
    Requeue,
    Reject,
}

/// A job delivered from the work queue. Dropped unsettled, it is nacked back to the queue
/// (from a spawned task; if no runtime is running, the broker returns it when the channel
/// closes).
pub(crate) struct AmqpDelivery {
    job: Job,
    redeliveries: u32,
    generation: u64,
    channel: Channel,
    tag: u64,
    shared: Weak<Shared>,
    settled: bool,
}

impl AmqpDelivery {
    pub(crate) fn new(incoming: Incoming, shared: Weak<Shared>) -> Self {
        Self {
            job: incoming.job,
            redeliveries: incoming.redeliveries,
            generation: incoming.generation,
            channel: incoming.channel,
            tag: incoming.tag,
            shared,
            settled: false,
        }
    }

    async fn settle(&mut self, how: Settle) -> Result<(), QueueError> {
        self.settled = true;
        let current = self
            .shared
            .upgrade()
            .is_some_and(|s| s.is_current(self.generation));
        if !current || !self.channel.is_open() {
            // Its channel is gone, so the broker redelivers it anyway.
            tracing::debug!(prediction_id = %self.job.prediction_id, ?how, "settling a delivery of a dead connection");
            return Err(AmqpError::StaleDelivery.into());
        }
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
        result.map_err(|e| AmqpError::from(e).into())
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
        if self.settled || !self.channel.is_open() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        tracing::debug!(prediction_id = %self.job.prediction_id, "delivery dropped unsettled; returning it");
        let (channel, tag) = (self.channel.clone(), self.tag);
        runtime.spawn(async move {
            let args = BasicNackArguments::new(tag, false, true);
            if let Err(error) = channel.basic_nack(args).await {
                tracing::debug!(error = %error, "could not return a dropped delivery");
            }
        });
    }
}

/// A job from the dead-letter queue `<queue>.dead`: given up on (rejected by a worker,
/// redelivered more than `max_deliveries` times). Mark its prediction failed, then
/// [`DeadLetter::ack`] it; dropped unacknowledged, it stays in the dead-letter queue.
pub struct DeadLetter {
    delivery: AmqpDelivery,
    reason: Option<String>,
}

impl DeadLetter {
    pub(crate) fn new(incoming: Incoming, shared: Weak<Shared>) -> Self {
        let reason = incoming.death_reason.clone();
        Self {
            delivery: AmqpDelivery::new(incoming, shared),
            reason,
        }
    }

    /// The job given up on.
    #[must_use]
    pub fn job(&self) -> &Job {
        &self.delivery.job
    }

    /// The broker's reason for dead-lettering it: `"rejected"` (a worker gave up) or
    /// `"delivery_limit"` (redelivered too often); `None` if the broker did not say.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Removes it from the dead-letter queue, once its outcome is recorded.
    ///
    /// # Errors
    /// [`QueueError::Unavailable`] if the broker is gone; it is then delivered again.
    pub async fn ack(mut self) -> Result<(), QueueError> {
        self.delivery.settle(Settle::Ack).await
    }
}
