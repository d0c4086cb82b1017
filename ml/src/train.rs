//! Training: cross-validated grid search, then the final fit on all rows.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::VacancyText;
use crate::cv::{Grid, alpha_path, fit_path, log_target, run_fold, select_rows_csc};
use crate::data::LoadedData;
use crate::enet::{Problem, SolverOptions};
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

/// Trains both bound models with the CV grid; `trained_at` only enters the metadata.
pub fn train(
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
    let mut problems = Vec::new();
    let mut grid = Grid {
        l1_ratios: settings.l1_ratios.clone(),
        alphas: [vec![], vec![]],
    };
    for b in 0..2 {
        let (idx, y): (Vec<usize>, Vec<f64>) = (0..rows.len())
            .filter_map(|i| log_target(&rows[i], b).map(|y| (i, y)))
            .unzip();
        let xb = select_rows_csc(&x, &idx);
        let p_alphas = {
            let p = Problem::new(xb.view(), &y);
            let paths = settings.l1_ratios.iter().map(|&l1| {
                alpha_path(p.alpha_max(l1), settings.alpha_min_ratio, settings.n_alphas)
            });
            paths.collect()
        };
        grid.alphas[b] = p_alphas;
        problems.push((xb, y));
    }
    let (nl, na) = (grid.l1_ratios.len(), grid.n_alphas());
    let total = k * 2 * nl + 2;
    let mut done = 0;
    // oof[b][(l * na + a) * n + row]
    let n = rows.len();
    let mut oof = [vec![0.0; nl * na * n], vec![0.0; nl * na * n]];
    for fold in 0..k {
        let fp = run_fold(rows, fold, k, &settings.vectorizer, &grid, opt, || {
            done += 1;
            progress(done, total, &format!("fold {}/{k}", fold + 1));
        });
        let nv = fp.valid.len();
        for b in 0..2 {
            for g in 0..nl * na {
                for (v, &row) in fp.valid.iter().enumerate() {
                    oof[b][g * n + row] = fp.preds[b][g * nv + v];
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
    let cv_metrics = cv_metrics(data, &oof, [best[0].0, best[1].0], k);
    // Final fit on all rows, along the path down to the chosen alpha.
    let mut coef = vec![[0.0; 2]; vec.n_features()];
    let mut intercept = [0.0; 2];
    let mut clip = [(0.0, 0.0); 2];
    let mut choices = Vec::new();
    for (b, (xb, y)) in problems.iter().enumerate() {
        let (l, a, c) = choice(b);
        let p = Problem::new(xb.view(), y);
        fit_path(
            &p,
            c.l1_ratio,
            &grid.alphas[b][l][..=a],
            opt,
            |s, w, icpt| {
                if s == a {
                    for (dst, &src) in coef.iter_mut().zip(w) {
                        dst[b] = src;
                    }
                    intercept[b] = icpt;
                }
            },
        );
        let lo = y.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        clip[b] = (lo, hi);
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
            with_from: problems[0].1.len(),
            with_to: problems[1].1.len(),
        },
        hyperparameters: Hyperparameters {
            vectorizer: settings.vectorizer.clone(),
            salary_from: choices[0],
            salary_to: choices[1],
            target: "ln(salary)".to_owned(),
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

fn cv_metrics(data: &LoadedData, oof: &[Vec<f64>; 2], g: [usize; 2], k: usize) -> CvMetrics {
    let n = data.rows.len();
    let mut crossed = 0usize;
    let preds: Vec<RangePrediction> = (0..n)
        .map(|i| {
            let raw = [oof[0][g[0] * n + i], oof[1][g[1] * n + i]];
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
            if let Some(j) = vec.feature_of(key) {
                if coef[j as usize] != [0.0; 2] && !names.contains_key(&j) {
                    names.insert(j, format!("{}: {}", b.label(), text.to_owned_string()));
                }
            }
        });
    }
    names
}
