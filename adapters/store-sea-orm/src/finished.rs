//! Finish notifications (PostgreSQL only): `finish_prediction` runs `pg_notify` in the same
//! statement as its `UPDATE`, so every committed finish is announced on [`FINISHED_CHANNEL`]
//! with the prediction id as payload. An API process listens and wakes the request waiting
//! for that prediction instead of re-reading the row every few milliseconds.
//!
//! PostgreSQL drops notifications for a listener whose connection is down; the listener says
//! so ([`Finished::Resync`]) after it has listened again, so that waiters read their rows once
//! and nothing is missed.

use payrange_domain::models::PredictionId;
use payrange_domain::ports::StoreError;
use sea_orm::sqlx::postgres::PgListener;

use crate::errors::corrupt;
use crate::store::SeaOrmStore;

/// The notification channel of finished predictions.
pub(crate) const FINISHED_CHANNEL: &str = "payrange_prediction_finished";

/// What a [`FinishedListener`] heard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// This prediction was finished (committed).
    Prediction(PredictionId),
    /// The connection was lost and is back: finishes in between were not heard, so anyone
    /// waiting should read again.
    Resync,
}

/// Hears of finished predictions (see [`SeaOrmStore::finished`]).
pub struct FinishedListener {
    listener: PgListener,
}

impl FinishedListener {
    /// The next finish, or [`Finished::Resync`] after a reconnection.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached (call
    /// [`SeaOrmStore::finished`] again later).
    pub async fn next(&mut self) -> Result<Finished, StoreError> {
        loop {
            let Some(n) = self.listener.try_recv().await.map_err(unavailable)? else {
                return Ok(Finished::Resync);
            };
            match uuid::Uuid::parse_str(n.payload()) {
                Ok(id) => return Ok(Finished::Prediction(PredictionId::from_uuid(id))),
                // Not ours (someone else notifying on the channel): log and go on.
                Err(_) => drop(corrupt(format!(
                    "malformed finish notification {:?}",
                    n.payload()
                ))),
            }
        }
    }
}

fn unavailable(e: sea_orm::sqlx::Error) -> StoreError {
    tracing::warn!(error = %e, "finish listener lost the database");
    StoreError::Unavailable(Box::new(e))
}

impl SeaOrmStore {
    /// Whether this store announces finished predictions ([`SeaOrmStore::finished`] works):
    /// true for PostgreSQL.
    #[must_use]
    pub fn notifies_finished(&self) -> bool {
        self.listen_url.is_some()
    }

    /// Starts listening for finished predictions on a connection of its own (not one of the
    /// pool's). Only finishes committed after this returns are heard.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the database cannot be reached;
    /// [`StoreError::Internal`] if this store does not announce finishes (SQLite).
    pub async fn finished(&self) -> Result<FinishedListener, StoreError> {
        let Some(url) = &self.listen_url else {
            return Err(corrupt("finish notifications need PostgreSQL"));
        };
        let mut listener = PgListener::connect(url).await.map_err(unavailable)?;
        listener
            .listen(FINISHED_CHANNEL)
            .await
            .map_err(unavailable)?;
        Ok(FinishedListener { listener })
    }
}
