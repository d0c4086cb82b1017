//! [`BatchStore`] for [`SeaOrmStore`]: the `batches` table, and the batch's predictions as
//! `predictions` rows with `batch_id` and `batch_line` set (migration `000004`).
//!
//! Raw statements rather than the `prediction` entity: the entity (and so every statement the
//! workers run) stays without the two batch columns, which only this module reads or writes.
//! The values bound are the same `Value`s the entity binds, so both databases store them alike.
//!
//! (`batches.rs` is the worker's batches of jobs, unrelated.)

use std::collections::HashMap;

use async_trait::async_trait;
use payrange_domain::models::{
    Batch, BatchCounts, BatchId, BatchItem, BatchProgress, Page, PageRequest, PredictionId,
    PredictionStatus, UserId,
};
use payrange_domain::ports::{BatchStore, StoreError};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::stored_time;
use crate::errors::{corrupt, db_err, map_db_err};
use crate::store::page_from_rows;

/// Prediction rows per `INSERT` (12 values each, far below either database's limit).
const ROWS_PER_INSERT: usize = 100;

/// The columns of `batches`, in the order the statements bind them.
const BATCH_COLUMNS: &str = "id, owner, created_at_us, total, rejected";

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn batch_from_row(row: &QueryResult) -> Result<Batch, StoreError> {
    let id: Uuid = row.try_get("", "id").map_err(db_err)?;
    let owner: Uuid = row.try_get("", "owner").map_err(db_err)?;
    let created: i64 = row.try_get("", "created_at_us").map_err(db_err)?;
    let total: i32 = row.try_get("", "total").map_err(db_err)?;
    let rejected: i32 = row.try_get("", "rejected").map_err(db_err)?;
    let bad = |what: String| corrupt(format!("batch {id}: {what}"));
    Ok(Batch {
        id: BatchId::from_uuid(id),
        owner: UserId::from_uuid(owner),
        created_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(created) * 1000)
            .map_err(|e| bad(format!("created_at {created}: {e}")))?,
        total: u32::try_from(total).map_err(|_| bad(format!("total {total}")))?,
        rejected: u32::try_from(rejected).map_err(|_| bad(format!("rejected {rejected}")))?,
    })
}

/// `$first, $first+1, ..., $first+n-1`.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SeaOrmStore {
    fn raw(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// The counts by state of each of `batches`.
    async fn counts(&self, batches: &[Batch]) -> Result<Vec<BatchProgress>, StoreError> {
        if batches.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT batch_id, status, COUNT(*) AS n FROM predictions \
             WHERE batch_id IN ({}) GROUP BY batch_id, status",
            placeholders(1, batches.len())
        );
        let values = batches.iter().map(|b| b.id.as_uuid().into()).collect();
        let rows = self
            .db
            .query_all_raw(self.raw(&sql, values))
            .await
            .map_err(db_err)?;
        let mut counts: HashMap<Uuid, BatchCounts> = HashMap::new();
        for row in rows {
            let batch: Uuid = row.try_get("", "batch_id").map_err(db_err)?;
            let status: String = row.try_get("", "status").map_err(db_err)?;
            let n: i64 = row.try_get("", "n").map_err(db_err)?;
            let status = PredictionStatus::parse(&status)
                .ok_or_else(|| corrupt(format!("batch {batch}: unknown status {status:?}")))?;
            counts
                .entry(batch)
                .or_default()
                .add(status, u32::try_from(n).unwrap_or(u32::MAX));
        }
        Ok(batches
            .iter()
            .map(|b| BatchProgress {
                batch: b.clone(),
                counts: counts.remove(&b.id.as_uuid()).unwrap_or_default(),
            })
            .collect())
    }
}

