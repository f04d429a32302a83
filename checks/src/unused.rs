//! Unused functions: which functions had no invocation in the lookback, for how long, and what still costs or
//! points at them (triggers, provisioned concurrency, a shared role). Pure: inventory in, list out.
//!
//! A function is unused when its last invocation is at least `threshold` days before the scan date, or when it
//! was never invoked within the metrics window; `threshold` is config `thresholds.unused_days`, capped at the
//! window's length. A function whose CloudWatch data is missing (a gap, or no metrics at all) is *unknown*:
//! never reported as used or unused.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Config;
use crate::inventory::{Account, Function, Inventory};

/// Version of the `unused --format json` shape (see `schema/unused.schema.json`).
pub const UNUSED_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedReport {
    pub schema_version: u32,
    pub tool_version: String,
    pub collected_at: DateTime<Utc>,
    pub lookback_days: u32,
    /// Days without invocation from which a function counts as unused (config, capped at the window).
    pub threshold_days: u32,
    pub functions_scanned: usize,
    /// Idle longest first.
    pub unused: Vec<UnusedFunction>,
    /// Functions whose invocation metrics could not be read: neither used nor unused.
    pub unknown: Vec<UnknownUsage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnusedFunction {
    pub account_id: String,
    pub region: String,
    pub arn: String,
    pub name: String,
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
    pub role_arn: String,
    /// Other functions (names, any region) using the same execution role: deleting the role would break them.
    pub role_shared_with: Vec<String>,
    pub owner_tags: BTreeMap<String, String>,
    /// Lambda data about this function that could not be collected (`lambda:GetPolicy`…): its triggers may be incomplete.
    pub data_gaps: Vec<String>,
}

/// Something still wired to invoke the function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Trigger {
    pub kind: TriggerKind,
    /// Event source ARN, principal (service, account, `*`) of the resource policy, or the function URL.
    pub source: String,
    /// Mapping state, the source ARN a policy statement is limited to, or the URL auth type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Alias or version the trigger targets; `None` = the function itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TriggerKind {
    EventSourceMapping,
    ResourcePolicy,
    FunctionUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledConcurrency {
    pub qualifier: String,
    /// Allocated executions (requested when allocation is not reported).
    pub executions: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownUsage {
    pub account_id: String,
    pub region: String,
    pub arn: String,
    pub name: String,
    /// Why usage cannot be decided (the gap that hides the metrics).
    pub reason: String,
}

/// How one function was used over the window.
#[derive(Debug, Clone, PartialEq)]
pub enum Usage {
    Used {
        last_invocation: NaiveDate,
    },
    Unused {
        last_invocation: Option<NaiveDate>,
        idle_days: u32,
        window_days: u32,
    },
    Unknown {
        reason: String,
    },
}

/// Decide whether `function` is used, from its metrics, as of `today`, with `unused_days` as the threshold.
pub fn usage(account: &Account, function: &Function, today: NaiveDate, unused_days: u32) -> Usage {
    if let Some(gap) = account
        .gaps
        .iter()
        .find(|g| g.service == "cloudwatch" && g.affects(&g.service, &g.operation, function))
    {
        return Usage::Unknown {
            reason: format!(
                "cloudwatch:{} could not be collected ({:?}): {}",
                gap.operation, gap.kind, gap.error
            ),
        };
    }
    let Some(metrics) = &function.metrics else {
        return Usage::Unknown {
            reason: "invocation metrics were not collected".into(),
        };
    };
    let window_days = u32::try_from((metrics.until - metrics.since).num_days() + 1)
        .unwrap_or(0)
        .max(1);
    let threshold = unused_days.min(window_days);
    match metrics.last_invocation {
        None => Usage::Unused {
            last_invocation: None,
            idle_days: window_days,
            window_days,
        },
        Some(last) => {
            let idle_days = u32::try_from((today - last).num_days()).unwrap_or(0);
            if idle_days >= threshold {
                Usage::Unused {
                    last_invocation: Some(last),
                    idle_days,
                    window_days,
                }
            } else {
                Usage::Used {
                    last_invocation: last,
                }
            }
        }
    }
}

/// The unused and unknown functions of an inventory.
pub fn analyze(inventory: &Inventory, config: &Config) -> UnusedReport {
    let today = inventory.scan_date();
    let mut unused = Vec::new();
    let mut unknown = Vec::new();
    let mut window = u32::MAX;
    for account in &inventory.accounts {
        for function in &account.functions {
            match usage(account, function, today, config.thresholds.unused_days) {
                Usage::Used { .. } => {}
                Usage::Unknown { reason } => unknown.push(UnknownUsage {
                    account_id: account.account_id.clone(),
                    region: function.region.clone(),
                    arn: function.arn.clone(),
                    name: function.name.clone(),
                    reason,
                }),
                Usage::Unused {
                    last_invocation,
                    idle_days,
                    window_days,
                } => {
                    window = window.min(window_days);
                    unused.push(describe(
                        account,
                        function,
                        config,
                        last_invocation,
                        idle_days,
                        window_days,
                    ));
                }
            }
        }
    }
    // Idle longest first; among the never-invoked, the longest unchanged first.
    unused.sort_by(|a, b| {
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
    });
    unknown.sort_by(|a, b| a.arn.cmp(&b.arn));
    let threshold_days = if window == u32::MAX {
        config
            .thresholds
            .unused_days
            .min(inventory.lookback_days.max(1))
    } else {
        config.thresholds.unused_days.min(window)
    };
    UnusedReport {
        schema_version: UNUSED_SCHEMA_VERSION,
        tool_version: inventory.tool_version.clone(),
        collected_at: inventory.collected_at,
        lookback_days: inventory.lookback_days,
        threshold_days,
        functions_scanned: inventory.accounts.iter().map(|a| a.functions.len()).sum(),
        unused,
        unknown,
    }
}

fn describe(
    account: &Account,
    function: &Function,
    config: &Config,
    last_invocation: Option<NaiveDate>,
    idle_days: u32,
    window_days: u32,
) -> UnusedFunction {
    let mut data_gaps: Vec<String> = account
        .gaps
        .iter()
        .filter(|g| g.service == "lambda" && g.affects(&g.service, &g.operation, function))
        .map(|g| format!("lambda:{}", g.operation))
        .collect();
    data_gaps.sort();
    data_gaps.dedup();
    UnusedFunction {
        account_id: account.account_id.clone(),
        region: function.region.clone(),
        arn: function.arn.clone(),
        name: function.name.clone(),
        runtime: function.runtime.clone(),
        last_invocation,
        idle_days,
        window_days,
        last_modified: function.last_modified.as_deref().and_then(parse_aws_date),
        triggers: triggers(function),
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
                config
                    .owner_tags
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(key))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        data_gaps,
    }
}

/// The date part of an AWS timestamp (`2024-01-02T03:04:05.000+0000`).
fn parse_aws_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

/// Event source mappings, principals allowed by the resource policies, and function URLs.
pub fn triggers(function: &Function) -> Vec<Trigger> {
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
            qualifier: qualifier_of(&m.function_arn, &function.arn),
        })
        .collect();
    for policy in &function.resource_policies {
        let document = policy.document.value();
        for statement in statements(&document) {
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let source_arn = condition_value(statement, "aws:SourceArn");
            for principal in principals(statement.get("Principal")) {
                triggers.push(Trigger {
                    kind: TriggerKind::ResourcePolicy,
                    source: principal,
                    detail: source_arn.clone(),
                    qualifier: policy.qualifier.clone(),
                });
            }
        }
    }
    triggers.extend(function.urls.iter().map(|u| Trigger {
        kind: TriggerKind::FunctionUrl,
        source: u.url.clone(),
        detail: Some(format!("auth {}", u.auth_type)),
        qualifier: u.qualifier.clone(),
    }));
    triggers.sort();
    triggers.dedup();
    triggers
}

