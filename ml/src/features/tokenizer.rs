//! Tokenizer for Russian and English vacancy text.
//!
//! Text is NFC-normalised (so `й` and `ё` stay single letters, unlike an NFKD pass) and
//! lowercased. A token is a run of letters, digits or `_`, optionally followed by `+`/`#`
//! (`c++`, `c#`, `f#`) and optionally preceded by a `.` that starts a word (`.net`).
//! Tokens are returned as byte spans into a reusable buffer, so scoring a vacancy allocates
//! nothing once the buffers are warm.
//!
//! Stage 1 (features): the first step of every vacancy, in training and in serving; the
//! explanations read its tokens too.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::features::swar;

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
    if !normalize_fast(input, out) {
        normalize_general(input, out);
    }
}

/// Byte-level fast path for text whose characters are all [`surely_nfc`], with ASCII and
/// the Cyrillic letters U+0400..U+045F handled without decoding: unchanged runs are
/// copied as whole slices. Returns false (with `out` in an unspecified state) when the
/// text needs the general path.
fn normalize_fast(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let b = input.as_bytes();
    let mut run = 0; // start of the pending unchanged run
    let mut i = 0;
    while i < b.len() {
        // Eight bytes at a time while nothing needs changing or checking.
        if let Some(w) = swar::load(b, i) {
            let k = if b[i] < 0x80 {
                swar::ascii_unchanged_prefix(w)
            } else {
                swar::russian_lower_prefix(w)
            };
            if k > 0 {
                i += k;
                continue;
            }
        }
        let c = b[i];
        if c < 0x80 {
            if c.is_ascii_uppercase() {
                out.push_str(&input[run..i]);
                out.push(char::from(c.to_ascii_lowercase()));
                run = i + 1;
            }
            i += 1;
            continue;
        }
        let Some(&n) = b.get(i + 1) else {
            return false;
        };
        // Lowercase Russian letters (the bulk of the text): unchanged.
        if (c == 0xD1 && n <= 0x9F) || (c == 0xD0 && n >= 0xB0) {
            i += 2;
            continue;
        }
        let lower = match (c, n) {
            // Ѐ..Џ -> ѐ..џ
            (0xD0, 0x80..=0x8F) => Some(char::from_u32(0x450 + u32::from(n - 0x80))),
            // А..Я -> а..я
            (0xD0, 0x90..=0xAF) => Some(char::from_u32(0x430 + u32::from(n - 0x90))),
            // а..п, р..я, ѐ..џ: already lowercase
            (0xD0, 0xB0..=0xBF) | (0xD1, 0x80..=0x9F) => None,
            _ => {
                // Any other character: fine if it is NFC whatever follows it.
                let Some(ch) = input[i..].chars().next() else {
                    return false;
                };
                if !surely_nfc(ch) {
                    return false;
                }
                let w = ch.len_utf8();
                let mut low = ch.to_lowercase();
                if !(low.len() == 1 && low.next() == Some(ch)) {
                    out.push_str(&input[run..i]);
                    out.extend(ch.to_lowercase());
                    run = i + w;
                }
                i += w;
                continue;
            }
        };
        if let Some(l) = lower {
            out.push_str(&input[run..i]);
            match l {
                Some(l) => out.push(l),
                None => return false,
            }
            run = i + 2;
        }
        i += 2;
    }
    out.push_str(&input[run..]);
    true
}

/// The general path: NFC (skipped when the text surely is NFC) and per-character
/// lowercasing.
fn normalize_general(input: &str, out: &mut String) {
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
/// cheap pre-check before `is_nfc_quick`'s table lookups, covering Latin-1, Cyrillic,
/// common punctuation, symbols and arrows (U+2100..U+2BFF but the singletons Ω K Å 〈 〉
/// and U+2ADC), variation selectors and emoji (bullet lists in vacancies: ✔️ ✅ ⚡). The
/// test `surely_nfc_chars_are_nfc_starters` checks every one against the Unicode tables.
fn surely_nfc(c: char) -> bool {
    matches!(c as u32, 0..=0x2FF | 0x400..=0x482 | 0x48A..=0x4FF | 0x2010..=0x2027 | 0x2030..=0x205E | 0x20A0..=0x20C0
        | 0x2100..=0x2125 | 0x2127..=0x2129 | 0x212C..=0x2328 | 0x232B..=0x2ADB | 0x2ADD..=0x2BFF
        | 0xFE00..=0xFE0F | 0x1F000..=0x1FAFF)
}

fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(c, 'а'..='я' | 'ё') || c.is_alphanumeric()
}

/// What the byte at a char boundary of lowercased text starts, as far as known without
/// decoding.
enum ByteClass {
    /// An ASCII word character (`[a-z0-9_]`).
    Ascii,
    /// A lowercase Russian letter (two bytes).
    Russian,
    /// An ASCII character that is neither a word character nor a `.`.
    NotWord,
    /// Anything else: decode and check.
    Other,
}

