//! The training report: one self-contained HTML page that shows what a trained model is,
//! how it was validated and where it errs, in place of a data scientist's notebook.
//!
//! [`ReportData`] is plain data that the `train` and `evaluate` commands fill; [`render`]
//! turns it into one HTML5 document with inline CSS and inline SVG charts, and [`write`]
//! saves it. The page loads nothing from anywhere (no scripts, fonts, images or style
//! sheets), so it can be mailed, archived or opened from `file://` as it is.
//!
//! The charts (histograms, log–log scatter plots, bars, lines) are SVG written by hand
//! here. No crate fits: plotting crates either draw through JavaScript (plotly, charming)
//! or write SVG of a fixed pixel size without `viewBox`-based scaling, accessible titles
//! or the page's fonts (plotters), and pulling one in for six tiny charts would cost more
//! than the few hundred lines below. Every string from the data is HTML-escaped on output.
//!
//! The page is written in parts: `page.rs` holds its frame (style sheet, lead paragraph,
//! contents, the `section` helper that every section goes through), `sections.rs` the body
//! of each section, `charts.rs` the SVG charts, `format.rs` number and money formatting and
//! HTML escaping. [`fill`] makes the [`ReportData`] of a training or an evaluation.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

// Writing into a `String` cannot fail, so the `fmt::Result` is dropped here once.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

mod bands;
mod charts;
pub mod fill;
mod format;
mod page;
mod sections;
mod svg;
#[cfg(test)]
mod tests;

pub use fill::{ReferenceScores, evaluation_report, training_report};

use format::{Esc, Money};
use page::{CSS, SECTIONS, lead, meta};
use sections::{
    section_bands, section_calibration, section_cv, section_data, section_learning,
    section_scatter, section_settings, section_terms,
};

/// Everything shown in the report. Every list may be empty: its section then says "not
/// available" instead of drawing a chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportData {
    /// Page title and main heading, e.g. `"payrange training report: hh_vacancies.csv"`.
    pub title: String,
    /// Model version (as stored in the model's metadata).
    pub model_version: String,
    /// When the model was trained (RFC 3339).
    pub trained_at: String,
    /// ISO-like currency code of the salaries: `"RUR"`/`"RUB"` (shown as ₽), `"GBP"`, ...
    pub currency: String,
    /// Salary period: `"month"` or `"year"`.
    pub period: String,
    /// Training (or evaluation) data file, as given on the command line.
    pub data_file: String,
    /// SHA-256 of the data file, hex.
    pub data_sha256: String,
    /// Row counts of the data file.
    pub rows: ReportRows,
    /// True salaries per bound (`[from, to]`), for the distribution plots.
    pub salaries: [Vec<f64>; 2],
    /// Cross-validation results, one row per protocol and pipeline.
    pub cv_table: Vec<CvRow>,
    /// Out-of-fold `(true, predicted)` pairs per bound (`[from, to]`). The errors by salary
    /// band are computed from these.
    pub predicted_vs_true: [Vec<(f64, f64)>; 2],
    /// Observed coverage of the prediction intervals at several nominal levels.
    pub calibration: Vec<CalibrationPoint>,
    /// Out-of-fold MAE against the number of training rows.
    pub learning_curve: Vec<LearningPoint>,
    /// Per bound (`[from, to]`): `(term, coefficient)` of the model, coefficients in
    /// log-salary units. Any order; the report picks the strongest of each sign.
    pub top_terms: [Vec<(String, f64)>; 2],
    /// Chosen settings (hyperparameters and options), as key/value pairs in display order.
    pub settings: Vec<(String, String)>,
}

/// Row counts of the data file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportRows {
    /// Records read from the file.
    pub records: usize,
    /// Records used (at least one salary bound and a usable text).
    pub used: usize,
    /// Records rejected as malformed.
    pub bad: usize,
    /// Used records with a lower bound (`salary_from`).
    pub with_from: usize,
    /// Used records with an upper bound (`salary_to`).
    pub with_to: usize,
    /// Used records with both bounds.
    pub with_both: usize,
}

/// One row of the cross-validation table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CvRow {
    /// Validation protocol, e.g. `"nested 5×5-fold"`.
    pub protocol: String,
    /// Pipeline, e.g. `"payrange"` or `"scikit-learn reference"`. A pipeline whose name
    /// contains "reference" or "scikit" is the reference that the other rows of the same
    /// protocol are compared with.
    pub pipeline: String,
    /// Mean absolute error per bound (`[from, to]`), currency units.
    pub mae: [Option<f64>; 2],
    /// Coefficient of determination per bound (`[from, to]`).
    pub r2: [Option<f64>; 2],
    /// Share (0–1) of rows with both bounds whose true midpoint lies inside their 80 %
    /// likely range.
    pub interval_coverage: Option<f64>,
    /// Mean width of the predicted range, currency units.
    pub interval_mean_width: Option<f64>,
    /// Free-text remark, e.g. where the reference numbers come from.
    pub note: String,
}

/// Calibration of the prediction intervals at one nominal level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CalibrationPoint {
    /// Nominal level (share, 0–1), e.g. `0.8` for an 80 % interval.
    pub level: f64,
    /// Observed share (0–1) of true values inside the interval.
    pub coverage: f64,
    /// Mean width of the interval, currency units.
    pub mean_width: f64,
}

/// One point of the learning curve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LearningPoint {
    /// Training rows.
    pub rows: usize,
    /// Out-of-fold MAE per bound (`[from, to]`), currency units.
    pub mae: [f64; 2],
}

/// Writes the report of `data` to `path` (see [`render`]).
///
/// # Errors
/// The error of writing the file.
pub fn write(data: &ReportData, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, render(data))
}

/// Renders the report as one self-contained HTML5 document (UTF-8, inline CSS and SVG, no
/// scripts, nothing loaded from elsewhere).
pub fn render(data: &ReportData) -> String {
    let money = Money::new(&data.currency);
    let mut out = String::with_capacity(256 * 1024);
    let title = if data.title.trim().is_empty() {
        "payrange training report"
    } else {
        data.title.as_str()
    };
    put!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        Esc(title),
        Esc(title)
    );
    lead(&mut out, data, &money);
    meta(&mut out, data, &money);
    put!(out, "<nav aria-label=\"Contents\"><ol>");
    for (id, name) in SECTIONS {
        put!(out, "<li><a href=\"#{id}\">{name}</a></li>");
    }
    put!(out, "</ol></nav>\n");
    section_data(&mut out, data, &money);
    section_cv(&mut out, data, &money);
    section_scatter(&mut out, data, &money);
    section_bands(&mut out, data, &money);
    section_calibration(&mut out, data, &money);
    section_learning(&mut out, data, &money);
    section_terms(&mut out, data);
    section_settings(&mut out, data);
    put!(
        out,
        "<footer><p>Written by <code>payrange</code> for model <code>{}</code>. This page is \
         self-contained: it runs no scripts and loads nothing from elsewhere.</p></footer>\n\
         </main>\n</body>\n</html>\n",
        Esc(&data.model_version)
    );
    out
}
