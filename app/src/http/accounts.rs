//! `/users` and `/sessions`: registration, sign-in, sign-out, the current user.

use payrange_domain::models::{Email, NewPassword, Password, Role};
use payrange_domain::services::{ChangePasswordError, SignInError};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::{Credentials as Auth, SESSION_COOKIE, authenticate};
use super::dto::{Credentials, PasswordChange, Registration, SessionDto, UserDto};
use super::error::ApiError;
use super::self_service::{AccountDeletion, Deleted, SignedOutEverywhere};
use super::{ApiTags, CookiePolicy};
use crate::App;
use crate::common_passwords;

/// Account endpoints.
pub struct AccountsApi;

/// Registration succeeded.
#[derive(ApiResponse)]
enum Registered {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserDto>),
}

/// Sign-in succeeded.
#[derive(ApiResponse)]
enum SignedIn {
    /// The session token, also set as the `payrange_session` cookie.
    #[oai(status = 200)]
    Ok(Json<SessionDto>, #[oai(header = "Set-Cookie")] String),
}

/// Sign-out succeeded.
#[derive(ApiResponse)]
enum SignedOut {
    /// The session is revoked and the cookie cleared.
    #[oai(status = 204)]
    NoContent(#[oai(header = "Set-Cookie")] String),
}

/// Password changed.
#[derive(ApiResponse)]
enum PasswordChanged {
    /// Changed; every session of the user is revoked (sign in again) and the cookie cleared.
    #[oai(status = 204)]
    NoContent(#[oai(header = "Set-Cookie")] String),
}

/// The current user.
#[derive(ApiResponse)]
enum Me {
    /// The signed-in user.
    #[oai(status = 200)]
    Ok(Json<UserDto>),
}

/// The client's IP address: the TCP peer (behind a proxy, the proxy's address).
pub(super) fn client_address(req: &Request) -> String {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// The session cookie set to `value` for `max_age` seconds (`""` and 0 clear it).
pub(super) fn cookie(policy: &CookiePolicy, value: &str, max_age: i64) -> String {
    let secure = if policy.secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}

#[OpenApi(tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Register an account.
    ///
    /// Password rules: 12 to 128 characters (any Unicode, no composition rules), not on the
    /// bundled list of common passwords. Answers 409 `email_taken` when the email is in use:
    /// registration necessarily reveals that, as any sign-up form does.
    ///
    /// At most 20 sign-up attempts per client address in an hour (configurable), counted
    /// before the password is hashed; past that, 429 with `Retry-After`.
    #[oai(path = "/users", method = "post", operation_id = "register")]
    async fn register(
        &self,
        app: Data<&App>,
        req: &Request,
        body: Json<Registration>,
    ) -> Result<Registered, ApiError> {
        let email =
            Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
        let password =
            NewPassword::parse_with_blocklist(&body.password, common_passwords::contains)
                .map_err(|e| ApiError::invalid("password", e.to_string()))?;
        // Counted and refused before hashing: a burst of sign-ups neither takes the hashing
        // threads nor probes which emails are taken (409) faster than the limit.
        if let Some(wait) = app.limits.signup_address.take(&client_address(req)).await? {
            return Err(ApiError::too_many("sign-ups from this address", wait));
        }
        let user = app.accounts.register(email, &password, Role::User).await?;
        Ok(Registered::Created(Json(UserDto::from(&user))))
    }

    /// Sign in.
    ///
    /// Returns a token valid for the configured lifetime (at most 12 hours) and sets it as an
    /// HttpOnly, SameSite=Strict cookie. An unknown email and a wrong password get the same
    /// 401 `invalid_credentials` answer. After 10 failures for one account from one address
    /// (or 100 from one address) within 15 minutes, or 100 for one account within an hour
    /// from addresses that have not signed in to it lately (all configurable), sign-in
    /// answers 429 with `Retry-After` until the window closes.
    #[oai(path = "/sessions", method = "post", operation_id = "signIn")]
    async fn sign_in(
        &self,
        app: Data<&App>,
        policy: Data<&CookiePolicy>,
        req: &Request,
        body: Json<Credentials>,
    ) -> Result<SignedIn, ApiError> {
        let limits = &app.limits;
        // Keyed by the normalised address, so that its look-alike forms (full-width, other
        // case) share one account's throttle as they share its account.
        let account = Email::parse(&body.email)
            .map_or_else(|_| body.email.trim().to_lowercase(), |e| e.to_string());
        let address = client_address(req);
        if let Some(wait) = limits.signin_blocked(&account, &address).await? {
            return Err(ApiError::too_many("failed sign-in attempts", wait));
        }
        let failed = || async {
            match limits.signin_failed(&account, &address).await {
                Ok(()) => ApiError::invalid_credentials(),
                Err(e) => e.into(),
            }
        };
        let Ok(password) = Password::parse(&body.password) else {
            return Err(failed().await);
        };
        match app.accounts.sign_in(&body.email, &password).await {
            Ok(s) => {
                limits.signin_succeeded(&account, &address).await?;
                let max_age = (s.expires_at - time::OffsetDateTime::now_utc()).whole_seconds();
                let set_cookie = cookie(&policy, &s.token, max_age.max(0));
                Ok(SignedIn::Ok(
                    Json(SessionDto {
                        token: s.token,
                        expires_at: s.expires_at,
                        user: UserDto::from(&s.user),
                    }),
                    set_cookie,
                ))
            }
            Err(SignInError::InvalidCredentials) => Err(failed().await),
            Err(e) => Err(e.into()),
        }
    }

    /// Sign out: revoke the current session. Its token is refused from now on.
    #[oai(
        path = "/sessions/current",
        method = "delete",
        operation_id = "signOut"
    )]
    async fn sign_out(
        &self,
        app: Data<&App>,
        policy: Data<&CookiePolicy>,
        req: &Request,
        auth: Auth,
    ) -> Result<SignedOut, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        app.accounts.sign_out(me.session_id).await?;
        Ok(SignedOut::NoContent(cookie(&policy, "", 0)))
    }

