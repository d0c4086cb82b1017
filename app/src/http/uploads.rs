//! `/batches`: batch estimates. Many vacancies at once (a JSON list or a CSV file), each
//! valid row becoming an ordinary prediction through the same queue and quota as a single
//! one; the batch's progress; its results as CSV.

use payrange_domain::models::{BatchId, BatchItem, BatchProgress, PredictionStatus, UserId};
use payrange_domain::services::{GetBatchError, SubmitBatchError};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;
use uuid::Uuid;

use super::auth::{Credentials, authenticate};
use super::batch_input::{self, BatchItemsDto, BatchRejectionDto, Csv};
use super::dto::iso_currency;
use super::error::{ApiError, ErrorCode};
use super::export_csv::text_cell;
use super::predictions::page_request;
use super::{ApiTags, RequestId};
use crate::App;

/// Batch endpoints.
pub struct BatchesApi;

/// A batch and the states of its predictions.
#[derive(Debug, Object)]
pub struct BatchDto {
    /// Id.
    pub id: Uuid,
    /// When it was accepted.
    pub created_at: OffsetDateTime,
    /// Rows accepted, each a prediction.
    pub total: u32,
    /// Rows refused at submission.
    pub rejected: u32,
    /// Predictions waiting for a worker.
    pub queued: u32,
    /// Predictions being computed again.
    pub running: u32,
    /// Predictions finished with a range.
    pub succeeded: u32,
    /// Predictions finished without one.
    pub failed: u32,
    /// Whether every prediction of the batch is finished.
    pub done: bool,
}

impl From<&BatchProgress> for BatchDto {
    fn from(p: &BatchProgress) -> Self {
        Self {
            id: p.batch.id.as_uuid(),
            created_at: p.batch.created_at,
            total: p.batch.total,
            rejected: p.batch.rejected,
            queued: p.counts.queued,
            running: p.counts.running,
            succeeded: p.counts.done,
            failed: p.counts.failed,
            done: p.is_done(),
        }
    }
}

/// An accepted row.
#[derive(Debug, Object)]
pub struct BatchAcceptedDto {
    /// Its CSV line or 1-based item index.
    pub line: u32,
    /// The prediction made of it.
    pub prediction_id: Uuid,
}

/// A batch just submitted: the batch, the accepted rows and the refused ones.
#[derive(Debug, Object)]
pub struct BatchSubmittedDto {
    /// The batch.
    pub batch: BatchDto,
    /// Accepted rows, in order.
    pub accepted: Vec<BatchAcceptedDto>,
    /// Refused rows, in order.
    pub rejected: Vec<BatchRejectionDto>,
}

