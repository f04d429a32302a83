//! Unused functions: which functions had no invocation for `thresholds.unused_days`, for how long, and what still
//! costs or points at them (triggers, provisioned concurrency, a shared role). Pure: inventory in, list out.
//!
//! "Unused" is the `unused-function` check's verdict (`catalog::hygiene::unused_function::usage`): one
//! threshold, one reading of the metrics, one date rule. A function the check cannot decide (metrics missing or
//! shorter than the threshold, a threshold longer than the scan's lookback) is *unknown*: never reported as used or
//! unused. What may invoke it through its resource policies is the shared invoker analysis
//! (`catalog::stability::invokers`): statements that allow an invoke action; what invokes it through API Gateway is
//! the API checks' front doors (`Account::front_doors`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::arn::Arn;
use crate::catalog::hygiene::unused_function::{incomplete_triggers, usage, Usage};
use crate::catalog::stability::invokers::invoke_grants;
use crate::check::FunctionContext;
use crate::config::ValidConfig;
use crate::engine::for_each_function;
use crate::inventory::{Account, Function, FunctionMetrics, Inventory};

/// Version of the `unused --format json` shape (see `schema/unused.schema.json`).
pub const UNUSED_SCHEMA_VERSION: u32 = 1;

/// What `unused` reports: the functions nothing invoked within the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedReport {
    /// [`UNUSED_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The lambda-posture version that evaluated it.
    pub tool_version: String,
    /// When the inventory was collected; its date is the scan date.
    pub collected_at: DateTime<Utc>,
    /// Days of metrics history the inventory holds.
    pub lookback_days: u32,
    /// Days without invocation from which a function counts as unused (config `thresholds.unused_days`).
    pub threshold_days: u32,
    /// How many functions were looked at.
    pub functions_scanned: usize,
    /// How many accounts were scanned (an organisation's); absent for one account.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub accounts_scanned: usize,
    /// Idle longest first.
    pub unused: Vec<UnusedFunction>,
    /// Functions whose invocation metrics could not be read: neither used nor unused.
    pub unknown: Vec<UnknownUsage>,
    /// Organisation scan: the accounts that could not be scanned, and why; absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete_accounts: Vec<crate::report::IncompleteAccount>,
    /// Organisation scan with `--org`: the accounts not scanned because they are not ACTIVE in AWS Organizations;
    /// absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inactive_accounts: Vec<crate::report::InactiveAccount>,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// An unused function, with what it would take to delete it safely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedFunction {
    /// The function's account.
    pub account_id: String,
    /// The function's region.
    pub region: String,
    /// The function ARN.
    pub arn: String,
    /// The function name.
    pub name: String,
    /// The runtime; `None` for container images.
    pub runtime: Option<String>,
    /// Last day with an invocation; `None` = never within the window.
    pub last_invocation: Option<NaiveDate>,
    /// Days since the last invocation; the window's length when never invoked in it.
    pub idle_days: u32,
    /// Length of the metrics window in days ("never in N days").
    pub window_days: u32,
    /// Date of the last code or configuration change.
    pub last_modified: Option<NaiveDate>,
    /// What can still invoke it.
    pub triggers: Vec<Trigger>,
    /// Provisioned concurrency still allocated (billed while idle).
    pub provisioned_concurrency: Vec<BilledConcurrency>,
    /// Its execution role.
    pub role_arn: String,
    /// Other functions (names, any region) using the same execution role: deleting the role would break them.
    pub role_shared_with: Vec<String>,
    /// Its owner tags (config `owner_tags`), to ask before deleting.
    pub owner_tags: BTreeMap<String, String>,
    /// The listings of what points at the function that could not be collected (`lambda:GetPolicy`…, an API Gateway
    /// read of its region, `apigateway:GET` when the inventory holds no APIs): its triggers may be incomplete (the
    /// unused-function check's `triggers_incomplete`, plus API Gateway).
    pub data_gaps: Vec<String>,
}

/// Something still wired to invoke the function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Trigger {
    /// What kind of wiring it is.
    pub kind: TriggerKind,
    /// Event source ARN, principal (service, account, `*`) allowed to invoke by the resource policy, the URL, the
    /// target group ARN, or an API route as `METHOD <stage URL><path>` (a WebSocket route: `<route key> <stage URL>`).
    pub source: String,
    /// Mapping state, the source ARN a policy statement is limited to, the URL auth type, the target group's name, or
    /// the API's kind, id and the route's authorization type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Alias or version the trigger targets; `None` = the function itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

