//! K-fold cross-validation over an alpha path (warm starts) and `l1_ratio` values.
//!
//! Folds are assigned by `fnv1a64(id) % k`, which `scripts/sklearn_reference.py`
//! reproduces, so both pipelines are scored on the same split.
//!
//! Stage 2 (fitting): the first part of a training run ([`crate::fitting::training_run`]);
//! its out-of-fold predictions feed [`crate::fitting::selection`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use sprs::CsMat;

use crate::VacancyText;
use crate::data::Row;
use crate::features::vectorizer::{Vectorizer, VectorizerSettings};
use crate::fitting::bound_problems;
use crate::fitting::enet::{Problem, SolverOptions};

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

/// Clips each bound's log targets to its `[q, 1 - q]` quantiles (robustness against
/// hourly rates and other outliers, which dominate a squared loss in log space).
pub fn winsorize(targets: &mut [[Option<f64>; 2]], q: f64) {
    if q <= 0.0 {
        return;
    }
    for b in 0..2 {
        let mut v: Vec<f64> = targets.iter().filter_map(|t| t[b]).collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        let (lo, hi) = (at(q), at(1.0 - q));
        for t in targets.iter_mut() {
            if let Some(x) = t[b].as_mut() {
                *x = x.clamp(lo, hi);
            }
        }
    }
}

/// Range of each bound's log targets (predictions are clipped to it).
pub fn clip_ranges(targets: &[[Option<f64>; 2]]) -> [(f64, f64); 2] {
    let mut c = [(f64::INFINITY, f64::NEG_INFINITY); 2];
    for t in targets {
        for b in 0..2 {
            if let Some(v) = t[b] {
                c[b] = (c[b].0.min(v), c[b].1.max(v));
            }
        }
    }
    for r in &mut c {
        if r.0 > r.1 {
            *r = (f64::MIN, f64::MAX);
        }
    }
    c
}

/// Hyperparameter grid: per problem, per `l1_ratio`, a descending alpha path.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Joint modelling of the bounds with this specific-block scale (see [`bound_problems`]).
    pub joint: Option<f64>,
    /// Target winsorizing quantile (see [`winsorize`]).
    pub winsor: f64,
    /// Sample weight power (see [`bound_problems::weights`]).
    pub weight_power: f64,
    /// L1 ratios tried.
    pub l1_ratios: Vec<f64>,
    /// Alphas per path.
    pub n_alphas: usize,
    /// Smallest alpha of a path as a share of the problem's `alpha_max`.
    pub alpha_min_ratio: f64,
}

impl Grid {
    /// Number of alphas per path.
    pub fn n_alphas(&self) -> usize {
        self.n_alphas
    }

