//! [`LimitStore`] for [`SeaOrmStore`]: one row per key in `limit_counters`, counted by one
//! `INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING` statement, so that concurrent hits
//! from any number of processes are each counted once without a transaction or a lock taken
//! by hand (SQLite has the same syntax since 3.35).
//!
//! Expired rows are deleted by [`LimitStore::prune`], which `hit` also runs every
//! [`PRUNE_EVERY`] hits of this process: the table stays as large as the keys active in one
//! window, with no timer to run.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use payrange_domain::ports::{Counter, LimitStore, StoreError};
use sea_orm::{ConnectionTrait, Statement, Value};
use time::{Duration, OffsetDateTime};

use crate::SeaOrmStore;
use crate::errors::{corrupt, db_err};

/// Hits of this process between two prunes.
const PRUNE_EVERY: u64 = 1024;

/// Hits counted by this process, for [`PRUNE_EVERY`].
static HITS: AtomicU64 = AtomicU64::new(0);

const HIT: &str = "INSERT INTO limit_counters (key, count, expires_at_us) VALUES ($1, 1, $2) \
     ON CONFLICT (key) DO UPDATE SET \
     count = CASE WHEN limit_counters.expires_at_us <= $3 THEN 1 \
                  ELSE limit_counters.count + 1 END, \
     expires_at_us = CASE WHEN limit_counters.expires_at_us <= $3 THEN excluded.expires_at_us \
                          ELSE limit_counters.expires_at_us END \
     RETURNING count, expires_at_us";

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn counter(row: &sea_orm::QueryResult) -> Result<Counter, StoreError> {
    let count: i32 = row.try_get("", "count").map_err(db_err)?;
    let expires: i64 = row.try_get("", "expires_at_us").map_err(db_err)?;
    let expires_at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires) * 1000)
        .map_err(|e| corrupt(format!("limit counter expiry {expires}: {e}")))?;
    Ok(Counter {
        count: u32::try_from(count).unwrap_or(0),
        expires_at,
    })
}

impl SeaOrmStore {
    /// Whether other processes can share this store's limit counters: true for PostgreSQL.
    /// A SQLite file belongs to one process (the embedded mode), where counting in memory
    /// saves a write per failed sign-in.
    #[must_use]
    pub fn shares_limits(&self) -> bool {
        self.writer.get_database_backend() == sea_orm::DbBackend::Postgres
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.writer.get_database_backend(), sql, values)
    }
}

#[async_trait]
impl LimitStore for SeaOrmStore {
    async fn hit(
        &self,
        key: &str,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<Counter, StoreError> {
        if HITS.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            let pruned = self.prune(now).await?;
            tracing::debug!(pruned, "expired limit counters deleted");
        }
        let values = vec![key.into(), micros(now + window).into(), micros(now).into()];
        let row = self
            .writer
            .query_one_raw(self.statement(HIT, values))
            .await
            .map_err(db_err)?
            .ok_or_else(|| corrupt("the limit counter upsert returned no row"))?;
        counter(&row)
    }

    async fn counter(&self, key: &str, now: OffsetDateTime) -> Result<Option<Counter>, StoreError> {
        let sql = "SELECT count, expires_at_us FROM limit_counters \
                   WHERE key = $1 AND expires_at_us > $2";
        let row = self
            .db
            .query_one_raw(self.statement(sql, vec![key.into(), micros(now).into()]))
            .await
            .map_err(db_err)?;
        row.as_ref().map(counter).transpose()
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM limit_counters WHERE key = $1";
        self.writer
            .execute_raw(self.statement(sql, vec![key.into()]))
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn prune(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let sql = "DELETE FROM limit_counters WHERE expires_at_us <= $1";
        let done = self
            .writer
            .execute_raw(self.statement(sql, vec![micros(now).into()]))
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn clear_ending(&self, suffix: &str) -> Result<u64, StoreError> {
        // `substr`, not `LIKE`: the suffix is matched literally, `%` and `_` included. Both
        // databases count characters in `length` and `substr` alike.
        let sql = "DELETE FROM limit_counters WHERE length(key) >= length($1) \
                   AND substr(key, length(key) - length($1) + 1) = $1";
        let done = self
            .writer
            .execute_raw(self.statement(sql, vec![suffix.into()]))
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
