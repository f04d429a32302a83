//! The functions' load-balancer front doors: Application Load Balancers whose listener rules forward to a target group
//! of Lambda functions, as the collector found them (`elasticloadbalancing:Describe*`, `ec2:DescribeSecurityGroups`),
//! and the per-function view of them (which rule of which listener reaches which function and qualifier).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Account, Function};

/// What the scan read of Elastic Load Balancing: the Lambda target groups of the scanned regions, and the load
/// balancers whose listeners forward to one of them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancing {
    /// Target groups of target type `lambda`, keyed by target group ARN.
    pub target_groups: BTreeMap<String, TargetGroup>,
    /// Application Load Balancers with a listener rule forwarding to one of `target_groups`, keyed by load balancer
    /// ARN.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
}

/// A target group of target type `lambda` (at most one function registered, AWS's rule).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TargetGroup {
    /// Its name (attacker-controlled text: never formatting).
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// The functions registered (DescribeTargetHealth's target ids, a function ARN possibly qualified).
    pub targets: Vec<LambdaTarget>,
}

/// A function registered in a target group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LambdaTarget {
    /// The unqualified function ARN.
    pub function_arn: String,
    /// The alias or version registered; `None` for the unqualified function.
    pub qualifier: Option<String>,
}

/// An Application Load Balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancer {
    /// Its name (attacker-controlled text).
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// Its DNS name (`name-123.us-east-1.elb.amazonaws.com`).
    pub dns_name: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `active`, `provisioning`, `active_impaired` or `failed` (`State.Code`).
    pub state: String,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4` (`IpAddressType`): which address families clients reach
    /// it over. Empty when not read (an inventory from before it was): both families are then judged.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_address_type: String,
    /// The security groups attached to it.
    pub security_group_ids: Vec<String>,
    /// The inbound rules of each of those groups that could be read (ec2:DescribeSecurityGroups), keyed by group id;
    /// a group missing here was not read (a gap says why).
    pub security_groups: BTreeMap<String, Vec<IngressRule>>,
    /// Its listeners, each with its rules.
    pub listeners: Vec<Listener>,
}

impl LoadBalancer {
    /// Whether clients on the internet reach it over IPv4, and over IPv6: an `ipv4` load balancer has no IPv6
    /// address, a `dualstack-without-public-ipv4` one no public IPv4 address (Elastic Load Balancing API reference,
    /// `IpAddressType`: "ipv4 (IPv4 addresses), dualstack (IPv4 and IPv6 addresses), and dualstack-without-public-ipv4
    /// (public IPv6 addresses and private IPv4 and IPv6 addresses)"). Both when the type was not read.
    pub fn public_families(&self) -> (bool, bool) {
        match self.ip_address_type.as_str() {
            "ipv4" => (true, false),
            "dualstack-without-public-ipv4" => (false, true),
            _ => (true, true),
        }
    }
}

/// One inbound rule of a security group (`IpPermissions` entry).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct IngressRule {
    /// `tcp`, `udp`, `icmp`, or `-1` (every protocol).
    pub protocol: String,
    /// First port of the range; `None` for every port (protocol `-1`).
    pub from_port: Option<i32>,
    /// Last port of the range; `None` for every port.
    pub to_port: Option<i32>,
    /// Where traffic may come from: IPv4/IPv6 CIDRs (`0.0.0.0/0`, `::/0`), prefix lists (`pl-…`), security groups
    /// (`sg-…`).
    pub sources: Vec<String>,
}

impl IngressRule {
    /// Whether the rule admits TCP traffic to `port`.
    pub fn admits_tcp(&self, port: u16) -> bool {
        let port = i32::from(port);
        match self.protocol.as_str() {
            "-1" => true,
            p if p.eq_ignore_ascii_case("tcp") || p == "6" => {
                match (self.from_port, self.to_port) {
                    (Some(from), Some(to)) => from == -1 || (from <= port && port <= to),
                    _ => true,
                }
            }
            _ => false,
        }
    }
}

/// A listener of a load balancer, with its rules (the default rule included).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Listener {
    /// The listener ARN.
    pub arn: String,
    /// `HTTP` or `HTTPS`.
    pub protocol: String,
    /// The port it listens on.
    pub port: u16,
    /// Its mutual TLS mode (`MutualAuthentication.Mode`): `off`, `passthrough` or `verify`; empty when not set or not
    /// read (an inventory from before it was).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mutual_authentication: String,
    /// Its rules in priority order, the default rule last; `None` when DescribeRules failed (a gap says why).
    pub rules: Option<Vec<Rule>>,
}

/// A listener rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Rule {
    /// `1`…`50000`, or `default` for the listener's default rule.
    pub priority: String,
    /// Its conditions (all must hold).
    pub conditions: Vec<RuleCondition>,
    /// Its actions in order.
    pub actions: Vec<RuleAction>,
}

/// One condition of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`, `query-string` or `source-ip`.
    pub field: String,
    /// The header an `http-header` condition reads.
    pub header_name: Option<String>,
    /// The values it matches (query strings as `key=value`).
    pub values: Vec<String>,
}

