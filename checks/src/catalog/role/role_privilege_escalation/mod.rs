//! role-privilege-escalation: the execution role's effective permissions contain a known privilege-escalation path
//! (one finding per path; the discriminator is the path id).

mod paths;

use serde_json::{json, Value};

use self::paths::{Path, Reach, PATHS};
use super::common::{role_failure_with, verdict};
use super::role_admin_access::administrator_statements;
use crate::check::{Check, Outcome, Place, RoleContext};
use crate::finding::Severity;
use crate::policy::{Grant, RolePermissions, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-privilege-escalation",
    title: "Execution role can escalate its privileges",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    evaluate: |ctx| ctx.judge_role_at(&CHECK, judge),
};

fn judge(ctx: &RoleContext, place: Place) -> Vec<Outcome> {
    let perms = ctx.permissions;
    // An administrator holds every path at once: one finding rather than one per path.
    let admin = administrator_statements(perms);
    if !admin.is_empty() {
        return verdict(perms, vec![every_path(perms, &admin)]);
    }
    let failures = PATHS
        .iter()
        .filter_map(|path| {
            let steps = path_steps(perms, ctx, place, path)?;
            let actions: Vec<&str> = steps.iter().map(|(action, _)| *action).collect();
            let mut sources: Vec<String> = Vec::new();
            for grant in steps.iter().flat_map(|(_, grants)| grants) {
                let source = format!("{} ({})", grant.statement.source.describe(), grant.statement.statement.label());
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
            let evidence: Vec<Value> = steps
                .iter()
                .map(|(action, grants)| {
                    json!({ "action": action, "granted_by": grants.iter().map(Grant::evidence).collect::<Vec<_>>() })
                })
                .collect();
            Some(role_failure_with(
                perms.role,
                format!(
                    "Execution role {} can escalate privileges with {}: {}; granted by {}",
                    perms.role.name,
                    actions.join(" + "),
                    path.summary,
                    sources.join(", ")
                ),
                path.id,
                json!({
                    "role_arn": perms.role.arn,
                    "path": path.id,
                    "description": path.summary,
                    "documented_by": path.source,
                    "steps": evidence,
                }),
            ))
        })
        .collect();
    verdict(perms, failures)
}

/// The single finding of an administrator role: every path holds, through the statements granting everything.
fn every_path(perms: &RolePermissions, admin: &[&SourcedStatement]) -> Outcome {
    let sources: Vec<String> = admin
        .iter()
        .map(|s| format!("{} ({})", s.source.describe(), s.statement.label()))
        .collect();
    role_failure_with(
        perms.role,
        format!(
            "Execution role {} can escalate privileges by every known path: it is granted every action on every \
             resource by {}",
            perms.role.name,
            sources.join(", ")
        ),
        "administrator",
        json!({
            "role_arn": perms.role.arn,
            "path": "administrator",
            "description": "every action on every resource: every known escalation path holds",
            "paths": PATHS.iter().map(|p| p.id).collect::<Vec<_>>(),
            "granted_by": admin.iter().map(|s| s.evidence()).collect::<Vec<_>>(),
        }),
    )
}

/// The grants making up the path, step by step, or `None` when a step is not effectively allowed.
fn path_steps<'p>(
    perms: &'p RolePermissions,
    ctx: &RoleContext,
    place: Place,
    path: &Path,
) -> Option<Vec<(&'static str, Vec<Grant<'p>>)>> {
    let mut steps = Vec::new();
    if let Some(service) = path.pass_to {
        let grants: Vec<Grant> = perms
            .effective
            .allows("iam:PassRole")
            .into_iter()
            .filter(|g| is_broad(g) && passes_to(g, service))
            .collect();
        steps.push(("iam:PassRole", non_empty(grants)?));
    }
    for (action, reach) in path.actions {
        let grants: Vec<Grant> = perms
            .effective
            .allows(action)
            .into_iter()
            .filter(|g| match reach {
                Reach::Any => true,
                Reach::Broad => is_broad(g),
                Reach::OtherFunction => reaches_other_function(g, ctx, place),
            })
            .collect();
        steps.push((*action, non_empty(grants)?));
    }
    Some(steps)
}

fn non_empty<T>(list: Vec<T>) -> Option<Vec<T>> {
    (!list.is_empty()).then_some(list)
}

/// The grant reaches every resource, or a whole family of them (`arn:aws:iam::*:role/*`, `…:instance/*`), not only
/// a few named ones.
fn is_broad(grant: &Grant) -> bool {
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

/// The grant reaches a function that runs as another role: any function of the account in the place (an arbitrary
/// function name) or one of the scanned functions with a different role.
fn reaches_other_function(grant: &Grant, ctx: &RoleContext, place: Place) -> bool {
    let Place {
        partition,
        region,
        account,
    } = place;
    let arbitrary = format!(
        "arn:{partition}:lambda:{region}:{account}:function:lambda-posture-probe-any-function"
    );
    grant.reaches(&arbitrary)
        || ctx
            .account
            .functions
            .iter()
            .filter(|f| f.role_arn != ctx.role.arn)
            .any(|f| grant.reaches(&f.arn))
}
