//! The vacancy a user asks about.

use std::fmt;

use super::Market;
use super::unicode::is_bidi_formatting;

/// Most characters in a title.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters in a description (the longest real hh.ru ad in our data has ~7,700).
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
/// Most characters in an area (city or region).
pub const MAX_AREA_CHARS: usize = 100;

/// A job vacancy: title, free-text description and optional area.
///
/// Each field is at most its limit of characters as sent, and is stored trimmed; titles and
/// descriptions must not be empty after trimming; no field may contain a NUL or
/// other control character except tab, newline and carriage return in the description.
/// Explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are
/// dropped from every field before anything else: they would let a title display as other
/// text than it holds (and spill into the history list around it), and taking them out is
/// friendlier than refusing text pasted with them. The bidi marks (U+200E, U+200F, U+061C)
/// stay: they only settle the direction of neutral characters, as right-to-left text needs.
///
/// It belongs to a [`Market`]: the one named with it ([`Vacancy::with_market`]), else the
/// one its text's language suggests ([`Market::detect`] on title, description and area).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vacancy {
    name: String,
    description: String,
    area: Option<String>,
    market: Market,
}

/// Which field of a [`Vacancy`] broke a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VacancyField {
    /// The title.
    Name,
    /// The description.
    Description,
    /// The area.
    Area,
}

impl VacancyField {
    /// The field's name in the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Description => "description",
            Self::Area => "area",
        }
    }
}

impl fmt::Display for VacancyField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a vacancy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VacancyError {
    /// A required field is empty after trimming.
    #[error("{0} must not be empty")]
    Empty(VacancyField),
    /// A field is longer than its limit.
    #[error("{field} must be at most {max} characters")]
    TooLong {
        /// The field.
        field: VacancyField,
        /// Its limit in characters.
        max: usize,
    },
    /// A field holds a NUL or another control character.
    #[error("{0} must not contain control characters")]
    ControlCharacter(VacancyField),
}

impl VacancyError {
    /// The field at fault.
    #[must_use]
    pub const fn field(&self) -> VacancyField {
        match self {
            Self::Empty(f) | Self::ControlCharacter(f) => *f,
            Self::TooLong { field, .. } => *field,
        }
    }
}

/// `raw` without its explicit bidi formatting characters.
fn without_bidi_formatting(raw: &str) -> String {
    raw.chars().filter(|&c| !is_bidi_formatting(c)).collect()
}

fn check(
    raw: &str,
    field: VacancyField,
    max: usize,
    allow_newlines: bool,
) -> Result<String, VacancyError> {
    // The limit counts what was sent, surrounding whitespace included: one simple rule that
    // the API's schema can state exactly (`maxLength`).
    if raw.chars().count() > max {
        return Err(VacancyError::TooLong { field, max });
    }
    let cleaned = without_bidi_formatting(raw);
    let s = cleaned.trim();
    if s.is_empty() {
        return Err(VacancyError::Empty(field));
    }
    let bad = |c: char| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'));
    if s.chars().any(bad) {
        return Err(VacancyError::ControlCharacter(field));
    }
    Ok(s.to_owned())
}

impl Vacancy {
    /// Validates and trims the three fields. An area that is empty after trimming is `None`.
    ///
    /// # Errors
    /// [`VacancyError`] naming the first field that breaks a rule.
    pub fn new(name: &str, description: &str, area: Option<&str>) -> Result<Self, VacancyError> {
        Self::in_market(name, description, area, None)
    }

    /// [`Vacancy::new`] in `market` when one is named (its text is then not scanned for its
    /// language: stored vacancies are read on every request), else in the market its text
    /// suggests ([`Market::detect`]).
    ///
    /// # Errors
    /// [`VacancyError`] naming the first field that breaks a rule.
    pub fn in_market(
        name: &str,
        description: &str,
        area: Option<&str>,
        market: Option<Market>,
    ) -> Result<Self, VacancyError> {
        let name = check(name, VacancyField::Name, MAX_NAME_CHARS, false)?;
        let description = check(
            description,
            VacancyField::Description,
            MAX_DESCRIPTION_CHARS,
            true,
        )?;
        let area = match area {
            Some(a) if !without_bidi_formatting(a).trim().is_empty() => {
                Some(check(a, VacancyField::Area, MAX_AREA_CHARS, false)?)
            }
            Some(a) if a.chars().count() > MAX_AREA_CHARS => {
                return Err(VacancyError::TooLong {
                    field: VacancyField::Area,
                    max: MAX_AREA_CHARS,
                });
            }
            _ => None,
        };
        let market = market.unwrap_or_else(|| {
            Market::detect(&[&name, &description, area.as_deref().unwrap_or("")])
        });
        Ok(Self {
            name,
            description,
            area,
            market,
        })
    }

    /// The same vacancy in `market` when one is named; unchanged (its detected market) when
    /// `None`.
    #[must_use]
    pub fn with_market(mut self, market: Option<Market>) -> Self {
        if let Some(m) = market {
            self.market = m;
        }
        self
    }

    /// The title.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The area, if given.
    #[must_use]
    pub fn area(&self) -> Option<&str> {
        self.area.as_deref()
    }

    /// The market whose model prices it.
    #[must_use]
    pub const fn market(&self) -> Market {
        self.market
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_trimmed_and_blank_area_is_none() {
        let v = Vacancy::new("  Rust developer ", "Write services.\nIn Rust.", Some("  ")).unwrap();
        assert_eq!(v.name(), "Rust developer");
        assert_eq!(v.area(), None);
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(
            Vacancy::new(" ", "d", None).unwrap_err(),
            VacancyError::Empty(VacancyField::Name)
        );
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            Vacancy::new("n", &long, None).unwrap_err().field(),
            VacancyField::Description
        );
        assert_eq!(
            Vacancy::new("n", "d", Some("Mos\0cow")).unwrap_err(),
            VacancyError::ControlCharacter(VacancyField::Area)
        );
        assert_eq!(
            Vacancy::new("a\nb", "d", None).unwrap_err(),
            VacancyError::ControlCharacter(VacancyField::Name)
        );
    }

    #[test]
    fn bidi_overrides_are_dropped_and_marks_kept() {
        let v = Vacancy::new(
            "\u{202e}Rust developer\u{202c}",
            "\u{2067}Пишем на Rust\u{2069}\nשלום\u{200f}!",
            Some("\u{202b}Москва\u{202c} "),
        )
        .unwrap();
        assert_eq!(v.name(), "Rust developer");
        assert_eq!(v.description(), "Пишем на Rust\nשלום\u{200f}!");
        assert_eq!(v.area(), Some("Москва"));
        assert_eq!(
            Vacancy::new("\u{202e}", "d", None).unwrap_err(),
            VacancyError::Empty(VacancyField::Name)
        );
        assert_eq!(
            Vacancy::new("n", "d", Some(" \u{2066}\u{2069}"))
                .unwrap()
                .area(),
            None
        );
    }

    #[test]
    fn market_is_detected_unless_named() {
        let ru = Vacancy::new("Повар", "Готовить завтраки", None).unwrap();
        assert_eq!(ru.market(), Market::Ru);
        let uk = Vacancy::new("Chef", "Cook breakfasts in Leeds", None).unwrap();
        assert_eq!(uk.market(), Market::Uk);
        assert_eq!(
            uk.clone().with_market(Some(Market::Ru)).market(),
            Market::Ru
        );
        assert_eq!(uk.with_market(None).market(), Market::Uk);
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let name = "я".repeat(MAX_NAME_CHARS);
        assert!(Vacancy::new(&name, "описание", None).is_ok());
    }
}
