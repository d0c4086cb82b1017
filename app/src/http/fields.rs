//! Request-body fields whose errors name them.
//!
//! poem-openapi parses each field of a request object without telling the field's parser its
//! name, so a missing or mistyped field comes out as `Expected input type "string", found
//! null. (occurred while parsing "VacancyDto")`: no field named, an internal type named. Each
//! request field therefore parses through a function of its own here (`#[oai(deserialize_with
//! = "fields::name")]`), whose error names it (`field `name` is required`, `field `name`
//! must be a string, not a number`); the error body then says `name is required` with
//! `name` as the field (see `error::normalize`). The schema is the field type's, unchanged.
//! Written here because poem-openapi has no hook that passes the field name to a parser.

use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult};
use serde_json::Value;

use super::text::Text;

/// Parses the field `name` of a request object as a `T`, described to clients as `expected`.
fn parse<T: ParseFromJSON>(name: &str, expected: &str, value: Option<Value>) -> ParseResult<T> {
    match value {
        // An optional field's type accepts the absence; a required one's refuses it.
        None => T::parse_from_json(None)
            .map_err(|_| ParseError::custom(format!("field `{name}` is required"))),
        Some(value) => {
            let found = kind(&value);
            T::parse_from_json(Some(value)).map_err(|_| {
                ParseError::custom(format!("field `{name}` must be {expected}, not {found}"))
            })
        }
    }
}

/// The JSON type of `value`, as a noun phrase.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One parser per request field, named as the field is in JSON.
macro_rules! fields {
    ($($name:ident: $ty:ty = $expected:literal),* $(,)?) => {
        $(
            #[doc = concat!("Parses the request field `", stringify!($name), "` (", $expected, ").")]
            pub(crate) fn $name(value: Option<Value>) -> ParseResult<$ty> {
                parse(stringify!($name), $expected, value)
            }
        )*
    };
}

fields! {
    email: Text = "a string",
    password: Text = "a string",
    current_password: Text = "a string",
    new_password: Text = "a string",
    name: Text = "a string",
    description: Text = "a string",
    area: Option<Text> = "a string or null",
    market: Option<Text> = "a string or null",
    disabled: bool = "true or false",
    salary_from: Option<f64> = "a number or null",
    salary_to: Option<f64> = "a number or null",
    currency: Option<Text> = "a string or null",
}

/// Parses the request field `kind` of an outcome (a string or null); named apart from the
/// others because `kind` names the JSON-type helper above.
pub(crate) fn outcome_kind(value: Option<Value>) -> ParseResult<Option<Text>> {
    parse("kind", "a string or null", value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The message after poem-openapi's `failed to parse "T": `, which the error body drops.
    fn message<T: poem_openapi::types::Type + std::fmt::Debug>(r: ParseResult<T>) -> String {
        let message = r.expect_err("an error").into_message();
        let (_, ours) = message.split_once("\": ").expect("poem-openapi's prefix");
        ours.to_owned()
    }

    #[test]
    fn a_missing_required_field_is_named() {
        assert_eq!(message(name(None)), "field `name` is required");
        assert_eq!(message(disabled(None)), "field `disabled` is required");
    }

    #[test]
    fn a_mistyped_field_is_named_with_what_it_must_be() {
        assert_eq!(
            message(description(Some(json!(12)))),
            "field `description` must be a string, not a number"
        );
        assert_eq!(
            message(email(Some(Value::Null))),
            "field `email` must be a string, not null"
        );
        assert_eq!(
            message(area(Some(json!(["Москва"])))),
            "field `area` must be a string or null, not an array"
        );
        assert_eq!(
            message(disabled(Some(json!("yes")))),
            "field `disabled` must be true or false, not a string"
        );
    }

    #[test]
    fn valid_values_parse_as_the_field_type_would() {
        assert_eq!(
            name(Some(json!("Rust developer"))).ok(),
            Some(Text("Rust developer".into()))
        );
        assert_eq!(area(None).ok(), Some(None));
        assert_eq!(area(Some(Value::Null)).ok(), Some(None));
        assert_eq!(
            area(Some(json!("Казань"))).ok(),
            Some(Some(Text("Казань".into())))
        );
        assert_eq!(disabled(Some(json!(true))).ok(), Some(true));
    }
}
