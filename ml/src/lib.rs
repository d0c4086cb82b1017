//! Salary model of payrange: tokenizer, TF-IDF, sparse ElasticNet, training, evaluation
//! and the model artifact.

pub mod enet;
pub mod hashing;
pub mod terms;
pub mod tokenizer;
pub mod vectorizer;

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
