//! `/model`, `/models` and `/health/*`.

use payrange_domain::models::Market;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::dto::{HealthDto, ModelDto};
use super::error::ApiError;
use crate::App;

/// Model and health endpoints.
pub struct SystemApi;

/// The model.
#[derive(ApiResponse)]
enum ModelResponse {
    /// The loaded model.
    #[oai(status = 200)]
    Ok(Json<ModelDto>),
}

/// The models.
#[derive(ApiResponse)]
enum ModelsResponse {
    /// Every model serving now, one per market.
    #[oai(status = 200)]
    Ok(Json<Vec<ModelDto>>),
}

/// Health.
#[derive(ApiResponse)]
enum Health {
    /// Healthy.
    #[oai(status = 200)]
    Ok(Json<HealthDto>),
    /// A dependency is unreachable.
    #[oai(status = 503)]
    Unavailable(Json<HealthDto>),
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// The `ru` market's model: version, training data and cross-validated quality.
    ///
    /// Kept for compatibility with clients from before markets: `GET /models` lists every
    /// model serving now.
    #[oai(path = "/model", method = "get", operation_id = "getModel")]
    async fn model(&self, app: Data<&App>) -> Result<ModelResponse, ApiError> {
        let serving = app.models.serving();
        // `ru` sorts first; a process serves at least one model.
        let ru = serving
            .iter()
            .find(|m| m.market == Market::Ru)
            .or_else(|| serving.first())
            .ok_or_else(|| {
                let cause: Box<dyn std::error::Error> = "no model serves".into();
                ApiError::internal(&*cause)
            })?;
        Ok(ModelResponse::Ok(Json(ModelDto::from(ru))))
    }

    /// Every model serving now, one per market (`ru`, then `uk`): market, version,
    /// currency, training time and data, cross-validated quality. An administrator can swap
    /// them (`/admin/models`); every process serves the new one within a second or so.
    ///
    /// A vacancy is priced by its market's model and in its currency; see `market` of
    /// `POST /predictions`.
    #[oai(path = "/models", method = "get", operation_id = "listModels")]
    async fn models(&self, app: Data<&App>) -> ModelsResponse {
        let serving = app.models.serving();
        ModelsResponse::Ok(Json(serving.iter().map(ModelDto::from).collect()))
    }

    /// Liveness: 200 while the process serves HTTP, whatever its dependencies do.
    #[oai(path = "/health/live", method = "get", operation_id = "live")]
    async fn live(&self) -> Health {
        Health::Ok(Json(HealthDto {
            status: "ok".into(),
            database: true,
            queue: true,
        }))
    }

    /// Readiness: 200 when the database and the job queue are usable, else 503.
    #[oai(path = "/health/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, app: Data<&App>) -> Health {
        let database = app.store.ping().await.is_ok();
        let queue = app.queue.check().await.is_ok();
        let dto = |status: &str| HealthDto {
            status: status.into(),
            database,
            queue,
        };
        if database && queue {
            Health::Ok(Json(dto("ok")))
        } else {
            Health::Unavailable(Json(dto("unavailable")))
        }
    }
}
