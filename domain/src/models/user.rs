//! Users and their signed-in sessions.

use time::OffsetDateTime;

use super::{Email, PasswordHash, SessionId, UserId};

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// An ordinary user: their own predictions only.
    User,
    /// An administrator: may also list users and all prediction logs.
    Admin,
}

impl Role {
    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`] output.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user about to be stored.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Fresh id.
    pub id: UserId,
    /// Normalised address, unique among users.
    pub email: Email,
    /// argon2id PHC string.
    pub password_hash: PasswordHash,
    /// Role.
    pub role: Role,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Normalised address.
    pub email: Email,
    /// argon2id PHC string.
    pub password_hash: PasswordHash,
    /// Role.
    pub role: Role,
    /// A disabled user cannot sign in and their tokens stop working.
    pub disabled: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A signed-in session. Tokens name it; revoking it makes them worthless.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Id, carried inside the token.
    pub id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// When it began.
    pub created_at: OffsetDateTime,
    /// When its token expires.
    pub expires_at: OffsetDateTime,
    /// When it was revoked (sign-out, password change), if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Session {
    /// Whether a token of this session may be used at `now`.
    #[must_use]
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}
