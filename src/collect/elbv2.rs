//! Elastic Load Balancing (v2), one region: the target groups of target type `lambda` and the functions registered
//! in them, the Application Load Balancers forwarding to them (scheme, state, DNS name, security groups), their
//! listeners and the rules that forward to a Lambda target group (conditions, authenticate actions), and the inbound
//! rules of the security groups of the internet-facing ones.
//!
//! Query-protocol POSTs signed by hand (see [`super::raw`]) and read with [`super::xml`]: the ELBv2 SDK crate would
//! cost more build time than these five reads are worth, and EC2's even more for one. Per region: DescribeTargetGroups
//! (paged), DescribeTargetHealth per Lambda target group (its registered function, possibly qualified), then only for
//! the load balancers those target groups name: DescribeLoadBalancers (20 ARNs a call), DescribeListeners per load
//! balancer and DescribeRules per listener (paged), and one EC2 DescribeSecurityGroups (a `group-id` filter) for the
//! internet-facing ones. Paced in [`Bucket::LoadBalancing`]. A failed call is a gap (the region's listing:
//! region-wide; one target group, load balancer or listener: `resource` = its ARN) and leaves that part out: the load
//! balancer check then says Unknown for the region's functions, never Pass.

use std::collections::{BTreeMap, BTreeSet};

use lambda_posture_checks::inventory::{
    lambda_target, Gap, GapKind, IngressRule, LambdaTarget, Listener, LoadBalancer, LoadBalancing,
    Rule, RuleAction, RuleCondition, TargetGroup, WeightedTargetGroup,
};

use super::error::CallError;
use super::pacing::Bucket;
use super::raw::{RawClient, RawOperation, RawRequest};
use super::xml::{self, Element};
use super::Ctx;

const DESCRIBE_TARGET_GROUPS: RawOperation =
    RawOperation::new("elasticloadbalancing", "DescribeTargetGroups");
const DESCRIBE_TARGET_HEALTH: RawOperation =
    RawOperation::new("elasticloadbalancing", "DescribeTargetHealth");
const DESCRIBE_LOAD_BALANCERS: RawOperation =
    RawOperation::new("elasticloadbalancing", "DescribeLoadBalancers");
const DESCRIBE_LISTENERS: RawOperation =
    RawOperation::new("elasticloadbalancing", "DescribeListeners");
const DESCRIBE_RULES: RawOperation = RawOperation::new("elasticloadbalancing", "DescribeRules");
const DESCRIBE_SECURITY_GROUPS: RawOperation = RawOperation::new("ec2", "DescribeSecurityGroups");

const ELB_VERSION: &str = "2015-12-01";
const EC2_VERSION: &str = "2016-11-15";
/// ELBv2 page size (the API maximum).
const PAGE_SIZE: &str = "400";
/// Load balancer ARNs per DescribeLoadBalancers call (the API maximum).
const ARNS_PER_CALL: usize = 20;
/// Security group ids per DescribeSecurityGroups filter (EC2 accepts at most 200 values in one filter).
const GROUPS_PER_CALL: usize = 200;
/// Pages of one listing we follow at most (a runaway marker loop stops here).
const MAX_PAGES: usize = 200;

