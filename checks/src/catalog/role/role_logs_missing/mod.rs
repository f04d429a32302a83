//! role-logs-missing: the execution role cannot write the function's logs (logs:CreateLogStream and
//! logs:PutLogEvents on its log group, honouring LoggingConfig.LogGroup).

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::json;

use super::common::incomplete_unknown;
use super::logs::{LogTarget, WRITE_ACTIONS};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::RolePermissions;

pub const CHECK: Check = Check {
    id: "role-logs-missing",
    title: "Execution role cannot write the function's logs",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_permissions(judge)),
};

fn judge(ctx: &FunctionContext, perms: &RolePermissions) -> Vec<Outcome> {
    let target = LogTarget::of(ctx.function);
    let missing: Vec<&str> = WRITE_ACTIONS
        .into_iter()
        .filter(|action| {
            !perms
                .effective
                .allows(action)
                .iter()
                .any(|g| target.reached(|arn| g.reaches(arn)))
        })
        .collect();
    match (missing.is_empty(), perms.incomplete.is_empty()) {
        // Granted, unless a boundary we could not read cuts it.
        (true, _) if perms.boundary_unreadable() => vec![incomplete_unknown(perms)],
        (true, _) => vec![],
        // An unreadable policy may be the one granting it.
        (false, false) => vec![incomplete_unknown(perms)],
        (false, true) => vec![Outcome::fail(
            format!(
                "Execution role {} cannot write to log group {}: {} not allowed, so the function's output is lost",
                perms.role.name,
                target.group,
                missing.join(" and ")
            ),
            json!({
                "role_arn": perms.role.arn,
                "log_group": target.group,
                "missing_actions": missing,
                "needed_resource": target.suggested_resource(),
            }),
        )],
    }
}
