//! Salary figures stated in the description ("от 150 000", "до 200 000 руб",
//! "120 000 – 180 000"), read as anchors for the bounds.
//!
//! On hh.ru data, when a description states a figure after "от", the published
//! `salary_from` equals it exactly in about three cases of four, and likewise for "до" and
//! `salary_to`. A linear model over TF-IDF terms can only approximate such a figure through
//! bucket terms; the stacker (see [`crate::fitting::stacker`]) instead receives the stated figure
//! itself and learns from out-of-fold rows how far to trust it.

use crate::features::terms::{Amount, collect_amounts};
use crate::features::tokenizer::Tokens;

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

/// Parameters of the anchor stage of one bound: `[c0, c1, g_from, d_from, g_to, d_to]`.
/// With the stacked log prediction `q` of the bound and the stated figures `a_k` (logs),
/// the prediction is `c0 + c1 q + sum over stated k of (g_k + d_k (a_k - q))`: `d_k` is how
/// far the prediction moves towards the figure, learned from out-of-fold rows.
pub type AnchorStage = Vec<f64>;

/// A stated figure further than this from the stacked prediction (in log space, a factor
/// of 3) is taken for something else (a bonus, a turnover, an hourly rate) and ignored.
pub const MAX_DISTANCE: f64 = 1.098_612_288_668_109_8;

/// The stated figures the anchor stage takes into account, given the stacked log
/// predictions `q` of both bounds.
///
/// A stated pair ("от 250 000 до 350 000") is judged as a whole: when it is coherent (from
/// at most to, within a factor of 3 of each other), both figures are in play if the pair's
/// middle is within [`MAX_DISTANCE`] of the predicted middle, and neither otherwise. Judged
/// figure by figure, a pair well above the model's estimate could have its lower figure in
/// play and its upper one set aside; the stage then pulled one bound to the stated figure and
/// not the other, and the bounds crossed. A single figure, or an incoherent pair, is judged
/// figure by figure against its own bound's prediction.
pub fn in_play(q: [f64; 2], anchors: [Option<f64>; 2]) -> [Option<f64>; 2] {
    match anchors {
        [Some(a), Some(b)] if a <= b && b - a <= MAX_DISTANCE => {
            if (0.5 * (a + b) - 0.5 * (q[0] + q[1])).abs() <= MAX_DISTANCE {
                anchors
            } else {
                [None, None]
            }
        }
        _ => [0, 1].map(|k| anchors[k].filter(|a| (a - q[k]).abs() <= MAX_DISTANCE)),
    }
}

/// The stage inputs `[q, h_from, h_from (a_from - q), h_to, h_to (a_to - q)]` of a bound
/// with stacked log prediction `q`, where `h_k` says figure `k` is in play (`in_play`, from
/// [`in_play`]).
pub fn stage_inputs(q: f64, in_play: [Option<f64>; 2]) -> [f64; 5] {
    let mut x = [q, 0.0, 0.0, 0.0, 0.0];
    for (k, a) in in_play.iter().enumerate() {
        if let Some(a) = a {
            x[1 + 2 * k] = 1.0;
            x[2 + 2 * k] = a - q;
        }
    }
    x
}

/// The anchored log predictions of both bounds from their stacked predictions `q` (see
/// [`AnchorStage`]).
pub fn apply_stage(stage: &[AnchorStage; 2], q: [f64; 2], anchors: [Option<f64>; 2]) -> [f64; 2] {
    let play = in_play(q, anchors);
    [0, 1].map(|b| crate::fitting::stacker::apply(&stage[b], &stage_inputs(q[b], play)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::features::tokenizer::tokenize_into;

    fn anchors(text: &str) -> [Option<f64>; 2] {
        let mut t = Tokens::default();
        tokenize_into(text, &mut t);
        salary_anchors(&t).map(|a| a.map(|v| v.exp().round()))
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
    fn a_stated_pair_is_in_play_or_set_aside_as_a_whole() {
        let ln = |v: f64| v.ln();
        let pair = [Some(ln(250_000.0)), Some(ln(350_000.0))];
        // The model says 100 000 - 110 000: the lower figure alone is within a factor of 3
        // of its bound, the upper one is not; the pair's middle (300 000) is near enough.
        let q = [ln(100_000.0), ln(110_000.0)];
        assert_eq!(in_play(q, pair), pair);
        // Far from the estimate as a whole (the model says 20 000 - 25 000): neither.
        let q = [ln(20_000.0), ln(25_000.0)];
        assert_eq!(in_play(q, pair), [None, None]);
        // A single figure is judged against its own bound.
        let from = [Some(ln(250_000.0)), None];
        assert_eq!(in_play([ln(100_000.0), ln(300_000.0)], from), from);
        assert_eq!(in_play([ln(50_000.0), ln(300_000.0)], from), [None, None]);
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
