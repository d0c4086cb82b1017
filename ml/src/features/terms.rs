//! Term extraction: turns a vacancy into hashed terms of separate feature blocks
//! (title words, title character n-grams, description words, area).
//!
//! Stage 1 (features): between the tokenizer and the vectorizer; the scorer
//! ([`crate::serving::scorer`]) reads terms through it too.

use serde::{Deserialize, Serialize};

use crate::VacancyText;
use crate::features::amounts::{Amount, anchors_of, collect_amounts};
use crate::features::hashing::{hash_bytes, hash_pair};
use crate::features::tokenizer::{Tokens, normalize_into, tokenize_into};

/// A feature block; each block is TF-IDF weighted and normalised on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// Word n-grams of the vacancy title.
    Title = 0,
    /// Character n-grams of the title words.
    TitleChars = 1,
    /// Word n-grams of the description.
    Description = 2,
    /// The area (city or region) as one categorical value.
    Area = 3,
    /// Money amounts written in the description ("от 150 000", "120k"), as log-scale
    /// buckets of the smallest and largest amount.
    Amount = 4,
}

impl Block {
    /// All blocks, in index order.
    pub const ALL: [Block; 5] = [
        Block::Title,
        Block::TitleChars,
        Block::Description,
        Block::Area,
        Block::Amount,
    ];

    /// Human-readable prefix used in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Block::Title => "title",
            Block::TitleChars => "title chars",
            Block::Description => "description",
            Block::Area => "area",
            Block::Amount => "amount",
        }
    }

    fn seed(self) -> u64 {
        0x1000_0000_0000_0001u64.wrapping_mul(self as u64 + 1)
    }
}

/// Which terms are taken from a vacancy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermSettings {
    /// Largest word n-gram of the title (1 = unigrams only).
    pub title_max_ngram: u8,
    /// Largest word n-gram of the description.
    pub description_max_ngram: u8,
    /// Character n-gram lengths `(min, max)` within title words; `(0, 0)` disables them.
    pub title_char_ngrams: (u8, u8),
    /// Whether the area is a feature.
    pub use_area: bool,
    /// Whether money amounts in the description are features.
    pub amounts: bool,
    /// Whether salary figures stated in the description are read as anchors for the
    /// bounds (see [`crate::stated_salary`]); they are left in [`Scratch`] for the model.
    pub anchors: bool,
}

impl Default for TermSettings {
    fn default() -> Self {
        TermSettings {
            title_max_ngram: 2,
            description_max_ngram: 2,
            title_char_ngrams: (0, 0),
            use_area: true,
            amounts: true,
            anchors: false,
        }
    }
}

/// Readable text of a term, borrowed from the tokenizer buffers.
#[derive(Debug, Clone, Copy)]
pub enum TermText<'a> {
    /// A single word or a whole value.
    One(&'a str),
    /// Token `i` of the tokens, resolved only when asked.
    Token(&'a Tokens, usize),
    /// The word bigram ending at token `i` (>= 1) of the tokens; resolved only when
    /// asked, because scoring never reads the text of a bigram.
    Bigram(&'a Tokens, usize),
}

impl TermText<'_> {
    /// Owned readable form: `"machine learning"`.
    pub fn to_owned_string(self) -> String {
        match self {
            TermText::One(a) => a.to_owned(),
            TermText::Token(t, i) => t.get(i).to_owned(),
            TermText::Bigram(t, i) => format!("{} {}", t.get(i - 1), t.get(i)),
        }
    }
}

/// Reusable buffers for term extraction.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    tokens: Tokens,
    hashes: Vec<u64>,
    area: String,
    chars: String,
    amounts: Vec<Amount>,
    amount_text: String,
    /// Log salary figures stated in the last description (when the settings ask).
    pub(crate) anchors: [Option<f64>; 2],
}

impl Scratch {
    /// The tokens of the last description [`for_each_term`] read.
    pub(crate) fn description_tokens(&self) -> &Tokens {
        &self.tokens
    }
}

