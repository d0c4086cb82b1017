//! [`LogStore`] over the `predictions` table. Every state change is one conditional `UPDATE`
//! guarded by `status IN ('queued', 'running')`, so racing workers cannot both win.

use async_trait::async_trait;
use payrange_domain::models::{
    Outcome, Page, PageRequest, Prediction, PredictionFilter, PredictionId, PredictionStatus,
    SalaryEstimate,
};
use payrange_domain::ports::{LogStore, StartOutcome, StoreError, UnstartedFinish};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Value};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, QueryTrait, UpdateMany,
};
use time::OffsetDateTime;

use crate::coalesce::shared;
use crate::convert::{
    check_likely, explanation_to_json, prediction_from_row, prediction_to_row, stored_time,
};
use crate::entity::prediction::{self, Column, Entity};
use crate::errors::{corrupt, db_err, map_db_err};
use crate::pool::Pool;
use crate::store::{SeaOrmStore, page_from_rows};

pub(crate) const UNFINISHED: [&str; 2] = [
    PredictionStatus::Queued.as_str(),
    PredictionStatus::Running.as_str(),
];

/// `UPDATE predictions SET ... WHERE id = ? AND status IN ('queued', 'running')`.
pub(crate) fn update_unfinished(id: PredictionId) -> UpdateMany<Entity> {
    Entity::update_many()
        .filter(Column::Id.eq(id.as_uuid()))
        .filter(Column::Status.is_in(UNFINISHED))
}

/// Sets what starting a prediction sets: running, one more attempt, `started_at`.
pub(crate) fn start_update(update: UpdateMany<Entity>, at: OffsetDateTime) -> UpdateMany<Entity> {
    update
        .col_expr(
            Column::Status,
            Expr::value(PredictionStatus::Running.as_str()),
        )
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::StartedAt, Expr::value(stored_time(at)))
}

/// The conditional `UPDATE` that finishes one prediction with `outcome`.
pub(crate) fn finish_update(
    id: PredictionId,
    outcome: Result<&SalaryEstimate, &str>,
    at: OffsetDateTime,
) -> Result<UpdateMany<Entity>, StoreError> {
    let update = update_unfinished(id).col_expr(Column::FinishedAt, Expr::value(stored_time(at)));
    Ok(match outcome {
        Ok(estimate) => {
            let likely = estimate.likely.as_ref();
            if let Some(l) = likely {
                check_likely(l)?;
            }
            update
                .col_expr(Column::Status, Expr::value(PredictionStatus::Done.as_str()))
                .col_expr(Column::SalaryFrom, Expr::value(estimate.salary_from))
                .col_expr(Column::SalaryTo, Expr::value(estimate.salary_to))
                .col_expr(Column::Currency, Expr::value(estimate.currency.as_str()))
                .col_expr(
                    Column::ModelVersion,
                    Expr::value(estimate.model_version.as_str()),
                )
                .col_expr(
                    Column::Explanation,
                    Expr::value(explanation_to_json(&estimate.explanation)?),
                )
                .col_expr(Column::LikelyFrom, Expr::value(likely.map(|l| l.from)))
                .col_expr(Column::LikelyTo, Expr::value(likely.map(|l| l.to)))
                .col_expr(Column::LikelyLevel, Expr::value(likely.map(|l| l.level)))
                .col_expr(
                    Column::Confidence,
                    Expr::value(likely.map(|l| l.confidence.as_str())),
                )
        }
        Err(reason) => update
            .col_expr(
                Column::Status,
                Expr::value(PredictionStatus::Failed.as_str()),
            )
            .col_expr(Column::Error, Expr::value(reason)),
    })
}

/// `f.attempts` as stored.
pub(crate) fn stored_attempts(f: &UnstartedFinish<'_>) -> Result<i32, StoreError> {
    i32::try_from(f.attempts)
        .map_err(|_| corrupt(format!("prediction {}: attempts out of range", f.id)))
}

