//! Suppressions: `[[suppressions]]` entries of the config file that mute accepted findings, with a mandatory
//! reason and an optional expiry date. Each entry is validated once, when the configuration is
//! ([`Suppression::validate`]), and the engine applies the entries to the findings before it builds the report, so the
//! scores count what is left; expired and unmatched entries are reported.
//!
//! An entry matches a finding when every matcher it sets matches (at least one is required):
//! - `check`: a check id;
//! - `resource`: a wildcard pattern ([`crate::wildcard`]: `*` any run of characters, `?` one character) on the
//!   finding's resource ARN or the ARN of the function it belongs to;
//! - `tag`: `key` (the function carries the tag) or `key=value` (value may be a wildcard pattern).
//!
//! Failing and unknown findings that match an active entry get status `muted` and keep the entry's reason.
//! An entry is active through its `expires` date (the scan date decides, so a saved inventory always evaluates
//! the same way) and expired from the day after.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::finding::{AppliedSuppression, Finding, Status};
use crate::inventory::Inventory;
use crate::wildcard;

/// One `[[suppressions]]` entry of the config file, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Suppression {
    /// Check id to mute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Wildcard pattern on the resource ARN (or the function's ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `key` or `key=value-pattern` on the function's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Why the risk is accepted (mandatory).
    pub reason: String,
    /// Last day the entry mutes (`2026-06-30` as a TOML date or a string).
    #[serde(with = "expiry", skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
}

/// An entry that passed validation, its matchers read once: what [`apply`] matches findings with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSuppression {
    entry: Suppression,
    /// `tag`, split into key and value pattern.
    tag: Option<TagMatcher>,
}

/// The `tag` matcher: the function carries the key, or carries it with a value matching the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TagMatcher {
    Key(String),
    Value { key: String, pattern: String },
}

/// Why an entry is refused; the configuration names the file and the entry (`suppressions[i]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryError {
    /// `key` is the entry's key at fault (`.reason`), empty for the entry as a whole.
    Invalid {
        /// The key at fault, e.g. `.reason`.
        key: &'static str,
        /// What is wrong with it.
        message: &'static str,
    },
    /// `check` names no check of the catalogue.
    UnknownCheck(String),
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
    /// Position of the entry in the file's `[[suppressions]]`, from 0.
    pub index: usize,
    /// The entry as written.
    #[serde(flatten)]
    pub entry: Suppression,
    /// Active, expired or unmatched.
    pub state: SuppressionState,
    /// Findings the entry matches (muted for an active entry).
    pub matched: usize,
}

/// Mute the `findings` matched by active entries (the inventory's scan date decides expiry; its functions' tags
/// feed the `tag` matchers) and say what each entry did, in the order of the configuration.
pub fn apply(
    findings: &mut [Finding],
    inventory: &Inventory,
    suppressions: &[ValidSuppression],
) -> Vec<SuppressionUse> {
    if suppressions.is_empty() {
        return Vec::new();
    }
    let today = inventory.scan_date();
    let tags: HashMap<&str, &BTreeMap<String, String>> = inventory
        .accounts
        .iter()
        .flat_map(|a| &a.functions)
        .map(|f| (f.arn.as_str(), &f.tags))
        .collect();
    let no_tags = BTreeMap::new();
    let mut matched = vec![0usize; suppressions.len()];
    for finding in findings
        .iter_mut()
        .filter(|f| matches!(f.status, Status::Fail | Status::Unknown))
    {
        let function_tags = tags
            .get(&*finding.function_arn)
            .copied()
            .unwrap_or(&no_tags);
        let mut muted_by = None;
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.matches(finding, function_tags) {
                matched[index] += 1;
                if muted_by.is_none() && !suppression.entry.expired(today) {
                    muted_by = Some(index);
                }
            }
        }
        if let Some(index) = muted_by {
            let entry = &suppressions[index].entry;
            finding.suppression = Some(Box::new(AppliedSuppression {
                index,
                reason: entry.reason.clone(),
                expires: entry.expires,
                original_status: finding.status,
            }));
            finding.status = Status::Muted;
        }
    }
    suppressions
        .iter()
        .enumerate()
        .map(|(index, suppression)| SuppressionUse {
            index,
            entry: suppression.entry.clone(),
            state: match (suppression.entry.expired(today), matched[index]) {
                (true, _) => SuppressionState::Expired,
                (false, 0) => SuppressionState::Unmatched,
                (false, _) => SuppressionState::Active,
            },
            matched: matched[index],
        })
        .collect()
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

    /// Expired when the scan date is after the expiry date.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|last_day| today > last_day)
    }

    /// The entry with its matchers read, or why it cannot be used: no reason, no matcher, an unknown check id
    /// (`known_check` says which ids exist), an empty resource pattern or tag key.
    pub fn validate(
        self,
        known_check: impl Fn(&str) -> bool,
    ) -> Result<ValidSuppression, EntryError> {
        let invalid = |key, message| Err(EntryError::Invalid { key, message });
        if self.reason.trim().is_empty() {
            return invalid(
                ".reason",
                "a reason is required: say why this finding is accepted",
            );
        }
        if self.check.is_none() && self.resource.is_none() && self.tag.is_none() {
            return invalid("", "needs at least one of `check`, `resource`, `tag` (an entry may not mute everything)");
        }
        if let Some(id) = &self.check {
            if !known_check(id) {
                return Err(EntryError::UnknownCheck(id.clone()));
            }
        }
        if self
            .resource
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            return invalid(
                ".resource",
                "must not be empty (use a glob such as `arn:aws:lambda:*:*:function:legacy-*`)",
            );
        }
        let tag = match self.tag.as_deref() {
            None => None,
            Some(spec) => {
                let matcher = match spec.split_once('=') {
                    Some((key, value)) => TagMatcher::Value {
                        key: key.trim().to_string(),
                        pattern: value.trim().to_string(),
                    },
                    None => TagMatcher::Key(spec.trim().to_string()),
                };
                if matcher.key().is_empty() {
                    return invalid(".tag", "must be `key` or `key=value`");
                }
                Some(matcher)
            }
        };
        Ok(ValidSuppression { entry: self, tag })
    }
}

