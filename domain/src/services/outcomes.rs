//! Real outcomes: a user records the salary actually offered or published for one of their
//! estimates; administrators read how well each model version did against them; the
//! training export reads every estimated vacancy that has one.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{Authenticated, from_store_error};
use crate::models::{
    MAX_PAGE_LIMIT, Outcome, OutcomeError, OutcomeKind, PageRequest, Prediction, PredictionFilter,
    PredictionId, PredictionStatus, Role, UserId, VersionAccuracy, accuracy_by_version,
};
use crate::ports::{Cause, LogStore};

/// Outcome use cases.
#[derive(Clone)]
pub struct OutcomeService {
    logs: Arc<dyn LogStore>,
}

/// What a user says the real salary was, before it is checked.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeInput {
    /// Real lower bound.
    pub salary_from: Option<f64>,
    /// Real upper bound.
    pub salary_to: Option<f64>,
    /// Its currency; the estimate's when `None`.
    pub currency: Option<String>,
    /// Offered or published.
    pub kind: Option<OutcomeKind>,
}

/// Why an outcome could not be recorded or cleared.
#[derive(Debug, thiserror::Error)]
pub enum OutcomeUseError {
    /// No such prediction, or not the caller's.
    #[error("prediction not found")]
    NotFound,
    /// The prediction is queued, running or failed: there is no estimate to compare with.
    #[error("the prediction has no estimate yet (it is {0}); record the outcome once it is done")]
    NotDone(&'static str),
    /// The outcome breaks a rule.
    #[error(transparent)]
    Invalid(#[from] OutcomeError),
    /// The caller is not an administrator (accuracy only).
    #[error("this action needs the admin role")]
    Forbidden,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("the outcome action failed")]
    Internal(#[source] Cause),
}

from_store_error!(OutcomeUseError);

impl OutcomeService {
    /// Wires the use cases to their port.
    #[must_use]
    pub fn new(logs: Arc<dyn LogStore>) -> Self {
        Self { logs }
    }

    /// The owner's prediction, done.
    async fn own_done(
        &self,
        owner: UserId,
        id: PredictionId,
    ) -> Result<Prediction, OutcomeUseError> {
        let p = match self.logs.prediction(id).await? {
            Some(p) if p.owner == owner => p,
            _ => return Err(OutcomeUseError::NotFound),
        };
        if p.status != PredictionStatus::Done {
            return Err(OutcomeUseError::NotDone(p.status.as_str()));
        }
        Ok(p)
    }

    /// Records the real salary of one of the owner's done predictions, replacing any
    /// recorded before; returns the outcome as stored.
    ///
    /// # Errors
    /// [`OutcomeUseError::NotFound`] for an unknown id or another user's prediction alike;
    /// [`OutcomeUseError::NotDone`] unless it is done; [`OutcomeUseError::Invalid`] naming
    /// the broken rule (currency included: it must be the estimate's); storage failures.
    pub async fn record(
        &self,
        owner: UserId,
        id: PredictionId,
        input: OutcomeInput,
    ) -> Result<Outcome, OutcomeUseError> {
        let p = self.own_done(owner, id).await?;
        let expected = p
            .result
            .as_ref()
            .map(|r| r.currency.clone())
            .ok_or_else(|| OutcomeUseError::Internal("a done prediction without result".into()))?;
        let outcome = Outcome::new(
            input.salary_from,
            input.salary_to,
            input.currency.unwrap_or_else(|| expected.clone()),
            input.kind,
            OffsetDateTime::now_utc(),
        )?;
        outcome.check_currency(&expected)?;
        if !self.logs.set_outcome(id, Some(&outcome)).await? {
            // Deleted (with its account) between the read and the write.
            return Err(OutcomeUseError::NotFound);
        }
        Ok(outcome)
    }

    /// Clears the outcome of one of the owner's done predictions (nothing happens if none
    /// was recorded).
    ///
    /// # Errors
    /// As [`OutcomeService::record`], without `Invalid`.
    pub async fn clear(&self, owner: UserId, id: PredictionId) -> Result<(), OutcomeUseError> {
        self.own_done(owner, id).await?;
        if self.logs.set_outcome(id, None).await? {
            Ok(())
        } else {
            Err(OutcomeUseError::NotFound)
        }
    }

    /// Per model version, how its estimates compared with the outcomes recorded for them
    /// (see [`accuracy_by_version`]).
    ///
    /// # Errors
    /// [`OutcomeUseError::Forbidden`] unless `caller` is an administrator; storage failures.
    pub async fn accuracy(
        &self,
        caller: &Authenticated,
    ) -> Result<Vec<VersionAccuracy>, OutcomeUseError> {
        if caller.user.role != Role::Admin {
            return Err(OutcomeUseError::Forbidden);
        }
        Ok(accuracy_by_version(&self.with_outcomes(None).await?))
    }

    /// Every done prediction with a recorded outcome (of `model_version` only, if set),
    /// newest first: what the training export writes and the accuracy figures read. Read page
    /// by page, so one statement never returns more than a page.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn with_outcomes(
        &self,
        model_version: Option<String>,
    ) -> Result<Vec<Prediction>, OutcomeUseError> {
        let filter = PredictionFilter::all()
            .with_model_version(model_version)
            .with_outcome_only();
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = PageRequest::new(Some(u64::from(MAX_PAGE_LIMIT)), after.as_deref())
                .map_err(|e| OutcomeUseError::Internal(Box::new(e)))?;
            let page = self.logs.list_predictions(&filter, page).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next.encode()),
                None => return Ok(all),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::models::{Explanation, SalaryEstimate, Vacancy};

    fn estimate() -> SalaryEstimate {
        SalaryEstimate {
            salary_from: 100.0,
            salary_to: 200.0,
            currency: "RUR".into(),
            model_version: "v1".into(),
            explanation: Explanation::default(),
            likely: None,
        }
    }

    async fn stored(store: &MemoryStore, owner: UserId, done: bool) -> PredictionId {
        let vacancy = Vacancy::new("QA", "Tests.", None).unwrap();
        let p = Prediction::queued(owner, vacancy, None, OffsetDateTime::now_utc());
        store.insert_prediction(&p).await.unwrap();
        if done {
            let e = estimate();
            store
                .finish_prediction(p.id, Ok(&e), OffsetDateTime::now_utc())
                .await
                .unwrap();
        }
        p.id
    }

    fn input(from: Option<f64>, to: Option<f64>) -> OutcomeInput {
        OutcomeInput {
            salary_from: from,
            salary_to: to,
            currency: None,
            kind: Some(OutcomeKind::Offered),
        }
    }

    #[tokio::test]
    async fn the_owner_records_replaces_and_clears_the_outcome_of_a_done_prediction() {
        let store = Arc::new(MemoryStore::new());
        let service = OutcomeService::new(store.clone());
        let owner = UserId::generate();
        let id = stored(&store, owner, true).await;
        let recorded = service
            .record(owner, id, input(Some(150.0), None))
            .await
            .unwrap();
        assert_eq!(recorded.currency(), "RUR");
        let read = store.prediction(id).await.unwrap().unwrap();
        assert_eq!(read.outcome, Some(recorded));
        service
            .record(owner, id, input(None, Some(250.0)))
            .await
            .unwrap();
        let read = store.prediction(id).await.unwrap().unwrap();
        let outcome = read.outcome.unwrap();
        assert_eq!(
            (outcome.salary_from(), outcome.salary_to()),
            (None, Some(250.0))
        );
        assert_eq!(service.with_outcomes(None).await.unwrap().len(), 1);
        assert_eq!(
            service
                .with_outcomes(Some("v2".into()))
                .await
                .unwrap()
                .len(),
            0
        );
        service.clear(owner, id).await.unwrap();
        assert_eq!(store.prediction(id).await.unwrap().unwrap().outcome, None);
        assert!(service.with_outcomes(None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn others_unfinished_and_invalid_outcomes_are_refused_and_nothing_is_written() {
        let store = Arc::new(MemoryStore::new());
        let service = OutcomeService::new(store.clone());
        let owner = UserId::generate();
        let done = stored(&store, owner, true).await;
        let queued = stored(&store, owner, false).await;
        let ok = || input(Some(150.0), Some(160.0));
        assert!(matches!(
            service.record(UserId::generate(), done, ok()).await,
            Err(OutcomeUseError::NotFound)
        ));
        assert!(matches!(
            service.record(owner, PredictionId::generate(), ok()).await,
            Err(OutcomeUseError::NotFound)
        ));
        assert!(matches!(
            service.record(owner, queued, ok()).await,
            Err(OutcomeUseError::NotDone("queued"))
        ));
        assert!(matches!(
            service.clear(owner, queued).await,
            Err(OutcomeUseError::NotDone("queued"))
        ));
        let usd = OutcomeInput {
            currency: Some("USD".into()),
            ..ok()
        };
        assert!(matches!(
            service.record(owner, done, usd).await,
            Err(OutcomeUseError::Invalid(OutcomeError::Currency { .. }))
        ));
        assert!(matches!(
            service
                .record(owner, done, input(Some(9.0), Some(1.0)))
                .await,
            Err(OutcomeUseError::Invalid(OutcomeError::Inverted))
        ));
        assert!(service.with_outcomes(None).await.unwrap().is_empty());
    }
}
