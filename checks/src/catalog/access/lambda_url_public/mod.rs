//! lambda-url-public: a function URL (of the function or an alias) with AuthType NONE.

use serde_json::json;

use crate::catalog::access::policies::{
    outcomes, read_policies, read_urls, scope_name, url_failure, Policies,
};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::FunctionUrl;
use crate::policy::resource::url_auth_type;

pub const CHECK: Check = Check {
    id: "lambda-url-public",
    title: "Function URL without authentication",
    severity: Severity::High,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (urls, unknown) = read_urls(ctx);
    let policies = read_policies(ctx);
    let failures = urls
        .iter()
        .filter(|u| u.auth_type.eq_ignore_ascii_case("NONE"))
        .map(|url| judge(ctx, url, &policies))
        .collect();
    outcomes(failures, unknown)
}

/// How exposed an AuthType NONE URL is depends on the resource policy of its qualifier.
fn judge(ctx: &FunctionContext, url: &FunctionUrl, policies: &Policies) -> Outcome {
    let qualifier = url.qualifier.as_deref();
    let mut open = Vec::new();
    let mut pinned = Vec::new();
    for ps in policies
        .statements
        .iter()
        .filter(|ps| ps.qualifier() == qualifier)
    {
        let statement = &ps.statement;
        let public = ps.principal_scope(ctx).is_some_and(|s| s.is_public());
        let for_this_url = url_auth_type(statement).is_none_or(|auth| auth == "NONE");
        if !statement.is_allow()
            || !public
            || !for_this_url
            || !statement.applies_to_action("lambda:InvokeFunctionUrl")
        {
            continue;
        }
        let pinning = ps.pinning(ctx);
        let entry = json!({ "statement": statement.label(), "document": statement.raw });
        match pinning.is_pinned() {
            false => open.push(entry),
            true => {
                pinned.push(json!({ "statement": statement.label(), "pinned_by": pinning.pins }))
            }
        }
    }
    let scope = scope_name(qualifier);
    let details = json!({
        "cors": url.cors,
        "public_statements": open,
        "pinned_statements": pinned,
        "resource_policy_read": policies.unknown.is_empty(),
    });
    if !open.is_empty() {
        let message = format!(
            "Anyone on the internet can invoke {scope} through {} (AuthType NONE, and the resource policy allows \
             Principal *)",
            url.url
        );
        return url_failure(ctx, url, message, details);
    }
    if !pinned.is_empty() {
        let message = format!(
            "{} of {scope} has AuthType NONE: callers are not authenticated, only filtered by resource-policy conditions",
            url.url
        );
        return url_failure(ctx, url, message, details).with_severity(Severity::Medium);
    }
    if policies.unknown.is_empty() {
        let message = format!(
            "{} of {scope} has AuthType NONE; no resource-policy statement allows public calls yet, so requests are \
             refused until one is added",
            url.url
        );
        return url_failure(ctx, url, message, details).with_severity(Severity::Low);
    }
    let message =
        format!("{} of {scope} has AuthType NONE (the resource policy could not be read to see who it admits)", url.url);
    url_failure(ctx, url, message, details)
}