#[async_trait]
impl BatchStore for SeaOrmStore {
    async fn insert_batch(&self, batch: &Batch, items: &[BatchItem]) -> Result<(), StoreError> {
        let total = i32::try_from(batch.total).map_err(|_| corrupt("batch total out of range"))?;
        let rejected =
            i32::try_from(batch.rejected).map_err(|_| corrupt("batch rejections out of range"))?;
        let sql = format!("INSERT INTO batches ({BATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
        let values = vec![
            batch.id.as_uuid().into(),
            batch.owner.as_uuid().into(),
            micros(batch.created_at).into(),
            total.into(),
            rejected.into(),
        ];
        self.writer
            .execute_raw(self.raw(&sql, values))
            .await
            .map_err(|e| map_db_err(e, "batch"))?;
        for chunk in items.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 12);
            for item in chunk {
                let p = &item.prediction;
                let line = i32::try_from(item.line).map_err(|_| corrupt("line out of range"))?;
                let attempts =
                    i32::try_from(p.attempts).map_err(|_| corrupt("attempts out of range"))?;
                rows.push(format!("({})", placeholders(values.len() + 1, 12)));
                values.extend([
                    p.id.as_uuid().into(),
                    p.owner.as_uuid().into(),
                    p.vacancy.name().to_owned().into(),
                    p.vacancy.description().to_owned().into(),
                    p.vacancy.area().map(str::to_owned).into(),
                    p.status.as_str().to_owned().into(),
                    attempts.into(),
                    p.request_id.clone().into(),
                    stored_time(p.created_at).into(),
                    batch.id.as_uuid().into(),
                    line.into(),
                    p.vacancy.market().as_str().to_owned().into(),
                ]);
            }
            let sql = format!(
                "INSERT INTO predictions (id, owner, name, description, area, status, attempts, \
                 request_id, created_at, batch_id, batch_line, market) VALUES {}",
                rows.join(", ")
            );
            self.writer
                .execute_raw(self.raw(&sql, values))
                .await
                .map_err(|e| map_db_err(e, "prediction"))?;
        }
        Ok(())
    }

    async fn batch(&self, id: BatchId) -> Result<Option<BatchProgress>, StoreError> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1");
        let row = self
            .db
            .query_one_raw(self.raw(&sql, vec![id.as_uuid().into()]))
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let batch = batch_from_row(&row)?;
        Ok(self.counts(&[batch]).await?.pop())
    }

    async fn list_batches(
        &self,
        owner: UserId,
        page: PageRequest,
    ) -> Result<Page<BatchProgress>, StoreError> {
        // One extra row tells whether an older page exists without a COUNT.
        let limit = i64::from(page.limit()) + 1;
        let (sql, values) = match page.after() {
            Some(cursor) => (
                format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE owner = $1 AND id < $2 \
                     ORDER BY id DESC LIMIT $3"
                ),
                vec![owner.as_uuid().into(), cursor.id().into(), limit.into()],
            ),
            None => (
                format!(
                    "SELECT {BATCH_COLUMNS} FROM batches WHERE owner = $1 \
                     ORDER BY id DESC LIMIT $2"
                ),
                vec![owner.as_uuid().into(), limit.into()],
            ),
        };
        let rows = self
            .db
            .query_all_raw(self.raw(&sql, values))
            .await
            .map_err(db_err)?;
        let batches = rows
            .iter()
            .map(batch_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let page = page_from_rows(batches, page, |b| b.id.as_uuid());
        Ok(Page {
            items: self.counts(&page.items).await?,
            next: page.next,
        })
    }

    async fn batch_items(&self, id: BatchId) -> Result<Vec<BatchItem>, StoreError> {
        let rows = self
            .db
            .query_all_raw(self.raw(
                "SELECT id, batch_line FROM predictions WHERE batch_id = $1 ORDER BY batch_line",
                vec![id.as_uuid().into()],
            ))
            .await
            .map_err(db_err)?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let prediction: Uuid = row.try_get("", "id").map_err(db_err)?;
            let line: i32 = row.try_get("", "batch_line").map_err(db_err)?;
            let line = u32::try_from(line)
                .map_err(|_| corrupt(format!("prediction {prediction}: line {line}")))?;
            lines.push((line, PredictionId::from_uuid(prediction)));
        }
        let ids: Vec<PredictionId> = lines.iter().map(|(_, id)| *id).collect();
        let found = self.find_many(&ids).await?;
        Ok(lines
            .into_iter()
            .zip(found)
            .filter_map(|((line, _), p)| p.map(|prediction| BatchItem { line, prediction }))
            .collect())
    }
}
