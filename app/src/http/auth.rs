//! Credentials: a bearer token or the session cookie, both holding the same PASETO token.

use payrange_domain::services::Authenticated;
use poem::Request;
use poem::http::Method;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

use super::error::ApiError;
use crate::App;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "payrange_session";

/// `Authorization: Bearer <token>` with the token from `POST /sessions`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "PASETO v4.local")]
pub struct BearerToken(Bearer);

/// The `payrange_session` cookie set by `POST /sessions` (HttpOnly, SameSite=Strict).
#[derive(SecurityScheme)]
#[oai(ty = "api_key", key_name = "payrange_session", key_in = "cookie")]
pub struct SessionCookie(ApiKey);

/// Either credential; the bearer token wins when both are sent.
#[derive(SecurityScheme)]
pub enum Credentials {
    /// Bearer token.
    Bearer(BearerToken),
    /// Session cookie.
    Cookie(SessionCookie),
}

impl Credentials {
    fn token(&self) -> &str {
        match self {
            Self::Bearer(b) => &b.0.token,
            Self::Cookie(c) => &c.0.key,
        }
    }
}

/// Whether an unsafe request authenticated by cookie comes from another site: browsers send
/// `Sec-Fetch-Site` and `Origin`, so a cross-site form or script is recognisable. Bearer
/// clients are not affected (a browser never attaches a bearer token by itself).
fn cross_site(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            origin_host != host
        }
        _ => false,
    }
}

/// Resolves credentials to a signed-in user.
///
/// # Errors
/// 401 for any token that must not be honoured, 403 for a cross-site cookie request, 503 when
/// the database is down.
pub async fn authenticate(
    app: &App,
    req: &Request,
    credentials: &Credentials,
) -> Result<Authenticated, ApiError> {
    if matches!(credentials, Credentials::Cookie(_)) && cross_site(req) {
        return Err(ApiError::forbidden(
            "cross-site requests may not use the session cookie",
        ));
    }
    Ok(app.accounts.authenticate(credentials.token()).await?)
}
