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
    /// `forbidden`, `not_found`, `email_taken`, `payload_too_large`, `unsupported_media_type`,
    /// `validation_failed`, `too_many_requests`, `internal`, `service_unavailable`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Per-field problems (validation errors only).
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Vec<FieldError>>,
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

fn body(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
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
            code: "validation_failed".into(),
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
            "unauthorized",
            "sign in first: the token is missing, invalid, expired or revoked",
        ))
    }

    /// 404 `not_found`.
    #[must_use]
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(body("not_found", format!("{what} not found")))
    }

    /// 409 with a code.
    #[must_use]
    pub fn conflict(code: &str, message: &str) -> Self {
        Self::Conflict(body(code, message))
    }

    /// 401 `invalid_credentials`.
    #[must_use]
    pub fn invalid_credentials() -> Self {
        Self::Unauthorized(body("invalid_credentials", "email or password is wrong"))
    }

    /// 403 `forbidden`.
    #[must_use]
    pub fn forbidden(message: &str) -> Self {
        Self::Forbidden(body("forbidden", message))
    }

    /// 413 `payload_too_large`.
    #[must_use]
    pub fn payload_too_large(max: usize) -> Self {
        Self::PayloadTooLarge(body(
            "payload_too_large",
            format!("request body is larger than {max} bytes"),
        ))
    }

    /// 429 `too_many_requests` with `Retry-After`.
    #[must_use]
    pub fn too_many(what: &str, wait: std::time::Duration) -> Self {
        let secs = crate::limits::retry_after_secs(wait);
        Self::TooManyRequests(
            body(
                "too_many_requests",
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
                "service_unavailable",
                "the service is temporarily unavailable; retry shortly",
            ),
            2,
        )
    }

    /// 500, logging the cause.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %chain(cause), "internal error");
        Self::Internal(body("internal", "internal error"))
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
            "method_not_allowed",
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
            "unsupported_media_type",
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
        return ApiError::BadRequest(body("bad_request", format!("invalid JSON: {reason}")));
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
            "payload_too_large",
            "request body is larger than the limit",
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType(body("unsupported_media_type", "send application/json"))
        }
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(),
        s if s.is_client_error() => ApiError::BadRequest(body("bad_request", err.to_string())),
        _ => ApiError::internal(err),
    }
}
