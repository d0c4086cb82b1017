//! What can go wrong inside the adapter; mapped to [`QueueError`] at the port.

use std::time::Duration;

use payrange_domain::ports::QueueError;

/// An adapter-internal failure, kept as the cause of [`QueueError::Unavailable`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum AmqpError {
    /// The client library reported an error (I/O, protocol, closed channel).
    #[error(transparent)]
    Client(#[from] amqprs::error::Error),
    /// A queue, exchange or header name the protocol cannot carry.
    #[error("invalid AMQP name {0:?}")]
    Name(String),
    /// The broker URL cannot be used.
    #[error("invalid AMQP URL: {0}")]
    Url(String),
    /// TLS to the broker cannot be set up as the URL asks (files, keys).
    #[error("AMQP TLS setup: {0}")]
    Tls(String),
    /// No connection to the broker right now.
    #[error("not connected to the broker")]
    NotConnected,
    /// Opening the connection took too long.
    #[error("timed out connecting to the broker")]
    ConnectTimeout,
    /// The broker refused the publish (nack).
    #[error("the broker nacked the publish")]
    Nacked,
    /// No confirm arrived in time.
    #[error("no publisher confirm within {0:?}")]
    ConfirmTimeout(Duration),
    /// The connection died before the confirm arrived.
    #[error("connection lost before the publisher confirm")]
    ConfirmLost,
    /// A delivery from a connection that is gone; the broker redelivers it.
    #[error("the delivery's channel is closed")]
    StaleDelivery,
}

impl From<AmqpError> for QueueError {
    fn from(e: AmqpError) -> Self {
        QueueError::Unavailable(Box::new(e))
    }
}
