//! Money amounts in a tokenized text (`150 000`, `150000`, `150 тыс`, `150k`) and the
//! salary figures a description states ("от 150 000", "до 200 000 руб",
//! "120 000 – 180 000"): the first feed the amount terms of [`crate::features::terms`],
//! the second the stated-salary stage ([`crate::stated_salary`]).
//!
//! On hh.ru data, when a description states a figure after "от", the published
//! `salary_from` equals it exactly in about three cases of four, and likewise for "до" and
//! `salary_to`. One scan of the description's amounts serves both uses.

use crate::features::tokenizer::Tokens;

/// A money amount in a tokenized text: indices of its first and last token, and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Amount {
    pub first: usize,
    pub last: usize,
    pub value: f64,
}

/// Money amounts in a tokenized text: `150 000`, `150000`, `150 тыс`, `150k`.
#[cfg(test)]
fn find_amounts(t: &Tokens, out: &mut Vec<f64>) {
    out.clear();
    scan_amounts(t, |_, _, v| out.push(v));
}

/// Money amounts in a tokenized text, in order.
pub(crate) fn collect_amounts(t: &Tokens, out: &mut Vec<Amount>) {
    out.clear();
    scan_amounts(t, |first, last, value| {
        out.push(Amount { first, last, value })
    });
}

/// Calls `found(first, last, value)` for each money amount in a tokenized text, with the
/// indices of its first and last token.
fn scan_amounts(t: &Tokens, mut found: impl FnMut(usize, usize, f64)) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        // Every amount token starts with a digit; most tokens do not (and need no `str`).
        let (a, _) = t.spans[i];
        if !t.text.as_bytes()[a as usize].is_ascii_digit() {
            i += 1;
            continue;
        }
        let first = i;
        let tok = t.get(i);
        let next = if i + 1 < n { t.get(i + 1) } else { "" };
        let is_num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let thousand = |s: &str| s == "000" || s.starts_with("тыс") || s == "k" || s == "к";
        let mut v = None;
        if is_num(tok) && tok.len() <= 3 && thousand(next) {
            v = tok.parse::<f64>().ok().map(|x| x * 1000.0);
            i += 1;
        } else if is_num(tok) && (5..=7).contains(&tok.len()) {
            v = tok.parse::<f64>().ok();
        } else if let Some(num) = tok.strip_suffix('k').or_else(|| tok.strip_suffix('к'))
            && is_num(num)
            && num.len() <= 3
        {
            v = num.parse::<f64>().ok().map(|x| x * 1000.0);
        }
        if let Some(v) = v.filter(|v| (1000.0..=1e7).contains(v)) {
            found(first, i, v);
        }
        i += 1;
    }
}

/// Words after which a figure is a lower bound or a single stated salary.
const FROM_CUES: [&str; 14] = [
    "от",
    "from",
    "с",
    "оклад",
    "оклада",
    "плата",
    "зарплата",
    "зп",
    "доход",
    "дохода",
    "оплата",
    "вилка",
    "salary",
    "starting",
];

/// Words after which a figure is an upper bound.
const TO_CUES: [&str; 4] = ["до", "to", "max", "upto"];

/// Natural logs of the stated lower and upper salary of a tokenized description, if any:
/// the first figure after a lower-bound cue word (or the first of two adjacent figures,
/// a range written with a dash), and the first figure after an upper-bound cue word (or
/// the second of a range).
pub fn salary_anchors(t: &Tokens) -> [Option<f64>; 2] {
    let mut amounts = Vec::new();
    collect_amounts(t, &mut amounts);
    anchors_of(t, &amounts)
}

