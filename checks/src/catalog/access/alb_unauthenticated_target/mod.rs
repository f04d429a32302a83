//! alb-unauthenticated-target: an internet-facing Application Load Balancer forwards requests to the function (a
//! Lambda target group) from a listener its security groups open to the internet, through a rule with no
//! `authenticate-oidc` / `authenticate-cognito` action before the forward: anyone can call it without credentials.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::catalog::access::front_doors::{source_condition_holds, SourceArns};
use crate::catalog::access::policies::{
    exposure_key, of_qualifier, qualified_arn, read_policies, scope_name, PolicyStatement,
};
use crate::check::{gap_reason, with_unknown, Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::{LoadBalancerDoor, RuleCondition};
use crate::policy::document::{Condition, Principal};

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
    let outcomes: Vec<Outcome> = open
        .into_iter()
        .map(|(qualifier, found)| failure(ctx, qualifier, found))
        .collect();
    with_unknown(outcomes, unknown)
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
    /// Only private ranges or other security groups (what admits it, possibly nothing).
    NotInternet(Vec<String>),
    /// Some group was not read, or admits the port from a prefix list (whose entries the scan does not read), and no
    /// read group opens the port to the internet: why it is unknown.
    Unread(String),
}

fn port_reach(door: &LoadBalancerDoor) -> PortReach {
    let lb = door.load_balancer;
    let port = door.listener.port;
    let mut internet = Vec::new();
    let mut ranges = Vec::new();
    let mut other = Vec::new();
    let mut unread = Vec::new();
    let mut prefix_lists = Vec::new();
    let families = lb.public_families();
    for id in &lb.security_group_ids {
        let Some(rules) = lb.security_groups.get(id) else {
            unread.push(id.clone());
            continue;
        };
        for rule in rules.iter().filter(|r| r.admits_tcp(port)) {
            for source in &rule.sources {
                let labelled = format!("{source} ({id})");
                if source.starts_with("pl-") {
                    prefix_lists.push(labelled);
                    continue;
                }
                if !reachable(source, families) {
                    // An IPv6 range on an IPv4-only load balancer (or IPv4 without public IPv4): no way in.
                    continue;
                }
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
    if internet.is_empty() && covers_internet(ranges.iter().map(|r| unlabelled(r))) {
        internet = std::mem::take(&mut ranges);
    }
    if !internet.is_empty() {
        PortReach::Internet(internet)
    } else if !unread.is_empty() {
        PortReach::Unread(format!(
            "the security groups {} of load balancer {} were not read",
            unread.join(", "),
            lb.dns_name
        ))
    } else if !prefix_lists.is_empty() {
        PortReach::Unread(format!(
            "the security groups of load balancer {} admit port {port} from prefix lists ({}) whose entries are not \
             read (a customer-managed list may hold any range; CloudFront's origin-facing list lets every \
             distribution through)",
            lb.dns_name,
            prefix_lists.join(", ")
        ))
    } else if !ranges.is_empty() {
        PortReach::Ranges(ranges)
    } else {
        PortReach::NotInternet(other)
    }
}

/// Whether an address range is of a family internet clients reach the load balancer over (`families`: IPv4, IPv6);
/// anything that is not an address range is kept.
fn reachable(source: &str, families: (bool, bool)) -> bool {
    match cidr(source) {
        Some((IpAddr::V4(_), _)) => families.0,
        Some((IpAddr::V6(_), _)) => families.1,
        None => true,
    }
}

/// A labelled source (`203.0.113.0/24 (sg-1)`) without its label.
fn unlabelled(labelled: &str) -> &str {
    labelled.split(' ').next().unwrap_or(labelled)
}

/// What a traffic source (a security group rule's, or a `source-ip` condition's) admits.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// `0.0.0.0/0` or `::/0` (or an address range that cannot be read: judged as anywhere).
    Anywhere,
    /// A public address range narrower than the internet.
    PublicRange,
    /// A private or reserved range, a security group.
    NotInternet,
}

fn classify(source: &str) -> Source {
    if source.starts_with("sg-") {
        return Source::NotInternet;
    }
    let Some((ip, length)) = cidr(source) else {
        return Source::Anywhere;
    };
    if length == 0 {
        return Source::Anywhere;
    }
    if private_range(ip, length) {
        Source::NotInternet
    } else {
        Source::PublicRange
    }
}

/// `address/length` (or a lone address) read strictly: `None` when the address or the length is not valid.
fn cidr(source: &str) -> Option<(IpAddr, u8)> {
    let (address, length) = match source.trim().split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (source.trim(), None),
    };
    let ip = address.parse::<IpAddr>().ok()?;
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    let length = match length {
        Some(l) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
            l.parse::<u8>().ok()?
        }
        Some(_) => return None,
        None => bits,
    };
    (length <= bits).then_some((ip, length))
}

