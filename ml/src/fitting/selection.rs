//! Choices made from out-of-fold predictions: the grid point of each variant and bound,
//! the variant, and the stacker.
//!
//! For the reported CV every choice is made per validation fold from the other folds'
//! rows only, so no fold's labels choose what predicts that fold (the selection itself is
//! cross-validated, an inexpensive stand-in for nested CV). The final model makes the
//! same choices once, from all rows.
//!
//! Stage 2 (fitting): after cross-validation ([`crate::fitting::cv`]), before the final
//! fits of a training run.

use crate::RangePrediction;
use crate::data::Row;
use crate::fitting::cv::{VariantOof, fold_of, log_target};
use crate::fitting::stacker::{Stacker, fit_currency_lad};
use crate::linear::apply;
use crate::metrics::range_metrics;
use crate::serving::interval::{CalibrationRow, Difficulty};
use crate::serving::metadata::CvMetrics;
use crate::serving::model::finish_log;
use crate::stated_salary::{AnchorStage, apply_stage, in_play, stage_inputs};

/// All variants' out-of-fold predictions with the per-fold error sums used for choosing.
pub struct Oof<'a> {
    rows: &'a [Row],
    fold: Vec<usize>,
    k: usize,
    variants: Vec<VariantOof>,
    /// `sums[v][b][g * k + f]`: absolute currency error summed over fold `f`'s rows.
    sums: Vec<[Vec<f64>; 2]>,
    /// `counts[b][f]`: rows of fold `f` with bound `b`.
    counts: [Vec<usize>; 2],
    /// Mean true value per bound (to add the two bounds' MAEs on one scale).
    means: [f64; 2],
    /// Log salary figures stated in each row's description (see [`crate::stated_salary`]).
    anchors: Vec<[Option<f64>; 2]>,
}

/// What predicts the final model's bounds: per variant the grid point of each bound, and
/// (when stacking) the stacker of each bound over `[from, to]` of every variant in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Variants used (indices into the variant list).
    pub members: Vec<usize>,
    /// Grid point per member and bound.
    pub grid: Vec<[usize; 2]>,
    /// Stacker per bound, or `None` for a single variant used as it is.
    pub stack: Option<[Stacker; 2]>,
    /// Anchor stage per bound on top of the stacker (see [`crate::stated_salary`]).
    pub anchor_stage: Option<[AnchorStage; 2]>,
}

