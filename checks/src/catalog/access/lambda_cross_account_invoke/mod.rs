//! lambda-cross-account-invoke: a resource-policy Allow to a principal of another account, or of another
//! organization, that is not trusted.

use std::collections::BTreeSet;

use serde_json::json;

use crate::catalog::access::policies::{outcomes, read_policies, PolicyStatement};
use crate::check::{gap_reason, Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::resource::lambda_actions;

pub const CHECK: Check = Check {
    id: "lambda-cross-account-invoke",
    title: "Another account can invoke the function",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The organization the function's account belongs to, and where that was learnt.
struct OwnOrganization<'a> {
    /// `None`: the account is in no organization, so every organization is another's.
    id: Option<&'a str>,
    /// `config organization_id` or `organizations:DescribeOrganization`.
    source: &'static str,
}

/// What one statement comes to.
enum Verdict {
    Fail(Outcome),
    /// The statement lets in an organization that may or may not be the account's own.
    Undecided(String),
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let policies = read_policies(ctx);
    let own_org = own_organization(ctx);
    let mut failures = Vec::new();
    let mut unknown = policies.unknown;
    for ps in &policies.statements {
        match judge(ctx, ps, &own_org) {
            Some(Verdict::Fail(failure)) => failures.push(failure),
            Some(Verdict::Undecided(reason)) => unknown.push(reason),
            None => {}
        }
    }
    outcomes(failures, unknown)
}

/// The account's organization: config `organization_id` when set, else the one the scan read; `Err` with the reason
/// when neither is known.
fn own_organization<'a>(ctx: &FunctionContext<'a>) -> Result<OwnOrganization<'a>, String> {
    if let Some(id) = ctx.config.organization_id.as_deref() {
        return Ok(OwnOrganization {
            id: Some(id),
            source: "config organization_id",
        });
    }
    if let Some(organization) = &ctx.account.organization {
        return Ok(OwnOrganization {
            id: organization.id.as_deref(),
            source: "organizations:DescribeOrganization",
        });
    }
    let why = match ctx
        .account
        .gaps
        .iter()
        .find(|g| g.service == "organizations" && g.operation == "DescribeOrganization")
    {
        Some(gap) => gap_reason(gap),
        None => "the inventory does not record the account's organization".to_string(),
    };
    Err(format!("{why}; set organization_id in the configuration"))
}

fn judge(
    ctx: &FunctionContext,
    ps: &PolicyStatement,
    own_org: &Result<OwnOrganization, String>,
) -> Option<Verdict> {
    let scope = ps.allowed_principals(ctx)?;
    if lambda_actions(&ps.statement).is_empty() {
        return None;
    }
    let pinning = ps.pinning(ctx);
    let own = ctx.function.account_id();
    let trusted =
        |account: &String| account == own || ctx.config.trusted_accounts.contains(account);
    let pinned_orgs = pinning.organizations();
    // Organizations the statement admits that are not the account's own; `Err` when that cannot be told.
    let foreign_orgs: Result<BTreeSet<String>, &String> = match (&pinned_orgs, own_org) {
        (None, _) => Ok(BTreeSet::new()),
        (Some(orgs), Ok(own)) => Ok(orgs
            .iter()
            .filter(|o| Some(o.as_str()) != own.id)
            .cloned()
            .collect()),
        (Some(_), Err(why)) => Err(why),
    };
    if pinned_orgs.is_some() && foreign_orgs.as_ref().is_ok_and(BTreeSet::is_empty) {
        return None; // every caller is in the account's own organization
    }
    let pinned_accounts = pinning.accounts();
    // Accounts named as principals, narrowed by account conditions when there are some.
    let mut foreign: BTreeSet<String> = scope
        .foreign_accounts
        .iter()
        .filter(|a| pinned_accounts.as_ref().is_none_or(|p| p.contains(*a)))
        .cloned()
        .collect();
    // `*` or a service principal narrowed by conditions: to other accounts, or else to organizations (an unpinned
    // `*` is public-invoke's).
    let anyone = scope.public || !scope.services.is_empty();
    if anyone {
        foreign.extend(
            pinned_accounts
                .iter()
                .flatten()
                .filter(|a| !trusted(a))
                .cloned(),
        );
    }
    let orgs_decide = anyone && pinned_accounts.is_none();
    let foreign_orgs = match foreign_orgs {
        Ok(orgs) if orgs_decide => orgs,
        Ok(_) => BTreeSet::new(),
        Err(why) if orgs_decide || !foreign.is_empty() => {
            return Some(Verdict::Undecided(format!(
                "{} admits callers of organization {} and whether it is the account's own is unknown: {why}",
                ps.describe(),
                pinned_orgs.iter().flatten().cloned().collect::<Vec<_>>().join(", ")
            )))
        }
        Err(_) => BTreeSet::new(),
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
        why.push("not in trusted_accounts".to_string());
    }
    let own_org = own_org.as_ref().ok();
    if !foreign_orgs.is_empty() {
        why.push(match own_org {
            Some(OwnOrganization {
                id: Some(id),
                source,
            }) => {
                format!("the account's own organization is {id}, from {source}")
            }
            _ => "the account belongs to no organization, from organizations:DescribeOrganization"
                .into(),
        });
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
    if !foreign_orgs.is_empty() {
        details["own_organization"] =
            json!({ "id": own_org.and_then(|o| o.id), "source": own_org.map(|o| o.source) });
    }
    details["pinned_by"] = json!(pinning.pins);
    Some(Verdict::Fail(ps.failure(ctx, message, details)))
}
