//! `/admin`: what administrators may do. Every operation answers 403 to a signed-in user who
//! is not an administrator (the role check lives in the domain's `AdminService`) and 401
//! without valid credentials. Administrators are created with `payrange admin create-user`.

use payrange_domain::models::{EmailSearch, PredictionFilter, UserFilter, UserId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ApiTags;
use super::auth::{Credentials, authenticate};
use super::dto::{PredictionDto, PredictionPage, StatusDto, UserDto, UserPage, UserUpdate};
use super::error::ApiError;
use super::outcomes::{AccuracyDto, VersionAccuracyDto};
use super::predictions::page_request;
use crate::App;

/// Administration endpoints.
pub struct AdminApi;

/// A page of users.
#[derive(ApiResponse)]
enum Users {
    /// Newest first.
    #[oai(status = 200)]
    Ok(Json<UserPage>),
}

/// A user after a change.
#[derive(ApiResponse)]
enum Updated {
    /// The user as stored now.
    #[oai(status = 200)]
    Ok(Json<UserDto>),
}

/// A page of prediction logs.
#[derive(ApiResponse)]
enum Logs {
    /// Newest first.
    #[oai(status = 200)]
    Ok(Json<PredictionPage>),
}

/// The accuracy table.
#[derive(ApiResponse)]
enum Accuracy {
    /// Per model version with at least one outcome.
    #[oai(status = 200)]
    Ok(Json<AccuracyDto>),
}

#[OpenApi(tag = "ApiTags::Admin", prefix_path = "/admin")]
impl AdminApi {
    /// Every user, or with `email` those whose address contains that text (any case; `%` and
    /// `_` match only themselves), newest first, by keyset pagination. Administrators only
    /// (403 `forbidden` otherwise); 422 `validation_failed` naming `email` when it is empty,
    /// longer than 254 characters or holds a control character, or naming `limit` or
    /// `cursor`.
    #[oai(path = "/users", method = "get", operation_id = "adminListUsers")]
    async fn users(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Only users whose e-mail address contains this text, compared case-insensitively
        /// (1 to 254 characters, not all blank, no control characters).
        #[oai(validator(
            min_length = 1,
            max_length = 254,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        ))]
        email: Query<Option<String>>,
        /// Items per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// `next_cursor` of the previous page (32 lower-case hex digits).
        #[oai(validator(pattern = "^[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<Users, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let search = email
            .0
            .as_deref()
            .map(EmailSearch::parse)
            .transpose()
            .map_err(|e| ApiError::invalid("email", e.to_string()))?;
        let page = page_request(limit.0, cursor.0.as_deref())?;
        let page = app.admin.users(&me, &UserFilter::new(search), page).await?;
        Ok(Users::Ok(Json(UserPage {
            items: page.items.iter().map(UserDto::from).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })))
    }

    /// Disable or enable a user. Disabling revokes every token of the user at once and keeps
    /// them from signing in; enabling lets them sign in again (old tokens stay revoked).
    /// Administrators only (403 otherwise); 404 for an unknown user; 409 `cannot_disable_self`
    /// when administrators try to disable their own account.
    #[oai(
        path = "/users/:id",
        method = "patch",
        operation_id = "adminUpdateUser"
    )]
    async fn update_user(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// User id.
        id: Path<Uuid>,
        body: Json<UserUpdate>,
    ) -> Result<Updated, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let user = app
            .admin
            .set_disabled(&me, UserId::from_uuid(id.0), body.disabled)
            .await?;
        Ok(Updated::Ok(Json(UserDto::from(&user))))
    }

    /// Every user's predictions (the request log), newest first, by keyset pagination,
    /// optionally filtered by user, state, model version and acceptance time (`created_from`
    /// inclusive, `created_before` exclusive, RFC 3339; an empty range selects nothing).
    /// Administrators only (403 otherwise).
    #[oai(
        path = "/predictions",
        method = "get",
        operation_id = "adminListPredictions"
    )]
    #[allow(clippy::too_many_arguments)] // one argument per query parameter
    async fn predictions(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
        /// Only this user's predictions.
        user_id: Query<Option<Uuid>>,
        /// Only predictions in this state.
        status: Query<Option<StatusDto>>,
        /// Only predictions accepted at or after this time.
        created_from: Query<Option<OffsetDateTime>>,
        /// Only predictions accepted before this time.
        created_before: Query<Option<OffsetDateTime>>,
        /// Items per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// `next_cursor` of the previous page (32 lower-case hex digits).
        #[oai(validator(pattern = "^[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
        /// Only predictions whose result this model version gave (1 to 100 letters, digits
        /// and `._:+-`).
        #[oai(validator(min_length = 1, max_length = 100, pattern = "^[0-9A-Za-z._:+-]+$"))]
        model_version: Query<Option<String>>,
    ) -> Result<Logs, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let filter = PredictionFilter::new(
            user_id.0.map(UserId::from_uuid),
            status.0.map(Into::into),
            created_from.0,
            created_before.0,
        )
        .with_model_version(model_version.0);
        let page = page_request(limit.0, cursor.0.as_deref())?;
        let page = app.admin.predictions(&me, &filter, page).await?;
        Ok(Logs::Ok(Json(PredictionPage {
            items: page.items.iter().map(PredictionDto::from).collect(),
            next_cursor: page.next.map(|c| c.encode()),
        })))
    }

    /// How each model version's estimates compare with the real salaries users recorded
    /// (`PUT /predictions/{id}/outcome`): per version, the number of outcomes, the mean
    /// absolute error of each bound, and the share of real midpoints inside the likely range.
    /// Administrators only (403 `forbidden` otherwise).
    #[oai(path = "/accuracy", method = "get", operation_id = "adminAccuracy")]
    async fn accuracy(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Credentials,
    ) -> Result<Accuracy, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let table = app.outcomes.accuracy(&me).await?;
        Ok(Accuracy::Ok(Json(AccuracyDto {
            items: table.iter().map(VersionAccuracyDto::from).collect(),
        })))
    }
}
