//! Term extraction: turns a vacancy into hashed terms of separate feature blocks
//! (title words, title character n-grams, description words, area).

use serde::{Deserialize, Serialize};

use crate::VacancyText;
use crate::hashing::{hash_bytes, hash_pair};
use crate::tokenizer::{Tokens, normalize_into, tokenize_into};

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
}

impl Block {
    /// All blocks, in index order.
    pub const ALL: [Block; 4] = [
        Block::Title,
        Block::TitleChars,
        Block::Description,
        Block::Area,
    ];

    /// Human-readable prefix used in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Block::Title => "title",
            Block::TitleChars => "title chars",
            Block::Description => "description",
            Block::Area => "area",
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
}

impl Default for TermSettings {
    fn default() -> Self {
        TermSettings {
            title_max_ngram: 2,
            description_max_ngram: 2,
            title_char_ngrams: (0, 0),
            use_area: true,
        }
    }
}

/// Readable text of a term, borrowed from the tokenizer buffers.
#[derive(Debug, Clone, Copy)]
pub enum TermText<'a> {
    /// A single word or a whole value.
    One(&'a str),
    /// A word bigram.
    Two(&'a str, &'a str),
}

impl TermText<'_> {
    /// Owned readable form: `"machine learning"`.
    pub fn to_owned_string(self) -> String {
        match self {
            TermText::One(a) => a.to_owned(),
            TermText::Two(a, b) => format!("{a} {b}"),
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
}

fn word_terms(
    block: Block,
    max_n: u8,
    s: &mut Scratch,
    emit: &mut impl FnMut(Block, u64, TermText<'_>),
) {
    let seed = block.seed();
    s.hashes.clear();
    for t in s.tokens.iter() {
        let h = hash_bytes(seed, t.as_bytes());
        s.hashes.push(h);
        emit(block, h, TermText::One(t));
    }
    if max_n >= 2 {
        for i in 1..s.hashes.len() {
            let h = hash_pair(s.hashes[i - 1], s.hashes[i]);
            emit(
                block,
                h,
                TermText::Two(s.tokens.get(i - 1), s.tokens.get(i)),
            );
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
    if settings.use_area {
        if let Some(area) = v.area.map(str::trim).filter(|a| !a.is_empty()) {
            normalize_into(area, &mut s.area);
            let h = hash_bytes(Block::Area.seed(), s.area.as_bytes());
            emit(Block::Area, h, TermText::One(&s.area));
        }
    }
}
