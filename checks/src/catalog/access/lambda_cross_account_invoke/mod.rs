//! lambda-cross-account-invoke: a resource-policy Allow to a principal of another account that is not trusted.

use std::collections::BTreeSet;

use serde_json::json;

use crate::catalog::access::policies::{judge_statements, PolicyStatement};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::resource::lambda_actions;

pub const CHECK: Check = Check {
    id: "lambda-cross-account-invoke",
    title: "Another account can invoke the function",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    evaluate: |ctx| judge_statements(ctx, judge),
};

fn judge(ctx: &FunctionContext, ps: &PolicyStatement) -> Option<Outcome> {
    let scope = ps.allowed_principals(ctx)?;
    if lambda_actions(&ps.statement).is_empty() {
        return None;
    }
    let pinning = ps.pinning(ctx);
    let own = ctx.function.account_id();
    let trusted =
        |account: &String| account == own || ctx.config.trusted_accounts.contains(account);
    let own_org = ctx.config.organization_id.as_deref();
    let pinned_orgs = pinning.organizations();
    let in_own_org = own_org.is_some_and(|org| {
        pinned_orgs
            .as_ref()
            .is_some_and(|o| o.len() == 1 && o.contains(org))
    });
    if in_own_org {
        return None;
    }
    let pinned_accounts = pinning.accounts();
    // Accounts named as principals, narrowed by account conditions when there are some.
    let mut foreign: BTreeSet<String> = scope
        .foreign_accounts
        .iter()
        .filter(|a| pinned_accounts.as_ref().is_none_or(|p| p.contains(*a)))
        .cloned()
        .collect();
    // `*` or a service principal narrowed to other accounts by conditions (an unpinned `*` is public-invoke's).
    if scope.public || !scope.services.is_empty() {
        foreign.extend(
            pinned_accounts
                .iter()
                .flatten()
                .filter(|a| !trusted(a))
                .cloned(),
        );
    }
    let foreign_orgs: BTreeSet<String> = match (scope.public, own_org, &pinned_orgs) {
        (true, Some(org), Some(orgs)) if pinned_accounts.is_none() => {
            orgs.iter().filter(|o| *o != org).cloned().collect()
        }
        _ => BTreeSet::new(),
    };
    if foreign.is_empty() && foreign_orgs.is_empty() {
        return None;
    }
    let who: Vec<String> = foreign
        .iter()
        .map(|a| format!("account {a}"))
        .chain(foreign_orgs.iter().map(|o| format!("organization {o}")))
        .collect();
    let mut why = Vec::new();
    if !foreign.is_empty() {
        why.push("not in trusted_accounts");
    }
    if !foreign_orgs.is_empty() {
        why.push("not the configured organization_id");
    }
    let message = format!(
        "{} lets {} call {} ({})",
        ps.describe(),
        who.join(", "),
        ps.actions_text(),
        why.join("; ")
    );
    let mut details = ps.actions_evidence();
    details["foreign_accounts"] = json!(foreign);
    details["foreign_organizations"] = json!(foreign_orgs);
    details["pinned_by"] = json!(pinning.pins);
    Some(ps.failure(ctx, message, details))
}
