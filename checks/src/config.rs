//! User configuration (`lambda-posture.toml`): severity overrides, disabled checks, thresholds, trusted accounts,
//! code-scan ignores, suppressions. [`Config`] is the file as written; [`Config::validate`] checks every value once
//! and compiles every matcher once into the [`ValidConfig`] that everything downstream reads.

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::finding::Severity;
use crate::suppress::{EntryError, Suppression, ValidSuppression};

/// The configuration file as written (`lambda-posture.toml`), before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Check id → severity replacing the default.
    pub severity: BTreeMap<String, Severity>,
    /// Check ids not to run.
    pub disabled: Vec<String>,
    /// Checks that are off by default to run (`function-not-in-vpc`); see [`crate::catalog::off_by_default`].
    pub enabled: Vec<String>,
    /// Numbers the checks compare with.
    pub thresholds: Thresholds,
    /// Tag keys that name an owner (case-insensitive); a function needs one of them.
    pub owner_tags: Vec<String>,
    /// Accounts (12 digits) that are not "foreign": cross-account invoke and layers from them are fine.
    pub trusted_accounts: Vec<String>,
    /// The account's organization id (`o-…`): aws:PrincipalOrgID conditions on it pin the caller to a trusted org.
    /// When unset, the organization the scan read (organizations:DescribeOrganization) is the account's.
    pub organization_id: Option<String>,
    /// `--scan-code`: what not to report in deployment packages and layers.
    pub code_scan: CodeScanConfig,
    /// `[[suppressions]]`: accepted findings to mute, each with a reason (see [`crate::suppress`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// A configuration whose values were all checked and whose matchers were all compiled, once
/// ([`Config::validate`]): what the engine, the checks, the `unused` report and the code scan read.
#[derive(Debug, Clone)]
pub struct ValidConfig {
    /// Check id → severity replacing the default (every id known).
    pub severity: BTreeMap<String, Severity>,
    /// Check ids not to run (every id known).
    pub disabled: Vec<String>,
    /// Checks off by default to run (every id known and off by default, none also disabled).
    pub enabled: Vec<String>,
    /// Numbers the checks compare with (every one in its range).
    pub thresholds: Thresholds,
    /// Tag keys that name an owner (case-insensitive, none empty).
    pub owner_tags: Vec<String>,
    /// Accounts (12 digits each) that are not "foreign".
    pub trusted_accounts: Vec<String>,
    /// The account's organization id (`o-…`), when set.
    pub organization_id: Option<String>,
    /// `[code_scan]`, its globs and patterns compiled.
    pub code_scan: ValidCodeScan,
    /// `[[suppressions]]`, their matchers read, in the file's order.
    pub suppressions: Vec<ValidSuppression>,
}

/// `[code_scan]` validated: the configured globs and patterns compiled, each once.
#[derive(Debug, Clone)]
pub struct ValidCodeScan {
    /// Also apply the scanner's built-in ignores.
    pub default_ignores: bool,
    /// `ignore_paths`, compiled with [`path_globs`].
    pub ignore_paths: Vec<Glob>,
    /// `ignore_values`, compiled.
    pub ignore_values: Vec<Regex>,
}

/// `[code_scan]`: paths and values `--scan-code` does not report, each with the reason (docs/scan-code.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeScanConfig {
    /// Also apply the built-in ignores for well-known vendored noise (lock files, source maps, test fixtures of
    /// vendored modules…); `false` scans everything.
    pub default_ignores: bool,
    /// Paths inside a package not to scan: a glob (`node_modules/**/test/**`; one without `/` matches the file
    /// name at any depth) and why.
    pub ignore_paths: Vec<IgnorePath>,
    /// Findings not to report: a regular expression matched against the line the finding starts on, and why.
    pub ignore_values: Vec<IgnoreValue>,
}

/// A path `--scan-code` does not scan, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnorePath {
    /// The glob, matched against paths inside a package.
    pub glob: String,
    /// Why these files need no scanning.
    pub reason: String,
}

/// A finding `--scan-code` does not report, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreValue {
    /// A regular expression matched against the line the finding starts on.
    pub pattern: String,
    /// Why such a match is not a secret.
    pub reason: String,
}