    /// The signed-in user.
    #[oai(path = "/users/me", method = "get", operation_id = "me")]
    async fn me(&self, app: Data<&App>, req: &Request, auth: Auth) -> Result<Me, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        Ok(Me::Ok(Json(UserDto::from(&me.user))))
    }

    /// Change the password.
    ///
    /// Needs the current password; the new one follows the registration rules (422 naming
    /// `new_password` otherwise). On success every session of the user is revoked, this one
    /// included, so all their tokens get 401 from now on. A wrong current password is 401
    /// `invalid_credentials` and counts as a failed sign-in for throttling.
    #[oai(
        path = "/users/me/password",
        method = "put",
        operation_id = "changePassword"
    )]
    async fn change_password(
        &self,
        app: Data<&App>,
        policy: Data<&CookiePolicy>,
        req: &Request,
        auth: Auth,
        body: Json<PasswordChange>,
    ) -> Result<PasswordChanged, ApiError> {
        let me = authenticate(&app, req, &auth).await?;
        let account = me.user.email.to_string();
        let address = client_address(req);
        if let Some(wait) = app.limits.signin_blocked(&account, &address).await? {
            return Err(ApiError::too_many("failed password attempts", wait));
        }
        let new = NewPassword::parse_with_blocklist(&body.new_password, common_passwords::contains)
            .map_err(|e| ApiError::invalid("new_password", e.to_string()))?;
        let Ok(current) = Password::parse(&body.current_password) else {
            app.limits.signin_failed(&account, &address).await?;
            return Err(ApiError::invalid_credentials());
        };
        match app.accounts.change_password(&me.user, &current, &new).await {
            Ok(()) => Ok(PasswordChanged::NoContent(cookie(&policy, "", 0))),
            Err(ChangePasswordError::WrongPassword) => {
                app.limits.signin_failed(&account, &address).await?;
                Err(ApiError::invalid_credentials())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sign out everywhere: revoke every session of the signed-in user, this one included.
    ///
    /// Every token of the user gets 401 `unauthorized` from now on; other users are not
    /// affected. 204 on success; 401 `unauthorized` without a valid token.
    #[oai(
        path = "/sessions",
        method = "delete",
        operation_id = "signOutEverywhere"
    )]
    async fn sign_out_everywhere(
        &self,
        app: Data<&App>,
        policy: Data<&CookiePolicy>,
        req: &Request,
        auth: Auth,
    ) -> Result<SignedOutEverywhere, ApiError> {
        super::self_service::sign_out_everywhere(app, policy, req, auth).await
    }

    /// Delete my account and everything stored about it.
    ///
    /// Needs the account's password (`password`). Deletes the user, every session (all their
    /// tokens get 401 from now on), every prediction and the rate-limit counters of the
    /// account; the email is free to register again. 204 on success, with the cookie
    /// cleared. A wrong password is 401 `invalid_credentials` and counts as a failed sign-in
    /// for throttling (429 `too_many_requests` with `Retry-After` past the limit); a missing
    /// or mistyped `password` is 422 `validation_failed`; 401 `unauthorized` without a valid
    /// token.
    #[oai(
        path = "/users/me",
        method = "delete",
        operation_id = "deleteMyAccount"
    )]
    async fn delete_account(
        &self,
        app: Data<&App>,
        policy: Data<&CookiePolicy>,
        req: &Request,
        auth: Auth,
        body: Json<AccountDeletion>,
    ) -> Result<Deleted, ApiError> {
        super::self_service::delete_account(app, policy, req, auth, body).await
    }
}
