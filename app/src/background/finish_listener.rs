//! With PostgreSQL, every process announces the predictions it finishes; this task listens,
//! so that a request waiting in this process for a prediction finished in another one is
//! woken at once instead of at its next poll.

use std::sync::Arc;
use std::time::Duration;

use payrange_store_sea_orm::{Finished, SeaOrmStore};

use crate::backoff::backoff;
use crate::completions::{Completions, Handover};

/// Where the doubling of the pauses between reconnections stops.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Wakes the waiter of every prediction the database announces finished; reconnects with
/// backoff, and wakes every waiter whenever announcements may have been missed. Forever.
pub(super) async fn run(store: Arc<SeaOrmStore>, completions: Completions) {
    let mut delays = backoff(MAX_BACKOFF);
    loop {
        match store.finished().await {
            Ok(mut listener) => {
                delays = backoff(MAX_BACKOFF);
                // Finishes before the LISTEN took effect were not heard.
                completions.wake_all();
                loop {
                    match listener.next().await {
                        Ok(Finished::Prediction(id, announced)) => {
                            completions.finished(id, announced.map(Handover::Announced));
                        }
                        Ok(Finished::Resync) => completions.wake_all(),
                        Err(_) => break,
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for finished predictions"),
        }
        completions.wake_all();
        tokio::time::sleep(delays.next().unwrap_or(MAX_BACKOFF)).await;
    }
}
