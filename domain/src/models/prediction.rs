//! Predictions: a user's request for a salary range, its life cycle and its result.

use time::OffsetDateTime;

use super::{Market, Outcome, PredictionId, UserId, Vacancy};

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

/// Where a term of the explanation was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TermSource {
    /// The vacancy's title.
    Title,
    /// Its description.
    Description,
    /// Its city or region.
    Area,
}

impl TermSource {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Description => "description",
            Self::Area => "area",
        }
    }

    /// Parses [`TermSource::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "title" => Some(Self::Title),
            "description" => Some(Self::Description),
            "area" => Some(Self::Area),
            _ => None,
        }
    }
}

/// One word's (or phrase's) share in a predicted bound.
#[derive(Clone, Debug, PartialEq)]
pub struct TermContribution {
    /// The word or phrase as the model reads it (lower case), e.g. `python`,
    /// `machine learning`; never an internal feature name.
    pub term: String,
    /// Where it was found.
    pub source: TermSource,
    /// Its push on `ln(bound)`: positive values pushed the bound up.
    pub contribution: f64,
    /// The same push in currency units: how much higher the bound is than it would be
    /// without this term alone (`bound x (1 - e^-contribution)`); negative lowered it.
    pub amount: f64,
}

/// What a salary stated in the vacancy's own text did to the estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatedSalaryEffect {
    /// The estimate equals the stated figures (within 1 %).
    UsedAsGiven,
    /// The estimate moved towards the stated figures without reaching them.
    MovedTowards,
    /// The figures were found but set aside as implausible for this vacancy (for example a
    /// bonus, a turnover or an hourly rate).
    SetAside,
}

impl StatedSalaryEffect {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UsedAsGiven => "used_as_given",
            Self::MovedTowards => "moved_towards",
            Self::SetAside => "set_aside",
        }
    }

    /// Parses [`StatedSalaryEffect::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "used_as_given" => Some(Self::UsedAsGiven),
            "moved_towards" => Some(Self::MovedTowards),
            "set_aside" => Some(Self::SetAside),
            _ => None,
        }
    }
}

/// A salary the vacancy states itself ("от 250 000 до 350 000 руб."), shown on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct StatedSalary {
    /// The stated lower figure, in currency units.
    pub from: Option<f64>,
    /// The stated upper figure, in currency units.
    pub to: Option<f64>,
    /// What it did to the estimate.
    pub effect: StatedSalaryEffect,
}

/// Whether the vacancy's pay is stated before or after tax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PayBasis {
    /// Before tax ("gross", "до вычета налогов").
    Gross,
    /// Take-home pay ("на руки", "net", "after tax").
    Net,
    /// The text does not say.
    #[default]
    Unstated,
}

impl PayBasis {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gross => "gross",
            Self::Net => "net",
            Self::Unstated => "unstated",
        }
    }

    /// Parses [`PayBasis::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gross" => Some(Self::Gross),
            "net" => Some(Self::Net),
            "unstated" => Some(Self::Unstated),
            _ => None,
        }
    }
}

/// Why the model said what it said: the words that moved each bound by at least 1 %,
/// strongest first, a stated salary on its own, and the pay basis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// Terms behind the lower bound.
    pub salary_from: Vec<TermContribution>,
    /// Terms behind the upper bound.
    pub salary_to: Vec<TermContribution>,
    /// A salary stated in the vacancy, when the text states one.
    pub stated_salary: Option<StatedSalary>,
    /// Whether the vacancy speaks of pay before or after tax.
    pub pay_basis: PayBasis,
}

/// How certain an estimate is, read from the width of its likely range at 80 %:
/// `High` when the range spans at most +-15 % around its middle, `Medium` up to +-30 %,
/// `Low` beyond (see [`Confidence::of_band`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Confidence {
    /// A narrow likely range.
    High,
    /// A moderate one.
    Medium,
    /// A wide one: the vacancy says little the model can use.
    Low,
}

impl Confidence {
    /// Half-width of the 80 % likely range, relative to its middle, up to which confidence
    /// is high.
    pub const HIGH_UP_TO: f64 = 0.15;
    /// The same, up to which it is medium.
    pub const MEDIUM_UP_TO: f64 = 0.30;

    /// The label of an 80 % likely range `[from, to]`: its half-width relative to its
    /// middle, `(to - from) / (to + from)`, against [`Self::HIGH_UP_TO`] and
    /// [`Self::MEDIUM_UP_TO`].
    #[must_use]
    pub fn of_band(from: f64, to: f64) -> Self {
        let rel = if from + to > 0.0 {
            (to - from) / (to + from)
        } else {
            f64::INFINITY
        };
        if rel <= Self::HIGH_UP_TO {
            Self::High
        } else if rel <= Self::MEDIUM_UP_TO {
            Self::Medium
        } else {
            Self::Low
        }
    }

    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// Parses [`Confidence::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "high" => Some(Self::High),
            "medium" => Some(Self::Medium),
            "low" => Some(Self::Low),
            _ => None,
        }
    }
}

/// A calibrated interval for the vacancy's true midpoint salary (`(from + to) / 2`): over
/// vacancies like the model's training data, the true midpoint falls inside such a range
/// for a share `level` of them (checked by cross-validation). Its width follows how much the
/// model knows about this vacancy.
#[derive(Clone, Debug, PartialEq)]
pub struct LikelyRange {
    /// Lower end, currency units.
    pub from: f64,
    /// Upper end; `from <= to`.
    pub to: f64,
    /// Coverage level, e.g. `0.8`.
    pub level: f64,
    /// Label of the 80 % range (the same whatever `level` is).
    pub confidence: Confidence,
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
    /// The calibrated likely range of the true midpoint, when the model carries a
    /// calibration (every model trained since format 4 does).
    pub likely: Option<LikelyRange>,
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

/// What a loaded model is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelInfo {
    /// The market it serves.
    pub market: Market,
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
    /// Cross-validated quality of the likely range, when the model is calibrated.
    pub likely: Option<IntervalQuality>,
}

/// How well a model's likely ranges held under cross-validation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntervalQuality {
    /// The default level, e.g. `0.8`.
    pub level: f64,
    /// Share of validation rows with both true bounds whose true midpoint fell inside
    /// their likely range.
    pub coverage: f64,
    /// Mean width of those ranges, currency units.
    pub mean_width: f64,
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
    /// The real salary, when the owner recorded one (only ever on a `Done` prediction).
    pub outcome: Option<Outcome>,
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
            outcome: None,
        }
    }
}
