//! Coordinate-descent ElasticNet on sparse column-major (CSC) data.
//!
//! Written by hand because no crate does it: linfa-elasticnet needs dense records and
//! inverts a features x features matrix on every fit. Minimises scikit-learn's objective
//!
//! `1/(2n) ||y - b - X w||^2 + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio) / 2 * ||w||^2`
//!
//! with an unpenalised intercept `b`. Columns are centred implicitly: the residual is kept
//! as a sparse-updated vector plus a scalar offset, so an update costs O(nnz of the column)
//! and the matrix is never densified. Convergence is checked by the duality gap, as in
//! scikit-learn, and iterations alternate full sweeps with sweeps over the active set.

use sprs::CsMatView;

/// Solver controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverOptions {
    /// Relative duality-gap tolerance (scaled by `||y - mean(y)||^2`).
    pub tol: f64,
    /// Maximum number of full sweeps.
    pub max_iter: usize,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            tol: 1e-4,
            max_iter: 1000,
        }
    }
}

/// Precomputed column statistics and the centred target of one problem.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    x: CsMatView<'a, f64>,
    y: Vec<f64>,
    y_mean: f64,
    /// Sample weights, normalised to sum to the number of rows.
    sw: Vec<f64>,
    col_mean: Vec<f64>,
    col_nrm2: Vec<f64>,
}

/// Result of one solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Coefficients.
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
    /// Full sweeps used.
    pub iterations: usize,
    /// Final duality gap (unscaled).
    pub gap: f64,
}

