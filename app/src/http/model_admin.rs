//! `/admin/models`: models as a managed resource. An administrator uploads a model file
//! trained by `payrange train`, which is checked before it may serve (format, checksum, and
//! its held-back MAE against the active model's, see the domain's `ModelService`); activates
//! a version for its market; rolls a market back. Every `serve` and `worker` serves the new
//! version within `model_sync_ms` (1 s by default). The same actions from the command line:
//! `payrange admin model upload|activate|rollback|list`.

use payrange_domain::models::{HeldBackScore, Market, ModelActivation, StoredModel};
use payrange_domain::services::{Actor, UploadOptions};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::ApiTags;
use super::auth::{Credentials, authenticate};
use super::dto::ModelDto;
use super::error::ApiError;
use super::markets::MarketDto;
use crate::App;

/// Model management endpoints.
pub struct ModelAdminApi;

/// How a model did on a held-back sample.
#[derive(Debug, Object)]
pub struct HeldBackDto {
    /// Rows in the sample (0: the file holds none).
    pub rows: u32,
    /// Mean absolute error of the lower bound, in the model's currency; null when no row
    /// states one.
    #[oai(nullable)]
    pub mae_from: Option<f64>,
    /// Mean absolute error of the upper bound; null when no row states one.
    #[oai(nullable)]
    pub mae_to: Option<f64>,
}

impl From<&HeldBackScore> for HeldBackDto {
    fn from(s: &HeldBackScore) -> Self {
        Self {
            rows: s.rows,
            mae_from: s.mae_from.map(f64::round),
            mae_to: s.mae_to.map(f64::round),
        }
    }
}

/// A model file in the store.
#[derive(Debug, Object)]
pub struct StoredModelDto {
    /// The model, as `GET /models` describes one.
    pub model: ModelDto,
    /// Hex SHA-256 of the file, as `sha256sum` prints it.
    pub sha256: String,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// When it was uploaded.
    pub uploaded_at: OffsetDateTime,
    /// The uploaded model on the held-back sample its file carries (rows `payrange train`
    /// kept out of its training).
    pub held_back: HeldBackDto,
    /// The version serving its market when it was uploaded.
    pub compared_with: String,
    /// That model on the same rows. It may have been trained on some of them (the bundled
    /// models were), which favours it.
    pub compared_held_back: HeldBackDto,
    /// Whether it was accepted with `force` although the check refused it.
    pub forced: bool,
}

impl From<&StoredModel> for StoredModelDto {
    fn from(m: &StoredModel) -> Self {
        Self {
            model: ModelDto::from(&m.check.info),
            sha256: m.check.sha256.clone(),
            size_bytes: m.check.size_bytes,
            uploaded_at: m.uploaded_at,
            held_back: HeldBackDto::from(&m.check.candidate),
            compared_with: m.check.active_version.clone(),
            compared_held_back: HeldBackDto::from(&m.check.active),
            forced: m.forced,
        }
    }
}

/// One activation of a version for a market.
#[derive(Debug, Object)]
pub struct ActivationDto {
    // No `///`: see `UserDto::role`.
    #[allow(missing_docs)]
    pub market: MarketDto,
    /// The version activated.
    pub version: String,
    /// When.
    pub activated_at: OffsetDateTime,
    /// When it was rolled back; null while it stands.
    #[oai(nullable)]
    pub rolled_back_at: Option<OffsetDateTime>,
}

impl From<&ModelActivation> for ActivationDto {
    fn from(a: &ModelActivation) -> Self {
        Self {
            market: a.market.into(),
            version: a.version.clone(),
            activated_at: a.activated_at,
            rolled_back_at: a.rolled_back_at,
        }
    }
}

/// Every model the deployment knows.
#[derive(Debug, Object)]
pub struct ModelCatalogDto {
    /// The models serving now in the process that answered, one per market.
    pub serving: Vec<ModelDto>,
    /// The models built into the binary (a market with no standing activation serves its
    /// own).
    pub bundled: Vec<ModelDto>,
    /// The uploaded models, the latest first.
    pub stored: Vec<StoredModelDto>,
    /// The latest activations of each market (up to 20 each), rolled back ones included,
    /// the latest first.
    pub activations: Vec<ActivationDto>,
}

/// A market after a change of its model.
#[derive(Debug, Object)]
pub struct SwitchDto {
    /// The activation recorded (activate) or rolled back (rollback).
    pub activation: ActivationDto,
    /// The model of the market serving now in the process that answered; every other
    /// process serves it within `model_sync_ms`.
    pub serving: ModelDto,
}

/// The catalogue.
#[derive(ApiResponse)]
enum Catalog {
    /// Serving, bundled and stored models, and the activations.
    #[oai(status = 200)]
    Ok(Json<ModelCatalogDto>),
}

/// An uploaded model.
#[derive(ApiResponse)]
enum Uploaded {
    /// Checked and stored; it serves once activated.
    #[oai(status = 201)]
    Created(Json<StoredModelDto>),
}

/// A market's model switched.
#[derive(ApiResponse)]
enum Switched {
    /// The switch, and what serves now.
    #[oai(status = 200)]
    Ok(Json<SwitchDto>),
}

