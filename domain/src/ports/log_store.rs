//! Persistence of predictions: the request log and the results.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::models::{
    Outcome, Page, PageRequest, Prediction, PredictionFilter, PredictionId, SalaryEstimate,
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

/// One outcome for [`LogStore::finish_unstarted`]: a prediction read (not started) with
/// `attempts` recorded attempts, to be finished with `outcome`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnstartedFinish<'a> {
    /// The prediction.
    pub id: PredictionId,
    /// Its `attempts` when it was read: the finish is written only if they are still so.
    pub attempts: u32,
    /// `Ok(estimate)` makes it done, `Err(reason)` failed.
    pub outcome: Result<&'a SalaryEstimate, &'a str>,
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

    /// Records (`Some`) or clears (`None`) the real outcome of a done prediction, replacing
    /// any outcome recorded before. Returns `false`, writing nothing, when no prediction with
    /// this id is done (it does not exist, or is unfinished or failed). Callers check the
    /// owner and the currency.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn set_outcome(
        &self,
        id: PredictionId,
        outcome: Option<&Outcome>,
    ) -> Result<bool, StoreError>;

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

    /// [`LogStore::start_prediction`] for each of `ids` at once (adapters do it in one
    /// statement where they can): the outcome of each id, in the order of `ids`. `ids` MUST
    /// NOT repeat an id. Each id is started or not exactly as `start_prediction` would.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`]; then some of them may have been
    /// started (as after a crash).
    async fn start_predictions(
        &self,
        ids: &[PredictionId],
        at: OffsetDateTime,
    ) -> Result<Vec<StartOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(ids.len());
        for id in ids {
            outcomes.push(self.start_prediction(*id, at).await?);
        }
        Ok(outcomes)
    }

    /// [`LogStore::finish_prediction`] for each of `finishes` at once, all committed together
    /// (adapters do it in one statement where they can): for each, in order, whether it was
    /// written. Ids MUST NOT repeat. Each is written or not exactly as `finish_prediction`
    /// would: never over a finished prediction.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`]; then none was written, unless
    /// the adapter cannot commit them together (the default, one after the other), in which
    /// case the first ones may have been.
    async fn finish_predictions(
        &self,
        finishes: &[(PredictionId, Result<&SalaryEstimate, &str>)],
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        let mut written = Vec::with_capacity(finishes.len());
        for (id, outcome) in finishes {
            written.push(self.finish_prediction(*id, *outcome, at).await?);
        }
        Ok(written)
    }

    /// The predictions of `ids`, in order (`None` for an unknown id), whoever owns them.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn predictions(
        &self,
        ids: &[PredictionId],
    ) -> Result<Vec<Option<Prediction>>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.push(self.prediction(*id).await?);
        }
        Ok(found)
    }

    /// Finishes predictions that were read but never started by this attempt (a job's first
    /// delivery), recording the attempt in the same write: each one still unfinished whose
    /// `attempts` still equal [`UnstartedFinish::attempts`] (no worker started it since it was
    /// read) becomes finished with its outcome, with `attempts + 1` and `started_at =
    /// started`; the others are not written. Returns for each, in order, whether it was
    /// written. Ids MUST NOT repeat; adapters commit them together where they can.
    ///
    /// The default starts them ([`LogStore::start_predictions`]) and finishes the ones it
    /// started ([`LogStore::finish_predictions`]): two writes instead of one, and no check of
    /// `attempts`, since the start counts the attempt itself.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`]; then none was written, unless
    /// the adapter cannot commit them together.
    async fn finish_unstarted(
        &self,
        finishes: &[UnstartedFinish<'_>],
        started: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Vec<bool>, StoreError> {
        let ids: Vec<PredictionId> = finishes.iter().map(|f| f.id).collect();
        let outcomes = self.start_predictions(&ids, started).await?;
        let startable: Vec<_> = finishes
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| matches!(o, StartOutcome::Started(_)))
            .map(|(f, _)| (f.id, f.outcome))
            .collect();
        let mut written = self.finish_predictions(&startable, at).await?.into_iter();
        Ok(outcomes
            .iter()
            .map(|o| matches!(o, StartOutcome::Started(_)) && written.next().unwrap_or(false))
            .collect())
    }

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
