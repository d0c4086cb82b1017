//! The JSON shapes of the API (request and response bodies).

use payrange_domain::models::{ModelInfo, Prediction, PredictionStatus, Role, User};
use poem_openapi::{Enum, Object};

use super::fields;
use super::markets::MarketDto;
use super::outcomes::OutcomeDto;
use super::result_dto::{ConfidenceDto, ExplanationDto, IntervalQualityDto};
use super::text::Text;
use time::OffsetDateTime;
use uuid::Uuid;

/// A new account. The rules (stated in the document as `pattern` / `maxLength`): an e-mail
/// address of at most 254 characters; a password of 12 to 128 characters without control
/// characters that is not on the bundled list of common passwords, nor one character or a
/// short pattern repeated, nor a plain sequence such as `abcdefghijkl` (these two rules are
/// not in the pattern; both answer 422 naming the field).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Registration {
    /// E-mail address, stored trimmed, in Unicode NFKC and lower case (so `ＡＮＮ@example.com`
    /// is `ann@example.com`). Refused (422): invisible characters (e.g. U+200B), bidi
    /// controls (e.g. U+202E), and letters of two scripts before the `@` or within one
    /// domain label (e.g. a Cyrillic `і` among Latin letters).
    #[oai(deserialize_with = "fields::email")]
    pub email: Text,
    /// Password: 12 to 128 characters, not a common one.
    #[oai(deserialize_with = "fields::password")]
    pub password: Text,
}

/// Sign-in form.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Credentials {
    /// E-mail address; case does not matter.
    #[oai(validator(max_length = 254), deserialize_with = "fields::email")]
    pub email: Text,
    /// Password: 12 to 128 characters, not a common one (registration rules).
    #[oai(validator(max_length = 512), deserialize_with = "fields::password")]
    pub password: Text,
}

/// A password change.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    #[oai(
        validator(max_length = 512),
        deserialize_with = "fields::current_password"
    )]
    pub current_password: Text,
    /// The new password (registration rules).
    #[oai(deserialize_with = "fields::new_password")]
    pub new_password: Text,
}

/// What a user may do.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RoleDto {
    /// An ordinary user.
    User,
    /// An administrator.
    Admin,
}

/// A user account.
#[derive(Debug, Object)]
pub struct UserDto {
    /// Id.
    pub id: Uuid,
    /// Normalised (lower-case) e-mail.
    pub email: String,
    // No `///` on enum-typed fields: poem-openapi would carry a field description by wrapping
    // the enum's `$ref` in `allOf`, which openapi-python-client cannot parse ("Cannot take allOf
    // a non-object"). The enum's own description documents the field.
    #[allow(missing_docs)]
    pub role: RoleDto,
    /// Whether an administrator disabled the account (it cannot sign in then).
    pub disabled: bool,
    /// When the account was created.
    pub created_at: OffsetDateTime,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.to_string(),
            role: match u.role {
                Role::User => RoleDto::User,
                Role::Admin => RoleDto::Admin,
            },
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// A signed-in session.
#[derive(Debug, Object)]
pub struct SessionDto {
    /// PASETO v4.local token: send as `Authorization: Bearer <token>` (or rely on the cookie).
    pub token: String,
    /// When the token expires.
    pub expires_at: OffsetDateTime,
    /// Who signed in.
    pub user: UserDto,
}

/// A vacancy to predict the salary range of. Bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) are dropped from every field.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct VacancyDto {
    /// Title, 1 to 200 characters after trimming.
    #[oai(deserialize_with = "fields::name")]
    pub name: Text,
    /// Description, 1 to 20,000 characters after trimming.
    #[oai(deserialize_with = "fields::description")]
    pub description: Text,
    /// City or region (optional, at most 100 characters; null or blank means not given).
    #[oai(nullable, deserialize_with = "fields::area")]
    pub area: Option<Text>,
    /// Market whose model prices it: `ru` (Russia, hh.ru model, RUB per month) or `uk` (the
    /// United Kingdom, Adzuna model, GBP per year); case does not matter. Null, blank or
    /// absent: chosen from the text, `ru` when at least a tenth of the letters of title,
    /// description and area are Cyrillic, else `uk`. Another value: 422 naming `market`.
    #[oai(nullable, deserialize_with = "fields::market")]
    pub market: Option<Text>,
}

/// Life-cycle state of a prediction.
#[derive(Debug, Enum)]
#[oai(rename_all = "lowercase")]
pub enum StatusDto {
    /// Waiting for a worker.
    Queued,
    /// Being computed again after an interrupted attempt (a first attempt goes from `queued`
    /// straight to `done` or `failed`).
    Running,
    /// Finished with a range.
    Done,
    /// Finished without a range; see `error`.
    Failed,
}

