//! The HTTP side: the poem-openapi API under `/api/v1`, its spec at `/openapi.json`, Swagger UI
//! at `/docs`, and the web UI at `/`, each with its security headers (`security_headers`).

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod batch_input;
pub mod dto;
pub mod error;
mod error_map;
pub mod estimates;
mod export_csv;
mod fields;
pub mod links;
pub mod markets;
pub mod model_admin;
pub mod outcomes;
pub mod predictions;
pub mod result_dto;
pub mod routes_table;
pub mod rules;
pub mod security_headers;
pub mod self_service;
pub mod system;
pub mod text;
pub mod uploads;
pub mod web;

use std::net::SocketAddr;

use poem::http::header;
use poem::web::{Html, Json};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use poem_openapi::{OpenApiService, Tags};
use tracing::Instrument as _;

use crate::{App, Settings};

/// Operation groups in the spec.
#[derive(Tags)]
pub enum ApiTags {
    /// Registration, sign-in and sign-out.
    Accounts,
    /// Salary-range predictions and their history.
    Predictions,
    /// The model and the service's health.
    System,
    /// Administration: users, every prediction log, models (admin role only).
    Admin,
}

/// Cookie attributes for this deployment.
#[derive(Clone, Debug)]
pub struct CookiePolicy {
    /// Whether to set `Secure`.
    pub secure: bool,
}

/// Id of the current HTTP request: the client's `X-Request-Id` when sane, else a fresh UUID.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

type Apis = (
    accounts::AccountsApi,
    predictions::PredictionsApi,
    outcomes::OutcomesApi,
    system::SystemApi,
    admin::AdminApi,
    model_admin::ModelAdminApi,
    uploads::BatchesApi,
    estimates::EstimatesApi,
    self_service::SelfServiceApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            accounts::AccountsApi,
            predictions::PredictionsApi,
            outcomes::OutcomesApi,
            system::SystemApi,
            admin::AdminApi,
            model_admin::ModelAdminApi,
            uploads::BatchesApi,
            estimates::EstimatesApi,
            self_service::SelfServiceApi,
        ),
        "payrange",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Predicts the salary range of a job vacancy from its title and description. \
         Every error is JSON `{code, message, details?}` with a stable `code`. Every answer \
         carries `Cache-Control: no-store`, `Content-Security-Policy: default-src 'none'; \
         frame-ancestors 'none'`, `X-Content-Type-Options: nosniff` and `Referrer-Policy: \
         no-referrer`, and `Strict-Transport-Security` where the service is reached over HTTPS.",
    )
    .server("/api/v1")
}

/// The OpenAPI document, as committed in `openapi/openapi.json`, with the input rules and
/// the links poem-openapi cannot declare.
#[must_use]
pub fn spec_json() -> String {
    let spec = service().spec();
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&spec) else {
        return spec;
    };
    rules::add_rules(&mut doc);
    links::add_links(&mut doc);
    // Keys come out in alphabetical order: serde_json's `Value` is a sorted map.
    serde_json::to_string_pretty(&doc).unwrap_or(spec)
}

/// The Swagger UI page, showing the same document as `/openapi.json` (input rules and links
/// included). poem-openapi's page embeds its own document, without them, and its template
/// is private: its page is taken and the document it embeds replaced.
fn docs_page(api: &OpenApiService<Apis, ()>, full_spec: &str) -> String {
    let page = api.swagger_ui_html();
    let embedded = api.spec();
    if page.contains(&embedded) {
        page.replacen(&embedded, full_spec, 1)
    } else {
        tracing::warn!("the Swagger UI page shows the document without input rules and links");
        page
    }
}

/// Every route of the service.
pub fn routes(app: &App, settings: &Settings, bound: SocketAddr) -> impl Endpoint + use<> {
    let max_body = settings.max_body_bytes;
    let max_batch_body = settings.max_batch_body_bytes.max(max_body);
    let max_model_body = settings.max_model_bytes.max(max_body);
    let metrics = app.metrics.clone();
    let api = service();
    let full_spec = spec_json();
    let docs = docs_page(&api, &full_spec);
    let spec = links::spec_endpoint(full_spec);
    let secure = settings.secure_cookies(bound);
    let docs_page = docs.clone();
    let mut route = Route::new()
        .nest("/api/v1", security_headers::api(api))
        .at("/openapi.json", security_headers::data(spec))
        .nest(
            "/docs",
            security_headers::docs(
                &docs_page,
                poem::endpoint::make_sync(move |_| Html(docs.clone())),
            ),
        );
    // With a listener of their own (`PAYRANGE_METRICS_BIND`), metrics are not on the API port.
    if settings.metrics_bind.is_none() {
        route = route.at(
            "/metrics",
            security_headers::data(poem::endpoint::make_sync(metrics_text)),
        );
    }
    route
        .nest("/", security_headers::ui(web::endpoint()))
        .data(app.clone())
        .data(CookiePolicy { secure })
        .around(move |ep, req| {
            // A batch upload may hold up to 1,000 vacancies, a model file megabytes: their
            // own, larger limits.
            let post = req.method() == poem::http::Method::POST;
            let limit = match req.uri().path() {
                "/api/v1/batches" | "/api/v1/batches/csv" if post => max_batch_body,
                "/api/v1/admin/models" if post => max_model_body,
                _ => max_body,
            };
            edge(ep, req, limit, metrics.clone())
        })
        .with(security_headers::common(secure))
}

