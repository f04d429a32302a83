//! Suppressions: `[[suppressions]]` entries of the config file that mute accepted findings, with a mandatory
//! reason and an optional expiry date, applied after evaluation; expired and unmatched entries are reported.
//!
//! An entry matches a finding when every matcher it sets matches (at least one is required):
//! - `check`: a check id;
//! - `resource`: a glob (`*` any run of characters, `?` one character) on the finding's resource ARN or the ARN of
//!   the function it belongs to;
//! - `tag`: `key` (the function carries the tag) or `key=value` (value may be a glob).
//!
//! Failing and unknown findings that match an active entry get status `muted` and keep the entry's reason.
//! An entry is active through its `expires` date (the scan date decides, so a saved inventory always evaluates
//! the same way) and expired from the day after.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::{Finding, Status};
use crate::inventory::Inventory;
use crate::report::Report;

/// One `[[suppressions]]` entry of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Suppression {
    /// Check id to mute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Glob on the resource ARN (or the function's ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `key` or `key=value-glob` on the function's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Why the risk is accepted (mandatory).
    pub reason: String,
    /// Last day the entry mutes (`2026-06-30` as a TOML date or a string).
    #[serde(with = "expiry", skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
}

/// The entry that muted a finding, carried by the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedSuppression {
    /// Position of the entry in the config file's `[[suppressions]]` list, from 0.
    pub index: usize,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    /// What the finding was before it was muted: `fail` or `unknown`.
    pub original_status: Status,
}

/// What became of one entry in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionState {
    /// In force and muting at least one finding.
    Active,
    /// Past its expiry date: mutes nothing; `matched` counts what it would have muted.
    Expired,
    /// In force but matching no finding: stale, or a typo.
    Unmatched,
}

/// One entry and what it did, listed in the report so stale entries get noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionUse {
    pub index: usize,
    #[serde(flatten)]
    pub entry: Suppression,
    pub state: SuppressionState,
    /// Findings the entry matches (muted for an active entry).
    pub matched: usize,
}

/// Mute the findings matched by active entries, record every entry's state in `report.suppressions`, and rescore.
pub fn apply(report: &mut Report, inventory: &Inventory, suppressions: &[Suppression]) {
    let today = inventory.scan_date();
    let tags: HashMap<&str, &BTreeMap<String, String>> = inventory
        .accounts
        .iter()
        .flat_map(|a| &a.functions)
        .map(|f| (f.arn.as_str(), &f.tags))
        .collect();
    let no_tags = BTreeMap::new();
    let mut matched = vec![0usize; suppressions.len()];
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
    {
        let function_tags = tags
            .get(&*finding.function_arn)
            .copied()
            .unwrap_or(&no_tags);
        let mut muted_by = None;
        for (index, entry) in suppressions.iter().enumerate() {
            if entry.matches(finding, function_tags) {
                matched[index] += 1;
                if muted_by.is_none() && !entry.expired(today) {
                    muted_by = Some(index);
                }
            }
        }
        if let Some(index) = muted_by {
            let entry = &suppressions[index];
            finding.suppression = Some(Box::new(AppliedSuppression {
                index,
                reason: entry.reason.clone(),
                expires: entry.expires,
                original_status: finding.status,
            }));
            finding.status = Status::Muted;
        }
    }
    report.suppressions = suppressions
        .iter()
        .enumerate()
        .map(|(index, entry)| SuppressionUse {
            index,
            entry: entry.clone(),
            state: match (entry.expired(today), matched[index]) {
                (true, _) => SuppressionState::Expired,
                (false, 0) => SuppressionState::Unmatched,
                (false, _) => SuppressionState::Active,
            },
            matched: matched[index],
        })
        .collect();
    report.rescore(inventory);
}

impl Suppression {
    /// The matchers the entry sets, as (key, value): `check`, `resource`, `tag`, in that order.
    pub fn matchers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("check", &self.check),
            ("resource", &self.resource),
            ("tag", &self.tag),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    }

    /// Whether every matcher the entry sets matches the finding (whose function carries `function_tags`).
    pub fn matches(&self, finding: &Finding, function_tags: &BTreeMap<String, String>) -> bool {
        let check_ok = self
            .check
            .as_deref()
            .is_none_or(|id| id == finding.check_id);
        let resource_ok = self.resource.as_deref().is_none_or(|pattern| {
            glob_match(pattern, &finding.resource_arn) || glob_match(pattern, &finding.function_arn)
        });
        let tag_ok = self
            .tag
            .as_deref()
            .is_none_or(|spec| match spec.split_once('=') {
                Some((key, value)) => function_tags
                    .get(key.trim())
                    .is_some_and(|v| glob_match(value.trim(), v)),
                None => function_tags.contains_key(spec.trim()),
            });
        check_ok && resource_ok && tag_ok
    }

    /// Expired when the scan date is after the expiry date.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|last_day| today > last_day)
    }
}

