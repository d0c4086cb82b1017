//! Broker notifications: publisher confirms matched to waiting publishes by delivery tag, and
//! the signals that a connection or channel died (so the supervisor reconnects).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use amqprs::callbacks::{ChannelCallback, ConnectionCallback};
use amqprs::channel::Channel;
use amqprs::connection::Connection;
use amqprs::error::Error;
use amqprs::{Ack, BasicProperties, Cancel, Close, CloseChannel, Nack, Return};
use async_trait::async_trait;
use tokio::sync::{Notify, oneshot};

/// Publishes waiting for their confirm, by delivery tag.
#[derive(Default)]
pub(crate) struct Confirms {
    pending: Mutex<BTreeMap<u64, oneshot::Sender<bool>>>,
}

impl Confirms {
    /// Registers publish number `tag` (1, 2, ... on a channel in confirm mode).
    pub(crate) fn expect(&self, tag: u64) -> oneshot::Receiver<bool> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(tag, tx);
        rx
    }

    /// Forgets publish `tag` (its publish failed or its waiter gave up).
    pub(crate) fn forget(&self, tag: u64) {
        self.lock().remove(&tag);
    }

    /// Settles `tag`, or every tag up to it when `multiple`.
    fn settle(&self, tag: u64, multiple: bool, acked: bool) {
        let settled: Vec<_> = {
            let mut pending = self.lock();
            if multiple {
                let later = pending.split_off(&tag.saturating_add(1));
                std::mem::replace(&mut *pending, later)
                    .into_values()
                    .collect()
            } else {
                pending.remove(&tag).into_iter().collect()
            }
        };
        for waiter in settled {
            // The waiter may have timed out already.
            let _ = waiter.send(acked);
        }
    }

    /// Fails every waiting publish (their senders drop): the connection is gone.
    pub(crate) fn fail_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, oneshot::Sender<bool>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Callbacks of one connection and its channels; `died` wakes the supervisor.
#[derive(Clone)]
pub(crate) struct Callbacks {
    pub(crate) confirms: Arc<Confirms>,
    pub(crate) died: Arc<Notify>,
}

#[async_trait]
impl ConnectionCallback for Callbacks {
    async fn close(&mut self, connection: &Connection, close: Close) -> Result<(), Error> {
        tracing::warn!(connection = %connection.connection_name(), reason = %close, "broker closed the AMQP connection");
        self.died.notify_one();
        Ok(())
    }

    async fn blocked(&mut self, connection: &Connection, reason: String) {
        tracing::warn!(connection = %connection.connection_name(), reason, "broker blocked publishing");
    }

    async fn unblocked(&mut self, connection: &Connection) {
        tracing::info!(connection = %connection.connection_name(), "broker unblocked publishing");
    }

    async fn secret_updated(&mut self, _connection: &Connection) {}
}

#[async_trait]
impl ChannelCallback for Callbacks {
    async fn close(&mut self, channel: &Channel, close: CloseChannel) -> Result<(), Error> {
        tracing::warn!(channel = channel.channel_id(), reason = %close, "broker closed an AMQP channel");
        self.died.notify_one();
        Ok(())
    }

    async fn cancel(&mut self, channel: &Channel, cancel: Cancel) -> Result<(), Error> {
        // E.g. the queue was deleted: reconnecting re-declares it and consumes again.
        tracing::warn!(channel = channel.channel_id(), consumer = %cancel.consumer_tag(), "broker cancelled the consumer");
        self.died.notify_one();
        Ok(())
    }

    async fn flow(&mut self, _channel: &Channel, active: bool) -> Result<bool, Error> {
        Ok(active)
    }

    async fn publish_ack(&mut self, _channel: &Channel, ack: Ack) {
        self.confirms
            .settle(ack.delivery_tag(), ack.mutiple(), true);
    }

    async fn publish_nack(&mut self, _channel: &Channel, nack: Nack) {
        tracing::warn!(
            delivery_tag = nack.delivery_tag(),
            "broker nacked a publish"
        );
        self.confirms
            .settle(nack.delivery_tag(), nack.multiple(), false);
    }

    async fn publish_return(
        &mut self,
        _channel: &Channel,
        ret: Return,
        _basic_properties: BasicProperties,
        _content: Vec<u8>,
    ) {
        tracing::warn!(reply = %ret.reply_text(), "broker returned a publish");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn confirms_settle_single_and_multiple_tags() {
        let confirms = Confirms::default();
        let (one, two, three, four) = (
            confirms.expect(1),
            confirms.expect(2),
            confirms.expect(3),
            confirms.expect(4),
        );
        confirms.settle(2, true, true);
        assert!(one.await.unwrap());
        assert!(two.await.unwrap());
        confirms.settle(4, false, false);
        assert!(!four.await.unwrap());
        confirms.fail_all();
        assert!(three.await.is_err());
    }
}