/// Whether public ranges together admit every address of the internet: the IPv4 ranges with the private and reserved
/// blocks cover every IPv4 address (`0.0.0.0/1` and `128.0.0.0/1`), or the IPv6 ranges cover every global unicast
/// address (`2000::/3`). Such a set is the internet, written in pieces.
fn covers_internet<'a>(sources: impl Iterator<Item = &'a str>) -> bool {
    let mut v4: Vec<(u128, u128)> = NOT_PUBLIC_V4
        .iter()
        .map(|(block, bits)| span(u128::from(u32::from_be_bytes(*block)), *bits, 32))
        .collect();
    let mut v6: Vec<(u128, u128)> = Vec::new();
    for (ip, length) in sources.filter_map(cidr) {
        match ip {
            IpAddr::V4(a) => v4.push(span(u128::from(u32::from(a)), length, 32)),
            IpAddr::V6(a) => v6.push(span(u128::from(a), length, 128)),
        }
    }
    covers(v4, 0, u128::from(u32::MAX)) || covers(v6, GLOBAL_V6.0, GLOBAL_V6.1)
}

/// The first and last address of `address/length` in a space of `bits` bits.
fn span(address: u128, length: u8, bits: u8) -> (u128, u128) {
    let host = u32::from(bits - length);
    let size_minus_one = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let first = address & !size_minus_one;
    (first, first | size_minus_one)
}

/// Whether the union of `spans` covers every address from `first` to `last`.
fn covers(mut spans: Vec<(u128, u128)>, first: u128, last: u128) -> bool {
    spans.sort();
    let mut next = first;
    for (start, end) in spans {
        if start > next {
            return false;
        }
        if end >= last {
            return true;
        }
        next = next.max(end + 1);
    }
    false
}

/// IPv4 blocks no internet caller comes from: RFC 1918, shared address space, loopback, link-local, "this network",
/// multicast and reserved.
const NOT_PUBLIC_V4: [([u8; 4], u8); 9] = [
    ([10, 0, 0, 0], 8),
    ([172, 16, 0, 0], 12),
    ([192, 168, 0, 0], 16),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([0, 0, 0, 0], 8),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

/// Whether `ip/length` lies where no internet caller comes from: for IPv4 within the private and reserved blocks
/// ([`NOT_PUBLIC_V4`]: RFC 1918, shared address space, loopback, link-local, "this network", multicast, reserved),
/// for IPv6 wholly outside the global unicast space `2000::/3` (unique-local `fc00::/7`, link-local `fe80::/10`,
/// loopback, multicast…).
fn private_range(ip: IpAddr, length: u8) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let (first, last) = span(u128::from(u32::from(v4)), length, 32);
            let blocks = NOT_PUBLIC_V4
                .iter()
                .map(|(block, bits)| span(u128::from(u32::from_be_bytes(*block)), *bits, 32))
                .collect();
            covers(blocks, first, last)
        }
        IpAddr::V6(v6) => {
            let (first, last) = span(u128::from(v6), length, 128);
            last < GLOBAL_V6.0 || first > GLOBAL_V6.1
        }
    }
}