/// The region's Lambda target groups and the load balancers forwarding to them.
pub async fn collect(ctx: &Ctx, raw: &RawClient, region: &str) -> LoadBalancing {
    let reader = Reader { ctx, raw, region };
    let mut elb = LoadBalancing::default();
    let groups = match reader.target_groups().await {
        Ok(groups) => groups,
        Err(e) => {
            ctx.gaps.record(&e, None);
            return elb;
        }
    };
    let lambda_groups: Vec<(String, String, Vec<String>)> = groups
        .iter()
        .filter(|g| g.text_of("TargetType") == Some("lambda"))
        .filter_map(|g| {
            let arn = g.text_of("TargetGroupArn")?.to_string();
            let name = g.text_of("TargetGroupName").unwrap_or_default().to_string();
            Some((arn, name, g.strings("LoadBalancerArns").collect()))
        })
        .collect();
    let healths = futures::future::join_all(
        lambda_groups
            .iter()
            .map(|(arn, _, _)| reader.registered(arn)),
    )
    .await;
    let mut load_balancer_arns = BTreeSet::new();
    for ((arn, name, lbs), targets) in lambda_groups.into_iter().zip(healths) {
        let targets = match targets {
            Ok(targets) => targets,
            Err(e) => {
                ctx.gaps.record(&e, Some(&arn));
                continue;
            }
        };
        if targets.is_empty() {
            continue;
        }
        load_balancer_arns.extend(lbs);
        elb.target_groups.insert(
            arn,
            TargetGroup {
                name,
                region: region.to_string(),
                targets,
            },
        );
    }
    let arns: Vec<String> = load_balancer_arns.into_iter().collect();
    for chunk in arns.chunks(ARNS_PER_CALL) {
        match reader.load_balancers(chunk).await {
            Ok(found) => elb.load_balancers.extend(found),
            Err(e) => ctx.gaps.record(&e, None),
        }
    }
    let listeners = futures::future::join_all(
        elb.load_balancers
            .keys()
            .map(|arn| reader.listeners(arn, &elb.target_groups)),
    )
    .await;
    for (lb, listeners) in elb.load_balancers.values_mut().zip(listeners) {
        lb.listeners = listeners;
    }
    elb.load_balancers.retain(|_, lb| !lb.listeners.is_empty());
    reader.security_groups(&mut elb.load_balancers).await;
    elb
}

struct Reader<'a> {
    ctx: &'a Ctx,
    raw: &'a RawClient,
    region: &'a str,
}

/// The `<…Result>` element of an answer (`<OperationResponse><OperationResult>`), or the root for EC2's.
fn result(root: &Element, operation: RawOperation) -> &Element {
    root.child(&format!("{}Result", operation.operation))
        .unwrap_or(root)
}

