//! Validated value types and the entities built from them.

mod batch;
mod email;
mod filter;
mod ids;
mod managed_model;
mod market;
mod outcome;
mod page;
mod password;
mod prediction;
mod unicode;
mod user;
mod user_filter;
mod vacancy;

pub use batch::{Batch, BatchCounts, BatchId, BatchItem, BatchProgress, MAX_BATCH_ROWS};
pub use email::{Email, EmailError, MAX_EMAIL_LEN, is_email_char};
pub use filter::PredictionFilter;
pub use ids::{PredictionId, SessionId, UserId};
pub use managed_model::{
    HeldBackScore, ModelActivation, ModelCheck, StoredModel, Verdict, WORSE_MARGIN,
};
pub use market::{CYRILLIC_SHARE_FOR_RU, Market, MarketError};
pub use outcome::{
    MAX_OUTCOME_SALARY, Outcome, OutcomeError, OutcomeField, OutcomeKind, VersionAccuracy,
    accuracy_by_version,
};
pub use page::{
    Cursor, CursorError, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page, PageRequest, PageRequestError,
};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewPassword, Password, PasswordError, PasswordHash,
};
pub use prediction::{
    BoundMetrics, Confidence, Explanation, IntervalQuality, LikelyRange, ModelInfo, PayBasis,
    Prediction, PredictionStatus, SalaryEstimate, StatedSalary, StatedSalaryEffect,
    TermContribution, TermSource, to_storage_precision,
};
pub use user::{NewUser, Role, Session, User};
pub use user_filter::{EmailSearch, EmailSearchError, UserFilter};
pub use vacancy::{
    MAX_AREA_CHARS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Vacancy, VacancyError, VacancyField,
};
