//! Persistence of users.

use async_trait::async_trait;

use super::StoreError;
use crate::models::{Email, NewUser, Page, PageRequest, PasswordHash, User, UserFilter, UserId};

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

    /// One page of the users that `filter` selects ([`UserFilter::matches`]), newest
    /// (largest id) first, starting strictly after the page request's cursor. `next` MUST be
    /// `Some` exactly when older selected users remain. An e-mail search is a substring test
    /// in which every character stands for itself: `%`, `_` and `\` MUST NOT act as
    /// wildcards or escapes.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn list_users(
        &self,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError>;

    /// Sets whether a user is disabled; returns the user as stored afterwards, or `None` for
    /// an unknown id (writing nothing).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`].
    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Option<User>, StoreError>;

    /// Deletes a user and everything stored about them, in one transaction: their sessions,
    /// their predictions (the request log) and the user row. Returns `false`, deleting
    /// nothing, for an unknown id. A prediction of the user still being processed is gone as
    /// well: finishing it afterwards MUST write nothing (as for any missing prediction).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] / [`StoreError::Internal`]; then nothing was deleted.
    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError>;
}