/// The outermost layer: request id, body limit, JSON errors for everything, metrics.
async fn edge<E: Endpoint>(
    ep: std::sync::Arc<E>,
    mut req: Request,
    max_body: usize,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) -> poem::Result<Response> {
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = crate::metrics::method_label(req.method());
    // HEAD is GET without the body (RFC 9110, 9.3.2), wherever GET is answered; `Allow`
    // lists it there. The routes only know GET, so a HEAD request is handed to them as one,
    // and hyper, which still sees the request as HEAD, sends the headers (Content-Length
    // included) but no body.
    if req.method() == poem::http::Method::HEAD {
        req.set_method(poem::http::Method::GET);
    }
    let path = req.uri().path().to_owned();
    let route = routes_table::route_label(&path);
    let started = std::time::Instant::now();
    let span = tracing::info_span!("http", request_id = %id, method = %method, route = %route);
    let mut resp: Response = async {
        match limit_body(req, max_body).await {
            Err(too_large) => too_large,
            Ok(req) => match ep.call(req).await {
                Ok(r) => r.into_response(),
                Err(e) => error::normalize(e),
            },
        }
    }
    .instrument(span)
    .await;
    if let Ok(v) = id.parse() {
        resp.headers_mut().insert("x-request-id", v);
    }
    if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
        && let Ok(v) = routes_table::allowed_methods(&path).parse()
    {
        // RFC 9110: a 405 lists the methods the resource supports.
        resp.headers_mut().insert(header::ALLOW, v);
    }
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    tracing::debug!(request_id = %id, method = %method, route = %route, status, elapsed_us = elapsed.as_micros() as u64, "request handled");
    metrics.http(route, method, status, elapsed);
    Ok(resp)
}

/// The routes of the operations listener (`payrange worker`'s `PAYRANGE_WORKER_BIND`, and
/// `serve`'s `PAYRANGE_METRICS_BIND`): `/metrics` and the health probes.
pub fn worker_routes(app: &App) -> impl Endpoint + use<> {
    let app = app.clone();
    Route::new()
        .at("/metrics", poem::endpoint::make_sync(metrics_text))
        .at(
            "/health/live",
            poem::endpoint::make_sync(|_| Json(serde_json::json!({"status": "ok"}))),
        )
        .at(
            "/health/ready",
            poem::endpoint::make(|req: Request| async move {
                let app = req.data::<App>().cloned();
                let ok = match app {
                    Some(a) => a.store.ping().await.is_ok() && a.queue.check().await.is_ok(),
                    None => false,
                };
                let status = if ok {
                    poem::http::StatusCode::OK
                } else {
                    poem::http::StatusCode::SERVICE_UNAVAILABLE
                };
                Json(serde_json::json!({"status": if ok { "ok" } else { "unavailable" }}))
                    .with_status(status)
            }),
        )
        .data(app)
}

/// `GET /metrics`: Prometheus text exposition.
fn metrics_text(req: Request) -> Response {
    let body = req
        .data::<App>()
        .map(|a| a.metrics.render())
        .unwrap_or_default();
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Refuses bodies over `max` bytes with 413 before anything parses them: at once when
/// `Content-Length` says so, else while reading a chunked body. Hand-written because poem's
/// `SizeLimit` refuses every request without `Content-Length`, GETs included.
async fn limit_body(mut req: Request, max: usize) -> Result<Request, Response> {
    let too_large = || error::ApiError::payload_too_large(max).into_response();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > max as u64 => Err(too_large()),
        Some(_) => Ok(req),
        None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
            match req.take_body().into_bytes_limit(max).await {
                Ok(bytes) => {
                    req.set_body(Body::from_bytes(bytes));
                    Ok(req)
                }
                Err(_) => Err(too_large()),
            }
        }
        None => Ok(req),
    }
}
