//! Tokenizer for Russian and English vacancy text.
//!
//! Text is NFC-normalised (so `й` and `ё` stay single letters, unlike an NFKD pass) and
//! lowercased. A token is a run of letters, digits or `_`, optionally followed by `+`/`#`
//! (`c++`, `c#`, `f#`) and optionally preceded by a `.` that starts a word (`.net`).
//! Tokens are returned as byte spans into a reusable buffer, so scoring a vacancy allocates
//! nothing once the buffers are warm.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Reusable buffers of the tokenizer: the normalised text and the token spans into it.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    /// The NFC-normalised, lowercased text.
    pub text: String,
    /// Byte ranges `(start, end)` of the tokens in `text`.
    pub spans: Vec<(u32, u32)>,
}

impl Tokens {
    /// Token `i` as a string slice.
    pub fn get(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.text[s as usize..e as usize]
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Iterator over the tokens as string slices.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans
            .iter()
            .map(|&(s, e)| &self.text[s as usize..e as usize])
    }
}

/// Writes the NFC-normalised, lowercased form of `input` into `out` (cleared first).
pub fn normalize_into(input: &str, out: &mut String) {
    out.clear();
    out.reserve(input.len());
    // Fast paths for ASCII and Russian letters; `char::to_lowercase` (a table search)
    // for the rest. This is most of the scoring time of a long description.
    let push_lower = |out: &mut String, c: char| match c {
        _ if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        'А'..='Я' => out.push(char::from_u32(c as u32 + 32).unwrap_or(c)),
        'а'..='я' | 'ё' => out.push(c),
        'Ё' => out.push('ё'),
        _ => out.extend(c.to_lowercase()),
    };
    if input.chars().all(surely_nfc) || is_nfc_quick(input.chars()) == IsNormalized::Yes {
        for c in input.chars() {
            push_lower(out, c);
        }
    } else {
        for c in input.nfc() {
            push_lower(out, c);
        }
    }
}

/// Characters that are NFC whatever follows them (no decomposition, never combine): a
/// cheap pre-check before `is_nfc_quick`'s table lookups, covering Latin-1, Cyrillic and
/// common punctuation.
fn surely_nfc(c: char) -> bool {
    matches!(c as u32, 0..=0x2FF | 0x400..=0x482 | 0x48A..=0x4FF | 0x2010..=0x2027 | 0x2030..=0x205E | 0x20A0..=0x20C0 | 0x2116)
}

fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(c, 'а'..='я' | 'ё') || c.is_alphanumeric()
}

/// Tokenizes `input` into `tokens` (buffers are reused).
pub fn tokenize_into(input: &str, tokens: &mut Tokens) {
    normalize_into(input, &mut tokens.text);
    tokens.spans.clear();
    let text = tokens.text.as_str();
    let mut it = text.char_indices().peekable();
    let mut prev_word = false;
    while let Some((i, c)) = it.next() {
        let starts_dot =
            c == '.' && !prev_word && it.peek().is_some_and(|&(_, n)| n.is_alphabetic());
        if !(is_word(c) || starts_dot) {
            prev_word = false;
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, n)) = it.peek() {
            if !is_word(n) {
                break;
            }
            end = j + n.len_utf8();
            it.next();
        }
        // Absorb a `++`, `+` or `#` suffix: c++, c#, f#, notepad++.
        let mut suffix = 0;
        while let Some(&(j, n)) = it.peek() {
            if suffix < 2 && (n == '+' || (n == '#' && suffix == 0)) {
                end = j + 1;
                suffix += 1;
                it.next();
                if n == '#' {
                    break;
                }
            } else {
                break;
            }
        }
        tokens.spans.push((start as u32, end as u32));
        prev_word = suffix == 0;
    }
}

/// Convenience: the tokens of `input` as owned strings (tests, explanations).
pub fn tokenize(input: &str) -> Vec<String> {
    let mut t = Tokens::default();
    tokenize_into(input, &mut t);
    t.iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_is_lowercased_and_split_on_punctuation() {
        assert_eq!(
            tokenize("Ведущий Инженер-программист, Москва!"),
            ["ведущий", "инженер", "программист", "москва"]
        );
    }

    #[test]
    fn short_i_and_yo_stay_whole_even_when_decomposed() {
        // "й" and "ё" written as base letter + combining mark must come out composed.
        let decomposed = "Опытны\u{0438}\u{0306} Е\u{0308}ж и\u{0306}е\u{0308}";
        let toks = tokenize(decomposed);
        assert_eq!(toks, ["опытный", "ёж", "йё"]);
        assert!(toks.iter().all(|t| !t.contains('\u{0306}')));
        assert_eq!(tokenize("ёлка Йошкар-Ола"), ["ёлка", "йошкар", "ола"]);
    }

    #[test]
    fn programming_language_tokens_are_kept() {
        assert_eq!(
            tokenize("C++/C# developer, .NET, 1С:Предприятие, node.js"),
            [
                "c++",
                "c#",
                "developer",
                ".net",
                "1с",
                "предприятие",
                "node",
                "js"
            ]
        );
    }

    #[test]
    fn numbers_and_mixed_scripts() {
        assert_eq!(tokenize("от 100 000 руб."), ["от", "100", "000", "руб"]);
        assert_eq!(tokenize("Python3 и SQL"), ["python3", "и", "sql"]);
        assert!(tokenize("  ... --- ").is_empty());
    }
}
