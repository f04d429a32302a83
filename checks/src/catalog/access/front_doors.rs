//! The function's API Gateway front doors as the API checks read them (api-unauthenticated-route,
//! api-public-no-waf, api-private-open-policy): the routes that invoke it, the Unknown a failed API Gateway read
//! leaves, and what a REST API's resource policy lets the anonymous public do.

use crate::check::{FunctionContext, Outcome};
use crate::inventory::{Api, FrontDoor};
use crate::policy::document::{PolicyDocument, Principal, Statement};

/// Condition keys that tie a request to a network: a source address range, a VPC or a VPC endpoint.
pub const NETWORK_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
];

/// The function's front doors, and why the list may be incomplete: an API Gateway read that failed in the function's
/// region (every API of the region, or one API whose details are missing, may route to it). `Err` when the scan did
/// not look APIs up at all (the engine does not run the API checks on such an inventory; merged with one that has
/// them, this account's functions are Unknown).
pub fn read<'a>(ctx: &FunctionContext<'a>) -> Result<(Vec<FrontDoor<'a>>, Vec<String>), Outcome> {
    if ctx.account.apis.is_none() {
        return Err(Outcome::unknown(
            "API Gateway APIs were not looked up in this scan (apigateway:GET)",
        ));
    }
    let unknown = ctx
        .account
        .gaps
        .iter()
        .filter(|g| {
            g.service == "apigateway"
                && g.region
                    .as_deref()
                    .is_none_or(|r| r == ctx.function.region)
        })
        .map(|g| {
            let about = g
                .resource
                .as_deref()
                .map_or(String::new(), |r| format!(" for {r}"));
            format!(
                "apigateway:{} could not be collected{about} ({:?}): {}; an API not read may route to the function",
                g.operation, g.kind, g.error
            )
        })
        .take(1)
        .collect();
    Ok((ctx.account.front_doors(ctx.function), unknown))
}

/// The `execute-api` ARN of a route in a stage: `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`
/// (`*` for the method `ANY`).
pub fn method_arn(door: &FrontDoor, partition: &str, account: &str) -> String {
    let method = if door.route.method.eq_ignore_ascii_case("ANY") {
        "*"
    } else {
        door.route.method.as_str()
    };
    format!(
        "arn:{partition}:execute-api:{}:{account}:{}/{}/{method}/{}",
        door.api.region,
        door.api.id,
        door.stage.name,
        door.route.path.trim_start_matches('/')
    )
}

/// What a REST API's resource policy lets an unauthenticated caller (no AWS credentials) do to one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyReach {
    /// The API has no resource policy: nothing restricts who calls.
    NoPolicy,
    /// A statement allows `execute-api:Invoke` to anyone with no network condition, and no statement denies by network.
    Open(Vec<String>),
    /// The public is allowed only from some networks (every public Allow conditioned on, or a Deny of callers outside,
    /// a source IP range, VPC or VPC endpoint): the statements, the network keys they name, and the keys that bound
    /// every way in (`bound_by`: the keys of a Deny refusing callers outside, and those every conditioned Allow names).
    Restricted {
        statements: Vec<String>,
        keys: Vec<String>,
        bound_by: Vec<String>,
    },
    /// The policy allows the anonymous public nothing on the method: API Gateway refuses the unauthenticated call
    /// (with a resource policy, a call needs its explicit Allow).
    Closed,
    /// The policy could not be read.
    Unreadable(String),
}

impl PolicyReach {
    /// One line for evidence: `none`, `open`, `restricted by aws:SourceIp`, `allows the public nothing`, `unreadable`.
    pub fn summary(&self) -> String {
        match self {
            PolicyReach::NoPolicy => "none".into(),
            PolicyReach::Open(_) => "allows anyone".into(),
            PolicyReach::Restricted { keys, .. } => format!("restricted by {}", keys.join(", ")),
            PolicyReach::Closed => "allows the public nothing".into(),
            PolicyReach::Unreadable(_) => "unreadable".into(),
        }
    }

    /// The statements (Sid or `#index`) behind the verdict.
    pub fn statements(&self) -> &[String] {
        match self {
            PolicyReach::Open(s) | PolicyReach::Restricted { statements: s, .. } => s,
            _ => &[],
        }
    }
}

/// Whether a statement's principal includes anyone at all (`*`, `{"AWS": "*"}`) or is a `NotPrincipal`.
fn public_principal(statement: &Statement) -> bool {
    statement.principal.as_ref().is_some_and(|p| {
        p.negated
            || p.entries.iter().any(|e| match e {
                Principal::Anyone => true,
                Principal::Aws(v) => v == "*",
                _ => false,
            })
    })
}

fn network_keys(statement: &Statement) -> Vec<String> {
    NETWORK_KEYS
        .iter()
        .filter(|k| statement.conditions_on(k).next().is_some())
        .map(|k| k.to_string())
        .collect()
}

/// The network keys a Deny refuses callers outside of: those of its conditions with a negated operator
/// (`NotIpAddress`, `StringNotEquals`, …). A Deny of one network (`IpAddress`, `StringEquals`) leaves the others in.
fn refused_outside(statement: &Statement) -> Vec<String> {
    NETWORK_KEYS
        .iter()
        .filter(|k| {
            statement
                .conditions_on(k)
                .any(|c| c.operator.base.contains("Not"))
        })
        .map(|k| k.to_string())
        .collect()
}