/// Validate the entries; errors name the file, the entry (`suppressions[i]`, from 0) and the key.
pub fn validate(
    entries: &[Suppression],
    path: &str,
    known_check: impl Fn(&str) -> bool,
) -> Result<(), ConfigError> {
    for (i, entry) in entries.iter().enumerate() {
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            path: path.into(),
            key: format!("suppressions[{i}]{key}"),
            message: message.into(),
        };
        if entry.reason.trim().is_empty() {
            return Err(invalid(
                ".reason",
                "a reason is required: say why this finding is accepted",
            ));
        }
        if entry.check.is_none() && entry.resource.is_none() && entry.tag.is_none() {
            return Err(invalid("", "needs at least one of `check`, `resource`, `tag` (an entry may not mute everything)"));
        }
        if let Some(id) = &entry.check {
            if !known_check(id) {
                return Err(ConfigError::UnknownCheck {
                    path: path.into(),
                    key: format!("suppressions[{i}].check"),
                    id: id.clone(),
                });
            }
        }
        if entry
            .resource
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            return Err(invalid(
                ".resource",
                "must not be empty (use a glob such as `arn:aws:lambda:*:*:function:legacy-*`)",
            ));
        }
        if let Some(tag) = &entry.tag {
            let key = tag.split_once('=').map_or(tag.as_str(), |(k, _)| k);
            if key.trim().is_empty() {
                return Err(invalid(".tag", "must be `key` or `key=value`"));
            }
        }
    }
    Ok(())
}

/// Glob match: `*` any run of characters (possibly empty, across `:` and `/`), `?` exactly one character;
/// case-sensitive. The one wildcard matcher is [`crate::wildcard`].
pub fn glob_match(pattern: &str, text: &str) -> bool {
    crate::wildcard::matches(pattern, text, false)
}

/// `expires`: a TOML date (`2026-06-30`) or a `YYYY-MM-DD` string, in TOML and JSON alike.
mod expiry {
    use chrono::NaiveDate;
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => serializer.serialize_str(&d.format("%Y-%m-%d").to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        deserializer.deserialize_any(DateVisitor).map(Some)
    }

    struct DateVisitor;

