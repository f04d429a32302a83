//! lambda-public-invoke: a resource-policy Allow (function, alias or version) that lets anyone call the function.

use serde_json::json;

use crate::catalog::access::policies::{
    judge_statements, read_urls, scope_name, url_for, PolicyStatement,
};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::FunctionUrl;
use crate::policy::resource::{lambda_actions, only_via_url, url_auth_type};

pub const CHECK: Check = Check {
    id: "lambda-public-invoke",
    title: "Anyone can invoke the function (public resource policy)",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (urls, url_unknown) = read_urls(ctx);
    let urls = url_unknown.is_empty().then_some(urls);
    judge_statements(ctx, |ctx, ps| judge(ctx, ps, urls))
}

/// A failure when the statement is a public Allow of Lambda actions whose conditions do not pin the caller.
fn judge(
    ctx: &FunctionContext,
    ps: &PolicyStatement,
    urls: Option<&[FunctionUrl]>,
) -> Option<Outcome> {
    if !ps.allowed_principals(ctx)?.public {
        return None;
    }
    let pinning = ps.pinning(ctx);
    if lambda_actions(&ps.statement).is_empty() || pinning.is_pinned() {
        return None;
    }
    let mut details = ps.actions_evidence();
    details["conditions_that_do_not_pin"] = json!(pinning.not_pinning);
    let scope_text = scope_name(ps.qualifier());
    let outcome = match reach(ps, urls) {
        Reach::Direct => ps.failure(
            ctx,
            format!(
                "{} lets anyone call {}: Principal * with no condition pinning the caller",
                ps.describe(),
                ps.actions_text()
            ),
            details,
        ),
        Reach::Url { auth, live } => {
            let who = match auth.as_str() {
                "AWS_IAM" => "any authenticated principal of any AWS account",
                _ => "anyone on the internet",
            };
            let message = match live {
                Some(true) => format!(
                    "{} lets {who} invoke {scope_text} through its function URL (AuthType {auth})",
                    ps.describe()
                ),
                Some(false) => format!(
                    "{} allows Principal * through a function URL with AuthType {auth}; {scope_text} has no such URL \
                     today, so the permission is dormant until one is created",
                    ps.describe()
                ),
                None => format!(
                    "{} lets {who} invoke {scope_text} through a function URL with AuthType {auth} (the URLs could \
                     not be listed)",
                    ps.describe()
                ),
            };
            details["via_function_url"] = json!({ "auth_type": auth, "url_exists": live });
            let failure = ps.failure(ctx, message, details);
            match live {
                Some(false) => failure.with_severity(Severity::Low),
                _ => failure,
            }
        }
    };
    Some(outcome)
}

/// How a public statement can be used.
enum Reach {
    /// Through the Invoke API (and any URL).
    Direct,
    /// Only through a function URL of the statement's qualifier with this AuthType; `live`: such a URL exists
    /// (`None`: the URLs are unknown).
    Url { auth: String, live: Option<bool> },
}

fn reach(ps: &PolicyStatement, urls: Option<&[FunctionUrl]>) -> Reach {
    if !only_via_url(&ps.statement) {
        return Reach::Direct;
    }
    let url = urls.map(|urls| url_for(urls, ps.qualifier()));
    // `lambda:InvokedViaFunctionUrl` alone: whatever AuthType the URL has.
    let auth = url_auth_type(&ps.statement)
        .or_else(|| url.flatten().map(|u| u.auth_type.to_ascii_uppercase()))
        .unwrap_or_else(|| "NONE".to_string());
    let live = url.map(|u| u.is_some_and(|u| u.auth_type.eq_ignore_ascii_case(&auth)));
    Reach::Url { auth, live }
}
