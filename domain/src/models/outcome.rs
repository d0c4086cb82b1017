//! Real outcomes: the salary a user says was actually offered or published for a vacancy
//! they had estimated, and how well each model version's estimates matched them.

use std::collections::BTreeMap;
use std::fmt;

use time::OffsetDateTime;

use super::{Prediction, to_storage_precision};

/// Largest salary an outcome may state, in currency units: far above any monthly salary in
/// the training data (3,000,000 RUR), low enough to catch a mistyped extra zero or two.
pub const MAX_OUTCOME_SALARY: f64 = 100_000_000.0;

/// Where the real salary came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// Offered to the user (a job offer).
    Offered,
    /// Published by the employer (e.g. in a later version of the ad).
    Published,
}

impl OutcomeKind {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Published => "published",
        }
    }

    /// Parses [`OutcomeKind::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "offered" => Some(Self::Offered),
            "published" => Some(Self::Published),
            _ => None,
        }
    }
}

/// Which field of an outcome broke a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeField {
    /// The lower bound.
    SalaryFrom,
    /// The upper bound.
    SalaryTo,
    /// The currency.
    Currency,
}

impl OutcomeField {
    /// The field's name in the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SalaryFrom => "salary_from",
            Self::SalaryTo => "salary_to",
            Self::Currency => "currency",
        }
    }
}

impl fmt::Display for OutcomeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an outcome was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    /// Neither bound was given.
    #[error("give salary_from, salary_to or both")]
    NoBound,
    /// A bound is zero, negative or not a number.
    #[error("{0} must be a positive number")]
    NotPositive(OutcomeField),
    /// A bound is above [`MAX_OUTCOME_SALARY`].
    #[error("{0} must be at most 100000000")]
    TooLarge(OutcomeField),
    /// `salary_from` is above `salary_to`.
    #[error("salary_from must not be above salary_to")]
    Inverted,
    /// The currency is not the prediction's.
    #[error("currency must be {expected}, the currency of the estimate")]
    Currency {
        /// The prediction's currency.
        expected: String,
    },
}

impl OutcomeError {
    /// The field to name in a validation error.
    #[must_use]
    pub const fn field(&self) -> OutcomeField {
        match self {
            Self::NoBound | Self::Inverted => OutcomeField::SalaryFrom,
            Self::NotPositive(f) | Self::TooLarge(f) => *f,
            Self::Currency { .. } => OutcomeField::Currency,
        }
    }
}

/// The real salary of an estimated vacancy: at least one bound, each positive and at most
/// [`MAX_OUTCOME_SALARY`], `salary_from <= salary_to` when both are given, in the currency of
/// the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    salary_from: Option<f64>,
    salary_to: Option<f64>,
    currency: String,
    kind: Option<OutcomeKind>,
    recorded_at: OffsetDateTime,
}

impl Outcome {
    /// A checked outcome, recorded at `recorded_at` (kept to the microsecond, as stored).
    ///
    /// # Errors
    /// [`OutcomeError`] naming the first broken rule. The currency is not checked here but
    /// against the prediction, by [`Outcome::check_currency`].
    pub fn new(
        salary_from: Option<f64>,
        salary_to: Option<f64>,
        currency: impl Into<String>,
        kind: Option<OutcomeKind>,
        recorded_at: OffsetDateTime,
    ) -> Result<Self, OutcomeError> {
        let check = |v: Option<f64>, field| match v {
            Some(x) if !(x.is_finite() && x > 0.0) => Err(OutcomeError::NotPositive(field)),
            Some(x) if x > MAX_OUTCOME_SALARY => Err(OutcomeError::TooLarge(field)),
            _ => Ok(()),
        };
        check(salary_from, OutcomeField::SalaryFrom)?;
        check(salary_to, OutcomeField::SalaryTo)?;
        match (salary_from, salary_to) {
            (None, None) => return Err(OutcomeError::NoBound),
            (Some(f), Some(t)) if f > t => return Err(OutcomeError::Inverted),
            _ => {}
        }
        Ok(Self {
            salary_from,
            salary_to,
            currency: currency.into(),
            kind,
            recorded_at: to_storage_precision(recorded_at),
        })
    }