impl<'a> Oof<'a> {
    /// Indexes the predictions by fold and sums their errors.
    pub fn new(rows: &'a [Row], k: usize, variants: Vec<VariantOof>) -> Oof<'a> {
        let n = rows.len();
        let fold: Vec<usize> = rows.iter().map(|r| fold_of(&r.id, k)).collect();
        let mut counts = [vec![0usize; k], vec![0usize; k]];
        let mut means = [0.0; 2];
        for b in 0..2 {
            for (i, r) in rows.iter().enumerate() {
                if let Some(t) = log_target(r, b) {
                    counts[b][fold[i]] += 1;
                    means[b] += t.exp();
                }
            }
            means[b] /= counts[b].iter().sum::<usize>().max(1) as f64;
            means[b] = means[b].max(1e-9);
        }
        let sums = variants
            .iter()
            .map(|v| {
                [0, 1].map(|b| {
                    let mut s = vec![0.0; v.n_grid * k];
                    for g in 0..v.n_grid {
                        for (i, r) in rows.iter().enumerate() {
                            if let Some(t) = log_target(r, b) {
                                let (lo, hi) = v.clips[fold[i]][b];
                                let p = v.oof[b][g * n + i].clamp(lo, hi);
                                s[g * k + fold[i]] += (t.exp() - p.exp()).abs();
                            }
                        }
                    }
                    s
                })
            })
            .collect();
        let mut tokens = crate::features::tokenizer::Tokens::default();
        let anchors = rows
            .iter()
            .map(|r| {
                crate::features::tokenizer::tokenize_into(&r.description, &mut tokens);
                crate::features::amounts::salary_anchors(&tokens)
            })
            .collect();
        Oof {
            rows,
            fold,
            k,
            variants,
            sums,
            counts,
            means,
            anchors,
        }
    }

    fn raw(&self, v: usize, b: usize, g: usize, i: usize) -> f64 {
        self.variants[v].oof[b][g * self.rows.len() + i]
    }

    fn clipped(&self, v: usize, b: usize, g: usize, i: usize) -> f64 {
        let (lo, hi) = self.variants[v].clips[self.fold[i]][b];
        self.raw(v, b, g, i).clamp(lo, hi)
    }

    /// Best grid point of variant `v` for bound `b` by the MAE of all folds but `skip`.
    fn select(&self, v: usize, b: usize, skip: Option<usize>) -> (usize, f64) {
        let used = |f: usize| Some(f) != skip;
        let cnt: usize = (0..self.k)
            .filter(|&f| used(f))
            .map(|f| self.counts[b][f])
            .sum();
        let mut best = (0, f64::INFINITY);
        for g in 0..self.variants[v].n_grid {
            let s: f64 = (0..self.k)
                .filter(|&f| used(f))
                .map(|f| self.sums[v][b][g * self.k + f])
                .sum();
            let mae = s / cnt.max(1) as f64;
            if mae < best.1 {
                best = (g, mae);
            }
        }
        best
    }

    /// The single variant (at its best grid points) with the lowest sum over bounds of
    /// MAE / mean salary on all folds but `skip`.
    fn best_single(&self, skip: Option<usize>) -> Choice {
        let mut best: Option<(f64, Choice)> = None;
        for v in 0..self.variants.len() {
            let (f, t) = (self.select(v, 0, skip), self.select(v, 1, skip));
            let score = f.1 / self.means[0] + t.1 / self.means[1];
            if best.as_ref().is_none_or(|b| score < b.0) {
                let c = Choice {
                    members: vec![v],
                    grid: vec![[f.0, t.0]],
                    stack: None,
                    anchor_stage: None,
                };
                best = Some((score, c));
            }
        }
        best.map_or_else(
            || Choice {
                members: vec![],
                grid: vec![],
                stack: None,
                anchor_stage: None,
            },
            |b| b.1,
        )
    }

    fn inputs(&self, c: &Choice, i: usize) -> Vec<f64> {
        let mut x = Vec::with_capacity(2 * c.members.len());
        for (m, &v) in c.members.iter().enumerate() {
            for b in 0..2 {
                x.push(self.raw(v, b, c.grid[m][b], i));
            }
        }
        x
    }

    /// `members` at their best grid points (on all folds but `skip`) with a stacker
    /// fitted on the same rows.
    fn stacked(&self, members: &[usize], skip: Option<usize>) -> Choice {
        let grid = members
            .iter()
            .map(|&v| [self.select(v, 0, skip).0, self.select(v, 1, skip).0])
            .collect();
        let mut c = Choice {
            members: members.to_vec(),
            grid,
            stack: None,
            anchor_stage: None,
        };
        let stack = [0, 1].map(|b| self.fit_lad(b, skip, |i| self.inputs(&c, i)));
        c.stack = Some(stack);
        c
    }

    /// A second-stage model of bound `b` over `input(row)`, fitted for the currency MAE on
    /// the rows of all folds but `skip` that have the bound.
    fn fit_lad(&self, b: usize, skip: Option<usize>, input: impl Fn(usize) -> Vec<f64>) -> Stacker {
        let (mut x, mut t) = (Vec::new(), Vec::new());
        for (i, r) in self.rows.iter().enumerate() {
            if Some(self.fold[i]) == skip {
                continue;
            }
            if let Some(y) = log_target(r, b) {
                x.push(input(i));
                t.push(y);
            }
        }
        fit_currency_lad(&x, &t)
    }

    /// Log prediction `[from, to]` of row `i` under choice `c`, before the crossing fix;
    /// a stacked prediction is clipped to the widest member clip range of the row's fold.
    fn predict(&self, c: &Choice, i: usize) -> [f64; 2] {
        match &c.stack {
            None => [0, 1].map(|b| self.clipped(c.members[0], b, c.grid[0][b], i)),
            Some(st) => {
                let x = self.inputs(c, i);
                let q = [0, 1].map(|b| apply(&st[b], &x));
                let p = match &c.anchor_stage {
                    Some(stage) => apply_stage(stage, q, self.anchors[i]),
                    None => q,
                };
                [0, 1].map(|b| {
                    let (lo, hi) = c.members.iter().fold((f64::MAX, f64::MIN), |a, &v| {
                        let r = self.variants[v].clips[self.fold[i]][b];
                        (a.0.min(r.0), a.1.max(r.1))
                    });
                    p[b].clamp(lo, hi)
                })
            }
        }
    }

    /// Choice from all rows (for the final model).
    pub fn choose(&self, stack: bool, anchors: bool) -> Choice {
        match (stack, anchors) {
            (true, true) => self.rule_anchored(None),
            (true, false) => self.rule_best_stacked(None),
            _ => self.best_single(None),
        }
    }

    /// The best variant stacked (see [`Oof::rule_best_stacked`]), then an anchor stage per
    /// bound fitted on the same rows' stacked predictions and stated figures.
    pub fn rule_anchored(&self, skip: Option<usize>) -> Choice {
        let mut c = self.rule_best_stacked(skip);
        let Some(st) = c.stack.clone() else { return c };
        let stage = [0, 1].map(|b| {
            self.fit_lad(b, skip, |i| {
                let x = self.inputs(&c, i);
                let q = [0, 1].map(|k| apply(&st[k], &x));
                stage_inputs(q[b], in_play(q, self.anchors[i])).to_vec()
            })
        });
        c.anchor_stage = Some(stage);
        c
    }

    /// The best single variant (see [`Oof::rule_single`]) with its two bounds stacked.
    /// Stacking every variant's bounds together gave the stacker more inputs than the
    /// rows support (hh CV: from 34,105 vs 33,663 for the best variant alone).
    pub fn rule_best_stacked(&self, skip: Option<usize>) -> Choice {
        let best = self.best_single(skip);
        self.stacked(&best.members, skip)
    }

    /// Cross-validated metrics of a choice rule: `rule(skip)` chooses from all folds but
    /// `skip` (`None` = all rows) and is applied to the rows of fold `skip`.
    pub fn cv(&self, rule: impl Fn(&Self, Option<usize>) -> Choice) -> CvMetrics {
        let (logs, crossed) = self.cv_logs(rule);
        self.metrics(&logs, crossed)
    }

    /// The out-of-fold log predictions `[from, to]` behind [`Oof::cv`] (crossing fixed),
    /// and how many crossed before the fix.
    pub fn cv_logs(&self, rule: impl Fn(&Self, Option<usize>) -> Choice) -> (Vec<[f64; 2]>, usize) {
        let n = self.rows.len();
        let mut logs = vec![[0.0; 2]; n];
        let mut crossed = 0usize;
        for f in 0..self.k {
            let c = rule(self, Some(f));
            for i in (0..n).filter(|&i| self.fold[i] == f) {
                let (p, x) = finish_log(self.predict(&c, i), [(f64::MIN, f64::MAX); 2]);
                logs[i] = p;
                crossed += usize::from(x);
            }
        }
        (logs, crossed)
    }

    /// Calibration rows of the likely range (see [`crate::serving::interval`]) from out-of-fold log
    /// predictions: every row with both true bounds.
    pub fn calibration_rows(&self, logs: &[[f64; 2]]) -> Vec<CalibrationRow> {
        let known = self.variants.first().map(|v| v.known.as_slice());
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let (f, t) = (r.salary_from?, r.salary_to?);
                let d = Difficulty::new(
                    r.description.chars().count(),
                    known.and_then(|k| k.get(i)).copied().unwrap_or(0.0),
                    self.anchors[i],
                    logs[i],
                );
                Some(CalibrationRow {
                    residual: (0.5 * (f + t)).ln() - d.mid_log,
                    difficulty: d,
                })
            })
            .collect()
    }

    /// Metrics of the old rule: grid point and variant chosen once on all rows' pooled
    /// out-of-fold error (optimistic: every fold's labels take part in the choice).
    pub fn cv_pooled(&self) -> CvMetrics {
        let c = self.best_single(None);
        let n = self.rows.len();
        let mut crossed = 0usize;
        let logs: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let (p, x) = finish_log(self.predict(&c, i), [(f64::MIN, f64::MAX); 2]);
                crossed += usize::from(x);
                p
            })
            .collect();
        self.metrics(&logs, crossed)
    }

    /// Per-fold single-variant choice (see [`Oof::cv`]).
    pub fn rule_single(&self, skip: Option<usize>) -> Choice {
        self.best_single(skip)
    }

    /// Per-fold stacked choice over `members` (see [`Oof::cv`]).
    pub fn rule_stacked(&self, members: &[usize], skip: Option<usize>) -> Choice {
        self.stacked(members, skip)
    }

    /// Number of variants.
    pub fn n_variants(&self) -> usize {
        self.variants.len()
    }

    /// Metrics of out-of-fold log predictions (see [`Oof::cv_logs`]).
    pub fn metrics(&self, logs: &[[f64; 2]], crossed: usize) -> CvMetrics {
        let preds: Vec<RangePrediction> = logs
            .iter()
            .map(|p| RangePrediction {
                salary_from: p[0].exp(),
                salary_to: p[1].exp(),
            })
            .collect();
        let truth: Vec<_> = self
            .rows
            .iter()
            .map(|r| (r.salary_from, r.salary_to))
            .collect();
        CvMetrics {
            folds: self.k,
            metrics: range_metrics(&truth, &preds),
            crossed_before_fix: crossed as f64 / logs.len().max(1) as f64,
        }
    }
}
