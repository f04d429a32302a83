//! alb-unauthenticated-target: an internet-facing Application Load Balancer forwards requests to the function (a
//! Lambda target group) from a listener its security groups open to the internet, through a rule with no
//! `authenticate-oidc` / `authenticate-cognito` action before the forward: anyone can call it without credentials.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::catalog::access::policies::{
    exposure_key, of_qualifier, qualified_arn, read_policies, scope_name, PolicyStatement,
};
use crate::check::{gap_reason, Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::{LoadBalancerDoor, RuleCondition};
use crate::policy::document::{resource_matches, Condition, Principal};

pub const CHECK: Check = Check {
    id: "alb-unauthenticated-target",
    title: "Function reachable from the internet without authentication through a load balancer",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The exposure kind this check owns: anyone on the internet, unauthenticated, through a load balancer.
const KIND: &str = "alb";

/// The service principal a function's resource policy must allow for a load balancer to invoke it.
const ELB_PRINCIPAL: &str = "elasticloadbalancing.amazonaws.com";

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    if ctx.account.load_balancing.is_none() {
        return vec![Outcome::unknown(
            "Elastic Load Balancing was not read in this scan (elasticloadbalancing:Describe*)",
        )];
    }
    let mut unknown: Vec<String> = ctx
        .account
        .gaps
        .iter()
        .filter(|g| {
            g.service == "elasticloadbalancing"
                && g.region.as_deref().is_none_or(|r| r == ctx.function.region)
        })
        .map(|g| {
            format!(
                "{}; a load balancer or target group not read may forward to the function",
                gap_reason(g)
            )
        })
        .take(1)
        .collect();
    let doors = ctx.account.load_balancer_doors(ctx.function);
    let mut open: Vec<(Option<&str>, Vec<OpenDoor>)> = Vec::new();
    if !doors.is_empty() {
        let policies = read_policies(ctx);
        for door in &doors {
            match judge(ctx, door, &policies.statements, &policies.unknown) {
                Judgement::Closed => {}
                Judgement::Unknown(reason) => unknown.push(reason),
                Judgement::Open(severity, line, evidence) => {
                    match open.iter_mut().find(|(q, _)| *q == door.qualifier) {
                        Some((_, found)) => found.push((severity, line, evidence)),
                        None => open.push((door.qualifier, vec![(severity, line, evidence)])),
                    }
                }
            }
        }
    }
    let mut outcomes: Vec<Outcome> = open
        .into_iter()
        .map(|(qualifier, found)| failure(ctx, qualifier, found))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        outcomes.push(Outcome::unknown(unknown.join("; ")));
    }
    outcomes
}

/// An open way in: its grade, a line for the message, its evidence.
type OpenDoor = (Severity, String, Value);

enum Judgement {
    /// Internal, failed, authenticated, closed by its security groups or source-ip condition, or the function's
    /// policy does not let the load balancer invoke it.
    Closed,
    Open(Severity, String, Value),
    Unknown(String),
}

/// Who may send requests to a listener's port, from its load balancer's security groups' inbound rules.
#[derive(Debug, PartialEq)]
enum PortReach {
    /// A rule admits `0.0.0.0/0` or `::/0`: the source and the group.
    Internet(Vec<String>),
    /// Only some public address ranges (the ranges).
    Ranges(Vec<String>),
    /// Only private ranges, prefix lists or other security groups (what admits it, possibly nothing).
    NotInternet(Vec<String>),
    /// Some group was not read and no read group opens the port to the internet.
    Unread(Vec<String>),
}

