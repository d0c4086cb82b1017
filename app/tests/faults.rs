//! The delivery guarantees of production mode (README, "Production"), each proven against
//! real PostgreSQL and RabbitMQ with real `payrange serve` and `payrange worker` processes:
//! workers are SIGKILLed and SIGTERMed, and the database and the broker restarted. Also
//! what operators follow a job by: its request id, from the HTTP request to the worker's log.
//!
//! Tests that restart a server start a private one (`payrange_tests::servers`); the others
//! use the shared `TEST_DATABASE_URL` and `TEST_AMQP_URL` with a database and queue of their
//! own.
//! Without them the tests are skipped, except under `CI=true` or `TEST_REQUIRE_SERVICES=1`,
//! where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use payrange_tests as support;

/// The `payrange` binary cargo built for this package's tests, which the harness starts.
const PAYRANGE: &str = env!("CARGO_BIN_EXE_payrange");

mod faults {
    mod batch_dead_letter;
    mod broker_restart;
    mod broker_tls;
    mod database_restart;
    mod dead_letter;
    mod graceful_shutdown;
    mod request_id;
    mod worker_crash;
}
