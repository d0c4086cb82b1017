//! Persistence of predictions: the request log and the results.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::models::{
    Page, PageRequest, Prediction, PredictionFilter, PredictionId, SalaryEstimate,
};

/// What [`LogStore::start_prediction`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum StartOutcome {
    /// It was queued or running; now it is running, with `attempts` incremented.
    Started(Prediction),
    /// It had already reached a final state; nothing was changed.
    AlreadyFinished(Prediction),
    /// No such prediction.
    Missing,
}

/// Stores predictions. Every state change is conditional on the current state, so that any
/// number of workers and redeliveries can race without writing a result twice.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Stores a newly accepted prediction.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] (`"prediction"`) if the id exists; [`StoreError::Unavailable`]
    /// when the database cannot be reached.
    async fn insert_prediction(&self, prediction: &Prediction) -> Result<(), StoreError>;

    /// Finds a prediction by id, whoever owns it (callers check ownership).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn prediction(&self, id: PredictionId) -> Result<Option<Prediction>, StoreError>;

    /// One page of the predictions `filter` selects (see [`PredictionFilter::matches`]),
    /// newest (largest id) first, starting strictly after the page request's cursor. `next`
    /// MUST be `Some` exactly when older selected items remain.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn list_predictions(
        &self,
        filter: &PredictionFilter,
        page: PageRequest,
    ) -> Result<Page<Prediction>, StoreError>;

    /// Atomically moves a queued or running prediction to running, sets `started_at = at` and
    /// increments `attempts`. MUST NOT change a finished prediction.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn start_prediction(
        &self,
        id: PredictionId,
        at: OffsetDateTime,
    ) -> Result<StartOutcome, StoreError>;

    /// Atomically finishes an unfinished prediction: `Ok(estimate)` makes it done with that
    /// result, `Err(reason)` makes it failed with that reason. Returns `false`, writing
    /// nothing, if it was already finished or does not exist.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn finish_prediction(
        &self,
        id: PredictionId,
        outcome: Result<&SalaryEstimate, &str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Unfinished predictions created before `before`, oldest first, at most `limit`: the jobs
    /// a restarted process or a reconciler must see through.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn unfinished_predictions(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Prediction>, StoreError>;
}
