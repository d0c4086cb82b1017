//! The broker-side objects the adapter needs, declared idempotently on every (re)connect:
//!
//! - `<queue>`: a durable quorum queue with `x-delivery-limit` = `max_deliveries`, dead-lettering
//!   at least once to the exchange `<queue>.dead`;
//! - `<queue>.dead`: a durable fanout exchange bound to the durable quorum queue of the same name.
//!
//! Declaring an existing queue with other arguments fails with `PRECONDITION_FAILED`: change
//! `max_deliveries` only together with a new queue name (or delete the old queue first).

use amqprs::FieldValue;
use amqprs::channel::{
    Channel, ExchangeDeclareArguments, QueueBindArguments, QueueDeclareArguments,
};

use crate::error::AmqpError;
use crate::settings::AmqpSettings;
use crate::wire::{table, text};

/// Declares the exchange and both queues (a no-op when they exist with these arguments).
pub(crate) async fn declare(channel: &Channel, settings: &AmqpSettings) -> Result<(), AmqpError> {
    let dead = settings.dead_letter_queue();
    channel
        .exchange_declare(
            ExchangeDeclareArguments::new(&dead, "fanout")
                .durable(true)
                .finish(),
        )
        .await?;
    let dead_args = table(&[("x-queue-type", text("quorum")?)])?;
    channel
        .queue_declare(
            QueueDeclareArguments::durable_client_named(&dead)
                .arguments(dead_args)
                .finish(),
        )
        .await?;
    channel
        .queue_bind(QueueBindArguments::new(&dead, &dead, "").finish())
        .await?;

    let args = table(&[
        ("x-queue-type", text("quorum")?),
        (
            "x-delivery-limit",
            FieldValue::l(i64::from(settings.max_deliveries)),
        ),
        ("x-dead-letter-exchange", text(&dead)?),
        // At-least-once dead-lettering needs reject-publish overflow; without it a quorum
        // queue dead-letters at most once and a broker failure could lose the dead letter.
        ("x-dead-letter-strategy", text("at-least-once")?),
        ("x-overflow", text("reject-publish")?),
    ])?;
    channel
        .queue_declare(
            QueueDeclareArguments::durable_client_named(&settings.queue)
                .arguments(args)
                .finish(),
        )
        .await?;
    Ok(())
}