/// A page of batches.
#[derive(Debug, Object)]
pub struct BatchPage {
    /// Newest first.
    pub items: Vec<BatchDto>,
    /// Cursor of the next (older) page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// Batch accepted.
#[derive(ApiResponse)]
enum Submitted {
    /// Stored and queued; poll `Location`.
    #[oai(status = 201)]
    Created(Json<BatchSubmittedDto>, #[oai(header = "Location")] String),
}

/// One batch.
#[derive(ApiResponse)]
enum One {
    /// The batch.
    #[oai(status = 200)]
    Ok(Json<BatchDto>),
}

/// A page of batches.
#[derive(ApiResponse)]
enum List {
    /// Newest first.
    #[oai(status = 200)]
    Ok(Json<BatchPage>),
}

/// A batch's results.
#[derive(ApiResponse)]
enum Results {
    /// One line per accepted row, by line.
    #[oai(status = 200)]
    Ok(Csv, #[oai(header = "Content-Disposition")] String),
}

impl From<SubmitBatchError> for ApiError {
    fn from(e: SubmitBatchError) -> Self {
        match e {
            SubmitBatchError::Unavailable(c) => ApiError::unavailable(&*c),
            SubmitBatchError::Internal(c) => ApiError::internal(&*c),
        }
    }
}

impl From<GetBatchError> for ApiError {
    fn from(e: GetBatchError) -> Self {
        match e {
            GetBatchError::NotFound => ApiError::not_found("batch"),
            GetBatchError::Unavailable(c) => ApiError::unavailable(&*c),
            GetBatchError::Internal(c) => ApiError::internal(&*c),
        }
    }
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl BatchesApi {
    /// Submit up to 1,000 vacancies at once, as JSON `{"items": [...]}` (a CSV file goes to
    /// `POST /batches/csv`).
    ///
    /// Each row is validated with the rules of a single prediction; valid rows become
    /// predictions (queued like single ones, in the caller's history too), refused ones are
    /// listed in `rejected` with their line (the item's 1-based index), field and `code`
    /// (`validation_failed`), and do not stop the others. Rows count against the submission
    /// quota (300 per minute by default) one by one: rows past it are refused with
    /// `quota_exceeded` (submit them again later); when no row fits, the whole batch is
    /// refused with 429 and `Retry-After`, and nothing is stored.
    ///
    /// 201 with `Location` (the batch, to poll). 413 `too_many_rows` over 1,000 rows, or
    /// `payload_too_large` over the body limit (16 MiB by default); 422 `empty_batch` without
    /// rows, `validation_failed` for a malformed JSON body; 415 for another content type; 503
    /// when the database is unavailable. A row whose job the queue refuses is marked failed
    /// with a reason (shown in the results).
    #[oai(path = "/batches", method = "post", operation_id = "submitBatch")]
    async fn submit(
        &self,
        app: Data<&App>,
        request_id: Data<&RequestId>,
        req: &Request,
        auth: Credentials,
        body: Json<BatchItemsDto>,
    ) -> Result<Submitted, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let rows = batch_input::from_items(body.0.items)?;
        submit_rows(&app, &request_id, me.user.id, rows).await
    }

    /// Submit up to 1,000 vacancies at once as a CSV file (`text/csv`, UTF-8 with or without a
    /// BOM) whose first line names the columns: `name` (or `title`) and `description`,
    /// optionally `area` and `market` (`ru` or `uk`; chosen from the text when absent or
    /// blank); others are ignored. Quoted fields may span lines.
    ///
    /// As `POST /batches`, with each row's line being the CSV line it starts on (the header is
    /// line 1), and two more refusals: a row refused with `csv_malformed` (a line that is not
    /// valid CSV or UTF-8), and the whole file with 422 `csv_header` when its first line does
    /// not name `name` (or `title`) and `description`.
    #[oai(
        path = "/batches/csv",
        method = "post",
        operation_id = "submitBatchCsv"
    )]
    async fn submit_csv(
        &self,
        app: Data<&App>,
        request_id: Data<&RequestId>,
        req: &Request,
        auth: Credentials,
        body: Csv,
    ) -> Result<Submitted, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let rows = batch_input::from_csv(&body.0)?;
        submit_rows(&app, &request_id, me.user.id, rows).await
    }

    /// One of the caller's batches with the states of its predictions; `done` once all are
    /// finished. 404 for an unknown id and for another user's batch alike.
    #[oai(path = "/batches/:id", method = "get", operation_id = "getBatch")]
    async fn get(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Batch id.
        id: Path<Uuid>,
    ) -> Result<One, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let b = app
            .batches
            .get(me.user.id, BatchId::from_uuid(id.0))
            .await?;
        Ok(One::Ok(Json(BatchDto::from(&b))))
    }

    /// The caller's batches, newest first, by keyset pagination.
    #[oai(path = "/batches", method = "get", operation_id = "listBatches")]
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
    ) -> Result<List, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let page = page_request(limit.0, cursor.0.as_deref())?;
        let page = app.batches.list(me.user.id, page).await?;
        Ok(List::Ok(Json(BatchPage {
            items: page.items.iter().map(BatchDto::from).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })))
    }

    /// A batch's results as CSV (UTF-8, comma-separated, CRLF, a header line): one line per
    /// accepted row, by line, with `line`, `name`, `status` (`queued`, `running`, `done`,
    /// `failed`), `salary_from` and `salary_to` (whole currency units), `likely_from`,
    /// `likely_to`, `confidence`, `market` (`ru` or `uk`), `currency` (ISO 4217: `RUB` per
    /// month for `ru`, `GBP` per year for `uk`), `error` (why it failed) and
    /// `prediction_id`. Text cells starting with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return are prefixed with `'` so that spreadsheets do not run them as formulas. 404 for
    /// an unknown id and for another user's batch alike.
    #[oai(
        path = "/batches/:id/results.csv",
        method = "get",
        operation_id = "getBatchResults"
    )]
    async fn results(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Batch id.
        id: Path<Uuid>,
    ) -> Result<Results, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let (progress, items) = app
            .batches
            .results(me.user.id, BatchId::from_uuid(id.0))
            .await?;
        let disposition = format!(
            "attachment; filename=\"payrange-batch-{}.csv\"",
            progress.batch.id
        );
        Ok(Results::Ok(
            Csv(results_csv(&items).into_bytes()),
            disposition,
        ))
    }
}

