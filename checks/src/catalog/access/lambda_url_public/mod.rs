//! lambda-url-public: a function URL (of the function or an alias) with AuthType NONE, graded by who its
//! qualifier's resource policy really lets in (both URL permissions, since October 2025).

use serde_json::json;

use crate::catalog::access::policies::{
    labels, outcomes, public_url_access, read_policies, read_urls, scope_name, url_failure,
    Policies, UrlAccess, URL_PERMISSIONS,
};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::FunctionUrl;

pub const CHECK: Check = Check {
    id: "lambda-url-public",
    title: "Function URL without authentication",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The exposure kind this check owns: anyone on the internet, unauthenticated, through a qualifier's URL.
const KIND: &str = "url";

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (urls, unknown) = read_urls(ctx);
    let policies = read_policies(ctx);
    let failures = urls
        .iter()
        .filter_map(|url| {
            let access = public_url_access(ctx, url, &policies)?;
            Some(judge(ctx, url, access, &policies))
        })
        .collect();
    outcomes(failures, unknown)
}

/// How exposed an AuthType NONE URL is depends on what the resource policy of its qualifier grants the public
/// ([`public_url_access`]).
fn judge(
    ctx: &FunctionContext,
    url: &FunctionUrl,
    access: UrlAccess,
    policies: &Policies,
) -> Outcome {
    let qualifier = url.qualifier.as_deref();
    let admitting = access.statements();
    let scope = scope_name(qualifier);
    let details = json!({
        "statements": access.entries(ctx),
        "requires": URL_PERMISSIONS,
        "missing_permission": access.missing(),
        "resource_policy_read": policies.unknown.is_empty(),
    });
    let failure = |message: String| url_failure(ctx, KIND, url, message, details.clone());
    if access.open() {
        // As open as a function gets: no credentials at all (lambda-public-invoke's Principal * needs AWS ones).
        return failure(format!(
            "Anyone on the internet can invoke {scope} through {} (AuthType NONE; lambda:InvokeFunctionUrl and \
             lambda:InvokeFunction are granted to Principal * by {})",
            url.url,
            labels(&admitting)
        ))
        .with_severity(Severity::Critical);
    }
    if access.admits() {
        return failure(format!(
            "{} of {scope} has AuthType NONE: callers are not authenticated, only filtered by the conditions of {}",
            url.url,
            labels(&admitting)
        ))
        .with_severity(Severity::Medium);
    }
    if !policies.unknown.is_empty() {
        return failure(format!(
            "{} of {scope} has AuthType NONE (the resource policy could not be read to see who it admits)",
            url.url
        ));
    }
    let message = match access.missing() {
        Some(missing) => format!(
            "{} of {scope} has AuthType NONE, but requests are refused: the public is granted only {} ({}), and a \
             function URL also needs {missing} since October 2025; one add-permission makes it public",
            url.url,
            URL_PERMISSIONS.iter().find(|p| **p != missing).unwrap_or(&missing),
            labels(&admitting),
        ),
        None => format!(
            "{} of {scope} has AuthType NONE; no resource-policy statement allows public calls yet, so requests are \
             refused until one is added",
            url.url
        ),
    };
    failure(message).with_severity(Severity::Low)
}
