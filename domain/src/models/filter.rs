//! Which predictions a listing selects: by owner, state, acceptance time, model version and
//! whether a real outcome was recorded.

use time::OffsetDateTime;

use super::{Prediction, PredictionStatus, UserId};

/// A selection of predictions. Every criterion left `None` selects everything; set ones are
/// combined with AND. The time range is half-open: `created_from <= created_at < created_before`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PredictionFilter {
    owner: Option<UserId>,
    status: Option<PredictionStatus>,
    created_from: Option<OffsetDateTime>,
    created_before: Option<OffsetDateTime>,
    model_version: Option<String>,
    with_outcome: bool,
}

impl PredictionFilter {
    /// Everything.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            owner: None,
            status: None,
            created_from: None,
            created_before: None,
            model_version: None,
            with_outcome: false,
        }
    }

    /// One user's predictions: a user's own history.
    #[must_use]
    pub fn owned_by(owner: UserId) -> Self {
        Self {
            owner: Some(owner),
            ..Self::all()
        }
    }

    /// A filter on any combination of criteria. A time range that is empty (`created_from`
    /// not earlier than `created_before`) is not an error: it selects nothing.
    #[must_use]
    pub const fn new(
        owner: Option<UserId>,
        status: Option<PredictionStatus>,
        created_from: Option<OffsetDateTime>,
        created_before: Option<OffsetDateTime>,
    ) -> Self {
        Self {
            owner,
            status,
            created_from,
            created_before,
            model_version: None,
            with_outcome: false,
        }
    }

    /// The same filter, also selecting only results of this model version, if set.
    #[must_use]
    pub fn with_model_version(mut self, version: Option<String>) -> Self {
        self.model_version = version;
        self
    }

    /// The same filter, also selecting only predictions with a recorded outcome.
    #[must_use]
    pub const fn with_outcome_only(mut self) -> Self {
        self.with_outcome = true;
        self
    }

    /// Only this owner's predictions, if set.
    #[must_use]
    pub const fn owner(&self) -> Option<UserId> {
        self.owner
    }

    /// Only predictions in this state, if set.
    #[must_use]
    pub const fn status(&self) -> Option<PredictionStatus> {
        self.status
    }

    /// Only predictions accepted at or after this time, if set.
    #[must_use]
    pub const fn created_from(&self) -> Option<OffsetDateTime> {
        self.created_from
    }

    /// Only predictions accepted strictly before this time, if set.
    #[must_use]
    pub const fn created_before(&self) -> Option<OffsetDateTime> {
        self.created_before
    }

    /// Only results of this model version, if set.
    #[must_use]
    pub fn model_version(&self) -> Option<&str> {
        self.model_version.as_deref()
    }

    /// Whether only predictions with a recorded outcome are selected.
    #[must_use]
    pub const fn outcome_only(&self) -> bool {
        self.with_outcome
    }

    /// Whether `p` is selected: the reference semantics every store must implement.
    #[must_use]
    pub fn matches(&self, p: &Prediction) -> bool {
        self.owner.is_none_or(|o| p.owner == o)
            && self.status.is_none_or(|s| p.status == s)
            && self.created_from.is_none_or(|t| p.created_at >= t)
            && self.created_before.is_none_or(|t| p.created_at < t)
            && self
                .model_version
                .as_deref()
                .is_none_or(|v| p.result.as_ref().is_some_and(|r| r.model_version == v))
            && (!self.with_outcome || p.outcome.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{PredictionId, Vacancy};

    #[test]
    fn an_empty_or_inverted_range_selects_nothing() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let vacancy = Vacancy::new("QA", "Tests.", None).unwrap();
        let mut p = Prediction::queued(UserId::generate(), vacancy, None, t);
        p.id = PredictionId::generate();
        let second = time::Duration::SECOND;
        assert!(PredictionFilter::new(None, None, Some(t), Some(t + second)).matches(&p));
        assert!(!PredictionFilter::new(None, None, Some(t), Some(t)).matches(&p));
        assert!(!PredictionFilter::new(None, None, Some(t + second), Some(t)).matches(&p));
    }

    #[test]
    fn a_model_version_selects_only_its_results_and_outcome_only_only_those_with_one() {
        use crate::models::{Explanation, Outcome, PredictionStatus, SalaryEstimate};
        let t = OffsetDateTime::UNIX_EPOCH;
        let vacancy = Vacancy::new("QA", "Tests.", None).unwrap();
        let queued = Prediction::queued(UserId::generate(), vacancy, None, t);
        let mut done = queued.clone();
        done.status = PredictionStatus::Done;
        done.result = Some(SalaryEstimate {
            salary_from: 1.0,
            salary_to: 2.0,
            currency: "RUR".into(),
            model_version: "v1".into(),
            explanation: Explanation::default(),
            likely: None,
        });
        let v1 = PredictionFilter::all().with_model_version(Some("v1".into()));
        assert!(v1.matches(&done));
        assert!(!v1.matches(&queued), "no result, no version");
        assert!(
            !PredictionFilter::all()
                .with_model_version(Some("v2".into()))
                .matches(&done)
        );
        assert!(
            PredictionFilter::all()
                .with_model_version(None)
                .matches(&queued)
        );
        let with_outcome = v1.clone().with_outcome_only();
        assert!(!with_outcome.matches(&done));
        done.outcome = Some(Outcome::new(Some(1.5), None, "RUR", None, t).unwrap());
        assert!(with_outcome.matches(&done));
        assert_eq!(with_outcome.model_version(), Some("v1"));
        assert!(with_outcome.outcome_only() && !v1.outcome_only());
    }
}
