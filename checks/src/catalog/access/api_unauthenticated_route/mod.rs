//! api-unauthenticated-route: a deployed stage of a public (edge or regional) API Gateway API invokes the function
//! through a route with authorization type NONE: anyone on the internet can call it without credentials.

use serde_json::{json, Value};

use crate::catalog::access::front_doors::{
    deployed_method, domain_gap, invocation, method_arn, policy_reach, read, source_arns, Deployed,
    Invocation, PolicyReach,
};
use crate::catalog::access::policies::{
    exposure_key, qualified_arn, read_policies, scope_name, Policies,
};
use crate::check::{with_unknown, Check, FunctionContext, Outcome, Place};
use crate::finding::Severity;
use crate::inventory::{ApiKind, FrontDoor};

pub const CHECK: Check = Check {
    id: "api-unauthenticated-route",
    title: "Function reachable from the internet without authentication through API Gateway",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The exposure kind this check owns: anyone on the internet, unauthenticated, through an API Gateway route.
const KIND: &str = "api";

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (doors, mut unknown) = match read(ctx) {
        Ok(found) => found,
        Err(outcome) => return vec![outcome],
    };
    let place = Place::of(ctx.function);
    let policies = read_policies(ctx);
    // qualifier -> the open routes to it, each with its grade and evidence
    let mut open: Vec<(Option<&str>, Vec<OpenRoute>)> = Vec::new();
    // routes open to the public that API Gateway may not invoke the function through
    let mut refused: Vec<(Option<&str>, Value)> = Vec::new();
    for door in &doors {
        match judge(ctx, door, place, &policies) {
            Judgement::Closed => {}
            Judgement::Refused(evidence) => refused.push((door.qualifier, evidence)),
            Judgement::Unreadable(reason) => unknown.push(reason),
            Judgement::Open(severity, line, evidence) => {
                match open.iter_mut().find(|(q, _)| *q == door.qualifier) {
                    Some((_, routes)) => routes.push((severity, line, evidence)),
                    None => open.push((door.qualifier, vec![(severity, line, evidence)])),
                }
            }
        }
    }
    let outcomes: Vec<Outcome> = open
        .into_iter()
        .map(|(qualifier, routes)| failure(ctx, qualifier, routes, &refused))
        .collect();
    with_unknown(outcomes, unknown)
}

/// An open route: its grade, a line for the message, its evidence.
type OpenRoute = (Severity, String, Value);

enum Judgement {
    /// Authenticated, private, or refused to the public by the resource policy.
    Closed,
    /// Open to the public, but the function's resource policy does not let API Gateway invoke it through the route:
    /// the route's evidence.
    Refused(Value),
    /// The grade, a line for the message, the route's evidence.
    Open(Severity, String, Value),
    Unreadable(String),
}

