//! Small dense linear models with an intercept: evaluating one ([`apply`]) and fitting one
//! by (weighted) least squares with a tiny ridge.
//!
//! Shared below the stages: the stacker ([`crate::fitting::stacker`]) and the
//! stated-salary stage ([`crate::stated_salary`]) are such models, fitted in training and
//! applied when serving, and so is the likely range's scale ([`crate::serving::interval`]).

/// `beta[0] + beta[1..] . x`: a linear model with intercept `beta[0]` at inputs `x` (the
/// stacked log prediction of a row of first-stage log predictions, the stated-salary
/// stage, the likely range's scale).
pub fn apply(beta: &[f64], x: &[f64]) -> f64 {
    beta.first().copied().unwrap_or(0.0)
        + beta.iter().skip(1).zip(x).map(|(b, v)| b * v).sum::<f64>()
}

/// Ordinary least squares of `t` on `[1, x_i]` (a tiny ridge for stability).
pub fn least_squares(x: &[Vec<f64>], t: &[f64]) -> Vec<f64> {
    let d = x.first().map_or(0, Vec::len) + 1;
    weighted_ls(x, t, &vec![1.0; t.len()], d)
}

/// Weighted least squares with an intercept and a tiny ridge for stability.
pub(crate) fn weighted_ls(x: &[Vec<f64>], t: &[f64], u: &[f64], d: usize) -> Vec<f64> {
    let mut a = vec![vec![0.0; d]; d];
    let mut rhs = vec![0.0; d];
    let mut row = vec![0.0; d];
    for ((r, &ti), &ui) in x.iter().zip(t).zip(u) {
        row[0] = 1.0;
        row[1..].copy_from_slice(r);
        for p in 0..d {
            rhs[p] += ui * row[p] * ti;
            for q in 0..d {
                a[p][q] += ui * row[p] * row[q];
            }
        }
    }
    let trace: f64 = (0..d).map(|p| a[p][p]).sum();
    for (p, ap) in a.iter_mut().enumerate().skip(1) {
        ap[p] += 1e-9 * trace.max(f64::MIN_POSITIVE);
    }
    solve(a, rhs)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting (singular pivots give 0).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let d = b.len();
    for c in 0..d {
        let p = (c..d)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap_or(c);
        a.swap(c, p);
        b.swap(c, p);
        let piv = a[c][c];
        if piv.abs() < 1e-300 {
            continue;
        }
        for r in c + 1..d {
            let f = a[r][c] / piv;
            if f != 0.0 {
                let (top, bottom) = a.split_at_mut(r);
                for (x, y) in bottom[0][c..].iter_mut().zip(&top[c][c..]) {
                    *x -= f * y;
                }
                b[r] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; d];
    for c in (0..d).rev() {
        let s: f64 = (c + 1..d).map(|q| a[c][q] * x[q]).sum();
        x[c] = if a[c][c].abs() < 1e-300 {
            0.0
        } else {
            (b[c] - s) / a[c][c]
        };
    }
    x
}