impl<'a> Problem<'a> {
    /// Prepares a problem; `x` must be CSC with `y.len()` rows.
    pub fn new(x: CsMatView<'a, f64>, y: &[f64]) -> Problem<'a> {
        Problem::with_weights(x, y, None)
    }

    /// Prepares a weighted problem (weighted least squares; weights are rescaled to sum
    /// to the number of rows, as scikit-learn does).
    pub fn with_weights(x: CsMatView<'a, f64>, y: &[f64], w: Option<&[f64]>) -> Problem<'a> {
        let n = y.len() as f64;
        let mut sw: Vec<f64> = w.map_or_else(|| vec![1.0; y.len()], <[f64]>::to_vec);
        let total: f64 = sw.iter().sum();
        if total > 0.0 {
            sw.iter_mut().for_each(|v| *v *= n / total);
        }
        let y_mean = y.iter().zip(&sw).map(|(a, b)| a * b).sum::<f64>() / n.max(1.0);
        let mut col_mean = Vec::with_capacity(x.cols());
        let mut col_nrm2 = Vec::with_capacity(x.cols());
        for col in x.outer_iterator() {
            let (s, s2) = col.iter().fold((0.0, 0.0), |(s, s2), (i, v)| {
                (s + sw[i] * v, s2 + sw[i] * v * v)
            });
            let m = s / n.max(1.0);
            col_mean.push(m);
            col_nrm2.push((s2 - n * m * m).max(0.0));
        }
        Problem {
            x,
            y: y.iter().map(|v| v - y_mean).collect(),
            y_mean,
            sw,
            col_mean,
            col_nrm2,
        }
    }

    /// Smallest `alpha` at which all coefficients are zero for `l1_ratio`.
    pub fn alpha_max(&self, l1_ratio: f64) -> f64 {
        let n = self.y.len() as f64;
        let ysum: f64 = self.y.iter().zip(&self.sw).map(|(a, b)| a * b).sum();
        let mut m: f64 = 0.0;
        for (j, col) in self.x.outer_iterator().enumerate() {
            let g: f64 = col
                .iter()
                .map(|(i, v)| v * self.sw[i] * self.y[i])
                .sum::<f64>()
                - self.col_mean[j] * ysum;
            m = m.max(g.abs());
        }
        m / (n * l1_ratio.max(1e-3))
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.x.cols()
    }

    /// Solves for one `(alpha, l1_ratio)`, starting from `warm` coefficients.
    pub fn solve(&self, alpha: f64, l1_ratio: f64, warm: Vec<f64>, opt: SolverOptions) -> Solution {
        let n = self.y.len();
        let nf = n as f64;
        let l1 = nf * alpha * l1_ratio;
        let l2 = nf * alpha * (1.0 - l1_ratio);
        let mut w = warm;
        w.resize(self.x.cols(), 0.0);
        // Residual r = s + c (centred problem).
        let mut s = self.y.clone();
        let mut c = 0.0;
        for (j, col) in self.x.outer_iterator().enumerate() {
            if w[j] != 0.0 {
                for (i, v) in col.iter() {
                    s[i] -= w[j] * v;
                }
                c += w[j] * self.col_mean[j];
            }
        }
        let sw = &self.sw;
        let wsum = |s: &[f64]| s.iter().zip(sw).map(|(a, b)| a * b).sum::<f64>();
        let mut ssum: f64 = wsum(&s);
        let y_nrm2: f64 = self.y.iter().zip(sw).map(|(v, w)| w * v * v).sum();
        let tol = opt.tol * y_nrm2.max(f64::MIN_POSITIVE);
        let mut gap = f64::INFINITY;
        let mut iterations = 0;
        let mut active: Vec<usize> = Vec::new();
        let update = |j: usize, w: &mut [f64], s: &mut [f64], c: &mut f64, ssum: &mut f64| {
            let col = self.x.outer_view(j);
            let Some(col) = col else { return 0.0 };
            let nrm2 = self.col_nrm2[j];
            if nrm2 == 0.0 {
                return 0.0;
            }
            let mean = self.col_mean[j];
            let dot: f64 = col.iter().map(|(i, v)| v * sw[i] * s[i]).sum::<f64>() - mean * *ssum;
            let rho = dot + w[j] * nrm2;
            let new = soft(rho, l1) / (nrm2 + l2);
            let d = new - w[j];
            if d != 0.0 {
                for (i, v) in col.iter() {
                    s[i] -= d * v;
                }
                *c += d * mean;
                *ssum -= d * mean * nf;
                w[j] = new;
            }
            d.abs() * nrm2.sqrt()
        };
        while iterations < opt.max_iter {
            iterations += 1;
            let mut max_d: f64 = 0.0;
            for j in 0..w.len() {
                max_d = max_d.max(update(j, &mut w, &mut s, &mut c, &mut ssum));
            }
            // Refresh the running sum to keep rounding drift out.
            ssum = wsum(&s);
            // `max_d^2` bounds the change of ||r||^2 made by the largest single update.
            if max_d * max_d < tol || iterations == opt.max_iter {
                gap = self.duality_gap(&w, &s, c, l1, l2);
                if gap <= tol {
                    break;
                }
            }
            // Sweeps over the active set until it settles.
            active.clear();
            active.extend((0..w.len()).filter(|&j| w[j] != 0.0));
            for _ in 0..100 {
                let mut max_a: f64 = 0.0;
                for &j in &active {
                    max_a = max_a.max(update(j, &mut w, &mut s, &mut c, &mut ssum));
                }
                if max_a * max_a < tol * 0.01 {
                    break;
                }
            }
        }
        let intercept = self.y_mean
            - w.iter()
                .zip(&self.col_mean)
                .map(|(a, b)| a * b)
                .sum::<f64>();
        Solution {
            coef: w,
            intercept,
            iterations,
            gap,
        }
    }

    fn duality_gap(&self, w: &[f64], s: &[f64], c: f64, l1: f64, l2: f64) -> f64 {
        let sw = &self.sw;
        let ssum: f64 = s.iter().zip(sw).map(|(a, b)| a * b).sum();
        let mut dual_norm: f64 = 0.0;
        for (j, col) in self.x.outer_iterator().enumerate() {
            let g =
                col.iter().map(|(i, v)| v * sw[i] * s[i]).sum::<f64>() - self.col_mean[j] * ssum;
            dual_norm = dual_norm.max((g - l2 * w[j]).abs());
        }
        let r_nrm2: f64 = s.iter().zip(sw).map(|(v, q)| q * (v + c) * (v + c)).sum();
        let ry: f64 = s
            .iter()
            .zip(&self.y)
            .zip(sw)
            .map(|((v, y), q)| q * (v + c) * y)
            .sum();
        let w_nrm2: f64 = w.iter().map(|v| v * v).sum();
        let w_l1: f64 = w.iter().map(|v| v.abs()).sum();
        let (konst, mut gap) = if dual_norm > l1 {
            let k = l1 / dual_norm;
            (k, 0.5 * (r_nrm2 + r_nrm2 * k * k))
        } else {
            (1.0, r_nrm2)
        };
        gap += l1 * w_l1 - konst * ry + 0.5 * l2 * (1.0 + konst * konst) * w_nrm2;
        gap
    }
}

fn soft(x: f64, t: f64) -> f64 {
    if x > t {
        x - t
    } else if x < -t {
        x + t
    } else {
        0.0
    }
}
