//! E-mail addresses, normalised so that one mailbox is one account, and refused when they
//! could pass for another account's address.

use std::fmt;

use unicode_normalization::UnicodeNormalization as _;
use unicode_security::MixedScript as _;

use super::unicode::{is_bidi_control, is_invisible};

/// Longest address accepted (RFC 5321 path limit), counted as sent.
pub const MAX_EMAIL_LEN: usize = 254;

/// A syntactically plausible e-mail address, trimmed, in Unicode NFKC and lower-cased.
///
/// The check is deliberately modest (one `@`, a non-empty local part, a dotted domain, no
/// whitespace or control characters): the only real proof of an address is mail reaching it.
/// What it does guard against is look-alikes of another account: forms of one address that
/// differ only in encoding are one address (NFKC folds full-width `ｖ` to `v` and joins a
/// decomposed `é`; case is folded too), and characters that hide or fake what an address
/// says are refused (invisible and bidi-control characters, and letters of two scripts in the
/// local part or in one domain label, such as a Cyrillic `і` among Latin letters).
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
    /// Holds a character that reorders text (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
    /// U+061C).
    #[error("email must not contain bidirectional control characters such as U+202E")]
    BidiControl,
    /// Holds a character that shows nothing (U+200B zero-width space, U+00AD soft hyphen,
    /// U+FEFF, ...).
    #[error("email must not contain invisible characters such as U+200B (zero-width space)")]
    Invisible,
    /// Letters of two scripts in the local part or in one domain label.
    #[error(
        "email must not mix scripts (such as Latin and Cyrillic letters) before the @ or \
         within one part of the domain"
    )]
    MixedScript,
}

/// Whether `c` may stand in an address, wherever the `@` and the dots leave room for it:
/// not white space, a control, an invisible or bidi-control character, nor one whose NFKC
/// form holds an `@`, a `.`, white space or a control (`＠`, `．`, `⒈`, `¨`), since
/// normalising would change the address's shape. This is what the API's pattern for emails
/// states (`payrange-app`'s `rules`).
#[must_use]
pub fn is_email_char(c: char) -> bool {
    let bad = |c: char| c.is_whitespace() || c.is_control();
    if bad(c) || is_invisible(c) {
        return false;
    }
    matches!(c, '@' | '.')
        || !std::iter::once(c)
            .nfkc()
            .any(|n| bad(n) || matches!(n, '@' | '.'))
}

impl Email {
    /// Parses and normalises an address: trims it, takes its NFKC form and lower-cases it.
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
        // The specific refusals first, so that the message names the real problem.
        if s.chars().any(is_bidi_control) {
            return Err(EmailError::BidiControl);
        }
        if s.chars().any(is_invisible) {
            return Err(EmailError::Invisible);
        }
        if !s.chars().all(is_email_char) {
            return Err(EmailError::Malformed);
        }
        // No character normalises into an `@`, a dot or white space (`is_email_char`), so
        // the normal form has the shape that was sent.
        let normal = s.nfkc().collect::<String>().to_lowercase();
        let (local, domain) = normal.split_once('@').ok_or(EmailError::Malformed)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(EmailError::Malformed);
        }
        // UTS #39's single-script test: digits and punctuation go with any script, and Han
        // with Hiragana, Katakana or Hangul counts as one (Japanese, Korean).
        if !local.is_single_script() || !domain.split('.').all(|l| l.is_single_script()) {
            return Err(EmailError::MixedScript);
        }
        Ok(Self(normal))
    }

    /// An address as a store holds it, taken as is. Stored addresses were normalised by
    /// [`Email::parse`] when written, but perhaps by an older version with looser rules (one
    /// that let invisible characters or mixed scripts in): such an account must stay readable,
    /// e.g. for an administrator to disable it, so nothing is checked again here.
    #[must_use]
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.to_owned())
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
    use unicode_normalization::is_nfkc;

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

    #[test]
    fn forms_of_one_address_are_one_address() {
        let victim = Email::parse("victim@example.com").unwrap();
        assert_eq!(Email::parse("ｖｉｃｔｉｍ@example.com").unwrap(), victim);
        assert_eq!(
            Email::parse("ＶＩＣＴＩＭ@ＥＸＡＭＰＬＥ.com").unwrap(),
            victim
        );
        let composed = Email::parse("ren\u{e9}@example.com").unwrap();
        assert_eq!(Email::parse("rene\u{301}@example.com").unwrap(), composed);
        assert_eq!(composed.as_str(), "ren\u{e9}@example.com");
    }

    #[test]
    fn look_alike_addresses_are_refused_saying_why() {
        for (raw, why) in [
            ("vіctim@example.com", EmailError::MixedScript), // Cyrillic і
            ("victim@exаmple.com", EmailError::MixedScript), // Cyrillic а
            ("victim@exa\u{200b}mple.com", EmailError::Invisible),
            ("vic\u{200c}tim@example.com", EmailError::Invisible),
            ("vic\u{200d}tim@example.com", EmailError::Invisible),
            ("vic\u{2060}tim@example.com", EmailError::Invisible),
            ("\u{feff}victim@example.com", EmailError::Invisible),
            ("vic\u{ad}tim@example.com", EmailError::Invisible),
            ("victim\u{e0041}@example.com", EmailError::Invisible),
            ("victim@\u{202e}moc.elpmaxe", EmailError::BidiControl),
            ("victim\u{2066}@example.com", EmailError::BidiControl),
            ("victim\u{200f}@example.com", EmailError::BidiControl),
            // Characters whose normal form would change the address's shape.
            ("victim＠example.com", EmailError::Malformed),
            ("victim@example．com", EmailError::Malformed),
            ("victim@example⒈com", EmailError::Malformed),
            ("vi¨ctim@example.com", EmailError::Malformed),
        ] {
            assert_eq!(Email::parse(raw), Err(why.clone()), "{raw:?}");
            assert!(!why.to_string().is_empty());
        }
    }

    #[test]
    fn addresses_in_one_script_each_are_accepted() {
        for ok in [
            "анна@пример.рф",
            "анна.2024+новости@example.com",
            "たなか太郎@example.jp",
            "ren\u{e9}_o'hara@example.co.uk",
            "δοκιμή@παράδειγμα.δοκιμή",
            "ann@пример.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok:?} refused");
        }
    }

    #[test]
    fn stored_ascii_addresses_are_their_own_normal_form() {
        // Accounts stored before normalisation was added are found again by what their
        // owners type: lower-cased ASCII is unchanged by NFKC.
        let stored = "ann.lee+x@example.com";
        assert_eq!(Email::parse(stored).unwrap(), Email::from_stored(stored));
    }

    #[test]
    fn lower_casing_keeps_the_normal_form() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let normal = std::iter::once(c).nfkc().collect::<String>().to_lowercase();
            assert!(is_nfkc(&normal), "{:04X}", c as u32);
        }
    }
}