impl Default for CodeScanConfig {
    fn default() -> Self {
        CodeScanConfig {
            default_ignores: true,
            ignore_paths: Vec::new(),
            ignore_values: Vec::new(),
        }
    }
}

impl CodeScanConfig {
    /// The compiled ignores, or the first invalid entry as (key, message): a glob or pattern that does not compile,
    /// or a missing reason.
    pub fn validate(&self) -> Result<ValidCodeScan, (String, String)> {
        let mut ignore_paths = Vec::new();
        for (i, p) in self.ignore_paths.iter().enumerate() {
            let key = format!("code_scan.ignore_paths[{i}]");
            match path_globs(&p.glob) {
                Ok(globs) => ignore_paths.extend(globs),
                Err(e) => {
                    return Err((
                        format!("{key}.glob"),
                        format!("`{}` is not a valid glob: {}", p.glob, e.kind()),
                    ))
                }
            }
            if p.reason.trim().is_empty() {
                return Err((
                    format!("{key}.reason"),
                    "say why this path is not scanned".into(),
                ));
            }
        }
        let mut ignore_values = Vec::new();
        for (i, v) in self.ignore_values.iter().enumerate() {
            let key = format!("code_scan.ignore_values[{i}]");
            match Regex::new(&v.pattern) {
                Ok(regex) => ignore_values.push(regex),
                Err(e) => {
                    let first = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    return Err((
                        format!("{key}.pattern"),
                        format!("`{}` is not a valid regular expression: {first}", v.pattern),
                    ));
                }
            }
            if v.reason.trim().is_empty() {
                return Err((
                    format!("{key}.reason"),
                    "say why these values are not reported".into(),
                ));
            }
        }
        Ok(ValidCodeScan {
            default_ignores: self.default_ignores,
            ignore_paths,
            ignore_values,
        })
    }
}

impl Default for ValidCodeScan {
    /// The defaults of [`CodeScanConfig`], validated.
    fn default() -> Self {
        CodeScanConfig::default()
            .validate()
            .expect("the default [code_scan] is valid")
    }
}

/// A path glob of `--scan-code` compiled: `/` matched only by `/` (and `**`); a glob without `/` matches the file
/// name at any depth (like .gitignore), so it also gives its `**/` form.
pub fn path_globs(glob: &str) -> Result<Vec<Glob>, globset::Error> {
    let compile = |text: &str| GlobBuilder::new(text).literal_separator(true).build();
    let mut globs = vec![compile(glob)?];
    if !glob.contains('/') {
        globs.push(compile(&format!("**/{glob}"))?);
    }
    Ok(globs)
}

/// `[thresholds]`: the numbers the checks compare with, each with a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// No invocation for this many days = unused.
    pub unused_days: u32,
    /// More distinct services than this = all-purpose role.
    pub all_purpose_services: usize,
    /// Max duration / timeout at or above this = near the limit.
    pub timeout_ratio: f64,
    /// Code older than this while still invoked = stale.
    pub stale_days: u32,
    /// Errors / invocations above this on a day = high error rate.
    pub error_rate: f64,
    /// Days looked at for the error rate.
    pub error_rate_days: u32,
    /// Invocations a day (or, pooled, the whole window) needs before its error rate counts: one failed call out of
    /// one is not a 100% error rate.
    pub error_rate_min_invocations: u32,
    /// A runtime deprecated within this many days is reported (medium).
    pub runtime_warning_days: u32,
    /// Days without use before a granted service counts as unused.
    pub unused_permission_days: u32,
    /// A log group keeping logs fewer days than this fails log-retention (never expiring is fine).
    pub min_log_retention_days: u32,
}

