//! [`SalaryPredictor`] backed by `payrange-ml`'s model (TF-IDF features, sparse ElasticNet
//! fitted through linfa's traits), the bundled one or one loaded from a file.

use std::path::Path;

use payrange_domain::models::{
    BoundMetrics, Confidence, Explanation, IntervalQuality, LikelyRange, ModelInfo, PayBasis,
    SalaryEstimate, StatedSalary, StatedSalaryEffect, TermContribution, TermSource, Vacancy,
};
use payrange_domain::ports::{PredictError, SalaryPredictor};
use payrange_ml::serving::interval::DEFAULT_LEVEL;
use payrange_ml::{ArtifactError, Model, VacancyText};

/// How many terms per bound an explanation lists at most.
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

fn terms(ts: Vec<payrange_ml::TermEffect>) -> Vec<TermContribution> {
    ts.into_iter()
        .map(|t| TermContribution {
            term: t.term,
            source: match t.source {
                payrange_ml::TermSource::Title => TermSource::Title,
                payrange_ml::TermSource::Description => TermSource::Description,
                payrange_ml::TermSource::Area => TermSource::Area,
            },
            contribution: t.contribution,
            amount: t.amount,
        })
        .collect()
}

fn explanation(e: payrange_ml::Explanation) -> Explanation {
    Explanation {
        salary_from: terms(e.salary_from),
        salary_to: terms(e.salary_to),
        stated_salary: e.stated_salary.map(|s| StatedSalary {
            from: s.from,
            to: s.to,
            effect: match s.effect {
                payrange_ml::StatedEffect::UsedAsGiven => StatedSalaryEffect::UsedAsGiven,
                payrange_ml::StatedEffect::MovedTowards => StatedSalaryEffect::MovedTowards,
                payrange_ml::StatedEffect::SetAside => StatedSalaryEffect::SetAside,
            },
        }),
        pay_basis: match e.pay_basis {
            payrange_ml::PayBasis::Gross => PayBasis::Gross,
            payrange_ml::PayBasis::Net => PayBasis::Net,
            payrange_ml::PayBasis::Unstated => PayBasis::Unstated,
        },
    }
}

impl LinfaPredictor {
    /// Wraps a loaded model.
    #[must_use]
    pub fn new(model: Model) -> Self {
        let meta = model.metadata();
        let cv = &meta.cv_metrics.metrics;
        // The honest figure when the model carries nested CV, else the calibration rows'.
        let likely = meta
            .nested_cv
            .as_ref()
            .map_or(meta.cv_interval.as_slice(), |n| n.interval.as_slice())
            .iter()
            .find(|s| s.level == DEFAULT_LEVEL)
            .filter(|_| meta.calibration.is_some())
            .map(|s| IntervalQuality {
                level: s.level,
                coverage: s.coverage,
                mean_width: s.mean_width,
            });
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
            likely,
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
        let d = self.model.predict_explained(&text, EXPLANATION_TERMS);
        let range = d.range;
        let sane = |x: f64| x.is_finite() && x > 0.0;
        if !sane(range.salary_from) || !sane(range.salary_to) {
            return Err(PredictError::Unpredictable(
                "the model could not produce a salary range for this vacancy".into(),
            ));
        }
        let likely = self
            .model
            .likely_range(&d.difficulty, DEFAULT_LEVEL)
            .filter(|&(lo, hi)| sane(lo) && sane(hi) && lo <= hi)
            .map(|(from, to)| LikelyRange {
                from,
                to,
                level: DEFAULT_LEVEL,
                confidence: Confidence::of_band(from, to),
            });
        Ok(SalaryEstimate {
            salary_from: range.salary_from,
            salary_to: range.salary_to,
            currency: self.info.currency.clone(),
            model_version: self.info.version.clone(),
            explanation: explanation(d.explanation),
            likely,
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
        let likely = est.likely.clone().unwrap();
        assert_eq!(likely.level, DEFAULT_LEVEL);
        let mid = 0.5 * (est.salary_from + est.salary_to);
        assert!(likely.from < mid && mid < likely.to, "{likely:?} {est:?}");
        assert_eq!(
            likely.confidence,
            Confidence::of_band(likely.from, likely.to)
        );
        assert!(p.info().likely.is_some());
    }
}
