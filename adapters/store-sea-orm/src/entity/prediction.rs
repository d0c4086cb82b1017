//! The `predictions` table.

use sea_orm::entity::prelude::*;

/// One row of `predictions`. The result columns are all set when `status = 'done'`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "predictions")]
pub struct Model {
    /// UUIDv7 id; id order is creation order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who asked (foreign key to `users`).
    pub owner: Uuid,
    /// Vacancy title.
    pub name: String,
    /// Vacancy description.
    pub description: String,
    /// Vacancy area.
    pub area: Option<String>,
    /// Market whose model prices it: `ru` or `uk` (`ru` on rows from before markets).
    pub market: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Lower bound of the result.
    pub salary_from: Option<f64>,
    /// Upper bound of the result.
    pub salary_to: Option<f64>,
    /// Currency of the result.
    pub currency: Option<String>,
    /// Model version of the result.
    pub model_version: Option<String>,
    /// Explanation of the result, as JSON text.
    pub explanation: Option<String>,
    /// Lower end of the result's likely range (all four likely columns are set together,
    /// and only with a result; rows finished before they existed have none).
    pub likely_from: Option<f64>,
    /// Upper end of the likely range.
    pub likely_to: Option<f64>,
    /// Coverage level of the likely range, e.g. `0.8`.
    pub likely_level: Option<f64>,
    /// `high`, `medium` or `low`: the confidence label of the likely range.
    pub confidence: Option<String>,
    /// Failure reason.
    pub error: Option<String>,
    /// How many times a worker started it.
    pub attempts: i32,
    /// HTTP request id.
    pub request_id: Option<String>,
    /// Acceptance time.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last start time.
    pub started_at: Option<TimeDateTimeWithTimeZone>,
    /// Completion time.
    pub finished_at: Option<TimeDateTimeWithTimeZone>,
    /// Real lower bound recorded by the owner (the five outcome columns are set together,
    /// with at least one bound, and only on a done row).
    pub outcome_from: Option<f64>,
    /// Real upper bound.
    pub outcome_to: Option<f64>,
    /// Currency of the outcome (the result's).
    pub outcome_currency: Option<String>,
    /// `offered`, `published`, or NULL when the owner did not say.
    pub outcome_kind: Option<String>,
    /// When the outcome was recorded; set exactly when an outcome is.
    pub outcome_recorded_at: Option<TimeDateTimeWithTimeZone>,
}

/// No relations are navigated through sea-orm.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
