//! Sliding-window limits: sign-in failures per account and per client address, prediction
//! submissions per user.
//!
//! Hand-written (about fifty lines) because the rate-limit crates (e.g. governor) count every
//! check as a hit, while sign-in throttling must count only failures and must be queried
//! without being charged. Limits live in the process: with several `serve` processes behind a
//! balancer each enforces its own window, so the effective limit is multiplied by their number
//! (documented in the README's security section).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// At most `max` hits per key in any `window`; older hits fall out, so nobody is locked out
/// for longer than `window`.
pub struct WindowLimiter {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys kept before idle ones are swept out.
const SWEEP_AT: usize = 10_000;

impl WindowLimiter {
    /// A limiter of `max` hits per `window`; `max = 0` disables it.
    #[must_use]
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` when `key` is at its limit: the time until its oldest hit expires.
    pub fn blocked(&self, key: &str) -> Option<Duration> {
        if self.max == 0 {
            return None;
        }
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        let q = hits.get_mut(key)?;
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        (q.len() >= self.max).then(|| {
            let oldest = q.front().copied().unwrap_or(now);
            self.window.saturating_sub(now.duration_since(oldest))
        })
    }

    /// Counts one hit for `key`.
    pub fn hit(&self, key: &str) {
        if self.max == 0 {
            return;
        }
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        if hits.len() >= SWEEP_AT {
            hits.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let q = hits.entry(key.to_owned()).or_default();
        q.push_back(now);
        while q.len() > self.max {
            q.pop_front();
        }
    }

    /// Forgets `key`'s hits (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

/// Seconds for a `Retry-After` header: at least 1.
#[must_use]
pub fn retry_after_secs(wait: Duration) -> u32 {
    u32::try_from(wait.as_secs().saturating_add(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_then_releases_after_the_window() {
        let l = WindowLimiter::new(2, Duration::from_millis(50));
        l.hit("a");
        assert!(l.blocked("a").is_none());
        l.hit("a");
        let wait = l.blocked("a").unwrap();
        assert!(wait <= Duration::from_millis(50));
        assert!(l.blocked("b").is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            l.blocked("a").is_none(),
            "a limit must never lock out forever"
        );
    }

    #[test]
    fn clearing_and_disabling_work() {
        let l = WindowLimiter::new(1, Duration::from_secs(60));
        l.hit("a");
        assert!(l.blocked("a").is_some());
        l.clear("a");
        assert!(l.blocked("a").is_none());
        let off = WindowLimiter::new(0, Duration::from_secs(60));
        off.hit("a");
        assert!(off.blocked("a").is_none());
    }
}
