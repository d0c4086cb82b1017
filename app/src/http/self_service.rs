//! Account self-service: sign out of every session, download my data, delete my account.

use payrange_domain::models::Password;
use payrange_domain::services::DeleteAccountError;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};
use time::OffsetDateTime;

use super::accounts::{client_address, cookie};
use super::auth::{Credentials as Auth, authenticate};
use super::dto::{PredictionDto, UserDto};
use super::error::ApiError;
use super::export_csv;
use super::fields;
use super::text::Text;
use super::{ApiTags, CookiePolicy};
use crate::App;

/// Account self-service endpoints.
pub struct SelfServiceApi;

/// The password that confirms deleting the account.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AccountDeletion {
    /// The account's current password.
    #[oai(validator(max_length = 512), deserialize_with = "fields::password")]
    pub password: Text,
}

/// Everything stored about the signed-in user.
#[derive(Debug, Object)]
pub struct AccountExport {
    /// When this export was made.
    pub exported_at: OffsetDateTime,
    /// The account.
    pub account: UserDto,
    /// Every prediction of the account, newest first, with its inputs and results.
    pub predictions: Vec<PredictionDto>,
}

/// The format of a data download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `application/json`: [`AccountExport`].
    Json,
    /// `text/csv`: one `account` row, then one `prediction` row per prediction.
    Csv,
}

/// The export in the format asked for.
#[derive(ResponseContent)]
enum ExportBody {
    Json(Json<AccountExport>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

/// A data download.
#[derive(ApiResponse)]
enum Exported {
    /// The account and every prediction; sent as an attachment named
    /// `payrange-data.json` or `payrange-data.csv`.
    #[oai(status = 200)]
    Ok(ExportBody, #[oai(header = "Content-Disposition")] String),
}

/// The account is gone.
#[derive(ApiResponse)]
pub(super) enum Deleted {
    /// Deleted, with every session and prediction; the cookie is cleared.
    #[oai(status = 204)]
    NoContent(#[oai(header = "Set-Cookie")] String),
}

/// Every session is revoked.
#[derive(ApiResponse)]
pub(super) enum SignedOutEverywhere {
    /// Every session of the user is revoked, this one included; the cookie is cleared.
    #[oai(status = 204)]
    NoContent(#[oai(header = "Set-Cookie")] String),
}

/// The format asked for: `format` when given, else CSV when `Accept` prefers `text/csv` to
/// JSON, else JSON.
fn wanted_format(format: Option<ExportFormat>, req: &Request) -> ExportFormat {
    if let Some(format) = format {
        return format;
    }
    let accept = req
        .headers()
        .get(poem::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let position = |media: &str| accept.find(media);
    match (position("text/csv"), position("application/json")) {
        (Some(csv), Some(json)) if csv < json => ExportFormat::Csv,
        (Some(_), None) => ExportFormat::Csv,
        _ => ExportFormat::Json,
    }
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl SelfServiceApi {
    /// Download my data: the account and every prediction with its inputs and results, not
    /// paginated.
    ///
    /// JSON (`AccountExport`) by default; CSV with `format=csv`, or without `format` when
    /// `Accept` names `text/csv` before `application/json`. The CSV has a header line, one
    /// `account` row and one `prediction` row per prediction (columns in the header); a text
    /// cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with
    /// `'`, so that a spreadsheet shows it as text instead of running it as a formula.
    /// Answers carry `Cache-Control: no-store`. 401 `unauthorized` without a valid token;
    /// 400 `bad_request` for an unknown `format`.
    #[oai(
        path = "/users/me/export",
        method = "get",
        operation_id = "exportMyData"
    )]
    async fn export(
        &self,
        app: Data<&App>,
        req: &Request,
        auth: Auth,
        /// `json` or `csv`; when absent, chosen by `Accept`.
        format: Query<Option<ExportFormat>>,
    ) -> Result<Exported, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let predictions = app.predictions.all_of(me.user.id).await?;
        let export = AccountExport {
            exported_at: OffsetDateTime::now_utc(),
            account: UserDto::from(&me.user),
            predictions: predictions.iter().map(PredictionDto::from).collect(),
        };
        Ok(match wanted_format(format.0, req) {
            ExportFormat::Json => Exported::Ok(
                ExportBody::Json(Json(export)),
                "attachment; filename=\"payrange-data.json\"".to_owned(),
            ),
            ExportFormat::Csv => Exported::Ok(
                ExportBody::Csv(PlainText(export_csv::to_csv(&export))),
                "attachment; filename=\"payrange-data.csv\"".to_owned(),
            ),
        })
    }
}

/// `DELETE /sessions`, declared in `AccountsApi` (poem-openapi keeps one API's operations
/// per path, so every operation of `/sessions` and `/users/me` is declared there).
pub(super) async fn sign_out_everywhere(
    app: Data<&App>,
    policy: Data<&CookiePolicy>,
    req: &Request,
    auth: Auth,
) -> Result<SignedOutEverywhere, ApiError> {
    let me = authenticate(&app, req, &auth).await?;
    app.accounts.sign_out_everywhere(me.user.id).await?;
    Ok(SignedOutEverywhere::NoContent(cookie(&policy, "", 0)))
}

/// `DELETE /users/me`, declared in `AccountsApi` (see [`sign_out_everywhere`]).
pub(super) async fn delete_account(
    app: Data<&App>,
    policy: Data<&CookiePolicy>,
    req: &Request,
    auth: Auth,
    body: Json<AccountDeletion>,
) -> Result<Deleted, ApiError> {
    let me = authenticate(&app, req, &auth).await?;
    let account = me.user.email.to_string();
    let address = client_address(req);
    if let Some(wait) = app.limits.signin_blocked(&account, &address).await? {
        return Err(ApiError::too_many("failed password attempts", wait));
    }
    let wrong = || async {
        match app.limits.signin_failed(&account, &address).await {
            Ok(()) => ApiError::invalid_credentials(),
            Err(e) => e.into(),
        }
    };
    let Ok(password) = Password::parse(&body.password) else {
        return Err(wrong().await);
    };
    match app.accounts.delete_account(&me.user, &password).await {
        Ok(()) => {}
        Err(DeleteAccountError::WrongPassword) => return Err(wrong().await),
        Err(e) => return Err(e.into()),
    }
    // The account is gone already; counters left behind expire with their windows, so
    // a failure here is logged rather than reported as a failed deletion.
    if let Err(e) = app.limits.forget_account(me.user.id, &me.user.email).await {
        tracing::warn!(error = %super::error::chain(&e), "rate-limit counters of a deleted account kept");
    }
    Ok(Deleted::NoContent(cookie(&policy, "", 0)))
}
