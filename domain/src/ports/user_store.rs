//! Persistence of users.

use async_trait::async_trait;

use super::StoreError;
use crate::models::{Email, NewUser, PasswordHash, User, UserId};

/// Stores users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user and returns it as stored (not disabled).
    ///
    /// # Errors
    /// MUST return [`StoreError::Duplicate`] (`"email"`) if a user with the same (normalised)
    /// email exists, also under a race between two inserts. [`StoreError::Unavailable`] when
    /// the database cannot be reached.
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError>;

    /// Finds a user by email.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;

    /// Finds a user by id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`] only; absence is `Ok(None)`.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// Replaces a user's password hash (after a password change or a parameter upgrade).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`]; an unknown id is not an error.
    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> Result<(), StoreError>;
}
