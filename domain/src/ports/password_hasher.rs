//! Password hashing.

use async_trait::async_trait;

use super::Cause;
use crate::models::{Password, PasswordHash};

/// Result of checking a password against a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The password matches. `needs_rehash` is true when the hash uses weaker parameters than
    /// the hasher's current ones and should be replaced.
    Valid {
        /// Whether to store a fresh hash.
        needs_rehash: bool,
    },
    /// The password does not match.
    Invalid,
}

/// A hashing failure (bad stored hash, resource exhaustion).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError(#[source] pub Cause);

/// Hashes and verifies passwords. Deliberately slow; adapters run it off the async executor.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password with a fresh salt into a PHC string.
    ///
    /// # Errors
    /// [`HashError`] if hashing failed.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Checks a password against a stored hash, in time independent of where they differ.
    ///
    /// # Errors
    /// [`HashError`] if the stored hash cannot be read.
    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError>;

    /// Spends the same time as [`PasswordHasher::verify`] against a real hash, and always
    /// fails: used for unknown accounts so that timing does not reveal which emails exist.
    async fn verify_dummy(&self, password: &Password);
}
