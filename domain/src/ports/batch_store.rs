//! Persistence of batches: the batch rows and the predictions made of their accepted rows.

use async_trait::async_trait;

use super::StoreError;
use crate::models::{Batch, BatchId, BatchItem, BatchProgress, Page, PageRequest, UserId};

/// Stores batches. A batch's predictions are ordinary predictions (the [`super::LogStore`]
/// reads, lists and finishes them as any other) that also remember their batch and line.
#[async_trait]
pub trait BatchStore: Send + Sync {
    /// Stores a new batch and, as queued predictions tagged with it, its accepted rows.
    /// Each item's prediction MUST belong to the batch's owner and be queued.
    ///
    /// Adapters write the batch first, then the predictions; if the database fails in
    /// between, the batch may hold fewer predictions than `batch.total` (those written are
    /// whole, and unfinished ones are picked up by the republishing of unfinished
    /// predictions as any other).
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] (`"batch"` or `"prediction"`) if an id exists;
    /// [`StoreError::Unavailable`] when the database cannot be reached;
    /// [`StoreError::Internal`].
    async fn insert_batch(&self, batch: &Batch, items: &[BatchItem]) -> Result<(), StoreError>;

    /// A batch with the current states of its predictions, whoever owns it (callers check
    /// ownership).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn batch(&self, id: BatchId) -> Result<Option<BatchProgress>, StoreError>;

    /// One page of `owner`'s batches with their progress, newest (largest id) first,
    /// starting strictly after the page request's cursor. `next` MUST be `Some` exactly when
    /// older batches remain.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn list_batches(
        &self,
        owner: UserId,
        page: PageRequest,
    ) -> Result<Page<BatchProgress>, StoreError>;

    /// The predictions of a batch in their current state, by line (ascending); empty for an
    /// unknown batch.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn batch_items(&self, id: BatchId) -> Result<Vec<BatchItem>, StoreError>;
}