/// The IPv6 global unicast space `2000::/3`: its first and last address.
const GLOBAL_V6: (u128, u128) = (0x2000 << 112, (0x4000 << 112) - 1);

/// The rule's `source-ip` condition, judged for a load balancer reached over `families` (IPv4, IPv6): `None` when it
/// has none (every caller matches). Ranges of a family the load balancer has no public address in match no internet
/// caller.
fn source_ip(
    conditions: &[RuleCondition],
    families: (bool, bool),
) -> Option<(Source, Vec<String>)> {
    let condition = conditions.iter().find(|c| c.field == "source-ip")?;
    let values: Vec<&str> = condition
        .values
        .iter()
        .map(String::as_str)
        .filter(|v| reachable(v, families))
        .collect();
    let verdicts: Vec<Source> = values.iter().map(|v| classify(v)).collect();
    let worst = if verdicts.contains(&Source::Anywhere) || covers_internet(values.iter().copied()) {
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
            // an Allow with NotPrincipal admits everyone it does not name: counted as a grant
            let principal = s
                .principal
                .as_ref()
                .is_some_and(|p| p.negated || p.entries.iter().any(names_elb));
            let source_ok = s
                .conditions
                .iter()
                .filter(|c| c.key_is("aws:SourceArn"))
                .all(|c| source_arn_admits(c, target_group_arn));
            s.is_allow() && principal && s.applies_to_action("lambda:InvokeFunction") && source_ok
        })
        .collect()
}

/// Whether a principal entry covers Elastic Load Balancing: the service itself, or anyone (`*`).
fn names_elb(entry: &Principal) -> bool {
    match entry {
        Principal::Anyone => true,
        Principal::Aws(v) => v == "*",
        Principal::Service(v) => v.eq_ignore_ascii_case(ELB_PRINCIPAL),
        _ => false,
    }
}

/// The Deny statements of the qualifier's policy that surely refuse Elastic Load Balancing's invocation through this
/// target group: `lambda:InvokeFunction` on the invoked ARN, to `elasticloadbalancing.amazonaws.com` or to anyone
/// (`Principal`, not `NotPrincipal`), with no condition but `aws:SourceArn` ones that hold for the target group. An
/// explicit Deny overrides any Allow (IAM policy evaluation logic); a Deny with other conditions may not apply and is
/// not taken to close the door.
fn elb_denials<'p>(
    statements: &'p [PolicyStatement<'p>],
    qualifier: Option<&str>,
    invoked_arn: &str,
    target_group_arn: &str,
) -> Vec<&'p PolicyStatement<'p>> {
    of_qualifier(statements, qualifier)
        .into_iter()
        .filter(|ps| {
            let s = &ps.statement;
            let principal = s
                .principal
                .as_ref()
                .is_some_and(|p| !p.negated && p.entries.iter().any(names_elb));
            let conditions_hold = s
                .conditions
                .iter()
                .all(|c| c.key_is("aws:SourceArn") && source_arn_admits(c, target_group_arn));
            !s.is_allow()
                && principal
                && s.applies_to_action("lambda:InvokeFunction")
                && s.applies_to_resource(invoked_arn)
                && conditions_hold
        })
        .collect()
}

/// Whether an `aws:SourceArn` condition holds for a request from the target group `arn`: the rule API Gateway's
/// routes are judged by too ([`source_condition_holds`]).
fn source_arn_admits(condition: &Condition, arn: &str) -> bool {
    source_condition_holds(condition, &SourceArns::literal(arn))
}

