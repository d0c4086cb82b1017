//! Salary model of payrange: from a vacancy's title, description and area to a salary
//! range, a calibrated likely range and the words that moved it.
//!
//! Predictions are made in log-salary space (the exponent of a least-squares fit on
//! `ln(salary)` estimates the conditional median, which is what MAE rewards, and salary
//! errors are multiplicative) and returned in currency units.
//!
//! The crate follows the pipeline, one folder per stage:
//!
//! | stage | module | holds |
//! |---|---|---|
//! | input | [`data`] | reading vacancy CSV files |
//! | shared | [`linear`] | small dense linear models (stacker, stated-salary stage, likely-range scale) |
//! | 1. features | [`features`] | tokenizer, hashed terms, TF-IDF vectorizer |
//! | 2. fitting | [`fitting`] | sparse ElasticNet, cross-validation, stacking, training, nested CV, learning curve |
//! | stated salary | [`stated_salary`] | the stage that moves a bound towards a salary figure the description states |
//! | 3. serving | [`serving`] | the model, its scoring table, explanations, likely range, model file |
//! | checking | [`metrics`], [`report`] | accuracy metrics; the HTML training report |
//! | commands | [`commands`] | `payrange train / evaluate / predict` on files |
//!
//! Imports point one way, from the top of this list down: [`report`], [`commands`],
//! [`fitting`] (which builds the serving [`Model`]), [`serving`], [`stated_salary`],
//! [`features`], then [`linear`], [`metrics`] and [`data`], which import nothing of the
//! crate. No two modules import each other.

pub mod commands;
pub mod data;
pub mod features;
pub mod fitting;
pub mod linear;
pub mod metrics;
pub mod report;
pub mod serving;
pub mod stated_salary;

pub use serving::artifact::{ArtifactError, FORMAT_VERSION, OLDEST_FORMAT_VERSION};
pub use serving::held_back::{HeldBackRow, HeldBackScore};
pub use serving::metadata::ModelMetadata;
pub use serving::model::{Detailed, Model};

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

pub use serving::explain::{PayBasis, StatedEffect, StatedSalary, TermEffect, TermSource};

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