/// The results CSV of `items`.
fn results_csv(items: &[BatchItem]) -> String {
    let mut out = String::from(
        "line,name,status,salary_from,salary_to,likely_from,likely_to,confidence,market,\
         currency,error,prediction_id\r\n",
    );
    let quote = text_cell;
    let whole = |x: f64| format!("{}", x.round());
    for item in items {
        let p = &item.prediction;
        let r = p
            .result
            .as_ref()
            .filter(|_| p.status == PredictionStatus::Done);
        let likely = r.and_then(|r| r.likely.as_ref());
        let cells = [
            item.line.to_string(),
            quote(p.vacancy.name()),
            p.status.as_str().to_owned(),
            r.map(|r| whole(r.salary_from)).unwrap_or_default(),
            r.map(|r| whole(r.salary_to)).unwrap_or_default(),
            likely.map(|l| whole(l.from)).unwrap_or_default(),
            likely.map(|l| whole(l.to)).unwrap_or_default(),
            likely
                .map(|l| l.confidence.as_str().to_owned())
                .unwrap_or_default(),
            p.vacancy.market().as_str().to_owned(),
            r.map(|r| iso_currency(&r.currency)).unwrap_or_default(),
            p.error.as_deref().map(quote).unwrap_or_default(),
            p.id.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Takes the quota for the valid rows, refuses those past it, and submits the rest as one
/// batch: what both upload operations do once their rows are read.
async fn submit_rows(
    app: &App,
    request_id: &RequestId,
    user: UserId,
    mut rows: batch_input::Rows,
) -> Result<Submitted, ApiError> {
    let wanted = rows.valid.len();
    let (allowed, wait) = app
        .limits
        .submissions
        .take_up_to(&user.to_string(), wanted)
        .await?;
    if let (0, Some(wait)) = (allowed, wait)
        && wanted > 0
    {
        return Err(ApiError::too_many("predictions submitted", wait));
    }
    for row in rows.valid.drain(allowed..) {
        rows.rejected.push(BatchRejectionDto {
            line: row.line,
            field: None,
            code: ErrorCode::QuotaExceeded.into(),
            message: "past the submission quota; submit this row again later".into(),
        });
    }
    rows.rejected.sort_by_key(|r| r.line);
    let rejected = u32::try_from(rows.rejected.len()).unwrap_or(u32::MAX);
    let submitted = app
        .batches
        .submit(user, rows.valid, rejected, Some(request_id.0.clone()))
        .await?;
    let location = format!("/api/v1/batches/{}", submitted.progress.batch.id);
    Ok(Submitted::Created(
        Json(BatchSubmittedDto {
            batch: BatchDto::from(&submitted.progress),
            accepted: submitted
                .items
                .iter()
                .map(|(line, id)| BatchAcceptedDto {
                    line: *line,
                    prediction_id: id.as_uuid(),
                })
                .collect(),
            rejected: rows.rejected,
        }),
        location,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(text_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text_cell("-1"), "'-1");
        assert_eq!(text_cell("Rust"), "Rust");
        assert_eq!(iso_currency("RUR"), "RUB");
        assert_eq!(iso_currency("EUR"), "EUR");
    }
}
