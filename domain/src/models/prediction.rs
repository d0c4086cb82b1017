//! Predictions: a user's request for a salary range, its life cycle and its result.

use time::OffsetDateTime;

use super::{PredictionId, UserId, Vacancy};

/// `t` in UTC, truncated to whole microseconds: the precision every store keeps (PostgreSQL's
/// `timestamptz`), so that a value built in memory equals the same value read back.
#[must_use]
pub fn to_storage_precision(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// Where a prediction is in its life cycle.
///
/// On a job's first delivery, `Queued -> Done | Failed`: the worker records its attempt with
/// the outcome. A job delivered again (after a crash or a failed attempt) or republished is
/// started first, recording its attempt: `Queued | Running -> Running -> Done | Failed`.
/// `Done` and `Failed` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PredictionStatus {
    /// Accepted and waiting for a worker.
    Queued,
    /// A worker is computing it again, its attempt recorded first (see above).
    Running,
    /// Finished with a result.
    Done,
    /// Finished without a result; `error` says why.
    Failed,
}

impl PredictionStatus {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parses [`PredictionStatus::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// Whether no further change will happen.
    #[must_use]
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// One term's share in a predicted bound: coefficient x feature value, in log-salary units.
#[derive(Clone, Debug, PartialEq)]
pub struct TermContribution {
    /// Human-readable feature, e.g. `title: python`.
    pub term: String,
    /// Positive values pushed the bound up.
    pub contribution: f64,
}

/// Why the model said what it said: the strongest terms for each bound, strongest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// Terms behind the lower bound.
    pub salary_from: Vec<TermContribution>,
    /// Terms behind the upper bound.
    pub salary_to: Vec<TermContribution>,
}

/// A predicted salary range.
#[derive(Clone, Debug, PartialEq)]
pub struct SalaryEstimate {
    /// Lower bound; never above `salary_to`.
    pub salary_from: f64,
    /// Upper bound.
    pub salary_to: f64,
    /// ISO-like currency code of the model's training data (`RUR` for the bundled model).
    pub currency: String,
    /// Version (content hash) of the model that produced it.
    pub model_version: String,
    /// The terms behind each bound.
    pub explanation: Explanation,
}

/// Cross-validated quality of one bound's model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BoundMetrics {
    /// Mean absolute error, in currency units.
    pub mae: f64,
    /// Mean absolute percentage error, as a fraction.
    pub mape: f64,
    /// Coefficient of determination.
    pub r2: f64,
}

/// What the loaded model is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelInfo {
    /// Content hash of the model.
    pub version: String,
    /// When it was trained (RFC 3339).
    pub trained_at: String,
    /// Currency of its predictions.
    pub currency: String,
    /// File it was trained on.
    pub data_file: String,
    /// SHA-256 of that file.
    pub data_sha256: String,
    /// Rows used for training.
    pub training_rows: u64,
    /// Cross-validated metrics of the lower-bound model.
    pub salary_from: BoundMetrics,
    /// Cross-validated metrics of the upper-bound model.
    pub salary_to: BoundMetrics,
    /// Share of validation rows whose true midpoint fell inside the predicted range.
    pub coverage: f64,
}

/// A user's prediction request and, once finished, its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Id; also the job's idempotency key.
    pub id: PredictionId,
    /// Who asked.
    pub owner: UserId,
    /// What was asked about.
    pub vacancy: Vacancy,
    /// Life-cycle state.
    pub status: PredictionStatus,
    /// The range, when `Done`.
    pub result: Option<SalaryEstimate>,
    /// Why it failed, when `Failed`. Written for the owner: never internal details.
    pub error: Option<String>,
    /// Recorded attempts: each one that finished it, and each start of a job delivered again.
    /// An attempt cut short on the job's first delivery is not recorded (the queue counts the
    /// delivery towards its limit).
    pub attempts: u32,
    /// Id of the HTTP request that created it, for tracing across processes.
    pub request_id: Option<String>,
    /// When it was accepted.
    pub created_at: OffsetDateTime,
    /// When a worker last started it.
    pub started_at: Option<OffsetDateTime>,
    /// When it reached a final state.
    pub finished_at: Option<OffsetDateTime>,
}

impl Prediction {
    /// A freshly accepted, queued prediction.
    #[must_use]
    pub fn queued(
        owner: UserId,
        vacancy: Vacancy,
        request_id: Option<String>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: PredictionId::generate(),
            owner,
            vacancy,
            status: PredictionStatus::Queued,
            result: None,
            error: None,
            attempts: 0,
            request_id,
            created_at: now,
            started_at: None,
            finished_at: None,
        }
    }
}