/// The qualifier in a qualified function ARN (`…:function:name:alias`).
fn qualifier_of(mapping_arn: &str, function_arn: &str) -> Option<String> {
    mapping_arn
        .strip_prefix(function_arn)?
        .strip_prefix(':')
        .map(str::to_string)
}

fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => vec![],
    }
}

/// `"*"`, `{"Service": …}`, `{"AWS": …}` (string or list) as plain strings.
fn principals(principal: Option<&Value>) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => vec![],
        }
    };
    match principal {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(map)) => map.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

/// The value of a condition key under any operator (`ArnLike`, `StringEquals`…), first one if several.
fn condition_value(statement: &Value, key: &str) -> Option<String> {
    let conditions = statement.get("Condition")?.as_object()?;
    conditions
        .values()
        .filter_map(Value::as_object)
        .find_map(|ops| {
            ops.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Array(list) => list.first().and_then(Value::as_str).map(str::to_string),
                    _ => None,
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{
        EventSourceMapping, FunctionMetrics, FunctionUrl, Gap, GapKind, ProvisionedConcurrency,
        ResourcePolicy,
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
            ..Default::default()
        }
    }

    #[test]
    fn usage_follows_the_threshold_and_the_window() {
        let today = day("2026-11-01");
        let a = account(vec![]);
        assert_eq!(
            usage(&a, &function("f", Some("2026-10-31")), today, 90),
            Usage::Used {
                last_invocation: day("2026-10-31")
            }
        );
        assert_eq!(
            usage(&a, &function("f", Some("2026-08-03")), today, 90),
            Usage::Unused {
                last_invocation: Some(day("2026-08-03")),
                idle_days: 90,
                window_days: 90
            }
        );
        assert!(matches!(
            usage(&a, &function("f", Some("2026-08-04")), today, 90),
            Usage::Used { .. }
        ));
        assert_eq!(
            usage(&a, &function("f", None), today, 90),
            Usage::Unused {
                last_invocation: None,
                idle_days: 90,
                window_days: 90
            }
        );
        // Threshold longer than the window: never invoked in the window is enough.
        assert!(matches!(
            usage(&a, &function("f", None), today, 400),
            Usage::Unused { .. }
        ));
        assert!(matches!(
            usage(&a, &function("f", Some("2026-10-01")), today, 30),
            Usage::Unused { idle_days: 31, .. }
        ));
    }

    #[test]
    fn missing_metrics_are_unknown_never_used_or_unused() {
        let today = day("2026-11-01");
        let mut no_metrics = function("f", None);
        no_metrics.metrics = None;
        assert!(matches!(
            usage(&account(vec![]), &no_metrics, today, 90),
            Usage::Unknown { .. }
        ));
        let mut a = account(vec![]);
        a.gaps.push(Gap {
            service: "cloudwatch".into(),
            operation: "GetMetricData".into(),
            region: Some("us-east-1".into()),
            resource: None,
            kind: GapKind::AccessDenied,
            error: "not authorized".into(),
        });
        // Even with (stale) metrics present, a gap makes the answer unknown.
        let Usage::Unknown { reason } = usage(&a, &function("f", None), today, 90) else {
            panic!("expected unknown")
        };
        assert!(
            reason.contains("GetMetricData") && reason.contains("AccessDenied"),
            "{reason}"
        );
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
        let inventory = Inventory {
            schema_version: 1,
            tool_version: "test".into(),
            collected_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            lookback_days: 90,
            accounts: vec![account(vec![used, old, never])],
        };
        let report = analyze(&inventory, &Config::default());
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
