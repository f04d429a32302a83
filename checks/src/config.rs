//! User configuration (`lambda-posture.toml`): severity overrides, disabled checks, thresholds, trusted accounts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Check id → severity replacing the default.
    pub severity: BTreeMap<String, Severity>,
    /// Check ids not to run.
    pub disabled: Vec<String>,
    pub thresholds: Thresholds,
    /// Tag keys that name an owner (case-insensitive); a function needs one of them.
    pub owner_tags: Vec<String>,
    /// Accounts (12 digits) that are not "foreign": cross-account invoke and layers from them are fine.
    pub trusted_accounts: Vec<String>,
    /// The caller's organization id (`o-…`): aws:PrincipalOrgID conditions on it pin the caller to a trusted org.
    pub organization_id: Option<String>,
}

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
    /// A runtime deprecated within this many days is reported (medium).
    pub runtime_warning_days: u32,
    /// Days without use before a granted service counts as unused.
    pub unused_permission_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            severity: BTreeMap::new(),
            disabled: Vec::new(),
            thresholds: Thresholds::default(),
            owner_tags: vec!["owner".into(), "team".into()],
            trusted_accounts: Vec::new(),
            organization_id: None,
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
            runtime_warning_days: 180,
            unused_permission_days: 90,
        }
    }
}
