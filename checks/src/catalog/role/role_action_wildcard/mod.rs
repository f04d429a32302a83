//! role-action-wildcard: an Allow statement of the execution role grants `*`, a whole service (`s3:*`), actions of
//! several services through a wildcard in the service part (`*:Get*`), or uses `NotAction`.

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use super::common::{role_failure, verdict};
use super::role_admin_access::left_to_admin_access;
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::policy::{actions, ActionPattern, RolePermissions, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-action-wildcard",
    title: "Execution role grants wildcard actions",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let offending: Vec<(Value, String)> = perms
        .allow_statements()
        .filter(|s| !admin.holds(s))
        .filter_map(|s| offence(perms, s))
        .collect();
    let failures = if offending.is_empty() {
        vec![]
    } else {
        let summary: Vec<&str> = offending.iter().map(|(_, text)| text.as_str()).collect();
        vec![role_failure(
            perms.role,
            format!(
                "Execution role {} grants wildcard actions: {}",
                perms.role.name,
                summary.join("; ")
            ),
            json!({ "role_arn": perms.role.arn, "statements": offending.into_iter().map(|(e, _)| e).collect::<Vec<_>>() }),
        )]
    };
    verdict(perms, failures)
}

/// The evidence and a one-line summary when the statement grants wildcard actions that survive Deny and boundary.
fn offence(perms: &RolePermissions, statement: &SourcedStatement) -> Option<(Value, String)> {
    let (kind, patterns): (&str, Vec<&str>) = match &statement.statement.actions {
        Scope::Except(excluded) => {
            // NotAction grants everything but the list: effective as soon as one action survives.
            let effective = actions::expand("*").any(|a| perms.grant_from(statement, a).is_some());
            (
                if effective { "NotAction" } else { return None },
                excluded.iter().map(|p| p.raw.as_str()).collect(),
            )
        }
        Scope::Only(list) => {
            let wild: Vec<&str> = list
                .iter()
                .filter(|p| {
                    is_broad_pattern(p)
                        && actions::expand(&p.raw).any(|a| perms.grant_from(statement, a).is_some())
                })
                .map(|p| p.raw.as_str())
                .collect();
            if wild.is_empty() {
                return None;
            }
            ("Action", wild)
        }
    };
    let mut evidence = statement.evidence();
    evidence["wildcard"] = json!({ "element": kind, "patterns": patterns });
    let summary = match kind {
        "NotAction" => format!(
            "NotAction {:?} in {} ({})",
            patterns,
            statement.source.describe(),
            statement.statement.label()
        ),
        _ => format!(
            "{} in {} ({})",
            patterns.join(", "),
            statement.source.describe(),
            statement.statement.label()
        ),
    };
    Some((evidence, summary))
}

/// `*`, a whole service (`s3:*`, `s3:**`) or a wildcard in the service part (`*:Get*`, `s?:*`).
fn is_broad_pattern(pattern: &ActionPattern) -> bool {
    match pattern.raw.split_once(':') {
        None => true,
        Some((service, _)) if crate::wildcard::has_wildcard(service) => true,
        Some(_) => pattern.is_service_wildcard(),
    }
}