/// [`salary_anchors`] from the amounts already found in `t`.
pub(crate) fn anchors_of(t: &Tokens, amounts: &[Amount]) -> [Option<f64>; 2] {
    let mut anchors = [None, None];
    let mut previous: Option<&Amount> = None;
    for a in amounts {
        let cue = a.first.checked_sub(1).map(|i| t.get(i));
        let slot = if cue.is_some_and(|c| FROM_CUES.contains(&c)) {
            Some(0)
        } else if cue.is_some_and(|c| TO_CUES.contains(&c)) {
            Some(1)
        } else if let Some(low) = previous.filter(|p| p.last + 1 == a.first) {
            if anchors[0].is_none() {
                anchors[0] = Some(low.value.ln());
            }
            Some(1)
        } else {
            None
        };
        if let Some(b) = slot
            && anchors[b].is_none()
        {
            anchors[b] = Some(a.value.ln());
        }
        previous = Some(a);
    }
    anchors
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::features::tokenizer::tokenize_into;

    /// `find_amounts` before the first-byte filter, kept as the reference.
    fn find_amounts_reference(t: &Tokens, out: &mut Vec<f64>) {
        out.clear();
        let n = t.len();
        let mut i = 0;
        while i < n {
            let tok = t.get(i);
            let next = if i + 1 < n { t.get(i + 1) } else { "" };
            let is_num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let thousand = |s: &str| s == "000" || s.starts_with("тыс") || s == "k" || s == "к";
            let mut v = None;
            if is_num(tok) && tok.len() <= 3 && thousand(next) {
                v = tok.parse::<f64>().ok().map(|x| x * 1000.0);
                i += 1;
            } else if is_num(tok) && (5..=7).contains(&tok.len()) {
                v = tok.parse::<f64>().ok();
            } else if let Some(num) = tok.strip_suffix('k').or_else(|| tok.strip_suffix('к'))
                && is_num(num)
                && num.len() <= 3
            {
                v = num.parse::<f64>().ok().map(|x| x * 1000.0);
            }
            if let Some(v) = v.filter(|v| (1000.0..=1e7).contains(v)) {
                out.push(v);
            }
            i += 1;
        }
    }

    fn anchors(text: &str) -> [Option<f64>; 2] {
        let mut t = Tokens::default();
        tokenize_into(text, &mut t);
        salary_anchors(&t).map(|a| a.map(|v| v.exp().round()))
    }

    #[test]
    fn amounts_equal_the_reference() {
        const WORDS: [&str; 16] = [
            "от",
            "150",
            "000",
            "150000",
            "тыс",
            "тысяч",
            "120k",
            "120к",
            "k",
            "к",
            "руб",
            "1234567",
            "12",
            ".net",
            "99999999",
            "5к",
        ];
        let mut state = 0x0a11_0c47_u64;
        let mut t = Tokens::default();
        let (mut got, mut want) = (Vec::new(), Vec::new());
        for _ in 0..5000 {
            let mut s = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for k in 0..(state % 12) {
                s.push_str(WORDS[(state >> (4 * k + 8)) as usize % WORDS.len()]);
                s.push(' ');
            }
            crate::features::tokenizer::tokenize_into(&s, &mut t);
            find_amounts(&t, &mut got);
            find_amounts_reference(&t, &mut want);
            assert_eq!(got, want, "{s:?}");
        }
        tokenize_into("от 150 000 до 200к", &mut t);
        find_amounts(&t, &mut got);
        assert_eq!(got, [150_000.0, 200_000.0]);
    }

    #[test]
    fn reads_lower_and_upper_figures_after_cue_words() {
        assert_eq!(
            anchors("Зарплата от 150 000 до 200 000 руб. на руки"),
            [Some(150_000.0), Some(200_000.0)]
        );
        assert_eq!(anchors("Доход до 90 тыс. рублей"), [None, Some(90_000.0)]);
        assert_eq!(anchors("Оклад 75000 + премии"), [Some(75_000.0), None]);
        assert_eq!(anchors("salary from 40k"), [Some(40_000.0), None]);
    }

    #[test]
    fn reads_a_dash_range_as_both_bounds() {
        assert_eq!(
            anchors("Вилка: 120 000 – 180 000 gross"),
            [Some(120_000.0), Some(180_000.0)]
        );
        assert_eq!(
            anchors("pay 25000-30000 per annum"),
            [Some(25_000.0), Some(30_000.0)]
        );
    }

    #[test]
    fn ignores_figures_without_a_cue_and_small_numbers() {
        assert_eq!(anchors("Опыт от 3 лет, офис 500 м от метро"), [None, None]);
        assert_eq!(
            anchors("Компания основана в 1995, 25000 клиентов"),
            [None, None]
        );
    }
}
