//! The headers that tell browsers how little to allow: what a page may load and run
//! (`Content-Security-Policy`), that nothing may frame it, that content types are meant as
//! sent, that no address leaks in `Referer`, that API answers are never cached, and, where the
//! service is reached over TLS, that it always will be (`Strict-Transport-Security`).
//!
//! Each part of the service gets its headers from poem's `SetHeader` where it is routed
//! ([`super::routes`]). `SetHeader` adds nothing to an error, so every part turns its errors
//! into their JSON answers first ([`normalized`]): a 404 or a 422 carries the same headers as
//! a 200.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use poem::http::header;
use poem::middleware::SetHeader;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Response};
use sha2::{Digest, Sha256};

/// The web UI: its own scripts, styles, images and API only (all files of `app/web/`, no
/// inline script or style), never framed; no `<base>` and no form posting elsewhere.
pub const UI_POLICY: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; \
                             frame-ancestors 'none'; object-src 'none'";

/// JSON and text (the API, `/openapi.json`, `/metrics`): nothing to load or run at all.
pub const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// One year, the value browsers' preload lists ask for. Without `includeSubDomains`: what
/// else runs under the parent domain is the operator's business, not payrange's.
const HSTS: &str = "max-age=31536000";

/// The headers every response carries: `X-Content-Type-Options: nosniff`, `Referrer-Policy:
/// no-referrer` (no page or answer of payrange needs its address sent anywhere: the
/// cross-site check reads `Sec-Fetch-Site` and `Origin`, never `Referer`), and
/// `Strict-Transport-Security` when cookies are `Secure`, i.e. when browsers reach the
/// service over HTTPS (directly or through a TLS proxy, `PAYRANGE_COOKIE_SECURE`).
#[must_use]
pub fn common(secure: bool) -> SetHeader {
    let headers = SetHeader::new()
        .overriding(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .overriding(header::REFERRER_POLICY, "no-referrer");
    if secure {
        headers.overriding(header::STRICT_TRANSPORT_SECURITY, HSTS)
    } else {
        headers
    }
}

/// The web UI's files under [`UI_POLICY`].
pub fn ui(ep: impl IntoEndpoint<Endpoint: 'static>) -> impl Endpoint<Output = Response> {
    normalized(ep).with(SetHeader::new().overriding(header::CONTENT_SECURITY_POLICY, UI_POLICY))
}

/// Documents (`/openapi.json`, `/metrics`) under [`DATA_POLICY`].
pub fn data(ep: impl IntoEndpoint<Endpoint: 'static>) -> impl Endpoint<Output = Response> {
    normalized(ep).with(SetHeader::new().overriding(header::CONTENT_SECURITY_POLICY, DATA_POLICY))
}

/// The API under [`DATA_POLICY`], and `Cache-Control: no-store` on every answer: most hold
/// the signed-in user's data (account, history, results) or a token (`POST /sessions`), and
/// the rest gain nothing from caches worth a rule that could miss a new endpoint.
pub fn api(ep: impl IntoEndpoint<Endpoint: 'static>) -> impl Endpoint<Output = Response> {
    normalized(ep).with(
        SetHeader::new()
            .overriding(header::CONTENT_SECURITY_POLICY, DATA_POLICY)
            .overriding(header::CACHE_CONTROL, "no-store"),
    )
}

/// The Swagger UI page `page`, whose script and style poem-openapi writes inline: allowed by
/// their SHA-256 hashes (so no other inline script runs), with `data:` images for the icons
/// its style sheet embeds.
pub fn docs<E: IntoEndpoint<Endpoint: 'static>>(
    page: &str,
    ep: E,
) -> impl Endpoint<Output = Response> + use<E> {
    let hashes = |tag| {
        inline(page, tag)
            .map(|text| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(text))))
            .collect::<String>()
    };
    let policy = format!(
        "default-src 'self'; script-src{}; style-src{}; img-src 'self' data:; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
        hashes("script"),
        hashes("style"),
    );
    normalized(ep).with(SetHeader::new().overriding(header::CONTENT_SECURITY_POLICY, policy))
}

/// `ep` with its errors already turned into their JSON answers, so that the headers set
/// around it reach those too.
fn normalized(ep: impl IntoEndpoint<Endpoint: 'static>) -> impl Endpoint<Output = Response> {
    ep.into_endpoint()
        .catch_all_error(|e| async move { super::error::normalize(e) })
}

/// The text of every inline `<tag ...>...</tag>` element of `html` (those without `src`).
fn inline<'a>(html: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(&open)?;
            let after = &rest[start..];
            let tag_end = after.find('>')?;
            let body = &after[tag_end + 1..];
            let end = body.find(&close)?;
            rest = &body[end + close.len()..];
            if !after[..tag_end].contains(" src=") {
                return Some(&body[..end]);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_elements_are_found_and_external_ones_skipped() {
        let html = r#"<head><style charset="UTF-8">a{}</style><script src="x.js"></script>
            <script>let a = 1;</script></head><body><script type="module">b()</script>"#;
        assert_eq!(
            inline(html, "script").collect::<Vec<_>>(),
            ["let a = 1;", "b()"]
        );
        assert_eq!(inline(html, "style").collect::<Vec<_>>(), ["a{}"]);
    }
}
