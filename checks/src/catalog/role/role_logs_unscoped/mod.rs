//! role-logs-unscoped: the execution role's logs write permissions reach the function's log group through a broad
//! Resource (`*`, every group of the account, `/aws/lambda/*`…) rather than the group itself.

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use super::common::verdict;
use super::logs::{LogTarget, WRITE_ACTIONS};
use super::role_admin_access::left_to_admin_access;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::{Grant, RolePermissions, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-logs-unscoped",
    title: "Logs permissions not scoped to the function's log group",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_permissions(judge)),
};

fn judge(ctx: &FunctionContext, perms: &RolePermissions) -> Vec<Outcome> {
    let target = LogTarget::of(ctx.function);
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let mut statements: Vec<Value> = Vec::new();
    let mut summaries: Vec<String> = Vec::new();
    let mut seen: Vec<*const SourcedStatement> = Vec::new();
    for action in WRITE_ACTIONS {
        for grant in perms
            .effective
            .allows(action)
            .into_iter()
            .filter(|g| !admin.holds(g.statement))
        {
            let key: *const SourcedStatement = grant.statement;
            if !seen.contains(&key) {
                if let Some(broad) = broad_resources(&grant, &target) {
                    seen.push(key);
                    summaries.push(format!(
                        "{} ({}) grants them on {}",
                        grant.statement.source.describe(),
                        grant.statement.statement.label(),
                        broad.join(", ")
                    ));
                    let mut evidence = grant.evidence();
                    evidence["broad_resources"] = json!(broad);
                    statements.push(evidence);
                }
            }
        }
    }
    let failures = match statements.is_empty() {
        true => vec![],
        false => vec![Outcome::fail(
            format!(
                "Execution role {} may write logs to groups other than {}: {}",
                perms.role.name,
                target.group,
                summaries.join("; ")
            ),
            json!({
                "role_arn": perms.role.arn,
                "log_group": target.group,
                "suggested_resource": target.suggested_resource(),
                "statements": statements,
            }),
        )],
    };
    verdict(perms, failures)
}

/// The grant's Resource patterns that reach the function's log group but also other groups, unless the boundary
/// confines the grant to the group; `None` when the grant is scoped.
fn broad_resources(grant: &Grant, target: &LogTarget) -> Option<Vec<String>> {
    let broad: Vec<String> = match &grant.statement.statement.resources {
        None => vec!["*".into()],
        Some(Scope::Except(list)) => vec![format!("NotResource {list:?}")],
        Some(Scope::Only(list)) => list
            .iter()
            .filter(|r| target.reached_by(r) && !target.scoped_to_group(r))
            .cloned()
            .collect(),
    };
    let boundary_confines = !grant.boundary.is_empty()
        && grant.boundary.iter().all(|b| match &b.statement.resources {
            Some(Scope::Only(list)) => list
                .iter()
                .all(|r| !target.reached_by(r) || target.scoped_to_group(r)),
            _ => false,
        });
    (!broad.is_empty() && !boundary_confines).then_some(broad)
}
