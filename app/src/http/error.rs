//! The one error body of the API, and the mapping of every failure to it.
//!
//! Every error response is `application/json` `{code, message, details?}` with a stable `code`.
//! Errors raised by poem / poem-openapi before a handler runs (malformed JSON, wrong content
//! type, bad parameters, missing credentials, unknown routes) are rewritten into the same body
//! by [`normalize`]. A 5xx is logged with its whole chain and tells the client nothing internal.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

/// One failing field of a request.
#[derive(Clone, Debug, Object)]
pub struct FieldError {
    /// The field (JSON property or query parameter), e.g. `password`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The error body of every error response.
#[derive(Clone, Debug, Object)]
pub struct ErrorBody {
    /// Stable machine-readable code: `bad_request`, `unauthorized`, `invalid_credentials`,
    /// `forbidden`, `not_found`, `method_not_allowed`, `email_taken`, `cannot_disable_self`,
    /// `prediction_not_done`, `model_exists`, `model_refused`, `model_unservable`,
    /// `nothing_to_roll_back`,
    /// `payload_too_large`, `too_many_rows`, `unsupported_media_type`,
    /// `validation_failed`, `unpredictable`, `empty_batch`, `csv_header`, `model_invalid`,
    /// `too_many_requests`,
    /// `internal`, `service_unavailable`. (A refused batch row carries `validation_failed`,
    /// `csv_malformed` or `quota_exceeded`.)
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Per-field problems (validation errors only).
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Vec<FieldError>>,
}

/// Every `code` the API answers with: in an [`ErrorBody`], or on a refused batch row. The list
/// in [`ErrorBody::code`]'s documentation (and so in the OpenAPI document) is checked against
/// it by a test, so that the two cannot drift apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: malformed request (e.g. invalid JSON).
    BadRequest,
    /// 401: missing, invalid, expired or revoked credentials.
    Unauthorized,
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such resource, or another user's.
    NotFound,
    /// 405: the route does not accept the method.
    MethodNotAllowed,
    /// 409: an account with this email exists.
    EmailTaken,
    /// 409: administrators cannot disable their own account.
    CannotDisableSelf,
    /// 409: an outcome for a prediction that is not done (queued, running or failed).
    PredictionNotDone,
    /// 409: a model of this version is stored already.
    ModelExists,
    /// 409: an uploaded model worse than the active one, or without a held-back sample to
    /// judge it by, uploaded without `force`.
    ModelRefused,
    /// 409: an activation of a stored model this process cannot serve (say, a file of a
    /// newer format during a rolling upgrade); nothing is recorded.
    ModelUnservable,
    /// 409: a rollback of a market that serves its bundled model.
    NothingToRollBack,
    /// 413: body over the limit.
    PayloadTooLarge,
    /// 413: a batch of more than 1,000 rows.
    TooManyRows,
    /// 415: a content type the operation does not take.
    UnsupportedMediaType,
    /// 422 (or a refused batch row): a field breaks its rules.
    ValidationFailed,
    /// 422: a valid vacancy the model gives no sensible range for.
    Unpredictable,
    /// 422: a batch without rows.
    EmptyBatch,
    /// 422: a CSV whose first line does not name the columns.
    CsvHeader,
    /// A refused batch row (or 422 for the whole file): not valid CSV or UTF-8.
    CsvMalformed,
    /// 422: an uploaded file that is not a usable model (format, checksum, market).
    ModelInvalid,
    /// A refused batch row: past the submission quota.
    QuotaExceeded,
    /// 429: a limit was reached; retry after `Retry-After`.
    TooManyRequests,
    /// 500: unexpected; nothing internal is disclosed.
    Internal,
    /// 503: the database or the job queue is unavailable.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [Self; 26] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::EmailTaken,
        Self::CannotDisableSelf,
        Self::PredictionNotDone,
        Self::ModelExists,
        Self::ModelRefused,
        Self::ModelUnservable,
        Self::NothingToRollBack,
        Self::PayloadTooLarge,
        Self::TooManyRows,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::Unpredictable,
        Self::EmptyBatch,
        Self::CsvHeader,
        Self::CsvMalformed,
        Self::ModelInvalid,
        Self::QuotaExceeded,
        Self::TooManyRequests,
        Self::Internal,
        Self::ServiceUnavailable,
    ];

    /// The code as clients see it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::CannotDisableSelf => "cannot_disable_self",
            Self::PredictionNotDone => "prediction_not_done",
            Self::ModelExists => "model_exists",
            Self::ModelRefused => "model_refused",
            Self::ModelUnservable => "model_unservable",
            Self::NothingToRollBack => "nothing_to_roll_back",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRows => "too_many_rows",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationFailed => "validation_failed",
            Self::Unpredictable => "unpredictable",
            Self::EmptyBatch => "empty_batch",
            Self::CsvHeader => "csv_header",
            Self::CsvMalformed => "csv_malformed",
            Self::ModelInvalid => "model_invalid",
            Self::QuotaExceeded => "quota_exceeded",
            Self::TooManyRequests => "too_many_requests",
            Self::Internal => "internal",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> Self {
        code.as_str().to_owned()
    }
}