/// The conditional `UPDATE` that finishes a prediction read but not started (see
/// [`LogStore::finish_unstarted`]): [`finish_update`], only while its `attempts` are still as
/// read, and recording the attempt (`attempts + 1`, `started_at`).
pub(crate) fn finish_unstarted_update(
    f: &UnstartedFinish<'_>,
    started: OffsetDateTime,
    at: OffsetDateTime,
) -> Result<UpdateMany<Entity>, StoreError> {
    Ok(finish_update(f.id, f.outcome, at)?
        .filter(Column::Attempts.eq(stored_attempts(f)?))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::StartedAt, Expr::value(stored_time(started))))
}

/// Inserts `rows` in one statement (one commit), each row's answer in order. If that fails
/// for a reason of its own rows (a duplicate id, a broken rule), nothing was written and each
/// row is inserted alone, so only the offending one fails. If the database became
/// unreachable, all fail: the insert may have committed before the answer was lost, and
/// running it again could report a row's own duplicate (see `pool`).
pub(crate) async fn insert_rows(
    writer: &Pool,
    rows: Vec<prediction::ActiveModel>,
) -> Vec<Result<(), StoreError>> {
    let insert_one = |row| async move {
        Entity::insert(row)
            .exec_without_returning(writer)
            .await
            .map(|_| ())
            .map_err(|e| map_db_err(e, "prediction"))
    };
    let count = rows.len();
    if count > 1 {
        // The rows are kept (cloned) in case they must be inserted one by one.
        let err = match Entity::insert_many(rows.clone())
            .exec_without_returning(writer)
            .await
        {
            Ok(_) => return (0..count).map(|_| Ok(())).collect(),
            Err(e) => map_db_err(e, "prediction"),
        };
        if matches!(err, StoreError::Unavailable(_)) {
            return (0..count).map(|_| Err(shared(&err))).collect();
        }
    }
    // One row, or a batch refused for one row's reason: each alone.
    let mut results = Vec::with_capacity(count);
    for row in rows {
        results.push(insert_one(row).await);
    }
    results
}

#[async_trait]
impl LogStore for SeaOrmStore {
    async fn insert_prediction(&self, p: &Prediction) -> Result<(), StoreError> {
        let row = prediction_to_row(p)?.into_active_model().reset_all();
        // Joined with the inserts of concurrent requests into one statement (see `coalesce`).
        self.prediction_inserts.call(row).await
    }

    async fn prediction(&self, id: PredictionId) -> Result<Option<Prediction>, StoreError> {
        Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(prediction_from_row)
            .transpose()
    }

    async fn list_predictions(
        &self,
        filter: &PredictionFilter,
        page: PageRequest,
    ) -> Result<Page<Prediction>, StoreError> {
        // One extra row tells whether an older page exists without a COUNT.
        let rows = Entity::find()
            .apply_if(filter.owner(), |q, owner| {
                q.filter(Column::Owner.eq(owner.as_uuid()))
            })
            .apply_if(filter.status(), |q, status| {
                q.filter(Column::Status.eq(status.as_str()))
            })
            .apply_if(filter.created_from(), |q, t| {
                q.filter(Column::CreatedAt.gte(stored_time(t)))
            })
            .apply_if(filter.created_before(), |q, t| {
                q.filter(Column::CreatedAt.lt(stored_time(t)))
            })
            .apply_if(filter.model_version(), |q, v| {
                q.filter(Column::ModelVersion.eq(v))
            })
            .apply_if(filter.outcome_only().then_some(()), |q, ()| {
                q.filter(Column::OutcomeRecordedAt.is_not_null())
            })
            .apply_if(page.after(), |q, cursor| {
                q.filter(Column::Id.lt(cursor.id()))
            })
            .order_by_desc(Column::Id)
            .limit(u64::from(page.limit()) + 1)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let rows = rows
            .into_iter()
            .map(prediction_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_from_rows(rows, page, |p| p.id.as_uuid()))
    }