impl Reader<'_> {
    /// One call of `operation` with `params`, paced and retried, its answer read into a tree.
    async fn call(
        &self,
        operation: RawOperation,
        version: &str,
        params: &[(String, String)],
    ) -> Result<Element, CallError> {
        let url = format!("{}/", self.raw.endpoint(operation, self.region));
        let mut all = vec![
            ("Action".to_string(), operation.operation.to_string()),
            ("Version".to_string(), version.to_string()),
        ];
        all.extend_from_slice(params);
        let request = RawRequest::query(self.region, &all);
        let response = self
            .ctx
            .pacer
            .call(operation.paced(self.region, Bucket::LoadBalancing), || {
                self.raw.send(operation, &url, &request)
            })
            .await?;
        let root = xml::parse(&String::from_utf8_lossy(&response.body))
            .map_err(|e| operation.failure(self.region, format!("unreadable answer: {e}")))?;
        let expected = format!("{}Response", operation.operation);
        if root.name != expected {
            return Err(operation.failure(
                self.region,
                format!("unexpected answer: <{}> instead of <{expected}>", root.name),
            ));
        }
        Ok(root)
    }

    /// Every page of an ELBv2 listing (`Marker` / `NextMarker`): the entries of its `list`.
    async fn paged(
        &self,
        operation: RawOperation,
        params: &[(String, String)],
        list: &str,
    ) -> Result<Vec<Element>, CallError> {
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut all = params.to_vec();
            all.push(("PageSize".into(), PAGE_SIZE.into()));
            if let Some(m) = &marker {
                all.push(("Marker".into(), m.clone()));
            }
            let root = self.call(operation, ELB_VERSION, &all).await?;
            let page = result(&root, operation);
            items.extend(page.list(list).cloned());
            match page.text_of("NextMarker") {
                Some(next) if marker.as_deref() != Some(next) => marker = Some(next.to_string()),
                _ => return Ok(items),
            }
        }
        Err(operation.failure(
            self.region,
            format!("the listing did not end after {MAX_PAGES} pages"),
        ))
    }

    async fn target_groups(&self) -> Result<Vec<Element>, CallError> {
        self.paged(DESCRIBE_TARGET_GROUPS, &[], "TargetGroups")
            .await
    }

    /// The functions registered in a Lambda target group (DescribeTargetHealth's target ids).
    async fn registered(&self, arn: &str) -> Result<Vec<LambdaTarget>, CallError> {
        let params = [("TargetGroupArn".to_string(), arn.to_string())];
        let root = self
            .call(DESCRIBE_TARGET_HEALTH, ELB_VERSION, &params)
            .await?;
        let mut targets: Vec<LambdaTarget> = result(&root, DESCRIBE_TARGET_HEALTH)
            .list("TargetHealthDescriptions")
            .filter_map(|d| d.at(&["Target", "Id"]))
            .filter_map(|id| lambda_target(&id.text))
            .map(|(function_arn, qualifier)| LambdaTarget {
                function_arn,
                qualifier,
            })
            .collect();
        targets
            .sort_by(|a, b| (&a.function_arn, &a.qualifier).cmp(&(&b.function_arn, &b.qualifier)));
        targets.dedup();
        Ok(targets)
    }

    /// The Application Load Balancers among `arns`, keyed by ARN, without their listeners.
    async fn load_balancers(
        &self,
        arns: &[String],
    ) -> Result<BTreeMap<String, LoadBalancer>, CallError> {
        let params: Vec<(String, String)> = arns
            .iter()
            .enumerate()
            .map(|(i, arn)| (format!("LoadBalancerArns.member.{}", i + 1), arn.clone()))
            .collect();
        let found = self
            .paged(DESCRIBE_LOAD_BALANCERS, &params, "LoadBalancers")
            .await?;
        Ok(found
            .iter()
            .filter(|lb| lb.text_of("Type").is_none_or(|t| t == "application"))
            .filter_map(|lb| {
                let arn = lb.text_of("LoadBalancerArn")?.to_string();
                Some((
                    arn,
                    LoadBalancer {
                        name: lb.text_of("LoadBalancerName").unwrap_or_default().into(),
                        region: self.region.to_string(),
                        dns_name: lb.text_of("DNSName").unwrap_or_default().into(),
                        scheme: lb.text_of("Scheme").unwrap_or_default().into(),
                        ip_address_type: lb.text_of("IpAddressType").unwrap_or_default().into(),
                        state: lb
                            .at(&["State", "Code"])
                            .map(|c| c.text.clone())
                            .unwrap_or_default(),
                        security_group_ids: lb.strings("SecurityGroups").collect(),
                        ..LoadBalancer::default()
                    },
                ))
            })
            .collect())
    }

    /// The listeners of a load balancer with their rules that forward to one of `groups`; a listener whose rules
    /// could not be read is kept with `rules: None` (and a gap). A failed listing is a gap about the load balancer.
    async fn listeners(
        &self,
        lb_arn: &str,
        groups: &BTreeMap<String, TargetGroup>,
    ) -> Vec<Listener> {
        let params = [("LoadBalancerArn".to_string(), lb_arn.to_string())];
        let found = match self.paged(DESCRIBE_LISTENERS, &params, "Listeners").await {
            Ok(found) => found,
            Err(e) => {
                self.ctx.gaps.record(&e, Some(lb_arn));
                return Vec::new();
            }
        };
        let mut listeners = Vec::new();
        for element in &found {
            let Some(arn) = element.text_of("ListenerArn") else {
                continue;
            };
            let Some(port) = element.text_of("Port").and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            let params = [("ListenerArn".to_string(), arn.to_string())];
            let rules = match self.paged(DESCRIBE_RULES, &params, "Rules").await {
                Ok(rules) => {
                    let rules: Vec<Rule> = rules
                        .iter()
                        .map(rule)
                        .filter(|r| {
                            r.actions
                                .iter()
                                .any(|a| a.forwards_to().any(|tg| groups.contains_key(tg)))
                        })
                        .collect();
                    if rules.is_empty() {
                        continue;
                    }
                    Some(rules)
                }
                Err(e) => {
                    self.ctx.gaps.record(&e, Some(arn));
                    None
                }
            };
            listeners.push(Listener {
                arn: arn.to_string(),
                protocol: element.text_of("Protocol").unwrap_or_default().into(),
                port,
                mutual_authentication: mutual_tls_mode(element),
                rules,
            });
        }
        listeners
    }

    /// The inbound rules of the security groups of the internet-facing load balancers (internal ones are not
    /// reachable from the internet whatever their groups say). A failed call is a region-wide gap; a group the
    /// answer lacks is a gap about that group.
    async fn security_groups(&self, load_balancers: &mut BTreeMap<String, LoadBalancer>) {
        let wanted: BTreeSet<String> = load_balancers
            .values()
            .filter(|lb| lb.scheme == "internet-facing")
            .flat_map(|lb| lb.security_group_ids.iter().cloned())
            .collect();
        let ids: Vec<String> = wanted.iter().cloned().collect();
        let mut found: BTreeMap<String, Vec<IngressRule>> = BTreeMap::new();
        let mut complete = true;
        for chunk in ids.chunks(GROUPS_PER_CALL) {
            match self.describe_security_groups(chunk).await {
                Ok(groups) => found.extend(groups),
                Err(e) => {
                    self.ctx.gaps.record(&e, None);
                    complete = false;
                    break;
                }
            }
        }
        if complete {
            for missing in wanted.iter().filter(|id| !found.contains_key(*id)) {
                self.ctx.gaps.push(Gap {
                    service: DESCRIBE_SECURITY_GROUPS.service.into(),
                    operation: DESCRIBE_SECURITY_GROUPS.operation.into(),
                    region: Some(self.region.to_string()),
                    resource: Some(missing.clone()),
                    kind: GapKind::Error,
                    error: "DescribeSecurityGroups does not return this group: it was deleted, or is not visible \
                            to this account"
                        .into(),
                });
            }
        }
        for lb in load_balancers
            .values_mut()
            .filter(|lb| lb.scheme == "internet-facing")
        {
            lb.security_groups = lb
                .security_group_ids
                .iter()
                .filter_map(|id| found.get(id).map(|rules| (id.clone(), rules.clone())))
                .collect();
        }
    }

    /// Group id → inbound rules for `ids`, every page.
    async fn describe_security_groups(
        &self,
        ids: &[String],
    ) -> Result<BTreeMap<String, Vec<IngressRule>>, CallError> {
        let mut groups = BTreeMap::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("MaxResults".to_string(), "1000".to_string()),
                ("Filter.1.Name".to_string(), "group-id".to_string()),
            ];
            params.extend(
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| (format!("Filter.1.Value.{}", i + 1), id.clone())),
            );
            if let Some(t) = &token {
                params.push(("NextToken".to_string(), t.clone()));
            }
            let root = self
                .call(DESCRIBE_SECURITY_GROUPS, EC2_VERSION, &params)
                .await?;
            for group in root.list("securityGroupInfo") {
                if let Some(id) = group.text_of("groupId") {
                    groups.insert(id.to_string(), ingress_rules(group));
                }
            }
            match root.text_of("nextToken") {
                Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
                _ => return Ok(groups),
            }
        }
        Err(DESCRIBE_SECURITY_GROUPS.failure(
            self.region,
            format!("the listing did not end after {MAX_PAGES} pages"),
        ))
    }
}

