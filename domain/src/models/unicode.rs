//! Characters that make text look other than it is: invisible ones, and the controls that
//! reorder text (a U+202E turns `moc.elpmaxe` into what reads as `example.com`). Used by
//! [`super::Email`], which refuses them, and [`super::Vacancy`], which drops the reordering
//! ones.

use unicode_security::GeneralSecurityProfile as _;
use unicode_security::general_security_profile::IdentifierType;

/// Unicode's `Bidi_Control`: the explicit directional embeddings, overrides and isolates
/// ([`is_bidi_formatting`]) and the marks LRM, RLM and ALM (U+200E, U+200F, U+061C).
///
/// Written out because no crate in the tree exposes this property of 12 code points
/// (PropList.txt), and it has not changed since Unicode 6.3.
#[must_use]
pub(crate) fn is_bidi_control(c: char) -> bool {
    is_bidi_formatting(c) || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}')
}

/// The explicit directional formatting characters: embeddings and overrides (U+202A–U+202E)
/// and isolates (U+2066–U+2069). Unlike the marks, these reorder whole runs of text.
#[must_use]
pub(crate) fn is_bidi_formatting(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Unicode's `Default_Ignorable_Code_Point`: characters that show nothing (zero-width spaces
/// and joiners, the soft hyphen, the word joiner, the byte order mark, variation selectors,
/// Hangul fillers, tags, and the bidi controls).
///
/// Taken from UTS #39's identifier types, where almost all of them are typed
/// `Default_Ignorable`; the rest of the property, typed otherwise there (the deprecated
/// format controls U+206A–U+206F, the language tag U+E0001, and code points reserved as
/// default-ignorable), is listed here from DerivedCoreProperties.txt.
#[must_use]
pub(crate) fn is_invisible(c: char) -> bool {
    c.identifier_type() == Some(IdentifierType::Default_Ignorable)
        || matches!(
            c,
            '\u{2065}'..='\u{206F}' | '\u{FFF0}'..='\u{FFF8}' | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_characters_the_review_used_are_caught() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}',
        ] {
            assert!(is_invisible(c), "{:04X}", c as u32);
            assert!(!is_bidi_control(c), "{:04X}", c as u32);
        }
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert!(is_bidi_formatting(c) && is_bidi_control(c) && is_invisible(c));
        }
        for c in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            assert!(!is_bidi_formatting(c) && is_bidi_control(c) && is_invisible(c));
        }
        for c in ['a', 'і', 'ё', '0', '.', '@', ' ', '😀', '\u{0301}', '字'] {
            assert!(!is_invisible(c) && !is_bidi_control(c), "{c:?}");
        }
    }

    #[test]
    fn every_bidi_control_is_invisible() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert!(!is_bidi_control(c) || is_invisible(c), "{:04X}", c as u32);
        }
    }
}
