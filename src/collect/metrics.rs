//! CloudWatch: daily Invocations, Errors, Throttles (Sum) and Duration (Maximum) per function over the lookback,
//! 500 queries per GetMetricData call, every page.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_sdk_cloudwatch::Client;
use chrono::{DateTime, Days, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use lambda_posture_checks::inventory::{DailyMetrics, FunctionMetrics};

use super::pacing::Call;
use super::{to_chrono, Ctx};

/// GetMetricData's maximum number of queries per call.
const MAX_QUERIES: usize = 500;
const PERIOD_SECONDS: i32 = 86_400;
/// Batches in flight per region.
const BATCH_CONCURRENCY: usize = 4;

/// The metrics we read, with their statistic and query id suffix.
const METRICS: [(&str, &str, &str); 4] = [
    ("Invocations", "Sum", "inv"),
    ("Errors", "Sum", "err"),
    ("Throttles", "Sum", "thr"),
    ("Duration", "Maximum", "dur"),
];

/// The lookback window: whole UTC days, `since` and `until` inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl Window {
    /// `lookback_days` days ending with the collection day.
    pub fn ending(collected_at: DateTime<Utc>, lookback_days: u32) -> Window {
        let until = collected_at.date_naive();
        let since = until
            .checked_sub_days(Days::new(u64::from(lookback_days.max(1)) - 1))
            .unwrap_or(until);
        Window { since, until }
    }

    fn start(&self) -> aws_smithy_types::DateTime {
        midnight(self.since)
    }

    fn end(&self) -> aws_smithy_types::DateTime {
        midnight(self.until.succ_opt().unwrap_or(self.until))
    }
}

fn midnight(day: NaiveDate) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(
        day.and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp(),
    )
}

/// Metrics of every named function of a region, by function name. Functions of a failed batch are absent (gap).
pub async fn collect(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    functions: &[(String, String)],
    window: Window,
) -> HashMap<String, FunctionMetrics> {
    let batches: Vec<&[(String, String)]> = functions.chunks(MAX_QUERIES / METRICS.len()).collect();
    stream::iter(batches)
        .map(|batch| batch_metrics(ctx, client, region, batch, window))
        .buffer_unordered(BATCH_CONCURRENCY)
        .flat_map(stream::iter)
        .collect()
        .await
}

/// One GetMetricData batch (every page); on failure a gap per function of the batch.
async fn batch_metrics(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    batch: &[(String, String)],
    window: Window,
) -> Vec<(String, FunctionMetrics)> {
    let queries: Vec<MetricDataQuery> = batch
        .iter()
        .enumerate()
        .flat_map(|(i, (name, _))| {
            METRICS
                .iter()
                .map(move |(metric, stat, suffix)| query(i, name, metric, stat, suffix))
        })
        .collect();
    // Query id → (function index, metric suffix) → (day → value).
    let mut series: HashMap<String, BTreeMap<NaiveDate, f64>> = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let result = ctx
            .pacer
            .call(Call::cloudwatch("GetMetricData", region), || {
                client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.clone()))
                    .start_time(window.start())
                    .end_time(window.end())
                    .scan_by(ScanBy::TimestampAscending)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                for (_, arn) in batch {
                    ctx.gaps.record(&e, Some(arn));
                }
                return Vec::new();
            }
        };
        for result in out.metric_data_results() {
            let Some(id) = result.id() else { continue };
            let days = series.entry(id.to_string()).or_default();
            for (timestamp, value) in result.timestamps().iter().zip(result.values()) {
                if let Some(day) = to_chrono(timestamp).map(|t| t.date_naive()) {
                    days.insert(day, *value);
                }
            }
        }
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
            _ => break,
        }
    }
    batch
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let mut get = |suffix: &str| series.remove(&query_id(i, suffix)).unwrap_or_default();
            let metrics = function_metrics(window, get("inv"), get("err"), get("thr"), get("dur"));
            (name.clone(), metrics)
        })
        .collect()
}

fn query_id(index: usize, suffix: &str) -> String {
    format!("f{index}_{suffix}")
}

fn query(
    index: usize,
    function_name: &str,
    metric: &str,
    stat: &str,
    suffix: &str,
) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(query_id(index, suffix))
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace("AWS/Lambda")
                        .metric_name(metric)
                        .dimensions(
                            Dimension::builder()
                                .name("FunctionName")
                                .value(function_name)
                                .build(),
                        )
                        .build(),
                )
                .period(PERIOD_SECONDS)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// Daily rows for the days with any datapoint; the last invocation is the last day with Invocations > 0.
fn function_metrics(
    window: Window,
    invocations: BTreeMap<NaiveDate, f64>,
    errors: BTreeMap<NaiveDate, f64>,
    throttles: BTreeMap<NaiveDate, f64>,
    duration: BTreeMap<NaiveDate, f64>,
) -> FunctionMetrics {
    let in_window = |d: &NaiveDate| *d >= window.since && *d <= window.until;
    let mut days: Vec<NaiveDate> = [&invocations, &errors, &throttles, &duration]
        .iter()
        .flat_map(|m| m.keys().copied())
        .filter(in_window)
        .collect();
    days.sort();
    days.dedup();
    let daily = days
        .into_iter()
        .map(|date| DailyMetrics {
            date,
            invocations: invocations.get(&date).copied().unwrap_or(0.0),
            errors: errors.get(&date).copied().unwrap_or(0.0),
            throttles: throttles.get(&date).copied().unwrap_or(0.0),
            max_duration_ms: duration.get(&date).copied(),
        })
        .collect::<Vec<_>>();
    let last_invocation = daily
        .iter()
        .rev()
        .find(|d| d.invocations > 0.0)
        .map(|d| d.date);
    FunctionMetrics {
        since: window.since,
        until: window.until,
        daily,
        last_invocation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn window_covers_lookback_days_inclusive() {
        let at = "2025-03-31T15:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let w = Window::ending(at, 90);
        assert_eq!(w.until, day("2025-03-31"));
        assert_eq!(w.since, day("2025-01-01"));
        assert_eq!(Window::ending(at, 1).since, w.until);
    }

    #[test]
    fn last_invocation_is_the_last_day_with_invocations() {
        let w = Window {
            since: day("2025-01-01"),
            until: day("2025-01-31"),
        };
        let inv = BTreeMap::from([(day("2025-01-03"), 5.0), (day("2025-01-10"), 0.0)]);
        let err = BTreeMap::from([(day("2025-01-03"), 1.0)]);
        let dur = BTreeMap::from([(day("2025-01-03"), 812.5), (day("2025-01-20"), 3.0)]);
        let m = function_metrics(w, inv, err, BTreeMap::new(), dur);
        assert_eq!(m.last_invocation, Some(day("2025-01-03")));
        let dates: Vec<_> = m.daily.iter().map(|d| d.date).collect();
        assert_eq!(
            dates,
            [day("2025-01-03"), day("2025-01-10"), day("2025-01-20")]
        );
        assert_eq!(m.daily[0].errors, 1.0);
        assert_eq!(m.daily[0].max_duration_ms, Some(812.5));
        assert_eq!(m.daily[1].max_duration_ms, None);
    }

    #[test]
    fn queries_stay_within_the_api_limit() {
        assert_eq!((MAX_QUERIES / METRICS.len()) * METRICS.len(), 500);
    }
}
