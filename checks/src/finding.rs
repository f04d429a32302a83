//! Findings: what a check concludes about one resource, with a stable id for ticket de-duplication.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::json_text::JsonText;

use crate::compliance::Controls;

/// Default and overridable severity of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: a failure leaves the score as it is (×1.00).
    Info,
    /// Lowest risk: a failure multiplies the score by 0.97.
    Low,
    /// A failure multiplies the score by 0.90.
    Medium,
    /// A failure multiplies the score by 0.75 and caps the account grade at C.
    High,
    /// Worst: a failure halves the score and caps the account grade at D.
    Critical,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name used in files and flags (`critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown severity `{s}` (expected one of critical, high, medium, low, info)"
                )
            })
    }
}

/// Whether a finding is a real failure, an inability to decide, or a failure muted by a suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The resource has the problem.
    Fail,
    /// The check could not decide: its input could not be collected or read.
    Unknown,
    /// A failure or Unknown accepted by a `[[suppressions]]` entry.
    Muted,
}

/// One finding about one resource.
///
/// A large account has hundreds of thousands of findings, all held until the report is written, so a finding is
/// lean: what the catalogue fixes (check id, title, remediation, doc link) is borrowed from it, what the findings of
/// one function share (account, region, names, owner tags) is shared through `Arc`s, and the evidence is kept as
/// compact JSON text. The serialised shape is unchanged by this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs: hash of check id, resource ARN and discriminator, plus the function's ARN when the
    /// resource is shared by several functions (a role, a layer); never of message text. See [`finding_id`].
    pub id: String,
    /// The check that reported it.
    pub check_id: Cow<'static, str>,
    /// The check's title.
    pub title: Cow<'static, str>,
    /// The check's severity, after config overrides.
    pub severity: Severity,
    /// Fail, Unknown or Muted.
    pub status: Status,
    /// The account of the function it was found on.
    pub account_id: Arc<str>,
    /// The region of the function it was found on.
    pub region: Arc<str>,
    /// The resource at fault: the function, or an alias, version, role or layer of it.
    pub resource_arn: Arc<str>,
    /// That resource's name.
    pub resource_name: Arc<str>,
    /// Distinguishes several findings of one check on one resource (statement id, variable name, qualifier…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<String>,
    /// One sentence for a person.
    pub message: String,
    /// Machine-readable evidence (statement, variable name with masked preview, metric values…). Never a secret.
    pub evidence: Evidence,
    /// ARN of the function the finding belongs to (`resource_arn` may be an alias, role or layer of it).
    /// Filled by [`crate::engine::evaluate`].
    #[serde(default = "no_text", skip_serializing_if = "is_empty")]
    pub function_arn: Arc<str>,
    /// The function's owner tags (the keys of config `owner_tags` found on it), to route tickets; absent when none.
    #[serde(default, skip_serializing_if = "no_tags")]
    pub owner_tags: Arc<BTreeMap<String, String>>,
    /// The "How to fix" section of the check's documentation (Markdown). Filled by [`crate::engine::evaluate`].
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub remediation: Cow<'static, str>,
    /// Stable link to the check's documentation ([`crate::catalog::doc_url`]). Filled by [`crate::engine::evaluate`].
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub doc_url: Cow<'static, str>,
    /// The framework controls the check evidences ([`crate::compliance`]), by framework id; absent when none.
    /// Filled by [`crate::engine::evaluate`] (borrowed from the catalogue).
    #[serde(default, skip_serializing_if = "no_controls")]
    pub compliance: Cow<'static, Controls>,
    /// The suppression that muted this finding (status `muted`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<AppliedSuppression>>,
}

/// The `[[suppressions]]` entry that muted a finding, carried by the finding (see [`crate::suppress`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedSuppression {
    /// Position of the entry in the config file's `[[suppressions]]` list, from 0.
    pub index: usize,
    /// The entry's reason.
    pub reason: String,
    /// The entry's expiry date, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    /// What the finding was before it was muted: `fail` or `unknown`.
    pub original_status: Status,
}

fn no_text() -> Arc<str> {
    Arc::from("")
}

fn is_empty(text: &Arc<str>) -> bool {
    text.is_empty()
}

fn no_controls(controls: &Controls) -> bool {
    controls.is_empty()
}

fn no_tags(tags: &Arc<BTreeMap<String, String>>) -> bool {
    tags.is_empty()
}

/// A finding's evidence (statement, variable name with masked preview, metric values…), kept as compact JSON text:
/// the findings of several functions share one copy when they come from one memoised outcome or say the same.
pub type Evidence = JsonText;

/// The stable finding id: `LP-` + 16 hex digits of SHA-256 over check id, resource ARN and discriminator.
pub fn stable_id(check_id: &str, resource_arn: &str, discriminator: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(check_id.as_bytes());
    hasher.update([0]);
    hasher.update(resource_arn.as_bytes());
    hasher.update([0]);
    hasher.update(discriminator.unwrap_or("").as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("LP-{hex}")
}

/// The stable id of a finding on `resource_arn` found while evaluating the function `function_arn`. When the
/// resource belongs to the function (the function itself, an alias or version of it), check, resource and
/// discriminator identify the finding. A resource several functions share (an execution role, a layer) is reported
/// once per function, so the function's ARN is part of the identity: two functions on one role get two tickets,
/// and deleting one function resolves its ticket only.
pub fn finding_id(
    check_id: &str,
    resource_arn: &str,
    function_arn: &str,
    discriminator: Option<&str>,
) -> String {
    let owned = resource_arn == function_arn
        || resource_arn
            .strip_prefix(function_arn)
            .is_some_and(|rest| rest.starts_with(':'));
    if owned {
        stable_id(check_id, resource_arn, discriminator)
    } else {
        let scoped = format!("{}\u{0}{function_arn}", discriminator.unwrap_or(""));
        stable_id(check_id, resource_arn, Some(&scoped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_id_depends_on_identity_only() {
        let a = stable_id("role-shared", "arn:aws:lambda:us-east-1:1:function:f", None);
        assert_eq!(
            a,
            stable_id("role-shared", "arn:aws:lambda:us-east-1:1:function:f", None)
        );
        assert_ne!(
            a,
            stable_id("role-shared", "arn:aws:lambda:us-east-1:1:function:g", None)
        );
        assert_ne!(
            a,
            stable_id(
                "role-shared",
                "arn:aws:lambda:us-east-1:1:function:f",
                Some("x")
            )
        );
        assert!(a.starts_with("LP-") && a.len() == 19);
    }

    #[test]
    fn shared_resources_get_one_id_per_function() {
        let (f, g) = (
            "arn:aws:lambda:us-east-1:1:function:f",
            "arn:aws:lambda:us-east-1:1:function:g",
        );
        let role = "arn:aws:iam::1:role/shared";
        assert_ne!(
            finding_id("role-shared", role, f, None),
            finding_id("role-shared", role, g, None)
        );
        assert_eq!(
            finding_id("role-shared", role, f, None),
            finding_id("role-shared", role, f, None)
        );
        // The function's own resources keep the plain id.
        assert_eq!(
            finding_id("tracing-off", f, f, None),
            stable_id("tracing-off", f, None)
        );
        let alias = format!("{f}:live");
        assert_eq!(
            finding_id("x", &alias, f, Some("s")),
            stable_id("x", &alias, Some("s"))
        );
        // A function whose name extends another's is not one of its qualifiers.
        let longer = "arn:aws:lambda:us-east-1:1:function:f2";
        assert_ne!(
            finding_id("x", longer, f, None),
            stable_id("x", longer, None)
        );
    }

    #[test]
    fn severity_parses_case_insensitively_and_orders() {
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::Info);
    }
}
