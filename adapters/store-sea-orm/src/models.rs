//! [`ModelStore`] for [`SeaOrmStore`]: model files in `models`, activations in
//! `model_activations` (migration `000007`). Raw statements, the same text on both databases
//! (`$n` parameters, `RETURNING`, which SQLite has since 3.35). A model's check and
//! description are one JSON column: they are read back whole and never queried.

use async_trait::async_trait;
use payrange_domain::models::{
    BoundMetrics, HeldBackScore, IntervalQuality, Market, ModelActivation, ModelCheck, ModelInfo,
    StoredModel, UserId,
};
use payrange_domain::ports::{ModelStore, StoreError};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use serde_json::{Value as Json, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::errors::{corrupt, db_err, map_db_err};

const MODEL_COLUMNS: &str = "version, market, currency, trained_at, training_rows, sha256, \
     size_bytes, uploaded_at_us, uploaded_by, forced, check_json";

const ACTIVATION_COLUMNS: &str =
    "market, version, activated_at_us, activated_by, rolled_back_at_us";

/// How often [`ModelStore::pop_activation`] tries again when another rollback took the
/// activation it meant to roll back.
const POP_TRIES: usize = 5;

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn time_of(us: i64, what: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(format!("{what} {us}: {e}")))
}

fn market_of(s: &str) -> Result<Market, StoreError> {
    Market::parse(s).map_err(|e| corrupt(format!("stored market: {e}")))
}

fn uuid_value(id: Option<UserId>) -> Value {
    Value::Uuid(id.map(|id| id.as_uuid()))
}

fn bound_json(b: &BoundMetrics) -> Json {
    json!({"mae": b.mae, "mape": b.mape, "r2": b.r2})
}

fn score_json(s: &HeldBackScore) -> Json {
    json!({"rows": s.rows, "mae_from": s.mae_from, "mae_to": s.mae_to})
}

/// The check as stored: the held-back scores and the model's description.
fn check_json(c: &ModelCheck) -> String {
    let i = &c.info;
    json!({
        "candidate": score_json(&c.candidate),
        "active_version": c.active_version,
        "active": score_json(&c.active),
        "info": {
            "data_file": i.data_file,
            "data_sha256": i.data_sha256,
            "salary_from": bound_json(&i.salary_from),
            "salary_to": bound_json(&i.salary_to),
            "coverage": i.coverage,
            "likely": i.likely.as_ref().map(|l| json!({
                "level": l.level, "coverage": l.coverage, "mean_width": l.mean_width,
            })),
        },
    })
    .to_string()
}

/// Reads what [`check_json`] wrote. Missing numbers read as zero or `None`: the column is
/// ours, so a gap means a bug, and the listing still shows the rest.
fn parse_check(
    text: &str,
    info: ModelInfo,
    sha256: &str,
    size: u64,
) -> Result<ModelCheck, StoreError> {
    let v: Json = serde_json::from_str(text).map_err(|e| corrupt(format!("model check: {e}")))?;
    let f = |v: &Json| v.as_f64().unwrap_or_default();
    let score = |v: &Json| HeldBackScore {
        rows: u32::try_from(v["rows"].as_u64().unwrap_or_default()).unwrap_or(u32::MAX),
        mae_from: v["mae_from"].as_f64(),
        mae_to: v["mae_to"].as_f64(),
    };
    let bound = |v: &Json| BoundMetrics {
        mae: f(&v["mae"]),
        mape: f(&v["mape"]),
        r2: f(&v["r2"]),
    };
    let d = &v["info"];
    let info = ModelInfo {
        data_file: d["data_file"].as_str().unwrap_or_default().to_owned(),
        data_sha256: d["data_sha256"].as_str().unwrap_or_default().to_owned(),
        salary_from: bound(&d["salary_from"]),
        salary_to: bound(&d["salary_to"]),
        coverage: f(&d["coverage"]),
        likely: d["likely"].as_object().map(|l| IntervalQuality {
            level: l.get("level").map(f).unwrap_or_default(),
            coverage: l.get("coverage").map(f).unwrap_or_default(),
            mean_width: l.get("mean_width").map(f).unwrap_or_default(),
        }),
        ..info
    };
    Ok(ModelCheck {
        info,
        sha256: sha256.to_owned(),
        size_bytes: size,
        candidate: score(&v["candidate"]),
        active_version: v["active_version"].as_str().unwrap_or_default().to_owned(),
        active: score(&v["active"]),
    })
}

fn stored_model(row: &QueryResult) -> Result<StoredModel, StoreError> {
    let text = |c: &str| -> Result<String, StoreError> { row.try_get("", c).map_err(db_err) };
    let big = |c: &str| -> Result<i64, StoreError> { row.try_get("", c).map_err(db_err) };
    let uploaded_by: Option<Uuid> = row.try_get("", "uploaded_by").map_err(db_err)?;
    let forced: bool = row.try_get("", "forced").map_err(db_err)?;
    let info = ModelInfo {
        market: market_of(&text("market")?)?,
        version: text("version")?,
        trained_at: text("trained_at")?,
        currency: text("currency")?,
        training_rows: u64::try_from(big("training_rows")?).unwrap_or_default(),
        ..ModelInfo::default()
    };
    let size_bytes = u64::try_from(big("size_bytes")?).unwrap_or_default();
    Ok(StoredModel {
        check: parse_check(&text("check_json")?, info, &text("sha256")?, size_bytes)?,
        uploaded_at: time_of(big("uploaded_at_us")?, "model upload time")?,
        uploaded_by: uploaded_by.map(UserId::from_uuid),
        forced,
    })
}

