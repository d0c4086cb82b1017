//! Training: cross-validated grid search, then the final fit on all rows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::VacancyText;
use crate::cv::{
    FoldPredictions, Grid, alpha_path, clip_ranges, fit_path, log_target, run_fold, winsorize,
};
use crate::data::LoadedData;
use crate::enet::{Problem, SolverOptions};
use crate::joint;
use crate::metrics::{RangeMetrics, range_metrics};
use crate::model::{
    CvMetrics, EnetChoice, Hyperparameters, Model, ModelMetadata, RowCounts, finish_log,
};
use crate::terms::for_each_term;
use crate::vectorizer::{Vectorizer, VectorizerSettings};
use crate::{FORMAT_VERSION, RangePrediction};

/// Errors of training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Too few rows with a salary bound to train and cross-validate.
    #[error("too few usable rows: {found} (need at least {needed})")]
    TooFewRows {
        /// Rows found.
        found: usize,
        /// Rows needed.
        needed: usize,
    },
}

/// Settings of training.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Feature extraction.
    pub vectorizer: VectorizerSettings,
    /// L1 ratios of the grid.
    pub l1_ratios: Vec<f64>,
    /// Alphas per path.
    pub n_alphas: usize,
    /// Smallest alpha as a share of the largest useful one.
    pub alpha_min_ratio: f64,
    /// Number of CV folds.
    pub folds: usize,
    /// Solver tolerance.
    pub tol: f64,
    /// Worker threads for the CV folds (results do not depend on it).
    pub threads: usize,
    /// Model the bounds jointly, with this scale of the bound-specific feature copies.
    pub joint: Option<f64>,
    /// Winsorize training targets at this quantile (0 = off).
    pub winsor: f64,
    /// Add a per-bound log offset chosen by out-of-fold MAE.
    pub calibrate: bool,
    /// Weight rows by salary^power (0 = unweighted).
    pub weight_power: f64,
    /// Variants `(winsor, title weight)` compared by CV (overriding `winsor` and the title
    /// block weight); empty = none.
    pub variants: Variants,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            vectorizer: VectorizerSettings::default(),
            l1_ratios: vec![0.05, 0.2, 0.5],
            n_alphas: 12,
            alpha_min_ratio: 1e-4,
            folds: 5,
            tol: 1e-4,
            threads: 2,
            joint: None,
            winsor: 0.06,
            calibrate: false,
            weight_power: 0.5,
            variants: default_variants(),
        }
    }
}

/// A progress report: `done` of `total` steps, with a message.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize, &str);

fn most_common_currency(data: &LoadedData) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &data.rows {
        if let Some(c) = r.currency.as_deref() {
            *counts.entry(c).or_insert(0) += 1;
        }
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.first()
        .map_or_else(|| "RUR".to_owned(), |c| c.0.to_owned())
}

/// Loss/feature variants compared by cross-validation: `(winsor quantile, title weight)`.
/// Each variant runs the whole CV grid; the one with the lowest sum over bounds of
/// MAE / mean salary wins. Empty: use the settings as given.
pub type Variants = Vec<(f64, f64)>;

/// The default variants: light winsorizing with full title weight, and the heavier
/// winsorizing with a lighter title that hh.ru data prefers.
pub fn default_variants() -> Variants {
    vec![(0.01, 1.0), (0.06, 0.7)]
}

