//! `/predictions`: submit a vacancy, read one prediction, page through the history.

use std::time::Duration;

use payrange_domain::models::{PageRequest, PageRequestError, PredictionId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::auth::{Credentials, authenticate};
use super::dto::{PredictionDto, PredictionPage, VacancyDto};
use super::error::ApiError;
use super::markets::vacancy_of;
use super::{ApiTags, RequestId};
use crate::App;
use crate::completions::Watch;

/// Longest `wait` a client may ask for, in seconds.
pub const MAX_WAIT_SECS: u32 = 30;

/// Prediction endpoints.
pub struct PredictionsApi;

/// Submission accepted.
#[derive(ApiResponse)]
enum Submitted {
    /// Finished within `wait`: the result.
    #[oai(status = 200)]
    Done(Json<PredictionDto>),
    /// Accepted and queued (or still running after `wait`); poll `Location`.
    #[oai(status = 202)]
    Accepted(Json<PredictionDto>, #[oai(header = "Location")] String),
}

/// One prediction.
#[derive(ApiResponse)]
enum One {
    /// The prediction.
    #[oai(status = 200)]
    Ok(Json<PredictionDto>),
}

/// A history page.
#[derive(ApiResponse)]
enum History {
    /// Newest first.
    #[oai(status = 200)]
    Ok(Json<PredictionPage>),
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl PredictionsApi {
    /// Submit a vacancy for a salary-range prediction.
    ///
    /// The request is stored and queued; the answer is 202 with the queued prediction and its
    /// `Location`. With `wait=N` (1 to 30 seconds) the call waits up to N seconds and answers
    /// 200 with the finished prediction if it finishes in time (202 otherwise). 503 with
    /// `Retry-After` when the database or the job queue is unavailable (nothing is queued then);
    /// 429 with `Retry-After` once the user has submitted their quota (300 per minute by
    /// default).
    #[oai(
        path = "/predictions",
        method = "post",
        operation_id = "submitPrediction"
    )]
    async fn submit(
        &self,
        app: Data<&App>,
        request_id: Data<&RequestId>,
        req: &Request,
        auth: Credentials,
        body: Json<VacancyDto>,
        /// Seconds to wait for the result (0 to 30).
        #[oai(validator(minimum(value = "0"), maximum(value = "30")))]
        wait: Query<Option<u32>>,
    ) -> Result<Submitted, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let quota_key = me.user.id.to_string();
        if let Some(wait) = app.limits.submissions.blocked(&quota_key).await? {
            return Err(ApiError::too_many("predictions submitted", wait));
        }
        let vacancy = vacancy_of(&body)?;
        let wait = Duration::from_secs(u64::from(wait.0.unwrap_or(0).min(MAX_WAIT_SECS)));
        let mut watch = None;
        let submitted = app
            .predictions
            .submit_observed(me.user.id, vacancy, Some(request_id.0.0.clone()), |id| {
                if !wait.is_zero() {
                    watch = Some(app.completions.watch(id));
                }
            })
            .await?;
        app.limits.submissions.hit(&quota_key).await?;
        let latest = match watch {
            Some(watch) => wait_for(&app, me.user.id, submitted, &watch, wait).await?,
            None => submitted,
        };
        let dto = PredictionDto::from(&latest);
        if latest.status.is_final() {
            Ok(Submitted::Done(Json(dto)))
        } else {
            let location = format!("/api/v1/predictions/{}", latest.id);
            Ok(Submitted::Accepted(Json(dto), location))
        }
    }

    /// One of the caller's predictions. 404 for an unknown id and for another user's
    /// prediction alike.
    #[oai(
        path = "/predictions/:id",
        method = "get",
        operation_id = "getPrediction"
    )]
    async fn get(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Prediction id.
        id: Path<Uuid>,
    ) -> Result<One, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let p = app
            .predictions
            .get(me.user.id, PredictionId::from_uuid(id.0))
            .await?;
        Ok(One::Ok(Json(PredictionDto::from(&p))))
    }

    /// The caller's predictions, newest first, by keyset pagination; with `model_version`,
    /// only those that model version estimated. 422 `validation_failed` naming `limit`,
    /// `cursor` or `model_version`.
    #[oai(
        path = "/predictions",
        method = "get",
        operation_id = "listPredictions"
    )]
    async fn list(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Items per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// `next_cursor` of the previous page (32 lower-case hex digits).
        #[oai(validator(pattern = "^[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
        /// Only predictions whose result this model version gave (its `model_version`: 1 to
        /// 100 letters, digits and `._:+-`).
        #[oai(validator(min_length = 1, max_length = 100, pattern = "^[0-9A-Za-z._:+-]+$"))]
        model_version: Query<Option<String>>,
    ) -> Result<History, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let page = page_request(limit.0, cursor.0.as_deref())?;
        let page = app
            .predictions
            .history_of_version(me.user.id, model_version.0, page)
            .await?;
        Ok(History::Ok(Json(PredictionPage {
            items: page.items.iter().map(PredictionDto::from).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })))
    }
}

/// Parses the `limit` and `cursor` query parameters of a listing.
///
/// # Errors
/// 422 naming the parameter.
pub(super) fn page_request(
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<PageRequest, ApiError> {
    PageRequest::new(limit, cursor).map_err(|e| {
        let field = match e {
            PageRequestError::Limit => "limit",
            PageRequestError::Cursor(_) => "cursor",
        };
        ApiError::invalid(field, e.to_string())
    })
}

/// Waits until the prediction is final or `wait` has passed; returns its latest state.
///
/// The waiter was registered before the job was published, so a wake-up cannot be missed:
/// in-process workers hand the finished prediction over (no read at all); with PostgreSQL the
/// listener of finish notifications wakes it with the final state the notification carried
/// (no read either; one read when the row was too long for a notification). Without a complete
/// source of wake-ups (workers in other processes and no notifications) it re-reads the store
/// every [`App::completion_poll`]; with one, that re-read is only a safety net.
async fn wait_for(
    app: &App,
    owner: payrange_domain::models::UserId,
    submitted: payrange_domain::models::Prediction,
    watch: &Watch,
    wait: Duration,
) -> Result<payrange_domain::models::Prediction, ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let nap = deadline.min(tokio::time::Instant::now() + app.completion_poll);
        let _ = tokio::time::timeout_at(nap, watch.slot().woken()).await;
        if let Some(p) = watch.slot().take_finished(&submitted) {
            return Ok(p);
        }
        let p = app.predictions.get(owner, submitted.id).await?;
        if p.status.is_final() || tokio::time::Instant::now() >= deadline {
            return Ok(p);
        }
    }
}
