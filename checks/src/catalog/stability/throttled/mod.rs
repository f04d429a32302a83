//! throttled: invocations were throttled during the lookback.

use serde_json::json;

use super::common::{days_between, last_days, metrics};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "throttled",
    title: "Invocations were throttled",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// Days listed in the evidence, worst first.
const DAYS_SHOWN: usize = 10;

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let (first, last) = last_days(ctx.today, ctx.lookback_days);
    let mut days: Vec<(chrono::NaiveDate, f64)> = days_between(metrics, first, last)
        .filter(|d| d.throttles > 0.0)
        .map(|d| (d.date, d.throttles))
        .collect();
    if days.is_empty() {
        return vec![];
    }
    let total: f64 = days.iter().map(|(_, t)| t).sum();
    days.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let (worst_day, worst) = days[0];
    vec![Outcome::fail(
        format!(
            "{total} invocations were throttled on {} of the last {} days (most: {worst} on {worst_day})",
            days.len(),
            ctx.lookback_days
        ),
        json!({
            "throttles": total,
            "days_with_throttles": days.len(),
            "worst_days": days.iter().take(DAYS_SHOWN).map(|(d, t)| json!({ "date": d, "throttles": t })).collect::<Vec<_>>(),
            "reserved_concurrency": ctx.function.reserved_concurrency,
            "window": { "from": first, "to": last },
        }),
    )]
}
