//! The port contract suites: ONE suite per storage port, run against every adapter (atuin's
//! `tests-database` style).
//!
//! - `MemoryStore`, the reference implementation, always;
//! - `SeaOrmStore` on SQLite (a fresh temporary file per test), always;
//! - `SeaOrmStore` on PostgreSQL when `TEST_DATABASE_URL` names an admin connection (each test
//!   creates and then drops its own database). With `TEST_REQUIRE_SERVICES=1` a missing
//!   `TEST_DATABASE_URL` fails those tests instead of skipping them.
//!
//! Every contract is an `async fn(&TestStore)` in `contracts/<port>.rs`; `contract_tests!`
//! turns it into one `#[tokio::test]` per backend, e.g.
//! `contracts::users::sqlite::a_taken_email_is_a_duplicate_whatever_its_case`.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contracts {
    mod account_deletion;
    mod batches;
    mod first_deliveries;
    pub mod fixtures;
    mod lifecycle;
    mod limits;
    mod markets;
    mod models;
    mod outcomes;
    mod predictions;
    mod sea_orm_store;
    mod sessions;
    mod uploads;
    mod users;
}