/// The kinds of wiring that can invoke a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerKind {
    /// A queue or stream mapped to the function.
    EventSourceMapping,
    /// A resource policy statement that lets a principal invoke it.
    ResourcePolicy,
    /// A function URL.
    FunctionUrl,
    /// A Lambda target group of Elastic Load Balancing in which it is registered.
    LoadBalancer,
    /// An API Gateway route (method, path, stage) integrated with the function.
    ApiRoute,
}

/// Provisioned concurrency on an idle function: billed for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledConcurrency {
    /// The alias or version it is configured on.
    pub qualifier: String,
    /// Allocated executions (requested when allocation is not reported).
    pub executions: i32,
}

/// A function whose usage could not be decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownUsage {
    /// The function's account.
    pub account_id: String,
    /// The function's region.
    pub region: String,
    /// The function ARN.
    pub arn: String,
    /// The function name.
    pub name: String,
    /// Why usage cannot be decided (the unused-function check's Unknown).
    pub reason: String,
}

/// The order of [`UnusedReport::unused`]: idle longest first; among the never-invoked, the longest unchanged
/// first; then by ARN (a total order).
pub fn unused_order(a: &UnusedFunction, b: &UnusedFunction) -> std::cmp::Ordering {
    (
        std::cmp::Reverse(a.idle_days),
        a.last_invocation.is_some(),
        a.last_modified,
        &a.arn,
    )
        .cmp(&(
            std::cmp::Reverse(b.idle_days),
            b.last_invocation.is_some(),
            b.last_modified,
            &b.arn,
        ))
}

/// The unused and unknown functions of an inventory.
pub fn analyze(inventory: &Inventory, config: &ValidConfig) -> UnusedReport {
    let mut unused = Vec::new();
    let mut unknown = Vec::new();
    for_each_function(inventory, config, |ctx| match usage(ctx) {
        Usage::Used => {}
        Usage::Unknown { reason } => unknown.push(UnknownUsage {
            account_id: ctx.account.account_id.clone(),
            region: ctx.function.region.clone(),
            arn: ctx.function.arn.clone(),
            name: ctx.function.name.clone(),
            reason,
        }),
        Usage::Unused {
            last_invocation,
            metrics,
        } => unused.push(describe(ctx, last_invocation, metrics)),
    });
    unused.sort_by(unused_order);
    unknown.sort_by(|a, b| a.arn.cmp(&b.arn));
    UnusedReport {
        schema_version: UNUSED_SCHEMA_VERSION,
        tool_version: inventory.tool_version.clone(),
        collected_at: inventory.collected_at,
        lookback_days: inventory.lookback_days,
        threshold_days: config.thresholds.unused_days,
        functions_scanned: inventory.accounts.iter().map(|a| a.functions.len()).sum(),
        accounts_scanned: inventory.accounts.len(),
        unused,
        unknown,
        incomplete_accounts: Vec::new(),
        inactive_accounts: Vec::new(),
    }
}