/// How open one rule forwarding to the function is.
fn judge(
    ctx: &FunctionContext,
    door: &LoadBalancerDoor,
    statements: &[PolicyStatement],
    policy_unknown: &[String],
) -> Judgement {
    let lb = door.load_balancer;
    // Only `internal` keeps the internet out; a scheme not read is judged by the security groups (not read then:
    // Unknown).
    if lb.scheme == "internal" || lb.state == "failed" {
        return Judgement::Closed;
    }
    if door.rule.actions[..door.action]
        .iter()
        .any(|a| a.authenticates())
    {
        return Judgement::Closed;
    }
    // Mutual TLS in verify mode: the load balancer admits only clients whose certificate chains to the listener's
    // trust store ("passthrough" hands the chain to the target unverified: no authentication).
    if door.listener.mutual_authentication == "verify" {
        return Judgement::Closed;
    }
    let mut severity = Severity::Critical;
    let mut notes: Vec<String> = Vec::new();
    let source = source_ip(&door.rule.conditions, lb.public_families());
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
    // Either the security groups or the function's policy closing the door is enough: each is judged before an
    // Unknown of the other is reported.
    let reach = port_reach(door);
    if let PortReach::NotInternet(_) = reach {
        return Judgement::Closed;
    }
    let grants = elb_grants(statements, door.qualifier, door.target_group_arn);
    let invoked = qualified_arn(ctx.function, door.qualifier);
    if !elb_denials(statements, door.qualifier, &invoked, door.target_group_arn).is_empty() {
        // An explicit Deny refuses the load balancer whatever the Allows say: requests through it fail.
        return Judgement::Closed;
    }
    let mut policy_unread = None;
    if grants.is_empty() {
        let skipped = door.qualifier.is_some_and(|q| {
            ctx.function
                .skipped
                .iter()
                .any(|s| s.operation == "GetPolicy" && s.qualifiers.iter().any(|x| x == q))
        });
        if policy_unknown.is_empty() && !skipped {
            // The load balancer cannot invoke the function: requests through it fail.
            return Judgement::Closed;
        }
        policy_unread = Some(format!(
            "whether the resource policy of {} lets Elastic Load Balancing invoke it is unknown ({})",
            scope_name(door.qualifier),
            if skipped {
                "its policy was not read".to_string()
            } else {
                policy_unknown.join("; ")
            }
        ));
    }
    let admitted_by = match reach {
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
        PortReach::Unread(why) => {
            return Judgement::Unknown(format!(
                "{why}: whether listener {listener} is open to the internet is unknown"
            ))
        }
    };
    if let Some(why) = policy_unread {
        return Judgement::Unknown(why);
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
        // Prefix lists are judged by port_reach (entries not read); here they are no address range.
        assert_eq!(classify("pl-12345678"), Source::Anywhere);
        assert_eq!(classify("sg-0123"), Source::NotInternet);
        assert_eq!(classify("100.64.0.0/10"), Source::NotInternet);
        assert_eq!(classify("fc00::/7"), Source::NotInternet);
        // A range wider than a private block is public.
        assert_eq!(classify("10.0.0.0/7"), Source::PublicRange);
        assert_eq!(classify("0.0.0.0/1"), Source::PublicRange);
        // An address with a length that cannot be read admits anything, never a private range.
        assert_eq!(classify("10.0.0.0/"), Source::Anywhere);
        assert_eq!(classify("10.0.0.0/x"), Source::Anywhere);
        assert_eq!(classify("10.0.0.0/33"), Source::Anywhere);
        assert_eq!(classify("fd00::/129"), Source::Anywhere);
        // No internet caller comes from multicast or reserved IPv4, nor from outside 2000::/3.
        assert_eq!(classify("224.0.0.0/3"), Source::NotInternet);
        assert_eq!(classify("0.0.0.0/8"), Source::NotInternet);
        assert_eq!(classify("fe80::/10"), Source::NotInternet);
        assert_eq!(classify("ff00::/8"), Source::NotInternet);
        assert_eq!(classify("::1"), Source::NotInternet);
        assert_eq!(classify("::/1"), Source::PublicRange);
        assert_eq!(classify("2600::/12"), Source::PublicRange);
        assert_eq!(classify("192.0.0.0/8"), Source::PublicRange);
    }

    #[test]
    fn public_ranges_together_may_be_the_whole_internet() {
        assert!(covers_internet(["0.0.0.0/1", "128.0.0.0/1"].into_iter()));
        assert!(covers_internet(["2000::/4", "3000::/4"].into_iter()));
        // Everything but the private and reserved blocks, in pieces.
        let pieces = [
            "1.0.0.0/8",
            "2.0.0.0/7",
            "4.0.0.0/6",
            "8.0.0.0/7",
            "11.0.0.0/8",
            "12.0.0.0/6",
            "16.0.0.0/4",
            "32.0.0.0/3",
            "64.0.0.0/3",
            "96.0.0.0/6",
            "100.0.0.0/10",
            "100.128.0.0/9",
            "101.0.0.0/8",
            "102.0.0.0/7",
            "104.0.0.0/5",
            "112.0.0.0/5",
            "120.0.0.0/6",
            "124.0.0.0/7",
            "126.0.0.0/8",
            "128.0.0.0/3",
            "160.0.0.0/5",
            "168.0.0.0/8",
            "169.0.0.0/9",
            "169.128.0.0/10",
            "169.192.0.0/11",
            "169.224.0.0/12",
            "169.240.0.0/13",
            "169.248.0.0/14",
            "169.252.0.0/15",
            "169.255.0.0/16",
            "170.0.0.0/7",
            "172.0.0.0/12",
            "172.32.0.0/11",
            "172.64.0.0/10",
            "172.128.0.0/9",
            "173.0.0.0/8",
            "174.0.0.0/7",
            "176.0.0.0/4",
            "192.0.0.0/9",
            "192.128.0.0/11",
            "192.160.0.0/13",
            "192.169.0.0/16",
            "192.170.0.0/15",
            "192.172.0.0/14",
            "192.176.0.0/12",
            "192.192.0.0/10",
            "193.0.0.0/8",
            "194.0.0.0/7",
            "196.0.0.0/6",
            "200.0.0.0/5",
            "208.0.0.0/4",
        ];
        assert!(covers_internet(pieces.into_iter()));
        assert!(!covers_internet(pieces[1..].iter().copied()));
        assert!(!covers_internet(["0.0.0.0/1"].into_iter()));
        assert!(!covers_internet(["2000::/4"].into_iter()));
        assert!(!covers_internet(
            ["203.0.113.0/24", "not a range"].into_iter()
        ));
    }

    const BOTH: (bool, bool) = (true, true);

    #[test]
    fn a_source_ip_condition_in_halves_is_the_internet() {
        let condition = |values: &[&str]| {
            vec![RuleCondition {
                field: "source-ip".into(),
                header_name: None,
                values: values.iter().map(|v| v.to_string()).collect(),
            }]
        };
        assert_eq!(
            source_ip(&condition(&["0.0.0.0/1", "128.0.0.0/1"]), BOTH).map(|s| s.0),
            Some(Source::Anywhere)
        );
        assert_eq!(
            source_ip(&condition(&["0.0.0.0/1"]), BOTH).map(|s| s.0),
            Some(Source::PublicRange)
        );
        assert_eq!(
            source_ip(&condition(&["10.0.0.0/8", "fd00::/8"]), BOTH).map(|s| s.0),
            Some(Source::NotInternet)
        );
        assert_eq!(source_ip(&[], BOTH).map(|s| s.0), None);
        // On an IPv4-only load balancer an IPv6 range matches no internet caller.
        assert_eq!(
            source_ip(&condition(&["::/0"]), (true, false)).map(|s| s.0),
            Some(Source::NotInternet)
        );
        assert_eq!(
            source_ip(&condition(&["::/0", "203.0.113.0/24"]), (true, false)).map(|s| s.0),
            Some(Source::PublicRange)
        );
        assert_eq!(
            source_ip(&condition(&["0.0.0.0/0"]), (false, true)).map(|s| s.0),
            Some(Source::NotInternet)
        );
    }
}