impl ValidSuppression {
    /// The entry as written in the configuration.
    pub fn entry(&self) -> &Suppression {
        &self.entry
    }

    /// Whether every matcher the entry sets matches the finding (whose function carries `function_tags`).
    pub fn matches(&self, finding: &Finding, function_tags: &BTreeMap<String, String>) -> bool {
        let entry = &self.entry;
        let check_ok = entry
            .check
            .as_deref()
            .is_none_or(|id| id == finding.check_id);
        let resource_ok = entry.resource.as_deref().is_none_or(|pattern| {
            wildcard::matches(pattern, &finding.resource_arn, false)
                || wildcard::matches(pattern, &finding.function_arn, false)
        });
        let tag_ok = self.tag.as_ref().is_none_or(|tag| match tag {
            TagMatcher::Key(key) => function_tags.contains_key(key),
            TagMatcher::Value { key, pattern } => function_tags
                .get(key)
                .is_some_and(|value| wildcard::matches(pattern, value, false)),
        });
        check_ok && resource_ok && tag_ok
    }
}

impl TagMatcher {
    fn key(&self) -> &str {
        match self {
            TagMatcher::Key(key) | TagMatcher::Value { key, .. } => key,
        }
    }
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
    use crate::config::{Config, ConfigError, ValidConfig};

    fn load(text: &str) -> Result<ValidConfig, ConfigError> {
        ValidConfig::from_toml("lp.toml", text, |id| {
            id == "tracing-off" || id == "role-shared"
        })
    }

    /// The `resource` matcher's meaning of a pattern.
    fn glob_match(pattern: &str, text: &str) -> bool {
        wildcard::matches(pattern, text, false)
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
        let text = r#"
            [[suppressions]]
            check = "tracing-off"
            resource = "arn:aws:lambda:*:*:function:legacy-*"
            reason = "legacy stack, decommissioned in Q3"
            expires = 2026-06-30

            [[suppressions]]
            tag = "env=sandbox"
            reason = "sandbox account"
            expires = "2027-01-01"
            "#;
        let c = Config::parse("lp.toml", text).unwrap();
        assert_eq!(c.suppressions.len(), 2);
        assert_eq!(load(text).unwrap().suppressions.len(), 2);
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

    /// A failing tracing-off finding on every function of `inventory`.
    fn tracing_off_findings(inventory: &Inventory) -> Vec<Finding> {
        inventory.accounts[0]
            .functions
            .iter()
            .map(|f| Finding {
                id: crate::finding::stable_id("tracing-off", &f.arn, None),
                check_id: "tracing-off".into(),
                title: "Tracing off".into(),
                severity: crate::finding::Severity::Low,
                status: Status::Fail,
                account_id: "111122223333".into(),
                region: f.region.as_str().into(),
                resource_arn: f.arn.as_str().into(),
                resource_name: f.name.as_str().into(),
                discriminator: None,
                message: String::new(),
                evidence: crate::finding::Evidence::null(),
                function_arn: f.arn.as_str().into(),
                owner_tags: Default::default(),
                remediation: Default::default(),
                doc_url: Default::default(),
                compliance: Default::default(),
                suppression: None,
            })
            .collect()
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
        let mut findings = tracing_off_findings(&inventory);
        let uses = apply(&mut findings, &inventory, &config.suppressions);
        assert_eq!(findings.len(), 3, "muted findings stay");
        let of = |name: &str| findings.iter().find(|f| &*f.resource_name == name).unwrap();
        let applied = of("legacy-billing").suppression.as_deref().unwrap();
        assert_eq!(of("legacy-billing").status, Status::Muted);
        assert_eq!(applied.reason, "legacy, decommissioned in Q3");
        assert_eq!(applied.original_status, Status::Fail);
        assert_eq!(of("orders").status, Status::Muted);
        assert_eq!(of("orders").suppression.as_ref().unwrap().index, 1);
        assert_eq!(
            of("payments").status,
            Status::Fail,
            "an expired entry mutes nothing"
        );
        assert!(of("payments").suppression.is_none());
        let states: Vec<(SuppressionState, usize)> =
            uses.iter().map(|s| (s.state, s.matched)).collect();
        assert_eq!(
            states,
            [
                (SuppressionState::Active, 1),
                (SuppressionState::Active, 1),
                (SuppressionState::Expired, 1),
                (SuppressionState::Unmatched, 0)
            ]
        );
        assert_eq!(uses[2].entry, *config.suppressions[2].entry());
    }

    #[test]
    fn tag_matchers_are_read_once_and_trimmed() {
        let entry = |tag: &str| {
            Suppression {
                tag: Some(tag.into()),
                reason: "r".into(),
                ..Default::default()
            }
            .validate(|_| true)
        };
        let tags: BTreeMap<String, String> = [("env".to_string(), "sandbox-1".to_string())].into();
        let finding = &tracing_off_findings(&inventory())[0];
        assert!(entry(" env ").unwrap().matches(finding, &tags));
        assert!(entry("env = sandbox-* ").unwrap().matches(finding, &tags));
        assert!(!entry("env=prod").unwrap().matches(finding, &tags));
        assert!(!entry("team").unwrap().matches(finding, &tags));
        assert_eq!(
            entry(" =x"),
            Err(EntryError::Invalid {
                key: ".tag",
                message: "must be `key` or `key=value`"
            })
        );
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
