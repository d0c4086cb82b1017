//! E-mail addresses, normalised so that one mailbox is one account.

use std::fmt;

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// A syntactically plausible e-mail address, trimmed and lower-cased.
///
/// The check is deliberately modest (one `@`, a non-empty local part, a dotted domain, no
/// whitespace or control characters): the only real proof of an address is mail reaching it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why a string is not an [`Email`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Empty after trimming.
    #[error("email must not be empty")]
    Empty,
    /// Longer than [`MAX_EMAIL_LEN`] characters.
    #[error("email must be at most {MAX_EMAIL_LEN} characters")]
    TooLong,
    /// Not of the form `local@domain.tld`.
    #[error("email must look like name@example.com")]
    Malformed,
}

impl Email {
    /// Parses and normalises an address.
    ///
    /// # Errors
    /// [`EmailError`] naming the broken rule.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        // The limit counts what was sent (surrounding whitespace too), in characters: the
        // rule the API's schema states as `maxLength`.
        if raw.chars().count() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let s = raw.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Malformed);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Malformed)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(s.to_lowercase()))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lowercased() {
        let e = Email::parse("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "ann.lee@example.com");
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a@b@c.com",
            "a b@c.com",
            "a@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Email::parse(&format!("{}@x.com", "a".repeat(300))),
            Err(EmailError::TooLong)
        );
    }
}
