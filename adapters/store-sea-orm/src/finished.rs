//! Finish notifications (PostgreSQL only): `finish_prediction` runs `pg_notify` in the same
//! statement as its `UPDATE`, so every committed finish is announced on [`FINISHED_CHANNEL`].
//! An API process listens and wakes the request waiting for that prediction instead of
//! re-reading the row every few milliseconds.
//!
//! The payload is the prediction id, a space and the finished row as JSON without the vacancy
//! text (which the waiter has: it submitted it), so that the waiter answers without reading
//! the row back ([`Announced::complete`]). A row too long for a notification (PostgreSQL
//! refuses payloads of 8000 bytes or more, e.g. an unusually long failure reason) is announced
//! by its id alone, and its waiter reads it.
//!
//! PostgreSQL drops notifications for a listener whose connection is down; the listener says
//! so ([`Finished::Resync`]) after it has listened again, so that waiters read their rows once
//! and nothing is missed.

use payrange_domain::models::{Prediction, PredictionId, to_storage_precision};
use payrange_domain::ports::StoreError;
use sea_orm::sqlx::postgres::PgListener;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::convert::prediction_from_row;
use crate::entity::prediction;
use crate::errors::corrupt;
use crate::store::SeaOrmStore;

/// The notification channel of finished predictions.
pub(crate) const FINISHED_CHANNEL: &str = "payrange_prediction_finished";

/// PostgreSQL refuses a notification payload of this many bytes or more.
const MAX_PAYLOAD_BYTES: usize = 8000;

/// Wraps an `UPDATE predictions ...` (without `RETURNING`) so that each row it finishes is
/// announced in the same statement: one `pg_notify` per row, with the id and the row as JSON
/// (see the module documentation), or the id alone if that would be too long. The statement
/// returns one row per finished prediction, with its id as `id`.
pub(crate) fn announcing(update_sql: &str) -> String {
    // Times as RFC 3339 UTC text with microseconds, whatever the session's time zone.
    let time = |column: &str| {
        format!("to_char(\"{column}\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    };
    format!(
        "WITH finished AS ({update_sql} RETURNING \"predictions\".*), \
         announced AS (SELECT \"id\", \"id\"::text || ' ' || json_build_object(\
           'owner', \"owner\", 'status', \"status\", \
           'salary_from', \"salary_from\", 'salary_to', \"salary_to\", \
           'currency', \"currency\", 'model_version', \"model_version\", \
           'explanation', \"explanation\", 'likely_from', \"likely_from\", \
           'likely_to', \"likely_to\", 'likely_level', \"likely_level\", \
           'confidence', \"confidence\", 'error', \"error\", 'attempts', \"attempts\", \
           'request_id', \"request_id\", 'created_at', {created}, \
           'started_at', {started}, 'finished_at', {finished})::text AS payload \
           FROM finished) \
         SELECT \"id\", pg_notify('{FINISHED_CHANNEL}', \
           CASE WHEN octet_length(payload) < {MAX_PAYLOAD_BYTES} THEN payload \
           ELSE \"id\"::text END) \
         FROM announced",
        created = time("created_at"),
        started = time("started_at"),
        finished = time("finished_at"),
    )
}

/// What a [`FinishedListener`] heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// This prediction was finished (committed), with its final state when the notification
    /// could carry it.
    Prediction(PredictionId, Option<Announced>),
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
            let payload = n.payload();
            let (id, row) = match payload.split_once(' ') {
                Some((id, row)) => (id, Some(row)),
                None => (payload, None),
            };
            match uuid::Uuid::parse_str(id) {
                Ok(id) => {
                    let id = PredictionId::from_uuid(id);
                    // Parsed only by the waiter that wants it (every API process hears
                    // every finish).
                    let announced = row.map(|row| Announced {
                        id,
                        row: row.to_owned(),
                    });
                    return Ok(Finished::Prediction(id, announced));
                }
                // Not ours (someone else notifying on the channel): log and go on.
                Err(_) => drop(corrupt(format!(
                    "malformed finish notification {:?}",
                    n.payload()
                ))),
            }
        }
    }
}

/// The final state of a finished prediction as its notification carried it: the row without
/// the vacancy text, as JSON, parsed only by [`Announced::complete`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announced {
    id: PredictionId,
    row: String,
}

impl Announced {
    /// The finished prediction, as reading its row would return it: `submitted` (the
    /// prediction as it was inserted, which holds the vacancy) with the announced state.
    /// `None` if the announcement is about another prediction or owner, or cannot be read
    /// (then read the row).
    #[must_use]
    pub fn complete(&self, submitted: &Prediction) -> Option<Prediction> {
        if submitted.id != self.id {
            return None;
        }
        match self.parse(submitted) {
            Ok(p) if p.owner == submitted.owner => Some(p),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(prediction_id = %self.id, error = %e, "unreadable finish notification; reading the row");
                None
            }
        }
    }

    fn parse(&self, submitted: &Prediction) -> Result<Prediction, String> {
        let row: Value = serde_json::from_str(&self.row).map_err(|e| e.to_string())?;
        let field = |name: &str| row.get(name).filter(|v| !v.is_null());
        let text = |name: &str| -> Result<Option<String>, String> {
            field(name)
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or(format!("{name} is not text"))
                })
                .transpose()
        };
        let number = |name: &str| -> Result<Option<f64>, String> {
            field(name)
                .map(|v| v.as_f64().ok_or(format!("{name} is not a number")))
                .transpose()
        };
        let when = |name: &str| -> Result<Option<OffsetDateTime>, String> {
            text(name)?
                .map(|t| OffsetDateTime::parse(&t, &Rfc3339).map_err(|e| format!("{name}: {e}")))
                .transpose()
        };
        let required = |name: &str, value: Option<String>| value.ok_or(format!("no {name}"));
        let owner = uuid::Uuid::parse_str(&required("owner", text("owner")?)?)
            .map_err(|e| format!("owner: {e}"))?;
        let attempts = field("attempts")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
            .ok_or("attempts is not an integer")?;
        let created_at = when("created_at")?.ok_or("no created_at")?;
        let vacancy = &submitted.vacancy;
        let row = prediction::Model {
            id: self.id.as_uuid(),
            owner,
            name: vacancy.name().to_owned(),
            description: vacancy.description().to_owned(),
            area: vacancy.area().map(str::to_owned),
            market: vacancy.market().as_str().to_owned(),
            status: required("status", text("status")?)?,
            salary_from: number("salary_from")?,
            salary_to: number("salary_to")?,
            currency: text("currency")?,
            model_version: text("model_version")?,
            explanation: text("explanation")?,
            likely_from: number("likely_from")?,
            likely_to: number("likely_to")?,
            likely_level: number("likely_level")?,
            confidence: text("confidence")?,
            error: text("error")?,
            attempts,
            request_id: text("request_id")?,
            created_at,
            started_at: when("started_at")?,
            finished_at: when("finished_at")?,
            // A prediction that has just finished has no outcome yet.
            outcome_from: None,
            outcome_to: None,
            outcome_currency: None,
            outcome_kind: None,
            outcome_recorded_at: None,
        };
        if created_at != to_storage_precision(submitted.created_at) {
            return Err("another created_at than submitted".into());
        }
        prediction_from_row(row).map_err(|e| e.to_string())
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
