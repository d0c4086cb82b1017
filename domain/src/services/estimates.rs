//! Estimates for visitors without an account: one vacancy estimated at once and stored nowhere
//! (no prediction row, no history, no request log entry), and a built-in example vacancy
//! whose estimate is computed once per model version and kept.
//!
//! Computed in the calling process through the [`SalaryPredictor`] port rather than through
//! the job queue: one prediction takes microseconds, every `serve` already holds the model,
//! and a job would need a row for the worker to read and write, which is exactly what a try
//! must not leave behind.

use std::sync::{Arc, Mutex, PoisonError};

use crate::models::{SalaryEstimate, Vacancy};
use crate::ports::{PredictError, SalaryPredictor};

/// Estimates without storing anything.
#[derive(Clone)]
pub struct EstimateService {
    predictor: Arc<dyn SalaryPredictor>,
    example: Arc<Example>,
}

struct Example {
    vacancy: Vacancy,
    /// The estimate, with the version serving the example's market when it was made.
    estimate: Mutex<Option<(Option<String>, SalaryEstimate)>>,
}

/// Why an estimate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// The model gave no sensible range for this vacancy (the reason is written for people).
    #[error("{0}")]
    Unpredictable(String),
}

impl From<PredictError> for EstimateError {
    fn from(e: PredictError) -> Self {
        match e {
            PredictError::Unpredictable(reason) => Self::Unpredictable(reason),
        }
    }
}

impl EstimateService {
    /// Estimates with `predictor`; `example` is the vacancy [`EstimateService::example`]
    /// shows.
    #[must_use]
    pub fn new(predictor: Arc<dyn SalaryPredictor>, example: Vacancy) -> Self {
        Self {
            predictor,
            example: Arc::new(Example {
                vacancy: example,
                estimate: Mutex::new(None),
            }),
        }
    }

    /// Estimates `vacancy` now. Nothing is stored: the caller gets the only copy.
    ///
    /// # Errors
    /// [`EstimateError::Unpredictable`] when the model gives no sensible range.
    pub fn estimate(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, EstimateError> {
        Ok(self.predictor.predict(vacancy)?)
    }

    /// The example vacancy and the model's estimate of it, computed on the first call and
    /// kept until another model version serves its market.
    ///
    /// # Errors
    /// [`EstimateError::Unpredictable`] when the model gives no range for the example; it
    /// is asked again next time.
    pub fn example(&self) -> Result<(Vacancy, SalaryEstimate), EstimateError> {
        let example = &self.example;
        let serving = self
            .predictor
            .models()
            .into_iter()
            .find(|m| m.market == example.vacancy.market())
            .map(|m| m.version);
        let kept = example
            .estimate
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let estimate = match kept {
            Some((version, e)) if version == serving => e,
            _ => {
                let e = self.predictor.predict(&example.vacancy)?;
                *example
                    .estimate
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some((serving, e.clone()));
                e
            }
        };
        Ok((example.vacancy.clone(), estimate))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::models::ModelInfo;
    use crate::services::fakes::LengthPredictor;

    /// Counts the predictions it makes.
    struct Counting(LengthPredictor, AtomicUsize);

    impl SalaryPredictor for Counting {
        fn predict(&self, v: &Vacancy) -> Result<SalaryEstimate, PredictError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.predict(v)
        }

        fn info(&self) -> ModelInfo {
            self.0.info()
        }
    }

    fn service(example: &str) -> (EstimateService, Arc<Counting>) {
        let predictor = Arc::new(Counting(
            LengthPredictor(ModelInfo::default()),
            AtomicUsize::new(0),
        ));
        let example = Vacancy::new(example, "an example", None).unwrap();
        (EstimateService::new(predictor.clone(), example), predictor)
    }

    #[test]
    fn an_estimate_is_the_models_prediction() {
        let (s, _) = service("example");
        let e = s
            .estimate(&Vacancy::new("four", "d", None).unwrap())
            .unwrap();
        assert_eq!((e.salary_from, e.salary_to), (4000.0, 8000.0));
        assert!(e.likely.is_some());
    }

    #[test]
    fn an_unpredictable_vacancy_is_refused_with_the_models_reason() {
        let (s, _) = service("example");
        let err = s
            .estimate(&Vacancy::new("fail", "d", None).unwrap())
            .unwrap_err();
        assert_eq!(err.to_string(), "cannot");
    }

    #[test]
    fn the_example_is_computed_once_and_kept() {
        let (s, counter) = service("seven!!");
        let (v, e) = s.example().unwrap();
        assert_eq!(v.name(), "seven!!");
        assert_eq!(e.salary_from, 7000.0);
        let (_, again) = s.clone().example().unwrap();
        assert_eq!(again, e);
        assert_eq!(counter.1.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_example_the_model_refuses_is_an_error_and_asked_again() {
        let (s, counter) = service("fail");
        assert!(s.example().is_err());
        assert!(s.example().is_err());
        assert_eq!(counter.1.load(Ordering::SeqCst), 2);
    }
}
