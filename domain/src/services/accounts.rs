//! Registration, sign-in, authentication and sign-out.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::from_store_error;
use crate::models::{
    Email, NewPassword, NewUser, Password, Role, Session, SessionId, User, UserId,
};
use crate::ports::{
    Cause, HashError, PasswordHasher, SessionStore, StoreError, TokenClaims, TokenCodec, UserStore,
    Verification,
};

/// Account use cases.
#[derive(Clone)]
pub struct AccountService {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenCodec>,
    token_ttl: Duration,
}

/// A successful sign-in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The bearer token (also set as the session cookie).
    pub token: String,
    /// When the token expires.
    pub expires_at: OffsetDateTime,
    /// Who signed in.
    pub user: User,
}

/// A request's verified identity.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The user, as stored now.
    pub user: User,
    /// The session the token belongs to.
    pub session_id: SessionId,
}

/// Why registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// An account with this email exists.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug or a hashing failure.
    #[error("registration failed")]
    Internal(#[source] Cause),
}

/// Why sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown email, wrong password or disabled account: deliberately indistinguishable.
    #[error("email or password is wrong")]
    InvalidCredentials,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug or a hashing failure.
    #[error("sign-in failed")]
    Internal(#[source] Cause),
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Bad, expired or revoked token, or a disabled user.
    #[error("invalid or expired token")]
    InvalidToken,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug.
    #[error("authentication failed")]
    Internal(#[source] Cause),
}

/// Why a password change failed.
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password given is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug or a hashing failure.
    #[error("password change failed")]
    Internal(#[source] Cause),
}

from_store_error!(ChangePasswordError);

/// Why deleting an account failed.
#[derive(Debug, thiserror::Error)]
pub enum DeleteAccountError {
    /// The password given to confirm is wrong.
    #[error("the password is wrong")]
    WrongPassword,
    /// Storage is down.
    #[error("storage unavailable")]
    Unavailable(#[source] Cause),
    /// A bug or a hashing failure.
    #[error("account deletion failed")]
    Internal(#[source] Cause),
}

from_store_error!(DeleteAccountError);

impl From<HashError> for DeleteAccountError {
    fn from(e: HashError) -> Self {
        Self::Internal(Box::new(e))
    }
}

impl From<HashError> for ChangePasswordError {
    fn from(e: HashError) -> Self {
        Self::Internal(Box::new(e))
    }
}

from_store_error!(RegisterError);
from_store_error!(SignInError);
from_store_error!(AuthError);

impl From<HashError> for RegisterError {
    fn from(e: HashError) -> Self {
        Self::Internal(Box::new(e))
    }
}

impl From<HashError> for SignInError {
    fn from(e: HashError) -> Self {
        Self::Internal(Box::new(e))
    }
}

impl AccountService {
    /// Wires the use cases to their ports; tokens live for `token_ttl`.
    #[must_use]
    pub fn new(
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenCodec>,
        token_ttl: Duration,
    ) -> Self {
        Self {
            users,
            sessions,
            hasher,
            tokens,
            token_ttl,
        }
    }

    /// How long a token lives.
    #[must_use]
    pub const fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// Creates an account.
    ///
    /// # Errors
    /// [`RegisterError::EmailTaken`] if the email is in use, else storage or hashing failures.
    pub async fn register(
        &self,
        email: Email,
        password: &NewPassword,
        role: Role,
    ) -> Result<User, RegisterError> {
        let password_hash = self.hasher.hash(password.as_password()).await?;
        let new = NewUser {
            id: UserId::generate(),
            email,
            password_hash,
            role,
            created_at: OffsetDateTime::now_utc(),
        };
        match self.users.create_user(new).await {
            Ok(user) => Ok(user),
            Err(StoreError::Duplicate(_)) => Err(RegisterError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks credentials and opens a session.
    ///
    /// Every failure path spends one password verification, so response time does not tell
    /// whether the email exists. A valid hash with outdated parameters is replaced.
    ///
    /// # Errors
    /// [`SignInError::InvalidCredentials`] for an unknown email, a wrong password or a disabled
    /// account; storage or hashing failures otherwise.
    pub async fn sign_in(&self, email: &str, password: &Password) -> Result<SignedIn, SignInError> {
        let user = match Email::parse(email) {
            Ok(email) => self.users.user_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            self.hasher.verify_dummy(password).await;
            return Err(SignInError::InvalidCredentials);
        };
        let verdict = self.hasher.verify(password, &user.password_hash).await?;
        let Verification::Valid { needs_rehash } = verdict else {
            return Err(SignInError::InvalidCredentials);
        };
        if user.disabled {
            return Err(SignInError::InvalidCredentials);
        }
        if needs_rehash {
            let fresh = self.hasher.hash(password).await?;
            self.users.set_password_hash(user.id, &fresh).await?;
        }
        let now = OffsetDateTime::now_utc();
        let session = Session {
            id: SessionId::generate(),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.token_ttl,
            revoked_at: None,
        };
        self.sessions.create_session(&session).await?;
        let claims = TokenClaims {
            session_id: session.id,
            user_id: user.id,
            expires_at: session.expires_at,
        };
        let token = self
            .tokens
            .issue(&claims)
            .map_err(|e| SignInError::Internal(Box::new(e)))?;
        Ok(SignedIn {
            token,
            expires_at: session.expires_at,
            user,
        })
    }

    /// Verifies a token and that its session is active and its user enabled.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for any token that must not be honoured.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AuthError> {
        let claims = self
            .tokens
            .verify(token)
            .map_err(|_| AuthError::InvalidToken)?;
        let now = OffsetDateTime::now_utc();
        // One read for the session and its user: this runs on every request.
        match self.sessions.session_with_user(claims.session_id).await? {
            Some((session, user))
                if session.user_id == claims.user_id
                    && session.is_active(now)
                    && user.id == claims.user_id
                    && !user.disabled =>
            {
                Ok(Authenticated {
                    user,
                    session_id: claims.session_id,
                })
            }
            _ => Err(AuthError::InvalidToken),
        }
    }

    /// Replaces a user's password after checking the current one, and revokes every session of
    /// the user (the caller's too): all their tokens stop working.
    ///
    /// # Errors
    /// [`ChangePasswordError::WrongPassword`] if `current` does not match.
    pub async fn change_password(
        &self,
        user: &User,
        current: &Password,
        new: &NewPassword,
    ) -> Result<(), ChangePasswordError> {
        let verdict = self.hasher.verify(current, &user.password_hash).await?;
        if verdict == Verification::Invalid {
            return Err(ChangePasswordError::WrongPassword);
        }
        let hash = self.hasher.hash(new.as_password()).await?;
        self.users.set_password_hash(user.id, &hash).await?;
        self.sessions
            .revoke_user_sessions(user.id, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }

    /// Deletes the account after checking its password: the user, every session (so every
    /// token of theirs is refused from now on) and every prediction, in one store call
    /// ([`UserStore::delete_user`]). An account deleted meanwhile (by a concurrent call) is
    /// not an error.
    ///
    /// # Errors
    /// [`DeleteAccountError::WrongPassword`] if `password` does not match; storage or hashing
    /// failures otherwise (then nothing was deleted).
    pub async fn delete_account(
        &self,
        user: &User,
        password: &Password,
    ) -> Result<(), DeleteAccountError> {
        let verdict = self.hasher.verify(password, &user.password_hash).await?;
        if verdict == Verification::Invalid {
            return Err(DeleteAccountError::WrongPassword);
        }
        self.users.delete_user(user.id).await?;
        Ok(())
    }

    /// Revokes every session of the user, the caller's included: all their tokens are
    /// refused from now on. Returns how many sessions were revoked.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn sign_out_everywhere(&self, user: UserId) -> Result<u64, AuthError> {
        Ok(self
            .sessions
            .revoke_user_sessions(user, OffsetDateTime::now_utc())
            .await?)
    }

    /// Revokes the session, so its token is refused from now on.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn sign_out(&self, session: SessionId) -> Result<(), AuthError> {
        self.sessions
            .revoke_session(session, OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }
}
