//! role-privilege-escalation: the execution role's effective permissions contain a known privilege-escalation path
//! that leads to a stronger role (one finding per role, listing every path).

mod paths;
mod targets;
#[cfg(test)]
mod tests;

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use self::paths::{Path, Reach, PATHS};
use self::targets::Targets;
use super::common::{role_failure, verdict};
use super::role_admin_access::{left_to_admin_access, Covered};
use crate::check::{Check, Outcome, Place, RoleContext};
use crate::finding::Severity;
use crate::policy::{Grant, RolePermissions, Scope};

pub const CHECK: Check = Check {
    id: "role-privilege-escalation",
    title: "Execution role can escalate its privileges",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role_at(&CHECK, judge)),
};

fn judge(ctx: &RoleContext, place: Place) -> Vec<Outcome> {
    let perms = ctx.permissions;
    // A role that can already do anything escalates nowhere: its statements are role-admin-access's finding.
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let mut targets = Targets::new(ctx, place);
    let mut found = Vec::new();
    let mut unjudged: Vec<String> = Vec::new();
    for path in PATHS {
        match evaluate(perms, &admin, &mut targets, path) {
            Ok(Some(holding)) => found.push(holding),
            Ok(None) => {}
            Err(roles) => unjudged.extend(roles),
        }
    }
    if found.is_empty() && !unjudged.is_empty() && perms.incomplete.is_empty() {
        unjudged.sort();
        unjudged.dedup();
        return vec![Outcome::unknown(format!(
            "role {} may pass {} to a service that runs code as it (with the other actions of an escalation path), \
             but the inventory holds only execution roles: what it can do was not read",
            perms.role.name,
            unjudged.join(", ")
        ))];
    }
    let failures = if found.is_empty() {
        vec![]
    } else {
        vec![one_finding(perms, &found)]
    };
    verdict(perms, failures)
}

/// A path that holds: the grants of each step and whom it runs as.
struct Holding<'p> {
    path: &'static Path,
    steps: Vec<(&'static str, Vec<Grant<'p>>)>,
    /// The stronger roles or functions the path runs code as (empty for the IAM mutations, which need none).
    runs_as: Vec<String>,
}

/// The one finding of a role: every path that holds, each named with its steps and whom it runs as.
fn one_finding(perms: &RolePermissions, found: &[Holding]) -> Outcome {
    let described: Vec<String> = found
        .iter()
        .map(|h| {
            let mut actions: Vec<&str> = Vec::new();
            if h.path.pass_to.is_some() {
                actions.push("iam:PassRole");
            }
            actions.extend(h.path.steps.iter().map(|(action, _)| *action));
            let runs_as = match h.runs_as.first() {
                Some(first) if h.runs_as.len() > 1 => {
                    format!(", as {first} and {} more", h.runs_as.len() - 1)
                }
                Some(first) => format!(", as {first}"),
                None => String::new(),
            };
            format!("{} ({}{runs_as})", h.path.id, actions.join(" + "))
        })
        .collect();
    let evidence: Vec<Value> = found
        .iter()
        .map(|h| {
            json!({
                "path": h.path.id,
                "description": h.path.summary,
                "documented_by": h.path.source,
                "runs_as": h.runs_as,
                "steps": h.steps.iter().map(|(action, grants)| json!({
                    "action": action,
                    "granted_by": grants.iter().map(Grant::evidence).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    role_failure(
        perms.role,
        format!(
            "Execution role {} can escalate its privileges by {} path{}: {}",
            perms.role.name,
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            described.join("; ")
        ),
        json!({ "role_arn": perms.role.arn, "paths": evidence }),
    )
}

/// The path with its grants when every step is effectively allowed on what it needs; `Err` with the passable roles
/// whose strength is unknown when that alone stands in the way.
fn evaluate<'p>(
    perms: &'p RolePermissions,
    admin: &Covered,
    targets: &mut Targets,
    path: &'static Path,
) -> Result<Option<Holding<'p>>, Vec<String>> {
    let mut steps = Vec::new();
    let mut runs_as = Vec::new();
    for (action, reach) in path.steps {
        let mut kept = Vec::new();
        for grant in perms.effective.allows(action) {
            if admin.holds(grant.statement) {
                continue;
            }
            let keep = match reach {
                Reach::Any => true,
                Reach::Broad => is_broad(&grant),
                Reach::StrongerFunction => {
                    let functions = targets.stronger_functions(&grant);
                    runs_as.extend(functions.iter().cloned());
                    !functions.is_empty()
                }
            };
            if keep {
                kept.push(grant);
            }
        }
        if kept.is_empty() {
            return Ok(None);
        }
        steps.push((*action, kept));
    }
    if let Some(service) = path.pass_to {
        let grants: Vec<Grant> = perms
            .effective
            .allows("iam:PassRole")
            .into_iter()
            .filter(|g| !admin.holds(g.statement) && passes_to(g, service))
            .collect();
        if grants.is_empty() {
            return Ok(None);
        }
        let passable = targets.passable(&grants, service);
        if passable.stronger.is_empty() {
            return if passable.unjudged.is_empty() {
                Ok(None)
            } else {
                Err(passable.unjudged)
            };
        }
        runs_as.extend(passable.stronger);
        steps.insert(0, ("iam:PassRole", grants));
    }
    runs_as.dedup();
    Ok(Some(Holding {
        path,
        steps,
        runs_as,
    }))
}

/// The grant reaches every resource, or a whole family of them (`arn:aws:iam::*:role/*`, `…:instance/*`), not only
/// a few named ones.
pub(super) fn is_broad(grant: &Grant) -> bool {
    let family =
        |pattern: &str| pattern == "*" || pattern.ends_with("/*") || pattern.ends_with(":*");
    let statement_broad = match &grant.statement.statement.resources {
        None | Some(Scope::Except(_)) => true,
        Some(Scope::Only(list)) => list
            .iter()
            .any(|r| family(r) && !grant.denied_resources.iter().any(|d| d == r)),
    };
    let boundary_broad = grant.boundary.is_empty()
        || grant.boundary.iter().any(|b| match &b.statement.resources {
            None | Some(Scope::Except(_)) => true,
            Some(Scope::Only(list)) => list.iter().any(|r| family(r)),
        });
    statement_broad && boundary_broad
}

/// Whether an `iam:PassRole` grant's `iam:PassedToService` conditions admit `service`.
fn passes_to(grant: &Grant, service: &str) -> bool {
    grant
        .statement
        .statement
        .conditions_on("iam:PassedToService")
        .all(|c| {
            let listed = c
                .values
                .iter()
                .any(|v| crate::policy::pattern_matches(v, service, true));
            if c.operator.is_negated() {
                !listed
            } else {
                listed
            }
        })
}
