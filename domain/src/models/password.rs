//! Passwords: what a user may choose ([`NewPassword`]), what a user may type at sign-in
//! ([`Password`]) and what is stored ([`PasswordHash`]).

use std::fmt;

/// Fewest characters a new password may have (NIST SP 800-63B allows 8; we ask for 12).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most characters a new password may have. Longer ones are refused, never truncated.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Upper bound on what sign-in accepts, in bytes, so nobody makes us hash a megabyte.
const MAX_ATTEMPT_BYTES: usize = 4 * MAX_PASSWORD_CHARS;

/// A password as typed. Never printed: `Debug` shows `Password(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// A password that satisfies the rules for choosing one.
///
/// Rules: 12 to 128 Unicode scalar values, any characters but control characters, not one
/// character or a short pattern repeated nor a plain sequence ([`is_simple`]), no composition
/// rules. A bundled list of common passwords is checked by
/// [`NewPassword::parse_with_blocklist`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(Password);

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("password must be at least {MIN_PASSWORD_CHARS} characters long")]
    TooShort,
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("password must be at most {MAX_PASSWORD_CHARS} characters long")]
    TooLong,
    /// Contains a control character (NUL, newline, ...).
    #[error("password must not contain control characters")]
    ControlCharacter,
    /// On the list of commonly used passwords.
    #[error("password is too common; choose one that is not on lists of leaked passwords")]
    TooCommon,
    /// One character repeated, a short pattern repeated or a plain sequence (see
    /// [`is_simple`]).
    #[error(
        "password is too simple: not one character or a short pattern repeated, nor a sequence like abcdef or 123456"
    )]
    TooSimple,
    /// Empty (sign-in only).
    #[error("password must not be empty")]
    Empty,
}

impl Password {
    /// Accepts what a user typed at sign-in: non-empty and of bounded size, nothing more, so
    /// that sign-in never reveals the password rules of an account.
    ///
    /// # Errors
    /// [`PasswordError::Empty`] or [`PasswordError::TooLong`].
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        if raw.is_empty() {
            return Err(PasswordError::Empty);
        }
        if raw.len() > MAX_ATTEMPT_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl NewPassword {
    /// Checks the length and character rules.
    ///
    /// # Errors
    /// [`PasswordError`] naming the broken rule.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        Self::parse_with_blocklist(raw, |_| false)
    }

    /// Like [`NewPassword::parse`], and also refuses passwords for which `is_common` is true.
    ///
    /// # Errors
    /// [`PasswordError`] naming the broken rule.
    pub fn parse_with_blocklist(
        raw: &str,
        is_common: impl Fn(&str) -> bool,
    ) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        if raw.chars().any(char::is_control) {
            return Err(PasswordError::ControlCharacter);
        }
        if is_simple(raw) {
            return Err(PasswordError::TooSimple);
        }
        if is_common(raw) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Self(Password(raw.to_owned())))
    }

    /// The password, for hashing.
    #[must_use]
    pub fn as_password(&self) -> &Password {
        &self.0
    }
}

/// Whether a password is one character repeated (`aaaaaaaaaaaa`), a pattern of two or three
/// characters repeated (`abababababab`, `abcabcabcabc`) or a plain sequence up or down
/// (`abcdefghijkl`, `987654321098`, digits running on from 9 to 0): guessed at once whatever
/// the length, yet in most lengths on no list of leaked passwords.
fn is_simple(raw: &str) -> bool {
    let c: Vec<char> = raw.chars().collect();
    let repeated =
        (1..=3).any(|unit| c.len() > unit && (unit..c.len()).all(|i| c[i] == c[i % unit]));
    let step = |a: char, b: char| {
        let d = i64::from(u32::from(b)) - i64::from(u32::from(a));
        match (a.is_ascii_digit() && b.is_ascii_digit(), d) {
            (true, -9) => 1,
            (true, 9) => -1,
            _ => d,
        }
    };
    let steps: Vec<i64> = c.windows(2).map(|w| step(w[0], w[1])).collect();
    let sequence = steps
        .first()
        .is_some_and(|&s| s.abs() == 1 && steps.iter().all(|&t| t == s));
    repeated || sequence
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A password hash in PHC string format (`$argon2id$v=19$m=...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a [`crate::ports::PasswordHasher`] or read from storage.
    #[must_use]
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_follow_length_rules_in_characters_not_bytes() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            PasswordError::TooShort
        );
        // 12 Cyrillic letters are 24 bytes but 12 characters: accepted.
        assert!(NewPassword::parse("пароль-длинн").is_ok());
        let longest = format!("{}яю", "пароль".repeat(21));
        assert_eq!(longest.chars().count(), 128);
        assert!(NewPassword::parse(&longest).is_ok());
        assert_eq!(
            NewPassword::parse(&"я".repeat(129)).unwrap_err(),
            PasswordError::TooLong
        );
        assert_eq!(
            NewPassword::parse("twelve chars\0x").unwrap_err(),
            PasswordError::ControlCharacter
        );
    }

    #[test]
    fn repeated_characters_patterns_and_sequences_are_refused() {
        for simple in [
            "aaaaaaaaaaaa",
            "ЯЯЯЯЯЯЯЯЯЯЯЯЯЯ",
            "abababababab",
            "abcabcabcabc",
            "abcdefghijklm",
            "zyxwvutsrqpo",
            "123456789012",
            "098765432109",
        ] {
            assert_eq!(
                NewPassword::parse(simple).unwrap_err(),
                PasswordError::TooSimple,
                "{simple}"
            );
        }
        for fine in [
            "abcdabcdabcd x",
            "aaaaaaaaaaab",
            "abcdefghijkm",
            "correct horse battery",
        ] {
            assert!(NewPassword::parse(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn blocklisted_passwords_are_refused() {
        let r = NewPassword::parse_with_blocklist("password1234", |p| p == "password1234");
        assert_eq!(r.unwrap_err(), PasswordError::TooCommon);
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
        assert!(!format!("{:?}", PasswordHash::new("$argon2id$x".into())).contains("argon"));
    }
}
