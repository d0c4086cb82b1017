//! [`SalaryPredictor`] backed by `payrange-ml`'s models (TF-IDF features, sparse ElasticNet
//! fitted through linfa's traits), one per market: the bundled ones or files.

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use payrange_domain::models::{
    BoundMetrics, Confidence, Explanation, HeldBackScore, IntervalQuality, LikelyRange, Market,
    ModelCheck, ModelInfo, PayBasis, SalaryEstimate, StatedSalary, StatedSalaryEffect,
    TermContribution, TermSource, Vacancy,
};
use payrange_domain::ports::{ModelFileError, ModelRegistry, PredictError, SalaryPredictor};
use payrange_ml::serving::interval::DEFAULT_LEVEL;
use payrange_ml::{ArtifactError, HeldBackRow, Model, VacancyText};
use sha2::{Digest, Sha256};

/// How many terms per bound an explanation lists at most.
pub const EXPLANATION_TERMS: usize = 8;

/// A loaded model and its description: the predictor of one market.
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
    /// Wraps a loaded model serving `market`.
    #[must_use]
    pub fn new(model: Model, market: Market) -> Self {
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
            market,
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

    /// The model of `market` built into the binary (hh.ru for [`Market::Ru`], Adzuna for
    /// [`Market::Uk`]).
    ///
    /// # Errors
    /// [`ArtifactError`] if the bundled bytes do not load (a build defect).
    pub fn bundled(market: Market) -> Result<Self, ArtifactError> {
        match market {
            Market::Ru => Model::bundled(),
            Market::Uk => Model::bundled_adzuna(),
        }
        .map(|m| Self::new(m, market))
    }

    /// A model file written by `payrange train`, serving `market`.
    ///
    /// # Errors
    /// [`ArtifactError`] naming what is wrong with the file.
    pub fn load(path: &Path, market: Market) -> Result<Self, ArtifactError> {
        Model::load(path).map(|m| Self::new(m, market))
    }

    fn predict_with_this(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError> {
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

    /// What this model is.
    #[must_use]
    pub const fn info(&self) -> &ModelInfo {
        &self.info
    }
}

impl SalaryPredictor for LinfaPredictor {
    /// This one model, whatever the vacancy's market.
    fn predict(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError> {
        self.predict_with_this(vacancy)
    }

    fn info(&self) -> ModelInfo {
        self.info.clone()
    }
}

/// The models serving now, one per market: each vacancy is priced by its market's model.
/// Swappable while serving ([`ModelRegistry`]): each prediction takes the model of its
/// market at its start (a read lock and a reference count, held for no longer than that),
/// so a swap never fails or delays a prediction, and one in flight finishes with the model
/// it started with.
pub struct MarketModels {
    /// The models this process started with, in [`Market::ALL`] order, markets distinct.
    started_with: Vec<Arc<LinfaPredictor>>,
    /// At least one, in [`Market::ALL`] order, markets distinct.
    serving: RwLock<Vec<Arc<LinfaPredictor>>>,
}

impl MarketModels {
    /// Serves these models; a later one for a market already given replaces the earlier.
    /// `None` when `models` is empty.
    #[must_use]
    pub fn new(models: Vec<LinfaPredictor>) -> Option<Self> {
        let mut by_market: Vec<Arc<LinfaPredictor>> = Vec::with_capacity(models.len());
        for m in models {
            by_market.retain(|k| k.info.market != m.info.market);
            by_market.push(Arc::new(m));
        }
        by_market.sort_by_key(|m| m.info.market);
        (!by_market.is_empty()).then(|| Self {
            serving: RwLock::new(by_market.clone()),
            started_with: by_market,
        })
    }

    /// Every bundled model; `ru` replaced by the file `ru_model` when given.
    ///
    /// # Errors
    /// [`ArtifactError`] naming the model that does not load.
    pub fn bundled_with(ru_model: Option<&Path>) -> Result<Self, ArtifactError> {
        let ru = match ru_model {
            Some(path) => LinfaPredictor::load(path, Market::Ru)?,
            None => LinfaPredictor::bundled(Market::Ru)?,
        };
        let uk = LinfaPredictor::bundled(Market::Uk)?;
        Self::new(vec![ru, uk]).ok_or_else(|| ArtifactError::Invalid("no model".into()))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<LinfaPredictor>>> {
        self.serving.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The model serving `market` now.
    fn current(&self, market: Market) -> Option<Arc<LinfaPredictor>> {
        self.read()
            .iter()
            .find(|m| m.info.market == market)
            .cloned()
    }

    /// Serves `model` for its market from now on.
    fn put(&self, model: Arc<LinfaPredictor>) -> ModelInfo {
        let info = model.info.clone();
        let mut serving = self.serving.write().unwrap_or_else(PoisonError::into_inner);
        serving.retain(|m| m.info.market != info.market);
        serving.push(model);
        serving.sort_by_key(|m| m.info.market);
        info
    }

    /// Decodes a model file and finds its market from its currency.
    fn decode(bytes: &[u8]) -> Result<LinfaPredictor, ModelFileError> {
        let model = Model::from_bytes(bytes).map_err(|e| ModelFileError::Invalid(e.to_string()))?;
        let currency = model.metadata().currency.clone();
        let market = market_of_currency(&currency).ok_or(ModelFileError::NoMarket(currency))?;
        Ok(LinfaPredictor::new(model, market))
    }
}

/// The market whose currency `code` is: `RUR` or `RUB` for [`Market::Ru`] (hh.ru writes
/// `RUR`), `GBP` for [`Market::Uk`].
#[must_use]
pub fn market_of_currency(code: &str) -> Option<Market> {
    match code.trim().to_ascii_uppercase().as_str() {
        "RUR" | "RUB" => Some(Market::Ru),
        "GBP" => Some(Market::Uk),
        _ => None,
    }
}

fn score(model: &Model, rows: &[HeldBackRow]) -> HeldBackScore {
    let s = model.score_held_back(rows);
    HeldBackScore {
        rows: u32::try_from(s.rows).unwrap_or(u32::MAX),
        mae_from: s.mae_from,
        mae_to: s.mae_to,
    }
}

impl SalaryPredictor for MarketModels {
    fn predict(&self, vacancy: &Vacancy) -> Result<SalaryEstimate, PredictError> {
        let market = vacancy.market();
        self.current(market)
            .ok_or_else(|| {
                PredictError::Unpredictable(format!("no model serves the market {market}"))
            })?
            .predict_with_this(vacancy)
    }

    fn info(&self) -> ModelInfo {
        // `new` keeps at least one and a swap replaces one; `Market::Ru` sorts first.
        self.read()[0].info.clone()
    }

    fn models(&self) -> Vec<ModelInfo> {
        self.read().iter().map(|m| m.info.clone()).collect()
    }
}

impl ModelRegistry for MarketModels {
    fn check(&self, bytes: &[u8]) -> Result<ModelCheck, ModelFileError> {
        let candidate = Self::decode(bytes)?;
        let market = candidate.info.market;
        let rows = candidate.model.held_back();
        let active = self
            .current(market)
            .ok_or_else(|| ModelFileError::NoMarket(candidate.info.currency.clone()))?;
        Ok(ModelCheck {
            sha256: hex::encode(Sha256::digest(bytes)),
            size_bytes: bytes.len() as u64,
            candidate: score(&candidate.model, rows),
            active_version: active.info.version.clone(),
            active: score(&active.model, rows),
            info: candidate.info,
        })
    }

    fn serve(&self, bytes: &[u8]) -> Result<ModelInfo, ModelFileError> {
        let model = Self::decode(bytes)?;
        Ok(self.put(Arc::new(model)))
    }

    fn serve_bundled(&self, market: Market) -> Option<ModelInfo> {
        let model = self
            .started_with
            .iter()
            .find(|m| m.info.market == market)?
            .clone();
        Some(self.put(model))
    }

    fn bundled(&self) -> Vec<ModelInfo> {
        self.started_with.iter().map(|m| m.info.clone()).collect()
    }

    fn serving(&self) -> Vec<ModelInfo> {
        self.models()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_model_predicts_an_ordered_explained_range_in_roubles() {
        let p = LinfaPredictor::bundled(Market::Ru).unwrap();
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

    #[test]
    fn bundled_models_price_each_market_in_its_currency() {
        let models = MarketModels::bundled_with(None).unwrap();
        let listed = models.models();
        assert_eq!(
            listed.iter().map(|m| m.market).collect::<Vec<_>>(),
            Market::ALL
        );
        assert_eq!(models.info().market, Market::Ru);
        let uk = Vacancy::new("Staff Nurse", "Full time post in a Leeds hospital.", None).unwrap();
        assert_eq!(uk.market(), Market::Uk);
        let est = models.predict(&uk).unwrap();
        assert_eq!(est.currency, "GBP");
        assert_eq!(est.model_version, listed[1].version);
        assert!(est.salary_from > 5_000.0 && est.salary_from <= est.salary_to);
        let ru = models.predict(&uk.with_market(Some(Market::Ru))).unwrap();
        assert_eq!(ru.currency, "RUR");
        assert_eq!(ru.model_version, listed[0].version);
    }

    #[test]
    fn a_model_file_is_checked_then_swapped_in_and_back_out() {
        let models = MarketModels::bundled_with(None).unwrap();
        let bundled = models.bundled();
        let uk = Vacancy::new("Staff Nurse", "Full time post in a Leeds hospital.", None).unwrap();
        let before = models.predict(&uk).unwrap();

        assert!(matches!(
            models.check(b"nope"),
            Err(ModelFileError::Invalid(_))
        ));
        // The bundled Adzuna file: format 5, so no held-back sample to score on.
        let bytes = include_bytes!("../../../ml/model/payrange-adzuna.model");
        let check = models.check(bytes).unwrap();
        assert_eq!(check.info.market, Market::Uk);
        assert_eq!(check.info.version, bundled[1].version);
        assert_eq!(check.candidate.rows, 0);
        assert_eq!(check.active_version, bundled[1].version);
        assert_eq!(check.sha256.len(), 64);
        assert_eq!(check.size_bytes, bytes.len() as u64);

        // Swapped in (a decoded copy of the same file), then the started-with one again:
        // predictions go on with equal results.
        let served = models.serve(bytes).unwrap();
        assert_eq!(served.market, Market::Uk);
        assert_eq!(models.predict(&uk).unwrap(), before);
        assert_eq!(models.serve_bundled(Market::Uk).unwrap(), bundled[1]);
        assert_eq!(models.serving(), bundled);
        assert_eq!(market_of_currency(" rub "), Some(Market::Ru));
        assert_eq!(market_of_currency("USD"), None);
    }
}