/// What `api`'s resource policy lets the anonymous public do to the method `arn` (see [`PolicyReach`]).
pub fn policy_reach(api: &Api, arn: &str) -> PolicyReach {
    if api.policy.is_null() {
        return PolicyReach::NoPolicy;
    }
    let document = match PolicyDocument::parse(&api.policy.value()) {
        Ok(d) => d,
        Err(e) => return PolicyReach::Unreadable(e.to_string()),
    };
    // A policy may name the API's own resources in API Gateway's shorthand, `execute-api:/<stage>/<METHOD>/<path>`.
    let short = arn
        .split_once('/')
        .map(|(_, rest)| format!("execute-api:/{rest}"));
    let applies = |s: &&Statement| {
        public_principal(s)
            && s.applies_to_action("execute-api:Invoke")
            && (s.applies_to_resource(arn)
                || short
                    .as_deref()
                    .is_some_and(|short| s.applies_to_resource(short)))
    };
    let mut open = Vec::new();
    let mut restricted = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    // the keys every conditioned Allow names (`None` before the first)
    let mut every_allow: Option<Vec<String>> = None;
    let mut denies = Vec::new();
    let mut deny_keys: Vec<String> = Vec::new();
    for statement in document.statements.iter().filter(applies) {
        if statement.is_allow() {
            let found = network_keys(statement);
            if found.is_empty() {
                // Other conditions (a header, a time) are not authentication: the public may still call.
                open.push(statement.label());
            } else {
                restricted.push(statement.label());
                every_allow = Some(match every_allow {
                    None => found.clone(),
                    Some(common) => common.into_iter().filter(|k| found.contains(k)).collect(),
                });
                keys.extend(found);
            }
        } else {
            let found = refused_outside(statement);
            if !found.is_empty() {
                denies.push(statement.label());
                keys.extend(found.iter().cloned());
                deny_keys.extend(found);
            }
        }
    }
    if open.is_empty() && restricted.is_empty() {
        return PolicyReach::Closed;
    }
    if !open.is_empty() && denies.is_empty() {
        return PolicyReach::Open(open);
    }
    // An unconditioned Allow is bounded by the Denies alone; otherwise every Allow's common keys bound too.
    let mut bound_by = deny_keys;
    if open.is_empty() {
        bound_by.extend(every_allow.unwrap_or_default());
    }
    for list in [&mut keys, &mut bound_by] {
        list.sort();
        list.dedup();
    }
    let mut statements = open;
    statements.extend(restricted);
    statements.extend(denies);
    PolicyReach::Restricted {
        statements,
        keys,
        bound_by,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::Api;

    fn api(policy: serde_json::Value) -> Api {
        Api {
            policy: policy.into(),
            ..Api::default()
        }
    }

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders";

    #[test]
    fn a_resource_policy_opens_restricts_or_closes_the_method() {
        assert_eq!(
            policy_reach(&api(serde_json::Value::Null), ARN),
            PolicyReach::NoPolicy
        );
        let open = json!({"Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]});
        assert_eq!(
            policy_reach(&api(open), ARN),
            PolicyReach::Open(vec!["all".into()])
        );
        let open_arn = json!({"Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/*"}]});
        assert_eq!(
            policy_reach(&api(open_arn.clone()), ARN),
            PolicyReach::Open(vec!["all".into()])
        );
        let vpn = json!({"Statement": [{"Sid": "vpn", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
        assert_eq!(
            policy_reach(&api(vpn.clone()), ARN),
            PolicyReach::Restricted {
                statements: vec!["vpn".into()],
                keys: vec!["aws:SourceIp".into()],
                bound_by: vec!["aws:SourceIp".into()],
            }
        );
        // two ways in, by different networks: each is named, neither bounds both
        let mut two = vpn;
        two["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "endpoint", "Effect": "Allow",
            "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}));
        assert_eq!(
            policy_reach(&api(two), ARN),
            PolicyReach::Restricted {
                statements: vec!["vpn".into(), "endpoint".into()],
                keys: vec!["aws:SourceIp".into(), "aws:SourceVpce".into()],
                bound_by: vec![],
            }
        );
        // a Deny of one network leaves every other caller in
        let mut deny_one = open_arn.clone();
        deny_one["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "blocklist",
            "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}));
        assert_eq!(
            policy_reach(&api(deny_one), ARN),
            PolicyReach::Open(vec!["all".into()])
        );
        let mut deny = open_arn;
        deny["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "outside", "Effect": "Deny",
            "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}));
        assert_eq!(
            policy_reach(&api(deny), ARN),
            PolicyReach::Restricted {
                statements: vec!["all".into(), "outside".into()],
                keys: vec!["aws:SourceVpce".into()],
                bound_by: vec!["aws:SourceVpce".into()],
            }
        );
        let other_account = json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "execute-api:Invoke", "Resource": "*"}]});
        assert_eq!(policy_reach(&api(other_account), ARN), PolicyReach::Closed);
        assert!(matches!(
            policy_reach(&api(json!("not a policy")), ARN),
            PolicyReach::Unreadable(_)
        ));
    }
}
