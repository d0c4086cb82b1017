//! The job market a vacancy belongs to: which model (and so which currency) prices it.

use std::fmt;

/// A job market served by its own model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Market {
    /// Russia: the model trained on hh.ru vacancies, roubles per month.
    #[default]
    Ru,
    /// The United Kingdom: the model trained on Adzuna vacancies, pounds per year.
    Uk,
}

/// Why a market name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("market must be one of {accepted}, not {given:?}", accepted = Market::ACCEPTED.join(", "))]
pub struct MarketError {
    /// What was sent (cut to 40 characters).
    pub given: String,
}

/// Below this share of Cyrillic among the letters of a vacancy's text it is taken for the UK
/// market (see [`Market::detect`]).
pub const CYRILLIC_SHARE_FOR_RU: f64 = 0.1;

impl Market {
    /// Every market, in the order they are listed.
    pub const ALL: [Self; 2] = [Self::Ru, Self::Uk];
    /// Their names in the API.
    pub const ACCEPTED: [&'static str; 2] = ["ru", "uk"];

    /// Stable text form, used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::Uk => "uk",
        }
    }

    /// Parses [`Market::as_str`] output, ignoring case and surrounding whitespace.
    ///
    /// # Errors
    /// [`MarketError`] naming the accepted values.
    pub fn parse(s: &str) -> Result<Self, MarketError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ru" => Ok(Self::Ru),
            "uk" => Ok(Self::Uk),
            _ => Err(MarketError {
                given: s.chars().take(40).collect(),
            }),
        }
    }

    /// The market a text is most likely written for, from its language. A hand-written rule
    /// rather than a language-detection crate: the two markets differ by script, so the
    /// share of Cyrillic among the letters of `parts` decides — at least
    /// [`CYRILLIC_SHARE_FOR_RU`] (a tenth) means [`Market::Ru`], less means [`Market::Uk`].
    /// The bar is low because hh.ru ads are often mostly English technical terms ("Senior
    /// Python developer", "Django, PostgreSQL") around a few Russian words, while UK ads
    /// hold no Cyrillic at all. A text without letters goes to [`Market::Ru`], the original
    /// market.
    #[must_use]
    pub fn detect(parts: &[&str]) -> Self {
        let (mut letters, mut cyrillic) = (0usize, 0usize);
        for c in parts.iter().flat_map(|p| p.chars()) {
            // Cyrillic and ASCII are decided by range: `char::is_alphabetic` looks every
            // non-ASCII character up in a table, which made this scan an eighth of `serve`'s
            // CPU. In the Cyrillic blocks only U+0482-U+0489 (a sign and combining marks) are
            // not letters.
            if c.is_ascii() {
                letters += usize::from(c.is_ascii_alphabetic());
            } else if matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}') {
                letters += 1;
                cyrillic += 1;
            } else if c.is_alphabetic() {
                letters += 1;
            }
        }
        if letters == 0 || cyrillic as f64 >= CYRILLIC_SHARE_FOR_RU * letters as f64 {
            Self::Ru
        } else {
            Self::Uk
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_own_names_and_names_the_accepted_ones_otherwise() {
        for m in Market::ALL {
            assert_eq!(Market::parse(m.as_str()), Ok(m));
        }
        assert_eq!(Market::parse(" UK "), Ok(Market::Uk));
        let err = Market::parse("gb").unwrap_err();
        assert_eq!(err.to_string(), "market must be one of ru, uk, not \"gb\"");
        assert!(Market::parse("").is_err());
    }

    /// The rule as first written: every letter by `char::is_alphabetic`.
    fn detect_by_table(parts: &[&str]) -> Market {
        let (mut letters, mut cyrillic) = (0usize, 0usize);
        for c in parts
            .iter()
            .flat_map(|p| p.chars())
            .filter(|c| c.is_alphabetic())
        {
            letters += 1;
            if matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}') {
                cyrillic += 1;
            }
        }
        if letters == 0 || cyrillic as f64 >= CYRILLIC_SHARE_FOR_RU * letters as f64 {
            Market::Ru
        } else {
            Market::Uk
        }
    }

    #[test]
    fn the_fast_scan_decides_as_the_letter_table_does() {
        // Every character below U+0600 (Latin, Greek, Cyrillic and their marks), alone and
        // against English text of several lengths around the one-tenth bar.
        for code in 0..0x600u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            for pad in ["", "abc", "abcdefghi", "abcdefghij", "abcdefghijk"] {
                for n in [1, 2] {
                    let text = format!("{}{pad}", c.to_string().repeat(n));
                    assert_eq!(
                        Market::detect(&[&text]),
                        detect_by_table(&[&text]),
                        "U+{code:04X} × {n} with {pad:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn detection_follows_the_share_of_cyrillic_letters() {
        assert_eq!(
            Market::detect(&["Python-разработчик", "Django, PostgreSQL. Опыт от 3 лет."]),
            Market::Ru
        );
        assert_eq!(
            Market::detect(&["Senior Python developer", "Удалённая работа, ДМС, Docker"]),
            Market::Ru
        );
        assert_eq!(
            Market::detect(&[
                "Senior Python developer",
                "Django, PostgreSQL. От 5 лет.",
                "Москва"
            ]),
            Market::Ru
        );
        assert_eq!(
            Market::detect(&["Staff Nurse", "NHS hospital in Leeds, full time"]),
            Market::Uk
        );
        assert_eq!(Market::detect(&["123", "—"]), Market::Ru);
        // Cyrillic signs and combining marks are not letters; accented Latin letters are.
        assert_eq!(
            Market::detect(&["\u{0482}\u{0483}\u{0488}", "123"]),
            Market::Ru
        );
        assert_eq!(Market::detect(&["Café au lait", "\u{0483}"]), Market::Uk);
        // One Cyrillic word in a long English text does not make it Russian.
        assert_eq!(
            Market::detect(&[
                "Chef de partie",
                "Busy restaurant in central London seeks an experienced chef. Борщ"
            ]),
            Market::Uk
        );
    }
}
