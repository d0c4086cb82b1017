//! How to reach the database: the adapter's own small settings struct (it never reads env).

use std::time::Duration;

/// Connection settings of a [`crate::SeaOrmStore`]. `Debug` shows the URL without its
/// password.
#[derive(Clone, PartialEq, Eq)]
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
    /// PostgreSQL only: where the finish listener connects (`LISTEN`), when that must differ
    /// from `url`. A pooler in transaction mode (PgBouncer) hands a session's server
    /// connection to other clients after each transaction, so notifications sent to a
    /// `LISTEN` made through it are lost; point this at PostgreSQL itself (or a session-mode
    /// pool) and `url` at the pooler. `None`: `url`.
    pub listen_url: Option<String>,
}

impl std::fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSettings")
            .field("url", &redacted(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("listen_url", &self.listen_url.as_deref().map(redacted))
            .finish()
    }
}

/// `url` with the password of its user info replaced by `***`
/// (`postgres://app:***@db/payrange`); unchanged without one.
fn redacted(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &authority[..colon],
                &url[scheme_end + at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl StoreSettings {
    /// Settings for `url` with a pool of 10 connections and a 3 second acquire timeout.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            listen_url: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let s =
            StoreSettings::new("postgres://app:s3cr%40t@db.internal:5432/payrange?sslmode=require");
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(shown.contains("postgres://app:***@db.internal:5432/payrange?sslmode=require"));
        for plain in [
            "postgres://app@db/payrange",
            "sqlite://payrange.db?mode=rwc",
            "sqlite::memory:",
        ] {
            assert_eq!(redacted(plain), plain);
        }
    }
}