impl From<StatusDto> for PredictionStatus {
    fn from(s: StatusDto) -> Self {
        match s {
            StatusDto::Queued => Self::Queued,
            StatusDto::Running => Self::Running,
            StatusDto::Done => Self::Done,
            StatusDto::Failed => Self::Failed,
        }
    }
}

/// A prediction request and its outcome.
#[derive(Debug, Object)]
pub struct PredictionDto {
    /// Id.
    pub id: Uuid,
    /// Id of the user who submitted it.
    pub user_id: Uuid,
    // No `///`: see `UserDto::role`.
    #[allow(missing_docs)]
    pub status: StatusDto,
    /// Vacancy title.
    pub name: String,
    /// Vacancy description.
    pub description: String,
    /// Vacancy area.
    #[oai(nullable)]
    pub area: Option<String>,
    // No `///`: see `UserDto::role`.
    #[allow(missing_docs)]
    pub market: MarketDto,
    /// Predicted lower bound (when done), in whole currency units.
    #[oai(nullable)]
    pub salary_from: Option<f64>,
    /// Predicted upper bound (when done); never below `salary_from`.
    #[oai(nullable)]
    pub salary_to: Option<f64>,
    /// Currency of the bounds, ISO 4217, the market's model's: `RUB` (Russian roubles) per
    /// month for `ru`, `GBP` per year for `uk` (Adzuna's salaries are annual).
    #[oai(nullable)]
    pub currency: Option<String>,
    /// Lower end of the likely range (when done, and the model is calibrated; else null): an
    /// interval for the vacancy's true midpoint salary, `(salary_from + salary_to) / 2`, that
    /// holds it for a share `level` of vacancies like the model's training data (checked by
    /// cross-validation). Narrower when the vacancy tells the model more. Whole currency
    /// units, like every amount here.
    #[oai(nullable)]
    pub likely_from: Option<f64>,
    /// Upper end of the likely range; never below `likely_from`.
    #[oai(nullable)]
    pub likely_to: Option<f64>,
    /// Coverage level of the likely range, as a fraction (0.8 = the true midpoint falls
    /// inside for 80 % of vacancies).
    #[oai(nullable)]
    pub level: Option<f64>,
    /// How certain the estimate is, read from the width of its 80 % likely range relative to
    /// its middle, `(likely_to − likely_from) / (likely_to + likely_from)`: `high` up to
    /// 0.15 (±15 %), `medium` up to 0.30, `low` beyond (the vacancy says little the model can
    /// use). Null when there is no likely range.
    #[oai(nullable)]
    pub confidence: Option<ConfidenceDto>,
    /// Version of the model that predicted it.
    #[oai(nullable)]
    pub model_version: Option<String>,
    /// Why the model predicted this range.
    #[oai(nullable)]
    pub explanation: Option<ExplanationDto>,
    /// Why it failed (when failed).
    #[oai(nullable)]
    pub error: Option<String>,
    /// Recorded attempts: each one that finished it, and each retry after an interrupted
    /// delivery. An attempt cut short on the first delivery is not recorded.
    pub attempts: u32,
    /// When it was accepted.
    pub created_at: OffsetDateTime,
    /// When a worker last started it.
    #[oai(nullable)]
    pub started_at: Option<OffsetDateTime>,
    /// When it finished.
    #[oai(nullable)]
    pub finished_at: Option<OffsetDateTime>,
    /// The real salary the owner recorded for it (`PUT .../outcome`), or null.
    #[oai(nullable)]
    pub outcome: Option<OutcomeDto>,
}

impl From<&Prediction> for PredictionDto {
    fn from(p: &Prediction) -> Self {
        let r = p.result.as_ref();
        let likely = r.and_then(|r| r.likely.as_ref());
        Self {
            id: p.id.as_uuid(),
            user_id: p.owner.as_uuid(),
            status: match p.status {
                PredictionStatus::Queued => StatusDto::Queued,
                PredictionStatus::Running => StatusDto::Running,
                PredictionStatus::Done => StatusDto::Done,
                PredictionStatus::Failed => StatusDto::Failed,
            },
            name: p.vacancy.name().to_owned(),
            description: p.vacancy.description().to_owned(),
            area: p.vacancy.area().map(str::to_owned),
            market: p.vacancy.market().into(),
            // Whole currency units: the model's own figures carry float noise
            // (249999.99999999983) and no meaningful precision below one unit.
            salary_from: r.map(|r| r.salary_from.round()),
            salary_to: r.map(|r| r.salary_to.round()),
            currency: r.map(|r| iso_currency(&r.currency)),
            model_version: r.map(|r| r.model_version.clone()),
            likely_from: likely.map(|l| l.from.round()),
            likely_to: likely.map(|l| l.to.round()),
            level: likely.map(|l| l.level),
            confidence: likely.map(|l| ConfidenceDto(l.confidence)),
            explanation: r.map(|r| ExplanationDto::from(&r.explanation)),
            error: p.error.clone(),
            attempts: p.attempts,
            created_at: p.created_at,
            started_at: p.started_at,
            finished_at: p.finished_at,
            outcome: p.outcome.as_ref().map(OutcomeDto::from),
        }
    }
}

