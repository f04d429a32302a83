//! api-public-no-waf: a stage of a public (edge or regional) REST API that invokes the function has no AWS WAF web ACL.
//! The finding is the function's (it rolls up into its score), one per stage (discriminator `stage:<api>/<stage>`),
//! the stage's ARN in its evidence.

use serde_json::json;

use crate::catalog::access::front_doors::{domain_gap, invocation, read, Invocation};
use crate::catalog::access::policies::read_policies;
use crate::check::{with_unknown, Check, FunctionContext, Outcome, Place};
use crate::finding::Severity;
use crate::inventory::ApiKind;

pub const CHECK: Check = Check {
    id: "api-public-no-waf",
    title: "Public REST API stage in front of the function without a WAF web ACL",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (doors, mut unknown) = match read(ctx) {
        Ok(found) => found,
        Err(outcome) => return vec![outcome],
    };
    let place = Place::of(ctx.function);
    let policies = read_policies(ctx);
    // (API, stage) -> the routes of that stage that invoke the function
    let mut stages: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for door in &doors {
        let api = door.api;
        // HTTP and WebSocket APIs cannot be associated with a web ACL; PRIVATE APIs are not on the internet.
        if api.kind != ApiKind::Rest
            || api.endpoint_type.as_deref() == Some("PRIVATE")
            || door.stage.web_acl_arn.is_some()
        {
            continue;
        }
        // With the default endpoint disabled, only a custom domain name mapping the stage brings it traffic (an
        // inventory from before domains were read: judged as before).
        if api.default_endpoint_disabled {
            match (&door.stage.custom_domains, domain_gap(ctx)) {
                (Some(domains), _) if !domains.is_empty() => {}
                (_, Some(gap)) => {
                    unknown.push(format!(
                        "the default endpoint of API {} is disabled and whether a custom domain name maps stage {} \
                         is unknown: {gap}",
                        api.id, door.stage.name
                    ));
                    continue;
                }
                (Some(_), None) => continue,
                (None, None) => {}
            }
        }
        // A route API Gateway may not invoke the function through brings it no traffic.
        match invocation(ctx, door, &policies) {
            Invocation::NotAllowed => continue,
            Invocation::Unreadable(e) => {
                unknown.push(format!(
                    "whether API Gateway may invoke the function through stage {} of API {} is unknown: {e}",
                    door.stage.name, api.id
                ));
                continue;
            }
            _ => {}
        }
        let route = format!("{} {}", door.route.method, door.route.path);
        match stages
            .iter_mut()
            .find(|(a, s, _)| *a == door.api_arn && *s == door.stage.name)
        {
            Some((_, _, routes)) => routes.push(route),
            None => stages.push((door.api_arn, &door.stage.name, vec![route])),
        }
    }
    let outcomes: Vec<Outcome> = stages
        .into_iter()
        .filter_map(|(api_arn, stage, mut routes)| {
            let api = ctx.account.apis.as_ref()?.get(api_arn)?;
            let stage = api.stages.iter().find(|s| s.name == stage)?;
            routes.sort();
            routes.dedup();
            let stage_arn = format!(
                "arn:{}:apigateway:{}::/restapis/{}/stages/{}",
                place.partition, api.region, api.id, stage.name
            );
            Some(
                Outcome::fail_with(
                    format!(
                        "Stage {} of {} REST API {} ({}) invokes the function from the internet with no AWS WAF \
                         web ACL in front of it: {}",
                        stage.name,
                        api.endpoint_type
                            .as_deref()
                            .unwrap_or("EDGE")
                            .to_ascii_lowercase(),
                        api.id,
                        stage.invoke_url,
                        routes.join(", ")
                    ),
                    format!("stage:{}/{}", api.id, stage.name),
                    json!({
                        "api_id": api.id,
                        "api_name": api.name,
                        "endpoint_type": api.endpoint_type,
                        "stage": stage.name,
                        "stage_url": stage.invoke_url,
                        "stage_arn": stage_arn,
                        "routes": routes,
                    }),
                ),
            )
        })
        .collect();
    with_unknown(outcomes, unknown)
}
