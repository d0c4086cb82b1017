//! File-level operations behind the `payrange train | evaluate | predict` commands, kept
//! here so the CLI in `app` is a thin wrapper and the logic is tested with the crate.
//!
//! Top of the pipeline: reads the CSV ([`crate::data`]), trains
//! ([`crate::fitting::train`]), scores a held-out file with the serving model, writes
//! predictions.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use time::OffsetDateTime;

use crate::data::{DataError, LoadedData, load_csv};
use crate::fitting::nested::NestedOutcome;
use crate::fitting::settings::{Progress, TrainError, TrainSettings};
use crate::fitting::train::train_reported;
use crate::metrics::{BoundMetrics, range_metrics};
use crate::serving::interval::{self, DEFAULT_LEVEL, IntervalScore, REPORTED_LEVELS};
use crate::{ArtifactError, Model, RangePrediction};

/// Errors of the file-level operations.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Reading or writing a model failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// Writing predictions failed.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

/// Result of [`train_file`].
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The trained model (already saved).
    pub model: Model,
    /// Skipped records by reason.
    pub bad_rows: std::collections::BTreeMap<String, usize>,
    /// Wall-clock training time in seconds.
    pub seconds: f64,
    /// The rows trained on: the file's good rows without the held-back ones (those are in
    /// [`Model::held_back`]).
    pub data: LoadedData,
    /// Out-of-fold log predictions of every row trained on under the chosen rule.
    pub oof_logs: Vec<[f64; 2]>,
    /// Nested CV with its held-out predictions, when run.
    pub nested: Option<NestedOutcome>,
}

/// Trains on a CSV file and saves the model to `out`. A share of the rows
/// (`settings.held_back_share`, 5 % by default, at most 500 rows) chosen by a hash of each
/// row's title and description is held back from all of training and saved with the model
/// (see [`crate::fitting::held_back`]).
///
/// # Errors
///
/// [`OpsError::Data`] when the file cannot be read, [`OpsError::Train`] when too few
/// rows remain, [`OpsError::Artifact`] when the model cannot be written.
pub fn train_file(
    data: &Path,
    out: &Path,
    settings: &TrainSettings,
    trained_at: OffsetDateTime,
    progress: Progress<'_>,
) -> Result<TrainOutcome, OpsError> {
    let start = Instant::now();
    let loaded = load_csv(data, true)?;
    let report = train_reported(&loaded, settings, trained_at, progress)?;
    report.model.save(out)?;
    Ok(TrainOutcome {
        model: report.model,
        bad_rows: loaded.bad_rows,
        seconds: start.elapsed().as_secs_f64(),
        data: report.data,
        oof_logs: report.oof_logs,
        nested: report.nested,
    })
}

/// The report printed by `payrange evaluate`.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationReport {
    /// Rows scored.
    pub rows: usize,
    /// Lower-bound metrics.
    pub salary_from: BoundMetrics,
    /// Upper-bound metrics.
    pub salary_to: BoundMetrics,
    /// Share of rows with both true bounds whose true midpoint is inside the predicted range.
    pub coverage: f64,
    /// Share of predictions with from > to (0 by construction).
    pub crossed: f64,
    /// Median single-vacancy prediction latency in microseconds (the range and what its
    /// likely range needs).
    pub predict_us_p50: f64,
    /// Records skipped as bad.
    pub bad_rows: usize,
    /// Version of the evaluated model.
    pub model_version: String,
    /// The likely ranges at the default level (80 %): share of rows with both true bounds
    /// whose true midpoint lies inside, and their mean width in currency; `None` for a
    /// model without a calibration.
    pub interval: Option<IntervalScore>,
    /// The same at each reported level (50, 80, 90, 95 %).
    pub interval_levels: Vec<IntervalScore>,
}

/// Scores `model` on a CSV file with true salaries.
pub fn evaluate_file(model: &Model, data: &Path) -> Result<EvaluationReport, OpsError> {
    Ok(evaluate_loaded(model, &load_csv(data, true)?).0)
}

