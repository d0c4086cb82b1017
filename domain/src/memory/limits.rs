//! [`MemoryLimits`]: the reference [`LimitStore`], and the one a single process (the embedded
//! SQLite mode) needs, where nothing else shares its counters.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::ports::{Counter, LimitStore, StoreError};

/// Keys kept before expired ones are swept out, so that the map stays bounded without a
/// timer.
const SWEEP_AT: usize = 10_000;

/// Counters in a mutex-guarded map.
#[derive(Default)]
pub struct MemoryLimits {
    counters: Mutex<HashMap<String, Counter>>,
}

impl MemoryLimits {
    /// No counters yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, HashMap<String, Counter>> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl LimitStore for MemoryLimits {
    async fn hit(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Counter, StoreError> {
        let mut counters = self.counters();
        if counters.len() >= SWEEP_AT {
            counters.retain(|_, c| c.expires_at > now);
        }
        let counter = counters.entry(key.to_owned()).or_insert(Counter {
            count: 0,
            expires_at: now,
        });
        if counter.expires_at <= now {
            *counter = Counter {
                count: 1,
                expires_at: now + window,
            };
        } else {
            counter.count = counter.count.saturating_add(1);
        }
        Ok(*counter)
    }

    async fn counter(&self, key: &str, now: OffsetDateTime) -> Result<Option<Counter>, StoreError> {
        Ok(self
            .counters()
            .get(key)
            .filter(|c| c.expires_at > now)
            .copied())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.counters().remove(key);
        Ok(())
    }

    async fn prune(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let mut counters = self.counters();
        let before = counters.len();
        counters.retain(|_, c| c.expires_at > now);
        Ok(u64::try_from(before - counters.len()).unwrap_or(u64::MAX))
    }

    async fn clear_ending(&self, suffix: &str) -> Result<u64, StoreError> {
        let mut counters = self.counters();
        let before = counters.len();
        counters.retain(|key, _| !key.ends_with(suffix));
        Ok(u64::try_from(before - counters.len()).unwrap_or(u64::MAX))
    }
}
