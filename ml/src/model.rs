//! The loaded model: vectorizer plus one ElasticNet per bound, in log-salary space.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::anchors::{apply_stage, stage_inputs};
use crate::metrics::RangeMetrics;
use crate::scorer::Scorer;
use crate::vectorizer::{Vectorizer, VectorizerSettings, Workspace};
use crate::{Explanation, RangePrediction, TermContribution, VacancyText};

/// Chosen regularisation of one bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EnetChoice {
    /// Penalty strength (scikit-learn's `alpha`).
    pub alpha: f64,
    /// L1 share of the penalty.
    pub l1_ratio: f64,
}

/// One first-stage model (a variant) that takes part in the final model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Quantile at which its training targets were winsorized (0 = not).
    pub winsor: f64,
    /// Weights of its feature blocks (title, title characters, description, area,
    /// amounts).
    pub block_weights: [f64; 5],
    /// Regularisation of its lower-bound model.
    pub salary_from: EnetChoice,
    /// Regularisation of its upper-bound model.
    pub salary_to: EnetChoice,
}

/// Hyperparameters of a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// Feature extraction of the stored vectorizer.
    pub vectorizer: VectorizerSettings,
    /// The first-stage models combined into this one.
    pub members: Vec<Member>,
    /// Per bound, the stacker `[intercept, then per member: weight of its from, weight of
    /// its to]` in log space, or `None` for one member used as it is.
    pub stack: Option<[Vec<f64>; 2]>,
    /// Per bound, the stage after the stacker that moves the prediction towards salary
    /// figures stated in the description (see [`crate::anchors::AnchorStage`]), or `None`.
    pub anchor_stage: Option<[Vec<f64>; 2]>,
    /// What is regressed: always `"ln(salary)"`.
    pub target: String,
    /// Joint modelling of the bounds: scale of the bound-specific feature copies.
    pub joint: Option<f64>,
    /// Rows were weighted by salary^power (0 = unweighted).
    pub weight_power: f64,
}

/// Row counts of the training file.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RowCounts {
    /// CSV records read.
    pub records: usize,
    /// Rows used for training.
    pub used: usize,
    /// Records skipped as bad.
    pub bad: usize,
    /// Used rows with a lower bound.
    pub with_from: usize,
    /// Used rows with an upper bound.
    pub with_to: usize,
}

/// Cross-validated metrics at the chosen hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CvMetrics {
    /// Number of folds.
    pub folds: usize,
    /// Out-of-fold metrics of the final predictions (crossing fixed).
    pub metrics: RangeMetrics,
    /// Share of out-of-fold predictions with from > to before the fix.
    pub crossed_before_fix: f64,
}

/// Everything known about a model besides its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Artifact format version.
    pub format_version: u32,
    /// Content hash of the model (training time excluded).
    pub version: String,
    /// Training time, RFC 3339.
    pub trained_at: String,
    /// Currency of the predictions (`RUR`, `GBP`, ...).
    pub currency: String,
    /// Training data file name.
    pub data_file: String,
    /// Hex sha256 of the training data file.
    pub data_sha256: String,
    /// Row counts.
    pub rows: RowCounts,
    /// Hyperparameters.
    pub hyperparameters: Hyperparameters,
    /// Cross-validated metrics.
    pub cv_metrics: CvMetrics,
    /// Number of features (vocabulary size).
    pub n_features: usize,
    /// Features with a non-zero coefficient in the from / to model.
    pub n_nonzero: [usize; 2],
}

/// A trained model, `Send + Sync`, cheap to share in an `Arc`.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) vectorizer: Vectorizer,
    /// Coefficients per feature: `[from, to]`.
    pub(crate) coef: Vec<[f64; 2]>,
    pub(crate) intercept: [f64; 2],
    /// Clip range of the log prediction per bound.
    pub(crate) clip: [(f64, f64); 2],
    /// Readable terms of features with a non-zero coefficient.
    pub(crate) terms: HashMap<u32, String>,
    pub(crate) metadata: ModelMetadata,
    /// The same features and coefficients packed for [`Model::predict`].
    pub(crate) scorer: Scorer,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Log-space prediction of both bounds with the crossing fix; also returns whether the raw
/// bounds crossed.
pub(crate) fn finish_log(raw: [f64; 2], clip: [(f64, f64); 2]) -> ([f64; 2], bool) {
    let f = raw[0].clamp(clip[0].0, clip[0].1);
    let t = raw[1].clamp(clip[1].0, clip[1].1);
    if f > t {
        let m = 0.5 * (f + t);
        ([m, m], true)
    } else {
        ([f, t], false)
    }
}

impl Model {
    /// Builds a model from its parts (and its packed scoring table).
    pub(crate) fn assemble(
        vectorizer: Vectorizer,
        coef: Vec<[f64; 2]>,
        intercept: [f64; 2],
        clip: [(f64, f64); 2],
        terms: HashMap<u32, String>,
        metadata: ModelMetadata,
    ) -> Model {
        let scorer = Scorer::new(&vectorizer, &coef);
        Model {
            vectorizer,
            coef,
            intercept,
            clip,
            terms,
            metadata,
            scorer,
        }
    }