/// Trains both bound models, choosing among `settings.variants` and the alpha/l1 grid by
/// k-fold CV; `trained_at` only enters the metadata.
pub fn train(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<Model, TrainError> {
    if settings.variants.is_empty() {
        return train_one(data, settings, trained_at, progress);
    }
    let mean = |b: usize| {
        let v: Vec<f64> = data
            .rows
            .iter()
            .filter_map(|r| if b == 0 { r.salary_from } else { r.salary_to })
            .collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let (m0, m1) = (mean(0).max(1e-9), mean(1).max(1e-9));
    let nv = settings.variants.len();
    let mut best: Option<(f64, Model)> = None;
    for (i, &(winsor, title_weight)) in settings.variants.iter().enumerate() {
        let mut s = settings.clone();
        s.variants.clear();
        s.winsor = winsor;
        s.vectorizer.block_weights[0] = title_weight;
        let m = train_one(data, &s, trained_at, &mut |d, t, msg| {
            progress(i * t + d, nv * t, &format!("variant {}/{nv} {msg}", i + 1));
        })?;
        let cv = m.metadata().cv_metrics.metrics;
        let score = cv.salary_from.mae / m0 + cv.salary_to.mae / m1;
        if best.as_ref().is_none_or(|b| score < b.0) {
            best = Some((score, m));
        }
    }
    match best {
        Some((_, m)) => Ok(m),
        None => train_one(data, settings, trained_at, progress),
    }
}

fn train_one(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<Model, TrainError> {
    let rows = &data.rows;
    let k = settings.folds.max(2);
    if rows.len() < 2 * k {
        return Err(TrainError::TooFewRows {
            found: rows.len(),
            needed: 2 * k,
        });
    }
    let opt = SolverOptions {
        tol: settings.tol,
        max_iter: 1000,
    };
    let docs: Vec<VacancyText<'_>> = rows.iter().map(|r| r.text()).collect();
    let vec = Vectorizer::fit(&docs, settings.vectorizer.clone());
    let x = vec.transform(&docs);
    let mut targets: Vec<[Option<f64>; 2]> = rows
        .iter()
        .map(|r| [log_target(r, 0), log_target(r, 1)])
        .collect();
    let with_from = targets.iter().filter(|t| t[0].is_some()).count();
    let with_to = targets.iter().filter(|t| t[1].is_some()).count();
    winsorize(&mut targets, settings.winsor);
    let problems = joint::build(&x, &targets, settings.joint);
    let mut grid = Grid {
        joint: settings.joint,
        winsor: settings.winsor,
        weight_power: settings.weight_power,
        l1_ratios: settings.l1_ratios.clone(),
        alphas: [vec![], vec![]],
    };
    for (pi, (xm, y)) in problems.list.iter().enumerate() {
        let sw = joint::weights(y, settings.weight_power);
        let p = Problem::with_weights(xm.view(), y, sw.as_deref());
        grid.alphas[pi] = settings
            .l1_ratios
            .iter()
            .map(|&l1| alpha_path(p.alpha_max(l1), settings.alpha_min_ratio, settings.n_alphas))
            .collect();
    }
    if settings.joint.is_some() {
        grid.alphas[1] = grid.alphas[0].clone();
    }
    let (nl, na) = (grid.l1_ratios.len(), grid.n_alphas());
    let total = k * problems.list.len() * nl + 2;
    let mut done = 0;
    // oof[b][(l * na + a) * n + row]
    let n = rows.len();
    let mut oof = [vec![0.0; nl * na * n], vec![0.0; nl * na * n]];
    let folds = run_folds(rows, k, settings, &grid, opt, &mut |m| {
        done += 1;
        progress(done, total, m);
    });
    for fp in folds {
        let nv = fp.valid.len();
        for (dst, src) in oof.iter_mut().zip(&fp.preds) {
            for g in 0..nl * na {
                for (v, &row) in fp.valid.iter().enumerate() {
                    dst[g * n + row] = src[g * nv + v];
                }
            }
        }
    }
    // Choose, per bound, the grid point with the lowest out-of-fold MAE in currency units.
    let mut best = [(0usize, f64::INFINITY); 2];
    for b in 0..2 {
        for g in 0..nl * na {
            let (mut sum, mut cnt) = (0.0, 0usize);
            for (i, r) in rows.iter().enumerate() {
                if let Some(t) = log_target(r, b) {
                    sum += (t.exp() - oof[b][g * n + i].exp()).abs();
                    cnt += 1;
                }
            }
            let mae = sum / cnt.max(1) as f64;
            if mae < best[b].1 {
                best[b] = (g, mae);
            }
        }
    }
    let choice = |b: usize| {
        let (l, a) = (best[b].0 / na, best[b].0 % na);
        (
            l,
            a,
            EnetChoice {
                alpha: grid.alphas[b][l][a],
                l1_ratio: grid.l1_ratios[l],
            },
        )
    };
    let offset = if settings.calibrate {
        [0, 1].map(|b| best_offset(rows, &oof[b][best[b].0 * n..(best[b].0 + 1) * n], b))
    } else {
        [0.0; 2]
    };
    let cv_metrics = cv_metrics(data, &oof, [best[0].0, best[1].0], offset, k);
    // Final fit on all rows, along the path down to the chosen alpha.
    let mut coef = vec![[0.0; 2]; vec.n_features()];
    let mut intercept = [0.0; 2];
    let clip = clip_ranges(&targets);
    let clip = [0, 1].map(|b| (clip[b].0 + offset[b], clip[b].1 + offset[b]));
    let mut choices = Vec::new();
    let nf = vec.n_features();
    for b in 0..2 {
        let (l, a, c) = choice(b);
        let pi = if settings.joint.is_some() { 0 } else { b };
        let (xm, y) = &problems.list[pi];
        let sw = joint::weights(y, settings.weight_power);
        let p = Problem::with_weights(xm.view(), y, sw.as_deref());
        fit_path(
            &p,
            c.l1_ratio,
            &grid.alphas[pi][l][..=a],
            opt,
            |s, w, icpt| {
                if s == a {
                    let (cb, ib) = joint::collapse(w, icpt, b, nf, settings.joint);
                    for (dst, src) in coef.iter_mut().zip(cb) {
                        dst[b] = src;
                    }
                    intercept[b] = ib + offset[b];
                }
            },
        );
        choices.push(c);
        done += 1;
        progress(done, total, "final fit");
    }
    let terms = name_terms(&vec, &coef, &docs);
    let n_nonzero = [0, 1].map(|b| coef.iter().filter(|c| c[b] != 0.0).count());
    let metadata = ModelMetadata {
        format_version: FORMAT_VERSION,
        version: String::new(),
        trained_at: trained_at.format(&Rfc3339).unwrap_or_default(),
        currency: most_common_currency(data),
        data_file: data.file_name.clone(),
        data_sha256: data.sha256.clone(),
        rows: RowCounts {
            records: data.records,
            used: rows.len(),
            bad: data.bad_rows.values().sum(),
            with_from,
            with_to,
        },
        hyperparameters: Hyperparameters {
            vectorizer: settings.vectorizer.clone(),
            salary_from: choices[0],
            salary_to: choices[1],
            target: "ln(salary)".to_owned(),
            joint: settings.joint,
            winsor: settings.winsor,
            log_offset: offset,
            weight_power: settings.weight_power,
        },
        cv_metrics,
        n_features: vec.n_features(),
        n_nonzero,
    };
    let mut model = Model {
        vectorizer: vec,
        coef,
        intercept,
        clip,
        terms,
        metadata,
    };
    model.metadata.version = crate::artifact::content_version(&model);
    Ok(model)
}

/// Runs the folds on `settings.threads` worker threads; ticks are reported on this thread.
fn run_folds(
    rows: &[crate::data::Row],
    k: usize,
    settings: &TrainSettings,
    grid: &Grid,
    opt: SolverOptions,
    tick: &mut dyn FnMut(&str),
) -> Vec<FoldPredictions> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let (tx, rx) = mpsc::channel::<usize>();
    std::thread::scope(|scope| {
        for _ in 0..settings.threads.clamp(1, k) {
            let tx = tx.clone();
            let (next, results) = (&next, &results);
            scope.spawn(move || {
                loop {
                    let fold = next.fetch_add(1, Ordering::SeqCst);
                    if fold >= k {
                        break;
                    }
                    let fp = run_fold(rows, fold, k, &settings.vectorizer, grid, opt, || {
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

/// The log offset in `[-0.2, 0.2]` that minimises the out-of-fold MAE of bound `b`
/// (`pred` holds one log prediction per row).
fn best_offset(rows: &[crate::data::Row], pred: &[f64], b: usize) -> f64 {
    let mut best = (0.0, f64::INFINITY);
    for step in -20..=20 {
        let d = f64::from(step) * 0.01;
        let mae: f64 = rows
            .iter()
            .zip(pred)
            .filter_map(|(r, p)| log_target(r, b).map(|t| (t.exp() - (p + d).exp()).abs()))
            .sum();
        if mae < best.1 {
            best = (d, mae);
        }
    }
    best.0
}

fn cv_metrics(
    data: &LoadedData,
    oof: &[Vec<f64>; 2],
    g: [usize; 2],
    offset: [f64; 2],
    k: usize,
) -> CvMetrics {
    let n = data.rows.len();
    let mut crossed = 0usize;
    let preds: Vec<RangePrediction> = (0..n)
        .map(|i| {
            let raw = [
                oof[0][g[0] * n + i] + offset[0],
                oof[1][g[1] * n + i] + offset[1],
            ];
            // Clipping was applied per fold already; only the crossing fix remains.
            let ([f, t], c) = finish_log(raw, [(f64::MIN, f64::MAX); 2]);
            crossed += usize::from(c);
            RangePrediction {
                salary_from: f.exp(),
                salary_to: t.exp(),
            }
        })
        .collect();
    let truth: Vec<_> = data
        .rows
        .iter()
        .map(|r| (r.salary_from, r.salary_to))
        .collect();
    let metrics: RangeMetrics = range_metrics(&truth, &preds);
    CvMetrics {
        folds: k,
        metrics,
        crossed_before_fix: crossed as f64 / n.max(1) as f64,
    }
}

/// Readable names of the features with a non-zero coefficient.
fn name_terms(
    vec: &Vectorizer,
    coef: &[[f64; 2]],
    docs: &[VacancyText<'_>],
) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let mut scratch = crate::terms::Scratch::default();
    for d in docs {
        for_each_term(d, &vec.settings.terms, &mut scratch, |b, key, text| {
            if let Some(j) = vec.feature_of(key)
                && coef[j as usize] != [0.0; 2]
                && !names.contains_key(&j)
            {
                names.insert(j, format!("{}: {}", b.label(), text.to_owned_string()));
            }
        });
    }
    names
}