/// Every error the API answers with.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// Malformed request: invalid JSON (the message gives line and column).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing, invalid, expired or revoked credentials (`unauthorized`), or a wrong email or
    /// password at sign-in (`invalid_credentials`).
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Authenticated but not allowed (e.g. a cross-site request with the session cookie).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource, or it belongs to another user.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Conflict with existing data (`email_taken`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Body larger than the configured limit.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// Body is not `application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// Well-formed but invalid: `details` names each failing field.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many attempts; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u32),
    /// Unexpected server error; nothing internal is disclosed.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// A dependency (database, job queue) is unavailable; retry after `Retry-After` seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u32),
}

/// An error body without field details.
pub fn body(code: ErrorCode, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code: code.into(),
        message: message.into(),
        details: None,
    })
}

impl ApiError {
    /// 422 naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Unprocessable(Json(ErrorBody {
            code: ErrorCode::ValidationFailed.into(),
            message: format!("{field}: {message}"),
            details: Some(vec![FieldError {
                field: field.into(),
                message,
            }]),
        }))
    }

    /// 401 `unauthorized`.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::Unauthorized(body(
            ErrorCode::Unauthorized,
            "sign in first: the token is missing, invalid, expired or revoked",
        ))
    }

    /// 404 `not_found`.
    #[must_use]
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(body(ErrorCode::NotFound, format!("{what} not found")))
    }

    /// 409 with a code.
    #[must_use]
    pub fn conflict(code: ErrorCode, message: &str) -> Self {
        Self::Conflict(body(code, message))
    }

    /// 401 `invalid_credentials`.
    #[must_use]
    pub fn invalid_credentials() -> Self {
        Self::Unauthorized(body(
            ErrorCode::InvalidCredentials,
            "email or password is wrong",
        ))
    }

    /// 403 `forbidden`.
    #[must_use]
    pub fn forbidden(message: &str) -> Self {
        Self::Forbidden(body(ErrorCode::Forbidden, message))
    }

    /// 413 `payload_too_large`.
    #[must_use]
    pub fn payload_too_large(max: usize) -> Self {
        Self::PayloadTooLarge(body(
            ErrorCode::PayloadTooLarge,
            format!("request body is larger than {max} bytes"),
        ))
    }

    /// 429 `too_many_requests` with `Retry-After`.
    #[must_use]
    pub fn too_many(what: &str, wait: std::time::Duration) -> Self {
        let secs = crate::limits::retry_after_secs(wait);
        Self::TooManyRequests(
            body(
                ErrorCode::TooManyRequests,
                format!("too many {what}; retry in {secs} seconds"),
            ),
            secs,
        )
    }

    /// 503, logging the cause.
    pub fn unavailable(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::warn!(error = %chain(cause), "dependency unavailable");
        Self::Unavailable(
            body(
                ErrorCode::ServiceUnavailable,
                "the service is temporarily unavailable; retry shortly",
            ),
            2,
        )
    }

    /// 500, logging the cause.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %chain(cause), "internal error");
        Self::Internal(body(ErrorCode::Internal, "internal error"))
    }
}

