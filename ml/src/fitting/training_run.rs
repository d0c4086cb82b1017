//! One training run on a set of rows, without nesting: cross-validate every variant over
//! the grid, compare the ways of combining them, choose, calibrate the likely range on the
//! same out-of-fold predictions, and fit the chosen members on all rows.
//!
//! [`run`] is these steps in order; `payrange train` ([`crate::fitting::train`]) runs it
//! once on all rows, nested CV ([`crate::fitting::nested`]) once per outer fold.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::FORMAT_VERSION;
use crate::VacancyText;
use crate::data::LoadedData;
use crate::features::terms::for_each_term;
use crate::features::vectorizer::Vectorizer;
use crate::fitting::bound_problems;
use crate::fitting::cv::{
    Grid, assemble_oof, clip_ranges, fit_path, log_target, run_folds, winsorize,
};
use crate::fitting::enet::{Problem, SolverOptions};
use crate::fitting::selection::{Choice, Oof};
use crate::fitting::settings::{
    Progress, TrainError, TrainSettings, Variants, variant_settings, variants_of,
};
use crate::fitting::stacker::{MemberFit, fold_members};
use crate::serving::interval::{self, Calibration, CalibrationRow, IntervalScore, REPORTED_LEVELS};
use crate::serving::metadata::{
    CvMetrics, EnetChoice, Hyperparameters, Member, ModelMetadata, RowCounts,
};
use crate::serving::model::Model;

/// What one run yields: the model (its content version not yet set) and what the report
/// shows of how it was chosen.
pub(crate) struct TrainingRun {
    /// The model; `metadata.version` is empty.
    pub model: Model,
    /// `(rule, metrics)`: cross-validated metrics of each way of combining the variants.
    pub alternatives: Vec<(String, CvMetrics)>,
    /// Out-of-fold log predictions `[from, to]` of every row under the chosen rule.
    pub oof_logs: Vec<[f64; 2]>,
    /// The rows the likely range was calibrated on.
    pub calibration_rows: Vec<CalibrationRow>,
}

/// Progress over the whole run: the CV folds of every variant, then the final fits.
struct Steps<'p> {
    done: usize,
    total: usize,
    progress: Progress<'p>,
}

impl Steps<'_> {
    fn tick(&mut self, msg: &str) {
        self.done += 1;
        (self.progress)(self.done, self.total, msg);
    }
}

/// Trains a model on `data`: the steps of the module doc, in order.
pub(crate) fn run(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<TrainingRun, TrainError> {
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
    let variants = variants_of(settings);
    let nv = variants.len();
    let docs: Vec<VacancyText<'_>> = rows.iter().map(|r| r.text()).collect();
    // Vocabulary and IDF do not depend on the block weights: one fit serves all variants.
    let base_vec = Vectorizer::fit(&docs, settings.vectorizer.clone());
    let raw_targets: Vec<[Option<f64>; 2]> = rows
        .iter()
        .map(|r| [log_target(r, 0), log_target(r, 1)])
        .collect();
    let n_problems = if settings.joint.is_some() { 1 } else { 2 };
    let per_variant = k * n_problems * settings.l1_ratios.len();
    let mut steps = Steps {
        done: 0,
        total: nv * per_variant + 2 * nv,
        progress,
    };

    let (oof, grids) = cross_validate(data, settings, &variants, k, opt, &mut steps);
    let Compared {
        alternatives,
        oof_logs,
        crossed,
    } = compare_alternatives(&oof, settings, nv);
    let choice = oof.choose(settings.stack, settings.anchors);
    let cv_metrics = oof.metrics(&oof_logs, crossed);
    // The likely range, calibrated on the same out-of-fold predictions.
    let calibration_rows = oof.calibration_rows(&oof_logs);
    let calibration = Calibration::fit(&calibration_rows);
    let cv_interval = calibration
        .as_ref()
        .map_or_else(Vec::new, |c| score_likely_ranges(c, &calibration_rows));
    let final_fits = FinalFits {
        settings,
        variants: &variants,
        grids: &grids,
        docs: &docs,
        raw_targets: &raw_targets,
        base_vec: &base_vec,
        opt,
    };
    let (members, fits) = final_fits.fit(&choice, &mut steps);

    let (mut vec, coef, intercept) = fold_members(base_vec, &fits, choice.stack.as_ref());
    vec.settings.terms.anchors = choice.anchor_stage.is_some();
    let min_winsor = members.iter().map(|m| m.winsor).fold(f64::MAX, f64::min);
    let mut clip_targets = raw_targets.clone();
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
            with_from: raw_targets.iter().filter(|t| t[0].is_some()).count(),
            with_to: raw_targets.iter().filter(|t| t[1].is_some()).count(),
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
    Ok(TrainingRun {
        model: Model::assemble(vec, coef, intercept, clip, terms, metadata),
        alternatives,
        oof_logs,
        calibration_rows,
    })
}

/// Runs the k-fold CV grid of every variant; returns their out-of-fold predictions and
/// grids.
fn cross_validate<'a>(
    data: &'a LoadedData,
    settings: &TrainSettings,
    variants: &Variants,
    k: usize,
    opt: SolverOptions,
    steps: &mut Steps<'_>,
) -> (Oof<'a>, Vec<Grid>) {
    let nv = variants.len();
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
        let folds = run_folds(
            &data.rows,
            k,
            s.threads,
            &s.vectorizer,
            &grid,
            opt,
            &mut |m| {
                steps.tick(&format!("variant {}/{nv} {m}", vi + 1));
            },
        );
        oofs.push(assemble_oof(&data.rows, k, &grid, folds, winsor));
        grids.push(grid);
    }
    (Oof::new(&data.rows, k, oofs), grids)
}

