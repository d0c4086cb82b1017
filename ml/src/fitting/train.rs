//! Training: cross-validated grid search, then the final fit on all rows.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::FORMAT_VERSION;
use crate::VacancyText;
use crate::fitting::cv::{Grid, assemble_oof, clip_ranges, fit_path, log_target, run_folds, winsorize};
use crate::data::LoadedData;
use crate::fitting::enet::{Problem, SolverOptions};
use crate::serving::interval::{self, Calibration, REPORTED_LEVELS};
use crate::fitting::bound_problems;
use crate::serving::model::{
    CvMetrics, EnetChoice, Hyperparameters, Member, Model, ModelMetadata, RowCounts,
};
use crate::fitting::nested::nested_cv;
use crate::fitting::selection::Oof;
use crate::fitting::stacker::{MemberFit, fold_members};
use crate::features::terms::for_each_term;
use crate::features::vectorizer::{Vectorizer, VectorizerSettings};

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
    /// Stack all variants' predictions of both bounds with a second-stage model fitted
    /// for MAE in currency (see [`crate::fitting::stacker`]); off = the best single variant.
    pub stack: bool,
    /// Weight rows by salary^power (0 = unweighted).
    pub weight_power: f64,
    /// Read salary figures stated in descriptions as anchors for the bounds, through a
    /// stage after the stacker (see [`crate::stated_salary`]); needs `stack`.
    pub anchors: bool,
    /// Variants compared by CV (each overriding `winsor` and the vectorizer's block
    /// weights); empty = the settings as given.
    pub variants: Variants,
    /// Also run nested CV of this whole procedure with this many outer folds and record it
    /// in the model (see [`crate::fitting::nested`]); 0 = off.
    pub nested_outer_folds: usize,
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
            stack: true,
            weight_power: 0.5,
            anchors: true,
            variants: default_variants(),
            nested_outer_folds: 0,
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

/// A loss/feature variant: the winsorizing quantile of the training targets and the
/// weights of the feature blocks (title, title characters, description, area, amounts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    /// See [`TrainSettings::winsor`].
    pub winsor: f64,
    /// See [`VectorizerSettings::block_weights`].
    pub block_weights: [f64; 5],
}

/// Loss/feature variants compared by cross-validation.
/// Each variant runs the whole CV grid; the one with the lowest sum over bounds of
/// MAE / mean salary wins. Empty: use the settings as given.
pub type Variants = Vec<Variant>;

/// The default variants, both with the description weighted above the title: the heavier
/// winsorizing that hh.ru data prefers, and light winsorizing with an even heavier
/// description and a lighter area that the Adzuna data prefers (see ml/BENCHMARKS-ml.md).
pub fn default_variants() -> Variants {
    vec![
        Variant {
            winsor: 0.06,
            block_weights: [1.0, 1.0, 2.0, 1.0, 1.0],
        },
        Variant {
            winsor: 0.01,
            block_weights: [1.0, 1.0, 3.0, 0.5, 1.0],
        },
    ]
}

/// Trains both bound models, choosing among `settings.variants` and the alpha/l1 grid by
/// k-fold CV; `trained_at` only enters the metadata.
pub fn train(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<Model, TrainError> {
    train_reported(data, settings, trained_at, progress).map(|r| r.model)
}

/// A trained model and the CV metrics of the alternatives it was compared with.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// The model.
    pub model: Model,
    /// `(rule, metrics)`: cross-validated metrics of each way of combining the variants.
    pub alternatives: Vec<(String, CvMetrics)>,
    /// Out-of-fold log predictions `[from, to]` of every row under the chosen rule.
    pub oof_logs: Vec<[f64; 2]>,
    /// Nested CV with every held-out prediction, when it was run.
    pub nested: Option<crate::fitting::nested::NestedOutcome>,
    /// The rows the likely range was calibrated on.
    pub calibration_rows: Vec<interval::CalibrationRow>,
}

