//! Which services a test needs, and whether their absence skips the test or fails it.
//!
//! Without `TEST_DATABASE_URL` (an admin connection to PostgreSQL: tests make databases of
//! their own) and `TEST_AMQP_URL` (RabbitMQ: tests use queues of their own) the tests that
//! need them are skipped with a message, except under `CI=true` or `TEST_REQUIRE_SERVICES=1`
//! (`.ci/run` sets both), where that is a failure.

use crate::servers;

/// Whether missing services fail the test instead of skipping it.
pub fn services_required() -> bool {
    std::env::var("TEST_REQUIRE_SERVICES").as_deref() == Ok("1")
        || std::env::var("CI").as_deref() == Ok("true")
}

/// Fails under [`services_required`], else prints why the test is skipped.
pub fn skip(why: &str) {
    assert!(!services_required(), "cannot run: {why}");
    eprintln!("SKIPPED: {why}");
}

/// `(TEST_DATABASE_URL, TEST_AMQP_URL)`: the machine's shared PostgreSQL (an admin URL) and
/// RabbitMQ. `None` to skip (see [`skip`]).
pub fn shared_services() -> Option<(String, String)> {
    match (
        std::env::var("TEST_DATABASE_URL"),
        std::env::var("TEST_AMQP_URL"),
    ) {
        (Ok(db), Ok(amqp)) if db.starts_with("postgres") => Some((db, amqp)),
        _ => {
            skip("set TEST_DATABASE_URL (PostgreSQL) and TEST_AMQP_URL");
            None
        }
    }
}

/// Whether [`servers`] can start private servers here (else skipped, or failed under
/// [`services_required`]).
pub fn private_servers_available() -> bool {
    match servers::missing() {
        None => true,
        Some(what) => {
            skip(&format!("{what} is not installed"));
            false
        }
    }
}
