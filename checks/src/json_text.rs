//! JSON values kept as compact text (a fraction of the memory of a `serde_json::Value` tree): the policy documents
//! of the inventory and the evidence of findings, of which a large account has hundreds of thousands.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON value kept as compact text, cheap to clone (shared). Serialised as the JSON value it is, so the files
/// that hold it look exactly as if it were a [`Value`].
#[derive(Clone, PartialEq)]
pub struct JsonText(Arc<str>);

impl JsonText {
    /// JSON `null`: no value.
    pub fn null() -> JsonText {
        JsonText(Arc::from("null"))
    }

    /// Whether the value is JSON `null` (nothing was collected).
    pub fn is_null(&self) -> bool {
        &*self.0 == "null"
    }

    /// The value as a JSON value.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).expect("a JsonText holds the JSON it was made from")
    }

    /// The value as compact JSON text.
    pub fn as_json(&self) -> &str {
        &self.0
    }

    /// This value, or the equal one already in `pool` (which then holds one copy for both).
    pub(crate) fn pooled(self, pool: &mut HashSet<Arc<str>>) -> JsonText {
        match pool.get(&self.0) {
            Some(known) => JsonText(known.clone()),
            None => {
                pool.insert(self.0.clone());
                self
            }
        }
    }
}

impl From<&Value> for JsonText {
    fn from(value: &Value) -> JsonText {
        JsonText(Arc::from(value.to_string()))
    }
}

impl From<Value> for JsonText {
    fn from(value: Value) -> JsonText {
        JsonText::from(&value)
    }
}

impl Default for JsonText {
    fn default() -> JsonText {
        JsonText::null()
    }
}

impl std::fmt::Debug for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Through a Value, so pretty output stays pretty and every serialiser (snapshots included) sees a value.
        self.value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<JsonText, D::Error> {
        Value::deserialize(deserializer).map(JsonText::from)
    }
}

/// Whether `text` is a JSON document whose top level is an object, read without building it (`Ok(false)`: valid
/// JSON of another kind). A derived `Deserialize` would also accept an array in field order, which no file of this
/// tool is.
pub fn is_object(text: &str) -> Result<bool, serde_json::Error> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)?;
    Ok(text.trim_start().starts_with('{'))
}

/// `json!` for a [`JsonText`] (tests building inventories by hand).
#[cfg(test)]
macro_rules! json_text {
    ($($json:tt)+) => {
        $crate::json_text::JsonText::from(serde_json::json!($($json)+))
    };
}
#[cfg(test)]
pub(crate) use json_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_compact_and_serialised_as_its_value() {
        let value = serde_json::json!({"variable": "DB_PASSWORD", "detections": [{"rule": "password"}], "n": 3});
        let text = JsonText::from(&value);
        assert_eq!(text.as_json(), value.to_string(), "compact text");
        assert_eq!(text.value(), value);
        // Pretty output stays pretty: the same bytes as the value's own.
        assert_eq!(
            serde_json::to_string_pretty(&text).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        // Read back from a pretty report, it is compact again and equal.
        let read: JsonText =
            serde_json::from_str(&serde_json::to_string_pretty(&value).unwrap()).unwrap();
        assert_eq!(read, text);
        assert!(JsonText::default().is_null() && !text.is_null());
    }
}
