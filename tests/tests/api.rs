//! The API test binary: each test starts the real app on `127.0.0.1:0` with its own SQLite
//! database and talks HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

mod api {
    pub mod helpers;

    mod accounts;
    mod admin;
    mod admin_search;
    mod batch_uploads;
    mod connections;
    mod errors;
    mod estimates;
    mod headers;
    mod lockout;
    mod lookalikes;
    mod markets;
    mod metrics;
    mod models;
    mod outcomes;
    mod predictions;
    mod production;
    mod results;
    mod self_service;
    mod signups;
    mod system;
}
