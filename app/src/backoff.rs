//! Delays between attempts against a server that failed, shared by the worker loop and the
//! background tasks that reconnect.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Delays between attempts against a server that failed: 100 ms, doubling up to `max`, each
/// with up to as much again at random, so that the processes that lost the same server do not
/// all come back at the same moment.
pub(crate) fn backoff(max: Duration) -> impl Iterator<Item = Duration> {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(max)
        .with_jitter()
        .without_max_times()
        .build()
}
