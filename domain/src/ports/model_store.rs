//! Persistence of model files and of which version serves each market.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::models::{Market, ModelActivation, StoredModel};

/// Keeps uploaded model files and the activations that choose the version serving each
/// market, so that every process of a deployment (any number of machines) serves the same
/// models: models live in the database, not on one machine's disk.
#[async_trait]
pub trait ModelStore: Send + Sync {
    /// Stores a checked model file.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] (`"model"`) if its version is stored already;
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn insert_model(&self, model: &StoredModel, bytes: &[u8]) -> Result<(), StoreError>;

    /// Every stored model without its bytes, the latest uploaded first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn stored_models(&self) -> Result<Vec<StoredModel>, StoreError>;

    /// The file of a stored model; `None` when no model has this version.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn model_bytes(&self, version: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records an activation (its `rolled_back_at` is ignored: a new one stands).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn push_activation(&self, activation: &ModelActivation) -> Result<(), StoreError>;

    /// Marks the latest standing activation of `market` rolled back at `at`, atomically (two
    /// rollbacks at once roll back two activations, never one twice), and returns it; `None`
    /// when none stands.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn pop_activation(
        &self,
        market: Market,
        at: OffsetDateTime,
    ) -> Result<Option<ModelActivation>, StoreError>;

    /// The latest standing activation of each market that has one, in
    /// [`Market::ALL`](crate::models::Market::ALL) order. Read every second or so by every
    /// process: it MUST be cheap.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn standing_activations(&self) -> Result<Vec<ModelActivation>, StoreError>;

    /// The activations of `market`, rolled back ones included, the latest first, at most
    /// `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn activations(
        &self,
        market: Market,
        limit: u32,
    ) -> Result<Vec<ModelActivation>, StoreError>;
}
