//! payrange's test harness: the one support library of the API tests (`tests/tests/api/`), the
//! fault, scale-out and shared-limit tests (`app/tests/`) and `loadgen`.
//!
//! By concern:
//!
//! - [`services`]: which services a test needs, and whether their absence is a skip or a
//!   failure (`TEST_DATABASE_URL`, `TEST_AMQP_URL`, `CI`, `TEST_REQUIRE_SERVICES`).
//! - [`client`]: HTTP to a running service: registering and signing in, a user that submits
//!   predictions and follows them, the vacancy tests submit.
//! - [`app`]: the app started in this process on `127.0.0.1:0` with its own SQLite file
//!   ([`app::TestApp`]), as the API tests use it.
//! - [`scratch`]: a database and a queue of a test's own on the shared PostgreSQL and
//!   RabbitMQ, removed when the test ends (also when it panicked).
//! - [`processes`]: `payrange serve` and `payrange worker` as real processes; [`fixture`]:
//!   a deployment of them on a scratch database and queue.
//! - [`servers`]: private PostgreSQL and RabbitMQ servers, for the tests that restart them.
//! - [`inspect`]: looking into PostgreSQL and RabbitMQ directly, and faults injected into a
//!   test's database.
//!
//! And here: waiting with a deadline ([`eventually`], [`wait_until_sync`]), free ports and
//! unique names.

// A test harness: a failed unwrap is a failed test, which is what the caller wants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod client;
pub mod fixture;
pub mod inspect;
pub mod processes;
pub mod scratch;
pub mod servers;
pub mod services;

use std::future::Future;
use std::time::{Duration, Instant};

pub use fixture::Fixture;
pub use services::{private_servers_available, services_required, shared_services, skip};

/// A TCP port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A name no other test run uses (for databases and queues): `{prefix}_{uuid}`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Polls `probe` every 50 ms until it returns `Some`, failing the test after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// [`eventually`] for a blocking condition, polled every 100 ms.
pub fn wait_until_sync(what: &str, deadline: Duration, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !ok() {
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
