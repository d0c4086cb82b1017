//! [`SalaryPredictor`] backed by `payrange-ml`'s model (TF-IDF features, sparse ElasticNet
//! fitted through linfa's traits), the bundled one or one loaded from a file.

use std::path::Path;

use payrange_domain::models::{
    BoundMetrics, Explanation, ModelInfo, SalaryEstimate, TermContribution, Vacancy,
};
use payrange_domain::ports::{PredictError, SalaryPredictor};
use payrange_ml::{ArtifactError, Model, VacancyText};

/// How many terms per bound an explanation lists.
pub const EXPLANATION_TERMS: usize = 8;

/// A loaded model and its description.
pub struct LinfaPredictor {
    model: Model,
    info: ModelInfo,
}

fn bound(m: &payrange_ml::metrics::BoundMetrics) -> BoundMetrics {
    BoundMetrics {
        mae: m.mae,
        mape: m.mape,
        r2: m.r2,
    }
}

fn terms(ts: Vec<payrange_ml::TermContribution>) -> Vec<TermContribution> {
    ts.into_iter()
        .map(|t| TermContribution {
            term: t.term,
            contribution: t.contribution,
        })
        .collect()
}

impl LinfaPredictor {
    /// Wraps a loaded model.
    #[must_use]
    pub fn new(model: Model) -> Self {
        let meta = model.metadata();
        let cv = &meta.cv_metrics.metrics;
        let info = ModelInfo {
            version: meta.version.clone(),
            trained_at: meta.trained_at.clone(),
            currency: meta.currency.clone(),
            data_file: meta.data_file.clone(),
            data_sha256: meta.data_sha256.clone(),
            training_rows: meta.rows.used as u64,
            salary_from: bound(&cv.salary_from),
            salary_to: bound(&cv.salary_to),
            coverage: cv.coverage,
        };
        Self { model, info }
    }

    /// The model built into the binary.
    ///
    /// # Errors
    /// [`ArtifactError`] if the bundled bytes do not load (a build defect).
    pub fn bundled() -> Result<Self, ArtifactError> {
        Model::bundled().map(Self::new)
    }

    /// A model file written by `payrange train`.
    ///
    /// # Errors
    /// [`ArtifactError`] naming what is wrong with the file.
    pub fn load(path: &Path) -> Result<Self, ArtifactError> {
        Model::load(path).map(Self::new)
    }
}

impl SalaryPredictor for LinfaPredictor {
    fn predict(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError> {
        let text = VacancyText {
            name: vacancy.name(),
            description: vacancy.description(),
            area: vacancy.area(),
        };
        let (range, why) = self.model.predict_explained(&text, EXPLANATION_TERMS);
        let sane = |x: f64| x.is_finite() && x > 0.0;
        if !sane(range.salary_from) || !sane(range.salary_to) {
            return Err(PredictError::Unpredictable(
                "the model could not produce a salary range for this vacancy".into(),
            ));
        }
        Ok(SalaryEstimate {
            salary_from: range.salary_from,
            salary_to: range.salary_to,
            currency: self.info.currency.clone(),
            model_version: self.info.version.clone(),
            explanation: Explanation {
                salary_from: terms(why.salary_from),
                salary_to: terms(why.salary_to),
            },
        })
    }

    fn info(&self) -> &ModelInfo {
        &self.info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_model_predicts_an_ordered_explained_range_in_roubles() {
        let p = LinfaPredictor::bundled().unwrap();
        let v = Vacancy::new(
            "Senior Python developer",
            "Django, PostgreSQL, Docker. Опыт работы от 5 лет. Удалённая работа.",
            Some("Москва"),
        )
        .unwrap();
        let est = p.predict(&v).unwrap();
        assert!(est.salary_from > 10_000.0 && est.salary_from <= est.salary_to);
        assert_eq!(est.currency, "RUR");
        assert_eq!(est.model_version, p.info().version);
        assert!(!est.explanation.salary_from.is_empty());
        assert!(p.info().training_rows > 2000);
    }
}
