//! What fills the HTML report (see [`crate::report`]) of `payrange train --report` and
//! `payrange evaluate --report`: the model's own metadata, its held-out predictions, a
//! learning curve at its settings, and the references' scores when given.

use std::path::Path;

use crate::commands::{OpsError, TrainOutcome, evaluate_loaded};
use crate::data::{LoadedData, load_csv};
use crate::metrics::RangeMetrics;
use crate::report::{CalibrationPoint, CvRow, LearningPoint, ReportData, ReportRows};
use crate::serving::interval::{DEFAULT_LEVEL, IntervalScore};
use crate::{Model, RangePrediction};

/// Scores of the scikit-learn references on the nested-CV outer folds, as printed by
/// `scripts/nested_reference.py` (only the fields the report uses).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReferenceScores {
    /// Lower-bound MAE.
    pub salary_from: ReferenceBound,
    /// Upper-bound MAE.
    pub salary_to: ReferenceBound,
    /// Interval reference per level.
    #[serde(default)]
    pub interval: Vec<IntervalScore>,
}

/// One bound of [`ReferenceScores`].
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct ReferenceBound {
    /// Mean absolute error.
    pub mae: f64,
}

fn at_level(scores: &[IntervalScore], level: f64) -> Option<&IntervalScore> {
    scores.iter().find(|s| s.level == level)
}

fn cv_row(
    protocol: &str,
    pipeline: &str,
    m: &RangeMetrics,
    i: Option<&IntervalScore>,
    note: &str,
) -> CvRow {
    CvRow {
        protocol: protocol.to_owned(),
        pipeline: pipeline.to_owned(),
        mae: [Some(m.salary_from.mae), Some(m.salary_to.mae)],
        r2: [Some(m.salary_from.r2), Some(m.salary_to.r2)],
        interval_coverage: i.map(|s| s.coverage),
        interval_mean_width: i.map(|s| s.mean_width),
        note: note.to_owned(),
    }
}

/// The parts of a report every model has: identity, rows, settings, top terms.
fn report_base(model: &Model, data: &LoadedData) -> ReportData {
    let md = model.metadata();
    let hp = &md.hyperparameters;
    let mut settings = vec![
        ("target".to_owned(), hp.target.clone()),
        (
            "word n-grams (title / description)".to_owned(),
            format!(
                "1–{} / 1–{}",
                hp.vectorizer.terms.title_max_ngram, hp.vectorizer.terms.description_max_ngram
            ),
        ),
        ("min_df".to_owned(), hp.vectorizer.min_df.to_string()),
        (
            "sample weight".to_owned(),
            format!("salary^{}", hp.weight_power),
        ),
        (
            "CV folds (inner)".to_owned(),
            md.cv_metrics.folds.to_string(),
        ),
    ];
    for (i, m) in hp.members.iter().enumerate() {
        settings.push((
            format!(
                "member {} block weights title/chars/description/area/amounts",
                i + 1
            ),
            format!("{:?}, winsor {}", m.block_weights, m.winsor),
        ));
        for (b, c) in [("from", m.salary_from), ("to", m.salary_to)] {
            settings.push((
                format!("member {} {b}: alpha, l1 ratio", i + 1),
                format!("{:.3e}, {}", c.alpha, c.l1_ratio),
            ));
        }
    }
    let stages = [
        ("stacker [c, w_from, w_to]", hp.stack.as_ref()),
        (
            "stated-salary stage [c0, c1, g_from, d_from, g_to, d_to]",
            hp.anchor_stage.as_ref(),
        ),
    ];
    for (name, stage) in stages {
        for (b, weights) in ["from", "to"].iter().zip(stage.into_iter().flatten()) {
            settings.push((format!("{name}, {b}"), format!("{weights:.3?}")));
        }
    }
    if let Some(c) = &md.calibration {
        settings.push((
            "likely range: scale model ln σ = c + w·[ln chars, known share, stated from, stated to, level]".to_owned(),
            format!(
                "{:.3?}, {} calibration rows; 80 % window of scores {:.3?}",
                c.scale,
                c.scores.len(),
                c.window(crate::serving::interval::DEFAULT_LEVEL)
            ),
        ));
    }
    let salaries = [0, 1].map(|b| {
        data.rows
            .iter()
            .filter_map(|r| if b == 0 { r.salary_from } else { r.salary_to })
            .collect()
    });
    ReportData {
        title: format!("payrange model {} — {}", md.version, md.data_file),
        model_version: md.version.clone(),
        trained_at: md.trained_at.clone(),
        currency: md.currency.clone(),
        period: if md.currency == "GBP" {
            "year"
        } else {
            "month"
        }
        .to_owned(),
        data_file: data.file_name.clone(),
        data_sha256: data.sha256.clone(),
        rows: ReportRows {
            records: data.records,
            used: data.rows.len(),
            bad: data.bad_rows.values().sum(),
            with_from: data.rows.iter().filter(|r| r.salary_from.is_some()).count(),
            with_to: data.rows.iter().filter(|r| r.salary_to.is_some()).count(),
            with_both: data
                .rows
                .iter()
                .filter(|r| r.salary_from.is_some() && r.salary_to.is_some())
                .count(),
        },
        salaries,
        top_terms: model.top_terms(12),
        settings,
        ..ReportData::default()
    }
}