fn switched(app: &App, activation: &ModelActivation) -> Result<Switched, ApiError> {
    let serving = app
        .models
        .serving()
        .into_iter()
        .find(|m| m.market == activation.market)
        .ok_or_else(|| {
            let cause: Box<dyn std::error::Error> = "no model serves the market".into();
            ApiError::internal(&*cause)
        })?;
    Ok(Switched::Ok(Json(SwitchDto {
        activation: ActivationDto::from(activation),
        serving: ModelDto::from(&serving),
    })))
}

#[OpenApi(tag = "ApiTags::Admin", prefix_path = "/admin")]
impl ModelAdminApi {
    /// Every model the deployment knows: those serving now, the bundled ones, the uploaded
    /// ones with their checks, and each market's latest activations. Administrators only
    /// (403 `forbidden` otherwise).
    #[oai(path = "/models", method = "get", operation_id = "adminListModels")]
    async fn list(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
    ) -> Result<Catalog, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let c = app.models.catalog(Actor::User(&me)).await?;
        Ok(Catalog::Ok(Json(ModelCatalogDto {
            serving: c.serving.iter().map(ModelDto::from).collect(),
            bundled: c.bundled.iter().map(ModelDto::from).collect(),
            stored: c.stored.iter().map(StoredModelDto::from).collect(),
            activations: c.activations.iter().map(ActivationDto::from).collect(),
        })))
    }

    /// Upload a model file written by `payrange train` (`application/octet-stream`, up to
    /// `max_model_bytes`, 64 MiB by default). It is checked before it is stored: the format
    /// and the file's own checksum, `sha256` when given, a currency that names its market
    /// (`RUR`/`RUB`: `ru`, `GBP`: `uk`), and its mean absolute error on the held-back sample
    /// the file carries against the active model's on the same rows: refused when worse by
    /// more than 2 % on either bound, or when the file has no such sample, unless `force`.
    /// It does not serve until activated (`POST /admin/models/{version}/activate`).
    ///
    /// 201 with the stored model and its check; 403 `forbidden` for a user who is not an
    /// administrator; 409 `model_refused` (worse, or not judged) or `model_exists` (this
    /// version is stored); 413 `payload_too_large`; 422 `model_invalid` naming what is
    /// wrong with the file.
    #[oai(path = "/models", method = "post", operation_id = "adminUploadModel")]
    async fn upload(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Store it even if it is worse than the active model or cannot be judged.
        force: Query<Option<bool>>,
        /// The file's SHA-256 (64 hex digits) as the uploader computed it: refused with 422
        /// `model_invalid` when the file that arrived differs.
        #[oai(validator(pattern = "^[0-9a-fA-F]{64}$"))]
        sha256: Query<Option<String>>,
        /// The model file.
        body: Binary<Vec<u8>>,
    ) -> Result<Uploaded, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let options = UploadOptions {
            force: force.0.unwrap_or(false),
            sha256: sha256.0,
        };
        let stored = app
            .models
            .upload(Actor::User(&me), &body.0, &options)
            .await?;
        tracing::info!(
            model_version = %stored.version(),
            market = %stored.market(),
            forced = stored.forced,
            "model uploaded"
        );
        Ok(Uploaded::Created(Json(StoredModelDto::from(&stored))))
    }

    /// Make a version (an uploaded model's, or a bundled one's) the model of its market, in
    /// every `serve` and `worker` within `model_sync_ms` (1 s by default) and in the process
    /// that answers at once. Predictions in flight finish with the model they started with;
    /// none fails for the switch. Administrators only (403 `forbidden`); 404 `not_found` for
    /// a version no model has; 409 `model_unservable` when the process that answers cannot
    /// serve it (a file of a newer format during a rolling upgrade), recording nothing.
    #[oai(
        path = "/models/:version/activate",
        method = "post",
        operation_id = "adminActivateModel"
    )]
    async fn activate(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// The model version (16 hex digits, as `GET /models` shows it).
        #[oai(validator(min_length = 1, max_length = 64, pattern = "^[0-9A-Za-z._-]+$"))]
        version: Path<String>,
    ) -> Result<Switched, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let activation = app.models.activate(Actor::User(&me), &version.0).await?;
        tracing::info!(model_version = %activation.version, market = %activation.market, "model activated");
        switched(&app, &activation)
    }

    /// Roll a market back to the version active before its current one: repeated, further
    /// back; past its first activation, its bundled model. Takes effect like an activation.
    /// Administrators only (403 `forbidden`); 409 `nothing_to_roll_back` when the market
    /// serves its bundled model already; 404 `not_found` for a market that is not `ru` or `uk`.
    #[oai(
        path = "/markets/:market/rollback",
        method = "post",
        operation_id = "adminRollbackModel"
    )]
    async fn rollback(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// `ru` or `uk`.
        market: Path<MarketDto>,
    ) -> Result<Switched, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let market: Market = market.0.into();
        let rolled_back = app.models.rollback(Actor::User(&me), market).await?;
        tracing::info!(model_version = %rolled_back.version, market = %market, "model rolled back");
        switched(&app, &rolled_back)
    }
}
