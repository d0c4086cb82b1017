//! The model that turns a vacancy into a salary range.

use crate::models::{ModelInfo, SalaryEstimate, Vacancy};

/// Why a prediction could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// The model cannot handle this input (written for the user).
    #[error("{0}")]
    Unpredictable(String),
}

/// Predicts salary ranges. Synchronous: a prediction takes microseconds.
pub trait SalaryPredictor: Send + Sync {
    /// Predicts a range for one vacancy. The result MUST satisfy `salary_from <= salary_to`,
    /// both finite and positive, and carry the model's version and an explanation.
    ///
    /// # Errors
    /// [`PredictError::Unpredictable`] when no sensible range can be given.
    fn predict(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError>;

    /// What model this is.
    fn info(&self) -> &ModelInfo;
}
