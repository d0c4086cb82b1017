//! Accuracy metrics of range predictions, in currency units.
//!
//! Used by fitting (CV metrics), nested CV, evaluation and the report.

use serde::{Deserialize, Serialize};

use crate::RangePrediction;

/// Metrics of one bound over the rows that have it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BoundMetrics {
    /// Rows with a true value.
    pub n: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean absolute percentage error (a share, not percent).
    pub mape: f64,
    /// Coefficient of determination on the original scale.
    pub r2: f64,
}

/// Metrics of range predictions.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RangeMetrics {
    /// Lower bound.
    pub salary_from: BoundMetrics,
    /// Upper bound.
    pub salary_to: BoundMetrics,
    /// Share of rows with both true bounds whose true midpoint is inside the predicted range.
    pub coverage: f64,
    /// Share of predictions with from > to.
    pub crossed: f64,
}

/// Metrics of `pred` against optional true values.
pub fn bound_metrics(truth: &[Option<f64>], pred: &[f64]) -> BoundMetrics {
    let pairs: Vec<(f64, f64)> = truth
        .iter()
        .zip(pred)
        .filter_map(|(t, &p)| t.map(|t| (t, p)))
        .collect();
    let n = pairs.len();
    if n == 0 {
        return BoundMetrics::default();
    }
    let nf = n as f64;
    let mean = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mae = pairs.iter().map(|(t, p)| (t - p).abs()).sum::<f64>() / nf;
    let mape = pairs.iter().map(|(t, p)| (t - p).abs() / t).sum::<f64>() / nf;
    let ss_res: f64 = pairs.iter().map(|(t, p)| (t - p).powi(2)).sum();
    let ss_tot: f64 = pairs.iter().map(|(t, _)| (t - mean).powi(2)).sum();
    let r2 = if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        0.0
    };
    BoundMetrics { n, mae, mape, r2 }
}

/// All metrics of range predictions against true `(from, to)` pairs.
pub fn range_metrics(
    truth: &[(Option<f64>, Option<f64>)],
    pred: &[RangePrediction],
) -> RangeMetrics {
    let from_t: Vec<_> = truth.iter().map(|t| t.0).collect();
    let to_t: Vec<_> = truth.iter().map(|t| t.1).collect();
    let from_p: Vec<_> = pred.iter().map(|p| p.salary_from).collect();
    let to_p: Vec<_> = pred.iter().map(|p| p.salary_to).collect();
    let (mut both, mut inside) = (0usize, 0usize);
    for (t, p) in truth.iter().zip(pred) {
        if let (Some(f), Some(to)) = *t {
            both += 1;
            let mid = 0.5 * (f + to);
            if p.salary_from <= mid && mid <= p.salary_to {
                inside += 1;
            }
        }
    }
    let crossed = pred.iter().filter(|p| p.salary_from > p.salary_to).count();
    RangeMetrics {
        salary_from: bound_metrics(&from_t, &from_p),
        salary_to: bound_metrics(&to_t, &to_p),
        coverage: if both > 0 {
            inside as f64 / both as f64
        } else {
            0.0
        },
        crossed: if pred.is_empty() {
            0.0
        } else {
            crossed as f64 / pred.len() as f64
        },
    }
}