/// [`ByteClass`] of each byte value as far as it alone tells: `ASCII` for ASCII word
/// bytes, `NOT_WORD` for other ASCII but `.`, `CYRILLIC` for the lead bytes `0xD0`/`0xD1`
/// (the next byte decides), `OTHER` for the rest.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 0x80 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() || c == b'_' {
            ASCII
        } else if c == b'.' {
            OTHER
        } else {
            NOT_WORD
        };
        b += 1;
    }
    t[0xD0] = CYRILLIC;
    t[0xD1] = CYRILLIC;
    t
};
const ASCII: u8 = 0;
const NOT_WORD: u8 = 1;
const CYRILLIC: u8 = 2;
const OTHER: u8 = 3;

#[inline(always)]
fn byte_class(bytes: &[u8], i: usize) -> ByteClass {
    let b = bytes[i];
    match BYTE_CLASS[usize::from(b)] {
        ASCII => ByteClass::Ascii,
        NOT_WORD => ByteClass::NotWord,
        // Valid UTF-8: a 0xD0/0xD1 lead byte always has a continuation byte.
        CYRILLIC => match (b, bytes.get(i + 1)) {
            (0xD0, Some(0xB0..=0xBF)) | (0xD1, Some(0x80..=0x8F | 0x91)) => ByteClass::Russian,
            _ => ByteClass::Other,
        },
        _ => ByteClass::Other,
    }
}

