//! api-private-open-policy: a PRIVATE REST API that invokes the function has a resource policy allowing anyone to call
//! it with no `aws:SourceVpce` or `aws:SourceVpc` condition: any VPC endpoint, of any account, is a way in.

use serde_json::json;

use crate::catalog::access::front_doors::{
    invocation, method_arn, policy_reach, read, source_arns, Invocation, PolicyReach,
};
use crate::catalog::access::policies::{exposure_key, qualified_arn, read_policies, scope_name};
use crate::check::{with_unknown, Check, FunctionContext, Outcome, Place};
use crate::finding::Severity;
use crate::inventory::FrontDoor;

pub const CHECK: Check = Check {
    id: "api-private-open-policy",
    title: "Private API in front of the function open to every VPC endpoint",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The exposure kind this check owns: anyone with an `execute-api` VPC endpoint, in any account, through a private API.
const KIND: &str = "private-api";

/// The condition keys that tie a private API's callers to our own network.
const OWN_NETWORK_KEYS: &[&str] = &["aws:SourceVpce", "aws:SourceVpc"];

/// An open route: its grade and evidence.
type OpenRoute = (Severity, serde_json::Value);

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (doors, mut unknown) = match read(ctx) {
        Ok(found) => found,
        Err(outcome) => return vec![outcome],
    };
    let place = Place::of(ctx.function);
    let policies = read_policies(ctx);
    let mut open: Vec<(Option<&str>, Vec<OpenRoute>)> = Vec::new();
    for door in doors
        .iter()
        .filter(|d| d.api.endpoint_type.as_deref() == Some("PRIVATE"))
    {
        let arn = method_arn(door, place.partition, place.account);
        let reach = policy_reach(door.api, &source_arns(door, place.partition, place.account));
        let statements = match &reach {
            // Without a resource policy a private API cannot be called (nor deployed); a policy that allows the
            // public nothing leaves callers to the routes' own authorization.
            PolicyReach::NoPolicy | PolicyReach::Closed => continue,
            PolicyReach::Unreadable(e) => {
                unknown.push(format!(
                    "the resource policy of private API {} could not be read ({e})",
                    door.api.id
                ));
                continue;
            }
            PolicyReach::Restricted { bound_by, .. }
                if bound_by
                    .iter()
                    .any(|k| OWN_NETWORK_KEYS.contains(&k.as_str())) =>
            {
                continue
            }
            PolicyReach::Open(statements) | PolicyReach::Restricted { statements, .. } => {
                statements.clone()
            }
        };
        // A route API Gateway may not invoke the function through reaches no one.
        match invocation(ctx, door, &policies) {
            Invocation::NotAllowed => continue,
            Invocation::Unreadable(e) => {
                unknown.push(format!(
                    "whether API Gateway may invoke the function through private API {} is unknown: {e}",
                    door.api.id
                ));
                continue;
            }
            _ => {}
        }
        let unauthenticated = door.route.authorization_type.eq_ignore_ascii_case("NONE");
        // An unauthenticated route lets any VPC endpoint's traffic in; an authenticated one still takes callers of
        // every account to its authorizer.
        let severity = if unauthenticated {
            Severity::High
        } else {
            Severity::Medium
        };
        let entry = (severity, evidence(door, &arn, &reach, statements));
        match open.iter_mut().find(|(q, _)| *q == door.qualifier) {
            Some((_, routes)) => routes.push(entry),
            None => open.push((door.qualifier, vec![entry])),
        }
    }
    let outcomes: Vec<Outcome> = open
        .into_iter()
        .map(|(qualifier, mut routes)| {
            routes.sort_by_key(|r| std::cmp::Reverse(r.0));
            let severity = routes[0].0;
            let first = &routes[0].1;
            let message = format!(
                "Private API {} lets any interface VPC endpoint, in any AWS account, call {}: its resource policy \
                 allows execute-api:Invoke to everyone with no aws:SourceVpce or aws:SourceVpc condition ({} {}{})",
                first["api_id"].as_str().unwrap_or_default(),
                scope_name(qualifier),
                first["method"].as_str().unwrap_or_default(),
                first["path"].as_str().unwrap_or_default(),
                if first["authorization_type"] == "NONE" {
                    ", no authorization"
                } else {
                    ""
                }
            );
            Outcome::fail_with(
                message,
                exposure_key(KIND, qualifier),
                json!({
                    "exposure": exposure_key(KIND, qualifier),
                    "qualifier": qualifier,
                    "routes": routes.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
                }),
            )
            .on_resource(qualifier.map(|q| qualified_arn(ctx.function, Some(q))))
            .with_severity(severity)
        })
        .collect();
    with_unknown(outcomes, unknown)
}

fn evidence(
    door: &FrontDoor,
    arn: &str,
    reach: &PolicyReach,
    statements: Vec<String>,
) -> serde_json::Value {
    json!({
        "api_id": door.api.id,
        "api_name": door.api.name,
        "stage": door.stage.name,
        "stage_url": door.stage.invoke_url,
        "method": door.route.method,
        "path": door.route.path,
        "authorization_type": door.route.authorization_type,
        "method_arn": arn,
        "resource_policy": reach.summary(),
        "policy_statements": statements,
    })
}
