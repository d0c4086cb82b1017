//! The stated-salary stage: after the stacker, each bound moves towards a salary figure
//! the description states itself, as far as out-of-fold rows found such figures
//! trustworthy.
//!
//! The figures ("от 150 000", "до 200 000 руб", "120 000 – 180 000") are read with the
//! features ([`crate::features::amounts::salary_anchors`]). A linear model over TF-IDF terms
//! can only approximate such a figure through bucket terms; this stage instead receives the
//! stated figure itself. It is fitted in [`crate::fitting::selection`] and applied when
//! serving ([`crate::serving::model`]) and in the likely range's difficulty
//! ([`crate::serving::interval`]).

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
    [0, 1].map(|b| crate::linear::apply(&stage[b], &stage_inputs(q[b], play)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
}
