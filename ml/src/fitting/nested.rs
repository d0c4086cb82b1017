//! Nested cross-validation of the whole training procedure: the honest accuracy and
//! interval coverage of `payrange train`.
//!
//! Each outer fold holds out its rows and runs the complete training on the others: the
//! inner cross-validation chooses the variant, block weights, alpha, stacker and stated-
//! salary stage and calibrates the likely range, all from the outer training rows alone;
//! the resulting model then predicts the held-out rows, which took no part in any choice.
//! Outer folds are `fnv1a64("outer/" + id) % k` (`scripts/nested_reference.py` reproduces
//! them, so the scikit-learn reference is scored on the same rows); the inner folds keep the
//! training's own `fnv1a64(id) % k`, so they stay balanced inside every outer fold.
//!
//! Stage 2 (fitting): wraps whole training runs ([`crate::fitting::training_run`]); run by
//! [`crate::fitting::train`] when asked.

use time::OffsetDateTime;

use crate::data::LoadedData;
use crate::fitting::cv::fnv1a64;
use crate::fitting::settings::{Progress, TrainError, TrainSettings};
use crate::fitting::training_run;
use crate::metrics::{RangeMetrics, range_metrics};
use crate::serving::interval::{self, DEFAULT_LEVEL, REPORTED_LEVELS};
use crate::serving::metadata::{NestedCv, NestedFold};
use crate::{Model, RangePrediction};

/// Outer fold of a row id among `k` folds.
pub fn outer_fold_of(id: &str, k: usize) -> usize {
    let mut key = Vec::with_capacity(6 + id.len());
    key.extend_from_slice(b"outer/");
    key.extend_from_slice(id.as_bytes());
    (fnv1a64(&key) % k.max(1) as u64) as usize
}

/// One held-out prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    /// Row index in the data.
    pub row: usize,
    /// The predicted range.
    pub range: RangePrediction,
    /// The likely range at each of [`REPORTED_LEVELS`] (when calibrated).
    pub likely: [Option<(f64, f64)>; REPORTED_LEVELS.len()],
    /// What the fold's model knew about the vacancy (the likely range's inputs).
    pub difficulty: interval::Difficulty,
    /// The outer fold it was held out of.
    pub fold: usize,
}

/// Nested CV results with every held-out prediction (for the training report).
#[derive(Debug, Clone)]
pub struct NestedOutcome {
    /// The summary.
    pub summary: NestedCv,
    /// Every row's held-out prediction, in row order.
    pub held_out: Vec<HeldOut>,
    /// Per outer fold, the rows its likely range was calibrated on (for study).
    pub calibration_rows: Vec<Vec<interval::CalibrationRow>>,
}

/// Runs nested CV with `outer_k` outer folds; `settings.nested_outer_folds` is ignored
/// inside (no nesting within nesting).
pub fn nested_cv(
    data: &LoadedData,
    settings: &TrainSettings,
    outer_k: usize,
    progress: Progress<'_>,
) -> Result<NestedOutcome, TrainError> {
    let k = outer_k.max(2);
    let inner = TrainSettings {
        nested_outer_folds: 0,
        ..settings.clone()
    };
    let fold: Vec<usize> = data.rows.iter().map(|r| outer_fold_of(&r.id, k)).collect();
    let mut held_out: Vec<Option<HeldOut>> = vec![None; data.rows.len()];
    let mut folds = Vec::with_capacity(k);
    let mut calibration_rows = Vec::with_capacity(k);
    for f in 0..k {
        let sub = LoadedData {
            rows: data
                .rows
                .iter()
                .zip(&fold)
                .filter(|&(_, &g)| g != f)
                .map(|(r, _)| r.clone())
                .collect(),
            file_name: data.file_name.clone(),
            sha256: data.sha256.clone(),
            records: data.records,
            bad_rows: data.bad_rows.clone(),
        };
        let mut inner_progress = |done: usize, total: usize, msg: &str| {
            progress(done, total, &format!("outer fold {}/{k}: {msg}", f + 1));
        };
        let report = training_run::run(
            &sub,
            &inner,
            OffsetDateTime::UNIX_EPOCH,
            &mut inner_progress,
        )?;
        let model = report.model;
        calibration_rows.push(report.calibration_rows);
        let test: Vec<usize> = (0..data.rows.len()).filter(|&i| fold[i] == f).collect();
        for &i in &test {
            held_out[i] = Some(predict_held_out(&model, i, f, data));
        }
        let fold_rows: Vec<HeldOut> = test.iter().filter_map(|&i| held_out[i]).collect();
        let (metrics, scores) = score(data, &fold_rows);
        let chosen = model
            .metadata()
            .hyperparameters
            .members
            .iter()
            .map(|m| format!("winsor {} weights {:?}", m.winsor, m.block_weights))
            .collect::<Vec<_>>()
            .join("; ");
        folds.push(NestedFold {
            train_rows: sub.rows.len(),
            test_rows: test.len(),
            metrics,
            interval: scores
                .iter()
                .find(|s| s.level == DEFAULT_LEVEL)
                .copied()
                .unwrap_or_default(),
            chosen,
        });
    }
    let held_out: Vec<HeldOut> = held_out.into_iter().flatten().collect();
    let (metrics, interval) = score(data, &held_out);
    Ok(NestedOutcome {
        summary: NestedCv {
            outer_folds: k,
            inner_folds: settings.folds,
            metrics,
            interval,
            folds,
        },
        held_out,
        calibration_rows,
    })
}

fn predict_held_out(model: &Model, row: usize, fold: usize, data: &LoadedData) -> HeldOut {
    let (range, d) = model.predict_with_difficulty(&data.rows[row].text());
    HeldOut {
        row,
        range,
        likely: REPORTED_LEVELS.map(|l| model.likely_range(&d, l)),
        difficulty: d,
        fold,
    }
}

/// Range metrics and likely-range scores of held-out predictions.
fn score(data: &LoadedData, held: &[HeldOut]) -> (RangeMetrics, Vec<interval::IntervalScore>) {
    let truth: Vec<_> = held
        .iter()
        .map(|h| (data.rows[h.row].salary_from, data.rows[h.row].salary_to))
        .collect();
    let preds: Vec<RangePrediction> = held.iter().map(|h| h.range).collect();
    let metrics = range_metrics(&truth, &preds);
    let scores = REPORTED_LEVELS
        .iter()
        .enumerate()
        .filter_map(|(li, &level)| {
            let rows: Vec<(f64, (f64, f64))> = held
                .iter()
                .filter_map(|h| {
                    let r = &data.rows[h.row];
                    Some((0.5 * (r.salary_from? + r.salary_to?), h.likely[li]?))
                })
                .collect();
            (!rows.is_empty()).then(|| interval::score(level, &rows))
        })
        .collect();
    (metrics, scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fitting::cv::fold_of;

    #[test]
    fn outer_folds_are_balanced_and_independent_of_the_inner_ones() {
        let k = 5;
        let mut cells = [[0usize; 5]; 5];
        for i in 0..5000 {
            let id = format!("row-{i}");
            cells[outer_fold_of(&id, k)][fold_of(&id, k)] += 1;
        }
        // Every inner fold appears inside every outer fold, about equally (200 each).
        for row in cells {
            for c in row {
                assert!((140..=260).contains(&c), "{cells:?}");
            }
        }
    }
}
