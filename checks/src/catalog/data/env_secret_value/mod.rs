//! env-secret-value: an environment variable whose value the secret detector recognised as a credential.

use serde_json::json;

use super::{configuration_gap, printable_preview};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::EnvVar;

pub const CHECK: Check = Check {
    id: "env-secret-value",
    title: "Credential in an environment variable",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = ctx
        .function
        .environment
        .iter()
        .filter(|var| !var.detections.is_empty())
        .map(failure)
        .collect();
    // What was collected is reported; the gap says the list may be incomplete.
    outcomes.extend(configuration_gap(ctx));
    outcomes
}

/// One failure per variable, naming every rule that matched; never the value.
fn failure(var: &EnvVar) -> Outcome {
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
    Outcome::fail_with(
        format!(
            "environment variable {} holds a credential: {}",
            var.name,
            kinds.join(", ")
        ),
        var.name.clone(),
        json!({ "variable": var.name, "value_length": var.value_length, "detections": detections }),
    )
}
