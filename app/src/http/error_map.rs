//! Each use case's error mapped to the API's error, in one place: the status and the `code`
//! a client sees for every failure of every operation.

use payrange_domain::models::OutcomeError;
use payrange_domain::ports::StoreError;
use payrange_domain::services::EstimateError;
use payrange_domain::services::{
    AdminError, AuthError, ChangePasswordError, DeleteAccountError, GetPredictionError,
    HistoryError, ModelUseError, OutcomeUseError, RegisterError, SignInError, SubmitError,
};

use super::dto::iso_currency;
use super::error::{ApiError, ErrorCode, body};

/// `Unavailable` is a 503 with `Retry-After` and `Internal` a 500; both log their cause.
macro_rules! transient_or_internal {
    ($err:ident { $($variant:pat => $api:expr),* $(,)? }) => {
        impl From<$err> for ApiError {
            fn from(e: $err) -> Self {
                match e {
                    $($variant => $api,)*
                    $err::Unavailable(c) => ApiError::unavailable(&*c),
                    $err::Internal(c) => ApiError::internal(&*c),
                }
            }
        }
    };
}

transient_or_internal!(RegisterError {
    RegisterError::EmailTaken =>
        ApiError::conflict(ErrorCode::EmailTaken, "an account with this email already exists"),
});
transient_or_internal!(SignInError {
    SignInError::InvalidCredentials => ApiError::invalid_credentials(),
});
transient_or_internal!(ChangePasswordError {
    ChangePasswordError::WrongPassword => ApiError::invalid_credentials(),
});
transient_or_internal!(DeleteAccountError {
    DeleteAccountError::WrongPassword => ApiError::invalid_credentials(),
});
transient_or_internal!(AuthError {
    AuthError::InvalidToken => ApiError::unauthorized(),
});
transient_or_internal!(GetPredictionError {
    GetPredictionError::NotFound => ApiError::not_found("prediction"),
});
transient_or_internal!(SubmitError {
    SubmitError::QueueUnavailable(q) => ApiError::unavailable(&q),
});
transient_or_internal!(HistoryError {});
transient_or_internal!(AdminError {
    AdminError::Forbidden => ApiError::forbidden("this action needs the admin role"),
    AdminError::UserNotFound => ApiError::not_found("user"),
    AdminError::SelfDisable => ApiError::conflict(
        ErrorCode::CannotDisableSelf,
        "administrators cannot disable their own account",
    ),
});

transient_or_internal!(OutcomeUseError {
    OutcomeUseError::NotFound => ApiError::not_found("prediction"),
    e @ OutcomeUseError::NotDone(_) => ApiError::conflict(ErrorCode::PredictionNotDone, &e.to_string()),
    OutcomeUseError::Invalid(e) => {
        let message = match &e {
            // Clients see the estimate's currency as ISO 4217 (`RUB`, not the data's `RUR`).
            OutcomeError::Currency { expected } => format!(
                "currency must be {}, the currency of the estimate",
                iso_currency(expected)
            ),
            other => other.to_string(),
        };
        ApiError::invalid(e.field().as_str(), message)
    },
    OutcomeUseError::Forbidden => ApiError::forbidden("this action needs the admin role"),
});

transient_or_internal!(ModelUseError {
    ModelUseError::Forbidden => ApiError::forbidden("this action needs the admin role"),
    e @ (ModelUseError::File(_) | ModelUseError::ChecksumMismatch { .. }) =>
        ApiError::Unprocessable(body(ErrorCode::ModelInvalid, e.to_string())),
    e @ (ModelUseError::Worse { .. } | ModelUseError::Unjudged) =>
        ApiError::conflict(ErrorCode::ModelRefused, &e.to_string()),
    e @ ModelUseError::Exists(_) => ApiError::conflict(ErrorCode::ModelExists, &e.to_string()),
    ModelUseError::UnknownVersion(_) => ApiError::not_found("model"),
    e @ ModelUseError::NothingToRollBack(_) =>
        ApiError::conflict(ErrorCode::NothingToRollBack, &e.to_string()),
    e @ ModelUseError::Unservable(..) =>
        ApiError::conflict(ErrorCode::ModelUnservable, &e.to_string()),
});

/// 422 `unpredictable`: the vacancy is valid, but the model gives no sensible range for it.
impl From<EstimateError> for ApiError {
    fn from(e: EstimateError) -> Self {
        let EstimateError::Unpredictable(reason) = e;
        ApiError::Unprocessable(body(ErrorCode::Unpredictable, reason))
    }
}

/// The rate-limit counters' store failing (see `limits`): nothing a client did.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(c) => ApiError::unavailable(&*c),
            StoreError::Internal(c) => ApiError::internal(&*c),
            StoreError::Duplicate(_) => ApiError::internal(&e),
        }
    }
}