fn port_reach(door: &LoadBalancerDoor) -> PortReach {
    let lb = door.load_balancer;
    let port = door.listener.port;
    let mut internet = Vec::new();
    let mut ranges = Vec::new();
    let mut other = Vec::new();
    let mut unread = Vec::new();
    for id in &lb.security_group_ids {
        let Some(rules) = lb.security_groups.get(id) else {
            unread.push(id.clone());
            continue;
        };
        for rule in rules.iter().filter(|r| r.admits_tcp(port)) {
            for source in &rule.sources {
                let labelled = format!("{source} ({id})");
                match classify(source) {
                    Source::Anywhere => internet.push(labelled),
                    Source::PublicRange => ranges.push(labelled),
                    Source::NotInternet => other.push(labelled),
                }
            }
        }
    }
    if lb.security_group_ids.is_empty() {
        unread.push("(none listed)".to_string());
    }
    if !internet.is_empty() {
        PortReach::Internet(internet)
    } else if !unread.is_empty() {
        PortReach::Unread(unread)
    } else if !ranges.is_empty() {
        PortReach::Ranges(ranges)
    } else {
        PortReach::NotInternet(other)
    }
}

/// What a traffic source (a security group rule's, or a `source-ip` condition's) admits.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// `0.0.0.0/0` or `::/0` (or an address range that cannot be read: judged as anywhere).
    Anywhere,
    /// A public address range narrower than the internet.
    PublicRange,
    /// A private or reserved range, a prefix list, a security group.
    NotInternet,
}

fn classify(source: &str) -> Source {
    if source.starts_with("pl-") || source.starts_with("sg-") {
        return Source::NotInternet;
    }
    let (address, length) = match source.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok()),
        None => (source, None),
    };
    let Ok(ip) = address.trim().parse::<IpAddr>() else {
        return Source::Anywhere;
    };
    let length = length.unwrap_or(if ip.is_ipv4() { 32 } else { 128 });
    if length == 0 {
        return Source::Anywhere;
    }
    if private_range(ip, length) {
        Source::NotInternet
    } else {
        Source::PublicRange
    }
}

/// Whether `ip/length` lies within a range the internet cannot route to us (RFC 1918, shared address space, loopback,
/// link-local; IPv6 unique-local, link-local, loopback).
fn private_range(ip: IpAddr, length: u8) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let n = u32::from(v4);
            [
                ([10, 0, 0, 0], 8),
                ([172, 16, 0, 0], 12),
                ([192, 168, 0, 0], 16),
                ([100, 64, 0, 0], 10),
                ([127, 0, 0, 0], 8),
                ([169, 254, 0, 0], 16),
            ]
            .iter()
            .any(|(block, bits)| {
                let mask = u32::MAX << (32 - bits);
                length >= *bits && n & mask == u32::from_be_bytes(*block)
            })
        }
        IpAddr::V6(v6) => {
            let n = u128::from(v6);
            let within = |block: u128, bits: u8| {
                let mask = u128::MAX << (128 - bits);
                length >= bits && n & mask == block
            };
            within(0xfc00 << 112, 7) || within(0xfe80 << 112, 10) || (n == 1 && length == 128)
        }
    }
}

/// The rule's `source-ip` condition, judged: `None` when it has none (every caller matches).
fn source_ip(conditions: &[RuleCondition]) -> Option<(Source, Vec<String>)> {
    let condition = conditions.iter().find(|c| c.field == "source-ip")?;
    let verdicts: Vec<Source> = condition.values.iter().map(|v| classify(v)).collect();
    let worst = if verdicts.contains(&Source::Anywhere) {
        Source::Anywhere
    } else if verdicts.contains(&Source::PublicRange) {
        Source::PublicRange
    } else {
        Source::NotInternet
    };
    Some((worst, condition.values.clone()))
}

