//! The service's routes as templates (`/api/v1/predictions/{id}`), read once from the API's
//! own document: the `Allow` header of a 405 and the `route` label of the HTTP metrics both
//! come from here, so a label can only be one of a fixed set, whatever path a client sends.

use std::sync::OnceLock;

/// One API path of the document: its segments and the methods it answers to.
struct Template {
    /// `/api/v1/predictions/{id}`.
    route: String,
    /// Segments of the path under `/api/v1` (`""`, `predictions`, `{id}`).
    segments: Vec<String>,
    /// `GET, HEAD, DELETE`: the document's methods, with HEAD wherever GET is.
    methods: String,
}

/// Label of every path the service does not serve, so unknown paths share one series.
pub const UNMATCHED: &str = "unmatched";

fn table() -> &'static [Template] {
    static TABLE: OnceLock<Vec<Template>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(&super::spec_json()).unwrap_or_default();
        doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(template, ops)| {
                let mut methods: Vec<String> = ops
                    .as_object()
                    .into_iter()
                    .flat_map(|o| o.keys())
                    .map(|m| m.to_uppercase())
                    .collect();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".to_owned());
                }
                Template {
                    route: format!("/api/v1{template}"),
                    segments: template.split('/').map(str::to_owned).collect(),
                    methods: methods.join(", "),
                }
            })
            .collect()
    })
}

/// The API template `path` matches (a `{param}` segment matches any segment).
fn api_template(path: &str) -> Option<&'static Template> {
    let api_path = path.strip_prefix("/api/v1")?;
    let segments: Vec<&str> = api_path.split('/').collect();
    table().iter().find(|t| {
        t.segments.len() == segments.len()
            && t.segments
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
    })
}

/// The methods `path` answers to, for the `Allow` header of a 405: the document's for
/// `/api/v1` paths; everything else the service serves (web UI, docs, spec, metrics) is
/// read-only.
pub fn allowed_methods(path: &str) -> String {
    api_template(path).map_or_else(|| "GET, HEAD".to_owned(), |t| t.methods.clone())
}

/// The metrics label of `path`: its API template, `/openapi.json`, `/metrics`, `/docs`, the
/// web UI as one label, or [`UNMATCHED`] for an `/api` path the document does not have.
pub fn route_label(path: &str) -> &'static str {
    match path {
        "/openapi.json" => "/openapi.json",
        "/metrics" => "/metrics",
        _ if path == "/docs" || path.starts_with("/docs/") => "/docs",
        _ if path == "/api" || path.starts_with("/api/") => {
            api_template(path).map_or(UNMATCHED, |t| t.route.as_str())
        }
        // The UI's files are few and fixed; anything else there is a 404 of the same label.
        _ => "/ (web)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_unknown_paths_fold_into_templates() {
        assert_eq!(
            route_label("/api/v1/predictions/0194d0a5-4a9f-7cc2-b2a2-1f3a6c5b6a11"),
            "/api/v1/predictions/{id}"
        );
        assert_eq!(route_label("/api/v1/predictions"), "/api/v1/predictions");
        assert_eq!(route_label("/api/v1/x1"), UNMATCHED);
        assert_eq!(route_label("/api/v2/predictions"), UNMATCHED);
        assert_eq!(route_label("/app.js"), "/ (web)");
        assert_eq!(route_label("/docs/x"), "/docs");
    }

    #[test]
    fn allowed_methods_come_from_the_document() {
        assert!(allowed_methods("/api/v1/predictions").contains("POST"));
        assert_eq!(allowed_methods("/app.js"), "GET, HEAD");
    }
}