/// Accepted ranges of the day-count thresholds (README, Configuration). 455 days is how long CloudWatch keeps
/// hourly data (the longest lookback); 400 days is IAM's service last-accessed tracking window; ten years bounds the
/// age-based ones.
pub const UNUSED_DAYS: std::ops::RangeInclusive<u32> = 1..=455;
/// Accepted range of `thresholds.stale_days`.
pub const STALE_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;
/// Accepted range of `thresholds.error_rate_days`.
pub const ERROR_RATE_DAYS: std::ops::RangeInclusive<u32> = 1..=455;
/// Accepted range of `thresholds.runtime_warning_days`.
pub const RUNTIME_WARNING_DAYS: std::ops::RangeInclusive<u32> = 0..=3650;
/// Accepted range of `thresholds.unused_permission_days`.
pub const UNUSED_PERMISSION_DAYS: std::ops::RangeInclusive<u32> = 1..=400;
/// Accepted range of `thresholds.min_log_retention_days`: CloudWatch Logs keeps logs 1 day to 10 years (3,653 days).
pub const MIN_LOG_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=3653;
/// Service namespaces a role may grant before it counts as all-purpose (IAM has about 400 namespaces).
pub const ALL_PURPOSE_SERVICES: std::ops::RangeInclusive<usize> = 1..=1000;

/// Invocations needed before an error rate counts (high-error-rate).
pub const ERROR_RATE_MIN_INVOCATIONS: std::ops::RangeInclusive<u32> = 1..=1_000_000_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            severity: BTreeMap::new(),
            disabled: Vec::new(),
            enabled: Vec::new(),
            thresholds: Thresholds::default(),
            owner_tags: vec!["owner".into(), "team".into()],
            trusted_accounts: Vec::new(),
            organization_id: None,
            code_scan: CodeScanConfig::default(),
            suppressions: Vec::new(),
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            unused_days: 90,
            all_purpose_services: 5,
            timeout_ratio: 0.9,
            stale_days: 365,
            error_rate: 0.10,
            error_rate_days: 7,
            error_rate_min_invocations: 10,
            runtime_warning_days: 180,
            unused_permission_days: 90,
            min_log_retention_days: 90,
        }
    }
}

/// A configuration file that cannot be used; the message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not TOML, or a value has the wrong type or an unknown key.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The parser's message, with the line.
        message: String,
    },
    /// A key names a check id the catalogue does not have.
    #[error("{path}: `{key}`: unknown check id `{id}` (see `lambda-posture checks`)")]
    UnknownCheck {
        /// The file.
        path: String,
        /// The key that names it (`severity`, `disabled[2]`…).
        key: String,
        /// The unknown id.
        id: String,
    },
    /// A value is out of its range or malformed.
    #[error("{path}: `{key}`: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The key at fault (`thresholds.stale_days`).
        key: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Config {
    /// Parse a TOML configuration (syntax and types only; see [`Config::validate`]).
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| syntax_error(path, text, &e))
    }

    /// Check every value and compile every matcher, once; errors name the file `path` and the key. `known_check`
    /// says whether a check id exists.
    pub fn validate(
        self,
        path: &str,
        known_check: impl Fn(&str) -> bool,
    ) -> Result<ValidConfig, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.into(),
            key: key.into(),
            message,
        };
        for id in self.severity.keys() {
            if !known_check(id) {
                return Err(ConfigError::UnknownCheck {
                    path: path.into(),
                    key: format!("severity.{id}"),
                    id: id.clone(),
                });
            }
        }
        for id in &self.disabled {
            if !known_check(id) {
                return Err(ConfigError::UnknownCheck {
                    path: path.into(),
                    key: "disabled".into(),
                    id: id.clone(),
                });
            }
        }
        for id in &self.enabled {
            if !known_check(id) {
                return Err(ConfigError::UnknownCheck {
                    path: path.into(),
                    key: "enabled".into(),
                    id: id.clone(),
                });
            }
            if !crate::catalog::off_by_default(id) {
                return Err(invalid(
                    "enabled",
                    format!("`{id}` runs by default: `enabled` lists only checks that are off by default ({})",
                        crate::catalog::OFF_BY_DEFAULT.join(", ")),
                ));
            }
            if self.disabled.contains(id) {
                return Err(invalid(
                    "enabled",
                    format!("`{id}` is both enabled and disabled"),
                ));
            }
        }
        for account in &self.trusted_accounts {
            if !crate::arn::is_account_id(account) {
                return Err(invalid(
                    "trusted_accounts",
                    format!("`{account}` is not a 12-digit account id"),
                ));
            }
        }
        if let Some(org) = &self.organization_id {
            if !org.starts_with("o-") || org.len() < 12 {
                return Err(invalid(
                    "organization_id",
                    format!("`{org}` is not an organization id (o-…)"),
                ));
            }
        }
        self.thresholds.validate(path)?;
        if self.owner_tags.iter().any(|t| t.trim().is_empty()) {
            return Err(invalid("owner_tags", "tag keys must not be empty".into()));
        }
        let code_scan = self
            .code_scan
            .validate()
            .map_err(|(key, message)| invalid(&key, message))?;
        let suppressions = self
            .suppressions
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                entry.validate(&known_check).map_err(|e| match e {
                    EntryError::Invalid { key, message } => {
                        invalid(&format!("suppressions[{i}]{key}"), message.into())
                    }
                    EntryError::UnknownCheck(id) => ConfigError::UnknownCheck {
                        path: path.into(),
                        key: format!("suppressions[{i}].check"),
                        id,
                    },
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(ValidConfig {
            severity: self.severity,
            disabled: self.disabled,
            enabled: self.enabled,
            thresholds: self.thresholds,
            owner_tags: self.owner_tags,
            trusted_accounts: self.trusted_accounts,
            organization_id: self.organization_id,
            code_scan,
            suppressions,
        })
    }
}