    /// The descending alpha path of `l1` for a problem. Paths are relative to the
    /// problem's own `alpha_max`, so a fold derives its path from its training rows only
    /// and grid point `(l1, a)` means the same thing in every fold and in the final fit.
    pub fn path(&self, p: &Problem<'_>, l1: f64) -> Vec<f64> {
        alpha_path(p.alpha_max(l1), self.alpha_min_ratio, self.n_alphas)
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
/// for the fold's validation rows `valid` (raw linear predictions, not clipped).
pub struct FoldPredictions {
    /// Validation row indices.
    pub valid: Vec<usize>,
    /// Predictions per bound.
    pub preds: [Vec<f64>; 2],
    /// Per validation row, its share of term occurrences in the fold's vocabulary.
    pub known: Vec<f64>,
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
    let (x_valid, known) = vec.transform_known(&vdocs);
    let (nv, na) = (valid.len(), grid.n_alphas());
    let mut targets: Vec<[Option<f64>; 2]> = train
        .iter()
        .map(|&i| [log_target(&rows[i], 0), log_target(&rows[i], 1)])
        .collect();
    winsorize(&mut targets, grid.winsor);
    let mut preds = [
        vec![0.0; grid.l1_ratios.len() * na * nv],
        vec![0.0; grid.l1_ratios.len() * na * nv],
    ];
    let problems = bound_problems::build(&x_train, &targets, grid.joint);
    // The problems hold their own copies; free the fold's matrix before solving.
    drop(x_train);
    for (pi, (xm, y)) in problems.list.iter().enumerate() {
        if y.is_empty() {
            continue;
        }
        let sw = bound_problems::weights(y, grid.weight_power);
        let p = Problem::with_weights(xm.view(), y, sw.as_deref());
        for (li, &l1) in grid.l1_ratios.iter().enumerate() {
            fit_path(&p, l1, &grid.path(&p, l1), opt, |a, w, icpt| {
                let base = (li * na + a) * nv;
                for &b in bound_problems::bounds_of(pi, grid.joint) {
                    let (coef, icpt) =
                        bound_problems::collapse(w, icpt, b, vec.n_features(), grid.joint);
                    for (v, row) in x_valid.outer_iterator().enumerate() {
                        let s: f64 = row.iter().map(|(j, x)| coef[j] * x).sum();
                        preds[b][base + v] = icpt + s;
                    }
                }
            });
            tick();
        }
    }
    FoldPredictions {
        valid,
        preds,
        known,
    }
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

/// Out-of-fold predictions of one variant over the whole grid.
#[derive(Debug, Clone)]
pub struct VariantOof {
    /// `oof[bound][g * n + row]`: raw log prediction at grid point `g`.
    pub oof: [Vec<f64>; 2],
    /// Number of grid points.
    pub n_grid: usize,
    /// Per fold: the clip range of that fold's model (its winsorized training targets).
    pub clips: Vec<[(f64, f64); 2]>,
    /// Per row: its share of term occurrences in its fold's vocabulary.
    pub known: Vec<f64>,
}

/// Gathers the folds' predictions into one variant's out-of-fold table, with each fold's
/// clip range (its winsorized training targets).
pub fn assemble_oof(
    rows: &[Row],
    k: usize,
    grid: &Grid,
    folds: Vec<FoldPredictions>,
    winsor: f64,
) -> VariantOof {
    let n = rows.len();
    let ng = grid.l1_ratios.len() * grid.n_alphas;
    let mut oof = [vec![0.0; ng * n], vec![0.0; ng * n]];
    let mut known = vec![0.0; n];
    for fp in folds {
        let nv = fp.valid.len();
        for (&row, &k) in fp.valid.iter().zip(&fp.known) {
            known[row] = k;
        }
        for (dst, src) in oof.iter_mut().zip(&fp.preds) {
            for g in 0..ng {
                for (v, &row) in fp.valid.iter().enumerate() {
                    dst[g * n + row] = src[g * nv + v];
                }
            }
        }
    }
    let clips = (0..k)
        .map(|f| {
            let mut t: Vec<[Option<f64>; 2]> = rows
                .iter()
                .filter(|r| fold_of(&r.id, k) != f)
                .map(|r| [log_target(r, 0), log_target(r, 1)])
                .collect();
            winsorize(&mut t, winsor);
            clip_ranges(&t)
        })
        .collect();
    VariantOof {
        oof,
        n_grid: ng,
        clips,
        known,
    }
}

/// Runs the folds on `threads` worker threads; ticks are reported on this thread.
pub fn run_folds(
    rows: &[Row],
    k: usize,
    threads: usize,
    settings: &VectorizerSettings,
    grid: &Grid,
    opt: SolverOptions,
    tick: &mut dyn FnMut(&str),
) -> Vec<FoldPredictions> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let (tx, rx) = mpsc::channel::<usize>();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, k) {
            let tx = tx.clone();
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                loop {
                    let fold = next.fetch_add(1, Ordering::SeqCst);
                    if fold >= k {
                        break;
                    }
                    let fp = run_fold(rows, fold, k, settings, grid, opt, || {
                        let _ = tx.send(fold);
                    });
                    if let Ok(mut r) = results.lock() {
                        r.push(fp);
                    }
                }
            });
        }
        drop(tx);
        for fold in rx {
            tick(&format!("fold {}/{k}", fold + 1));
        }
    });
    // Fold order does not matter: each writes its own validation rows.
    results.into_inner().unwrap_or_default()
}
