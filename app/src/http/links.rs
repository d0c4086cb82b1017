//! OpenAPI links between operations, added to the generated document.
//!
//! poem-openapi 5 cannot declare links (its `MetaResponse` has no `links` field), so
//! [`add_links`] writes them into the JSON it generates. Both the served `/openapi.json` and
//! `payrange openapi` (hence the committed `openapi/openapi.json`) go through it. Links tell
//! clients and tools such as Schemathesis's stateful tests how the operations chain: a submitted
//! prediction's `id` is what `getPrediction` takes, and the caller's history lists it.

use poem::Response;
use poem::endpoint::make_sync;
use serde_json::{Value, json};

/// Declares links on the responses of `submitPrediction` (200 and 202) and `getPrediction`
/// (200) in `doc`, a parsed OpenAPI document. An operation missing from `doc` simply gets no
/// links: the spec tests notice.
pub fn add_links(doc: &mut Value) {
    let get_prediction = json!({
        "operationId": "getPrediction",
        "parameters": { "id": "$response.body#/id" },
        "description": "The prediction just submitted: its `id` is the path parameter `id`."
    });
    let list_predictions = json!({
        "operationId": "listPredictions",
        "description": "The caller's history, which lists this prediction."
    });
    let responses = [
        ("/predictions", "post", "200"),
        ("/predictions", "post", "202"),
        ("/predictions/{id}", "get", "200"),
    ];
    for (path, method, status) in responses {
        let Some(response) = doc
            .pointer_mut(&format!(
                "/paths/{}/{method}/responses/{status}",
                escape(path)
            ))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let links = if method == "post" {
            json!({ "GetPrediction": get_prediction, "ListPredictions": list_predictions })
        } else {
            json!({ "ListPredictions": list_predictions })
        };
        response.insert("links".into(), links);
    }
}

/// Serves `spec` as `application/json`, as poem-openapi's own spec endpoint does.
pub fn spec_endpoint(spec: String) -> impl poem::Endpoint + 'static {
    make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    })
}

/// A JSON Pointer token for `s` (RFC 6901: `~` as `~0`, `/` as `~1`).
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_chain_submit_to_get_and_history() {
        let doc: Value = serde_json::from_str(&crate::http::spec_json()).unwrap();
        for status in ["200", "202"] {
            let links = &doc["paths"]["/predictions"]["post"]["responses"][status]["links"];
            assert_eq!(links["GetPrediction"]["operationId"], "getPrediction");
            assert_eq!(
                links["GetPrediction"]["parameters"]["id"],
                "$response.body#/id"
            );
            assert_eq!(links["ListPredictions"]["operationId"], "listPredictions");
        }
        let links = &doc["paths"]["/predictions/{id}"]["get"]["responses"]["200"]["links"];
        assert_eq!(links["ListPredictions"]["operationId"], "listPredictions");
    }

    #[test]
    fn every_link_names_an_existing_operation() {
        let doc: Value = serde_json::from_str(&crate::http::spec_json()).unwrap();
        let ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|ops| ops.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let mut seen = 0;
        for ops in doc["paths"].as_object().unwrap().values() {
            for op in ops.as_object().unwrap().values() {
                for resp in op["responses"].as_object().unwrap().values() {
                    for link in resp["links"]
                        .as_object()
                        .into_iter()
                        .flat_map(|l| l.values())
                    {
                        assert!(ids.contains(&link["operationId"].as_str().unwrap()));
                        seen += 1;
                    }
                }
            }
        }
        assert_eq!(seen, 5);
    }

    #[test]
    fn a_document_without_the_operations_is_left_as_it_is() {
        let mut doc = json!({"paths": {}});
        add_links(&mut doc);
        assert_eq!(doc, json!({"paths": {}}));
    }
}
