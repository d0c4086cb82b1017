//! Starting and finishing several predictions at once, for workers that handle the jobs at
//! hand together: the same conditional writes as one at a time (`predictions`), in one
//! statement each where the database allows.

use std::collections::{HashMap, HashSet};

use payrange_domain::models::{Prediction, PredictionId, PredictionStatus, SalaryEstimate};
use payrange_domain::ports::{LogStore, StartOutcome, StoreError, UnstartedFinish};
use sea_orm::sea_query::Value;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
    Statement, TransactionTrait, UpdateMany,
};
use time::OffsetDateTime;

use crate::convert::{check_likely, explanation_to_json, prediction_from_row, stored_time};
use crate::entity::prediction::{self, Column, Entity};
use crate::errors::{corrupt, db_err};
use crate::finished::announcing;
use crate::predictions::{
    UNFINISHED, finish_unstarted_update, finish_update, start_update, stored_attempts,
};
use crate::store::SeaOrmStore;

/// Columns of one row of the `VALUES` list of [`SeaOrmStore::finish_many_postgres`].
const FINISH_COLUMNS: usize = 12;

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

    /// [`LogStore::predictions`]: one `SELECT ... WHERE id IN (...)`.
    pub(crate) async fn find_many(
        &self,
        ids: &[PredictionId],
    ) -> Result<Vec<Option<Prediction>>, StoreError> {
        if let [id] = ids {
            return Ok(vec![self.prediction(*id).await?]);
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = HashMap::with_capacity(ids.len());
        for row in Entity::find()
            .filter(Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
            .all(&self.db)
            .await
            .map_err(db_err)?
        {
            found.insert(row.id, prediction_from_row(row)?);
        }
        Ok(ids.iter().map(|id| found.remove(&id.as_uuid())).collect())
    }

    /// Runs one finishing `UPDATE`; whether it wrote its row. On PostgreSQL the finish is
    /// announced in the same statement, hence the same commit: listeners (see `finished`) hear
    /// of it exactly when the row is visible, at no extra round trip.
    pub(crate) async fn finish_one(&self, update: UpdateMany<Entity>) -> Result<bool, StoreError> {
        if self.db.get_database_backend() == DbBackend::Postgres {
            let mut statement = DbBackend::Postgres.build(&update.into_query());
            statement.sql = announcing(&statement.sql);
            let rows = self.writer.query_all_raw(statement).await.map_err(db_err)?;
            return Ok(rows.len() == 1);
        }
        let result = update.exec(&self.writer).await.map_err(db_err)?;
        Ok(result.rows_affected == 1)
    }

    /// [`LogStore::finish_predictions`]: one statement on PostgreSQL, one transaction on
    /// SQLite.
    pub(crate) async fn finish_many(
        &self,
        finishes: &[(PredictionId, Result<&SalaryEstimate, &str>)],
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        if let [(id, outcome)] = finishes {
            return Ok(vec![
                self.finish_one(finish_update(*id, *outcome, at)?).await?,
            ]);
        }
        if finishes.is_empty() {
            return Ok(Vec::new());
        }
        if self.db.get_database_backend() == DbBackend::Postgres {
            let rows: Vec<_> = finishes.iter().map(|(id, o)| (*id, None, *o)).collect();
            return self.finish_many_postgres(&rows, None, at).await;
        }
        let updates = finishes
            .iter()
            .map(|(id, outcome)| finish_update(*id, *outcome, at))
            .collect::<Result<Vec<_>, _>>()?;
        self.finish_many_sqlite(updates).await
    }

    /// [`LogStore::finish_unstarted`]: as [`SeaOrmStore::finish_many`], with the attempt
    /// recorded in the same statement.
    pub(crate) async fn finish_unstarted_many(
        &self,
        finishes: &[UnstartedFinish<'_>],
        started: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        if let [f] = finishes {
            return Ok(vec![
                self.finish_one(finish_unstarted_update(f, started, at)?)
                    .await?,
            ]);
        }
        if finishes.is_empty() {
            return Ok(Vec::new());
        }
        if self.db.get_database_backend() == DbBackend::Postgres {
            let rows = finishes
                .iter()
                .map(|f| Ok((f.id, Some(stored_attempts(f)?), f.outcome)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            return self.finish_many_postgres(&rows, Some(started), at).await;
        }
        let updates = finishes
            .iter()
            .map(|f| finish_unstarted_update(f, started, at))
            .collect::<Result<Vec<_>, _>>()?;
        self.finish_many_sqlite(updates).await
    }

    /// SQLite: one statement each, one commit for all.
    async fn finish_many_sqlite(
        &self,
        updates: Vec<UpdateMany<Entity>>,
    ) -> Result<Vec<bool>, StoreError> {
        let txn = self.writer.inner.begin().await.map_err(db_err)?;
        let mut written = Vec::with_capacity(updates.len());
        for update in updates {
            let result = update.exec(&txn).await.map_err(db_err)?;
            written.push(result.rows_affected == 1);
        }
        txn.commit().await.map_err(db_err)?;
        Ok(written)
    }

    /// PostgreSQL: finishes several predictions in one `UPDATE ... FROM (VALUES ...)`, under
    /// the same condition as one (`status IN ('queued', 'running')`), and announces each in
    /// the same statement. With `started` (predictions read, not started: see
    /// [`LogStore::finish_unstarted`]), each row also carries the `attempts` it was read with;
    /// it is written only if they are unchanged, and records the attempt.
    async fn finish_many_postgres(
        &self,
        finishes: &[(PredictionId, Option<i32>, Result<&SalaryEstimate, &str>)],
        started: Option<OffsetDateTime>,
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        let columns = FINISH_COLUMNS + usize::from(started.is_some());
        let mut values: Vec<Value> = Vec::with_capacity(2 + finishes.len() * columns);
        values.push(Value::from(stored_time(at)));
        let mut types = vec![
            "uuid", "text", "float8", "float8", "text", "text", "text", "float8", "float8",
            "float8", "text", "text",
        ];
        let (attempts_set, attempts_where) = if let Some(started) = started {
            values.push(Value::from(stored_time(started)));
            types.push("int4");
            (
                ", \"attempts\" = v.\"attempts\" + 1, \"started_at\" = $2",
                " AND \"predictions\".\"attempts\" = v.\"attempts\"",
            )
        } else {
            ("", "")
        };
        let mut rows = Vec::with_capacity(finishes.len());
        // In id order, so that concurrent batches over the same rows (a job published twice)
        // lock them in the same order instead of deadlocking.
        let mut sorted: Vec<_> = finishes.iter().collect();
        sorted.sort_by_key(|(id, _, _)| *id);
        for (id, attempts, outcome) in sorted {
            let first = values.len() + 1;
            let placeholders: Vec<String> = types
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
                    let likely = estimate.likely.as_ref();
                    if let Some(l) = likely {
                        check_likely(l)?;
                    }
                    values.push(Value::from(likely.map(|l| l.from)));
                    values.push(Value::from(likely.map(|l| l.to)));
                    values.push(Value::from(likely.map(|l| l.level)));
                    values.push(Value::from(
                        likely.map(|l| l.confidence.as_str().to_owned()),
                    ));
                    values.push(Value::from(None::<String>));
                }
                Err(reason) => {
                    values.push(Value::from(PredictionStatus::Failed.as_str()));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<f64>));
                    values.push(Value::from(None::<String>));
                    values.push(Value::from(Some((*reason).to_owned())));
                }
            }
            if started.is_some() {
                values.push(Value::from(*attempts));
            }
        }
        // Unfinished rows have no result and no error yet, so writing NULL to the columns an
        // outcome does not use changes nothing, as the one-row UPDATE does.
        let sql = format!(
            "UPDATE \"predictions\" SET \"finished_at\" = $1, \"status\" = v.\"status\", \
             \"salary_from\" = v.\"salary_from\", \"salary_to\" = v.\"salary_to\", \
             \"currency\" = v.\"currency\", \"model_version\" = v.\"model_version\", \
             \"explanation\" = v.\"explanation\", \"likely_from\" = v.\"likely_from\", \
             \"likely_to\" = v.\"likely_to\", \"likely_level\" = v.\"likely_level\", \
             \"confidence\" = v.\"confidence\", \"error\" = v.\"error\"{attempts_set} \
             FROM (VALUES {}) AS v(\"id\", \"status\", \"salary_from\", \"salary_to\", \
             \"currency\", \"model_version\", \"explanation\", \"likely_from\", \
             \"likely_to\", \"likely_level\", \"confidence\", \"error\"{}) \
             WHERE \"predictions\".\"id\" = v.\"id\" \
             AND \"predictions\".\"status\" IN ('{}', '{}'){attempts_where}",
            rows.join(", "),
            if started.is_some() {
                ", \"attempts\""
            } else {
                ""
            },
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
            .map(|(id, _, _)| written.contains(&id.as_uuid()))
            .collect())
    }
}
