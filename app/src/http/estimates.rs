//! `/estimates`: the model tried without an account. One vacancy is estimated at once and the
//! answer carries the result; nothing is stored (no prediction row, no history, no request
//! log entry), and each client address may try `PAYRANGE_TRY_QUOTA` times per window. The
//! built-in example's estimate is public and costs no try.

use payrange_domain::models::{SalaryEstimate, Vacancy, VacancyError};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::accounts::client_address;
use super::dto::{VacancyDto, iso_currency};
use super::error::ApiError;
use super::markets::{MarketDto, vacancy_of};
use super::result_dto::{ConfidenceDto, ExplanationDto};
use crate::App;

/// The example the landing page shows: a real hh.ru vacancy (id 46205242, Moscow, 2021) from
/// the bundled model's data set, as published.
const EXAMPLE_NAME: &str = "Программист Python (Middle)";
const EXAMPLE_AREA: &str = "Москва";
const EXAMPLE_DESCRIPTION: &str = "Обязанности: Реализация новых компонентов распределенной \
аналитической платформы ОТ.Платформы (https://ot-platform.ru/) для работы с BigData Реализация \
новых интеграционных компонентов: коннекторов к ПО, БД, REST API, и устройствам Доведение кода \
концепт-проектов до промышленного состояния Требования: Python 3 и его стандартное окружение \
(std lib, venv, testing) Опыт применения веб-фреймворка (любого из: Django, Flask, Tornado, \
aiohttp) Опыт асинхронного и параллельного программирования (asyncio, multiprocessing) Опыт \
работы с очередями (сообщений, событий) Опыт промышленной разработки от 1 года Будет плюсом: \
Опыт работы с Django rest framework Опыт работы с большими данными Условия: ДМС. \
Корпоративная мобильная связь. Офис м.Серпуховская. Удалённая работа.";

/// The example vacancy [`EstimatesApi`] shows at `GET /estimates/example`.
///
/// # Errors
/// Never with the text above (a unit test checks); the type says a vacancy can be refused.
pub fn example_vacancy() -> Result<Vacancy, VacancyError> {
    Vacancy::new(EXAMPLE_NAME, EXAMPLE_DESCRIPTION, Some(EXAMPLE_AREA))
}

/// Estimates without an account.
pub struct EstimatesApi;

/// A vacancy and the model's estimate of it, computed for this answer and stored nowhere.
/// The same fields, with the same meaning, as a finished prediction.
#[derive(Debug, Object)]
pub struct EstimateDto {
    /// Vacancy title.
    pub name: String,
    /// Vacancy description.
    pub description: String,
    /// Vacancy area.
    #[oai(nullable)]
    pub area: Option<String>,
    // No `///`: poem-openapi would wrap the enum's `$ref` (see `UserDto::role`).
    #[allow(missing_docs)]
    pub market: MarketDto,
    /// Predicted lower bound, in whole currency units.
    pub salary_from: f64,
    /// Predicted upper bound; never below `salary_from`.
    pub salary_to: f64,
    /// Currency of the bounds, ISO 4217, the market's model's: `RUB` per month for `ru`,
    /// `GBP` per year for `uk`.
    pub currency: String,
    /// Lower end of the likely range (null for a model without calibration): an interval
    /// for the vacancy's true midpoint salary that holds it for a share `level` of
    /// vacancies like the training data.
    #[oai(nullable)]
    pub likely_from: Option<f64>,
    /// Upper end of the likely range; never below `likely_from`.
    #[oai(nullable)]
    pub likely_to: Option<f64>,
    /// Coverage level of the likely range, as a fraction (0.8).
    #[oai(nullable)]
    pub level: Option<f64>,
    /// `high`, `medium` or `low`, read from the likely range's width (as for a prediction);
    /// null without a likely range.
    #[oai(nullable)]
    pub confidence: Option<ConfidenceDto>,
    /// Version of the model that estimated it.
    pub model_version: String,
    /// Why the model estimated this range.
    pub explanation: ExplanationDto,
}

impl EstimateDto {
    fn new(v: &Vacancy, e: &SalaryEstimate) -> Self {
        let likely = e.likely.as_ref();
        Self {
            name: v.name().to_owned(),
            description: v.description().to_owned(),
            area: v.area().map(str::to_owned),
            market: v.market().into(),
            // Whole currency units, as for a prediction.
            salary_from: e.salary_from.round(),
            salary_to: e.salary_to.round(),
            currency: iso_currency(&e.currency),
            likely_from: likely.map(|l| l.from.round()),
            likely_to: likely.map(|l| l.to.round()),
            level: likely.map(|l| l.level),
            confidence: likely.map(|l| ConfidenceDto(l.confidence)),
            model_version: e.model_version.clone(),
            explanation: ExplanationDto::from(&e.explanation),
        }
    }
}

/// An estimate.
#[derive(ApiResponse)]
enum Estimated {
    /// The vacancy and its estimate.
    #[oai(status = 200)]
    Ok(Json<EstimateDto>),
}

#[OpenApi(tag = "ApiTags::Predictions")]
impl EstimatesApi {
    /// Try one estimate without an account.
    ///
    /// Returns 200 with the estimate (range, likely range, confidence, explanation, model
    /// version) in the answer. Nothing is stored: no prediction, no history, no request log
    /// entry; sign up to keep estimates. The vacancy is checked as for `POST /predictions`:
    /// 422 `validation_failed` naming the field. 422 `unpredictable` when the model gives no
    /// sensible range for it. At most 5 tries per client address in an hour (configurable),
    /// counted after validation; past that, 429 `too_many_requests` with `Retry-After`.
    #[oai(path = "/estimates", method = "post", operation_id = "tryEstimate")]
    async fn try_estimate(
        &self,
        app: Data<&App>,
        req: &Request,
        body: Json<VacancyDto>,
    ) -> Result<Estimated, ApiError> {
        let vacancy = vacancy_of(&body)?;
        if let Some(wait) = app.limits.try_address.take(&client_address(req)).await? {
            return Err(ApiError::too_many(
                "estimates tried from this address",
                wait,
            ));
        }
        let estimate = app.estimates.estimate(&vacancy)?;
        Ok(Estimated::Ok(Json(EstimateDto::new(&vacancy, &estimate))))
    }

    /// The example estimate: a real vacancy and the served model's estimate of it.
    ///
    /// Returns 200 with the vacancy and its estimate, computed by the model once and kept
    /// while the service runs. Public, and costs no try.
    #[oai(
        path = "/estimates/example",
        method = "get",
        operation_id = "getExampleEstimate"
    )]
    async fn example(&self, app: Data<&App>) -> Result<Estimated, ApiError> {
        // The example is built in: a model that cannot estimate it is the server's fault.
        let (vacancy, estimate) = app
            .estimates
            .example()
            .map_err(|e| ApiError::internal(&e))?;
        Ok(Estimated::Ok(Json(EstimateDto::new(&vacancy, &estimate))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_a_valid_vacancy_with_a_full_description() {
        let v = example_vacancy().unwrap();
        assert_eq!(v.area(), Some(EXAMPLE_AREA));
        // Long enough that the page shows no hint to add duties (app.js SHORT_DESCRIPTION).
        assert!(v.description().chars().count() > 300);
    }
}
