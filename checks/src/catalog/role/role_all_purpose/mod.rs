//! role-all-purpose: the execution role grants actions in more services than `thresholds.all_purpose_services`
//! (logging and tracing excepted): the function is an all-purpose one.

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::json;

use super::common::{role_failure, verdict};
use super::role_admin_access::{left_to_admin_access, Covered};
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::policy::{actions, RolePermissions};

pub const CHECK: Check = Check {
    id: "role-all-purpose",
    title: "Execution role spans many services (all-purpose function)",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

/// Telemetry every function may need; not a sign of doing many things.
const NOT_COUNTED: &[&str] = &["logs", "xray"];

/// How many services the evidence lists (the count covers all).
const LISTED: usize = 50;

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let limit = ctx.config.thresholds.all_purpose_services;
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let services: Vec<&String> = perms
        .services_granted()
        .iter()
        .filter(|s| !NOT_COUNTED.contains(&s.as_str()))
        .filter(|s| admin.is_empty() || granted_beside(perms, &admin, s))
        .collect();
    let failures = if services.len() > limit {
        let shown: Vec<&str> = services.iter().take(8).map(|s| s.as_str()).collect();
        let more = if services.len() > shown.len() {
            format!(", … ({} more)", services.len() - shown.len())
        } else {
            String::new()
        };
        vec![role_failure(
            perms.role,
            format!(
                "Execution role {} grants actions in {} services (threshold {limit}): {}{more}",
                perms.role.name,
                services.len(),
                shown.join(", ")
            ),
            json!({
                "role_arn": perms.role.arn,
                "service_count": services.len(),
                "threshold": limit,
                "services": &services[..services.len().min(LISTED)],
                "not_counted": NOT_COUNTED,
            }),
        )]
    } else {
        vec![]
    };
    verdict(perms, failures)
}

/// Whether a statement other than the administrator ones grants an action of `service`.
fn granted_beside(perms: &RolePermissions, admin: &Covered, service: &str) -> bool {
    let pattern = format!("{service}:*");
    let mut names: Vec<&str> = actions::expand(&pattern).collect();
    if !actions::is_known_service(service) {
        names.push(&pattern);
    }
    perms
        .allow_statements()
        .filter(|s| !admin.holds(s))
        .any(|s| names.iter().any(|a| perms.grant_from(s, a).is_some()))
}