fn activation(row: &QueryResult) -> Result<ModelActivation, StoreError> {
    let market: String = row.try_get("", "market").map_err(db_err)?;
    let version: String = row.try_get("", "version").map_err(db_err)?;
    let at: i64 = row.try_get("", "activated_at_us").map_err(db_err)?;
    let by: Option<Uuid> = row.try_get("", "activated_by").map_err(db_err)?;
    let back: Option<i64> = row.try_get("", "rolled_back_at_us").map_err(db_err)?;
    Ok(ModelActivation {
        market: market_of(&market)?,
        version,
        activated_at: time_of(at, "activation time")?,
        activated_by: by.map(UserId::from_uuid),
        rolled_back_at: back.map(|us| time_of(us, "rollback time")).transpose()?,
    })
}

impl SeaOrmStore {
    fn model_statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.writer.get_database_backend(), sql, values)
    }
}

#[async_trait]
impl ModelStore for SeaOrmStore {
    async fn insert_model(&self, model: &StoredModel, bytes: &[u8]) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO models ({MODEL_COLUMNS}, bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        let (c, i) = (&model.check, &model.check.info);
        let values = vec![
            i.version.clone().into(),
            i.market.as_str().into(),
            i.currency.clone().into(),
            i.trained_at.clone().into(),
            i64::try_from(i.training_rows).unwrap_or(i64::MAX).into(),
            c.sha256.clone().into(),
            i64::try_from(c.size_bytes).unwrap_or(i64::MAX).into(),
            micros(model.uploaded_at).into(),
            uuid_value(model.uploaded_by),
            model.forced.into(),
            check_json(&model.check).into(),
            bytes.to_vec().into(),
        ];
        self.writer
            .execute_raw(self.model_statement(&sql, values))
            .await
            .map_err(|e| map_db_err(e, "model"))?;
        Ok(())
    }

    async fn stored_models(&self) -> Result<Vec<StoredModel>, StoreError> {
        let sql =
            format!("SELECT {MODEL_COLUMNS} FROM models ORDER BY uploaded_at_us DESC, version");
        self.db
            .query_all_raw(self.model_statement(&sql, vec![]))
            .await
            .map_err(db_err)?
            .iter()
            .map(stored_model)
            .collect()
    }

    async fn model_bytes(&self, version: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.model_statement(
                "SELECT bytes FROM models WHERE version = $1",
                vec![version.into()],
            ))
            .await
            .map_err(db_err)?;
        row.map(|r| r.try_get::<Vec<u8>>("", "bytes").map_err(db_err))
            .transpose()
    }

    async fn push_activation(&self, a: &ModelActivation) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO model_activations ({ACTIVATION_COLUMNS}) VALUES ($1, $2, $3, $4, NULL)"
        );
        let values = vec![
            a.market.as_str().into(),
            a.version.clone().into(),
            micros(a.activated_at).into(),
            uuid_value(a.activated_by),
        ];
        self.writer
            .execute_raw(self.model_statement(&sql, values))
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn pop_activation(
        &self,
        market: Market,
        at: OffsetDateTime,
    ) -> Result<Option<ModelActivation>, StoreError> {
        // The `rolled_back_at_us IS NULL` outside the sub-select makes a rollback that lost
        // the race for that row (PostgreSQL re-checks it after the lock) change nothing; it
        // then tries again for the next standing one.
        let sql = format!(
            "UPDATE model_activations SET rolled_back_at_us = $1 \
             WHERE rolled_back_at_us IS NULL AND id = (\
               SELECT MAX(id) FROM model_activations \
               WHERE market = $2 AND rolled_back_at_us IS NULL) \
             RETURNING {ACTIVATION_COLUMNS}"
        );
        for _ in 0..POP_TRIES {
            let values = vec![micros(at).into(), market.as_str().into()];
            let row = self
                .writer
                .query_one_raw(self.model_statement(&sql, values))
                .await
                .map_err(db_err)?;
            if let Some(row) = row {
                return activation(&row).map(Some);
            }
            let standing = self.standing_activations().await?;
            if !standing.iter().any(|a| a.market == market) {
                return Ok(None);
            }
        }
        Err(corrupt(format!(
            "could not roll back market {market} in {POP_TRIES} tries"
        )))
    }

    async fn standing_activations(&self) -> Result<Vec<ModelActivation>, StoreError> {
        let sql = format!(
            "SELECT {ACTIVATION_COLUMNS} FROM model_activations WHERE id IN (\
               SELECT MAX(id) FROM model_activations WHERE rolled_back_at_us IS NULL \
               GROUP BY market)"
        );
        let mut out = self
            .db
            .query_all_raw(self.model_statement(&sql, vec![]))
            .await
            .map_err(db_err)?
            .iter()
            .map(activation)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|a| a.market);
        Ok(out)
    }

    async fn activations(
        &self,
        market: Market,
        limit: u32,
    ) -> Result<Vec<ModelActivation>, StoreError> {
        let sql = format!(
            "SELECT {ACTIVATION_COLUMNS} FROM model_activations WHERE market = $1 \
             ORDER BY id DESC LIMIT $2"
        );
        self.db
            .query_all_raw(
                self.model_statement(&sql, vec![market.as_str().into(), i64::from(limit).into()]),
            )
            .await
            .map_err(db_err)?
            .iter()
            .map(activation)
            .collect()
    }
}
