//! The sign-in lockout policy: bound an attacker's password guesses without letting a
//! stranger lock the owner out of their account.
//!
//! - Per (account, client address) pair: 10 failures in 15 minutes, then 429 for that pair
//!   only. One address hammering an account stops itself, and nobody else.
//! - Per account, from all addresses together: 100 failures in an hour, then 429 for every
//!   address except those that signed in to the account in the last 30 days (the owner's).
//!   Guesses spread over many addresses stay bounded; the owner at home still gets in.
//! - Per client address, over all accounts: 100 failures in 15 minutes (password spraying).
//!
//! A success clears its pair's count and marks the pair known; it does not clear the
//! account's count, which a stranger's guesses made and an owner's sign-in must not reset.

use std::time::Duration;

use payrange_domain::ports::StoreError;

use crate::wiring::Limits;

/// The key of an (account, address) pair. The address comes first: it holds no space, so
/// the key is unambiguous whatever the account text.
fn pair(account: &str, address: &str) -> String {
    format!("{address} {account}")
}

impl Limits {
    /// `Some(wait)` when a sign-in to `account` from `address` must be refused now.
    ///
    /// # Errors
    /// The limit store's.
    pub async fn signin_blocked(
        &self,
        account: &str,
        address: &str,
    ) -> Result<Option<Duration>, StoreError> {
        let pair = pair(account, address);
        if let Some(wait) = self.signin_pair.blocked(&pair).await? {
            return Ok(Some(wait));
        }
        if let Some(wait) = self.signin_address.blocked(address).await? {
            return Ok(Some(wait));
        }
        match self.signin_account.blocked(account).await? {
            // A pair that signed in lately is the owner's: the account limit spares it.
            Some(wait) if self.signin_known.blocked(&pair).await?.is_none() => Ok(Some(wait)),
            _ => Ok(None),
        }
    }

    /// Counts a failed sign-in (or wrong current password) for `account` from `address`.
    ///
    /// # Errors
    /// The limit store's.
    pub async fn signin_failed(&self, account: &str, address: &str) -> Result<(), StoreError> {
        self.signin_pair.hit(&pair(account, address)).await?;
        self.signin_account.hit(account).await?;
        self.signin_address.hit(address).await?;
        Ok(())
    }

    /// Records a successful sign-in: clears the pair's failures and marks it known.
    ///
    /// # Errors
    /// The limit store's.
    pub async fn signin_succeeded(&self, account: &str, address: &str) -> Result<(), StoreError> {
        let pair = pair(account, address);
        self.signin_pair.clear(&pair).await?;
        self.signin_known.clear(&pair).await?;
        self.signin_known.hit(&pair).await?;
        Ok(())
    }
}
