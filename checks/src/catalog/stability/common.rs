//! Helpers shared by the stability and hygiene checks: CloudWatch metrics and their windows of days.

use chrono::{Duration, NaiveDate};

use crate::check::{FunctionContext, Outcome};
use crate::inventory::{DailyMetrics, FunctionMetrics};

/// The function's CloudWatch metrics, or `Unknown` when they were not collected or GetMetricData failed.
pub(crate) fn metrics<'a>(ctx: &FunctionContext<'a>) -> Result<&'a FunctionMetrics, Outcome> {
    if let Some(unknown) = ctx.gap_unknown(&[("cloudwatch", "GetMetricData")]) {
        return Err(unknown);
    }
    ctx.function
        .metrics
        .as_ref()
        .ok_or_else(|| Outcome::unknown("CloudWatch metrics were not collected for this function"))
}

/// The `days` calendar days ending on `today` (inclusive): `(first, today)`.
pub(crate) fn last_days(today: NaiveDate, days: u32) -> (NaiveDate, NaiveDate) {
    (today - Duration::days(i64::from(days.max(1)) - 1), today)
}

/// Daily datapoints between `first` and `last` (inclusive).
pub(crate) fn days_between(
    metrics: &FunctionMetrics,
    first: NaiveDate,
    last: NaiveDate,
) -> impl Iterator<Item = &DailyMetrics> {
    metrics
        .daily
        .iter()
        .filter(move |d| d.date >= first && d.date <= last)
}

/// The last day with invocations: the collector's `last_invocation`, or the latest daily datapoint with invocations.
pub(crate) fn last_invocation(metrics: &FunctionMetrics) -> Option<NaiveDate> {
    let from_daily = metrics
        .daily
        .iter()
        .filter(|d| d.invocations > 0.0)
        .map(|d| d.date)
        .max();
    metrics.last_invocation.max(from_daily)
}
