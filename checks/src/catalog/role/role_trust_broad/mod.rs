//! role-trust-broad: the execution role's trust policy lets principals other than the Lambda service assume it
//! (anyone, other accounts, IAM principals of the account, federated identities, other services).

use crate::catalog::live_versions::with_live_version_roles;
use serde_json::{json, Value};

use crate::arn::Arn;
use crate::check::{Check, Outcome, RoleContext};
use crate::finding::Severity;
use crate::policy::resource::{caller_pinning, principal_scope};
use crate::policy::{PolicyDocument, Statement};

use super::common::role_failure;

pub const CHECK: Check = Check {
    id: "role-trust-broad",
    title: "Execution role trusted by principals other than Lambda",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_version_roles(ctx, |ctx| ctx.judge_role(&CHECK, judge)),
};

/// Actions by which a principal obtains the role's credentials.
const ASSUME_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/// Service principals an execution role must trust: Lambda, and Lambda@Edge for functions replicated to edges.
const LAMBDA_SERVICES: &[&str] = &[
    "lambda.amazonaws.com",
    "edgelambda.amazonaws.com",
    "lambda.amazonaws.com.cn",
];

fn judge(ctx: &RoleContext) -> Vec<Outcome> {
    let role = ctx.role;
    if role.trust_policy.is_null() {
        return vec![Outcome::unknown(format!(
            "the trust policy of role {} was not collected",
            role.name
        ))];
    }
    let document = match PolicyDocument::parse(&role.trust_policy.value()) {
        Ok(document) => document,
        Err(e) => {
            return vec![Outcome::unknown(format!(
                "the trust policy of role {} could not be parsed: {e}",
                role.name
            ))]
        }
    };
    let own_account = Arn::parse(&role.arn).map_or(ctx.account.account_id.as_str(), |a| a.account);
    let entries: Vec<(Severity, Value)> = document
        .statements
        .iter()
        .filter(|s| s.is_allow() && ASSUME_ACTIONS.iter().any(|a| s.applies_to_action(a)))
        .filter_map(|s| extra_principals(s, own_account, ctx))
        .collect();
    let Some(severity) = entries.iter().map(|(sev, _)| *sev).max() else {
        return vec![];
    };
    let who: Vec<String> = entries
        .iter()
        .flat_map(|(_, e)| e["principals"].as_array().cloned().unwrap_or_default())
        .map(|p| p["who"].as_str().unwrap_or_default().to_string())
        .collect();
    vec![role_failure(
        role,
        format!("Execution role {} may be assumed by more than Lambda: {}", role.name, who.join(", ")),
        json!({ "role_arn": role.arn, "statements": entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>() }),
    )
    .with_severity(severity)]
}

/// The principals beyond the Lambda service that a statement admits, with the severity of the worst of them.
fn extra_principals(
    statement: &Statement,
    own_account: &str,
    ctx: &RoleContext,
) -> Option<(Severity, Value)> {
    let scope = principal_scope(statement, own_account, ctx.config)?;
    let pinning = caller_pinning(statement, own_account, ctx.config);
    let mut found: Vec<(Severity, String, String)> = Vec::new();
    let mut add = |severity, kind: &str, who: String| found.push((severity, kind.to_string(), who));
    if scope.negated {
        // NotPrincipal: the entries are the exceptions, everyone else is admitted.
        add(
            Severity::Critical,
            "public",
            "everyone but the NotPrincipal entries".to_string(),
        );
    } else if scope.public && pinning.is_pinned() {
        let keys: Vec<&str> = pinning.pins.iter().map(|p| p.key.as_str()).collect();
        let who = format!("anyone (*) restricted by {}", keys.join(", "));
        // Pinned to the role's own account or trusted accounts: no stranger gets in.
        let home = pinning.accounts().is_some_and(|accounts| {
            accounts
                .iter()
                .all(|a| a == own_account || ctx.config.trusted_accounts.contains(a))
        });
        add(
            if home {
                Severity::Medium
            } else {
                Severity::High
            },
            "public",
            who,
        );
    } else if scope.public {
        add(Severity::Critical, "public", "anyone (*)".to_string());
    }
    if !scope.negated {
        for account in &scope.foreign_accounts {
            add(
                Severity::High,
                "foreign-account",
                format!("account {account}"),
            );
        }
        for account in &scope.trusted_accounts {
            add(
                Severity::Medium,
                "trusted-account",
                format!("trusted account {account}"),
            );
        }
        if scope.same_account {
            add(
                Severity::Medium,
                "same-account",
                format!("IAM principals of account {own_account}"),
            );
        }
        for provider in &scope.federated {
            add(Severity::High, "federated", format!("federated {provider}"));
        }
        for service in scope
            .services
            .iter()
            .filter(|s| !LAMBDA_SERVICES.contains(&s.as_str()))
        {
            add(Severity::Medium, "service", format!("service {service}"));
        }
    }
    let severity = found.iter().map(|(sev, _, _)| *sev).max()?;
    Some((
        severity,
        json!({
            "statement": statement.label(),
            "document": statement.raw,
            "principals": found.iter().map(|(sev, kind, who)| json!({ "kind": kind, "who": who, "severity": sev })).collect::<Vec<_>>(),
            "caller_pinning": pinning,
            "scope": scope,
        }),
    ))
}
