//! Training, the use case behind `payrange train`: one training run on all rows
//! ([`crate::fitting::training_run`]), nested cross-validation of that whole procedure when
//! asked ([`crate::fitting::nested`]), then the model's content version.

use time::OffsetDateTime;

use crate::data::LoadedData;
use crate::fitting::nested::{NestedOutcome, nested_cv};
use crate::fitting::settings::{Progress, TrainError, TrainSettings};
use crate::fitting::training_run;
use crate::serving::artifact::content_version;
use crate::serving::interval::CalibrationRow;
use crate::serving::metadata::CvMetrics;
use crate::serving::model::Model;

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
    pub nested: Option<NestedOutcome>,
    /// The rows the likely range was calibrated on.
    pub calibration_rows: Vec<CalibrationRow>,
}

/// Like [`train`], also reporting the CV metrics of the alternatives.
pub fn train_reported(
    data: &LoadedData,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<TrainReport, TrainError> {
    let run = training_run::run(data, settings, trained_at, progress)?;
    let mut model = run.model;
    let nested = if settings.nested_outer_folds > 0 {
        let outcome = nested_cv(data, settings, settings.nested_outer_folds, progress)?;
        model.metadata.nested_cv = Some(outcome.summary.clone());
        Some(outcome)
    } else {
        None
    };
    model.metadata.version = content_version(&model);
    Ok(TrainReport {
        model,
        alternatives: run.alternatives,
        oof_logs: run.oof_logs,
        nested,
        calibration_rows: run.calibration_rows,
    })
}