/// `error: cause: cause ...`, for logs.
#[must_use]
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Rewrites an error raised outside the handlers into the JSON error body.
pub fn normalize(err: poem::Error) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    // Responses carried as errors (e.g. the static files' 304 Not Modified) pass unchanged.
    if err.is_from_response() || err.status().as_u16() < 400 {
        return err.into_response();
    }
    if err.status() == StatusCode::METHOD_NOT_ALLOWED {
        // Not a variant of ApiError: no operation documents answering it.
        let b = body(
            ErrorCode::MethodNotAllowed,
            "this route does not accept that method",
        );
        return b
            .into_response()
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response();
    }
    let api = if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        payload_error(&e.reason)
    } else if let Some(e) = err.downcast_ref::<ParseParamError>() {
        ApiError::invalid(e.name, e.reason.clone())
    } else if err.is::<ParsePathError>() {
        ApiError::not_found("resource")
    } else if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        ApiError::UnsupportedMediaType(body(
            ErrorCode::UnsupportedMediaType,
            format!("{e}; send application/json"),
        ))
    } else if err.is::<AuthorizationError>() {
        ApiError::unauthorized()
    } else {
        by_status(&err)
    };
    api.into_response()
}

fn payload_error(reason: &str) -> ApiError {
    // serde_json reports syntax errors (and invalid UTF-8) with a position, "... at line L
    // column C": a 400. Anything else is poem-openapi finding well-formed JSON of the wrong
    // shape (missing or mistyped field, unknown field): a 422.
    if reason.contains(" at line ") && reason.contains(" column ") {
        return ApiError::BadRequest(body(
            ErrorCode::BadRequest,
            format!("invalid JSON: {reason}"),
        ));
    }
    // poem-openapi names the Rust types it was parsing, before the message ("failed to parse
    // \"VacancyDto\": ...") and after it ("... (occurred while parsing \"VacancyDto\")"):
    // names that mean nothing to a client.
    let (reason, within) = match reason.rsplit_once(" (occurred while parsing \"") {
        Some((message, ty)) if ty.ends_with("\")") => (message, true),
        _ => (reason, false),
    };
    if !within && reason.starts_with("Expected input type \"") {
        // The body itself is of the wrong type; every request body is an object.
        return ApiError::invalid("body", "body must be a JSON object");
    }
    let reason = reason
        .strip_prefix("failed to parse \"")
        .and_then(|rest| rest.split_once("\": "))
        .map_or(reason, |(_, message)| message);
    // "field `x` is required" / "... must be ..." (app/src/http/fields.rs), "field `x`
    // verification failed. ..." (poem-openapi's validators): said as "x is required", in the
    // style of the domain's messages. "unknown field `x`." stays as it is.
    if let Some((name, rest)) = reason
        .strip_prefix("field `")
        .and_then(|rest| rest.split_once("` "))
    {
        return ApiError::invalid(name, format!("{name} {rest}"));
    }
    let field = reason
        .split_once("unknown field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or("body", |(name, _)| name);
    ApiError::invalid(field, reason.to_owned())
}

fn by_status(err: &poem::Error) -> ApiError {
    match err.status() {
        StatusCode::NOT_FOUND => ApiError::not_found("route"),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(body(
            ErrorCode::PayloadTooLarge,
            "request body is larger than the limit",
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(body(
            ErrorCode::UnsupportedMediaType,
            "send application/json",
        )),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(),
        s if s.is_client_error() => {
            ApiError::BadRequest(body(ErrorCode::BadRequest, err.to_string()))
        }
        _ => ApiError::internal(err),
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// The documentation of `ErrorBody::code` (which the OpenAPI document shows) names every
    /// code, and nothing that is not one.
    #[test]
    fn the_documented_codes_are_exactly_the_error_codes() {
        let source = include_str!("error.rs");
        let start = source
            .find("    /// Stable machine-readable code:")
            .expect("the doc of ErrorBody::code");
        let end = start + source[start..].find("pub code: String").expect("its field");
        let documented: std::collections::BTreeSet<&str> =
            source[start..end].split('`').skip(1).step_by(2).collect();
        let codes: std::collections::BTreeSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(documented, codes);
    }
}
