//! Stacking: a small second-stage linear model over first-stage log predictions (both
//! bounds, every variant) that minimises the absolute error in currency units.
//!
//! The first stage is a squared loss on `ln(salary)`, so its predictions are shrunk
//! towards the mean and its loss is not the MAE in currency the model is judged by. The
//! second stage re-weights and stretches them (and lets the `to` model lean on the `from`
//! prediction, which is trained on more rows) under the judged loss. Because every input
//! is linear in the TF-IDF row, the stacked model is again one linear model per bound, so
//! scoring costs nothing extra.
//!
//! Stage 2 (fitting): chosen in [`crate::fitting::selection`], folded into the model in the
//! final fits; serving only sees its result.

use crate::features::vectorizer::Vectorizer;
use crate::linear::{apply, weighted_ls};

/// Coefficients `[intercept, w_1, ..., w_d]` of one stacked bound.
pub type Stacker = Vec<f64>;

/// A first-stage model fitted on all rows: its vectorizer block weights, coefficients
/// per bound (over the shared vocabulary) and intercepts.
#[derive(Debug, Clone)]
pub struct MemberFit {
    /// Block weights of the member's vectorizer.
    pub block_weights: [f64; 5],
    /// `coef[bound][feature]`.
    pub coef: [Vec<f64>; 2],
    /// Intercept per bound.
    pub intercept: [f64; 2],
}

/// Folds members (and, when given, the stackers `stack[bound] = [intercept, then per
/// member its from and to weights]`; without, the single member as it is) into one linear
/// model over `base`'s vocabulary: `(vectorizer, coef[feature] = [from, to], intercept)`.
/// The members' block weights become coefficient scales relative to the member with the
/// heaviest title, whose weights the returned vectorizer uses.
pub fn fold_members(
    base: Vectorizer,
    fits: &[MemberFit],
    stack: Option<&[Stacker; 2]>,
) -> (Vectorizer, Vec<[f64; 2]>, [f64; 2]) {
    let base_weights = fits
        .iter()
        .map(|f| f.block_weights)
        .max_by(|a, b| a[0].total_cmp(&b[0]))
        .unwrap_or(base.settings.block_weights);
    let mut vec = base;
    vec.settings.block_weights = base_weights;
    let nf = vec.n_features();
    let mut coef = vec![[0.0; 2]; nf];
    let mut intercept = [0.0; 2];
    for b in 0..2 {
        // Weight of member m's bound b2 in the model of bound b.
        let weight = |m: usize, b2: usize| match stack {
            Some(st) => st[b].get(1 + 2 * m + b2).copied().unwrap_or(0.0),
            None => f64::from(u8::from(b2 == b)),
        };
        intercept[b] = stack.map_or(0.0, |st| st[b].first().copied().unwrap_or(0.0));
        for (m, fit) in fits.iter().enumerate() {
            let scale: [f64; 5] = std::array::from_fn(|q| {
                if base_weights[q] == 0.0 {
                    0.0
                } else {
                    fit.block_weights[q] / base_weights[q]
                }
            });
            for b2 in 0..2 {
                let w = weight(m, b2);
                if w == 0.0 {
                    continue;
                }
                intercept[b] += w * fit.intercept[b2];
                for (j, dst) in coef.iter_mut().enumerate() {
                    dst[b] += w * fit.coef[b2][j] * scale[vec.blocks[j] as usize];
                }
            }
        }
    }
    (vec, coef, intercept)
}
/// Mean absolute error in currency units of `beta` on rows `x` with log targets `t`.
pub fn currency_mae(beta: &[f64], x: &[Vec<f64>], t: &[f64]) -> f64 {
    let s: f64 = x
        .iter()
        .zip(t)
        .map(|(r, t)| (t.exp() - apply(beta, r).exp()).abs())
        .sum();
    s / t.len().max(1) as f64
}

/// Fits `beta` minimising `sum |exp(t_i) - exp(beta . [1, x_i])|` by iteratively
/// reweighted least squares: the loss as a function of the log residual `r` has slope
/// `exp(prediction)`, so each step solves a weighted least-squares problem with weights
/// `exp(s_i) / |r_i|`. Starts from ordinary least squares, keeps the best iterate.
/// Returns the identity-like OLS fit when there are fewer rows than parameters.
pub fn fit_currency_lad(x: &[Vec<f64>], t: &[f64]) -> Stacker {
    let d = x.first().map_or(0, Vec::len) + 1;
    let mut beta = weighted_ls(x, t, &vec![1.0; t.len()], d);
    if t.len() < 2 * d {
        return beta;
    }
    let mut best = (currency_mae(&beta, x, t), beta.clone());
    let mut u = vec![0.0; t.len()];
    for _ in 0..60 {
        let s: Vec<f64> = x.iter().map(|r| apply(&beta, r)).collect();
        // Scale by the mean prediction so exp() stays in range; only ratios matter.
        let m = s.iter().sum::<f64>() / s.len() as f64;
        for ((ui, si), ti) in u.iter_mut().zip(&s).zip(t) {
            *ui = (si - m).exp() / (ti - si).abs().max(1e-3);
        }
        beta = weighted_ls(x, t, &u, d);
        let mae = currency_mae(&beta, x, t);
        if mae < best.0 {
            best = (mae, beta.clone());
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn recovers_an_exact_linear_relation() {
        let x: Vec<Vec<f64>> = (0..50)
            .map(|i| vec![10.0 + f64::from(i) * 0.05, 11.0 - f64::from(i % 7) * 0.1])
            .collect();
        let t: Vec<f64> = x.iter().map(|r| 0.5 + 0.8 * r[0] + 0.1 * r[1]).collect();
        let b = fit_currency_lad(&x, &t);
        assert!(currency_mae(&b, &x, &t) < 1e-3 * t[0].exp(), "{b:?}");
    }

    #[test]
    fn ignores_a_gross_outlier_that_least_squares_follows() {
        // One input, target = input except one row far above: LAD keeps slope 1.
        let x: Vec<Vec<f64>> = (0..40).map(|i| vec![11.0 + f64::from(i) * 0.02]).collect();
        let mut t: Vec<f64> = x.iter().map(|r| r[0]).collect();
        t[39] += 3.0;
        let ols = weighted_ls(&x, &t, &vec![1.0; t.len()], 2);
        let lad = fit_currency_lad(&x, &t);
        assert!(currency_mae(&lad, &x, &t) < currency_mae(&ols, &x, &t));
        assert!((apply(&lad, &[11.3]) - 11.3).abs() < 0.01, "{lad:?}");
    }
}