/// The entry of a function the check found unused.
fn describe(
    ctx: &FunctionContext,
    last_invocation: Option<NaiveDate>,
    metrics: &FunctionMetrics,
) -> UnusedFunction {
    let (account, function) = (ctx.account, ctx.function);
    let window_days = u32::try_from((metrics.until - metrics.since).num_days() + 1)
        .unwrap_or(0)
        .max(1);
    let idle_days = last_invocation.map_or(window_days, |last| {
        u32::try_from((ctx.today - last).num_days()).unwrap_or(0)
    });
    UnusedFunction {
        account_id: account.account_id.clone(),
        region: function.region.clone(),
        arn: function.arn.clone(),
        name: function.name.clone(),
        runtime: function.runtime.clone(),
        last_invocation,
        idle_days,
        window_days,
        last_modified: function.last_modified_date(),
        triggers: triggers(account, function, ctx.config),
        provisioned_concurrency: function
            .provisioned_concurrency
            .iter()
            .map(|p| BilledConcurrency {
                qualifier: p.qualifier.clone(),
                executions: p.allocated.unwrap_or(p.requested),
            })
            .filter(|p| p.executions > 0)
            .collect(),
        role_arn: function.role_arn.clone(),
        role_shared_with: {
            // Sorted, so the list does not depend on the inventory's listing order.
            let mut names: Vec<String> = account
                .functions_using_role(&function.role_arn)
                .filter(|other| other.arn != function.arn)
                .map(|other| other.name.clone())
                .collect();
            names.sort();
            names
        },
        owner_tags: function
            .tags
            .iter()
            .filter(|(key, _)| {
                ctx.config
                    .owner_tags
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(key))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        data_gaps: {
            let mut gaps = incomplete_triggers(ctx);
            gaps.extend(api_gaps(account, function));
            gaps
        },
    }
}

/// The API Gateway routes (one per stage) that invoke the function or one of its qualifiers.
pub fn api_routes(account: &Account, function: &Function) -> Vec<Trigger> {
    account
        .front_doors(function)
        .into_iter()
        .map(|door| {
            let route = &door.route;
            let source = if route.path.is_empty() {
                format!("{} {}", route.method, door.stage.invoke_url)
            } else if route.path.starts_with('/') {
                format!("{} {}{}", route.method, door.stage.invoke_url, route.path)
            } else {
                // an HTTP API's catch-all `$default` route
                format!("{} {} {}", route.method, door.stage.invoke_url, route.path)
            };
            Trigger {
                kind: TriggerKind::ApiRoute,
                source,
                detail: Some(format!(
                    "{} {}, authorization {}",
                    door.api.kind.label(),
                    door.api.id,
                    route.authorization_type
                )),
                qualifier: door.qualifier.map(str::to_string),
            }
        })
        .collect()
}

/// Why the API routes of [`api_routes`] may be incomplete: the inventory holds no APIs (`apigateway:GET`, collected
/// before API Gateway was read), or an API Gateway read failed in the function's region (`apigateway:<Operation>`).
fn api_gaps(account: &Account, function: &Function) -> Vec<String> {
    if account.apis.is_none() {
        return vec!["apigateway:GET (this inventory holds no API Gateway APIs)".into()];
    }
    let mut gaps: Vec<String> = account
        .gaps
        .iter()
        .filter(|g| {
            g.service == "apigateway" && g.region.as_deref().is_none_or(|r| r == function.region)
        })
        .map(|g| format!("apigateway:{}", g.operation))
        .collect();
    gaps.sort();
    gaps.dedup();
    gaps
}

/// Event source mappings, the principals the resource policies allow to invoke the function, function URLs, the
/// Lambda target groups it is registered in, and the API Gateway routes that invoke it.
pub fn triggers(account: &Account, function: &Function, config: &ValidConfig) -> Vec<Trigger> {
    let mut triggers: Vec<Trigger> = function
        .event_source_mappings
        .iter()
        .map(|m| Trigger {
            kind: TriggerKind::EventSourceMapping,
            source: m
                .event_source_arn
                .clone()
                .unwrap_or_else(|| format!("mapping {}", m.uuid)),
            detail: m.state.clone(),
            qualifier: Arn::parse(&m.function_arn)
                .ok()
                .and_then(|arn| arn.qualifier())
                .map(str::to_string),
        })
        .collect();
    triggers.extend(
        invoke_grants(function, config)
            .grants
            .into_iter()
            .map(|grant| Trigger {
                kind: TriggerKind::ResourcePolicy,
                source: grant.label(),
                detail: grant.source_arn,
                qualifier: grant.qualifier,
            }),
    );
    triggers.extend(function.urls.iter().map(|u| Trigger {
        kind: TriggerKind::FunctionUrl,
        source: u.url.clone(),
        detail: Some(format!("auth {}", u.auth_type)),
        qualifier: u.qualifier.clone(),
    }));
    for (arn, group) in account.target_groups_of(function) {
        triggers.extend(
            group
                .targets
                .iter()
                .filter(|t| t.function_arn == function.arn)
                .map(|t| Trigger {
                    kind: TriggerKind::LoadBalancer,
                    source: arn.to_string(),
                    detail: Some(format!("target group {}", group.name)),
                    qualifier: t.qualifier.clone(),
                }),
        );
    }
    triggers.extend(api_routes(account, function));
    triggers.sort();
    triggers.dedup();
    triggers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        Account, Api, ApiKind, ApiRoute, ApiStage, EventSourceMapping, FunctionUrl, Gap, GapKind,
        ProvisionedConcurrency, ResourcePolicy, RouteTarget,
    };

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn function(name: &str, last: Option<&str>) -> Function {
        Function {
            arn: format!("arn:aws:lambda:us-east-1:111122223333:function:{name}"),
            name: name.into(),
            region: "us-east-1".into(),
            role_arn: format!("arn:aws:iam::111122223333:role/{name}"),
            metrics: Some(FunctionMetrics {
                since: day("2026-08-04"),
                until: day("2026-11-01"),
                daily: vec![],
                last_invocation: last.map(day),
            }),
            ..Default::default()
        }
    }

    fn account(functions: Vec<Function>) -> Account {
        Account {
            account_id: "111122223333".into(),
            functions,
            apis: Some(BTreeMap::new()),
            ..Default::default()
        }
    }

    fn inventory(functions: Vec<Function>) -> Inventory {
        Inventory {
            schema_version: 1,
            tool_version: "test".into(),
            collected_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            lookback_days: 90,
            accounts: vec![account(functions)],
        }
    }

    fn with_threshold(unused_days: u32) -> ValidConfig {
        let mut config = ValidConfig::default();
        config.thresholds.unused_days = unused_days;
        config
    }

    /// (name, idle days) of the unused functions, and the names of the unknown ones.
    fn verdicts(report: &UnusedReport) -> (Vec<(&str, u32)>, Vec<&str>) {
        (
            report
                .unused
                .iter()
                .map(|u| (u.name.as_str(), u.idle_days))
                .collect(),
            report.unknown.iter().map(|u| u.name.as_str()).collect(),
        )
    }

    #[test]
    fn unused_follows_the_threshold_and_the_window() {
        let inventory = inventory(vec![
            function("yesterday", Some("2026-10-31")),
            function("idle-90", Some("2026-08-03")),
            function("idle-89", Some("2026-08-04")),
            function("never", None),
            function("idle-31", Some("2026-10-01")),
        ]);
        let report = analyze(&inventory, &ValidConfig::default());
        assert_eq!(
            verdicts(&report),
            (vec![("never", 90), ("idle-90", 90)], vec![])
        );
        assert_eq!(report.threshold_days, 90);
        let report = analyze(&inventory, &with_threshold(30));
        assert_eq!(
            verdicts(&report).0,
            [
                ("never", 90),
                ("idle-90", 90),
                ("idle-89", 89),
                ("idle-31", 31)
            ]
        );
        assert_eq!(report.threshold_days, 30);
    }

    #[test]
    fn a_threshold_the_metrics_do_not_cover_is_unknown_as_in_the_check() {
        // Longer than the scan's lookback: no function can be called unused for that long.
        let report = analyze(
            &inventory(vec![function("never", None)]),
            &with_threshold(400),
        );
        assert_eq!(verdicts(&report), (vec![], vec!["never"]));
        assert!(
            report.unknown[0]
                .reason
                .contains("longer than the 90-day metrics lookback"),
            "{}",
            report.unknown[0].reason
        );
        assert_eq!(report.threshold_days, 400, "the threshold is never capped");
        // Metrics that start after the threshold's first day (a window shorter than 90 days).
        let mut short = function("short", None);
        short.metrics.as_mut().unwrap().since = day("2026-10-01");
        let report = analyze(&inventory(vec![short]), &ValidConfig::default());
        assert_eq!(verdicts(&report), (vec![], vec!["short"]));
    }

    #[test]
    fn daily_datapoints_count_as_invocations() {
        // The collector's last_invocation is missing, a daily datapoint shows calls: used, as the check says.
        let mut daily = function("daily", None);
        daily.metrics.as_mut().unwrap().daily = vec![crate::inventory::DailyMetrics {
            date: day("2026-10-20"),
            invocations: 3.0,
            ..Default::default()
        }];
        let report = analyze(&inventory(vec![daily]), &ValidConfig::default());
        assert_eq!(verdicts(&report), (vec![], vec![]));
    }

    #[test]
    fn missing_metrics_are_unknown_never_used_or_unused() {
        let mut no_metrics = function("no-metrics", None);
        no_metrics.metrics = None;
        let report = analyze(&inventory(vec![no_metrics]), &ValidConfig::default());
        assert_eq!(verdicts(&report), (vec![], vec!["no-metrics"]));
        let mut inventory = inventory(vec![function("f", None)]);
        inventory.accounts[0].gaps.push(Gap {
            service: "cloudwatch".into(),
            operation: "GetMetricData".into(),
            region: Some("us-east-1".into()),
            resource: None,
            kind: GapKind::AccessDenied,
            error: "not authorized".into(),
        });
        // Even with (stale) metrics present, a gap makes the answer unknown.
        let report = analyze(&inventory, &ValidConfig::default());
        let reason = &report.unknown[0].reason;
        assert!(
            reason.contains("GetMetricData") && reason.contains("AccessDenied"),
            "{reason}"
        );
    }

    #[test]
    fn only_statements_that_allow_invoking_are_triggers() {
        let mut f = function("f", None);
        f.resource_policies = vec![ResourcePolicy {
            qualifier: None,
            document: crate::json_text::json_text!({"Statement": [
                {"Sid": "read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                 "Action": "lambda:GetFunction"},
                {"Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "lambda:*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:111122223333:rule/nightly"}}}
            ]}),
        }];
        let report = analyze(&inventory(vec![f]), &ValidConfig::default());
        let triggers: Vec<(&str, Option<&str>)> = report.unused[0]
            .triggers
            .iter()
            .map(|t| (t.source.as_str(), t.detail.as_deref()))
            .collect();
        assert_eq!(
            triggers,
            [(
                "events.amazonaws.com",
                Some("arn:aws:events:us-east-1:111122223333:rule/nightly")
            )],
            "lambda:GetFunction lets an account read the function, not invoke it"
        );
    }

    #[test]
    fn a_lambda_target_group_is_a_trigger_of_the_function_or_alias_it_holds() {
        use crate::inventory::{LambdaTarget, LoadBalancing, TargetGroup};
        let f = function("f", None);
        let tg =
            "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef";
        let mut inventory = inventory(vec![f.clone()]);
        inventory.accounts[0].load_balancing = Some(LoadBalancing {
            target_groups: BTreeMap::from([(
                tg.to_string(),
                TargetGroup {
                    name: "web".into(),
                    region: "us-east-1".into(),
                    targets: vec![LambdaTarget {
                        function_arn: f.arn.clone(),
                        qualifier: Some("live".into()),
                    }],
                },
            )]),
            ..LoadBalancing::default()
        });
        let report = analyze(&inventory, &ValidConfig::default());
        assert_eq!(
            report.unused[0].triggers,
            [Trigger {
                kind: TriggerKind::LoadBalancer,
                source: tg.into(),
                detail: Some("target group web".into()),
                qualifier: Some("live".into()),
            }]
        );
    }

    #[test]
    fn data_gaps_are_the_listings_triggers_come_from() {
        let mut inventory = inventory(vec![function("f", None)]);
        for operation in ["ListTags", "ListAliases", "GetPolicy"] {
            inventory.accounts[0].gaps.push(Gap {
                service: "lambda".into(),
                operation: operation.into(),
                region: Some("us-east-1".into()),
                resource: None,
                kind: GapKind::AccessDenied,
                error: "denied".into(),
            });
        }
        let report = analyze(&inventory, &ValidConfig::default());
        assert_eq!(
            report.unused[0].data_gaps,
            ["lambda:GetPolicy", "lambda:ListAliases"],
            "tags do not point at a function; without its aliases, their policies were not read"
        );
    }

    #[test]
    fn api_routes_that_invoke_the_function_are_triggers() {
        let f = function("f", None);
        let target = |stage: &str, qualifier: Option<&str>| RouteTarget {
            stage: stage.into(),
            function_arn: f.arn.clone(),
            qualifier: qualifier.map(str::to_string),
        };
        let stage = |name: &str| ApiStage {
            name: name.into(),
            invoke_url: format!("https://abc.execute-api.us-east-1.amazonaws.com/{name}"),
            web_acl_arn: None,
            custom_domains: None,
            deployed_methods: None,
        };
        let api = Api {
            id: "abc".into(),
            region: "us-east-1".into(),
            kind: ApiKind::Rest,
            stages: vec![stage("prod"), stage("dev")],
            routes: vec![ApiRoute {
                method: "GET".into(),
                path: "/orders".into(),
                authorization_type: "NONE".into(),
                targets: vec![target("prod", Some("live")), target("dev", None)],
                ..ApiRoute::default()
            }],
            ..Api::default()
        };
        let mut inventory = inventory(vec![f]);
        inventory.accounts[0].apis = Some(BTreeMap::from([(
            "arn:aws:apigateway:us-east-1::/restapis/abc".to_string(),
            api,
        )]));
        let report = analyze(&inventory, &ValidConfig::default());
        let routes: Vec<(&str, Option<&str>)> = report.unused[0]
            .triggers
            .iter()
            .filter(|t| t.kind == TriggerKind::ApiRoute)
            .map(|t| (t.source.as_str(), t.qualifier.as_deref()))
            .collect();
        assert_eq!(
            routes,
            [
                (
                    "GET https://abc.execute-api.us-east-1.amazonaws.com/dev/orders",
                    None
                ),
                (
                    "GET https://abc.execute-api.us-east-1.amazonaws.com/prod/orders",
                    Some("live")
                ),
            ]
        );
        assert!(report.unused[0].data_gaps.is_empty());
        // An inventory collected before API Gateway was read: the routes are not known.
        inventory.accounts[0].apis = None;
        let report = analyze(&inventory, &ValidConfig::default());
        assert_eq!(
            report.unused[0].data_gaps,
            ["apigateway:GET (this inventory holds no API Gateway APIs)"]
        );
    }

    #[test]
    fn last_modified_is_the_utc_day() {
        let mut f = function("f", None);
        f.last_modified = Some("2024-01-02T23:30:00.000-0200".into());
        let report = analyze(&inventory(vec![f]), &ValidConfig::default());
        assert_eq!(report.unused[0].last_modified, Some(day("2024-01-03")));
    }

    #[test]
    fn analysis_lists_triggers_billing_and_shared_roles_idle_longest_first() {
        let mut old = function("old", Some("2026-05-01"));
        let mut never = function("never", None);
        never.last_modified = Some("2024-01-02T03:04:05.000+0000".into());
        never.role_arn = old.role_arn.clone();
        never.tags.insert("Owner".into(), "payments".into());
        never.tags.insert("env".into(), "prod".into());
        never.provisioned_concurrency = vec![ProvisionedConcurrency {
            qualifier: "live".into(),
            requested: 5,
            allocated: Some(5),
            status: None,
        }];
        never.event_source_mappings = vec![EventSourceMapping {
            uuid: "u1".into(),
            event_source_arn: Some("arn:aws:sqs:us-east-1:111122223333:jobs".into()),
            function_arn: format!("{}:live", never.arn),
            state: Some("Enabled".into()),
            ..Default::default()
        }];
        never.resource_policies = vec![ResourcePolicy {
            qualifier: None,
            document: crate::json_text::json_text!({"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                 "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}},
                {"Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction"}
            ]}),
        }];
        never.urls = vec![FunctionUrl {
            url: "https://abc.lambda-url.us-east-1.on.aws/".into(),
            auth_type: "NONE".into(),
            ..Default::default()
        }];
        old.region = "eu-west-1".into();
        old.metrics.as_mut().unwrap().since = day("2025-08-04");
        let used = function("used", Some("2026-10-30"));
        let inventory = inventory(vec![used, old, never]);
        let report = analyze(&inventory, &ValidConfig::default());
        let names: Vec<&str> = report.unused.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            ["old", "never"],
            "184 idle days beat never-in-90-days"
        );
        assert_eq!(report.unused[0].idle_days, 184);
        let never = &report.unused[1];
        assert_eq!(never.last_invocation, None);
        assert_eq!(never.last_modified, Some(day("2024-01-02")));
        assert_eq!(never.role_shared_with, ["old"]);
        assert_eq!(never.owner_tags.keys().collect::<Vec<_>>(), ["Owner"]);
        assert_eq!(
            never.provisioned_concurrency,
            [BilledConcurrency {
                qualifier: "live".into(),
                executions: 5
            }]
        );
        let kinds: Vec<(TriggerKind, &str, Option<&str>)> = never
            .triggers
            .iter()
            .map(|t| (t.kind, t.source.as_str(), t.qualifier.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (
                    TriggerKind::EventSourceMapping,
                    "arn:aws:sqs:us-east-1:111122223333:jobs",
                    Some("live")
                ),
                (TriggerKind::ResourcePolicy, "s3.amazonaws.com", None),
                (
                    TriggerKind::FunctionUrl,
                    "https://abc.lambda-url.us-east-1.on.aws/",
                    None
                ),
            ]
        );
        assert_eq!(
            never.triggers[1].detail.as_deref(),
            Some("arn:aws:s3:::uploads")
        );
        assert_eq!(report.threshold_days, 90);
        assert_eq!(report.functions_scanned, 3);
    }
}