    /// Refuses an outcome in another currency than `expected` (the estimate's).
    ///
    /// # Errors
    /// [`OutcomeError::Currency`].
    pub fn check_currency(&self, expected: &str) -> Result<(), OutcomeError> {
        if self.currency == expected {
            Ok(())
        } else {
            Err(OutcomeError::Currency {
                expected: expected.to_owned(),
            })
        }
    }

    /// The real lower bound, if known.
    #[must_use]
    pub const fn salary_from(&self) -> Option<f64> {
        self.salary_from
    }

    /// The real upper bound, if known.
    #[must_use]
    pub const fn salary_to(&self) -> Option<f64> {
        self.salary_to
    }

    /// The currency (always the estimate's).
    #[must_use]
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// Offered or published, if the user said.
    #[must_use]
    pub const fn kind(&self) -> Option<OutcomeKind> {
        self.kind
    }

    /// When the user recorded it.
    #[must_use]
    pub const fn recorded_at(&self) -> OffsetDateTime {
        self.recorded_at
    }

    /// The middle of the real range, when both bounds are known.
    #[must_use]
    pub fn midpoint(&self) -> Option<f64> {
        Some(f64::midpoint(self.salary_from?, self.salary_to?))
    }
}

/// How well one model version's estimates matched the real outcomes recorded for them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VersionAccuracy {
    /// The model version.
    pub model_version: String,
    /// Outcomes recorded for its estimates.
    pub outcomes: u64,
    /// Outcomes with a real lower bound.
    pub from_count: u64,
    /// Mean absolute error of the estimated lower bound over those, currency units.
    pub mae_from: Option<f64>,
    /// Outcomes with a real upper bound.
    pub to_count: u64,
    /// Mean absolute error of the estimated upper bound over those.
    pub mae_to: Option<f64>,
    /// Outcomes with both bounds whose estimate had a likely range.
    pub likely_count: u64,
    /// Share of those whose real midpoint fell inside the likely range.
    pub inside_likely: Option<f64>,
}

