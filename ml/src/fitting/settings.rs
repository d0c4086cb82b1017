//! The settings of training, its variants and its errors: what `payrange train` and the
//! experiments of `examples/train.rs` may change, shared by the training run
//! ([`crate::fitting::training_run`]) and nested CV ([`crate::fitting::nested`]).

use crate::features::vectorizer::VectorizerSettings;
use crate::fitting::held_back::DEFAULT_HELD_BACK_SHARE;

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
    /// Share of the rows held back from all of training and stored with the model, chosen
    /// by a hash of each row's title and description, at most
    /// [`crate::fitting::held_back::MAX_HELD_BACK_ROWS`] (see [`crate::fitting::held_back`]);
    /// 0 = none. Default 0.05.
    pub held_back_share: f64,
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
            held_back_share: DEFAULT_HELD_BACK_SHARE,
        }
    }
}

/// A progress report: `done` of `total` steps, with a message.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize, &str);

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

/// The variants a run compares: `settings.variants`, or the settings as given when there
/// are none.
pub(crate) fn variants_of(settings: &TrainSettings) -> Variants {
    if settings.variants.is_empty() {
        vec![Variant {
            winsor: settings.winsor,
            block_weights: settings.vectorizer.block_weights,
        }]
    } else {
        settings.variants.clone()
    }
}

/// `settings` with one variant's winsorizing and block weights, and no further variants.
pub(crate) fn variant_settings(settings: &TrainSettings, v: Variant) -> TrainSettings {
    let mut s = settings.clone();
    s.variants.clear();
    s.winsor = v.winsor;
    s.vectorizer.block_weights = v.block_weights;
    s
}
