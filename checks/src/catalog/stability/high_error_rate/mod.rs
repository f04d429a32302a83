//! high-error-rate: errors / invocations above the threshold (default 10%) on a day of the last N (default 7) with
//! enough invocations to judge (default 10), or over the days with fewer, pooled.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::common::{days_between, last_days, metrics};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "high-error-rate",
    title: "High error rate in recent days",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// Errors and invocations of one day.
#[derive(Clone, Copy)]
struct Day {
    date: NaiveDate,
    errors: f64,
    invocations: f64,
}

impl Day {
    fn rate(&self) -> f64 {
        self.errors / self.invocations
    }

    fn to_json(self) -> Value {
        json!({
            "date": self.date, "errors": self.errors, "invocations": self.invocations,
            "rate": (self.rate() * 1000.0).round() / 1000.0
        })
    }
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let thresholds = &ctx.config.thresholds;
    let minimum = f64::from(thresholds.error_rate_min_invocations);
    let (first, last) = last_days(ctx.today, thresholds.error_rate_days);
    let days: Vec<Day> = days_between(metrics, first, last)
        .filter(|d| d.invocations > 0.0)
        .map(|d| Day {
            date: d.date,
            errors: d.errors,
            invocations: d.invocations,
        })
        .collect();
    let high = |d: &Day| d.invocations >= minimum && d.rate() > thresholds.error_rate;
    let bad: Vec<Day> = days.iter().copied().filter(high).collect();
    let window = json!({ "from": first, "to": last });
    if let Some(worst) = bad.iter().max_by(|a, b| a.rate().total_cmp(&b.rate())) {
        return vec![Outcome::fail(
            format!(
                "{:.0}% of invocations failed on {} ({} of {}); days above {:.0}% in the last {}: {}",
                worst.rate() * 100.0,
                worst.date,
                worst.errors,
                worst.invocations,
                thresholds.error_rate * 100.0,
                thresholds.error_rate_days,
                bad.len()
            ),
            json!({
                "threshold": thresholds.error_rate,
                "min_invocations": thresholds.error_rate_min_invocations,
                "window": window,
                "worst_day": worst.to_json(),
                "days_above_threshold": bad.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
            }),
        )];
    }
    // Days with too few invocations to judge alone are pooled and judged once: a function called a few times a day
    // that fails most calls is still failing.
    let small: Vec<Day> = days
        .into_iter()
        .filter(|d| d.invocations < minimum)
        .collect();
    let pooled = Day {
        date: last,
        errors: small.iter().map(|d| d.errors).sum(),
        invocations: small.iter().map(|d| d.invocations).sum(),
    };
    if !high(&pooled) {
        return vec![];
    }
    vec![Outcome::fail(
        format!(
            "{:.0}% of invocations failed on the {} days of the last {} with fewer than {} invocations each ({} of {}, pooled)",
            pooled.rate() * 100.0,
            small.len(),
            thresholds.error_rate_days,
            thresholds.error_rate_min_invocations,
            pooled.errors,
            pooled.invocations
        ),
        json!({
            "threshold": thresholds.error_rate,
            "min_invocations": thresholds.error_rate_min_invocations,
            "window": window,
            "pooled": {
                "errors": pooled.errors,
                "invocations": pooled.invocations,
                "rate": (pooled.rate() * 1000.0).round() / 1000.0,
            },
            "pooled_days": small.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
        }),
    )]
}
