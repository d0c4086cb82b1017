//! The learning curve of the training report: out-of-fold MAE against the number of
//! training rows, at the trained model's settings.
//!
//! As scikit-learn's `learning_curve`, the settings are held fixed (the members' block
//! weights, winsorizing, alpha and l1 ratio, the stacker and the stated-salary stage); for
//! each share of the training rows and each of three folds, the vectorizer and the first
//! stage are fitted on that share of the other folds' rows and scored on the fold.
//!
//! Stage 2 (fitting), for the report only ([`crate::report::fill`]).

use crate::VacancyText;
use crate::data::LoadedData;
use crate::features::amounts::salary_anchors;
use crate::features::tokenizer::{Tokens, tokenize_into};
use crate::features::vectorizer::Vectorizer;
use crate::fitting::bound_problems;
use crate::fitting::cv::{alpha_path, fit_path, fold_of, log_target, winsorize};
use crate::fitting::enet::{Problem, SolverOptions};
use crate::fitting::nested::outer_fold_of;
use crate::linear::apply;
use crate::serving::metadata::ModelMetadata;
use crate::serving::model::finish_log;
use crate::stated_salary::apply_stage;

/// Folds of the learning curve.
const FOLDS: usize = 3;

/// One point: rows trained on and the out-of-fold MAE per bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Training rows (mean over the folds).
    pub rows: usize,
    /// MAE of `[from, to]` in currency.
    pub mae: [f64; 2],
}

/// The learning curve at `shares` of the training rows (e.g. `[0.2, 0.4, 0.6, 0.8, 1.0]`).
pub fn curve(data: &LoadedData, md: &ModelMetadata, shares: &[f64]) -> Vec<CurvePoint> {
    let hp = &md.hyperparameters;
    let rows = &data.rows;
    let fold: Vec<usize> = rows.iter().map(|r| fold_of(&r.id, FOLDS)).collect();
    // A fixed order for taking shares: the nested-CV outer hash, unrelated to the folds.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (outer_fold_of(&rows[i].id, 1 << 20), i));
    let mut tokens = Tokens::default();
    let anchors: Vec<[Option<f64>; 2]> = rows
        .iter()
        .map(|r| {
            tokenize_into(&r.description, &mut tokens);
            salary_anchors(&tokens)
        })
        .collect();
    let opt = SolverOptions {
        tol: 1e-4,
        max_iter: 1000,
    };
    shares
        .iter()
        .map(|&share| {
            let mut err = [0.0; 2];
            let mut cnt = [0usize; 2];
            let mut used = 0;
            for f in 0..FOLDS {
                let pool: Vec<usize> = order.iter().copied().filter(|&i| fold[i] != f).collect();
                let train = &pool[..((pool.len() as f64 * share).round() as usize).max(10)];
                used += train.len();
                let valid: Vec<usize> = (0..rows.len()).filter(|&i| fold[i] == f).collect();
                let docs: Vec<VacancyText<'_>> = train.iter().map(|&i| rows[i].text()).collect();
                let vdocs: Vec<VacancyText<'_>> = valid.iter().map(|&i| rows[i].text()).collect();
                let base = Vectorizer::fit(&docs, hp.vectorizer.clone());
                // Per member, per bound: log predictions of the validation rows.
                let mut member_preds: Vec<[Vec<f64>; 2]> = Vec::new();
                for m in &hp.members {
                    let mut vec = base.clone();
                    vec.settings.block_weights = m.block_weights;
                    let x = vec.transform(&docs);
                    let xv = vec.transform(&vdocs);
                    let mut targets: Vec<[Option<f64>; 2]> = train
                        .iter()
                        .map(|&i| [log_target(&rows[i], 0), log_target(&rows[i], 1)])
                        .collect();
                    winsorize(&mut targets, m.winsor);
                    let problems = bound_problems::build(&x, &targets, None);
                    let preds = [0, 1].map(|b| {
                        let choice = if b == 0 { m.salary_from } else { m.salary_to };
                        let (xm, y) = &problems.list[b];
                        if y.is_empty() {
                            return vec![0.0; valid.len()];
                        }
                        let sw = bound_problems::weights(y, hp.weight_power);
                        let p = Problem::with_weights(xm.view(), y, sw.as_deref());
                        let top = p.alpha_max(choice.l1_ratio).max(choice.alpha);
                        let path = alpha_path(top, choice.alpha / top, 6);
                        let (mut coef, mut icpt) = (Vec::new(), 0.0);
                        fit_path(&p, choice.l1_ratio, &path, opt, |k, w, c| {
                            if k + 1 == path.len() {
                                coef = w.to_vec();
                                icpt = c;
                            }
                        });
                        xv.outer_iterator()
                            .map(|row| icpt + row.iter().map(|(j, v)| coef[j] * v).sum::<f64>())
                            .collect()
                    });
                    member_preds.push(preds);
                }
                for (v, &i) in valid.iter().enumerate() {
                    let x: Vec<f64> = member_preds
                        .iter()
                        .flat_map(|p| [p[0][v], p[1][v]])
                        .collect();
                    let q = [0, 1].map(|b| match &hp.stack {
                        Some(st) => apply(&st[b], &x),
                        None => x[b],
                    });
                    let raw = match &hp.anchor_stage {
                        Some(stage) => apply_stage(stage, q, anchors[i]),
                        None => q,
                    };
                    let (p, _) = finish_log(raw, [(f64::MIN, f64::MAX); 2]);
                    for b in 0..2 {
                        if let Some(t) = log_target(&rows[i], b) {
                            err[b] += (t.exp() - p[b].exp()).abs();
                            cnt[b] += 1;
                        }
                    }
                }
            }
            CurvePoint {
                rows: used / FOLDS,
                mae: [0, 1].map(|b| err[b] / cnt[b].max(1) as f64),
            }
        })
        .collect()
}
