//! What administrators may do: list users, disable or re-enable them, and read every
//! prediction log. Every method checks the caller's role first, so no handler or command can
//! forget it.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{Authenticated, from_store_error};
use crate::models::{
    Page, PageRequest, Prediction, PredictionFilter, Role, User, UserFilter, UserId,
};
use crate::ports::{Cause, LogStore, SessionStore, UserStore};

/// Administration use cases.
#[derive(Clone)]
pub struct AdminService {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    logs: Arc<dyn LogStore>,
}

/// Why an administrative action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller is not an administrator.
    #[error("this action needs the admin role")]
    Forbidden,
    /// No user with this id.
    #[error("user not found")]
    UserNotFound,
    /// An administrator tried to disable their own account, which would lock them out.
    #[error("administrators cannot disable their own account")]
    SelfDisable,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("the administrative action failed")]
    Internal(#[source] Cause),
}

from_store_error!(AdminError);

impl AdminService {
    /// Wires the use cases to their ports.
    #[must_use]
    pub fn new(
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        logs: Arc<dyn LogStore>,
    ) -> Self {
        Self {
            users,
            sessions,
            logs,
        }
    }

    /// A page of the users that `filter` selects (e.g. by a piece of their e-mail address),
    /// newest first.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless `caller` is an administrator; storage failures.
    pub async fn users(
        &self,
        caller: &Authenticated,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, AdminError> {
        require_admin(caller)?;
        Ok(self.users.list_users(filter, page).await?)
    }

    /// Disables or re-enables a user. Disabling also revokes every session of the user, so
    /// their tokens stop working at once and stay dead if the account is enabled again (the
    /// user signs in anew). A disabled user cannot sign in.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless `caller` is an administrator;
    /// [`AdminError::UserNotFound`]; [`AdminError::SelfDisable`] when an administrator
    /// disables themselves; storage failures.
    pub async fn set_disabled(
        &self,
        caller: &Authenticated,
        user: UserId,
        disabled: bool,
    ) -> Result<User, AdminError> {
        require_admin(caller)?;
        if disabled && user == caller.user.id {
            return Err(AdminError::SelfDisable);
        }
        let updated = self
            .users
            .set_disabled(user, disabled)
            .await?
            .ok_or(AdminError::UserNotFound)?;
        if disabled {
            self.sessions
                .revoke_user_sessions(user, OffsetDateTime::now_utc())
                .await?;
        }
        Ok(updated)
    }

    /// A page of every user's predictions that `filter` selects, newest first.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless `caller` is an administrator; storage failures.
    pub async fn predictions(
        &self,
        caller: &Authenticated,
        filter: &PredictionFilter,
        page: PageRequest,
    ) -> Result<Page<Prediction>, AdminError> {
        require_admin(caller)?;
        Ok(self.logs.list_predictions(filter, page).await?)
    }
}

const fn require_admin(caller: &Authenticated) -> Result<(), AdminError> {
    match caller.user.role {
        Role::Admin => Ok(()),
        Role::User => Err(AdminError::Forbidden),
    }
}