fn calibration_points(scores: &[IntervalScore]) -> Vec<CalibrationPoint> {
    scores
        .iter()
        .map(|s| CalibrationPoint {
            level: s.level,
            coverage: s.coverage,
            mean_width: s.mean_width,
        })
        .collect()
}

fn truth_pairs(data: &LoadedData, preds: &[(usize, RangePrediction)]) -> [Vec<(f64, f64)>; 2] {
    [0, 1].map(|b| {
        preds
            .iter()
            .filter_map(|(i, p)| {
                let r = &data.rows[*i];
                let t = if b == 0 { r.salary_from } else { r.salary_to }?;
                Some((t, if b == 0 { p.salary_from } else { p.salary_to }))
            })
            .collect()
    })
}

/// The training report of `payrange train --report`: the numbers are the model's own
/// metadata (nested CV when it was run), its held-out predictions, a learning curve at its
/// settings, and the reference's scores on the same outer folds when given.
pub fn training_report(outcome: &TrainOutcome, reference: Option<&ReferenceScores>) -> ReportData {
    let md = outcome.model.metadata();
    let data = &outcome.data;
    let mut r = report_base(&outcome.model, data);
    let preds: Vec<(usize, RangePrediction)>;
    if let (Some(n), Some(outcome_n)) = (&md.nested_cv, &outcome.nested) {
        let protocol = format!("nested {}×{}-fold CV", n.outer_folds, n.inner_folds);
        r.cv_table.push(cv_row(
            &protocol,
            "payrange",
            &n.metrics,
            at_level(&n.interval, DEFAULT_LEVEL),
            "every choice and the calibration made inside the outer training folds",
        ));
        if let Some(rf) = reference {
            r.cv_table.push(CvRow {
                protocol,
                pipeline: "scikit-learn reference".to_owned(),
                mae: [Some(rf.salary_from.mae), Some(rf.salary_to.mae)],
                r2: [None, None],
                interval_coverage: at_level(&rf.interval, DEFAULT_LEVEL).map(|s| s.coverage),
                interval_mean_width: at_level(&rf.interval, DEFAULT_LEVEL).map(|s| s.mean_width),
                note: "TF-IDF + ElasticNet(3e-4, 0.1); split-conformal interval of one width"
                    .to_owned(),
            });
        }
        r.calibration = calibration_points(&n.interval);
        preds = outcome_n
            .held_out
            .iter()
            .map(|h| (h.row, h.range))
            .collect();
    } else {
        r.calibration = calibration_points(&md.cv_interval);
        preds = outcome
            .oof_logs
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    i,
                    RangePrediction {
                        salary_from: l[0].exp(),
                        salary_to: l[1].exp(),
                    },
                )
            })
            .collect();
    }
    // After the nested rows, which come first as the honest headline.
    r.cv_table.push(cv_row(
        &format!("{}-fold CV, choices per fold", md.cv_metrics.folds),
        "payrange",
        &md.cv_metrics.metrics,
        at_level(&md.cv_interval, DEFAULT_LEVEL),
        "likely range calibrated on these same rows: coverage holds by construction",
    ));
    r.predicted_vs_true = truth_pairs(data, &preds);
    r.learning_curve = crate::fitting::learning_curve::curve(data, md, &[0.2, 0.4, 0.6, 0.8, 1.0])
        .into_iter()
        .map(|p| LearningPoint {
            rows: p.rows,
            mae: p.mae,
        })
        .collect();
    r
}

/// The report of `payrange evaluate --report`: the model's training metrics beside its
/// scores on `data`, whose predictions and likely ranges fill the charts.
pub fn evaluation_report(model: &Model, data: &Path) -> Result<ReportData, OpsError> {
    let loaded = load_csv(data, true)?;
    let (eval, predictions) = evaluate_loaded(model, &loaded);
    let md = model.metadata();
    let mut r = report_base(model, &loaded);
    r.title = format!(
        "payrange model {} evaluated on {}",
        md.version, loaded.file_name
    );
    r.cv_table.push(cv_row(
        &format!("{}-fold CV, choices per fold", md.cv_metrics.folds),
        "payrange",
        &md.cv_metrics.metrics,
        at_level(&md.cv_interval, DEFAULT_LEVEL),
        &format!("at training, on {}", md.data_file),
    ));
    if let Some(n) = &md.nested_cv {
        r.cv_table.push(cv_row(
            &format!("nested {}×{}-fold CV", n.outer_folds, n.inner_folds),
            "payrange",
            &n.metrics,
            at_level(&n.interval, DEFAULT_LEVEL),
            &format!("at training, on {}", md.data_file),
        ));
    }
    let m = RangeMetrics {
        salary_from: eval.salary_from,
        salary_to: eval.salary_to,
        coverage: eval.coverage,
        crossed: eval.crossed,
    };
    r.cv_table.push(cv_row(
        &format!("evaluation on {}", loaded.file_name),
        "payrange",
        &m,
        eval.interval.as_ref(),
        "a file the model may not have seen",
    ));
    r.calibration = calibration_points(&eval.interval_levels);
    let preds: Vec<(usize, RangePrediction)> = predictions.into_iter().enumerate().collect();
    r.predicted_vs_true = truth_pairs(&loaded, &preds);
    Ok(r)
}
