//! The models a process serves, as something that can be checked and swapped.

use crate::models::{Market, ModelCheck, ModelInfo};

/// Why a model file cannot serve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelFileError {
    /// Not a model file this build reads: bad format, failed checksum, inconsistent content.
    #[error("not a usable model file: {0}")]
    Invalid(String),
    /// Its currency is not that of any market.
    #[error("the model's currency {0} is not that of any market (RUR or RUB for ru, GBP for uk)")]
    NoMarket(String),
}

/// The models this process serves, one per market, swappable while it serves: the
/// [`SalaryPredictor`](super::SalaryPredictor) of the same process predicts with whatever
/// was served last, and predictions in flight finish with the model they started with.
/// Synchronous: decoding a model file takes tens of milliseconds.
pub trait ModelRegistry: Send + Sync {
    /// Checks a model file without serving it: format, checksum, consistency, its market;
    /// scores it, and the model serving its market now, on the file's held-back sample.
    ///
    /// # Errors
    /// [`ModelFileError`] naming what is wrong.
    fn check(&self, bytes: &[u8]) -> Result<ModelCheck, ModelFileError>;

    /// Serves the model in `bytes` for its market from now on; returns what it is.
    ///
    /// # Errors
    /// [`ModelFileError`]; the model serving before stays.
    fn serve(&self, bytes: &[u8]) -> Result<ModelInfo, ModelFileError>;

    /// Serves the model this process started with for `market` again (the one built into
    /// the binary, or given by its settings); returns what it is, or `None` when it started
    /// with none for that market.
    fn serve_bundled(&self, market: Market) -> Option<ModelInfo>;

    /// The models this process started with, one per market it has one for: the fallback of
    /// a market without a standing activation.
    fn bundled(&self) -> Vec<ModelInfo>;

    /// The models serving now, one per market, in [`Market::ALL`] order.
    fn serving(&self) -> Vec<ModelInfo>;
}
