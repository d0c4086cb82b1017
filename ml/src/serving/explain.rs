//! Explanations in plain words: which words moved each bound and by how much money, what
//! a salary stated in the vacancy did, and whether its pay is before or after tax.
//!
//! The model's own features include things a person cannot act on (character n-grams of
//! the title, log buckets of amounts, words such as "or"); they still count in the
//! prediction, but the explanation lists only words and phrases of the title, the
//! description and the area, without stop words, that moved a bound by at least 1 %.
//!
//! Stage 3 (serving): called by [`crate::serving::model`] for `predict_explained`.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Serialize;

use crate::features::tokenizer::{Tokens, tokenize_into};

/// Smallest share of a bound a term must move to be listed (1 %).
pub const MIN_SHARE: f64 = 0.01;

/// Where a term was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermSource {
    /// The title.
    Title,
    /// The description.
    Description,
    /// The city or region.
    Area,
}

/// One word's (or phrase's) push on a bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermEffect {
    /// The word or phrase, lower case (e.g. `python`, `machine learning`).
    pub term: String,
    /// Where it was found.
    pub source: TermSource,
    /// Its push on `ln(bound)`.
    pub contribution: f64,
    /// The same in currency: how much higher the bound is than without this term alone,
    /// `bound x (1 - e^-contribution)`.
    pub amount: f64,
}

/// What a salary stated in the vacancy did to the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatedEffect {
    /// The estimate equals the stated figures (each within 1 %).
    UsedAsGiven,
    /// The estimate moved towards them.
    MovedTowards,
    /// They were further than a factor of 3 from the model's own estimate and taken for
    /// something else (a bonus, a turnover, an hourly rate).
    SetAside,
}

/// A salary the vacancy states itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatedSalary {
    /// The stated lower figure.
    pub from: Option<f64>,
    /// The stated upper figure.
    pub to: Option<f64>,
    /// What it did.
    pub effect: StatedEffect,
}

/// Whether the vacancy's pay is stated before or after tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayBasis {
    /// Before tax.
    Gross,
    /// Take-home.
    Net,
    /// Not said.
    #[default]
    Unstated,
}

/// Stop words of Russian and English (NLTK's lists, from the `stop-words` crate).
static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    ["ru", "en"]
        .iter()
        .filter_map(|l| stop_words::lookup(l))
        .flat_map(|w| w.iter().copied())
        .collect()
});

/// Splits a model term name (`"title: python"`) into the source and the words; `None` for
/// features that are not words of the vacancy (title character n-grams, amount buckets)
/// and for words a person would not act on (stop words only, or a bare number).
pub fn plain_term(name: &str) -> Option<(TermSource, &str)> {
    let (label, words) = name.split_once(": ")?;
    let source = match label {
        "title" => TermSource::Title,
        "description" => TermSource::Description,
        "area" => TermSource::Area,
        _ => return None,
    };
    let mut meaningful = false;
    for w in words.split(' ') {
        if !w.chars().any(char::is_alphabetic) {
            // A bare number ("5", "000 руб" of a figure) is part of an amount, not a word
            // a person chose; "1с" keeps its letter and stays.
            return None;
        }
        if !STOP_WORDS.contains(w) {
            meaningful = true;
        }
    }
    meaningful.then_some((source, words))
}

/// The currency effect of a log contribution on a bound of value `bound`.
pub fn amount(bound: f64, contribution: f64) -> f64 {
    bound * (1.0 - (-contribution).exp())
}

/// Whether a contribution moves its bound by at least [`MIN_SHARE`].
pub fn large_enough(contribution: f64) -> bool {
    (1.0 - (-contribution).exp()).abs() >= MIN_SHARE
}

/// Token sequences that say the pay is take-home, and that it is before tax.
const NET_CUES: [&[&str]; 9] = [
    &["на", "руки"],
    &["чистыми"],
    &["после", "вычета"],
    &["после", "уплаты"],
    &["после", "налогообложения"],
    &["after", "tax"],
    &["after", "taxes"],
    &["take", "home"],
    &["takehome"],
];
const GROSS_CUES: [&[&str]; 7] = [
    &["до", "вычета"],
    &["до", "уплаты"],
    &["до", "налогообложения"],
    &["before", "tax"],
    &["before", "taxes"],
    &["pre", "tax"],
    &["pretax"],
];
/// Single words that mean net or gross only next to pay ("net" is also `ASP.NET`).
const NET_WORDS: [&str; 2] = ["net", "нетто"];
const GROSS_WORDS: [&str; 3] = ["gross", "гросс", "брутто"];
/// Words that make a nearby "net"/"gross" about pay.
const PAY_WORDS: [&str; 12] = [
    "salary",
    "pay",
    "income",
    "per",
    "зарплата",
    "зп",
    "оклад",
    "доход",
    "руб",
    "рублей",
    "₽",
    "£",
];

