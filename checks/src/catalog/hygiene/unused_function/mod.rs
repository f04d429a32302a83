//! unused-function: no invocation for `thresholds.unused_days` (default 90), with what still points at it.

use serde_json::{json, Value};

use crate::catalog::stability::common::{last_days, last_invocation, metrics};
use crate::catalog::stability::invokers::{distinct_labels, invoke_grants};
use crate::check::{Check, FunctionContext, Outcome};
use crate::config::Config;
use crate::finding::Severity;
use crate::inventory::Function;

pub const CHECK: Check = Check {
    id: "unused-function",
    title: "Function not invoked in the lookback period",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let unused_days = ctx.config.thresholds.unused_days;
    if unused_days > ctx.lookback_days {
        return vec![Outcome::unknown(format!(
            "the unused threshold ({unused_days} days) is longer than the {}-day metrics lookback; scan with a lookback of at least {unused_days} days",
            ctx.lookback_days
        ))];
    }
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let (first, _) = last_days(ctx.today, unused_days);
    let last = last_invocation(metrics);
    if last.is_some_and(|d| d >= first) {
        return vec![];
    }
    if metrics.since > first {
        return vec![Outcome::unknown(format!(
            "no invocation in the CloudWatch metrics, but they cover only {} to {}, fewer than the {unused_days} days needed",
            metrics.since, metrics.until
        ))];
    }
    let function = ctx.function;
    let when = match last {
        Some(d) => format!(
            "last invoked on {d}, {} days ago",
            (ctx.today - d).num_days()
        ),
        None => format!("no invocation at all since {}", metrics.since),
    };
    let billed: Vec<Value> = function
        .provisioned_concurrency
        .iter()
        .filter(|p| p.allocated.unwrap_or(p.requested) > 0)
        .map(|p| json!({ "qualifier": p.qualifier, "requested": p.requested, "allocated": p.allocated, "status": p.status }))
        .collect();
    let billed_note = if billed.is_empty() {
        String::new()
    } else {
        "; provisioned concurrency is still billed".to_string()
    };
    vec![Outcome::fail(
        format!("Not invoked in the last {unused_days} days ({when}){billed_note}"),
        json!({
            "unused_days": unused_days,
            "last_invocation": last,
            "days_since_last_invocation": last.map(|d| (ctx.today - d).num_days()),
            "metrics_since": metrics.since,
            "last_modified": function.last_modified,
            "triggers": triggers(function, ctx.config),
            "triggers_incomplete": incomplete_triggers(ctx),
            "provisioned_concurrency_billed": billed,
        }),
    )]
}

/// What still points at the function: event source mappings, principals allowed to invoke it, function URLs.
fn triggers(function: &Function, config: &Config) -> Value {
    json!({
        "event_source_mappings": function.event_source_mappings.iter().map(|m| json!({
            "uuid": m.uuid, "event_source_arn": m.event_source_arn, "state": m.state
        })).collect::<Vec<_>>(),
        "resource_policy_principals": distinct_labels(&invoke_grants(function, config).grants),
        "function_urls": function.urls.iter().map(|u| &u.url).collect::<Vec<_>>(),
    })
}

/// The trigger listings that could not be collected (the verdict does not depend on them, the evidence does).
fn incomplete_triggers(ctx: &FunctionContext) -> Vec<String> {
    [
        ("lambda", "ListEventSourceMappings"),
        ("lambda", "GetPolicy"),
        ("lambda", "ListFunctionUrlConfigs"),
        ("lambda", "ListProvisionedConcurrencyConfigs"),
    ]
    .iter()
    .filter(|op| ctx.gap_unknown(&[**op]).is_some())
    .map(|(service, operation)| format!("{service}:{operation}"))
    .collect()
}
