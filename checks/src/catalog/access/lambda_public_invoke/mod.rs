//! lambda-public-invoke: the resource policy of the function, an alias or a version lets any AWS principal of any
//! account call it — through the Lambda API or a function URL with AuthType AWS_IAM (one finding per qualifier).

use serde_json::{json, Value};

use crate::catalog::access::policies::{
    distinct, judge_qualifiers, labels, path_failure, read_urls, scope_name, url_for,
    PolicyStatement, UrlAccess,
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
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The exposure kind this check owns: any AWS principal, through the Lambda API or an AWS_IAM URL of a qualifier.
const KIND: &str = "public";

/// The URL AuthTypes a resource policy can grant for.
const AUTH_TYPES: [&str; 2] = ["NONE", "AWS_IAM"];

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (urls, url_unknown) = read_urls(ctx);
    let urls = url_unknown.is_empty().then_some(urls);
    judge_qualifiers(ctx, |ctx, qualifier, statements| {
        judge(ctx, qualifier, statements, urls)
            .into_iter()
            .collect()
    })
}

/// One way in for the public, and the statements that open it.
struct Route<'p, 'a> {
    /// `lambda-api` or `function-url`.
    name: &'static str,
    statements: Vec<&'p PolicyStatement<'a>>,
    sentence: String,
    evidence: Value,
    /// `false`: the permission waits for a URL that does not exist yet (low).
    live: bool,
}

/// One failure for the qualifier when its policy lets the public in by any route, naming every statement.
fn judge(
    ctx: &FunctionContext,
    qualifier: Option<&str>,
    statements: &[&PolicyStatement],
    urls: Option<&[FunctionUrl]>,
) -> Option<Outcome> {
    let scope = scope_name(qualifier);
    let mut routes: Vec<Route> = api_route(ctx, statements, &scope).into_iter().collect();
    routes.extend(url_routes(ctx, qualifier, statements, urls, &scope));
    if routes.is_empty() {
        return None;
    }
    let opening = distinct(routes.iter().flat_map(|r| r.statements.iter().copied()));
    let not_pinning: Vec<_> = opening
        .iter()
        .flat_map(|ps| ps.pinning(ctx).not_pinning)
        .collect();
    let entries = opening.iter().map(|ps| entry(ps, &routes)).collect();
    let details = json!({
        "routes": routes.iter().map(|r| &r.evidence).collect::<Vec<_>>(),
        "conditions_that_do_not_pin": not_pinning,
    });
    let message = capitalised(
        &routes
            .iter()
            .map(|r| r.sentence.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    );
    let failure = path_failure(ctx, KIND, qualifier, entries, message, details);
    Some(match routes.iter().any(|r| r.live) {
        true => failure,
        false => failure.with_severity(Severity::Low),
    })
}

/// The statement for evidence, with its actions and the routes it opens.
fn entry(ps: &PolicyStatement, routes: &[Route]) -> Value {
    let mut entry = ps.entry();
    entry["actions"] = json!(ps.actions_text());
    entry["routes"] = json!(routes
        .iter()
        .filter(|r| r.statements.iter().any(|s| std::ptr::eq(*s, ps)))
        .map(|r| r.name)
        .collect::<Vec<_>>());
    entry
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Public statements (`Principal *`, not `NotPrincipal`: lambda-notprincipal-allow's) with no condition pinning
/// the caller.
fn is_open_public(ctx: &FunctionContext, ps: &PolicyStatement) -> bool {
    ps.allowed_principals(ctx).is_some_and(|s| s.public) && !ps.pinning(ctx).is_pinned()
}

/// The Lambda API: open public statements of Lambda actions other than `lambda:InvokeFunctionUrl`, not restricted
/// to calls through a URL.
fn api_route<'p, 'a>(
    ctx: &FunctionContext,
    statements: &[&'p PolicyStatement<'a>],
    scope: &str,
) -> Option<Route<'p, 'a>> {
    let open: Vec<&PolicyStatement> = statements
        .iter()
        .copied()
        .filter(|ps| is_open_public(ctx, ps) && !only_via_url(&ps.statement))
        .filter(|ps| {
            lambda_actions(&ps.statement)
                .iter()
                .any(|a| *a != "lambda:InvokeFunctionUrl")
        })
        .collect();
    if open.is_empty() {
        return None;
    }
    let actions: Vec<String> = open.iter().map(|ps| ps.actions_text()).collect();
    Some(Route {
        name: "lambda-api",
        sentence: format!(
            "the resource policy of {scope} lets any AWS principal of any account call {} through the Lambda API \
             ({}: Principal * with no condition pinning the caller)",
            actions.join(", "),
            labels(&open)
        ),
        evidence: json!({ "route": "lambda-api", "statements": open.iter().map(|ps| ps.statement.label()).collect::<Vec<_>>() }),
        statements: open,
        live: true,
    })
}

/// Function URLs: the qualifier's AWS_IAM URL when the public holds both URL permissions (any AWS principal gets
/// in), and a grant for an AuthType the qualifier has no URL with (dormant until one is created). A live AuthType
/// NONE URL is lambda-url-public's.
fn url_routes<'p, 'a>(
    ctx: &FunctionContext,
    qualifier: Option<&str>,
    statements: &[&'p PolicyStatement<'a>],
    urls: Option<&[FunctionUrl]>,
    scope: &str,
) -> Vec<Route<'p, 'a>> {
    let url = urls.map(|urls| url_for(urls, qualifier));
    let mut routes = Vec::new();
    for auth in AUTH_TYPES {
        let access = UrlAccess::of(ctx, statements, auth, |s| s.public && !s.negated);
        if !access.open() {
            continue;
        }
        let open = access.statements();
        // Grants that also open the API route are reported there; a dormant URL grant is one made for URLs.
        let for_urls = open
            .iter()
            .any(|ps| only_via_url(&ps.statement) || url_auth_type(&ps.statement).is_some());
        let live = url.map(|u| u.is_some_and(|u| u.auth_type.eq_ignore_ascii_case(auth)));
        if !for_urls && live != Some(true) {
            continue; // a generic grant (lambda:* to *) is the Lambda API route's
        }
        let sentence = match live {
            // An AuthType NONE URL, live or not known to exist, is lambda-url-public's (Unknown there when the
            // URLs could not be listed): reporting it here too would be a second finding for one door.
            Some(true) | None if auth == "NONE" => continue,
            Some(true) => format!(
                "any AWS principal of any account can invoke {scope} through its function URL {} (AuthType \
                 AWS_IAM; {}: lambda:InvokeFunctionUrl and lambda:InvokeFunction to Principal *)",
                url.flatten().map(|u| u.url.as_str()).unwrap_or_default(),
                labels(&open)
            ),
            Some(false) => format!(
                "the resource policy of {scope} grants lambda:InvokeFunctionUrl and lambda:InvokeFunction to \
                 Principal * for a function URL with AuthType {auth} ({}), but {scope} has no such URL: the grant \
                 is dormant until one is created",
                labels(&open)
            ),
            None => format!(
                "any AWS principal of any account can invoke {scope} through a function URL with AuthType \
                 {auth} if it has one ({}; the URLs could not be listed)",
                labels(&open)
            ),
        };
        routes.push(Route {
            name: "function-url",
            sentence,
            evidence: json!({
                "route": "function-url",
                "auth_type": auth,
                "url_exists": live,
                "statements": open.iter().map(|ps| ps.statement.label()).collect::<Vec<_>>(),
            }),
            statements: open,
            live: live != Some(false),
        });
    }
    routes
}