fn amount_terms(s: &mut Scratch, emit: &mut impl FnMut(Block, u64, TermText<'_>)) {
    let lo = s
        .amounts
        .iter()
        .map(|a| a.value)
        .fold(f64::INFINITY, f64::min);
    let hi = s.amounts.iter().map(|a| a.value).fold(0.0, f64::max);
    if s.amounts.is_empty() {
        return;
    }
    for (kind, v) in [("min", lo), ("max", hi)] {
        for (width, half_percent) in AMOUNT_WIDTHS {
            let center = ((v.ln() / width).round() * width).exp().round();
            let text = &mut s.amount_text;
            text.clear();
            text.push_str(kind);
            text.push('≈');
            push_whole(text, center);
            text.push_str(" (±");
            text.push_str(half_percent);
            text.push_str("%)");
            emit(
                Block::Amount,
                hash_bytes(Block::Amount.seed(), text.as_bytes()),
                TermText::One(text),
            );
        }
    }
}

/// Bucket widths of the amounts in log space, with `format!("{:.0}", width * 50.0)`
/// (the term text was first written with `format!`, and its hash is in the model).
const AMOUNT_WIDTHS: [(f64, &str); 2] = [(0.1, "5"), (0.3, "15")];

/// Appends `x`, a whole number in `0..2^53`, as `format!("{x:.0}")` would, without the
/// float formatting machinery (most of the cost of the amount terms).
fn push_whole(out: &mut String, x: f64) {
    let mut digits = [0u8; 20];
    let mut n = x as u64;
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[k..] {
        out.push(char::from(d));
    }
}

fn word_terms(
    block: Block,
    max_n: u8,
    s: &mut Scratch,
    emit: &mut impl FnMut(Block, u64, TermText<'_>),
) {
    let seed = block.seed();
    s.hashes.clear();
    let (tokens, hashes) = (&s.tokens, &mut s.hashes);
    let text = tokens.text.as_bytes();
    for (i, &(a, e)) in tokens.spans.iter().enumerate() {
        // Hash the bytes: slicing the `str` would re-check char boundaries per token.
        let h = hash_bytes(seed, &text[a as usize..e as usize]);
        hashes.push(h);
        emit(block, h, TermText::Token(tokens, i));
    }
    if max_n >= 2 {
        for i in 1..s.hashes.len() {
            let h = hash_pair(s.hashes[i - 1], s.hashes[i]);
            emit(block, h, TermText::Bigram(&s.tokens, i));
        }
    }
}

fn char_terms(
    (lo, hi): (u8, u8),
    s: &mut Scratch,
    emit: &mut impl FnMut(Block, u64, TermText<'_>),
) {
    let seed = Block::TitleChars.seed();
    for w in 0..s.tokens.len() {
        s.chars.clear();
        s.chars.push(' ');
        s.chars.push_str(s.tokens.get(w));
        s.chars.push(' ');
        let idx: Vec<usize> = s
            .chars
            .char_indices()
            .map(|(i, _)| i)
            .chain([s.chars.len()])
            .collect();
        let nchars = idx.len() - 1;
        for n in lo as usize..=hi as usize {
            for st in 0..(nchars + 1).saturating_sub(n) {
                let g = &s.chars[idx[st]..idx[st + n]];
                emit(
                    Block::TitleChars,
                    hash_bytes(seed, g.as_bytes()),
                    TermText::One(g),
                );
            }
        }
    }
}

/// Calls `emit(block, key, text)` for every term occurrence of `v` (repeats included).
pub fn for_each_term(
    v: &VacancyText<'_>,
    settings: &TermSettings,
    s: &mut Scratch,
    mut emit: impl FnMut(Block, u64, TermText<'_>),
) {
    tokenize_into(v.name, &mut s.tokens);
    word_terms(Block::Title, settings.title_max_ngram, s, &mut emit);
    if settings.title_char_ngrams.0 > 0 {
        char_terms(settings.title_char_ngrams, s, &mut emit);
    }
    tokenize_into(v.description, &mut s.tokens);
    word_terms(
        Block::Description,
        settings.description_max_ngram,
        s,
        &mut emit,
    );
    // One scan of the description's amounts serves the amount terms and the anchors.
    if settings.amounts || settings.anchors {
        collect_amounts(&s.tokens, &mut s.amounts);
    }
    if settings.amounts {
        amount_terms(s, &mut emit);
    }
    s.anchors = if settings.anchors {
        anchors_of(&s.tokens, &s.amounts)
    } else {
        [None, None]
    };
    if settings.use_area
        && let Some(area) = v.area.map(str::trim).filter(|a| !a.is_empty())
    {
        normalize_into(area, &mut s.area);
        let h = hash_bytes(Block::Area.seed(), s.area.as_bytes());
        emit(Block::Area, h, TermText::One(&s.area));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_term_text_is_what_format_wrote() {
        for (width, half_percent) in AMOUNT_WIDTHS {
            assert_eq!(format!("{:.0}", width * 50.0), half_percent);
        }
        let mut v = 1000.0f64;
        let mut out = String::new();
        while v <= 1e7 {
            for width in [0.1f64, 0.3] {
                let center = ((v.ln() / width).round() * width).exp().round();
                out.clear();
                push_whole(&mut out, center);
                assert_eq!(out, format!("{center:.0}"));
            }
            v *= 1.001;
        }
        for x in [0.0, 7.0, 10.0, 999_999.0, 9_007_199_254_740_991.0] {
            out.clear();
            push_whole(&mut out, x);
            assert_eq!(out, format!("{x:.0}"));
        }
    }
}