    /// The metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// Scores `v` from the packed table (the one path every prediction takes, so explained
    /// and plain predictions are bit-identical). Returns per bound the stacked log
    /// prediction `q`, the final log prediction before clipping (after the anchor stage),
    /// the factor by which the stage scales the linear terms' effect, and the stated figures.
    fn raw_with(
        &self,
        v: &VacancyText<'_>,
        each: Option<&mut dyn FnMut(u32, [f64; 2])>,
    ) -> ([f64; 2], [f64; 2], [f64; 2], [Option<f64>; 2]) {
        let run = |ws: &mut Workspace| {
            let raw = match each {
                Some(each) => self.scorer.explain(v, ws, each),
                None => self.scorer.raw(v, ws),
            };
            (raw, ws.scratch.anchors)
        };
        let (mut raw, anchors) = WORKSPACE.with(|ws| match ws.try_borrow_mut() {
            Ok(mut ws) => run(&mut ws),
            Err(_) => run(&mut Workspace::default()),
        });
        raw[0] += self.intercept[0];
        raw[1] += self.intercept[1];
        let q = raw;
        let mut scale = [1.0; 2];
        if let Some(stage) = &self.metadata.hyperparameters.anchor_stage {
            for b in 0..2 {
                let x = stage_inputs(q[b], anchors);
                // d(prediction)/dq: c1 minus the weights of the stated figures in play.
                scale[b] = stage[b].get(1).copied().unwrap_or(1.0)
                    - x[1] * stage[b].get(3).copied().unwrap_or(0.0)
                    - x[3] * stage[b].get(5).copied().unwrap_or(0.0);
                raw[b] = apply_stage(&stage[b], q[b], anchors);
            }
        }
        (q, raw, scale, anchors)
    }

    /// Predicts the salary range (currency units, `salary_from <= salary_to`).
    pub fn predict(&self, v: &VacancyText<'_>) -> RangePrediction {
        let (_, raw, _, _) = self.raw_with(v, None);
        let ([f, t], _) = finish_log(raw, self.clip);
        RangePrediction {
            salary_from: f.exp(),
            salary_to: t.exp(),
        }
    }

    /// Predicts and lists the `top` terms that moved each bound most: each term's
    /// `coefficient x feature value` (in log salary, times the anchor stage's scale), and a
    /// stated salary figure as one term with the shift it caused.
    pub fn predict_explained(
        &self,
        v: &VacancyText<'_>,
        top: usize,
    ) -> (RangePrediction, Explanation) {
        let mut contributions: [Vec<(u32, f64)>; 2] = [Vec::new(), Vec::new()];
        let mut collect = |j: u32, c: [f64; 2]| {
            for (list, c) in contributions.iter_mut().zip(c) {
                if c != 0.0 {
                    list.push((j, c));
                }
            }
        };
        let (q, raw, scale, anchors) = self.raw_with(v, Some(&mut collect));
        let mut stated = self.stated_shift(q, anchors);
        let [from, to] = [0, 1].map(|b| {
            // Rank by the size of the push, ties by feature index (`None`, the stated
            // salary, first); names are made only for the `top` kept.
            let mut c: Vec<(Option<u32>, f64)> = contributions[b]
                .iter()
                .map(|&(j, c)| (Some(j), c * scale[b]))
                .collect();
            if let Some(s) = &stated[b] {
                c.push((None, s.contribution));
            }
            c.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            c.truncate(top);
            c.into_iter()
                .filter_map(|(j, contribution)| match j {
                    Some(j) => Some(TermContribution {
                        term: self
                            .terms
                            .get(&j)
                            .cloned()
                            .unwrap_or_else(|| format!("feature {j}")),
                        contribution,
                    }),
                    None => stated[b].take(),
                })
                .collect()
        });
        let ([f, t], _) = finish_log(raw, self.clip);
        (
            RangePrediction {
                salary_from: f.exp(),
                salary_to: t.exp(),
            },
            Explanation {
                salary_from: from,
                salary_to: to,
            },
        )
    }

    /// The stated figures in play as an explanation term per bound, with the shift they
    /// caused: the anchored prediction minus the stage's prediction without them.
    fn stated_shift(
        &self,
        q: [f64; 2],
        anchors: [Option<f64>; 2],
    ) -> [Option<TermContribution>; 2] {
        let Some(stage) = &self.metadata.hyperparameters.anchor_stage else {
            return [None, None];
        };
        [0, 1].map(|b| {
            let x = stage_inputs(q[b], anchors);
            let figures: Vec<String> = (0..2)
                .filter(|&k| x[1 + 2 * k] != 0.0)
                .filter_map(|k| anchors[k].map(|a| format!("{:.0}", a.exp())))
                .collect();
            if figures.is_empty() {
                return None;
            }
            let with = apply_stage(&stage[b], q[b], anchors);
            let without = apply_stage(&stage[b], q[b], [None, None]);
            Some(TermContribution {
                term: format!("stated salary: {}", figures.join(" – ")),
                contribution: with - without,
            })
        })
    }

    /// Predicts many vacancies.
    pub fn predict_batch(&self, vs: &[VacancyText<'_>]) -> Vec<RangePrediction> {
        vs.iter().map(|v| self.predict(v)).collect()
    }
}