/// One action of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RuleAction {
    /// `forward`, `authenticate-oidc`, `authenticate-cognito`, `redirect`, `fixed-response`.
    pub kind: String,
    /// The action's `Order`, when given.
    pub order: Option<i32>,
    /// An authenticate action's `OnUnauthenticatedRequest`: `authenticate` (the default), `deny`, or `allow` (the
    /// request goes on without a user).
    pub on_unauthenticated_request: Option<String>,
    /// A `forward` action's target groups (`TargetGroupArn`, or `ForwardConfig.TargetGroups`) with their weights.
    pub target_groups: Vec<WeightedTargetGroup>,
}

/// A target group a forward action sends requests to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct WeightedTargetGroup {
    /// The target group ARN.
    pub arn: String,
    /// Its weight in a weighted forward (`None`: the only target group).
    pub weight: Option<i32>,
}

impl RuleAction {
    /// Whether the action authenticates the user (OIDC or a Cognito user pool) and lets no unauthenticated request
    /// through (`OnUnauthenticatedRequest` is not `allow`).
    pub fn authenticates(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "authenticate-oidc" | "authenticate-cognito"
        ) && self.on_unauthenticated_request.as_deref() != Some("allow")
    }

    /// The target groups a forward action sends requests to (a weight of 0 sends none).
    pub fn forwards_to(&self) -> impl Iterator<Item = &str> {
        let forward = self.kind == "forward";
        self.target_groups
            .iter()
            .filter(move |t| forward && t.weight != Some(0))
            .map(|t| t.arn.as_str())
    }
}

/// One way in to a function through a load balancer: a rule of a listener forwarding to a target group where the
/// function (or an alias or version of it) is registered.
#[derive(Debug, Clone, Copy)]
pub struct LoadBalancerDoor<'a> {
    /// The load balancer's ARN.
    pub load_balancer_arn: &'a str,
    /// The load balancer.
    pub load_balancer: &'a LoadBalancer,
    /// The listener.
    pub listener: &'a Listener,
    /// The rule whose forward action reaches the function.
    pub rule: &'a Rule,
    /// The index of the forward action in the rule.
    pub action: usize,
    /// The target group's ARN.
    pub target_group_arn: &'a str,
    /// The target group.
    pub target_group: &'a TargetGroup,
    /// The alias or version registered; `None` for the unqualified function.
    pub qualifier: Option<&'a str>,
}

impl Account {
    /// Every rule of every listener that forwards to a target group in which `function` is registered, in load
    /// balancer, listener and rule order.
    pub fn load_balancer_doors<'a>(&'a self, function: &Function) -> Vec<LoadBalancerDoor<'a>> {
        let Some(elb) = &self.load_balancing else {
            return Vec::new();
        };
        // Most functions are in no target group: the load balancers are walked only for those that are.
        let groups = self.target_groups_of(function);
        if groups.is_empty() {
            return Vec::new();
        }
        let mut doors = Vec::new();
        for (lb_arn, lb) in &elb.load_balancers {
            for listener in &lb.listeners {
                for rule in listener.rules.iter().flatten() {
                    for (index, action) in rule.actions.iter().enumerate() {
                        for tg_arn in action.forwards_to() {
                            let Some(&(tg_key, tg)) = groups.iter().find(|(a, _)| *a == tg_arn)
                            else {
                                continue;
                            };
                            for target in
                                tg.targets.iter().filter(|t| t.function_arn == function.arn)
                            {
                                doors.push(LoadBalancerDoor {
                                    load_balancer_arn: lb_arn,
                                    load_balancer: lb,
                                    listener,
                                    rule,
                                    action: index,
                                    target_group_arn: tg_key,
                                    target_group: tg,
                                    qualifier: target.qualifier.as_deref(),
                                });
                            }
                        }
                    }
                }
            }
        }
        doors
    }

    /// The Lambda target groups in which `function` (any qualifier) is registered.
    pub fn target_groups_of<'a>(&'a self, function: &Function) -> Vec<(&'a str, &'a TargetGroup)> {
        self.load_balancing
            .iter()
            .flat_map(|elb| &elb.target_groups)
            .filter(|(_, tg)| tg.targets.iter().any(|t| t.function_arn == function.arn))
            .map(|(arn, tg)| (arn.as_str(), tg))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ingress_rule_admits_tcp_ports_in_its_range() {
        let rule = |protocol: &str, from: Option<i32>, to: Option<i32>| IngressRule {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            sources: vec!["0.0.0.0/0".into()],
        };
        assert!(rule("-1", None, None).admits_tcp(443));
        assert!(rule("tcp", Some(443), Some(443)).admits_tcp(443));
        assert!(rule("tcp", Some(0), Some(65535)).admits_tcp(80));
        assert!(!rule("tcp", Some(80), Some(80)).admits_tcp(443));
        assert!(!rule("udp", Some(443), Some(443)).admits_tcp(443));
        assert!(!rule("icmp", Some(-1), Some(-1)).admits_tcp(443));
    }

    #[test]
    fn a_weight_of_zero_forwards_nothing_and_other_actions_forward_nothing() {
        let action = RuleAction {
            kind: "forward".into(),
            order: Some(1),
            on_unauthenticated_request: None,
            target_groups: vec![
                WeightedTargetGroup {
                    arn: "a".into(),
                    weight: Some(0),
                },
                WeightedTargetGroup {
                    arn: "b".into(),
                    weight: Some(10),
                },
            ],
        };
        assert_eq!(action.forwards_to().collect::<Vec<_>>(), vec!["b"]);
        let redirect = RuleAction {
            kind: "redirect".into(),
            ..action
        };
        assert_eq!(redirect.forwards_to().count(), 0);
    }
}