    fn parse<E: de::Error>(text: &str) -> Result<NaiveDate, E> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            E::custom(format!(
                "`{text}` is not a date (expected YYYY-MM-DD, e.g. 2026-06-30)"
            ))
        })
    }

    impl<'de> Visitor<'de> for DateVisitor {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date YYYY-MM-DD")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            parse(v)
        }
        /// toml hands its datetime values over as a one-entry map holding the text.
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NaiveDate, A::Error> {
            let Some((_, text)) = map.next_entry::<String, String>()? else {
                return Err(de::Error::custom("expected a date YYYY-MM-DD"));
            };
            parse(&text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml("lp.toml", text, |id| {
            id == "tracing-off" || id == "role-shared"
        })
    }

    #[test]
    fn glob_matches_like_a_shell() {
        let arn = "arn:aws:lambda:us-east-1:111122223333:function:legacy-billing";
        assert!(glob_match("arn:aws:lambda:*:*:function:legacy-*", arn));
        assert!(glob_match("*legacy*", arn));
        assert!(glob_match(arn, arn));
        assert!(glob_match("arn:aws:lambda:us-east-?:*", arn));
        assert!(!glob_match("arn:aws:lambda:eu-*", arn));
        assert!(
            !glob_match("*:function:legacy", arn),
            "a pattern without a trailing star must match to the end"
        );
        assert!(glob_match("*", ""));
        assert!(!glob_match("?", ""));
        assert!(glob_match("a*b*c", "a-x-b-y-b-c"));
    }

    #[test]
    fn entries_parse_with_toml_or_string_dates() {
        let c = load(
            r#"
            [[suppressions]]
            check = "tracing-off"
            resource = "arn:aws:lambda:*:*:function:legacy-*"
            reason = "legacy stack, decommissioned in Q3"
            expires = 2026-06-30

            [[suppressions]]
            tag = "env=sandbox"
            reason = "sandbox account"
            expires = "2027-01-01"
            "#,
        )
        .unwrap();
        assert_eq!(c.suppressions.len(), 2);
        assert_eq!(
            c.suppressions[0].expires,
            NaiveDate::from_ymd_opt(2026, 6, 30)
        );
        assert_eq!(
            c.suppressions[1].expires,
            NaiveDate::from_ymd_opt(2027, 1, 1)
        );
        assert_eq!(c.suppressions[1].tag.as_deref(), Some("env=sandbox"));
        // The same entries round-trip through JSON (catalogue cases carry configs in JSON).
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), c);
    }

    #[test]
    fn errors_name_the_file_the_entry_and_the_key() {
        let e = load("[[suppressions]]\ncheck = \"tracing-off\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "lp.toml: `suppressions[0].reason`: a reason is required: say why this finding is accepted");
        let e = load("[[suppressions]]\ncheck = \"tracing-off\"\nreason = \"ok\"\n[[suppressions]]\nreason = \"all\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml: `suppressions[1]`: needs at least one of"),
            "{e}"
        );
        let e = load("[[suppressions]]\ncheck = \"no-such\"\nreason = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml: `suppressions[0].check`: unknown check id `no-such`"),
            "{e}"
        );
        let e = load(
            "[[suppressions]]\ncheck = \"tracing-off\"\nreason = \"x\"\nexpires = \"30/06/2026\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("lp.toml:") && e.contains("30/06/2026") && e.contains("YYYY-MM-DD"),
            "{e}"
        );
        let e =
            load("[[suppressions]]\ncheck = \"tracing-off\"\nreason = \"x\"\nresorce = \"*\"\n")
                .unwrap_err()
                .to_string();
        assert!(e.starts_with("lp.toml:") && e.contains("resorce"), "{e}");
        let e = load("[[suppressions]]\ntag = \"=x\"\nreason = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`suppressions[0].tag`"), "{e}");
        let e = load("[[suppressions]]\nresource = \" \"\nreason = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`suppressions[0].resource`"), "{e}");
    }

    fn inventory() -> Inventory {
        let function = |name: &str, tags: &[(&str, &str)]| crate::inventory::Function {
            arn: format!("arn:aws:lambda:us-east-1:111122223333:function:{name}"),
            name: name.into(),
            region: "us-east-1".into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        Inventory {
            schema_version: 1,
            tool_version: "test".into(),
            collected_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            lookback_days: 90,
            accounts: vec![crate::inventory::Account {
                account_id: "111122223333".into(),
                functions: vec![
                    function("legacy-billing", &[]),
                    function("orders", &[("env", "sandbox-1")]),
                    function("payments", &[("env", "prod")]),
                ],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn apply_mutes_matches_keeps_them_and_reports_stale_entries() {
        let inventory = inventory();
        let config = load(
            r#"
            [[suppressions]]
            resource = "arn:aws:lambda:*:*:function:legacy-*"
            reason = "legacy, decommissioned in Q3"
            expires = 2026-12-31
            [[suppressions]]
            check = "tracing-off"
            tag = "env=sandbox-*"
            reason = "sandbox"
            [[suppressions]]
            check = "tracing-off"
            tag = "env=prod"
            reason = "expired waiver"
            expires = 2026-10-31
            [[suppressions]]
            check = "role-shared"
            reason = "matches nothing"
            "#,
        )
        .unwrap();
        let mut report = crate::engine::evaluate(&inventory, &config);
        // Only tracing-off findings: the other checks fail or cannot decide on these bare functions too.
        report.findings.retain(|f| f.check_id == "tracing-off");
        report.rescore(&inventory);
        let before = report.findings.len();
        assert_eq!(before, 3, "tracing-off fails on every function");
        assert!(report.functions.iter().all(|f| f.score < 100));
        apply(&mut report, &inventory, &config.suppressions);
        assert_eq!(
            report.findings.len(),
            before,
            "muted findings stay in the report"
        );
        let status = |name: &str| {
            report
                .findings
                .iter()
                .find(|f| &*f.resource_name == name)
                .unwrap()
        };
        assert_eq!(status("legacy-billing").status, Status::Muted);
        assert_eq!(
            status("legacy-billing")
                .suppression
                .as_ref()
                .unwrap()
                .reason,
            "legacy, decommissioned in Q3"
        );
        assert_eq!(
            status("legacy-billing")
                .suppression
                .as_ref()
                .unwrap()
                .original_status,
            Status::Fail
        );
        assert_eq!(status("orders").status, Status::Muted);
        assert_eq!(status("orders").suppression.as_ref().unwrap().index, 1);
        assert_eq!(
            status("payments").status,
            Status::Fail,
            "an expired entry mutes nothing"
        );
        let states: Vec<(SuppressionState, usize)> = report
            .suppressions
            .iter()
            .map(|s| (s.state, s.matched))
            .collect();
        assert_eq!(
            states,
            [
                (SuppressionState::Active, 1),
                (SuppressionState::Active, 1),
                (SuppressionState::Expired, 1),
                (SuppressionState::Unmatched, 0)
            ]
        );
        // Rescored: muted findings no longer weigh on the score; the account counts them.
        let score = |name: &str| {
            report
                .functions
                .iter()
                .find(|f| f.name == name)
                .unwrap()
                .score
        };
        assert_eq!(score("legacy-billing"), 100);
        assert!(score("payments") < 100);
        assert_eq!(report.accounts[0].muted, 2);
    }

    #[test]
    fn expiry_is_inclusive() {
        let entry = Suppression {
            expires: NaiveDate::from_ymd_opt(2026, 6, 30),
            ..Default::default()
        };
        assert!(!entry.expired(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()));
        assert!(entry.expired(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()));
        assert!(!Suppression::default().expired(NaiveDate::MAX));
    }
}