/// Whether the function's (or the registered qualifier's) resource policy lets Elastic Load Balancing invoke it
/// through this target group: an Allow of `lambda:InvokeFunction` to `elasticloadbalancing.amazonaws.com` (or to
/// anyone) whose `aws:SourceArn` condition, if any, admits the target group ARN. The statements that do.
fn elb_grants<'p>(
    statements: &'p [PolicyStatement<'p>],
    qualifier: Option<&str>,
    target_group_arn: &str,
) -> Vec<&'p PolicyStatement<'p>> {
    of_qualifier(statements, qualifier)
        .into_iter()
        .filter(|ps| {
            let s = &ps.statement;
            let principal = s.principal.as_ref().is_some_and(|p| {
                p.negated
                    || p.entries.iter().any(|e| match e {
                        Principal::Anyone => true,
                        Principal::Aws(v) => v == "*",
                        Principal::Service(v) => v.eq_ignore_ascii_case(ELB_PRINCIPAL),
                        _ => false,
                    })
            });
            let source_ok = s
                .conditions
                .iter()
                .filter(|c| c.key_is("aws:SourceArn"))
                .all(|c| source_arn_admits(c, target_group_arn));
            s.is_allow() && principal && s.applies_to_action("lambda:InvokeFunction") && source_ok
        })
        .collect()
}

/// Whether an `aws:SourceArn` condition holds for a request from the target group `arn`. `ArnEquals` and `ArnLike`
/// both match wildcards per ARN component (IAM: "ArnEquals, ArnLike: Case-sensitive matching of the ARN. Each of the
/// six colon-delimited components of the ARN is checked separately and each can include multi-character match
/// wildcards (*) or single-character match wildcards (?)"), `StringLike` matches wildcards, `StringEquals` exactly,
/// `StringEqualsIgnoreCase` whatever the case; `Null` `false` holds (the key is present). Any other operator cannot
/// compare an ARN: it is not taken to refuse the load balancer (never a pass on a condition not understood).
fn source_arn_admits(condition: &Condition, arn: &str) -> bool {
    let op = &condition.operator;
    if op.is("Null") {
        return condition
            .values
            .iter()
            .all(|v| v.eq_ignore_ascii_case("false"));
    }
    let base = op.base.to_ascii_lowercase().replace("not", "");
    let matched = match base.as_str() {
        "arnequals" | "arnlike" | "stringlike" => condition
            .values
            .iter()
            .any(|v| resource_matches(v, arn)),
        "stringequals" => condition.values.iter().any(|v| v == arn),
        "stringequalsignorecase" => condition
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(arn)),
        _ => return true,
    };
    matched != op.is_negated()
}

