//! Counters with an expiry, shared by every process of a deployment: what rate limits (sign-in
//! throttling, submission quotas) count with, so that N processes do not allow N times as much.

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::StoreError;

/// A key's counter in its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Hits counted since the window opened.
    pub count: u32,
    /// When the window closes and the counter starts again from zero.
    pub expires_at: OffsetDateTime,
}

/// Keeps one counter per key. A window opens at a key's first hit (or its first hit after the
/// previous window closed) and lasts `window`; within it hits add up.
#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Counts one hit for `key` at `now` and returns the counter after it. An expired counter
    /// (`expires_at <= now`) MUST restart at 1 with `expires_at = now + window`; otherwise the
    /// count MUST grow by one and `expires_at` MUST stay. Concurrent hits, from any process
    /// sharing the store, MUST each be counted exactly once.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the store cannot be reached; [`StoreError::Internal`].
    async fn hit(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Counter, StoreError>;

    /// The counter of `key` at `now`, without counting a hit; `None` when it has none or it
    /// has expired.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn counter(&self, key: &str, now: OffsetDateTime) -> Result<Option<Counter>, StoreError>;

    /// Forgets `key`'s counter. Clearing an unknown key is not an error.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn clear(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes every counter expired at `now` (they would read as `None` anyway); returns
    /// how many it deleted.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn prune(&self, now: OffsetDateTime) -> Result<u64, StoreError>;

    /// Forgets every counter whose key ends with `suffix` (e.g. all the counters of one
    /// account, whatever limit or address they belong to); returns how many it deleted.
    /// `suffix` is matched literally, with no wildcard characters.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn clear_ending(&self, suffix: &str) -> Result<u64, StoreError>;
}
