//! role-unused-permissions: services the execution role is granted but has not used within
//! `thresholds.unused_permission_days`, from IAM service last-accessed data; proposes a trimmed policy.

mod trim;

use crate::catalog::live_versions::with_live_version_roles;
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde_json::json;

use self::trim::trimmed_policy;
use super::common::{role_failure, verdict};
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::inventory::{Role, ServiceLastAccessed};

pub const CHECK: Check = Check {
    id: "role-unused-permissions",
    title: "Execution role grants services it does not use",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let role = perms.role;
    let Some(accessed) = &role.services_last_accessed else {
        return vec![not_collected(ctx, role)];
    };
    let days = ctx.config.thresholds.unused_permission_days;
    let since = ctx.today - Duration::days(days.into());
    // A role younger than the window has not had the chance to use everything it was given.
    if role
        .create_date
        .is_some_and(|created| created.date_naive() > since)
    {
        return vec![];
    }
    let last: BTreeMap<String, &ServiceLastAccessed> = accessed
        .iter()
        .map(|s| (s.namespace.to_ascii_lowercase(), s))
        .collect();
    let granted = perms.services_granted();
    // IAM reports every service the role's policies grant; an empty report for a role that grants some is no data.
    if accessed.is_empty() && !granted.is_empty() {
        return vec![Outcome::unknown(format!(
            "IAM reported no service last-accessed data for role {}, which grants {} services",
            role.name,
            granted.len()
        ))];
    }
    // A granted service IAM does not report on is not tracked: never called unused.
    let unused: Vec<(&String, Option<NaiveDate>)> = granted
        .iter()
        .filter_map(|s| {
            last.get(s)
                .map(|entry| (s, entry.last_authenticated.map(|t| t.date_naive())))
        })
        .filter(|(_, date)| date.is_none_or(|d| d < since))
        .collect();
    if unused.is_empty() {
        return verdict(perms, vec![]);
    }
    let is_unused = |service: &str| unused.iter().any(|(s, _)| s.as_str() == service);
    let used: Vec<String> = granted
        .iter()
        .filter(|s| last.contains_key(*s) && !is_unused(s))
        .cloned()
        .collect();
    let proposal = trimmed_policy(perms.effective.statements(), |s| !is_unused(s), &used);
    let names: Vec<&str> = unused.iter().take(8).map(|(s, _)| s.as_str()).collect();
    let more = if unused.len() > names.len() {
        format!(", … ({} more)", unused.len() - names.len())
    } else {
        String::new()
    };
    let failure = role_failure(
        role,
        format!(
            "Execution role {} has not used {} of its {} granted services in {days} days: {}{more}",
            role.name,
            unused.len(),
            granted.len(),
            names.join(", ")
        ),
        json!({
            "role_arn": role.arn,
            "window_days": days,
            "unused_services": unused.iter().map(|(s, d)| json!({ "service": s, "last_accessed": d })).collect::<Vec<_>>(),
            "used_services": used,
            "proposed_policy": proposal,
            "proposal_replaces": perms.effective.statements().iter().map(|s| s.source.describe()).collect::<std::collections::BTreeSet<_>>(),
        }),
    );
    verdict(perms, vec![failure])
}

/// Unknown: the last-accessed data was not collected, naming the gap when there is one.
fn not_collected(ctx: &RoleContext, role: &Role) -> Outcome {
    match ctx
        .account
        .gaps
        .iter()
        .find(|g| g.service == "iam" && g.operation.contains("ServiceLastAccessed"))
    {
        Some(gap) => Outcome::unknown_from_gap(gap),
        None => Outcome::unknown(format!(
            "IAM service last-accessed data of role {} was not collected",
            role.name
        )),
    }
}
