//! Starting and finishing several predictions at once, for workers that handle the jobs at
//! hand together: the same conditional writes as one at a time (`predictions`), in one
//! statement each where the database allows.

use std::collections::{HashMap, HashSet};

use payrange_domain::models::{PredictionId, PredictionStatus, SalaryEstimate};
use payrange_domain::ports::{LogStore, StartOutcome, StoreError};
use sea_orm::sea_query::Value;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
    Statement, TransactionTrait,
};
use time::OffsetDateTime;

use crate::convert::{explanation_to_json, prediction_from_row, stored_time};
use crate::entity::prediction::{self, Column, Entity};
use crate::errors::{corrupt, db_err};
use crate::finished::announcing;
use crate::predictions::{UNFINISHED, finish_update, start_update};
use crate::store::SeaOrmStore;

/// Columns of one row of the `VALUES` list of [`SeaOrmStore::finish_many_postgres`].
const FINISH_COLUMNS: usize = 8;

impl SeaOrmStore {
    /// [`LogStore::start_predictions`]: one `UPDATE ... WHERE id IN (...) RETURNING *`, and
    /// one read for the ids it did not start (finished or missing).
    pub(crate) async fn start_many(
        &self,
        ids: &[PredictionId],
        at: OffsetDateTime,
    ) -> Result<Vec<StartOutcome>, StoreError> {
        if let [id] = ids {
            return Ok(vec![self.start_prediction(*id, at).await?]);
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut update = start_update(
            Entity::update_many()
                .filter(Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
                .filter(Column::Status.is_in(UNFINISHED)),
            at,
        )
        .into_query();
        update.returning_all();
        let mut started = HashMap::with_capacity(ids.len());
        for row in self.writer.query_all(&update).await.map_err(db_err)? {
            let row = prediction::Model::from_query_result(&row, "").map_err(db_err)?;
            started.insert(row.id, prediction_from_row(row)?);
        }
        // Ids not started are finished or missing (rare: redeliveries): one read for them.
        let rest: Vec<_> = ids
            .iter()
            .map(|id| id.as_uuid())
            .filter(|id| !started.contains_key(id))
            .collect();
        let mut others = HashMap::new();
        if !rest.is_empty() {
            for row in Entity::find()
                .filter(Column::Id.is_in(rest))
                .all(&self.db)
                .await
                .map_err(db_err)?
            {
                others.insert(row.id, prediction_from_row(row)?);
            }
        }
        ids.iter()
            .map(|id| {
                if let Some(p) = started.remove(&id.as_uuid()) {
                    return Ok(StartOutcome::Started(p));
                }
                match others.remove(&id.as_uuid()) {
                    None => Ok(StartOutcome::Missing),
                    Some(p) if p.status.is_final() => Ok(StartOutcome::AlreadyFinished(p)),
                    Some(_) => Err(corrupt(format!(
                        "prediction {id} became unfinished while being started"
                    ))),
                }
            })
            .collect()
    }

    /// [`LogStore::finish_predictions`]: one statement on PostgreSQL, one transaction on
    /// SQLite.
    pub(crate) async fn finish_many(
        &self,
        finishes: &[(PredictionId, Result<&SalaryEstimate, &str>)],
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        if let [(id, outcome)] = finishes {
            return Ok(vec![self.finish_prediction(*id, *outcome, at).await?]);
        }
        if finishes.is_empty() {
            return Ok(Vec::new());
        }
        if self.db.get_database_backend() == DbBackend::Postgres {
            return self.finish_many_postgres(finishes, at).await;
        }
        // SQLite: one statement each, one commit for all.
        let txn = self.writer.inner.begin().await.map_err(db_err)?;
        let mut written = Vec::with_capacity(finishes.len());
        for (id, outcome) in finishes {
            let result = finish_update(*id, *outcome, at)?
                .exec(&txn)
                .await
                .map_err(db_err)?;
            written.push(result.rows_affected == 1);
        }
        txn.commit().await.map_err(db_err)?;
        Ok(written)
    }

    /// PostgreSQL: finishes several predictions in one `UPDATE ... FROM (VALUES ...)`, under
    /// the same condition as one (`status IN ('queued', 'running')`), and announces each in
    /// the same statement.
    async fn finish_many_postgres(
        &self,
        finishes: &[(PredictionId, Result<&SalaryEstimate, &str>)],
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        let mut values: Vec<Value> = Vec::with_capacity(1 + finishes.len() * FINISH_COLUMNS);
        values.push(Value::from(stored_time(at)));
        let mut rows = Vec::with_capacity(finishes.len());
        // In id order, so that concurrent batches over the same rows (a job published twice)
        // lock them in the same order instead of deadlocking.
        let mut sorted: Vec<_> = finishes.iter().collect();
        sorted.sort_by_key(|(id, _)| *id);
        for (id, outcome) in sorted {
            let first = values.len() + 1;
            let placeholders: Vec<String> = [
                "uuid", "text", "float8", "float8", "text", "text", "text", "text",
            ]
            .iter()
            .enumerate()
            .map(|(i, ty)| format!("${}::{ty}", first + i))
            .collect();
            rows.push(format!("({})", placeholders.join(", ")));
            values.push(Value::from(id.as_uuid()));
            match outcome {
                Ok(estimate) => {
                    values.push(Value::from(PredictionStatus::Done.as_str()));
                    values.push(Value::from(Some(estimate.salary_from)));
                    values.push(Value::from(Some(estimate.salary_to)));
                    values.push(Value::from(Some(estimate.currency.clone())));
                    values.push(Value::from(Some(estimate.model_version.clone())));
                    values.push(Value::from(Some(explanation_to_json(
                        &estimate.explanation,
                    )?)));
                    values.push(Value::from(None::<String>));
                }
                Err(reason) => {
                    values.push(Value::from(PredictionStatus::Failed.as_str()));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(Some((*reason).to_owned())));
                }
            }
        }
        // Unfinished rows have no result and no error yet, so writing NULL to the columns an
        // outcome does not use changes nothing, as the one-row UPDATE does.
        let sql = format!(
            "UPDATE \"predictions\" SET \"finished_at\" = $1, \"status\" = v.\"status\", \
             \"salary_from\" = v.\"salary_from\", \"salary_to\" = v.\"salary_to\", \
             \"currency\" = v.\"currency\", \"model_version\" = v.\"model_version\", \
             \"explanation\" = v.\"explanation\", \"error\" = v.\"error\" \
             FROM (VALUES {}) AS v(\"id\", \"status\", \"salary_from\", \"salary_to\", \
             \"currency\", \"model_version\", \"explanation\", \"error\") \
             WHERE \"predictions\".\"id\" = v.\"id\" \
             AND \"predictions\".\"status\" IN ('{}', '{}')",
            rows.join(", "),
            UNFINISHED[0],
            UNFINISHED[1],
        );
        let statement =
            Statement::from_sql_and_values(DbBackend::Postgres, announcing(&sql), values);
        let mut written = HashSet::with_capacity(finishes.len());
        for row in self.writer.query_all_raw(statement).await.map_err(db_err)? {
            let id: uuid::Uuid = row.try_get("", "id").map_err(db_err)?;
            written.insert(id);
        }
        Ok(finishes
            .iter()
            .map(|(id, _)| written.contains(&id.as_uuid()))
            .collect())
    }
}
