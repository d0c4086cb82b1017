//! The ports: traits that adapters implement and services call.
//!
//! All are `Send + Sync` and object-safe so that an application can choose adapters at run
//! time behind `Arc<dyn Port>`. Driver errors never cross a port: adapters map them to
//! [`StoreError`] / [`QueueError`] / ... at the seam.

mod batch_store;
mod job_queue;
mod limit_store;
mod log_store;
mod model_registry;
mod model_store;
mod password_hasher;
mod salary_predictor;
mod session_store;
mod token_codec;
mod user_store;

pub use batch_store::BatchStore;
pub use job_queue::{DeadLetter, Delivery, Job, JobQueue, QueueError};
pub use limit_store::{Counter, LimitStore};
pub use log_store::{LogStore, StartOutcome, UnstartedFinish};
pub use model_registry::{ModelFileError, ModelRegistry};
pub use model_store::ModelStore;
pub use password_hasher::{HashError, PasswordHasher, Verification};
pub use salary_predictor::{PredictError, SalaryPredictor};
pub use session_store::SessionStore;
pub use token_codec::{TokenClaims, TokenCodec, TokenError};
pub use user_store::UserStore;

/// Boxed cause of an adapter error, kept for logs and never shown to clients.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a storage adapter may report.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (e.g. the email is taken, the id exists).
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// The database cannot be reached right now; the caller may retry later.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else: a bug or corrupt data.
    #[error("storage failure")]
    Internal(#[source] Cause),
}
