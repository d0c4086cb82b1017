//! Salary model of payrange: tokenizer, TF-IDF, sparse ElasticNet, training, evaluation
//! and the model artifact.
//!
//! Predictions are made in log-salary space (the exponent of a least-squares fit on
//! `ln(salary)` estimates the conditional median, which is what MAE rewards, and salary
//! errors are multiplicative) and returned in currency units.

pub mod anchors;
pub mod artifact;
pub mod cv;
pub mod data;
pub mod enet;
pub mod hashing;
pub mod joint;
pub mod metrics;
pub mod model;
pub mod oof;
pub mod ops;
pub mod scorer;
pub mod stack;
mod swar;
pub mod terms;
pub mod tokenizer;
pub mod train;
pub mod vectorizer;

pub use artifact::{ArtifactError, FORMAT_VERSION};
pub use model::{Model, ModelMetadata};

use serde::Serialize;

/// The text of one vacancy, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VacancyText<'a> {
    /// Vacancy title.
    pub name: &'a str,
    /// Free-text description.
    pub description: &'a str,
    /// City or region, when known.
    pub area: Option<&'a str>,
}

/// A predicted salary range in currency units; always `salary_from <= salary_to`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RangePrediction {
    /// Lower bound.
    pub salary_from: f64,
    /// Upper bound.
    pub salary_to: f64,
}

/// One term's push on a bound: coefficient x feature value, in log-salary units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermContribution {
    /// Readable term, e.g. `"title: python"`, `"description: machine learning"`.
    pub term: String,
    /// Contribution to `ln(bound)`; positive pushes the bound up.
    pub contribution: f64,
}

/// The terms that moved each bound most, sorted by |contribution| descending.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Terms of the lower bound.
    pub salary_from: Vec<TermContribution>,
    /// Terms of the upper bound.
    pub salary_to: Vec<TermContribution>,
}
