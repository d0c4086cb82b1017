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

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PredictionFilterError {
    /// The time range selects nothing by construction.
    #[error("created_from must be earlier than created_before")]
    EmptyRange,
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

    /// A filter on any combination of criteria.
    ///
    /// # Errors
    /// [`PredictionFilterError::EmptyRange`] when both times are given and `created_from` is
    /// not earlier than `created_before`.
    pub fn new(
        owner: Option<UserId>,
        status: Option<PredictionStatus>,
        created_from: Option<OffsetDateTime>,
        created_before: Option<OffsetDateTime>,
    ) -> Result<Self, PredictionFilterError> {
        if let (Some(from), Some(before)) = (created_from, created_before)
            && from >= before
        {
            return Err(PredictionFilterError::EmptyRange);
        }
        Ok(Self {
            owner,
            status,
            created_from,
            created_before,
        })
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

    #[test]
    fn an_empty_or_inverted_range_is_refused() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            PredictionFilter::new(None, None, Some(t), Some(t)),
            Err(PredictionFilterError::EmptyRange)
        );
        assert_eq!(
            PredictionFilter::new(None, None, Some(t + time::Duration::SECOND), Some(t)),
            Err(PredictionFilterError::EmptyRange)
        );
        assert!(
            PredictionFilter::new(None, None, Some(t), Some(t + time::Duration::SECOND)).is_ok()
        );
        assert!(PredictionFilter::new(None, None, Some(t), None).is_ok());
    }
}