/// How open one rule forwarding to the function is.
fn judge(
    ctx: &FunctionContext,
    door: &LoadBalancerDoor,
    statements: &[PolicyStatement],
    policy_unknown: &[String],
) -> Judgement {
    let lb = door.load_balancer;
    if lb.scheme != "internet-facing" || lb.state == "failed" {
        return Judgement::Closed;
    }
    if door.rule.actions[..door.action]
        .iter()
        .any(|a| a.authenticates())
    {
        return Judgement::Closed;
    }
    let mut severity = Severity::Critical;
    let mut notes: Vec<String> = Vec::new();
    let source = source_ip(&door.rule.conditions);
    match &source {
        Some((Source::NotInternet, _)) => return Judgement::Closed,
        Some((Source::PublicRange, values)) => {
            severity = Severity::Medium;
            notes.push(format!(
                "the rule admits only some source addresses ({})",
                values.join(", ")
            ));
        }
        _ => {}
    }
    let listener = format!("{}:{}", door.listener.protocol, door.listener.port);
    let admitted_by = match port_reach(door) {
        PortReach::Internet(sources) => sources,
        PortReach::Ranges(sources) => {
            severity = Severity::Medium;
            notes.push(format!(
                "its security groups admit port {} from some public ranges only",
                door.listener.port
            ));
            sources
        }
        PortReach::NotInternet(_) => return Judgement::Closed,
        PortReach::Unread(groups) => {
            return Judgement::Unknown(format!(
                "the security groups {} of load balancer {} were not read: whether listener {listener} is open \
                 to the internet is unknown",
                groups.join(", "),
                lb.dns_name
            ))
        }
    };
    let grants = elb_grants(statements, door.qualifier, door.target_group_arn);
    if grants.is_empty() {
        let skipped = door.qualifier.is_some_and(|q| {
            ctx.function
                .skipped
                .iter()
                .any(|s| s.operation == "GetPolicy" && s.qualifiers.iter().any(|x| x == q))
        });
        if !policy_unknown.is_empty() || skipped {
            return Judgement::Unknown(format!(
                "whether the resource policy of {} lets Elastic Load Balancing invoke it is unknown ({})",
                scope_name(door.qualifier),
                if skipped {
                    "its policy was not read".to_string()
                } else {
                    policy_unknown.join("; ")
                }
            ));
        }
        // The load balancer cannot invoke the function: requests through it fail.
        return Judgement::Closed;
    }
    let conditions: Vec<String> = door
        .rule
        .conditions
        .iter()
        .map(|c| match &c.header_name {
            Some(h) => format!("{} {h}: {}", c.field, c.values.join(", ")),
            None => format!("{}: {}", c.field, c.values.join(", ")),
        })
        .collect();
    let rule = if door.rule.priority == "default" {
        "default rule".to_string()
    } else {
        format!("rule {}", door.rule.priority)
    };
    let line = format!(
        "{listener} {rule} of load balancer {} to target group {}",
        lb.dns_name, door.target_group.name
    );
    let evidence = json!({
        "load_balancer": lb.name,
        "load_balancer_arn": door.load_balancer_arn,
        "dns_name": lb.dns_name,
        "scheme": lb.scheme,
        "listener": listener,
        "rule_priority": door.rule.priority,
        "conditions": conditions,
        "target_group": door.target_group.name,
        "target_group_arn": door.target_group_arn,
        "open_to": admitted_by,
        "invoke_permission": grants.iter().map(|ps| ps.statement.label()).collect::<Vec<_>>(),
        "notes": notes,
        "severity": severity,
    });
    Judgement::Open(severity, line, evidence)
}

/// One finding per qualifier: every open way in to it, graded by the most open.
fn failure(ctx: &FunctionContext, qualifier: Option<&str>, mut found: Vec<OpenDoor>) -> Outcome {
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let severity = found[0].0;
    let more = match found.len() {
        1 => String::new(),
        2 => " and 1 more rule".to_string(),
        n => format!(" and {} more rules", n - 1),
    };
    let who = if severity == Severity::Critical {
        "Anyone on the internet can invoke"
    } else {
        "Callers from some public networks can invoke"
    };
    let message = format!(
        "{who} {} without authentication through an Application Load Balancer: {}{more}",
        scope_name(qualifier),
        found[0].1
    );
    let evidence = json!({
        "exposure": exposure_key(KIND, qualifier),
        "qualifier": qualifier,
        "rules": found.into_iter().map(|(_, _, e)| e).collect::<Vec<_>>(),
    });
    Outcome::fail_with(message, exposure_key(KIND, qualifier), evidence)
        .on_resource(qualifier.map(|q| qualified_arn(ctx.function, Some(q))))
        .with_severity(severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_the_internet_some_of_it_or_none_of_it() {
        assert_eq!(classify("0.0.0.0/0"), Source::Anywhere);
        assert_eq!(classify("::/0"), Source::Anywhere);
        assert_eq!(classify("not an address"), Source::Anywhere);
        assert_eq!(classify("203.0.113.0/24"), Source::PublicRange);
        assert_eq!(classify("2001:db8::/32"), Source::PublicRange);
        assert_eq!(classify("10.1.0.0/16"), Source::NotInternet);
        assert_eq!(classify("172.16.0.0/12"), Source::NotInternet);
        assert_eq!(classify("172.0.0.0/8"), Source::PublicRange);
        assert_eq!(classify("192.168.1.7"), Source::NotInternet);
        assert_eq!(classify("fd00::/8"), Source::NotInternet);
        assert_eq!(classify("pl-12345678"), Source::NotInternet);
        assert_eq!(classify("sg-0123"), Source::NotInternet);
    }
}