/// How open one route of one stage is. Authentication is an IAM signature (`AWS_IAM`), a Cognito user pool, a JWT
/// or a Lambda authorizer (`CUSTOM`); a WebSocket API authenticates on `$connect` only, so its other routes are as
/// open as its `$connect` route (none: anyone connects). Whatever closes the route for sure (authenticated as
/// deployed, not deployed, a resource policy refusing the public, no custom domain behind a disabled default
/// endpoint, no permission for API Gateway) wins over what could not be read; Unknown only when nothing closes it.
fn judge(ctx: &FunctionContext, door: &FrontDoor, place: Place, policies: &Policies) -> Judgement {
    let api = door.api;
    if api.endpoint_type.as_deref() == Some("PRIVATE") {
        // Reachable only through an interface VPC endpoint: api-private-open-policy's question.
        return Judgement::Closed;
    }
    // What could not be read, if nothing closes the route.
    let mut unknown: Vec<String> = Vec::new();
    // A REST stage serves its deployment, which may differ from the draft the routes were read from.
    let deployed = match deployed_method(ctx, door) {
        Deployed::Absent => return Judgement::Closed,
        Deployed::Unknown(reason) => {
            unknown.push(reason);
            None
        }
        Deployed::Method(m) => Some(m),
        Deployed::NotRead => None,
    };
    let authorization = if api.kind == ApiKind::Websocket && door.route.method != "$connect" {
        api.routes
            .iter()
            .find(|r| r.method == "$connect")
            .map_or("NONE", |r| r.authorization_type.as_str())
    } else {
        deployed.map_or(door.route.authorization_type.as_str(), |m| {
            m.authorization_type.as_str()
        })
    };
    let api_key_required = deployed.map_or(door.route.api_key_required, |m| m.api_key_required);
    // (the authorization as deployed unknown: judged as if none)
    if !authorization.eq_ignore_ascii_case("NONE") && unknown.is_empty() {
        return Judgement::Closed;
    }
    let arn = method_arn(door, place.partition, place.account);
    let reach = if api.kind == ApiKind::Rest {
        policy_reach(api, &source_arns(door, place.partition, place.account))
    } else {
        PolicyReach::NoPolicy
    };
    let (mut severity, why) = match &reach {
        PolicyReach::Closed => return Judgement::Closed,
        PolicyReach::Unreadable(e) => {
            unknown.push(format!(
                "the resource policy of API {} could not be read ({e})",
                api.id
            ));
            (Severity::Critical, String::new())
        }
        PolicyReach::NoPolicy | PolicyReach::Open(_) => (Severity::Critical, String::new()),
        PolicyReach::Restricted { keys, .. } => (
            Severity::Medium,
            format!(
                ", from the networks its resource policy admits ({})",
                keys.join(", ")
            ),
        ),
    };
    let mut notes = Vec::new();
    if deployed.is_some_and(|m| {
        m.authorization_type != door.route.authorization_type
            || m.api_key_required != door.route.api_key_required
    }) {
        notes.push(
            "the stage serves an older deployment: its authorization differs from the draft's",
        );
    }
    if api_key_required {
        // An API key identifies a client for usage plans; it is handed to clients and not a credential.
        severity = severity.min(Severity::High);
        notes.push("an API key is required, which is not authentication");
    }
    let invoke = invocation(ctx, door, policies);
    match &invoke {
        Invocation::Unreadable(e) => unknown.push(format!(
            "whether API Gateway may invoke {} through {} {} of API {} is unknown: {e}",
            scope_name(door.qualifier),
            door.route.method,
            door.route.path,
            api.id
        )),
        // an older inventory: graded as before, `lambda_permission` says it was not judged
        Invocation::CredentialsNotRead
        | Invocation::Credentials(_)
        | Invocation::Allowed(_)
        | Invocation::NotAllowed => {}
    }
    // The URLs the route answers at through the custom domain names that map its stage.
    let domain_urls: Vec<String> = door
        .stage
        .custom_domains
        .iter()
        .flatten()
        .map(|base| match door.route.path.as_str() {
            p if p.starts_with('/') => format!("{base}{p}"),
            _ => base.clone(),
        })
        .collect();
    if api.default_endpoint_disabled {
        // Only a custom domain name mapping the stage reaches the route.
        match &door.stage.custom_domains {
            Some(domains) if !domains.is_empty() => {
                notes.push("the default endpoint is disabled: reachable through the custom domain names mapping the stage")
            }
            _ => match domain_gap(ctx) {
                Some(gap) => unknown.push(format!(
                    "the default endpoint of API {} is disabled and whether a custom domain name maps stage {} is unknown: {gap}",
                    api.id, door.stage.name
                )),
                // read, and no domain maps the stage: the route is reachable from nowhere
                None if door.stage.custom_domains.is_some() => return Judgement::Closed,
                None => {
                    // an inventory from before custom domains were read
                    severity = severity.min(Severity::High);
                    notes.push("the default endpoint is disabled: reachable through a custom domain name, if one maps it (custom domains not read in this inventory)");
                }
            },
        }
    }
    let route = if door.route.path.is_empty() {
        door.route.method.clone()
    } else {
        format!("{} {}", door.route.method, door.route.path)
    };
    let url = match domain_urls.first() {
        Some(first) if api.default_endpoint_disabled => first,
        _ => &door.stage.invoke_url,
    };
    let line = format!(
        "{route} of {} {} (stage {}: {url}){why}",
        api.kind.label(),
        api.id,
        door.stage.name,
    );
    let evidence = json!({
        "api_id": api.id,
        "api_name": api.name,
        "api_kind": api.kind,
        "endpoint_type": api.endpoint_type,
        "stage": door.stage.name,
        "stage_url": door.stage.invoke_url,
        "default_endpoint_disabled": api.default_endpoint_disabled,
        "custom_domain_urls": domain_urls,
        "method": door.route.method,
        "path": door.route.path,
        "authorization_type": authorization,
        "api_key_required": api_key_required,
        "deployed": deployed.is_some(),
        "draft_authorization_type": door.route.authorization_type,
        "resource_policy": reach.summary(),
        "policy_statements": reach.statements(),
        "method_arn": arn,
        "integration_credentials": door.route.integration_credentials,
        "lambda_permission": invoke.summary(),
        "notes": notes,
        "severity": severity,
    });
    if invoke == Invocation::NotAllowed {
        return Judgement::Refused(evidence);
    }
    if !unknown.is_empty() {
        return Judgement::Unreadable(unknown.join("; "));
    }
    Judgement::Open(severity, line, evidence)
}

/// One finding per qualifier: every open route to it, graded by the most open.
fn failure(
    ctx: &FunctionContext,
    qualifier: Option<&str>,
    mut routes: Vec<OpenRoute>,
    refused: &[(Option<&str>, Value)],
) -> Outcome {
    routes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let severity = routes[0].0;
    let first = &routes[0].1;
    let more = match routes.len() {
        1 => String::new(),
        2 => " and 1 more route".to_string(),
        n => format!(" and {} more routes", n - 1),
    };
    let who = if severity == Severity::Critical {
        "Anyone on the internet can invoke"
    } else {
        "Callers without credentials can invoke"
    };
    let message = format!(
        "{who} {} without authentication through API Gateway: {first}{more}",
        scope_name(qualifier)
    );
    let evidence = json!({
        "exposure": exposure_key(KIND, qualifier),
        "qualifier": qualifier,
        "routes": routes.into_iter().map(|(_, _, e)| e).collect::<Vec<_>>(),
        "routes_api_gateway_may_not_invoke": refused
            .iter()
            .filter(|(q, _)| *q == qualifier)
            .map(|(_, e)| e)
            .collect::<Vec<_>>(),
    });
    Outcome::fail_with(message, exposure_key(KIND, qualifier), evidence)
        .on_resource(qualifier.map(|q| qualified_arn(ctx.function, Some(q))))
        .with_severity(severity)
}
