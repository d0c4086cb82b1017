//! Which predictions a listing selects: by owner, state and acceptance time.

use time::OffsetDateTime;

use super::{Prediction, PredictionStatus, UserId};

/// A selection of predictions. Every criterion left `None` selects everything; set ones are
/// combined with AND. The time range is half-open: `created_from <= created_at < created_before`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PredictionFilter {
    owner: Option<UserId>,
    status: Option<PredictionStatus>,
    created_from: Option<OffsetDateTime>,
    created_before: Option<OffsetDateTime>,
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
        }
    }

    /// One user's predictions: a user's own history.
    #[must_use]
    pub const fn owned_by(owner: UserId) -> Self {
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
        }
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

    /// Whether `p` is selected: the reference semantics every store must implement.
    #[must_use]
    pub fn matches(&self, p: &Prediction) -> bool {
        self.owner.is_none_or(|o| p.owner == o)
            && self.status.is_none_or(|s| p.status == s)
            && self.created_from.is_none_or(|t| p.created_at >= t)
            && self.created_before.is_none_or(|t| p.created_at < t)
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
}
