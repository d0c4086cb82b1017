//! Rate limits: sign-in failures per account and per client address, prediction submissions
//! per user.
//!
//! The counters live in a [`LimitStore`] shared by every process of a deployment (PostgreSQL's
//! `limit_counters` table; in memory for the single-process embedded mode), so that N `serve`
//! processes allow no more than one. Hand-written over the port rather than a rate-limit crate
//! (e.g. governor), whose in-process counters charge every check, while sign-in throttling
//! must count only failures and be queried without being charged.
//!
//! A key's window opens at its first hit and lasts `window`; once `max` hits are counted the
//! key is blocked until the window closes, so nobody is locked out for longer than `window`.

use std::sync::Arc;
use std::time::Duration;

use payrange_domain::ports::{LimitStore, StoreError};
use time::OffsetDateTime;

/// At most `max` hits per key in a window of `window` that opens at the key's first hit.
pub struct Limit {
    store: Arc<dyn LimitStore>,
    /// Prefixes every key, so that limits sharing a store never share counters.
    name: &'static str,
    max: u32,
    window: time::Duration,
}

impl Limit {
    /// A limit named `name` (unique among those sharing `store`) of `max` hits per `window`;
    /// `max = 0` disables it.
    #[must_use]
    pub fn new(
        store: Arc<dyn LimitStore>,
        name: &'static str,
        max: usize,
        window: Duration,
    ) -> Self {
        Self {
            store,
            name,
            max: u32::try_from(max).unwrap_or(u32::MAX),
            window: time::Duration::try_from(window).unwrap_or(time::Duration::MAX),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.name)
    }

    /// `Some(wait)` when `key` is at its limit: the time until its window closes.
    ///
    /// # Errors
    /// The store's, when it cannot be read.
    pub async fn blocked(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        if self.max == 0 {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let counter = self.store.counter(&self.key(key), now).await?;
        Ok(counter
            .filter(|c| c.count >= self.max)
            .map(|c| wait(c.expires_at, now)))
    }

    /// Counts one hit for `key`; `Some(wait)` when that hit reached or passed the limit.
    ///
    /// # Errors
    /// The store's, when it cannot be written.
    pub async fn hit(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        if self.max == 0 {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let c = self.store.hit(&self.key(key), self.window, now).await?;
        Ok((c.count >= self.max).then(|| wait(c.expires_at, now)))
    }

    /// Counts one attempt for `key`; `Some(wait)` when it went past the limit and must be
    /// refused. Checking and counting in one step, so that concurrent attempts cannot all
    /// pass a check made before any of them is counted.
    ///
    /// # Errors
    /// The store's, when it cannot be written.
    pub async fn take(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        if self.max == 0 {
            return Ok(None);
        }
        let now = OffsetDateTime::now_utc();
        let c = self.store.hit(&self.key(key), self.window, now).await?;
        Ok((c.count > self.max).then(|| wait(c.expires_at, now)))
    }

    /// Counts up to `n` attempts for `key`, one at a time, stopping at the first one refused
    /// (so at most the limit plus one are counted): how many were allowed, and `Some(wait)`
    /// when one was refused. What a batch of submissions takes from a quota.
    ///
    /// # Errors
    /// The store's, when it cannot be written.
    pub async fn take_up_to(
        &self,
        key: &str,
        n: usize,
    ) -> Result<(usize, Option<Duration>), StoreError> {
        for taken in 0..n {
            if let Some(wait) = self.take(key).await? {
                return Ok((taken, Some(wait)));
            }
        }
        Ok((n, None))
    }

    /// Forgets `key`'s hits (after a successful sign-in).
    ///
    /// # Errors
    /// The store's, when it cannot be written.
    pub async fn clear(&self, key: &str) -> Result<(), StoreError> {
        if self.max == 0 {
            return Ok(());
        }
        self.store.clear(&self.key(key)).await
    }
}

impl crate::wiring::Limits {
    /// Forgets every counter of a deleted account, whatever limit or client address it
    /// belongs to: the keys that end in its user id (`submissions:<id>`) or its email
    /// (`signin-account:<email>`, `signin-pair:<address> <email>`, ...). Every limit shares
    /// one store, so clearing through one of them clears them all.
    ///
    /// # Errors
    /// The store's, when it cannot be written.
    pub async fn forget_account(
        &self,
        id: payrange_domain::models::UserId,
        email: &payrange_domain::models::Email,
    ) -> Result<(), StoreError> {
        let store = &self.submissions.store;
        for suffix in [format!(":{id}"), format!(":{email}"), format!(" {email}")] {
            store.clear_ending(&suffix).await?;
        }
        Ok(())
    }
}

fn wait(expires_at: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(expires_at - now).unwrap_or_default()
}

/// Seconds for a `Retry-After` header: at least 1.
#[must_use]
pub fn retry_after_secs(wait: Duration) -> u32 {
    u32::try_from(wait.as_secs().saturating_add(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use payrange_domain::memory::MemoryLimits;

    use super::*;

    fn limit(max: usize, window: Duration) -> Limit {
        Limit::new(Arc::new(MemoryLimits::new()), "test", max, window)
    }

    #[tokio::test]
    async fn the_limit_blocks_then_releases_after_the_window() {
        let l = limit(2, Duration::from_millis(50));
        assert!(l.hit("a").await.unwrap().is_none());
        assert!(l.blocked("a").await.unwrap().is_none());
        assert!(l.hit("a").await.unwrap().is_some());
        let wait = l.blocked("a").await.unwrap().unwrap();
        assert!(wait <= Duration::from_millis(50));
        assert!(l.blocked("b").await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(
            l.blocked("a").await.unwrap().is_none(),
            "a limit must never lock out forever"
        );
    }

    #[tokio::test]
    async fn clearing_and_disabling_work() {
        let l = limit(1, Duration::from_secs(60));
        l.hit("a").await.unwrap();
        assert!(l.blocked("a").await.unwrap().is_some());
        l.clear("a").await.unwrap();
        assert!(l.blocked("a").await.unwrap().is_none());
        let off = limit(0, Duration::from_secs(60));
        off.hit("a").await.unwrap();
        assert!(off.blocked("a").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn taking_refuses_only_attempts_past_the_limit() {
        let l = limit(2, Duration::from_secs(60));
        assert!(l.take("a").await.unwrap().is_none());
        assert!(l.take("a").await.unwrap().is_none());
        assert!(l.take("a").await.unwrap().is_some());
        assert!(l.take("b").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn limits_sharing_a_store_keep_their_own_counters() {
        let store: Arc<dyn LimitStore> = Arc::new(MemoryLimits::new());
        let a = Limit::new(store.clone(), "a", 1, Duration::from_secs(60));
        let b = Limit::new(store, "b", 1, Duration::from_secs(60));
        a.hit("k").await.unwrap();
        assert!(a.blocked("k").await.unwrap().is_some());
        assert!(b.blocked("k").await.unwrap().is_none());
    }
}
