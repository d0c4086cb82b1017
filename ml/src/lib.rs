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
pub mod explain;
pub mod hashing;
pub mod interval;
pub mod joint;
pub mod learning;
pub mod metrics;
pub mod model;
pub mod nested;
pub mod oof;
pub mod ops;
pub mod report;
pub mod report_data;
pub mod scorer;
pub mod stack;
mod swar;
pub mod terms;
pub mod tokenizer;
pub mod train;
pub mod vectorizer;

pub use artifact::{ArtifactError, FORMAT_VERSION};
pub use model::{Detailed, Model, ModelMetadata};

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

pub use explain::{PayBasis, StatedEffect, StatedSalary, TermEffect, TermSource};

/// Why the model said what it said, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Words and phrases that moved the lower bound by at least 1 %, strongest first.
    pub salary_from: Vec<TermEffect>,
    /// The same for the upper bound.
    pub salary_to: Vec<TermEffect>,
    /// A salary the description states, and what it did.
    pub stated_salary: Option<StatedSalary>,
    /// Whether the pay is stated before or after tax.
    pub pay_basis: PayBasis,
}
