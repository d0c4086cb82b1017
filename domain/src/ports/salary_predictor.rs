//! The model that turns a vacancy into a salary range.

use crate::models::{ModelInfo, SalaryEstimate, Vacancy};

/// Why a prediction could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// The model cannot handle this input (written for the user).
    #[error("{0}")]
    Unpredictable(String),
}

/// Predicts salary ranges, with one model per [market](crate::models::Market). Synchronous:
/// a prediction takes microseconds.
pub trait SalaryPredictor: Send + Sync {
    /// Predicts a range for one vacancy with the model of [`Vacancy::market`], in that
    /// model's currency. The result MUST satisfy `salary_from <= salary_to`, both finite and
    /// positive, and carry the model's version and an explanation.
    ///
    /// # Errors
    /// [`PredictError::Unpredictable`] when no sensible range can be given, or no model
    /// serves the vacancy's market.
    fn predict(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError>;

    /// The model of the default market
    /// ([`Market::Ru`](crate::models::Market::Ru)), or the first served. Owned: the model
    /// serving may change at any time (see [`ModelRegistry`](super::ModelRegistry)).
    fn info(&self) -> ModelInfo;

    /// Every model serving now, one per market, in
    /// [`Market::ALL`](crate::models::Market::ALL) order.
    fn models(&self) -> Vec<ModelInfo> {
        vec![self.info()]
    }
}
