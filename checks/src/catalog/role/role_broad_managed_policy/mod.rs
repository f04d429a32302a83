//! role-broad-managed-policy: an AWS managed `*FullAccess` policy is attached to the execution role.

use crate::catalog::live_versions::with_live_version_roles;
use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::common::role_failure;
use super::role_admin_access::left_to_admin_access;
use crate::arn::iam_name;
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::inventory::ManagedPolicy;
use crate::policy::{PolicyDocument, PolicySource, Scope};

pub const CHECK: Check = Check {
    id: "role-broad-managed-policy",
    title: "AWS managed FullAccess policy attached to the execution role",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let role = ctx.role;
    // A full-access policy that role-admin-access reports (IAMFullAccess: it opens IAM itself) is its finding.
    let admin = left_to_admin_access(ctx.permissions, ctx.config, CHECK.id);
    let broad: Vec<&ManagedPolicy> = role
        .attached_policies
        .iter()
        .filter(|p| p.is_aws_managed() && is_full_access(&p.arn))
        .filter(|p| {
            !admin
                .sources()
                .any(|s| s.arn.as_deref() == Some(p.arn.as_str()))
        })
        .collect();
    if broad.is_empty() {
        return vec![];
    }
    let opened: Vec<Option<BTreeSet<String>>> = broad
        .iter()
        .map(|p| {
            p.document
                .as_ref()
                .and_then(|d| services_opened(&d.value()))
        })
        .collect();
    let policies: Vec<Value> = broad
        .iter()
        .zip(&opened)
        .map(|(p, services)| json!({ "policy_arn": p.arn, "services": services }))
        .collect();
    let names: Vec<String> = broad
        .iter()
        .zip(&opened)
        .map(|(p, services)| match services {
            Some(services) => format!(
                "{} ({})",
                iam_name(&p.arn),
                services.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            None => iam_name(&p.arn).to_string(),
        })
        .collect();
    vec![role_failure(
        role,
        format!(
            "Execution role {} has AWS managed full-access policies attached: {}",
            role.name,
            names.join(", ")
        ),
        json!({ "role_arn": role.arn, "policies": policies }),
    )]
}

/// Whether a statement's policy is one this check looks at: an AWS managed `*FullAccess` policy.
pub(super) fn is_broad(source: &PolicySource) -> bool {
    source.is_aws_managed() && source.arn.as_deref().is_some_and(is_full_access)
}

fn is_full_access(arn: &str) -> bool {
    iam_name(arn).contains("FullAccess")
}

/// Service prefixes the policy's Allow statements name (`s3`, `dynamodb`…, `*` for every service), sorted; `None`
/// when the document cannot be parsed.
fn services_opened(document: &Value) -> Option<BTreeSet<String>> {
    let document = PolicyDocument::parse(document).ok()?;
    let mut services = BTreeSet::new();
    for statement in document.statements.iter().filter(|s| s.is_allow()) {
        match &statement.actions {
            Scope::Only(patterns) => services.extend(
                patterns
                    .iter()
                    .map(|p| p.service().unwrap_or_else(|| "*".into())),
            ),
            Scope::Except(_) => {
                services.insert("*".into());
            }
        }
    }
    Some(services)
}
