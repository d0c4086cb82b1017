//! Keeps the SQLite write-ahead log from growing without bound under steady load: truncates it
//! every [`EVERY`].

use std::sync::Arc;
use std::time::Duration;

use payrange_store_sea_orm::SeaOrmStore;

/// How often the write-ahead log is truncated.
const EVERY: Duration = Duration::from_secs(30);

/// Checkpoints `store` every [`EVERY`], forever; a failure is logged and tried again next time.
pub(super) async fn run(store: Arc<SeaOrmStore>) {
    loop {
        tokio::time::sleep(EVERY).await;
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "SQLite checkpoint failed; will try again");
        }
    }
}
