//! timeout-near-limit: the longest run in the lookback reached the configured timeout ratio (default 90%).

use serde_json::json;

use super::common::{days_between, last_days, metrics};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "timeout-near-limit",
    title: "Executions run close to (or into) the configured timeout",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let Some(timeout_seconds) = ctx.function.timeout_seconds.filter(|t| *t > 0) else {
        return vec![ctx
            .gap_unknown(&[("lambda", "GetFunction")])
            .unwrap_or_else(|| Outcome::unknown("the function's timeout was not reported"))];
    };
    let limit_ms = f64::from(timeout_seconds) * 1000.0;
    let threshold = ctx.config.thresholds.timeout_ratio;
    let (first, last) = last_days(ctx.today, ctx.lookback_days);
    let days: Vec<(chrono::NaiveDate, f64)> = days_between(metrics, first, last)
        .filter_map(|d| d.max_duration_ms.map(|ms| (d.date, ms)))
        .collect();
    let Some(&(worst_day, worst_ms)) = days.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return vec![];
    };
    let ratio = worst_ms / limit_ms;
    if ratio < threshold {
        return vec![];
    }
    let near: Vec<String> = days
        .iter()
        .filter(|(_, ms)| ms / limit_ms >= threshold)
        .map(|(d, _)| d.to_string())
        .collect();
    let what = if ratio >= 1.0 {
        "reached the timeout: invocations are timing out"
    } else {
        "is close to the timeout"
    };
    vec![Outcome::fail(
        format!(
            "The longest run, {:.1} s on {worst_day}, {what} ({:.0}% of {timeout_seconds} s)",
            worst_ms / 1000.0,
            ratio * 100.0
        ),
        json!({
            "timeout_seconds": timeout_seconds,
            "max_duration_ms": worst_ms,
            "max_duration_on": worst_day,
            "ratio": (ratio * 1000.0).round() / 1000.0,
            "threshold": threshold,
            "days_at_or_above_threshold": near,
            "window": { "from": first, "to": last },
        }),
    )]
}