impl Thresholds {
    /// Every threshold within its documented range (README, Configuration), before any date arithmetic could
    /// overflow on it.
    fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let t = self;
        for (key, value, range) in [
            ("thresholds.unused_days", t.unused_days, UNUSED_DAYS),
            ("thresholds.stale_days", t.stale_days, STALE_DAYS),
            (
                "thresholds.error_rate_days",
                t.error_rate_days,
                ERROR_RATE_DAYS,
            ),
            (
                "thresholds.runtime_warning_days",
                t.runtime_warning_days,
                RUNTIME_WARNING_DAYS,
            ),
            (
                "thresholds.unused_permission_days",
                t.unused_permission_days,
                UNUSED_PERMISSION_DAYS,
            ),
            (
                "thresholds.min_log_retention_days",
                t.min_log_retention_days,
                MIN_LOG_RETENTION_DAYS,
            ),
        ] {
            in_range(path, key, value, range)?;
        }
        for (key, value) in [
            ("thresholds.timeout_ratio", t.timeout_ratio),
            ("thresholds.error_rate", t.error_rate),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(ConfigError::Invalid {
                    path: path.into(),
                    key: key.into(),
                    message: "must be in (0, 1]".into(),
                });
            }
        }
        in_range(
            path,
            "thresholds.error_rate_min_invocations",
            t.error_rate_min_invocations,
            ERROR_RATE_MIN_INVOCATIONS,
        )?;
        in_range(
            path,
            "thresholds.all_purpose_services",
            t.all_purpose_services,
            ALL_PURPOSE_SERVICES,
        )
    }
}

impl ValidConfig {
    /// Parse and validate a TOML configuration ([`Config::parse`], then [`Config::validate`]).
    pub fn from_toml(
        path: &str,
        text: &str,
        known_check: impl Fn(&str) -> bool,
    ) -> Result<ValidConfig, ConfigError> {
        Config::parse(path, text)?.validate(path, known_check)
    }
}

impl Default for ValidConfig {
    /// The defaults of [`Config`], validated.
    fn default() -> Self {
        Config::default()
            .validate("the default configuration", |_| true)
            .expect("the default configuration is valid")
    }
}

/// One line naming the file, the key (`suppressions[1].expires`) when the error points at one, and the line.
fn syntax_error(path: &str, text: &str, error: &toml::de::Error) -> ConfigError {
    let message = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let Some(span) = error.span() else {
        return ConfigError::Syntax {
            path: path.to_string(),
            message,
        };
    };
    let start = span.start.min(text.len());
    let line_number = text[..start].matches('\n').count() + 1;
    let message = match key_at(text, line_number) {
        Some(key) => format!("`{key}` (line {line_number}): {message}"),
        None => format!("line {line_number}: {message}"),
    };
    ConfigError::Syntax {
        path: path.to_string(),
        message,
    }
}

