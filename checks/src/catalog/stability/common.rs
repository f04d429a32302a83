//! Helpers shared by the stability and hygiene checks: gaps to Unknown, CloudWatch metric windows, AWS dates.

use chrono::{DateTime, Duration, NaiveDate};

use crate::check::{FunctionContext, Outcome};
use crate::inventory::{DailyMetrics, FunctionMetrics};

/// `Unknown` for the first of `operations` (`(service, operation)`) that could not be collected for this function.
pub(crate) fn gap_outcome(ctx: &FunctionContext, operations: &[(&str, &str)]) -> Option<Outcome> {
    operations
        .iter()
        .find_map(|(service, operation)| ctx.gap(service, operation))
        .map(Outcome::unknown_from_gap)
}

/// The function's CloudWatch metrics, or `Unknown` when they were not collected or GetMetricData failed.
pub(crate) fn metrics<'a>(ctx: &FunctionContext<'a>) -> Result<&'a FunctionMetrics, Outcome> {
    if let Some(unknown) = gap_outcome(ctx, &[("cloudwatch", "GetMetricData")]) {
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

/// The calendar day of an AWS timestamp: `2024-01-02T03:04:05.000+0000` (Lambda's LastModified) or RFC 3339.
pub(crate) fn aws_date(timestamp: &str) -> Option<NaiveDate> {
    DateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(timestamp))
        .ok()
        .map(|t| t.naive_utc().date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_dates_parse_in_both_shapes() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        assert_eq!(aws_date("2024-01-02T03:04:05.000+0000"), Some(d));
        assert_eq!(aws_date("2024-01-02T03:04:05Z"), Some(d));
        assert_eq!(
            aws_date("2024-01-02T23:30:00.000-0200"),
            Some(NaiveDate::from_ymd_opt(2024, 1, 3).unwrap())
        );
        assert_eq!(aws_date("yesterday"), None);
    }
}
