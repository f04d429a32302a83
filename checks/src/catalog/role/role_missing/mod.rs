//! role-missing: the function's execution role no longer exists (Fail) or could not be read (Unknown).

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome, RoleUnavailable};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "role-missing",
    title: "Execution role missing",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, evaluate),
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let role_arn = &ctx.function.role_arn;
    if role_arn.is_empty() {
        return vec![Outcome::fail(
            "The function names no execution role",
            json!({ "role_arn": role_arn }),
        )];
    }
    match ctx.role() {
        Ok(_) => vec![],
        Err(RoleUnavailable::NotCollected(gap)) => vec![Outcome::unknown_from_gap(gap)],
        Err(RoleUnavailable::Missing) => vec![Outcome::fail(
            format!("Execution role {role_arn} does not exist: Lambda can no longer assume it, so invocations fail"),
            json!({ "role_arn": role_arn }),
        )],
    }
}