/// A DescribeListeners `<member>`'s mutual TLS mode (`MutualAuthentication.Mode`: `off`, `passthrough`, `verify`);
/// empty when the answer does not say.
fn mutual_tls_mode(listener: &Element) -> String {
    listener
        .at(&["MutualAuthentication", "Mode"])
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// One `<member>` of DescribeRules' `Rules`, its actions in order.
fn rule(element: &Element) -> Rule {
    let default = element.text_of("IsDefault") == Some("true");
    let priority = match element.text_of("Priority") {
        Some(p) if !default => p.to_string(),
        _ => "default".to_string(),
    };
    let conditions = element.list("Conditions").map(condition).collect();
    let mut actions: Vec<RuleAction> = element.list("Actions").map(action).collect();
    // AWS performs the actions in Order (an action without one last, in listed order).
    actions.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
    Rule {
        priority,
        conditions,
        actions,
    }
}

/// A rule condition: `Field` with its values, from `Values` or the field's `…Config`.
fn condition(element: &Element) -> RuleCondition {
    let field = element.text_of("Field").unwrap_or_default().to_string();
    let config = match field.as_str() {
        "host-header" => "HostHeaderConfig",
        "path-pattern" => "PathPatternConfig",
        "http-header" => "HttpHeaderConfig",
        "http-request-method" => "HttpRequestMethodConfig",
        "query-string" => "QueryStringConfig",
        "source-ip" => "SourceIpConfig",
        _ => "",
    };
    let config = element.child(config);
    let mut values: Vec<String> = element.strings("Values").collect();
    if let Some(config) = config {
        for value in config.list("Values") {
            if field == "query-string" {
                let key = value.text_of("Key").unwrap_or("*");
                values.push(format!(
                    "{key}={}",
                    value.text_of("Value").unwrap_or_default()
                ));
            } else if !value.text.is_empty() {
                values.push(value.text.clone());
            }
        }
    }
    values.sort();
    values.dedup();
    RuleCondition {
        header_name: config
            .and_then(|c| c.text_of("HttpHeaderName"))
            .map(str::to_string),
        field,
        values,
    }
}

/// A rule action: its type, order, forward target groups and, for an authenticate action, what it does with an
/// unauthenticated request.
fn action(element: &Element) -> RuleAction {
    let kind = element.text_of("Type").unwrap_or_default().to_string();
    let mut target_groups: Vec<WeightedTargetGroup> = element
        .at(&["ForwardConfig"])
        .into_iter()
        .flat_map(|f| f.list("TargetGroups"))
        .filter_map(|t| {
            Some(WeightedTargetGroup {
                arn: t.text_of("TargetGroupArn")?.to_string(),
                weight: t.text_of("Weight").and_then(|w| w.parse().ok()),
            })
        })
        .collect();
    if let Some(arn) = element.text_of("TargetGroupArn") {
        if !target_groups.iter().any(|t| t.arn == arn) {
            target_groups.push(WeightedTargetGroup {
                arn: arn.to_string(),
                weight: None,
            });
        }
    }
    let on_unauthenticated_request = ["AuthenticateOidcConfig", "AuthenticateCognitoConfig"]
        .iter()
        .find_map(|c| element.child(c))
        .map(|c| {
            c.text_of("OnUnauthenticatedRequest")
                .unwrap_or("authenticate")
                .to_string()
        });
    RuleAction {
        kind,
        order: element.text_of("Order").and_then(|o| o.parse().ok()),
        on_unauthenticated_request,
        target_groups,
    }
}

/// The inbound rules of one `<item>` of DescribeSecurityGroups' `securityGroupInfo`.
fn ingress_rules(group: &Element) -> Vec<IngressRule> {
    group
        .list("ipPermissions")
        .map(|p| {
            // where the rule admits traffic from: IPv4 and IPv6 ranges, prefix lists, other security groups
            let sources: Vec<String> = [
                ("ipRanges", "cidrIp"),
                ("ipv6Ranges", "cidrIpv6"),
                ("prefixListIds", "prefixListId"),
                ("groups", "groupId"),
            ]
            .into_iter()
            .flat_map(|(list, field)| p.list(list).filter_map(move |r| r.text_of(field)))
            .map(str::to_string)
            .collect();
            IngressRule {
                protocol: p.text_of("ipProtocol").unwrap_or("-1").to_string(),
                from_port: p.text_of("fromPort").and_then(|v| v.parse().ok()),
                to_port: p.text_of("toPort").and_then(|v| v.parse().ok()),
                sources,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_reads_its_conditions_and_its_actions_in_order() {
        let xml = r#"<DescribeRulesResponse><DescribeRulesResult><Rules><member>
  <RuleArn>arn:rule</RuleArn><Priority>10</Priority><IsDefault>false</IsDefault>
  <Conditions>
    <member><Field>path-pattern</Field><PathPatternConfig><Values><member>/orders/*</member></Values></PathPatternConfig><Values><member>/orders/*</member></Values></member>
    <member><Field>http-header</Field><HttpHeaderConfig><HttpHeaderName>X-Env</HttpHeaderName><Values><member>prod</member></Values></HttpHeaderConfig></member>
    <member><Field>query-string</Field><QueryStringConfig><Values><member><Key>v</Key><Value>2</Value></member></Values></QueryStringConfig></member>
    <member><Field>source-ip</Field><SourceIpConfig><Values><member>10.0.0.0/8</member></Values></SourceIpConfig></member>
  </Conditions>
  <Actions>
    <member><Type>forward</Type><Order>2</Order><ForwardConfig><TargetGroups>
      <member><TargetGroupArn>arn:tg-a</TargetGroupArn><Weight>90</Weight></member>
      <member><TargetGroupArn>arn:tg-b</TargetGroupArn><Weight>10</Weight></member></TargetGroups></ForwardConfig></member>
    <member><Type>authenticate-oidc</Type><Order>1</Order><AuthenticateOidcConfig><Issuer>https://idp</Issuer><OnUnauthenticatedRequest>allow</OnUnauthenticatedRequest></AuthenticateOidcConfig></member>
  </Actions>
</member><member><Priority>default</Priority><IsDefault>true</IsDefault><Actions><member><Type>forward</Type><TargetGroupArn>arn:tg-a</TargetGroupArn></member></Actions></member>
</Rules></DescribeRulesResult></DescribeRulesResponse>"#;
        let root = xml::parse(xml).unwrap();
        let rules: Vec<Rule> = result(&root, DESCRIBE_RULES)
            .list("Rules")
            .map(rule)
            .collect();
        assert_eq!(rules.len(), 2);
        let first = &rules[0];
        assert_eq!(first.priority, "10");
        let fields: Vec<(&str, Vec<String>)> = first
            .conditions
            .iter()
            .map(|c| (c.field.as_str(), c.values.clone()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("path-pattern", vec!["/orders/*".to_string()]),
                ("http-header", vec!["prod".to_string()]),
                ("query-string", vec!["v=2".to_string()]),
                ("source-ip", vec!["10.0.0.0/8".to_string()]),
            ]
        );
        assert_eq!(first.conditions[1].header_name.as_deref(), Some("X-Env"));
        assert_eq!(first.actions[0].kind, "authenticate-oidc");
        assert_eq!(
            first.actions[0].on_unauthenticated_request.as_deref(),
            Some("allow")
        );
        assert!(!first.actions[0].authenticates());
        assert_eq!(
            first.actions[1].forwards_to().collect::<Vec<_>>(),
            vec!["arn:tg-a", "arn:tg-b"]
        );
        assert_eq!(rules[1].priority, "default");
        assert_eq!(
            rules[1].actions[0].forwards_to().collect::<Vec<_>>(),
            vec!["arn:tg-a"]
        );
    }

    #[test]
    fn a_listener_reads_its_mutual_tls_mode() {
        let xml = r#"<DescribeListenersResponse><DescribeListenersResult><Listeners>
<member><ListenerArn>arn:l1</ListenerArn><Port>443</Port><Protocol>HTTPS</Protocol>
<MutualAuthentication><Mode>verify</Mode><TrustStoreArn>arn:ts</TrustStoreArn></MutualAuthentication></member>
<member><ListenerArn>arn:l2</ListenerArn><Port>80</Port><Protocol>HTTP</Protocol></member>
</Listeners></DescribeListenersResult></DescribeListenersResponse>"#;
        let root = xml::parse(xml).unwrap();
        let modes: Vec<String> = result(&root, DESCRIBE_LISTENERS)
            .list("Listeners")
            .map(mutual_tls_mode)
            .collect();
        assert_eq!(modes, vec!["verify".to_string(), String::new()]);
    }

    #[test]
    fn a_security_group_lists_every_kind_of_source() {
        let xml = r#"<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId>
<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort>
<groups><item><groupId>sg-2</groupId></item></groups><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
<ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges><prefixListIds><item><prefixListId>pl-1</prefixListId></item></prefixListIds>
</item><item><ipProtocol>-1</ipProtocol></item></ipPermissions>
<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress>
</item></securityGroupInfo></DescribeSecurityGroupsResponse>"#;
        let root = xml::parse(xml).unwrap();
        let group = root.list("securityGroupInfo").next().unwrap();
        let rules = ingress_rules(group);
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0],
            IngressRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                sources: vec![
                    "0.0.0.0/0".into(),
                    "::/0".into(),
                    "pl-1".into(),
                    "sg-2".into()
                ],
            }
        );
        assert_eq!(rules[1].protocol, "-1");
        assert!(rules[1].sources.is_empty());
    }
}
