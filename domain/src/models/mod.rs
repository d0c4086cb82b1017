//! Validated value types and the entities built from them.

mod email;
mod ids;
mod page;
mod password;
mod prediction;
mod user;
mod vacancy;

pub use email::{Email, EmailError};
pub use ids::{PredictionId, SessionId, UserId};
pub use page::{Cursor, CursorError, Page, PageRequest, PageRequestError};
pub use password::{NewPassword, Password, PasswordError, PasswordHash};
pub use prediction::{
    BoundMetrics, Explanation, ModelInfo, Prediction, PredictionStatus, SalaryEstimate,
    TermContribution,
};
pub use user::{NewUser, Role, Session, User};
pub use vacancy::{Vacancy, VacancyError, VacancyField};
