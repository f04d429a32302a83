//! env-secret-value: an environment variable whose value the secret detector recognised as a credential.

use serde_json::json;

use super::{judge_variables, printable_preview};
use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, Outcome};
use crate::finding::Severity;
use crate::inventory::EnvVar;

pub const CHECK: Check = Check {
    id: "env-secret-value",
    title: "Credential in an environment variable",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, |ctx| judge_variables(ctx, judge)),
};

/// One failure per variable the detector flagged, naming every rule that matched; never the value.
fn judge(var: &EnvVar) -> Option<Outcome> {
    if var.detections.is_empty() {
        return None;
    }
    let kinds: Vec<&str> = var
        .detections
        .iter()
        .map(|d| d.description.as_str())
        .collect();
    let detections: Vec<_> = var
        .detections
        .iter()
        .map(|d| json!({ "rule": d.rule_id, "description": d.description, "masked_preview": printable_preview(&d.masked_preview) }))
        .collect();
    Some(Outcome::fail_with(
        format!(
            "environment variable {} holds a credential: {}",
            var.name,
            kinds.join(", ")
        ),
        var.name.clone(),
        json!({ "variable": var.name, "value_length": var.value_length, "detections": detections }),
    ))
}
