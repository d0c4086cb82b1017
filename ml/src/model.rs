//! The loaded model: vectorizer plus one ElasticNet per bound, in log-salary space.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::metrics::RangeMetrics;
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

/// Hyperparameters of a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// Feature extraction.
    pub vectorizer: VectorizerSettings,
    /// Regularisation of the lower-bound model.
    pub salary_from: EnetChoice,
    /// Regularisation of the upper-bound model.
    pub salary_to: EnetChoice,
    /// What is regressed: always `"ln(salary)"`.
    pub target: String,
    /// Joint modelling of the bounds: scale of the bound-specific feature copies.
    pub joint: Option<f64>,
    /// Quantile at which training targets were winsorized (0 = not).
    pub winsor: f64,
    /// Log offset added to each bound (chosen by out-of-fold MAE; 0 = none).
    pub log_offset: [f64; 2],
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
    /// The metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    fn with_row<R>(&self, v: &VacancyText<'_>, f: impl FnOnce(&[(u32, f64)]) -> R) -> R {
        WORKSPACE.with(|ws| match ws.try_borrow_mut() {
            Ok(mut ws) => {
                self.vectorizer.transform_into(v, &mut ws);
                f(&ws.row)
            }
            // Re-entrant use on one thread: fall back to a fresh workspace.
            Err(_) => {
                let mut ws = Workspace::default();
                self.vectorizer.transform_into(v, &mut ws);
                f(&ws.row)
            }
        })
    }

    fn raw(&self, row: &[(u32, f64)]) -> [f64; 2] {
        let mut out = self.intercept;
        for &(j, x) in row {
            let c = self.coef[j as usize];
            out[0] += c[0] * x;
            out[1] += c[1] * x;
        }
        out
    }

    /// Predicts the salary range (currency units, `salary_from <= salary_to`).
    pub fn predict(&self, v: &VacancyText<'_>) -> RangePrediction {
        let raw = self.with_row(v, |row| self.raw(row));
        let ([f, t], _) = finish_log(raw, self.clip);
        RangePrediction {
            salary_from: f.exp(),
            salary_to: t.exp(),
        }
    }

    /// Predicts and lists the `top` terms that moved each bound most.
    pub fn predict_explained(
        &self,
        v: &VacancyText<'_>,
        top: usize,
    ) -> (RangePrediction, Explanation) {
        let (raw, expl) = self.with_row(v, |row| {
            let mut lists = [Vec::new(), Vec::new()];
            for (b, list) in lists.iter_mut().enumerate() {
                let mut c: Vec<(u32, f64)> = row
                    .iter()
                    .map(|&(j, x)| (j, self.coef[j as usize][b] * x))
                    .filter(|&(_, c)| c != 0.0)
                    .collect();
                c.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                c.truncate(top);
                *list = c
                    .into_iter()
                    .map(|(j, contribution)| TermContribution {
                        term: self
                            .terms
                            .get(&j)
                            .cloned()
                            .unwrap_or_else(|| format!("feature {j}")),
                        contribution,
                    })
                    .collect();
            }
            (self.raw(row), lists)
        });
        let ([f, t], _) = finish_log(raw, self.clip);
        let [from, to] = expl;
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

    /// Predicts many vacancies.
    pub fn predict_batch(&self, vs: &[VacancyText<'_>]) -> Vec<RangePrediction> {
        vs.iter().map(|v| self.predict(v)).collect()
    }
}