/// A page of predictions, newest first.
#[derive(Debug, Object)]
pub struct PredictionPage {
    /// The predictions.
    pub items: Vec<PredictionDto>,
    /// Pass as `cursor` to get the next (older) page; null on the last page.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

/// A page of users, newest first.
#[derive(Debug, Object)]
pub struct UserPage {
    /// The users.
    pub items: Vec<UserDto>,
    /// Pass as `cursor` to get the next (older) page; null on the last page.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

/// What an administrator changes about a user.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UserUpdate {
    /// `true` disables the account: it cannot sign in and every token it holds is revoked at
    /// once. `false` enables it again (its old tokens stay revoked).
    #[oai(deserialize_with = "fields::disabled")]
    pub disabled: bool,
}

/// Cross-validated quality of one bound's model.
#[derive(Debug, Object)]
pub struct BoundMetricsDto {
    /// Mean absolute error, in currency units.
    pub mae: f64,
    /// Mean absolute percentage error, as a fraction (0.25 = 25 %).
    pub mape: f64,
    /// Coefficient of determination (1 = perfect, 0 = no better than the mean).
    pub r2: f64,
}

/// Cross-validated quality of the model.
#[derive(Debug, Object)]
pub struct MetricsDto {
    /// Lower bound.
    pub salary_from: BoundMetricsDto,
    /// Upper bound.
    pub salary_to: BoundMetricsDto,
    /// Share of validation vacancies whose true midpoint lay inside the predicted range.
    pub coverage: f64,
}

/// A loaded model.
#[derive(Debug, Object)]
pub struct ModelDto {
    // No `///`: see `UserDto::role`.
    #[allow(missing_docs)]
    pub market: MarketDto,
    /// Content hash; the same data and settings give the same version.
    pub version: String,
    /// When it was trained (RFC 3339).
    pub trained_at: String,
    /// Currency of its predictions, ISO 4217: `RUB` per month for `ru`, `GBP` per year for
    /// `uk`.
    pub currency: String,
    /// Training data file.
    pub data_file: String,
    /// SHA-256 of the training data file.
    pub data_sha256: String,
    /// Vacancies it was trained on.
    pub training_rows: u64,
    /// Cross-validated metrics.
    pub metrics: MetricsDto,
    /// Cross-validated quality of the likely ranges it gives (`likely_from` .. `likely_to`
    /// of a prediction); null when the model is not calibrated and gives none.
    #[oai(nullable)]
    pub likely: Option<IntervalQualityDto>,
}

impl From<&ModelInfo> for ModelDto {
    fn from(m: &ModelInfo) -> Self {
        let b = |x: &payrange_domain::models::BoundMetrics| BoundMetricsDto {
            mae: x.mae,
            mape: x.mape,
            r2: x.r2,
        };
        Self {
            market: m.market.into(),
            version: m.version.clone(),
            trained_at: m.trained_at.clone(),
            currency: iso_currency(&m.currency),
            data_file: m.data_file.clone(),
            data_sha256: m.data_sha256.clone(),
            training_rows: m.training_rows,
            metrics: MetricsDto {
                salary_from: b(&m.salary_from),
                salary_to: b(&m.salary_to),
                coverage: m.coverage,
            },
            likely: m.likely.as_ref().map(IntervalQualityDto::from),
        }
    }
}

/// Health of the service and its dependencies.
#[derive(Debug, Object)]
pub struct HealthDto {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Database reachable.
    pub database: bool,
    /// Job queue usable.
    pub queue: bool,
}

/// The ISO 4217 code of a model's currency: hh.ru's data, and so the bundled model and the
/// stored results, say `RUR`, the code the rouble had until 1997; clients get `RUB`.
pub(super) fn iso_currency(code: &str) -> String {
    if code == "RUR" { "RUB" } else { code }.to_owned()
}
