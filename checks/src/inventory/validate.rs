//! What a parsed inventory file must also satisfy before anything evaluates it: numbers and dates in their documented
//! ranges (README, "Limits"), no function listed twice, and detections described by this version's rule table.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};

use super::{Inventory, InventoryError};

/// Days of CloudWatch history an inventory may say it covers (the same range as `--lookback-days`).
pub const LOOKBACK_DAYS: RangeInclusive<u32> = 1..=455;
/// Years a date in an inventory may fall in: wide enough for any real scan, narrow enough that no date arithmetic
/// of the checks (a window of at most a few thousand days around the scan date) can leave chrono's range.
pub const YEARS: RangeInclusive<i32> = 1970..=9999;

/// Check `inventory` (parsed from `text`, read from `path`) and replace each detection's description with the rule
/// table's.
pub fn check(inventory: &mut Inventory, path: &str, text: &str) -> Result<(), InventoryError> {
    let invalid = |field: String, message: String| InventoryError::Invalid {
        path: path.to_string(),
        field,
        message,
    };
    if let Some((at, key)) = repeated_key(text) {
        return Err(invalid(
            at,
            format!("key `{key}` appears twice (a repeated key would hide one of its values)"),
        ));
    }
    if !LOOKBACK_DAYS.contains(&inventory.lookback_days) {
        return Err(invalid(
            "lookback_days".into(),
            format!(
                "{} is out of range: must be between {} and {}",
                inventory.lookback_days,
                LOOKBACK_DAYS.start(),
                LOOKBACK_DAYS.end()
            ),
        ));
    }
    let date_in_range = |field: String, date: NaiveDate| {
        if YEARS.contains(&date.year()) {
            Ok(())
        } else {
            Err(invalid(
                field,
                format!(
                    "{date} is out of range: must be in the years {} to {}",
                    YEARS.start(),
                    YEARS.end()
                ),
            ))
        }
    };
    date_in_range("collected_at".into(), inventory.collected_at.date_naive())?;
    let mut first_seen: HashMap<&str, String> = HashMap::new();
    for (a, account) in inventory.accounts.iter_mut().enumerate() {
        for (f, function) in account.functions.iter_mut().enumerate() {
            let at = format!("accounts[{a}].functions[{f}]");
            if let Some(metrics) = &function.metrics {
                let dates = [metrics.since, metrics.until]
                    .into_iter()
                    .chain(metrics.last_invocation)
                    .chain(metrics.daily.iter().map(|d| d.date));
                for date in dates {
                    date_in_range(format!("{at}.metrics"), date)?;
                }
            }
            // the function's own variables and those each live version locked in
            let environments = std::iter::once((at.clone(), &mut function.environment)).chain(
                function
                    .live_versions
                    .iter_mut()
                    .enumerate()
                    .map(|(v, version)| {
                        (format!("{at}.live_versions[{v}]"), &mut version.environment)
                    }),
            );
            for (owner, environment) in environments {
                for (e, var) in environment.iter_mut().enumerate() {
                    for (d, detection) in var.detections.iter_mut().enumerate() {
                        detection.description = match crate::secrets::rule_description(&detection.rule_id) {
                            Some(description) => description.to_string(),
                            None => {
                                return Err(invalid(
                                    format!("{owner}.environment[{e}].detections[{d}].rule_id"),
                                    format!(
                                        "unknown secret rule `{}` (not one this version of lambda-posture has)",
                                        detection.rule_id
                                    ),
                                ))
                            }
                        };
                    }
                }
            }
        }
    }
    for (a, account) in inventory.accounts.iter().enumerate() {
        for (f, function) in account.functions.iter().enumerate() {
            let at = format!("accounts[{a}].functions[{f}]");
            if let Some(first) = first_seen.insert(&function.arn, at.clone()) {
                return Err(invalid(
                    format!("{at}.arn"),
                    format!(
                        "function `{}` is listed twice (also at {first}); an inventory lists each function once",
                        function.arn
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The first JSON object in `text` that has a key twice, as (where, key): serde keeps only the last value of a
/// repeated map key (tags, roles…), so a file could hide one entry behind another. Walks the document once without
/// building it.
pub fn repeated_key(text: &str) -> Option<(String, String)> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Walk<'a> {
        at: String,
        found: &'a mut Option<(String, String)>,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while seq
                .next_element_seed(Walk {
                    at: format!("{}[{i}]", self.at),
                    found: &mut *self.found,
                })?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let at = if self.at.is_empty() {
                    key.to_string()
                } else {
                    format!("{}.{key}", self.at)
                };
                if !keys.insert(key.clone()) && self.found.is_none() {
                    *self.found = Some((self.at.clone(), key.into_owned()));
                }
                map.next_value_seed(Walk {
                    at,
                    found: &mut *self.found,
                })?;
            }
            Ok(())
        }
    }

    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let _ = Walk {
        at: String::new(),
        found: &mut found,
    }
    .deserialize(&mut deserializer);
    found
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::inventory::Inventory;

    fn inventory(change: impl FnOnce(&mut Value)) -> Result<Inventory, String> {
        let mut value = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z",
            "lookback_days": 90,
            "accounts": [{ "account_id": "111122223333", "functions": [
                { "arn": "arn:aws:lambda:us-east-1:111122223333:function:a", "name": "a",
                  "environment": [{ "name": "TOKEN", "value_kind": "literal", "value_length": 40,
                    "detections": [{ "rule_id": "github-token", "description": "\u{1b}]0;pwned\u{7}",
                                     "masked_preview": "ghp_…(40 chars)" }] }] },
                { "arn": "arn:aws:lambda:us-east-1:111122223333:function:b", "name": "b" }
            ]}]
        });
        change(&mut value);
        Inventory::from_json("inv.json", &value.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_valid_inventory_gets_its_detection_descriptions_from_the_rule_table() {
        let inventory = inventory(|_| {}).unwrap();
        let detection = &inventory.accounts[0].functions[0].environment[0].detections[0];
        assert_eq!(
            detection.description,
            crate::secrets::rule_description("github-token").unwrap(),
            "the file's description is never trusted"
        );
    }

    #[test]
    fn out_of_range_numbers_and_dates_are_refused_naming_the_field() {
        for (change, field) in [
            (json!({"lookback_days": 4294967295u32}), "lookback_days"),
            (json!({"lookback_days": 0}), "lookback_days"),
            (
                json!({"collected_at": "0001-01-01T00:00:00Z"}),
                "collected_at",
            ),
        ] {
            let e = inventory(|v| {
                for (k, x) in change.as_object().unwrap() {
                    v[k] = x.clone();
                }
            })
            .unwrap_err();
            assert!(
                e.starts_with(&format!("inv.json: field `{field}`: ")),
                "{e}"
            );
        }
        let e = inventory(|v| {
            v["accounts"][0]["functions"][1]["metrics"] =
                json!({"since": "+200000-01-01", "until": "2026-11-01", "daily": []});
        })
        .unwrap_err();
        assert!(
            e.starts_with("inv.json: field `accounts[0].functions[1].metrics`: "),
            "{e}"
        );
    }

    #[test]
    fn a_map_key_given_twice_is_refused_naming_the_map() {
        let mut value = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z",
            "lookback_days": 90,
            "accounts": [{ "account_id": "111122223333", "functions": [
                { "arn": "arn:aws:lambda:us-east-1:111122223333:function:a", "name": "a", "tags": {"team": "x"} }
            ]}]
        })
        .to_string();
        value = value.replace(
            r#""tags":{"team":"x"}"#,
            r#""tags":{"team":"x","team":"y"}"#,
        );
        let e = Inventory::from_json("inv.json", &value)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "inv.json: field `accounts[0].functions[0].tags`: key `team` appears twice (a repeated key would hide \
             one of its values)"
        );
    }

    #[test]
    fn a_function_listed_twice_or_an_unknown_rule_is_refused() {
        let e = inventory(|v| {
            let first = v["accounts"][0]["functions"][0].clone();
            v["accounts"][0]["functions"]
                .as_array_mut()
                .unwrap()
                .push(first);
        })
        .unwrap_err();
        assert_eq!(
            e,
            "inv.json: field `accounts[0].functions[2].arn`: function `arn:aws:lambda:us-east-1:111122223333:function:a` \
             is listed twice (also at accounts[0].functions[0]); an inventory lists each function once"
        );
        let e = inventory(|v| {
            v["accounts"][0]["functions"][0]["environment"][0]["detections"][0]["rule_id"] =
                json!("made-up");
        })
        .unwrap_err();
        assert!(
            e.starts_with("inv.json: field `accounts[0].functions[0].environment[0].detections[0].rule_id`: unknown"),
            "{e}"
        );
    }
}
