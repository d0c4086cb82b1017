//! Session tokens.

use time::OffsetDateTime;

use crate::models::{SessionId, UserId};

/// What a token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenClaims {
    /// The session it belongs to.
    pub session_id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// When it stops being valid.
    pub expires_at: OffsetDateTime,
}

/// Why a token was refused. Deliberately one undifferentiated variant for clients; the reason
/// is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Malformed, tampered, expired, of another version or purpose, or of an unknown key.
    #[error("invalid token: {0}")]
    Invalid(&'static str),
    /// Could not make a token (crypto failure).
    #[error("token could not be issued")]
    Issue,
}

/// Issues and verifies authenticated, encrypted session tokens.
pub trait TokenCodec: Send + Sync {
    /// Seals claims into a token string.
    ///
    /// # Errors
    /// [`TokenError::Issue`] on a crypto failure.
    fn issue(&self, claims: &TokenClaims) -> Result<String, TokenError>;

    /// Opens a token and checks its integrity and expiry.
    ///
    /// # Errors
    /// MUST return [`TokenError::Invalid`] for anything but an intact, unexpired token of this
    /// codec's kind and keys.
    fn verify(&self, token: &str) -> Result<TokenClaims, TokenError>;
}
