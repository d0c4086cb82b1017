//! The [`JobQueue`] port contract suite: ONE suite run against every queue adapter (atuin's
//! `tests-database` style).
//!
//! - `MemoryQueue`, the reference implementation, always;
//! - `AmqpJobQueue` when `TEST_AMQP_URL` names a RabbitMQ vhost (e.g.
//!   `amqp://guest:guest@127.0.0.1:5672/%2f`). Every test uses its own queue and deletes it
//!   (and its dead-letter queue and exchange) at the end. With `TEST_REQUIRE_SERVICES=1` a
//!   missing `TEST_AMQP_URL` fails those tests instead of skipping them.
//!
//! The shared contracts are in `queue_contracts/port.rs`; behaviour only a broker has (dead
//! letters, durability, reconnection) is in `queue_contracts/amqp.rs`. The reconnection test
//! closes its own connection with `rabbitmqctl`, so it needs the broker's CLI on this host.
//!
//! [`JobQueue`]: payrange_domain::ports::JobQueue

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod queue_contracts {
    pub mod fixtures;

    mod amqp;
    mod port;
}
