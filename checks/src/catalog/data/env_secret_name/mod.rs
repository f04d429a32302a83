//! env-secret-name: a variable named like a secret (PASSWORD, TOKEN, API_KEY, …) that holds a literal value rather
//! than a reference to Secrets Manager or Parameter Store. Variables env-secret-value already reports are skipped.

use serde_json::json;

use super::judge_variables;
use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, Outcome};
use crate::finding::Severity;
use crate::inventory::{EnvVar, ValueKind};
use crate::secrets;

pub const CHECK: Check = Check {
    id: "env-secret-name",
    title: "Secret-named environment variable holds a literal value",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, |ctx| judge_variables(ctx, judge)),
};

/// A literal under a secret-like name that no value rule recognised (those are env-secret-value's, reported once).
fn judge(var: &EnvVar) -> Option<Outcome> {
    let applies = var.value_kind == ValueKind::Literal
        && var.detections.is_empty()
        && secrets::is_secret_name(&var.name);
    applies.then(|| failure(var))
}

fn failure(var: &EnvVar) -> Outcome {
    Outcome::fail_with(
        format!(
            "environment variable {} is named like a secret and holds a literal value ({} chars), not a Secrets Manager or Parameter Store reference",
            var.name, var.value_length
        ),
        var.name.clone(),
        json!({ "variable": var.name, "value_kind": "literal", "value_length": var.value_length }),
    )
}
