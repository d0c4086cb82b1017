//! Real outcomes: `PUT`/`DELETE /predictions/{id}/outcome`, where a user records the salary
//! actually offered or published for one of their estimates; and the bodies of
//! `GET /admin/accuracy` (in `admin.rs`), how each model version's estimates compare with
//! those outcomes.

use payrange_domain::models::{Outcome, OutcomeKind, PredictionId, VersionAccuracy};
use payrange_domain::services::OutcomeInput;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ApiTags;
use super::auth::{Credentials, authenticate};
use super::dto::iso_currency;
use super::error::ApiError;
use super::fields;
use super::text::Text;
use crate::App;

/// Outcome endpoints.
pub struct OutcomesApi;

/// What the real salary was: at least one bound.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// Real lower bound, in the estimate's currency and period (e.g. RUB per month): a
    /// positive number up to 100,000,000, not above `salary_to`. Null or absent when unknown.
    #[oai(nullable, deserialize_with = "fields::salary_from")]
    pub salary_from: Option<f64>,
    /// Real upper bound; null or absent when unknown. At least one bound is required.
    #[oai(nullable, deserialize_with = "fields::salary_to")]
    pub salary_to: Option<f64>,
    /// ISO 4217 code; must be the estimate's (`RUB` for the bundled model). Absent or null:
    /// the estimate's.
    #[oai(nullable, deserialize_with = "fields::currency")]
    pub currency: Option<Text>,
    /// `offered` (a job offer to the user) or `published` (by the employer); optional.
    #[oai(nullable, deserialize_with = "fields::outcome_kind")]
    pub kind: Option<Text>,
}

/// A recorded real salary.
#[derive(Clone, Debug, Object)]
pub struct OutcomeDto {
    /// Real lower bound, or null when unknown.
    #[oai(nullable)]
    pub salary_from: Option<f64>,
    /// Real upper bound, or null when unknown.
    #[oai(nullable)]
    pub salary_to: Option<f64>,
    /// ISO 4217 currency, the estimate's.
    pub currency: String,
    /// `offered`, `published`, or null when not said.
    #[oai(nullable)]
    pub kind: Option<String>,
    /// When it was recorded.
    pub recorded_at: OffsetDateTime,
}

impl From<&Outcome> for OutcomeDto {
    fn from(o: &Outcome) -> Self {
        Self {
            salary_from: o.salary_from(),
            salary_to: o.salary_to(),
            currency: iso_currency(o.currency()),
            kind: o.kind().map(|k| k.as_str().to_owned()),
            recorded_at: o.recorded_at(),
        }
    }
}

/// How one model version did against the outcomes recorded for its estimates.
#[derive(Debug, Object)]
pub struct VersionAccuracyDto {
    /// The model version.
    pub model_version: String,
    /// Outcomes recorded for its estimates.
    pub outcomes: u64,
    /// Outcomes with a real lower bound.
    pub salary_from_count: u64,
    /// Mean absolute error of the estimated lower bound over those, whole currency units;
    /// null when there are none.
    #[oai(nullable)]
    pub salary_from_mae: Option<f64>,
    /// Outcomes with a real upper bound.
    pub salary_to_count: u64,
    /// Mean absolute error of the estimated upper bound over those; null when none.
    #[oai(nullable)]
    pub salary_to_mae: Option<f64>,
    /// Outcomes with both bounds whose estimate had a likely range.
    pub likely_count: u64,
    /// Share (0 to 1) of those whose real midpoint, `(salary_from + salary_to) / 2`, fell
    /// inside the likely range; null when there are none.
    #[oai(nullable)]
    pub inside_likely: Option<f64>,
}

impl From<&VersionAccuracy> for VersionAccuracyDto {
    fn from(a: &VersionAccuracy) -> Self {
        Self {
            model_version: a.model_version.clone(),
            outcomes: a.outcomes,
            salary_from_count: a.from_count,
            salary_from_mae: a.mae_from.map(f64::round),
            salary_to_count: a.to_count,
            salary_to_mae: a.mae_to.map(f64::round),
            likely_count: a.likely_count,
            inside_likely: a.inside_likely,
        }
    }
}

/// Per model version, the accuracy against real outcomes.
#[derive(Debug, Object)]
pub struct AccuracyDto {
    /// One item per model version with at least one outcome, sorted by version.
    pub items: Vec<VersionAccuracyDto>,
}

/// An outcome recorded.
#[derive(ApiResponse)]
enum Recorded {
    /// The outcome as stored now.
    #[oai(status = 200)]
    Ok(Json<OutcomeDto>),
}

/// An outcome cleared.
#[derive(ApiResponse)]
enum Cleared {
    /// Cleared (or there was none).
    #[oai(status = 204)]
    NoContent,
}

/// The kind of an outcome named in the request field `kind`, if any: blank means not said.
///
/// # Errors
/// 422 naming `kind` when it is neither `offered` nor `published` (in any case).
pub(super) fn outcome_kind(raw: Option<&str>) -> Result<Option<OutcomeKind>, ApiError> {
    raw.map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            OutcomeKind::parse(&k.to_lowercase())
                .ok_or_else(|| ApiError::invalid("kind", "must be `offered` or `published`"))
        })
        .transpose()
}

/// The estimate's currency as the model stores it: clients see the rouble as `RUB`, the
/// bundled model's data say `RUR` (see `dto::iso_currency`).
fn model_currency(code: &str) -> String {
    let code = code.trim().to_uppercase();
    if code == "RUB" { "RUR".into() } else { code }
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl OutcomesApi {
    /// Record the real salary of one of the caller's finished predictions: what was actually
    /// offered or published. Recording again replaces it. Outcomes feed the per-version
    /// accuracy of the admin console and `payrange export-training-data`.
    ///
    /// 200 with the stored outcome; 404 `not_found` for an unknown id and for another
    /// user's prediction alike; 409 `prediction_not_done` while it is queued or running, or
    /// when it failed; 422 `validation_failed` naming `salary_from` (neither bound given, or
    /// above `salary_to`), `salary_to`, `currency` (not the estimate's) or `kind`.
    #[oai(
        path = "/predictions/:id/outcome",
        method = "put",
        operation_id = "recordOutcome"
    )]
    async fn record(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Prediction id.
        id: Path<Uuid>,
        body: Json<OutcomeRequest>,
    ) -> Result<Recorded, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let kind = outcome_kind(body.kind.as_deref())?;
        let input = OutcomeInput {
            salary_from: body.salary_from,
            salary_to: body.salary_to,
            currency: body
                .currency
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(model_currency),
            kind,
        };
        let outcome = app
            .outcomes
            .record(me.user.id, PredictionId::from_uuid(id.0), input)
            .await?;
        Ok(Recorded::Ok(Json(OutcomeDto::from(&outcome))))
    }

    /// Clear the real salary recorded for one of the caller's finished predictions. 204 (also
    /// when none was recorded); 404 `not_found` for an unknown id and another user's
    /// prediction alike; 409 `prediction_not_done` unless it is done.
    #[oai(
        path = "/predictions/:id/outcome",
        method = "delete",
        operation_id = "clearOutcome"
    )]
    async fn clear(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Prediction id.
        id: Path<Uuid>,
    ) -> Result<Cleared, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        app.outcomes
            .clear(me.user.id, PredictionId::from_uuid(id.0))
            .await?;
        Ok(Cleared::NoContent)
    }
}
