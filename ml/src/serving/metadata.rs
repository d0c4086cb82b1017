//! What a model file records about how its model was made: the chosen hyperparameters,
//! row counts, cross-validated metrics, the likely range's calibration and, when it was
//! run, nested cross-validation. Written by training ([`crate::fitting::train`]), read by
//! `GET /model`, `payrange evaluate` and the report.

use serde::{Deserialize, Serialize};

use crate::features::vectorizer::VectorizerSettings;
use crate::metrics::RangeMetrics;
use crate::serving::interval::{Calibration, IntervalScore};

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
    /// figures stated in the description (see [`crate::stated_salary::AnchorStage`]), or `None`.
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
    /// Calibration of the likely range (see [`crate::serving::interval`]); `None` when fewer than
    /// 20 training rows had both bounds.
    pub calibration: Option<Calibration>,
    /// The likely ranges of the calibration rows themselves at the reported levels: close
    /// to each level by construction; the honest figures are in `nested_cv`.
    pub cv_interval: Vec<IntervalScore>,
    /// Nested cross-validation of the whole training procedure, when it was run
    /// (`payrange train --nested`).
    pub nested_cv: Option<NestedCv>,
}

/// Nested cross-validation results (stored in the model's metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedCv {
    /// Outer folds.
    pub outer_folds: usize,
    /// Inner folds of each outer training run.
    pub inner_folds: usize,
    /// Metrics of the held-out predictions of all outer folds together.
    pub metrics: RangeMetrics,
    /// Likely-range coverage and width over the held-out rows, per reported level.
    pub interval: Vec<IntervalScore>,
    /// The same per outer fold.
    pub folds: Vec<NestedFold>,
}

/// One outer fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NestedFold {
    /// Rows the fold's model was trained on.
    pub train_rows: usize,
    /// Rows it predicted.
    pub test_rows: usize,
    /// Its held-out metrics.
    pub metrics: RangeMetrics,
    /// Its likely ranges at the default level.
    pub interval: IntervalScore,
    /// Variant members chosen inside the fold (block weights and winsorizing).
    pub chosen: String,
}
