//! role-resource-wildcard: the execution role may perform write, tagging or permissions-management actions on every
//! resource (`Resource: "*"` or `NotResource`), judged with the access levels of the IAM action table.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::common::{resource_scoped_by_condition, role_failure, verdict};
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::policy::{actions, AccessLevel, RolePermissions, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-resource-wildcard",
    title: "Execution role may write to every resource",
    severity: Severity::High,
    docs: include_str!("README.md"),
    evaluate: |ctx| ctx.judge_role(&CHECK, judge),
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

/// Write actions that support no resource type: `*` is the only way to grant them, so they are not reported. As the
/// action table spells them (the candidates come from it; a name it does not know is never a candidate).
fn resourceless() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("resourceless-actions.tsv")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(actions::canonical)
            .collect()
    })
}

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let offending: Vec<(Value, usize, String)> = perms
        .allow_statements()
        .filter(|s| s.statement.on_all_resources() && !resource_scoped_by_condition(&s.statement))
        .filter_map(|s| offence(perms, s))
        .collect();
    let failures = if offending.is_empty() {
        vec![]
    } else {
        let total: usize = offending.iter().map(|(_, n, _)| n).sum();
        let summaries: Vec<&str> = offending.iter().map(|(_, _, text)| text.as_str()).collect();
        vec![role_failure(
            perms.role,
            format!(
                "Execution role {} may perform {total} write or permissions-management action{} on every resource: {}",
                perms.role.name,
                if total == 1 { "" } else { "s" },
                summaries.join("; "),
            ),
            json!({ "role_arn": perms.role.arn, "statements": offending.into_iter().map(|(e, _, _)| e).collect::<Vec<_>>() }),
        )]
    };
    verdict(perms, failures)
}

/// The evidence, the number of actions and a summary when the statement grants, on every resource, write actions
/// that could be scoped to specific resources.
fn offence(
    perms: &RolePermissions,
    statement: &SourcedStatement,
) -> Option<(Value, usize, String)> {
    let mut by_level: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for (action, level) in candidate_actions(statement) {
        if !level.is_write()
            || resourceless().contains(action)
            || LEFT_TO_LOGS_CHECKS.contains(&action)
        {
            continue;
        }
        if perms
            .grant_from(statement, action)
            .is_some_and(|g| g.on_all_resources())
        {
            by_level.entry(level_name(level)).or_default().push(action);
        }
    }
    let count: usize = by_level.values().map(Vec::len).sum();
    if count == 0 {
        return None;
    }
    let named: Vec<&str> = by_level.values().flatten().take(5).copied().collect();
    let more = if count > named.len() {
        format!(" and {} more", count - named.len())
    } else {
        String::new()
    };
    let summary = format!(
        "{}{more} in {} ({})",
        named.join(", "),
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
    Some((evidence, count, summary))
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
