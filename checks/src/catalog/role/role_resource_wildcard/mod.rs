//! role-resource-wildcard: the execution role may perform write, tagging or permissions-management actions on every
//! resource (`Resource: "*"` or `NotResource`), judged with the access levels and resource types of the IAM action
//! table; the event-source and VPC plumbing Lambda needs is graded by what it exposes (`plumbing.rs`).

mod plumbing;

use crate::catalog::live_versions::with_live_version_roles;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use self::plumbing::{family_of, Plumbing};
use super::common::{resource_scoped_by_condition, role_failure, verdict};
use super::role_admin_access::left_to_admin_access;
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::policy::{actions, AccessLevel, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-resource-wildcard",
    title: "Execution role may write to every resource",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

/// Actions role-logs-unscoped reports (and `logs:CreateLogGroup`, which the AWS-documented Lambda policy grants on
/// the whole account by design).
const LEFT_TO_LOGS_CHECKS: &[&str] = &[
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:CreateLogGroup",
];

/// How many actions the evidence names per statement (the counts cover all of them).
const SAMPLE: usize = 20;

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let offending: Vec<Offence> = perms
        .allow_statements()
        .filter(|s| !admin.holds(s))
        .filter(|s| s.statement.on_all_resources() && !resource_scoped_by_condition(&s.statement))
        .filter_map(|s| offence(ctx, s))
        .collect();
    if offending.is_empty() {
        return verdict(perms, vec![]);
    }
    let total: usize = offending.iter().map(|o| o.count).sum();
    let summaries: Vec<&str> = offending.iter().map(|o| o.summary.as_str()).collect();
    let severity = offending.iter().map(|o| o.severity).max();
    let failure = role_failure(
        perms.role,
        format!(
            "Execution role {} may perform {total} write or permissions-management action{} on every resource: {}",
            perms.role.name,
            if total == 1 { "" } else { "s" },
            summaries.join("; "),
        ),
        json!({ "role_arn": perms.role.arn, "statements": offending.into_iter().map(|o| o.evidence).collect::<Vec<_>>() }),
    );
    let failure = match severity.filter(|s| *s != CHECK.severity) {
        Some(severity) => failure.with_severity(severity),
        None => failure,
    };
    verdict(perms, vec![failure])
}

/// One statement granting write actions on every resource.
struct Offence {
    evidence: Value,
    count: usize,
    summary: String,
    /// High for any write that could name its resources; lower when only Lambda's plumbing is concerned.
    severity: Severity,
}

/// The offence of a statement that grants, on every resource, write actions that could be scoped to specific
/// resources.
fn offence(ctx: &RoleContext, statement: &SourcedStatement) -> Option<Offence> {
    let perms = ctx.permissions;
    let mut by_level: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut plumbing: Vec<(&'static Plumbing, Vec<&'static str>)> = Vec::new();
    for (action, level) in candidate_actions(statement) {
        // An action with no resource type can only be granted on `*`: nothing to scope.
        if !level.is_write()
            || actions::has_resource_types(action) == Some(false)
            || LEFT_TO_LOGS_CHECKS.contains(&action)
        {
            continue;
        }
        if !perms
            .grant_from(statement, action)
            .is_some_and(|g| g.on_all_resources())
        {
            continue;
        }
        match family_of(action) {
            Some(family) => match plumbing.iter_mut().find(|(f, _)| std::ptr::eq(*f, family)) {
                Some((_, list)) => list.push(action),
                None => plumbing.push((family, vec![action])),
            },
            None => by_level.entry(level_name(level)).or_default().push(action),
        }
    }
    // Next to writes that are high on their own, the plumbing is one more write on `*`, not a separate grade.
    if !by_level.is_empty() {
        for (_, list) in plumbing.drain(..) {
            let writes = by_level.entry(level_name(AccessLevel::Write)).or_default();
            writes.extend(list);
            writes.sort_unstable();
        }
    }
    let count = by_level.values().map(Vec::len).sum::<usize>()
        + plumbing.iter().map(|(_, list)| list.len()).sum::<usize>();
    if count == 0 {
        return None;
    }
    let mut parts = Vec::new();
    let mut severity = Severity::Info;
    if !by_level.is_empty() {
        let total: usize = by_level.values().map(Vec::len).sum();
        let named: Vec<&str> = by_level.values().flatten().take(5).copied().collect();
        let more = if total > named.len() {
            format!(" and {} more", total - named.len())
        } else {
            String::new()
        };
        parts.push(format!("{}{more}", named.join(", ")));
        severity = CHECK.severity;
    }
    let mut graded = Vec::new();
    for (family, list) in &plumbing {
        let exposes = family.exposes(perms);
        let scope = family.scope_to(ctx);
        let instead = match &scope {
            Ok(resources) => resources.join(", "),
            Err(hint) => hint.to_string(),
        };
        parts.push(format!(
            "{} ({}, {}: lets the code {exposes}; name {instead} instead)",
            list.join(", "),
            family.name,
            family.severity.as_str()
        ));
        severity = severity.max(family.severity);
        graded.push(json!({
            "family": family.name,
            "actions": list,
            "severity": family.severity,
            "exposes": exposes,
            "scope_to": scope.as_ref().ok(),
            "scope_hint": scope.err(),
        }));
    }
    let summary = format!(
        "{} in {} ({})",
        parts.join("; "),
        statement.source.describe(),
        statement.statement.label()
    );
    let mut evidence = statement.evidence();
    evidence["actions_on_all_resources"] = json!(by_level
        .iter()
        .map(|(level, list)| (
            level.to_string(),
            json!({ "count": list.len(), "sample": &list[..list.len().min(SAMPLE)] })
        ))
        .collect::<serde_json::Map<_, _>>());
    if !graded.is_empty() {
        evidence["lambda_plumbing_on_all_resources"] = json!(graded);
    }
    Some(Offence {
        evidence,
        count,
        summary,
        severity,
    })
}

/// The known actions the statement's Action (or NotAction) element may grant, with their access level.
fn candidate_actions(statement: &SourcedStatement) -> Vec<(&'static str, AccessLevel)> {
    match &statement.statement.actions {
        Scope::Only(patterns) => {
            let mut list: Vec<(&'static str, AccessLevel)> = patterns
                .iter()
                .flat_map(|p| actions::expand_with_levels(&p.raw))
                .collect();
            list.sort_unstable_by_key(|(action, _)| *action);
            list.dedup_by_key(|(action, _)| *action);
            list
        }
        Scope::Except(_) => actions::expand_with_levels("*")
            .filter(|(a, _)| statement.statement.applies_to_action(a))
            .collect(),
    }
}

fn level_name(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::PermissionsManagement => "permissions_management",
        AccessLevel::Tagging => "tagging",
        _ => "write",
    }
}
