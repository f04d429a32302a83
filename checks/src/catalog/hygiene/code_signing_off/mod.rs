//! code-signing-off: a .zip function has no code signing configuration.

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "code-signing-off",
    title: "No code signing configuration",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    if function.package_type == "Image" || function.code_signing_config_arn.is_some() {
        return vec![]; // Lambda code signing applies to .zip packages only
    }
    if let Some(unknown) = ctx.gap_unknown(&[
        ("lambda", "GetFunctionCodeSigningConfig"),
        ("lambda", "ListFunctionsByCodeSigningConfig"),
        ("lambda", "ListCodeSigningConfigs"),
    ]) {
        return vec![unknown];
    }
    vec![Outcome::fail(
        "No code signing configuration: Lambda accepts any deployment package, signed or not, from anyone allowed to update the function",
        json!({ "code_signing_config_arn": null, "package_type": function.package_type, "runtime": function.runtime }),
    )]
}
