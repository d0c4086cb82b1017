//! Which users an administrator's listing selects: by a piece of their e-mail address.

use unicode_normalization::UnicodeNormalization as _;

use super::{MAX_EMAIL_LEN, User};

/// A piece of an e-mail address to search for, normalised as [`super::Email`] normalises
/// addresses (trimmed, NFKC, lower-cased), so that it matches whatever case or width it was
/// typed in. `%`, `_` and `\` are ordinary characters here: a store that matches with `LIKE`
/// must escape them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSearch(String);

/// Why a string is not an [`EmailSearch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailSearchError {
    /// Empty after trimming.
    #[error("email search must not be empty")]
    Empty,
    /// Longer than an address may be ([`MAX_EMAIL_LEN`] characters).
    #[error("email search must be at most {MAX_EMAIL_LEN} characters")]
    TooLong,
    /// Holds a control character (which no stored address holds, and some databases refuse).
    #[error("email search must not contain control characters")]
    Control,
}

impl EmailSearch {
    /// Parses and normalises a search text.
    ///
    /// # Errors
    /// [`EmailSearchError`] naming the broken rule.
    pub fn parse(raw: &str) -> Result<Self, EmailSearchError> {
        if raw.chars().count() > MAX_EMAIL_LEN {
            return Err(EmailSearchError::TooLong);
        }
        let s = raw.trim();
        if s.is_empty() {
            return Err(EmailSearchError::Empty);
        }
        if s.chars().any(char::is_control) {
            return Err(EmailSearchError::Control);
        }
        Ok(Self(s.nfkc().collect::<String>().to_lowercase()))
    }

    /// The normalised text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A selection of users. Every criterion left `None` selects everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFilter {
    email_contains: Option<EmailSearch>,
}

impl UserFilter {
    /// Everyone.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            email_contains: None,
        }
    }

    /// The users whose (normalised) e-mail address contains `search`, if set.
    #[must_use]
    pub const fn new(email_contains: Option<EmailSearch>) -> Self {
        Self { email_contains }
    }

    /// Only users whose address contains this text, if set.
    #[must_use]
    pub const fn email_contains(&self) -> Option<&EmailSearch> {
        self.email_contains.as_ref()
    }

    /// Whether `u` is selected: the reference semantics every store must implement (a plain
    /// substring test on the stored address, which is lower-case already).
    #[must_use]
    pub fn matches(&self, u: &User) -> bool {
        self.email_contains
            .as_ref()
            .is_none_or(|s| u.email.as_str().contains(s.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_trimmed_folded_and_checked() {
        assert_eq!(EmailSearch::parse("  AnN@ ").unwrap().as_str(), "ann@");
        assert_eq!(EmailSearch::parse("ＡＮＮ").unwrap().as_str(), "ann");
        assert_eq!(EmailSearch::parse("50%_\\").unwrap().as_str(), "50%_\\");
        assert_eq!(EmailSearch::parse("   "), Err(EmailSearchError::Empty));
        assert_eq!(EmailSearch::parse("a\0b"), Err(EmailSearchError::Control));
        let long = "a".repeat(MAX_EMAIL_LEN + 1);
        assert_eq!(EmailSearch::parse(&long), Err(EmailSearchError::TooLong));
        assert!(EmailSearch::parse(&long[1..]).is_ok());
    }
}
