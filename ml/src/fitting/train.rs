//! Training, the use case behind `payrange train`: the held-back sample set aside
//! ([`crate::fitting::held_back`]), one training run on all other rows
//! ([`crate::fitting::training_run`]), nested cross-validation of that whole procedure on
//! the same rows when asked ([`crate::fitting::nested`]), then the held-back rows stored
//! in the model and its content version.

use time::OffsetDateTime;

use crate::data::LoadedData;
use crate::fitting::held_back;
use crate::fitting::nested::{NestedOutcome, nested_cv};
use crate::fitting::settings::{Progress, TrainError, TrainSettings};
use crate::fitting::training_run;
use crate::serving::artifact::content_version;
use crate::serving::interval::CalibrationRow;
use crate::serving::metadata::CvMetrics;
use crate::serving::model::Model;

/// Trains both bound models, choosing among `settings.variants` and the alpha/l1 grid by
/// k-fold CV, on the rows of `data` that are not held back (`settings.held_back_share`,
/// see [`crate::fitting::held_back`]); the held-back rows are stored in the model.
/// `trained_at` only enters the metadata.
///
/// # Errors
///
/// [`TrainError::TooFewRows`] when too few rows remain to cross-validate.
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
    /// The model (its held-back rows in [`Model::held_back`]).
    pub model: Model,
    /// The rows trained on: `data` without the held-back rows; the row indices of
    /// `oof_logs`, `nested` and `calibration_rows` are into these.
    pub data: LoadedData,
    /// `(rule, metrics)`: cross-validated metrics of each way of combining the variants.
    pub alternatives: Vec<(String, CvMetrics)>,
    /// Out-of-fold log predictions `[from, to]` of every row trained on under the chosen
    /// rule.
    pub oof_logs: Vec<[f64; 2]>,
    /// Nested CV with every held-out prediction, when it was run.
    pub nested: Option<NestedOutcome>,
    /// The rows the likely range was calibrated on.
    pub calibration_rows: Vec<CalibrationRow>,
}

/// Like [`train`], also reporting the CV metrics of the alternatives and the rows trained
/// on. Says through `progress` (step 0) how many rows were held back, and by which rule.
///
/// # Errors
///
/// [`TrainError::TooFewRows`] when too few rows remain to cross-validate.
pub fn train_reported(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<TrainReport, TrainError> {
    let (data, held_back) = held_back::split(data, settings.held_back_share);
    progress(
        0,
        0,
        &format!(
            "held back {} of {} rows (sha256 of title and description below {} of the \
             range, at most {}); training on {}",
            held_back.len(),
            data.rows.len() + held_back.len(),
            settings.held_back_share,
            held_back::MAX_HELD_BACK_ROWS,
            data.rows.len()
        ),
    );
    let run = training_run::run(&data, settings, trained_at, progress)?;
    let mut model = run.model;
    let nested = if settings.nested_outer_folds > 0 {
        let outcome = nested_cv(&data, settings, settings.nested_outer_folds, progress)?;
        model.metadata.nested_cv = Some(outcome.summary.clone());
        Some(outcome)
    } else {
        None
    };
    model.held_back = held_back;
    model.metadata.version = content_version(&model);
    Ok(TrainReport {
        model,
        data,
        alternatives: run.alternatives,
        oof_logs: run.oof_logs,
        nested,
        calibration_rows: run.calibration_rows,
    })
}