fn starts_with_at(t: &Tokens, i: usize, seq: &[&str]) -> bool {
    i + seq.len() <= t.len() && seq.iter().enumerate().all(|(k, w)| t.get(i + k) == *w)
}

/// Whether a token within three of `i` is a figure or a pay word.
fn near_pay(t: &Tokens, i: usize) -> bool {
    let lo = i.saturating_sub(3);
    let hi = (i + 4).min(t.len());
    (lo..hi).filter(|&k| k != i).any(|k| {
        let w = t.get(k);
        w.starts_with(|c: char| c.is_ascii_digit()) || PAY_WORDS.contains(&w)
    })
}

/// Whether the text says its pay is before or after tax: the first cue in the text wins
/// ("на руки", "net", "after tax", "чистыми" for take-home; "до вычета", "gross",
/// "before tax" for before tax).
pub fn pay_basis(text: &str) -> PayBasis {
    let mut t = Tokens::default();
    tokenize_into(text, &mut t);
    pay_basis_of(&t)
}

/// [`pay_basis`] of an already tokenized text.
pub fn pay_basis_of(t: &Tokens) -> PayBasis {
    for i in 0..t.len() {
        if NET_CUES.iter().any(|c| starts_with_at(t, i, c)) {
            return PayBasis::Net;
        }
        if GROSS_CUES.iter().any(|c| starts_with_at(t, i, c)) {
            return PayBasis::Gross;
        }
        let w = t.get(i);
        if NET_WORDS.contains(&w) && near_pay(t, i) {
            return PayBasis::Net;
        }
        if GROSS_WORDS.contains(&w) && near_pay(t, i) {
            return PayBasis::Gross;
        }
    }
    PayBasis::Unstated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_home_pay_is_detected_in_russian_and_english() {
        for text in [
            "Зарплата от 150 000 до 200 000 руб. на руки",
            "Оклад 90 000 рублей чистыми",
            "Доход после вычета налогов 120 000",
            "Salary £30,000 net per year",
            "We pay 2,500 EUR after tax",
            "Take-home pay of 40k",
            "Зарплата: 100 000 нетто",
        ] {
            assert_eq!(pay_basis(text), PayBasis::Net, "{text}");
        }
    }

    #[test]
    fn pay_before_tax_is_detected_and_the_first_cue_wins() {
        for text in [
            "Зарплата 200 000 до вычета НДФЛ",
            "Salary: £45,000 gross",
            "Before tax: 3,000 per month",
            "Оклад 150 000 руб. гросс",
        ] {
            assert_eq!(pay_basis(text), PayBasis::Gross, "{text}");
        }
        assert_eq!(pay_basis("120 000 на руки (140 000 gross)"), PayBasis::Net);
    }

    #[test]
    fn net_as_a_technology_or_unrelated_words_say_nothing() {
        for text in [
            "Разработчик ASP.NET Core, C#, .NET 8",
            "Senior .NET developer with net core experience",
            "Работа в офисе у метро, дружный коллектив",
            "Gross margin analysis for retail",
        ] {
            assert_eq!(pay_basis(text), PayBasis::Unstated, "{text}");
        }
    }

    #[test]
    fn internal_features_and_stop_words_are_not_plain_terms() {
        assert_eq!(
            plain_term("title: python"),
            Some((TermSource::Title, "python"))
        );
        assert_eq!(
            plain_term("description: machine learning"),
            Some((TermSource::Description, "machine learning"))
        );
        assert_eq!(
            plain_term("area: москва"),
            Some((TermSource::Area, "москва"))
        );
        assert_eq!(plain_term("title chars: pyt"), None);
        assert_eq!(plain_term("amount: min≈219696 (±15%)"), None);
        assert_eq!(plain_term("description: or"), None);
        assert_eq!(plain_term("description: и в"), None);
        assert_eq!(plain_term("description: 5"), None);
        assert_eq!(plain_term("description: 000 руб"), None);
        assert_eq!(
            plain_term("description: 1с"),
            Some((TermSource::Description, "1с"))
        );
        assert_eq!(
            plain_term("description: от 5"),
            None,
            "a stop word and a number say nothing"
        );
        assert_eq!(
            plain_term("description: опыт от"),
            Some((TermSource::Description, "опыт от"))
        );
    }

    #[test]
    fn amounts_follow_the_log_contribution() {
        let a = amount(100_000.0, (1.2f64).ln());
        assert!((a - 100_000.0 * (1.0 - 1.0 / 1.2)).abs() < 1e-6);
        assert!(large_enough(0.011) && !large_enough(0.009) && large_enough(-0.011));
    }
}