/// Like [`train`], also reporting the CV metrics of the alternatives.
pub fn train_reported(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<TrainReport, TrainError> {
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
    let variants: Variants = if settings.variants.is_empty() {
        vec![Variant {
            winsor: settings.winsor,
            block_weights: settings.vectorizer.block_weights,
        }]
    } else {
        settings.variants.clone()
    };
    let nv = variants.len();
    let docs: Vec<VacancyText<'_>> = rows.iter().map(|r| r.text()).collect();
    // Vocabulary and IDF do not depend on the block weights: one fit serves all variants.
    let base_vec = Vectorizer::fit(&docs, settings.vectorizer.clone());
    let raw_targets: Vec<[Option<f64>; 2]> = rows
        .iter()
        .map(|r| [log_target(r, 0), log_target(r, 1)])
        .collect();
    let with_from = raw_targets.iter().filter(|t| t[0].is_some()).count();
    let with_to = raw_targets.iter().filter(|t| t[1].is_some()).count();
    let n_problems = if settings.joint.is_some() { 1 } else { 2 };
    let per_variant = k * n_problems * settings.l1_ratios.len();
    let total = nv * per_variant + 2 * nv;
    let mut done = 0;
    let mut grids = Vec::with_capacity(nv);
    let mut oofs = Vec::with_capacity(nv);
    for (vi, &variant) in variants.iter().enumerate() {
        let s = variant_settings(settings, variant);
        let winsor = variant.winsor;
        let grid = Grid {
            joint: s.joint,
            winsor,
            weight_power: s.weight_power,
            l1_ratios: s.l1_ratios.clone(),
            n_alphas: s.n_alphas,
            alpha_min_ratio: s.alpha_min_ratio,
        };
        let folds = run_folds(rows, k, s.threads, &s.vectorizer, &grid, opt, &mut |m| {
            done += 1;
            progress(done, total, &format!("variant {}/{nv} {m}", vi + 1));
        });
        oofs.push(assemble_oof(rows, k, &grid, folds, winsor));
        grids.push(grid);
    }
    let oof = Oof::new(rows, k, oofs);
    let mut alternatives = vec![
        ("single variant, pooled choice".to_owned(), oof.cv_pooled()),
        (
            "single variant, per-fold choice".to_owned(),
            oof.cv(Oof::rule_single),
        ),
    ];
    for v in 0..nv {
        alternatives.push((
            format!("stacked variant {}", v + 1),
            oof.cv(|o, skip| o.rule_stacked(&[v], skip)),
        ));
    }
    let all: Vec<usize> = (0..nv).collect();
    if nv > 1 {
        alternatives.push((
            "stacked all variants".to_owned(),
            oof.cv(|o, skip| o.rule_stacked(&all, skip)),
        ));
    }
    let stacked = oof.cv_logs(Oof::rule_best_stacked);
    alternatives.push((
        "best variant, stacked".to_owned(),
        oof.metrics(&stacked.0, stacked.1),
    ));
    let anchored = oof.cv_logs(Oof::rule_anchored);
    alternatives.push((
        "best variant, stacked, stated figures".to_owned(),
        oof.metrics(&anchored.0, anchored.1),
    ));
    let choice = oof.choose(settings.stack, settings.anchors);
    let (oof_logs, crossed) = match (settings.stack, settings.anchors) {
        (true, true) => anchored,
        (true, false) => stacked,
        _ => oof.cv_logs(Oof::rule_single),
    };
    let cv_metrics = oof.metrics(&oof_logs, crossed);
    // The likely range, calibrated on the same out-of-fold predictions.
    let calibration_rows = oof.calibration_rows(&oof_logs);
    let calibration = Calibration::fit(&calibration_rows);
    let cv_interval = calibration.as_ref().map_or_else(Vec::new, |c| {
        REPORTED_LEVELS
            .iter()
            .map(|&level| {
                let scored: Vec<(f64, (f64, f64))> = calibration_rows
                    .iter()
                    .map(|r| {
                        let mid = (r.difficulty.mid_log + r.residual).exp();
                        (mid, c.range(&r.difficulty, level))
                    })
                    .collect();
                interval::score(level, &scored)
            })
            .collect()
    });
    // Final fits of the chosen members on all rows, along each path down to the chosen
    // alpha.
    let nf = base_vec.n_features();
    let na = settings.n_alphas;
    let mut members = Vec::new();
    let mut fits = Vec::new();
    for (m, &v) in choice.members.iter().enumerate() {
        let variant = variants[v];
        let winsor = variant.winsor;
        let s = variant_settings(settings, variant);
        let mut vec = base_vec.clone();
        vec.settings = s.vectorizer.clone();
        let x = vec.transform(&docs);
        let mut targets = raw_targets.clone();
        winsorize(&mut targets, winsor);
        let problems = bound_problems::build(&x, &targets, s.joint);
        drop(x);
        let mut coef = [vec![0.0; nf], vec![0.0; nf]];
        let mut intercept = [0.0; 2];
        let mut enet = Vec::new();
        for b in 0..2 {
            let g = choice.grid[m][b];
            let (l, a) = (g / na, g % na);
            let l1 = s.l1_ratios[l];
            let pi = if s.joint.is_some() { 0 } else { b };
            let (xm, y) = &problems.list[pi];
            let sw = bound_problems::weights(y, s.weight_power);
            let p = Problem::with_weights(xm.view(), y, sw.as_deref());
            let alphas = grids[v].path(&p, l1);
            fit_path(&p, l1, &alphas[..=a], opt, |step, w, icpt| {
                if step == a {
                    let (cb, ib) = bound_problems::collapse(w, icpt, b, nf, s.joint);
                    coef[b] = cb;
                    intercept[b] = ib;
                }
            });
            enet.push(EnetChoice {
                alpha: alphas[a],
                l1_ratio: l1,
            });
            done += 1;
            progress(done, total, "final fit");
        }
        members.push(Member {
            winsor,
            block_weights: variant.block_weights,
            salary_from: enet[0],
            salary_to: enet[1],
        });
        fits.push(MemberFit {
            block_weights: s.vectorizer.block_weights,
            coef,
            intercept,
        });
    }
    let (mut vec, coef, intercept) = fold_members(base_vec, &fits, choice.stack.as_ref());
    vec.settings.terms.anchors = choice.anchor_stage.is_some();
    let min_winsor = members.iter().map(|m| m.winsor).fold(f64::MAX, f64::min);
    let mut clip_targets = raw_targets;
    winsorize(&mut clip_targets, min_winsor);
    let clip = clip_ranges(&clip_targets);
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
            vectorizer: vec.settings.clone(),
            members,
            stack: choice.stack.clone(),
            anchor_stage: choice.anchor_stage.clone(),
            target: "ln(salary)".to_owned(),
            joint: settings.joint,
            weight_power: settings.weight_power,
        },
        cv_metrics,
        n_features: vec.n_features(),
        n_nonzero,
        calibration,
        cv_interval,
        nested_cv: None,
    };
    let mut model = Model::assemble(vec, coef, intercept, clip, terms, metadata);
    let nested = if settings.nested_outer_folds > 0 {
        let outcome = nested_cv(data, settings, settings.nested_outer_folds, progress)?;
        model.metadata.nested_cv = Some(outcome.summary.clone());
        Some(outcome)
    } else {
        None
    };
    model.metadata.version = crate::serving::artifact::content_version(&model);
    Ok(TrainReport {
        model,
        alternatives,
        oof_logs,
        nested,
        calibration_rows,
    })
}

fn variant_settings(settings: &TrainSettings, v: Variant) -> TrainSettings {
    let mut s = settings.clone();
    s.variants.clear();
    s.winsor = v.winsor;
    s.vectorizer.block_weights = v.block_weights;
    s
}

/// Readable names of the features with a non-zero coefficient.
fn name_terms(
    vec: &Vectorizer,
    coef: &[[f64; 2]],
    docs: &[VacancyText<'_>],
) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let mut scratch = crate::features::terms::Scratch::default();
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
