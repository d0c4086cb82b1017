//! [`Text`]: a JSON string field that accepts only JSON strings.
//!
//! poem-openapi's `String` also takes numbers and booleans and turns them into their text
//! (`{"name": false}` becomes the title "false"), which breaks the documented schema and the
//! promise of strict JSON. No crate offers a strict variant, so this newtype is written here:
//! the same schema as `String`, and anything but a JSON string is a type error (422 naming
//! the field's object, like any other mistyped field).

use std::borrow::Cow;
use std::ops::Deref;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// A request field that must be a JSON string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(s) => Ok(Self(s)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_strings_are_text() {
        let parse = |v: Value| Text::parse_from_json(Some(v)).ok();
        assert_eq!(parse(Value::from("x")), Some(Text("x".into())));
        assert_eq!(parse(Value::from(false)), None);
        assert_eq!(parse(Value::from(12)), None);
        assert_eq!(parse(Value::Null), None);
        assert_eq!(parse(serde_json::json!(["x"])), None);
    }
}
