//! role-data-exfiltration: the execution role may read every object, secret, parameter or KMS key of the account
//! (s3:GetObject, secretsmanager:GetSecretValue, ssm:GetParameter*, kms:Decrypt without a resource constraint).

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use super::common::{resource_scoped_by_condition, role_failure, verdict};
use super::role_admin_access::left_to_admin_access;
use crate::check::{Check, Outcome, Place, RoleContext};
use crate::finding::Severity;
use crate::policy::{pattern_covers, Grant, Scope, SourcedStatement};

pub const CHECK: Check = Check {
    id: "role-data-exfiltration",
    title: "Execution role may read all data of a kind",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role_at(&CHECK, judge)),
};

/// Data-reading actions and the ARN pattern of "all of them in the account" (`{P}` partition, `{R}` region, `{A}`
/// account of the function).
const DATA_ACTIONS: &[(&str, &str)] = &[
    ("s3:GetObject", "arn:{P}:s3:::*/*"),
    (
        "secretsmanager:GetSecretValue",
        "arn:{P}:secretsmanager:{R}:{A}:secret:*",
    ),
    ("ssm:GetParameter", "arn:{P}:ssm:{R}:{A}:parameter/*"),
    ("ssm:GetParameters", "arn:{P}:ssm:{R}:{A}:parameter/*"),
    ("ssm:GetParametersByPath", "arn:{P}:ssm:{R}:{A}:parameter/*"),
    ("kms:Decrypt", "arn:{P}:kms:{R}:{A}:key/*"),
];

fn judge(ctx: &RoleContext, place: Place) -> Vec<Outcome> {
    let perms = ctx.permissions;
    let admin = left_to_admin_access(perms, ctx.config, CHECK.id);
    let Place {
        partition,
        region,
        account,
    } = place;
    let mut found: Vec<(String, Value)> = Vec::new();
    for (action, family) in DATA_ACTIONS {
        let family = family
            .replace("{P}", partition)
            .replace("{R}", region)
            .replace("{A}", account);
        let grants: Vec<Grant> = perms
            .effective
            .allows(action)
            .into_iter()
            .filter(|g| !admin.holds(g.statement) && unconstrained(g, &family))
            .collect();
        if let Some(first) = grants.first() {
            let summary = format!(
                "{action} ({} {})",
                first.statement.source.describe(),
                first.statement.statement.label()
            );
            found.push((summary, json!({ "action": action, "all_of": family, "granted_by": grants.iter().map(Grant::evidence).collect::<Vec<_>>() })));
        }
    }
    let failures = if found.is_empty() {
        vec![]
    } else {
        let names: Vec<&str> = found.iter().map(|(a, _)| a.as_str()).collect();
        vec![role_failure(
            perms.role,
            format!(
                "Execution role {} may read data account-wide, unconstrained: {}",
                perms.role.name,
                names.join(", ")
            ),
            json!({ "role_arn": perms.role.arn, "actions": found.into_iter().map(|(_, e)| e).collect::<Vec<_>>() }),
        )]
    };
    verdict(perms, failures)
}

/// The grant reaches every resource of the family: no resource-scoping condition, a Resource covering the family
/// (or `*` / `NotResource`), a boundary that does too, and no Deny taking the family back.
fn unconstrained(grant: &Grant, family: &str) -> bool {
    let covers_family = |s: &SourcedStatement| match &s.statement.resources {
        None | Some(Scope::Except(_)) => true,
        Some(Scope::Only(list)) => list.iter().any(|r| pattern_covers(r, family, false)),
    };
    !resource_scoped_by_condition(&grant.statement.statement)
        && covers_family(grant.statement)
        && (grant.boundary.is_empty() || grant.boundary.iter().any(|b| covers_family(b)))
        && !grant
            .denied_resources
            .iter()
            .any(|d| pattern_covers(d, family, false))
}