/// [`evaluate_file`] on rows already loaded; also returns each row's prediction. Every row
/// is scored once: the timed call yields the range and what the likely range needs.
pub fn evaluate_loaded(
    model: &Model,
    loaded: &LoadedData,
) -> (EvaluationReport, Vec<RangePrediction>) {
    let mut preds: Vec<RangePrediction> = Vec::with_capacity(loaded.rows.len());
    let mut lat = Vec::with_capacity(loaded.rows.len());
    let mut likely: Vec<Vec<(f64, (f64, f64))>> = vec![Vec::new(); REPORTED_LEVELS.len()];
    for r in &loaded.rows {
        let t = Instant::now();
        let (p, d) = model.predict_with_difficulty(&r.text());
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        preds.push(p);
        if let (Some(f), Some(to)) = (r.salary_from, r.salary_to) {
            for (rows, &level) in likely.iter_mut().zip(&REPORTED_LEVELS) {
                if let Some(range) = model.likely_range(&d, level) {
                    rows.push((0.5 * (f + to), range));
                }
            }
        }
    }
    let interval_levels: Vec<IntervalScore> = likely
        .iter()
        .zip(REPORTED_LEVELS)
        .filter(|(rows, _)| !rows.is_empty())
        .map(|(rows, level)| interval::score(level, rows))
        .collect();
    lat.sort_by(f64::total_cmp);
    let truth: Vec<_> = loaded
        .rows
        .iter()
        .map(|r| (r.salary_from, r.salary_to))
        .collect();
    let m = range_metrics(&truth, &preds);
    let report = EvaluationReport {
        rows: loaded.rows.len(),
        salary_from: m.salary_from,
        salary_to: m.salary_to,
        coverage: m.coverage,
        crossed: m.crossed,
        predict_us_p50: lat.get(lat.len() / 2).copied().unwrap_or(0.0),
        bad_rows: loaded.bad_rows.values().sum(),
        model_version: model.metadata().version.clone(),
        interval: interval_levels
            .iter()
            .find(|s| s.level == DEFAULT_LEVEL)
            .copied(),
        interval_levels,
    };
    (report, preds)
}

/// Predicts every row of `input` (columns `name,description[,area,id]`) into `output`
/// (`id,name,salary_from,salary_to`). Returns rows written and records skipped.
///
/// The rows are scored in as many contiguous chunks as there are cores, each chunk
/// written to its own buffer by its own CSV writer; the buffers are then written in input
/// order, so the file is byte for byte what one writer over all rows would write.
pub fn predict_csv(model: &Model, input: &Path, output: &Path) -> Result<(usize, usize), OpsError> {
    let loaded = load_csv(input, false)?;
    let werr = |e: &dyn std::fmt::Display| OpsError::Write {
        path: output.to_owned(),
        message: e.to_string(),
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = loaded.rows.len().div_ceil(threads).max(1);
    let write_rows = |rows: &[crate::data::Row]| -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            let p = model.predict(&r.text());
            let (f, t) = (
                format!("{:.0}", p.salary_from),
                format!("{:.0}", p.salary_to),
            );
            w.write_record([r.id.as_str(), r.name.as_str(), &f, &t])?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    };
    let parts: Vec<Result<Vec<u8>, csv::Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = loaded
            .rows
            .chunks(chunk)
            .map(|rows| s.spawn(move || write_rows(rows)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut w = csv::Writer::from_path(output).map_err(|e| werr(&e))?;
    w.write_record(["id", "name", "salary_from", "salary_to"])
        .map_err(|e| werr(&e))?;
    w.flush().map_err(|e| werr(&e))?;
    let mut file = w.into_inner().map_err(|e| werr(&e.into_error()))?;
    for part in parts {
        std::io::Write::write_all(&mut file, &part.map_err(|e| werr(&e))?).map_err(|e| werr(&e))?;
    }
    std::io::Write::flush(&mut file).map_err(|e| werr(&e))?;
    Ok((loaded.rows.len(), loaded.bad_rows.values().sum()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The chunked, threaded `predict_csv` writes what one writer over all rows wrote.
    #[test]
    fn predict_csv_equals_one_writer_in_input_order() {
        let model = Model::bundled().unwrap();
        let input = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/hh_sample.csv"
        ));
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let (n, _) = predict_csv(&model, input, &out).unwrap();
        let loaded = load_csv(input, false).unwrap();
        assert_eq!(n, loaded.rows.len());
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "name", "salary_from", "salary_to"])
            .unwrap();
        for r in &loaded.rows {
            let p = model.predict(&r.text());
            let (f, t) = (
                format!("{:.0}", p.salary_from),
                format!("{:.0}", p.salary_to),
            );
            w.write_record([r.id.as_str(), r.name.as_str(), &f, &t])
                .unwrap();
        }
        assert!(std::fs::read(&out).unwrap() == w.into_inner().unwrap());
    }
}