/// Per model version (sorted by version), the accuracy of the estimates among `predictions`
/// that carry both a result and an outcome; the others are ignored.
#[must_use]
pub fn accuracy_by_version<'a>(
    predictions: impl IntoIterator<Item = &'a Prediction>,
) -> Vec<VersionAccuracy> {
    #[derive(Default)]
    struct Sums {
        outcomes: u64,
        from: (u64, f64),
        to: (u64, f64),
        likely: (u64, u64),
    }
    let mut by_version: BTreeMap<&str, Sums> = BTreeMap::new();
    for p in predictions {
        let (Some(result), Some(outcome)) = (&p.result, &p.outcome) else {
            continue;
        };
        let sums = by_version.entry(&result.model_version).or_default();
        sums.outcomes += 1;
        if let Some(real) = outcome.salary_from() {
            sums.from.0 += 1;
            sums.from.1 += (result.salary_from - real).abs();
        }
        if let Some(real) = outcome.salary_to() {
            sums.to.0 += 1;
            sums.to.1 += (result.salary_to - real).abs();
        }
        if let (Some(mid), Some(likely)) = (outcome.midpoint(), &result.likely) {
            sums.likely.0 += 1;
            if likely.from <= mid && mid <= likely.to {
                sums.likely.1 += 1;
            }
        }
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let mean = |(n, total): (u64, f64)| (n > 0).then(|| total / n as f64);
    #[allow(clippy::cast_precision_loss)]
    let share = |(n, inside): (u64, u64)| (n > 0).then(|| inside as f64 / n as f64);
    by_version
        .into_iter()
        .map(|(version, s)| VersionAccuracy {
            model_version: version.to_owned(),
            outcomes: s.outcomes,
            from_count: s.from.0,
            mae_from: mean(s.from),
            to_count: s.to.0,
            mae_to: mean(s.to),
            likely_count: s.likely.0,
            inside_likely: share(s.likely),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{
        Confidence, Explanation, LikelyRange, PredictionStatus, SalaryEstimate, UserId, Vacancy,
    };

    const T: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn an_outcome_needs_a_positive_bound_in_order_and_below_the_limit() {
        let new = |f, t| Outcome::new(f, t, "RUR", None, T);
        assert_eq!(new(None, None), Err(OutcomeError::NoBound));
        assert_eq!(
            new(Some(0.0), None),
            Err(OutcomeError::NotPositive(OutcomeField::SalaryFrom))
        );
        assert_eq!(
            new(None, Some(f64::NAN)),
            Err(OutcomeError::NotPositive(OutcomeField::SalaryTo))
        );
        assert_eq!(
            new(None, Some(-5.0)).unwrap_err().field().as_str(),
            "salary_to"
        );
        assert_eq!(
            new(Some(1e9), None),
            Err(OutcomeError::TooLarge(OutcomeField::SalaryFrom))
        );
        assert_eq!(new(Some(200.0), Some(100.0)), Err(OutcomeError::Inverted));
        let ok = new(Some(100.0), Some(100.0)).unwrap();
        assert_eq!(ok.midpoint(), Some(100.0));
        assert_eq!(new(None, Some(90.0)).unwrap().midpoint(), None);
    }

    #[test]
    fn an_outcome_in_another_currency_is_refused_naming_the_expected_one() {
        let o = Outcome::new(Some(1.0), None, "USD", Some(OutcomeKind::Offered), T).unwrap();
        let err = o.check_currency("RUR").unwrap_err();
        assert_eq!(err.field(), OutcomeField::Currency);
        assert!(err.to_string().contains("RUR"), "{err}");
        assert!(o.check_currency("USD").is_ok());
        assert_eq!(
            OutcomeKind::parse("published"),
            Some(OutcomeKind::Published)
        );
        assert_eq!(OutcomeKind::parse("PUBLISHED"), None);
    }

    fn done(version: &str, from: f64, to: f64, outcome: Option<Outcome>) -> Prediction {
        let vacancy = Vacancy::new("QA", "Tests.", None).unwrap();
        let mut p = Prediction::queued(UserId::generate(), vacancy, None, T);
        p.status = PredictionStatus::Done;
        p.result = Some(SalaryEstimate {
            salary_from: from,
            salary_to: to,
            currency: "RUR".into(),
            model_version: version.into(),
            explanation: Explanation::default(),
            likely: Some(LikelyRange {
                from,
                to,
                level: 0.8,
                confidence: Confidence::Medium,
            }),
        });
        p.outcome = outcome;
        p
    }

    #[test]
    fn accuracy_is_the_mean_error_of_each_bound_and_the_share_inside_the_range() {
        let o = |f, t| Some(Outcome::new(f, t, "RUR", None, T).unwrap());
        let ps = [
            done("b", 100.0, 200.0, o(Some(110.0), Some(190.0))), // mid 150: inside
            done("b", 100.0, 200.0, o(Some(300.0), Some(500.0))), // mid 400: outside
            done("b", 100.0, 200.0, o(None, Some(280.0))),        // no midpoint
            done("a", 100.0, 200.0, o(Some(100.0), None)),
            done("a", 100.0, 200.0, None), // no outcome: ignored
        ];
        let acc = accuracy_by_version(&ps);
        assert_eq!(acc.len(), 2);
        assert_eq!(acc[0].model_version, "a");
        assert_eq!(acc[0].outcomes, 1);
        assert_eq!(acc[0].mae_from, Some(0.0));
        assert_eq!(acc[0].mae_to, None);
        assert_eq!(acc[0].inside_likely, None);
        let b = &acc[1];
        assert_eq!((b.outcomes, b.from_count, b.to_count), (3, 2, 3));
        assert_eq!(b.mae_from, Some(105.0)); // (10 + 200) / 2
        assert_eq!(b.mae_to, Some(130.0)); // (10 + 300 + 80) / 3
        assert_eq!(b.likely_count, 2);
        assert_eq!(b.inside_likely, Some(0.5));
    }
}
