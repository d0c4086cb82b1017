//! Persistence of signed-in sessions, so that tokens can be revoked before they expire.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::models::{Session, SessionId, User, UserId};

/// Stores sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] (`"session"`) if the id exists; [`StoreError::Unavailable`]
    /// when the database cannot be reached.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// Finds a session by id, revoked or not.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError>;

    /// Finds a session by id (revoked or not) together with its user, in one read: what
    /// authenticating a request needs. `Ok(None)` when either is absent.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn session_with_user(&self, id: SessionId)
    -> Result<Option<(Session, User)>, StoreError>;

    /// Marks one session revoked at `at`. Revoking an unknown or already revoked session is
    /// not an error and MUST keep the first revocation time.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn revoke_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Revokes every active session of a user; returns how many it revoked.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<u64, StoreError>;
}