/// Tokenizes `input` into `tokens` (buffers are reused).
pub fn tokenize_into(input: &str, tokens: &mut Tokens) {
    normalize_into(input, &mut tokens.text);
    tokens.spans.clear();
    let text = tokens.text.as_str();
    let bytes = text.as_bytes();
    let n = bytes.len();
    // The character starting at byte `i` (a char boundary below `n`) and its length;
    // ASCII without decoding.
    let char_at = |i: usize| -> (char, usize) {
        let b = bytes[i];
        if b < 0x80 {
            (char::from(b), 1)
        } else {
            let c = text[i..]
                .chars()
                .next()
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            (c, c.len_utf8())
        }
    };
    let mut i = 0;
    let mut prev_word = false;
    while i < n {
        let (c, w) = match byte_class(bytes, i) {
            ByteClass::NotWord => {
                prev_word = false;
                i += 1;
                continue;
            }
            ByteClass::Ascii => ('a', 1),
            ByteClass::Russian => ('а', 2),
            ByteClass::Other => char_at(i),
        };
        let starts_dot = c == '.' && !prev_word && i + 1 < n && char_at(i + 1).0.is_alphabetic();
        if !(is_word(c) || starts_dot) {
            prev_word = false;
            i += w;
            continue;
        }
        let start = i;
        let mut end = i + w;
        // False right after a skip that stopped inside its eight bytes: the next character
        // is not of the kind skipped and mostly ends the word, so the per-character code
        // takes it without a second attempt.
        let mut skip = true;
        while end < n {
            // Eight bytes at a time inside long words.
            if skip && let Some(w) = swar::load(bytes, end) {
                let k = if bytes[end] < 0x80 {
                    swar::ascii_word_prefix(w)
                } else {
                    swar::russian_lower_prefix(w)
                };
                if k > 0 {
                    end += k;
                    skip = k == 8;
                    continue;
                }
            }
            skip = true;
            // ASCII and lowercase Russian letters without decoding.
            match byte_class(bytes, end) {
                ByteClass::Ascii => {
                    end += 1;
                    continue;
                }
                ByteClass::Russian => {
                    end += 2;
                    continue;
                }
                ByteClass::NotWord => break,
                ByteClass::Other => {}
            }
            let (c, w) = char_at(end);
            if !is_word(c) {
                break;
            }
            end += w;
        }
        // Absorb a `++`, `+` or `#` suffix: c++, c#, f#, notepad++.
        let mut suffix = 0;
        while end < n && suffix < 2 {
            let b = bytes[end];
            if b == b'+' || (b == b'#' && suffix == 0) {
                end += 1;
                suffix += 1;
                if b == b'#' {
                    break;
                }
            } else {
                break;
            }
        }
        tokens.spans.push((start as u32, end as u32));
        prev_word = suffix == 0;
        i = end;
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

    /// The previous char-iterator tokenizer, kept as the reference for the byte-level one.
    fn tokenize_reference(input: &str) -> Vec<String> {
        let mut tokens = Tokens::default();
        normalize_general(input, &mut tokens.text);
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
        tokens.iter().map(str::to_owned).collect()
    }

    #[test]
    fn byte_level_tokenizer_equals_the_reference() {
        let mut pool: Vec<char> = (0u32..0x500).filter_map(char::from_u32).collect();
        pool.extend([
            '\u{0306}',
            '+',
            '#',
            '.',
            ' ',
            '€',
            '—',
            '№',
            '\u{1F600}',
            'ё',
            'Ё',
        ]);
        let mut state = 0x0bad_5eed_1234_5678u64;
        for len in 0..3000 {
            let mut s = String::new();
            for _ in 0..len % 60 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let r = (state >> 32) as usize;
                let c = match r % 5 {
                    0 => char::from(b' ' + (r / 5 % 95) as u8),
                    1 | 2 => char::from_u32(0x400 + (r / 5 % 0x60) as u32).unwrap_or('x'),
                    3 => ['+', '#', '.', ' ', 'c', 'я'][r / 5 % 6],
                    _ => pool[r / 5 % pool.len()],
                };
                s.push(c);
            }
            assert_eq!(tokenize(&s), tokenize_reference(&s), "{s:?}");
        }
    }

    #[test]
    fn fast_normalisation_equals_the_general_path() {
        let mut pool: Vec<char> = (0u32..0x500).filter_map(char::from_u32).collect();
        pool.extend(['\u{0306}', '\u{0308}', 'ß', 'İ', '€', '—', '№', '\u{1F600}']);
        // Symbols, arrows, variation selectors and emoji of the widened `surely_nfc`,
        // letter-like ones with a lowercase (Ⅰ, Ⓐ) and the singletons it leaves out (Ω, K).
        pool.extend([
            '\u{2714}',
            '\u{FE0F}',
            '\u{2705}',
            '\u{26A1}',
            '\u{2219}',
            '\u{2192}',
            '\u{2160}',
            '\u{24B6}',
            '\u{2126}',
            '\u{212A}',
            '\u{2329}',
            '\u{1F4BC}',
        ]);
        let mut state = 0x1234_5678_9abc_def0u64;
        let (mut fast, mut general) = (String::new(), String::new());
        for len in 0..400 {
            let mut s = String::new();
            for _ in 0..len % 40 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly ASCII and Cyrillic so that the fast path is taken often.
                let r = (state >> 32) as usize;
                let c = match r % 4 {
                    0 => char::from(b'A' + (r / 4 % 58) as u8),
                    1 | 2 => char::from_u32(0x400 + (r / 4 % 0x60) as u32).unwrap_or('x'),
                    _ => pool[r / 4 % pool.len()],
                };
                s.push(c);
            }
            normalize_into(&s, &mut fast);
            normalize_general(&s, &mut general);
            assert_eq!(fast, general, "{s:?}");
        }
        for c in pool {
            let s = format!("Ab{c}Я");
            normalize_into(&s, &mut fast);
            normalize_general(&s, &mut general);
            assert_eq!(fast, general, "{s:?}");
        }
    }

    /// Text made of whole words (so that the eight-byte skips of the normaliser and the
    /// tokenizer run), with capitals, punctuation, combining marks and other scripts mixed
    /// in at random places.
    fn wordy_text(state: &mut u64) -> String {
        const PIECES: [&str; 24] = [
            "разработчик",
            "программирования",
            "опыт",
            "ёлка",
            "Ведущий",
            "ИНЖЕНЕР",
            "developer",
            "backend_engineer",
            "Python3",
            "kubernetes",
            "c++",
            "C#",
            ".NET",
            " ",
            " ",
            ", ",
            ". ",
            "-",
            "\u{2022} ",
            "\u{2714}\u{fe0f}",
            "и\u{306}",
            "e\u{301}",
            "Ѡѡџ",
            "ΣΑΣ",
        ];
        let mut next = || {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            (*state >> 32) as usize
        };
        let mut s = String::new();
        for _ in 0..next() % 40 {
            let r = next();
            s.push_str(PIECES[r % PIECES.len()]);
            if r / 64 % 3 == 0 {
                s.push(' ');
            }
        }
        s
    }

    #[test]
    fn eight_byte_skips_equal_the_reference_on_long_words() {
        let mut state = 0x005e_ed0f_0b0e_u64;
        let (mut fast, mut general) = (String::new(), String::new());
        for _ in 0..3000 {
            let s = wordy_text(&mut state);
            assert_eq!(tokenize(&s), tokenize_reference(&s), "{s:?}");
            normalize_into(&s, &mut fast);
            normalize_general(&s, &mut general);
            assert_eq!(fast, general, "{s:?}");
        }
    }

    #[test]
    fn surely_nfc_chars_are_nfc_starters() {
        // Quick check "yes" (never changed by NFC, never the second of a composition)
        // and combining class 0 (never reordered): such a character stays as it is in NFC
        // text whatever surrounds it, unless what follows is itself not `surely_nfc`.
        let mut n = 0;
        for c in (0..0x20000)
            .filter_map(char::from_u32)
            .filter(|&c| surely_nfc(c))
        {
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{:x}",
                c as u32
            );
            assert_eq!(
                unicode_normalization::char::canonical_combining_class(c),
                0,
                "{:x}",
                c as u32
            );
            n += 1;
        }
        assert!(n > 5000);
    }

    #[test]
    fn numbers_and_mixed_scripts() {
        assert_eq!(tokenize("от 100 000 руб."), ["от", "100", "000", "руб"]);
        assert_eq!(tokenize("Python3 и SQL"), ["python3", "и", "sql"]);
        assert!(tokenize("  ... --- ").is_empty());
    }
}
