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

// The ranges of every other number of an inventory (README, "Limits on input"): Lambda's own API limits where AWS
// fixes them, else far above any real account, so that a forged file can neither break the checks' arithmetic nor
// make a count negative (a negative invocation count would hide a function's use).
/// `memory_mb`: Lambda's MemorySize.
pub const MEMORY_MB: RangeInclusive<i32> = 128..=10_240;
/// `timeout_seconds`: Lambda's Timeout.
pub const TIMEOUT_SECONDS: RangeInclusive<i32> = 1..=900;
/// Reserved and provisioned concurrency, the account's concurrency limits (AWS raises them on request).
pub const CONCURRENCY: RangeInclusive<i32> = 0..=10_000_000;
/// Package sizes and a region's code storage limit, in bytes (1 PiB).
pub const BYTES: RangeInclusive<i64> = 0..=1 << 50;
/// A log group's `retentionInDays`: CloudWatch Logs accepts 1 day to 10 years (3,653 days).
pub const LOG_RETENTION_DAYS: RangeInclusive<u32> = 1..=3653;
/// An asynchronous invocation configuration's MaximumRetryAttempts.
pub const ASYNC_RETRIES: RangeInclusive<i32> = 0..=2;
/// An asynchronous invocation configuration's MaximumEventAgeInSeconds.
pub const EVENT_AGE_SECONDS: RangeInclusive<i32> = 60..=21_600;
/// An event source mapping's BatchSize.
pub const BATCH_SIZE: RangeInclusive<i32> = 1..=10_000;
/// An event source mapping's MaximumRetryAttempts (-1: until the record expires).
pub const STREAM_RETRIES: RangeInclusive<i32> = -1..=10_000;
/// An event source mapping's MaximumRecordAgeInSeconds (-1: never).
pub const RECORD_AGE_SECONDS: RangeInclusive<i32> = -1..=604_800;
/// A day's Invocations, Errors or Throttles sum.
pub const DAILY_COUNT: RangeInclusive<f64> = 0.0..=1e15;
/// A day's maximum Duration in milliseconds (an hour: four times Lambda's 15-minute limit).
pub const DURATION_MS: RangeInclusive<f64> = 0.0..=3_600_000.0;
/// An environment variable value's length in characters (Lambda allows 4 KB for all of them).
pub const VALUE_LENGTH: RangeInclusive<usize> = 0..=65_536;
/// Files read in one package by `--scan-code`.
pub const FILES_SCANNED: RangeInclusive<u64> = 0..=1_000_000_000;
/// A code secret's line number (from 1).
pub const LINE: RangeInclusive<u32> = 1..=u32::MAX;
/// Basic event selectors of one trail: CloudTrail allows five.
pub const BASIC_SELECTORS: RangeInclusive<usize> = 0..=5;
/// Selector values (data resource values, field selector conditions and advanced selectors together) of one trail or
/// event data store: CloudTrail allows 500 conditions across a trail's advanced selectors and 250 data resources;
/// counted with their selectors and fields, twice that.
pub const SELECTOR_VALUES: RangeInclusive<usize> = 0..=1000;
/// Items of one list of a load balancer, listener, rule, target group or security group (listeners, rules, actions,
/// conditions, condition values, targets, inbound rules, their sources): Elastic Load Balancing's and EC2's quotas are
/// far below (50 listeners a load balancer, 100 rules a load balancer by default, 5 condition values a rule, 60
/// inbound rules a group by default); alb-unauthenticated-target walks them all for every function.
pub const ELB_ITEMS: RangeInclusive<usize> = 0..=1000;
/// Forward entries (a rule action's target groups) over every listener of every load balancer of an account: the load
/// balancer check walks them for each function registered in a target group (Elastic Load Balancing allows 100
/// rules a load balancer by default, 5 target groups a forward action).
pub const ELB_FORWARDS: RangeInclusive<usize> = 0..=100_000;
/// A listener's port.
pub const LISTENER_PORT: RangeInclusive<u16> = 1..=65535;
/// A security group rule's port (-1: every port, ICMP's type and code).
pub const RULE_PORT: RangeInclusive<i32> = -1..=65535;

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
    within(
        "schema_version".into(),
        inventory.schema_version,
        &(1..=super::SCHEMA_VERSION),
    )
    .map_err(|(field, message)| invalid(field, message))?;
    for (a, account) in inventory.accounts.iter().enumerate() {
        account_numbers(account, &format!("accounts[{a}]"))
            .map_err(|(field, message)| invalid(field, message))?;
    }
    let mut first_seen: HashMap<&str, String> = HashMap::new();
    for (a, account) in inventory.accounts.iter_mut().enumerate() {
        for (f, function) in account.functions.iter_mut().enumerate() {
            let at = format!("accounts[{a}].functions[{f}]");
            function_numbers(function, &at).map_err(|(field, message)| invalid(field, message))?;
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
            // a code secret is described by its rule too (code-secret reads the table by this id)
            let code_secrets = function.code_scan.iter().flat_map(|scan| &scan.findings);
            for (s, secret) in code_secrets.enumerate() {
                if crate::secrets::rule_description(&secret.rule_id).is_none() {
                    return Err(invalid(
                        format!("{at}.code_scan.findings[{s}].rule_id"),
                        format!(
                            "unknown secret rule `{}` (not one this version of lambda-posture has)",
                            secret.rule_id
                        ),
                    ));
                }
            }
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

/// `value` of `field` within `range`, else (field, one-line message). Shown with `{:?}` so that a float reads
/// `1e308`, not three hundred digits.
fn within<T: PartialOrd + std::fmt::Debug>(
    field: String,
    value: T,
    range: &RangeInclusive<T>,
) -> Result<(), (String, String)> {
    if range.contains(&value) {
        return Ok(());
    }
    let message = format!(
        "{value:?} is out of range: must be between {:?} and {:?}",
        range.start(),
        range.end()
    );
    Err((field, message))
}

/// Like [`within`] for an optional field (absent is fine).
fn within_opt<T: PartialOrd + std::fmt::Debug>(
    field: String,
    value: Option<T>,
    range: &RangeInclusive<T>,
) -> Result<(), (String, String)> {
    value.map_or(Ok(()), |value| within(field, value, range))
}

/// Every number of one account's settings in its range.
fn account_numbers(account: &super::Account, at: &str) -> Result<(), (String, String)> {
    for (region, settings) in &account.account_settings {
        let at = format!("{at}.account_settings.{region}");
        let limits = [
            (
                "concurrent_executions_limit",
                settings.concurrent_executions_limit,
            ),
            (
                "unreserved_concurrent_executions",
                settings.unreserved_concurrent_executions,
            ),
        ];
        for (name, value) in limits {
            within_opt(format!("{at}.{name}"), value, &CONCURRENCY)?;
        }
        within_opt(
            format!("{at}.code_size_limit"),
            settings.code_size_limit,
            &BYTES,
        )?;
    }
    for (arn, group) in account.log_groups.iter().flatten() {
        within_opt(
            format!("{at}.log_groups.{arn}.retention_days"),
            group.retention_days,
            &LOG_RETENTION_DAYS,
        )?;
    }
    if let Some(cloudtrail) = &account.cloudtrail {
        cloudtrail_shape(cloudtrail, &format!("{at}.cloudtrail"))?;
    }
    if let Some(elb) = &account.load_balancing {
        load_balancing_shape(elb, &format!("{at}.load_balancing"))?;
    }
    Ok(())
}

/// Load balancers and target groups: ports in range, and no list longer than [`ELB_ITEMS`].
fn load_balancing_shape(elb: &super::LoadBalancing, at: &str) -> Result<(), (String, String)> {
    let items = |field: String, n: usize| within(field, n, &ELB_ITEMS);
    for (arn, tg) in &elb.target_groups {
        items(
            format!("{at}.target_groups.{arn}.targets"),
            tg.targets.len(),
        )?;
    }
    let forwards: usize = elb
        .load_balancers
        .values()
        .flat_map(|lb| &lb.listeners)
        .flat_map(|l| l.rules.iter().flatten())
        .flat_map(|r| &r.actions)
        .map(|a| a.target_groups.len())
        .sum();
    within(
        format!("{at}.load_balancers (forward target groups)"),
        forwards,
        &ELB_FORWARDS,
    )?;
    for (arn, lb) in &elb.load_balancers {
        let at = format!("{at}.load_balancers.{arn}");
        items(format!("{at}.listeners"), lb.listeners.len())?;
        items(
            format!("{at}.security_group_ids"),
            lb.security_group_ids.len(),
        )?;
        items(format!("{at}.security_groups"), lb.security_groups.len())?;
        for (id, rules) in &lb.security_groups {
            let at = format!("{at}.security_groups.{id}");
            items(at.clone(), rules.len())?;
            for (r, rule) in rules.iter().enumerate() {
                let at = format!("{at}[{r}]");
                within_opt(format!("{at}.from_port"), rule.from_port, &RULE_PORT)?;
                within_opt(format!("{at}.to_port"), rule.to_port, &RULE_PORT)?;
                items(format!("{at}.sources"), rule.sources.len())?;
            }
        }
        for (l, listener) in lb.listeners.iter().enumerate() {
            let at = format!("{at}.listeners[{l}]");
            within(format!("{at}.port"), listener.port, &LISTENER_PORT)?;
            let rules = listener.rules.as_deref().unwrap_or_default();
            items(format!("{at}.rules"), rules.len())?;
            for (r, rule) in rules.iter().enumerate() {
                let at = format!("{at}.rules[{r}]");
                items(format!("{at}.conditions"), rule.conditions.len())?;
                items(format!("{at}.actions"), rule.actions.len())?;
                for (c, condition) in rule.conditions.iter().enumerate() {
                    items(
                        format!("{at}.conditions[{c}].values"),
                        condition.values.len(),
                    )?;
                }
                for (a, action) in rule.actions.iter().enumerate() {
                    items(
                        format!("{at}.actions[{a}].target_groups"),
                        action.target_groups.len(),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// CloudTrail's trails and event data stores: each once, with no more selectors than CloudTrail accepts (the
/// invoke-not-audited check matches every function against every selector).
fn cloudtrail_shape(
    cloudtrail: &super::cloudtrail::CloudTrail,
    at: &str,
) -> Result<(), (String, String)> {
    let advanced_size = |selectors: &[super::cloudtrail::AdvancedSelector]| -> usize {
        selectors
            .iter()
            .map(|s| {
                1 + s
                    .field_selectors
                    .iter()
                    .map(|f| 1 + f.value_count())
                    .sum::<usize>()
            })
            .sum()
    };
    let mut seen = std::collections::HashSet::new();
    for (t, trail) in cloudtrail.trails.iter().enumerate() {
        let at = format!("{at}.trails[{t}]");
        if !seen.insert(trail.arn.as_str()) {
            return Err((
                format!("{at}.arn"),
                format!("trail {:?} is listed twice", trail.arn),
            ));
        }
        if let Some(selectors) = &trail.selectors {
            within(
                format!("{at}.selectors.basic"),
                selectors.basic.len(),
                &BASIC_SELECTORS,
            )?;
            let basic: usize = selectors
                .basic
                .iter()
                .flat_map(|s| &s.data_resources)
                .map(|r| 1 + r.values.len())
                .sum();
            within(
                format!("{at}.selectors (values)"),
                basic + advanced_size(&selectors.advanced),
                &SELECTOR_VALUES,
            )?;
        }
    }
    for (e, store) in cloudtrail.event_data_stores.iter().enumerate() {
        let at = format!("{at}.event_data_stores[{e}]");
        if !seen.insert(store.arn.as_str()) {
            return Err((
                format!("{at}.arn"),
                format!("event data store {:?} is listed twice", store.arn),
            ));
        }
        if let Some(details) = &store.details {
            within(
                format!("{at}.details.advanced (values)"),
                advanced_size(&details.advanced),
                &SELECTOR_VALUES,
            )?;
        }
    }
    Ok(())
}

/// Every number of one function (`at`: where it is in the file) in its range.
fn function_numbers(function: &super::Function, at: &str) -> Result<(), (String, String)> {
    // the settings AWS keeps as 32-bit integers: (where, value, range)
    let mut settings: Vec<(String, Option<i32>, &RangeInclusive<i32>)> = vec![
        (format!("{at}.memory_mb"), function.memory_mb, &MEMORY_MB),
        (
            format!("{at}.timeout_seconds"),
            function.timeout_seconds,
            &TIMEOUT_SECONDS,
        ),
        (
            format!("{at}.reserved_concurrency"),
            function.reserved_concurrency,
            &CONCURRENCY,
        ),
    ];
    for (p, provisioned) in function.provisioned_concurrency.iter().enumerate() {
        let at = format!("{at}.provisioned_concurrency[{p}]");
        settings.extend([
            (
                format!("{at}.requested"),
                Some(provisioned.requested),
                &CONCURRENCY,
            ),
            (
                format!("{at}.allocated"),
                provisioned.allocated,
                &CONCURRENCY,
            ),
        ]);
    }
    for (c, config) in function.async_invoke_configs.iter().enumerate() {
        let at = format!("{at}.async_invoke_configs[{c}]");
        settings.extend([
            (
                format!("{at}.maximum_retry_attempts"),
                config.maximum_retry_attempts,
                &ASYNC_RETRIES,
            ),
            (
                format!("{at}.maximum_event_age_seconds"),
                config.maximum_event_age_seconds,
                &EVENT_AGE_SECONDS,
            ),
        ]);
    }
    for (m, mapping) in function.event_source_mappings.iter().enumerate() {
        let at = format!("{at}.event_source_mappings[{m}]");
        settings.extend([
            (format!("{at}.batch_size"), mapping.batch_size, &BATCH_SIZE),
            (
                format!("{at}.maximum_retry_attempts"),
                mapping.maximum_retry_attempts,
                &STREAM_RETRIES,
            ),
            (
                format!("{at}.maximum_record_age_seconds"),
                mapping.maximum_record_age_seconds,
                &RECORD_AGE_SECONDS,
            ),
        ]);
    }
    for (field, value, range) in settings {
        within_opt(field, value, range)?;
    }
    within_opt(format!("{at}.code_size"), function.code_size, &BYTES)?;
    if let Some(metrics) = &function.metrics {
        for (d, day) in metrics.daily.iter().enumerate() {
            let at = format!("{at}.metrics.daily[{d}]");
            for (name, value) in [
                ("invocations", day.invocations),
                ("errors", day.errors),
                ("throttles", day.throttles),
            ] {
                within(format!("{at}.{name}"), value, &DAILY_COUNT)?;
            }
            within_opt(
                format!("{at}.max_duration_ms"),
                day.max_duration_ms,
                &DURATION_MS,
            )?;
        }
    }
    // the function's own layers and variables, and those of each live version
    let versions = function
        .live_versions
        .iter()
        .enumerate()
        .map(|(v, version)| {
            (
                format!("{at}.live_versions[{v}]"),
                &version.layers,
                &version.environment,
            )
        });
    for (owner, layers, environment) in
        std::iter::once((at.to_string(), &function.layers, &function.environment)).chain(versions)
    {
        for (l, layer) in layers.iter().enumerate() {
            within_opt(
                format!("{owner}.layers[{l}].code_size"),
                layer.code_size,
                &BYTES,
            )?;
        }
        for (e, var) in environment.iter().enumerate() {
            within(
                format!("{owner}.environment[{e}].value_length"),
                var.value_length,
                &VALUE_LENGTH,
            )?;
        }
    }
    if let Some(scan) = &function.code_scan {
        for (p, package) in scan.scanned.iter().enumerate() {
            let field = format!("{at}.code_scan.scanned[{p}].files_scanned");
            within(field, package.files_scanned, &FILES_SCANNED)?;
        }
        for (s, secret) in scan.findings.iter().enumerate() {
            within(
                format!("{at}.code_scan.findings[{s}].line"),
                secret.line,
                &LINE,
            )?;
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
    fn every_number_of_a_function_and_an_account_is_range_checked_naming_the_field() {
        // (where in the inventory, the value set there, the field the error must name); each value is one past its
        // documented range, or a sign that makes no sense
        let function = "/accounts/0/functions/1";
        let cases = [
            ("/schema_version", json!(0), "schema_version"),
            (
                &format!("{function}/memory_mb") as &str,
                json!(127),
                "accounts[0].functions[1].memory_mb",
            ),
            (
                &format!("{function}/memory_mb"),
                json!(10_241),
                "accounts[0].functions[1].memory_mb",
            ),
            (
                &format!("{function}/timeout_seconds"),
                json!(0),
                "accounts[0].functions[1].timeout_seconds",
            ),
            (
                &format!("{function}/timeout_seconds"),
                json!(901),
                "accounts[0].functions[1].timeout_seconds",
            ),
            (
                &format!("{function}/code_size"),
                json!(-1),
                "accounts[0].functions[1].code_size",
            ),
            (
                &format!("{function}/reserved_concurrency"),
                json!(-1),
                "accounts[0].functions[1].reserved_concurrency",
            ),
            (
                &format!("{function}/provisioned_concurrency"),
                json!([{"qualifier": "live", "requested": -5}]),
                "accounts[0].functions[1].provisioned_concurrency[0].requested",
            ),
            (
                &format!("{function}/provisioned_concurrency"),
                json!([{"qualifier": "live", "requested": 1, "allocated": 10_000_001}]),
                "accounts[0].functions[1].provisioned_concurrency[0].allocated",
            ),
            (
                &format!("{function}/async_invoke_configs"),
                json!([{"qualifier": "$LATEST", "maximum_retry_attempts": 3}]),
                "accounts[0].functions[1].async_invoke_configs[0].maximum_retry_attempts",
            ),
            (
                &format!("{function}/async_invoke_configs"),
                json!([{"qualifier": "$LATEST", "maximum_event_age_seconds": 59}]),
                "accounts[0].functions[1].async_invoke_configs[0].maximum_event_age_seconds",
            ),
            (
                &format!("{function}/event_source_mappings"),
                json!([{"uuid": "u", "function_arn": "f", "batch_size": 0}]),
                "accounts[0].functions[1].event_source_mappings[0].batch_size",
            ),
            (
                &format!("{function}/event_source_mappings"),
                json!([{"uuid": "u", "function_arn": "f", "maximum_retry_attempts": -2}]),
                "accounts[0].functions[1].event_source_mappings[0].maximum_retry_attempts",
            ),
            (
                &format!("{function}/event_source_mappings"),
                json!([{"uuid": "u", "function_arn": "f", "maximum_record_age_seconds": 604_801}]),
                "accounts[0].functions[1].event_source_mappings[0].maximum_record_age_seconds",
            ),
            (
                &format!("{function}/metrics"),
                json!({"since": "2026-10-01", "until": "2026-11-01", "daily": [
                    {"date": "2026-10-02", "invocations": -1.0, "errors": 0.0, "throttles": 0.0}]}),
                "accounts[0].functions[1].metrics.daily[0].invocations",
            ),
            (
                &format!("{function}/metrics"),
                json!({"since": "2026-10-01", "until": "2026-11-01", "daily": [
                    {"date": "2026-10-02", "invocations": 1.0, "errors": 1e308, "throttles": 0.0}]}),
                "accounts[0].functions[1].metrics.daily[0].errors",
            ),
            (
                &format!("{function}/metrics"),
                json!({"since": "2026-10-01", "until": "2026-11-01", "daily": [
                    {"date": "2026-10-02", "invocations": 1.0, "errors": 0.0, "throttles": -0.5}]}),
                "accounts[0].functions[1].metrics.daily[0].throttles",
            ),
            (
                &format!("{function}/metrics"),
                json!({"since": "2026-10-01", "until": "2026-11-01", "daily": [
                    {"date": "2026-10-02", "invocations": 1.0, "errors": 0.0, "throttles": 0.0, "max_duration_ms": -1.0}]}),
                "accounts[0].functions[1].metrics.daily[0].max_duration_ms",
            ),
            (
                &format!("{function}/layers"),
                json!([{"arn": "arn:aws:lambda:us-east-1:111122223333:layer:l:1", "owner_account": "111122223333",
                        "code_size": -1}]),
                "accounts[0].functions[1].layers[0].code_size",
            ),
            (
                &format!("{function}/environment"),
                json!([{"name": "X", "value_kind": "literal", "value_length": 65_537}]),
                "accounts[0].functions[1].environment[0].value_length",
            ),
            (
                &format!("{function}/live_versions"),
                json!([{"version": "1", "package_type": "Zip", "role_arn": "r",
                        "environment": [{"name": "X", "value_kind": "literal", "value_length": 65_537}]}]),
                "accounts[0].functions[1].live_versions[0].environment[0].value_length",
            ),
            (
                &format!("{function}/code_scan"),
                json!({"scanned": [{"source": "function", "files_scanned": 1_000_000_001u64}]}),
                "accounts[0].functions[1].code_scan.scanned[0].files_scanned",
            ),
            (
                &format!("{function}/code_scan"),
                json!({"findings": [{"source": "function", "path": "a.py", "line": 0, "rule_id": "github-token",
                                     "masked_preview": "ghp_…"}]}),
                "accounts[0].functions[1].code_scan.findings[0].line",
            ),
            (
                "/accounts/0/account_settings",
                json!({"us-east-1": {"concurrent_executions_limit": -1}}),
                "accounts[0].account_settings.us-east-1.concurrent_executions_limit",
            ),
            (
                "/accounts/0/account_settings",
                json!({"us-east-1": {"unreserved_concurrent_executions": 10_000_001}}),
                "accounts[0].account_settings.us-east-1.unreserved_concurrent_executions",
            ),
            (
                "/accounts/0/account_settings",
                json!({"us-east-1": {"code_size_limit": -1}}),
                "accounts[0].account_settings.us-east-1.code_size_limit",
            ),
        ];
        for (pointer, value, field) in cases {
            let e = inventory(|v| {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let parent = if parent.is_empty() {
                    &mut *v
                } else {
                    v.pointer_mut(parent).unwrap()
                };
                parent[key] = value.clone();
            })
            .unwrap_err();
            assert!(
                e.starts_with(&format!("inv.json: field `{field}`: "))
                    && e.contains("is out of range: must be between"),
                "{pointer} = {value}: {e}"
            );
            assert!(!e.contains('\n') && e.len() < 300, "one short line: {e}");
        }
        // the bounds themselves are accepted
        inventory(|v| {
            let f = &mut v["accounts"][0]["functions"][1];
            f["memory_mb"] = json!(10_240);
            f["timeout_seconds"] = json!(900);
            f["metrics"] = json!({"since": "2026-10-01", "until": "2026-11-01", "daily": [
                {"date": "2026-10-02", "invocations": 1e15, "errors": 0.0, "throttles": 0.0, "max_duration_ms": 3_600_000.0}]});
            f["event_source_mappings"] = json!([{"uuid": "u", "function_arn": "f", "maximum_retry_attempts": -1,
                                                 "maximum_record_age_seconds": -1}]);
        })
        .unwrap();
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
        let e = inventory(|v| {
            v["accounts"][0]["functions"][1]["code_scan"] = json!({"findings": [{"source": "function",
                "path": "a.py", "line": 3, "rule_id": "made-up\u{1b}[2J", "masked_preview": "AKIA…"}]});
        })
        .unwrap_err();
        assert!(
            e.starts_with(
                "inv.json: field `accounts[0].functions[1].code_scan.findings[0].rule_id`: unknown"
            ),
            "{e}"
        );
    }

    #[test]
    fn cloudtrail_trails_are_listed_once_with_no_more_selectors_than_cloudtrail_allows() {
        let trail = json!({"arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t", "name": "t",
            "home_region": "us-east-1", "logging": true, "selectors": {"basic": [], "advanced": []}});
        assert!(inventory(|v| v["accounts"][0]["cloudtrail"] = json!({"trails": [trail]})).is_ok());
        let e = inventory(|v| v["accounts"][0]["cloudtrail"] = json!({"trails": [trail, trail]}))
            .unwrap_err();
        assert!(
            e.contains("accounts[0].cloudtrail.trails[1].arn") && e.contains("listed twice"),
            "{e}"
        );
        let mut six = trail.clone();
        six["selectors"]["basic"] = json!(vec![json!({}); 6]);
        let e =
            inventory(|v| v["accounts"][0]["cloudtrail"] = json!({"trails": [six]})).unwrap_err();
        assert!(
            e.contains("accounts[0].cloudtrail.trails[0].selectors.basic"),
            "{e}"
        );
        let many = json!({"field": "resources.ARN", "starts_with": vec!["arn:aws:lambda"; 1001]});
        let e = inventory(|v| {
            v["accounts"][0]["cloudtrail"] = json!({"event_data_stores": [{
                "arn": "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/e", "name": "e", "region": "us-east-1",
                "details": {"status": "ENABLED", "advanced": [{"field_selectors": [many]}]}}]})
        })
        .unwrap_err();
        assert!(
            e.contains("accounts[0].cloudtrail.event_data_stores[0].details.advanced"),
            "{e}"
        );
    }

    #[test]
    fn load_balancers_have_ports_in_range_and_bounded_lists() {
        let lb = |port: u64, from: i64| {
            json!({"target_groups": {}, "load_balancers": {"arn:lb": {
                "name": "web", "region": "us-east-1", "scheme": "internet-facing", "state": "active",
                "security_group_ids": ["sg-1"],
                "security_groups": {"sg-1": [{"protocol": "tcp", "from_port": from, "to_port": 443,
                                               "sources": ["0.0.0.0/0"]}]},
                "listeners": [{"arn": "arn:l", "protocol": "HTTP", "port": port, "rules": []}]}}})
        };
        assert!(inventory(|v| v["accounts"][0]["load_balancing"] = lb(443, 443)).is_ok());
        let e = inventory(|v| v["accounts"][0]["load_balancing"] = lb(0, 443)).unwrap_err();
        assert!(
            e.contains("accounts[0].load_balancing.load_balancers.arn:lb.listeners[0].port"),
            "{e}"
        );
        let e = inventory(|v| v["accounts"][0]["load_balancing"] = lb(443, -7)).unwrap_err();
        assert!(e.contains("security_groups.sg-1[0].from_port"), "{e}");
        let many: Vec<Value> = (0..1001).map(|_| json!({"priority": "1"})).collect();
        let e = inventory(|v| {
            let mut elb = lb(443, 443);
            elb["load_balancers"]["arn:lb"]["listeners"][0]["rules"] = json!(many);
            v["accounts"][0]["load_balancing"] = elb;
        })
        .unwrap_err();
        assert!(e.contains("listeners[0].rules"), "{e}");
    }
}
