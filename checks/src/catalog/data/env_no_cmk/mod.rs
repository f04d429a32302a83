//! env-no-cmk: the function has environment variables but they are encrypted with the AWS managed key rather than a
//! customer managed KMS key.

use serde_json::json;

use super::configuration_gap;
use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "env-no-cmk",
    title: "Environment variables not encrypted with a customer managed key",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, evaluate),
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    if let Some(unknown) = configuration_gap(ctx) {
        return vec![unknown];
    }
    let function = ctx.function;
    if function.environment.is_empty() {
        return vec![];
    }
    let key = function.kms_key_arn.as_deref();
    match key {
        Some(arn) if !is_aws_managed_alias(arn) => vec![],
        _ => vec![Outcome::fail(
            format!(
                "{} environment variable(s) are encrypted with the AWS managed key aws/lambda, not a customer managed KMS key",
                function.environment.len()
            ),
            json!({ "variables": function.environment.len(), "kms_key_arn": key }),
        )],
    }
}

/// `arn:aws:kms:…:alias/aws/lambda` names the AWS managed key, which is what no key at all means.
fn is_aws_managed_alias(arn: &str) -> bool {
    arn.contains(":alias/aws/")
}
