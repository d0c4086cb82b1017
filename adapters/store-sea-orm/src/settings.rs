//! How to reach the database: the adapter's own small settings struct (it never reads env).

use std::time::Duration;

/// Connection settings of a [`crate::SeaOrmStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSettings {
    /// `postgres://user@host/db`, `sqlite://path/to/file.db` or `sqlite::memory:`.
    pub url: String,
    /// Pool size. Ignored for `sqlite::memory:`, which is one connection (each new connection
    /// would otherwise see its own empty database).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection (and a new connection for its
    /// handshake) before failing with `StoreError::Unavailable`. Short, so that requests fail
    /// fast while the database is down.
    pub acquire_timeout: Duration,
}

impl StoreSettings {
    /// Settings for `url` with a pool of 10 connections and a 3 second acquire timeout.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
        }
    }

    /// Whether the URL names a SQLite database.
    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// Whether the URL names a private in-memory SQLite database.
    #[must_use]
    pub fn is_sqlite_memory(&self) -> bool {
        self.is_sqlite() && self.url.contains(":memory:")
    }
}