/// The ways of combining the variants, compared by cross-validation.
struct Compared {
    /// `(rule, metrics)` of each way.
    alternatives: Vec<(String, CvMetrics)>,
    /// Out-of-fold log predictions `[from, to]` of the rule the settings choose.
    oof_logs: Vec<[f64; 2]>,
    /// How many of those had crossed bounds.
    crossed: usize,
}

/// The cross-validated metrics of each way of combining the variants, and the
/// out-of-fold log predictions (with the count of crossed bounds) of the rule the settings
/// choose.
fn compare_alternatives(oof: &Oof<'_>, settings: &TrainSettings, nv: usize) -> Compared {
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
    let chosen = match (settings.stack, settings.anchors) {
        (true, true) => anchored,
        (true, false) => stacked,
        _ => oof.cv_logs(Oof::rule_single),
    };
    Compared {
        alternatives,
        oof_logs: chosen.0,
        crossed: chosen.1,
    }
}

/// Coverage and mean width of the calibrated likely range over its own calibration rows,
/// at each reported level.
fn score_likely_ranges(c: &Calibration, calibration_rows: &[CalibrationRow]) -> Vec<IntervalScore> {
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
}

/// What the final fits of the chosen members need.
struct FinalFits<'a> {
    settings: &'a TrainSettings,
    variants: &'a Variants,
    grids: &'a [Grid],
    docs: &'a [VacancyText<'a>],
    raw_targets: &'a [[Option<f64>; 2]],
    base_vec: &'a Vectorizer,
    opt: SolverOptions,
}

impl FinalFits<'_> {
    /// Fits the chosen members on all rows, along each path down to the chosen alpha.
    fn fit(&self, choice: &Choice, steps: &mut Steps<'_>) -> (Vec<Member>, Vec<MemberFit>) {
        let settings = self.settings;
        let nf = self.base_vec.n_features();
        let na = settings.n_alphas;
        let mut members = Vec::new();
        let mut fits = Vec::new();
        for (m, &v) in choice.members.iter().enumerate() {
            let variant = self.variants[v];
            let winsor = variant.winsor;
            let s = variant_settings(settings, variant);
            let mut vec = self.base_vec.clone();
            vec.settings = s.vectorizer.clone();
            let x = vec.transform(self.docs);
            let mut targets = self.raw_targets.to_vec();
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
                let alphas = self.grids[v].path(&p, l1);
                fit_path(&p, l1, &alphas[..=a], self.opt, |step, w, icpt| {
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
                steps.tick("final fit");
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
        (members, fits)
    }
}

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
