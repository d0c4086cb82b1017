//! Keeps this process serving the models the store says are active: every
//! `model_sync_ms` (1 s by default) it reads the standing activations and swaps in any
//! model whose version changed (`ModelService::sync`).
//!
//! Polling rather than a PostgreSQL notification or a broker message, on purpose: the same
//! code serves both modes (SQLite has no notifications, and `payrange admin model` may change
//! the file under a running `serve`), a process that was disconnected or busy catches up on
//! its next read instead of missing a message, and it works through PgBouncer in transaction
//! mode, where `LISTEN` does not (BENCHMARKS.md, "Past one machine"). The cost is one
//! indexed read of a table of a few rows per process per second.

use std::time::Duration;

use payrange_domain::services::ModelService;

use crate::metrics::Metrics;

/// Syncs `models` every `every`, forever. A failure is logged once until it changes or
/// clears, so that a database outage does not flood the log.
pub(super) async fn run(models: ModelService, metrics: std::sync::Arc<Metrics>, every: Duration) {
    let mut last_error: Option<String> = None;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match models.sync().await {
            Ok(switched) => {
                if last_error.take().is_some() {
                    tracing::info!("model sync works again");
                }
                for m in &switched {
                    tracing::info!(market = %m.market, model_version = %m.version, "model serving");
                }
                if !switched.is_empty() {
                    metrics.set_models(&models.serving());
                }
            }
            Err(e) => {
                let message = e.to_string();
                if last_error.as_deref() != Some(message.as_str()) {
                    tracing::warn!(error = %message, "cannot sync the active models; will try again");
                    last_error = Some(message);
                }
            }
        }
    }
}
