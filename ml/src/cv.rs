//! K-fold cross-validation over an alpha path (warm starts) and `l1_ratio` values.
//!
//! Folds are assigned by `fnv1a64(id) % k`, which `scripts/sklearn_reference.py`
//! reproduces, so both pipelines are scored on the same split.

use sprs::CsMat;

use crate::VacancyText;
use crate::data::Row;
use crate::enet::{Problem, SolverOptions};
use crate::vectorizer::{Vectorizer, VectorizerSettings};

/// FNV-1a 64-bit hash (for fold assignment).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fold of a row id among `k` folds.
pub fn fold_of(id: &str, k: usize) -> usize {
    (fnv1a64(id.as_bytes()) % k.max(1) as u64) as usize
}

/// The log target of bound `b` (0 = from, 1 = to) of a row.
pub fn log_target(r: &Row, b: usize) -> Option<f64> {
    let v = if b == 0 { r.salary_from } else { r.salary_to };
    v.map(f64::ln)
}

/// Hyperparameter grid: per bound, per `l1_ratio`, a descending alpha path.
#[derive(Debug, Clone)]
pub struct Grid {
    /// L1 ratios tried.
    pub l1_ratios: Vec<f64>,
    /// `alphas[bound][l1_index]`, descending.
    pub alphas: [Vec<Vec<f64>>; 2],
}

impl Grid {
    /// Number of alphas per path.
    pub fn n_alphas(&self) -> usize {
        self.alphas[0].first().map_or(0, Vec::len)
    }
}

/// Rows `idx` of a CSR matrix, as CSC.
pub fn select_rows_csc(x: &CsMat<f64>, idx: &[usize]) -> CsMat<f64> {
    let mut indptr = Vec::with_capacity(idx.len() + 1);
    let (mut indices, mut data) = (Vec::new(), Vec::new());
    indptr.push(0);
    for &i in idx {
        if let Some(row) = x.outer_view(i) {
            indices.extend_from_slice(row.indices());
            data.extend_from_slice(row.data());
        }
        indptr.push(indices.len());
    }
    CsMat::new((idx.len(), x.cols()), indptr, indices, data).to_csc()
}

/// Fits the path of `(l1, alphas)` with warm starts, calling `each(k, coef, intercept)`.
pub fn fit_path(
    p: &Problem<'_>,
    l1: f64,
    alphas: &[f64],
    opt: SolverOptions,
    mut each: impl FnMut(usize, &[f64], f64),
) {
    let mut warm = Vec::new();
    for (k, &a) in alphas.iter().enumerate() {
        let s = p.solve(a, l1, warm, opt);
        each(k, &s.coef, s.intercept);
        warm = s.coef;
    }
}

/// Out-of-fold log predictions of one fold: `preds[bound][(l1 * n_alphas + a) * nv + v]`
/// for the fold's validation rows `valid` (clipped to the fold's training target range).
pub struct FoldPredictions {
    /// Validation row indices.
    pub valid: Vec<usize>,
    /// Predictions per bound.
    pub preds: [Vec<f64>; 2],
}

/// Runs one fold: vectorizer fitted on its training rows only (no leakage of IDF).
pub fn run_fold(
    rows: &[Row],
    fold: usize,
    k: usize,
    settings: &VectorizerSettings,
    grid: &Grid,
    opt: SolverOptions,
    mut tick: impl FnMut(),
) -> FoldPredictions {
    let (train, valid): (Vec<usize>, Vec<usize>) =
        (0..rows.len()).partition(|&i| fold_of(&rows[i].id, k) != fold);
    let docs: Vec<VacancyText<'_>> = train.iter().map(|&i| rows[i].text()).collect();
    let vec = Vectorizer::fit(&docs, settings.clone());
    let x_train = vec.transform(&docs);
    let vdocs: Vec<VacancyText<'_>> = valid.iter().map(|&i| rows[i].text()).collect();
    let x_valid = vec.transform(&vdocs);
    let (nv, na) = (valid.len(), grid.n_alphas());
    let mut preds = [Vec::new(), Vec::new()];
    for (b, out) in preds.iter_mut().enumerate() {
        *out = vec![0.0; grid.l1_ratios.len() * na * nv];
        let (idx, y): (Vec<usize>, Vec<f64>) = (0..train.len())
            .filter_map(|t| log_target(&rows[train[t]], b).map(|y| (t, y)))
            .unzip();
        if y.is_empty() {
            continue;
        }
        let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let xb = select_rows_csc(&x_train, &idx);
        let p = Problem::new(xb.view(), &y);
        for (li, &l1) in grid.l1_ratios.iter().enumerate() {
            fit_path(&p, l1, &grid.alphas[b][li], opt, |a, coef, icpt| {
                let base = (li * na + a) * nv;
                for (v, row) in x_valid.outer_iterator().enumerate() {
                    let s: f64 = row.iter().map(|(j, x)| coef[j] * x).sum();
                    out[base + v] = (icpt + s).clamp(lo, hi);
                }
            });
            tick();
        }
    }
    FoldPredictions { valid, preds }
}

/// Descending log-spaced alphas from `max` down to `max * min_ratio`.
pub fn alpha_path(max: f64, min_ratio: f64, n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![max * min_ratio];
    }
    (0..n)
        .map(|i| max * min_ratio.powf(i as f64 / (n - 1) as f64))
        .collect()
}
