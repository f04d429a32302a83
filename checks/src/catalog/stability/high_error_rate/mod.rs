//! high-error-rate: errors / invocations above the threshold (default 10%) on a day of the last N (default 7).

use serde_json::json;

use super::common::{days_between, last_days, metrics};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "high-error-rate",
    title: "High error rate in recent days",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let thresholds = &ctx.config.thresholds;
    let (first, last) = last_days(ctx.today, thresholds.error_rate_days);
    let bad: Vec<(chrono::NaiveDate, f64, f64, f64)> = days_between(metrics, first, last)
        .filter(|d| d.invocations > 0.0)
        .map(|d| (d.date, d.errors, d.invocations, d.errors / d.invocations))
        .filter(|(_, _, _, rate)| *rate > thresholds.error_rate)
        .collect();
    let Some(&(day, errors, invocations, rate)) = bad.iter().max_by(|a, b| a.3.total_cmp(&b.3))
    else {
        return vec![];
    };
    vec![Outcome::fail(
        format!(
            "{:.0}% of invocations failed on {day} ({errors} of {invocations}); days above {:.0}% in the last {}: {}",
            rate * 100.0,
            thresholds.error_rate * 100.0,
            thresholds.error_rate_days,
            bad.len()
        ),
        json!({
            "threshold": thresholds.error_rate,
            "window": { "from": first, "to": last },
            "worst_day": { "date": day, "errors": errors, "invocations": invocations, "rate": (rate * 1000.0).round() / 1000.0 },
            "days_above_threshold": bad.iter().map(|(d, e, i, r)| json!({
                "date": d, "errors": e, "invocations": i, "rate": (r * 1000.0).round() / 1000.0
            })).collect::<Vec<_>>(),
        }),
    )]
}