    async fn set_outcome(
        &self,
        id: PredictionId,
        outcome: Option<&Outcome>,
    ) -> Result<bool, StoreError> {
        let result = Entity::update_many()
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::Status.eq(PredictionStatus::Done.as_str()))
            .col_expr(
                Column::OutcomeFrom,
                Expr::value(outcome.and_then(Outcome::salary_from)),
            )
            .col_expr(
                Column::OutcomeTo,
                Expr::value(outcome.and_then(Outcome::salary_to)),
            )
            .col_expr(
                Column::OutcomeCurrency,
                Expr::value(outcome.map(|o| o.currency().to_owned())),
            )
            .col_expr(
                Column::OutcomeKind,
                Expr::value(outcome.and_then(Outcome::kind).map(|k| k.as_str())),
            )
            .col_expr(
                Column::OutcomeRecordedAt,
                Expr::value(outcome.map(|o| stored_time(o.recorded_at()))),
            )
            .exec(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected > 0)
    }

    async fn start_prediction(
        &self,
        id: PredictionId,
        at: OffsetDateTime,
    ) -> Result<StartOutcome, StoreError> {
        let mut update = start_update(update_unfinished(id), at).into_query();
        // RETURNING (PostgreSQL, SQLite >= 3.35) hands back exactly the row this UPDATE
        // wrote, even if another worker changes it a moment later.
        update.returning_all();
        let returned = self.writer.query_one(&update).await.map_err(db_err)?;
        if let Some(row) = returned {
            let row = prediction::Model::from_query_result(&row, "").map_err(db_err)?;
            return Ok(StartOutcome::Started(prediction_from_row(row)?));
        }
        match self.prediction(id).await? {
            None => Ok(StartOutcome::Missing),
            Some(p) if p.status.is_final() => Ok(StartOutcome::AlreadyFinished(p)),
            // Only possible if the row appeared between the two statements.
            Some(_) => Err(corrupt(format!(
                "prediction {id} became unfinished while being started"
            ))),
        }
    }

    async fn finish_prediction(
        &self,
        id: PredictionId,
        outcome: Result<&SalaryEstimate, &str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.finish_one(finish_update(id, outcome, at)?).await
    }

    async fn predictions(
        &self,
        ids: &[PredictionId],
    ) -> Result<Vec<Option<Prediction>>, StoreError> {
        self.find_many(ids).await
    }

    async fn finish_unstarted(
        &self,
        finishes: &[UnstartedFinish<'_>],
        started: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        self.finish_unstarted_many(finishes, started, at).await
    }

    async fn start_predictions(
        &self,
        ids: &[PredictionId],
        at: OffsetDateTime,
    ) -> Result<Vec<StartOutcome>, StoreError> {
        self.start_many(ids, at).await
    }

    async fn finish_predictions(
        &self,
        finishes: &[(PredictionId, Result<&SalaryEstimate, &str>)],
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        self.finish_many(finishes, at).await
    }

    async fn unfinished_predictions(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Prediction>, StoreError> {
        let before = stored_time(before);
        let query = Entity::find().filter(Column::Status.is_in(UNFINISHED));
        let query = if self.db.get_database_backend() == DbBackend::Sqlite {
            // SQLite keeps timestamps as RFC 3339 text, whose variable-length fraction does
            // not sort as text; julianday() compares instants (to the millisecond).
            query
                .filter(Expr::cust_with_values(
                    "julianday(\"created_at\") < julianday(?)",
                    [Value::from(before)],
                ))
                .order_by(Expr::cust("julianday(\"created_at\")"), Order::Asc)
        } else {
            query
                .filter(Column::CreatedAt.lt(before))
                .order_by(Column::CreatedAt, Order::Asc)
        };
        query
            .order_by(Column::Id, Order::Asc)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(prediction_from_row)
            .collect()
    }
}
