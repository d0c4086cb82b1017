//! The use cases, written against the ports only. HTTP handlers and CLI commands parse their
//! input into models, call one method here and map the result.

mod accounts;
mod admin;
mod dead_letters;
mod estimates;
mod models;
mod outcomes;
mod predictions;
mod uploads;
mod worker;

pub use accounts::{
    AccountService, AuthError, Authenticated, ChangePasswordError, DeleteAccountError,
    RegisterError, SignInError, SignedIn,
};
pub use admin::{AdminError, AdminService};
pub use dead_letters::{DEAD_LETTER_REASON, DeadLetterService, DeadLettered};
pub use estimates::{EstimateError, EstimateService};
pub use models::{Actor, ModelCatalog, ModelService, ModelUseError, UploadOptions};
pub use outcomes::{OutcomeInput, OutcomeService, OutcomeUseError};
pub use predictions::{
    GetPredictionError, HistoryError, PredictionService, QUEUE_UNAVAILABLE_REASON, SubmitError,
};
pub use uploads::{BatchService, GetBatchError, NewBatchRow, SubmitBatchError, SubmittedBatch};
pub use worker::{Processed, Report, Worker};

use crate::ports::{Cause, StoreError};

/// Implements `From<StoreError>` for a service error with `Unavailable(Cause)` and
/// `Internal(Cause)` variants: a duplicate the use case did not expect is an internal error.
macro_rules! from_store_error {
    ($err:ty) => {
        impl From<$crate::ports::StoreError> for $err {
            fn from(e: $crate::ports::StoreError) -> Self {
                match $crate::services::split_store_error(e) {
                    Ok(cause) => Self::Unavailable(cause),
                    Err(cause) => Self::Internal(cause),
                }
            }
        }
    };
}
pub(crate) use from_store_error;

/// `Ok(cause)` for a transient failure, `Err(cause)` for anything else.
pub(crate) fn split_store_error(e: StoreError) -> Result<Cause, Cause> {
    match e {
        StoreError::Unavailable(c) => Ok(c),
        StoreError::Internal(c) => Err(c),
        dup @ StoreError::Duplicate(_) => Err(Box::new(dup)),
    }
}

#[cfg(test)]
mod account_tests;
#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod fakes;
#[cfg(test)]
mod tests;