/// The dotted key defined on line `line_number` (1-based): `table.key`, `array[i].key` for the i-th `[[array]]`
/// table, or the table itself on a header line. `None` when the line defines nothing recognisable.
fn key_at(text: &str, line_number: usize) -> Option<String> {
    let mut table: Option<String> = None;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().take(line_number) {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            let name = name.trim().trim_end_matches(']').trim().to_string();
            let index = seen
                .entry(name.clone())
                .and_modify(|n| *n += 1)
                .or_insert(0);
            table = Some(format!("{name}[{index}]"));
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = Some(name.trim().trim_end_matches(']').trim().to_string());
        } else if i + 1 == line_number {
            let key = line.split_once('=')?.0.trim().trim_matches('"');
            if key.is_empty() {
                return None;
            }
            return Some(match &table {
                Some(table) => format!("{table}.{key}"),
                None => key.to_string(),
            });
        }
    }
    table
}

/// A value within its documented range (README, Configuration), checked before any arithmetic could overflow on it.
fn in_range<T: PartialOrd + std::fmt::Display>(
    path: &str,
    key: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), ConfigError> {
    match range.contains(&value) {
        true => Ok(()),
        false => Err(ConfigError::Invalid {
            path: path.into(),
            key: key.into(),
            message: format!(
                "{value} is out of range: must be between {} and {}",
                range.start(),
                range.end()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> bool {
        id == "role-shared" || id == "tracing-off"
    }

    /// The file as written, once it passed validation.
    fn load(text: &str) -> Result<Config, ConfigError> {
        let config = Config::parse("lp.toml", text)?;
        config.clone().validate("lp.toml", known)?;
        Ok(config)
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(load("").unwrap(), Config::default());
        let valid = ValidConfig::default();
        let defaults = Config::default();
        assert_eq!(valid.thresholds, defaults.thresholds);
        assert_eq!(valid.owner_tags, defaults.owner_tags);
        assert!(valid.code_scan.default_ignores && valid.suppressions.is_empty());
    }

    #[test]
    fn validation_compiles_the_matchers_once() {
        let valid = ValidConfig::from_toml(
            "lp.toml",
            r#"
            [code_scan]
            ignore_paths = [{ glob = "fixtures/**", reason = "test data" }, { glob = "*.pem", reason = "samples" }]
            ignore_values = [{ pattern = "sk_test_", reason = "Stripe test keys" }]
            [[suppressions]]
            check = "tracing-off"
            tag = "env=sandbox-*"
            reason = "sandbox"
            "#,
            known,
        )
        .unwrap();
        let globs: Vec<&str> = valid
            .code_scan
            .ignore_paths
            .iter()
            .map(Glob::glob)
            .collect();
        assert_eq!(
            globs,
            ["fixtures/**", "*.pem", "**/*.pem"],
            "a glob without `/` also matches at any depth"
        );
        assert!(valid.code_scan.ignore_values[0].is_match("key = sk_test_abc"));
        assert_eq!(
            valid.suppressions[0].entry().tag.as_deref(),
            Some("env=sandbox-*")
        );
    }

    #[test]
    fn full_file_parses() {
        let c = load(
            r#"
            disabled = ["tracing-off"]
            trusted_accounts = ["111122223333"]
            owner_tags = ["owner"]
            [severity]
            role-shared = "high"
            [thresholds]
            unused_days = 30
            "#,
        )
        .unwrap();
        assert_eq!(c.thresholds.unused_days, 30);
        assert_eq!(
            c.thresholds.all_purpose_services, 5,
            "unset thresholds keep their defaults"
        );
        assert_eq!(c.severity["role-shared"], Severity::High);
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let e = load("[severity]\nno-such-check = \"high\"")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("lp.toml: `severity.no-such-check`"), "{e}");
        let e = load("disabled = [\"nope\"]").unwrap_err().to_string();
        assert!(e.contains("`disabled`") && e.contains("nope"), "{e}");
        let e = load("[thresholds]\nunused_dayz = 3")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml:") && e.contains("unused_dayz"),
            "{e}"
        );
        let e = load("[severity]\nrole-shared = \"urgent\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("urgent"), "{e}");
        let e = load("trusted_accounts = [\"12\"]").unwrap_err().to_string();
        assert!(e.contains("trusted_accounts"), "{e}");
        let e = load("[thresholds]\ntimeout_ratio = 2.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("thresholds.timeout_ratio"), "{e}");
        assert!(!load("[thresholds]\nunused_days = 0")
            .unwrap_err()
            .to_string()
            .is_empty());
        let e = load("[[suppressions]]\ncheck = \"role-shared\"\nreason = \"a\"\n[[suppressions]]\ncheck = \"tracing-off\"\nreason = \"b\"\nexpires = \"2026-13-01\"").unwrap_err().to_string();
        assert!(
            e.starts_with("lp.toml: `suppressions[1].expires` (line 7): "),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
    }

    #[test]
    fn every_numeric_threshold_is_range_checked_naming_the_key() {
        for (key, bad) in [
            ("unused_days", "0"),
            ("unused_days", "456"),
            ("stale_days", "4294967295"),
            ("error_rate_days", "4294967295"),
            ("error_rate_days", "0"),
            ("runtime_warning_days", "4294967295"),
            ("unused_permission_days", "4294967295"),
            ("unused_permission_days", "0"),
            ("all_purpose_services", "0"),
            ("all_purpose_services", "18446744073709551615"),
            ("timeout_ratio", "nan"),
            ("error_rate", "-0.5"),
        ] {
            let e = load(&format!("[thresholds]\n{key} = {bad}"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!("lp.toml: `thresholds.{key}`")),
                "{key} = {bad}: {e}"
            );
            assert_eq!(e.lines().count(), 1, "{e}");
        }
        for (key, good) in [
            ("error_rate_days", "455"),
            ("unused_permission_days", "400"),
            ("stale_days", "3650"),
            ("runtime_warning_days", "0"),
        ] {
            load(&format!("[thresholds]\n{key} = {good}")).unwrap();
        }
    }

    #[test]
    fn error_rate_min_invocations_has_a_default_and_a_range() {
        assert_eq!(load("").unwrap().thresholds.error_rate_min_invocations, 10);
        let c = load("[thresholds]\nerror_rate_min_invocations = 1").unwrap();
        assert_eq!(c.thresholds.error_rate_min_invocations, 1);
        for bad in ["0", "1000000001"] {
            let e = load(&format!("[thresholds]\nerror_rate_min_invocations = {bad}"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("lp.toml: `thresholds.error_rate_min_invocations`: ")
                    && e.contains("between 1 and 1000000000"),
                "{e}"
            );
        }
    }

    #[test]
    fn code_scan_ignores_need_a_valid_glob_or_pattern_and_a_reason() {
        let c = load(
            r#"
            [code_scan]
            ignore_paths = [{ glob = "fixtures/**", reason = "test data" }]
            ignore_values = [{ pattern = "sk_test_", reason = "Stripe test keys" }]
            "#,
        )
        .unwrap();
        assert!(
            c.code_scan.default_ignores,
            "built-in ignores stay on unless turned off"
        );
        assert_eq!(c.code_scan.ignore_paths[0].glob, "fixtures/**");
        let e = load("[code_scan]\nignore_paths = [{ glob = \"a/**\" }]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("reason"), "{e}");
        let e = load("[code_scan]\nignore_paths = [{ glob = \"a/**\", reason = \" \" }]")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml: `code_scan.ignore_paths[0].reason`"),
            "{e}"
        );
        let e = load("[code_scan]\nignore_paths = [{ glob = \"a/[b\", reason = \"x\" }]")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml: `code_scan.ignore_paths[0].glob`"),
            "{e}"
        );
        let e = load("[code_scan]\nignore_values = [{ pattern = \"(\", reason = \"x\" }]")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.toml: `code_scan.ignore_values[0].pattern`"),
            "{e}"
        );
    }
}
