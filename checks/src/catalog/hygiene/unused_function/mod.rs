//! unused-function: no invocation for `thresholds.unused_days` (default 90), with what still points at it.

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::catalog::stability::common::{last_days, last_invocation, metrics};
use crate::catalog::stability::invokers::{distinct_labels, invoke_grants};
use crate::check::{Check, Failure, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::FunctionMetrics;
use crate::unused::TriggerKind;

pub const CHECK: Check = Check {
    id: "unused-function",
    title: "Function not invoked in the lookback period",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// How a function was used over the last `thresholds.unused_days` days: the one definition of "unused", which this
/// check reports and `lambda-posture unused` ([`crate::unused`]) lists.
pub(crate) enum Usage<'a> {
    /// Invoked within the threshold.
    Used,
    /// No invocation within the threshold, and the metrics cover all of it.
    Unused {
        /// The last day with invocations, `None` when the metrics have none.
        last_invocation: Option<NaiveDate>,
        metrics: &'a FunctionMetrics,
    },
    /// Cannot be decided: metrics missing or too short, or a threshold longer than the scan's lookback.
    Unknown { reason: String },
}

/// The function's usage as of the scan date, from its CloudWatch metrics.
pub(crate) fn usage<'a>(ctx: &FunctionContext<'a>) -> Usage<'a> {
    let unused_days = ctx.config.thresholds.unused_days;
    if unused_days > ctx.lookback_days {
        return Usage::Unknown {
            reason: format!(
                "the unused threshold ({unused_days} days) is longer than the {}-day metrics lookback; scan with a lookback of at least {unused_days} days",
                ctx.lookback_days
            ),
        };
    }
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        // `metrics` says Unknown, never Fail: a failure's message would be the reason all the same.
        Err(
            Outcome::Unknown { reason }
            | Outcome::Fail(Failure {
                message: reason, ..
            }),
        ) => return Usage::Unknown { reason },
    };
    let (first, _) = last_days(ctx.today, unused_days);
    let last = last_invocation(metrics);
    if last.is_some_and(|d| d >= first) {
        return Usage::Used;
    }
    if metrics.since > first {
        return Usage::Unknown {
            reason: format!(
                "no invocation in the CloudWatch metrics, but they cover only {} to {}, fewer than the {unused_days} days needed",
                metrics.since, metrics.until
            ),
        };
    }
    Usage::Unused {
        last_invocation: last,
        metrics,
    }
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    match usage(ctx) {
        Usage::Used => vec![],
        Usage::Unknown { reason } => vec![Outcome::unknown(reason)],
        Usage::Unused {
            last_invocation,
            metrics,
        } => vec![failure(ctx, last_invocation, metrics)],
    }
}

/// The finding of an unused function: how long it has been idle, and what still points at it or costs.
fn failure(ctx: &FunctionContext, last: Option<NaiveDate>, metrics: &FunctionMetrics) -> Outcome {
    let unused_days = ctx.config.thresholds.unused_days;
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
    Outcome::fail(
        format!("Not invoked in the last {unused_days} days ({when}){billed_note}"),
        json!({
            "unused_days": unused_days,
            "last_invocation": last,
            "days_since_last_invocation": last.map(|d| (ctx.today - d).num_days()),
            "metrics_since": metrics.since,
            "last_modified": function.last_modified,
            "triggers": triggers(ctx),
            "triggers_incomplete": incomplete_triggers(ctx),
            "provisioned_concurrency_billed": billed,
        }),
    )
}

/// What still points at the function: event source mappings, principals allowed to invoke it, function URLs, and the
/// front doors wired to it (load balancer target groups and API Gateway routes, as `lambda-posture unused` lists them).
fn triggers(ctx: &FunctionContext) -> Value {
    let function = ctx.function;
    let wired = crate::unused::triggers(ctx.account, function, ctx.config);
    let sources = |kind: TriggerKind| {
        wired
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.source.as_str())
            .collect::<Vec<_>>()
    };
    json!({
        "event_source_mappings": function.event_source_mappings.iter().map(|m| json!({
            "uuid": m.uuid, "event_source_arn": m.event_source_arn, "state": m.state
        })).collect::<Vec<_>>(),
        "resource_policy_principals": distinct_labels(&invoke_grants(function, ctx.config).grants),
        "function_urls": function.urls.iter().map(|u| &u.url).collect::<Vec<_>>(),
        "load_balancer_target_groups": sources(TriggerKind::LoadBalancer),
        "api_routes": sources(TriggerKind::ApiRoute),
    })
}

/// The Lambda listings that what still points at the function comes from, as `lambda:<Operation>` (sorted), when
/// they could not be collected for it: its mappings, resource policies, URLs and provisioned concurrency, and its
/// aliases and versions (the policies, URLs and provisioned concurrency of each qualifier are read through them).
/// The verdict does not depend on them; this check's evidence (`triggers_incomplete`) and the `unused` report's
/// `data_gaps` do.
pub(crate) fn incomplete_triggers(ctx: &FunctionContext) -> Vec<String> {
    [
        "GetPolicy",
        "ListAliases",
        "ListEventSourceMappings",
        "ListFunctionUrlConfigs",
        "ListProvisionedConcurrencyConfigs",
        "ListVersionsByFunction",
    ]
    .iter()
    .filter(|operation| ctx.gap("lambda", operation).is_some())
    .map(|operation| format!("lambda:{operation}"))
    .collect()
}
