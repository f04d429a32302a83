//! env-secret-name: a variable named like a secret (PASSWORD, TOKEN, API_KEY, …) that holds a literal value rather
//! than a reference to Secrets Manager or Parameter Store. Variables env-secret-value already reports are skipped.

use serde_json::json;

use super::configuration_gap;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::{EnvVar, ValueKind};
use crate::secrets;

pub const CHECK: Check = Check {
    id: "env-secret-name",
    title: "Secret-named environment variable holds a literal value",
    severity: Severity::High,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = ctx
        .function
        .environment
        .iter()
        .filter(|var| applies(var))
        .map(failure)
        .collect();
    outcomes.extend(configuration_gap(ctx));
    outcomes
}

/// A literal under a secret-like name that no value rule recognised (those are env-secret-value's, reported once).
fn applies(var: &EnvVar) -> bool {
    var.value_kind == ValueKind::Literal
        && var.detections.is_empty()
        && secrets::is_secret_name(&var.name)
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
