//! Pacing and retries: one rate limiter per (quota bucket, service, region), and our own retry loop (the SDK makes one
//! attempt). A call that gates other work (a region's function listing) may go ahead of the queue.
//!
//! Throttles are retried with jittered exponential backoff honouring Retry-After and are never given up while the
//! account keeps answering (a throttle-only deadline far beyond any real quota window stops a runaway loop); 5xx,
//! timeouts and connection failures are retried within a fixed budget; anything else is returned at once. A retry
//! takes its bucket's next free start after its backoff, not the back of the queue. A bucket whose quota AWS does
//! not publish (STS) adapts: it halves its rate when throttled and earns it back, a step a second, while answered.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::{CallError, CollectError, ErrorClass};
use super::Rates;

/// AWS quota buckets we pace separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Lambda GetFunction (100/s per region).
    GetFunction,
    /// Lambda GetPolicy (15/s per region).
    GetPolicy,
    /// Every other Lambda control-plane call (one shared 15/s per region).
    LambdaControlPlane,
    /// IAM GetAccountAuthorizationDetails (slow, low quota).
    IamAuthorizationDetails,
    /// Other IAM calls (global).
    Iam,
    /// CloudWatch GetMetricData (50/s per region).
    CloudWatch,
    /// Whether a DLQ or destination exists (SQS, SNS, EventBridge, S3 reads), paced per service and region.
    Lookup,
    /// CloudWatch Logs DescribeLogGroups (the functions' log groups), per region.
    Logs,
    /// CloudTrail's trails, event selectors and event data stores, per region.
    CloudTrail,
    /// API Gateway's GETs of APIs, stages, routes, integrations and authorizers (v1 and v2), account-wide.
    ApiGateway,
    /// API Gateway GetResources (a REST API's resources and methods), account-wide: its own, lower quota.
    ApiGatewayResources,
    /// Elastic Load Balancing's Describe calls (target groups, their targets, load balancers, listeners, rules) and
    /// EC2 DescribeSecurityGroups for the load balancers, per service and region.
    LoadBalancing,
    /// sts:AssumeRole into member accounts (organisation scan): paced in the caller's account.
    Sts,
    /// STS: one call per scan, not paced.
    Unpaced,
}

/// IAM and CloudWatch do not take user rates: modest fixed rates well under their quotas.
const IAM_AUTHORIZATION_DETAILS_RATE: f64 = 1.5;
const IAM_RATE: f64 = 8.0;
const CLOUDWATCH_RATE: f64 = 10.0;
/// Destination lookups per second per service and region: far below every quota of these read calls.
const LOOKUP_RATE: f64 = 10.0;
/// DescribeLogGroups per second per region: half of CloudWatch Logs' default quota for it (10 per second per account
/// and region, shared with every other tool of the account). A region needs ⌈log groups / 50⌉ calls.
const LOGS_RATE: f64 = 5.0;
/// CloudTrail Get/Describe/List calls per second per region: half of CloudTrail's quota for them (10 per second per
/// account and region, not adjustable). A scan makes a handful: two per region, two per trail, one per event data store.
const CLOUDTRAIL_RATE: f64 = 5.0;
/// API Gateway GETs per second, for the whole account. The control plane's fixed "total operations" quota is 10
/// requests per second per account and cannot be increased (API Gateway developer guide, "Amazon API Gateway quotas",
/// quotas for creating, deploying and managing an API); with GetResources' 2 below, the scan takes 6 of them and
/// leaves the rest to the account's deployment pipelines.
const APIGATEWAY_RATE: f64 = 4.0;
/// GetResources per second for the whole account: below its own fixed quota (5 requests every 2 seconds per account,
/// same table), and counted in the total above.
const APIGATEWAY_RESOURCES_RATE: f64 = 2.0;
/// Elastic Load Balancing Describe calls per second per region: half the refill rate of ELB's token bucket for
/// non-mutating (`Describe*`) actions, 10 tokens a second (bucket of 40) per account and region (Elastic Load
/// Balancing user guide, "Request throttling for the ELB API"). EC2 DescribeSecurityGroups (one or two calls a region)
/// takes the same rate in its own schedule, far below EC2's non-mutating bucket (refill 20 a second).
const LOAD_BALANCING_RATE: f64 = 5.0;
/// AssumeRole calls per second from the caller's account at one regional STS endpoint, at most. AWS publishes no
/// request rate for STS ("The number of tokens that a bucket holds and the refill rate depends on the API", AWS
/// Security Blog, "How to monitor and query IAM resources at scale - Part 2"): we assume 100 per second per account
/// and endpoint (the emulator's model, mocks/emulator/faults.py) and start at 95% of it, as for Lambda's published
/// quotas. Because the true rate is unknown, and the bucket is shared with every other STS user of the (often
/// management) account, the bucket adapts ([`Adaptive`]): each throttle that answers a call scheduled at the current
/// rate halves the rate (down to a tenth of this), and the calls scheduled at it and answered without one earn back a
/// twentieth of this a second; calls scheduled before a cut neither cut again nor earn back ([`Schedule::cuts`]).
const STS_RATE: f64 = 95.0;

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts for transient failures (5xx, timeouts, resets), counting the first.
    pub transient_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Throttles are retried until this much time went by for one call.
    pub throttle_deadline: Duration,
}

impl RetryPolicy {
    pub const STANDARD: RetryPolicy = RetryPolicy {
        transient_attempts: 8,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(20),
        throttle_deadline: Duration::from_secs(30 * 60),
    };
    /// The first call of a scan: fail fast when the endpoint is unreachable.
    pub const FIRST_CALL: RetryPolicy = RetryPolicy {
        transient_attempts: 3,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(2),
        throttle_deadline: Duration::from_secs(5 * 60),
    };
}

/// What a call is, for pacing, retrying and reporting.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub service: &'static str,
    pub operation: &'static str,
    /// `None` for global services.
    pub region: Option<&'a str>,
    pub bucket: Bucket,
}

impl<'a> Call<'a> {
    pub fn lambda(operation: &'static str, region: &'a str, bucket: Bucket) -> Self {
        Call {
            service: "lambda",
            operation,
            region: Some(region),
            bucket,
        }
    }
    pub fn iam(operation: &'static str, bucket: Bucket) -> Self {
        Call {
            service: "iam",
            operation,
            region: None,
            bucket,
        }
    }
    pub fn cloudwatch(operation: &'static str, region: &'a str) -> Self {
        Call {
            service: "cloudwatch",
            operation,
            region: Some(region),
            bucket: Bucket::CloudWatch,
        }
    }
}

/// What has its own schedule: a quota bucket, in one service and region (`global` for IAM).
type SlotKey = (Bucket, &'static str, String);

/// One pacer per (quota bucket, service, region) — IAM's buckets are global — created on first use.
pub struct Pacer {
    rates: Rates,
    slots: Mutex<HashMap<SlotKey, Arc<Slots>>>,
    policy: RetryPolicy,
}

impl Pacer {
    pub fn new(rates: &Rates) -> Result<Self, CollectError> {
        let pacer = Pacer {
            rates: *rates,
            slots: Mutex::new(HashMap::new()),
            policy: RetryPolicy::STANDARD,
        };
        for bucket in PACED {
            let (flag, rate) = pacer.rate(bucket);
            Slots::new(flag, rate)?;
        }
        Ok(pacer)
    }

    /// The flag that sets a bucket's rate, and the rate (calls per second).
    fn rate(&self, bucket: Bucket) -> (&'static str, f64) {
        let rates = &self.rates;
        match bucket {
            Bucket::GetFunction => ("--get-function-rate", rates.get_function),
            Bucket::GetPolicy => ("--get-policy-rate", rates.get_policy),
            Bucket::LambdaControlPlane => ("--control-plane-rate", rates.control_plane),
            Bucket::CloudWatch => ("--max-rate", CLOUDWATCH_RATE * rates.others),
            Bucket::Lookup => ("--max-rate", LOOKUP_RATE * rates.others),
            Bucket::Logs => ("--max-rate", LOGS_RATE * rates.others),
            Bucket::CloudTrail => ("--max-rate", CLOUDTRAIL_RATE * rates.others),
            Bucket::ApiGateway => ("--max-rate", APIGATEWAY_RATE * rates.others),
            Bucket::ApiGatewayResources => ("--max-rate", APIGATEWAY_RESOURCES_RATE * rates.others),
            Bucket::IamAuthorizationDetails => {
                ("--max-rate", IAM_AUTHORIZATION_DETAILS_RATE * rates.others)
            }
            Bucket::LoadBalancing => ("--max-rate", LOAD_BALANCING_RATE * rates.others),
            Bucket::Sts => ("--max-rate", STS_RATE * rates.others),
            Bucket::Iam | Bucket::Unpaced => ("--max-rate", IAM_RATE * rates.others),
        }
    }

    /// Whether a bucket's rate adapts to the throttles it meets: only where AWS publishes no quota to pace under.
    fn adapts(bucket: Bucket) -> bool {
        bucket == Bucket::Sts
    }

    /// The schedule of the call's (bucket, service, region).
    fn slots(&self, call: &Call<'_>) -> Arc<Slots> {
        // API Gateway's control-plane quotas are the account's, whatever the region.
        let account_wide = matches!(
            call.bucket,
            Bucket::ApiGateway | Bucket::ApiGatewayResources
        );
        let region = match call.region {
            Some(region) if !account_wide => region.to_string(),
            _ => "global".to_string(),
        };
        let key = (call.bucket, call.service, region);
        let mut all = self.slots.lock().expect("pacer lock");
        let (flag, rate) = self.rate(call.bucket);
        let adaptive = Self::adapts(call.bucket);
        Arc::clone(all.entry(key).or_insert_with(|| {
            let slots = Slots::new(flag, rate).expect("rates are validated by Pacer::new");
            Arc::new(if adaptive { slots.adaptive() } else { slots })
        }))
    }

    /// Run `attempt` (one SDK call) paced and retried with the standard policy.
    pub async fn call<T, E, F, Fut>(&self, call: Call<'_>, attempt: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.call_with(call, self.policy, attempt).await
    }

    pub async fn call_with<T, E, F, Fut>(
        &self,
        call: Call<'_>,
        policy: RetryPolicy,
        attempt: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.run(call, policy, Lane::Queue, attempt).await
    }

    /// Like [`Pacer::call`], for a call that gates other work in its bucket (a region's function listing: every
    /// per-function call waits for its page): its first attempt too takes the bucket's next free start instead of
    /// queueing behind the calls already waiting, a few periods away ([`Slots::QUEUE_DEPTH`]). One such call at a
    /// time per bucket, else the queue could starve.
    pub async fn call_ahead<T, E, F, Fut>(&self, call: Call<'_>, attempt: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.run(call, self.policy, Lane::Ahead, attempt).await
    }

    async fn run<T, E, F, Fut>(
        &self,
        call: Call<'_>,
        policy: RetryPolicy,
        lane: Lane,
        mut attempt: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let slots = (call.bucket != Bucket::Unpaced).then(|| self.slots(&call));
        let mut transient_failures = 0u32;
        let mut throttles = 0u32;
        let mut lane = lane;
        loop {
            let turn = match &slots {
                Some(slots) => Some(slots.wait_turn(lane).await),
                None => None,
            };
            let err = match attempt().await {
                Ok(out) => {
                    if let (Some(slots), Some(turn)) = (&slots, turn) {
                        slots.answered(turn);
                    }
                    return Ok(out);
                }
                Err(err) => err,
            };
            let retry_after = retry_after(&err);
            let failure = CallError::from_sdk(call.service, call.operation, call.region, &err);
            let delay = match failure.class {
                ErrorClass::Throttled => {
                    throttles += 1;
                    if let (Some(slots), Some(turn)) = (&slots, turn) {
                        slots.throttled(turn);
                    }
                    if started.elapsed() >= policy.throttle_deadline {
                        return Err(failure);
                    }
                    backoff(policy, throttles).max(retry_after.unwrap_or_default())
                }
                ErrorClass::Transient => {
                    transient_failures += 1;
                    if transient_failures >= policy.transient_attempts {
                        return Err(failure);
                    }
                    backoff(policy, transient_failures).max(retry_after.unwrap_or_default())
                }
                ErrorClass::AccessDenied | ErrorClass::Client => return Err(failure),
            };
            tracing::debug!(
                service = call.service,
                operation = call.operation,
                region = call.region,
                throttled = failure.class == ErrorClass::Throttled,
                throttles,
                transient_failures,
                error = %failure.message,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            // A retry has waited its turn once already: it takes the bucket's next free start, not the back of the
            // queue (the rate is the same: every start is still one period after the previous one).
            lane = Lane::Ahead;
        }
    }
}

/// The buckets the pacer paces (every one but [`Bucket::Unpaced`]).
const PACED: [Bucket; 13] = [
    Bucket::GetFunction,
    Bucket::GetPolicy,
    Bucket::LambdaControlPlane,
    Bucket::IamAuthorizationDetails,
    Bucket::Iam,
    Bucket::CloudWatch,
    Bucket::Lookup,
    Bucket::Logs,
    Bucket::CloudTrail,
    Bucket::ApiGateway,
    Bucket::ApiGatewayResources,
    Bucket::LoadBalancing,
    Bucket::Sts,
];

/// Which way a call waits for its start in a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// First come, first served, behind every call already waiting.
    Queue,
    /// The next start not yet promised to a queued call (see [`Slots::QUEUE_DEPTH`]).
    Ahead,
}

/// One quota bucket's schedule: each call reserves the next start time, one period after the previous one (first
/// come, first served), and sleeps until then — no polling and no herd of waiters woken for one token. After an idle
/// spell a few calls (a fifth of a second's worth) may start at once, well within AWS's own burst of one second.
///
/// Queued calls take a start time only a few periods ahead ([`Slots::QUEUE_DEPTH`]); the others wait in line (a fair,
/// first-come-first-served semaphore) for one of them to start. The bucket stays busy all the same, and a call in
/// the [`Lane::Ahead`] lane, which skips the line, never waits behind more than those few.
struct Slots {
    schedule: Mutex<Schedule>,
    /// Set for a bucket whose rate adapts to its throttles.
    adaptive: Option<Adaptive>,
    /// Queued calls holding a start time not reached yet: at most [`Slots::QUEUE_DEPTH`].
    promised: tokio::sync::Semaphore,
}

/// Where a bucket's schedule stands.
#[derive(Debug)]
struct Schedule {
    /// The theoretical start of the next call on the steady schedule (`None`: never used).
    next: Option<Instant>,
    /// The current rate, calls per second.
    rate: f64,
    /// How many times the rate was cut. A call scheduled before the last cut (an older [`Turn::cuts`]) went out at
    /// the schedule of a higher rate than today's, even when it leaves after the cut: its throttle does not cut
    /// again (one cut per congestion, as TCP does), and its answer earns nothing back.
    cuts: u64,
}

/// A call's start in its bucket: when, and how many cuts the bucket's rate had seen when it was scheduled.
#[derive(Debug, Clone, Copy)]
struct Turn {
    start: Instant,
    cuts: u64,
}

/// How an adaptive bucket moves its rate: between `start` (its ceiling) and a tenth of it.
#[derive(Debug, Clone, Copy)]
struct Adaptive {
    start: f64,
}

impl Adaptive {
    /// The lowest rate as a share of the start.
    const FLOOR: f64 = 0.1;
    /// What a second of answered calls earns back, as a share of the start.
    const STEP: f64 = 0.05;
}

impl Schedule {
    fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    /// How far ahead of the steady schedule a call may start: a burst of a fifth of a second's calls, at least one.
    fn tolerance(&self) -> Duration {
        let burst = (self.rate / 5.0).floor().max(1.0);
        self.period().mul_f64(burst - 1.0)
    }
}

impl Slots {
    fn new(flag: &'static str, per_second: f64) -> Result<Slots, CollectError> {
        if !(per_second.is_finite() && per_second > 0.0 && per_second < 1e9) {
            return Err(CollectError::InvalidRate {
                flag,
                value: per_second,
            });
        }
        Ok(Slots {
            schedule: Mutex::new(Schedule {
                next: None,
                rate: per_second,
                cuts: 0,
            }),
            adaptive: None,
            promised: tokio::sync::Semaphore::new(Self::QUEUE_DEPTH),
        })
    }

    /// The same schedule, its rate adapting to throttles between its start rate and a tenth of it.
    fn adaptive(mut self) -> Slots {
        let start = self.schedule.get_mut().expect("slots lock").rate;
        self.adaptive = Some(Adaptive { start });
        self
    }

    /// The time between two starts at the current rate.
    #[cfg(test)]
    fn period(&self) -> Duration {
        self.schedule.lock().expect("slots lock").period()
    }

    /// How many queued calls may hold a start time at once. Two: the next start is already promised while the
    /// current call sleeps, so the schedule only slips if a waiter is woken more than a period (plus the burst's
    /// tolerance) late; and a call ahead waits for two or three periods at most.
    const QUEUE_DEPTH: usize = 2;

    /// Wait for a start time in `lane`, then until it comes (returned, with the rate's cuts when it was taken).
    async fn wait_turn(&self, lane: Lane) -> Turn {
        let _in_line = match lane {
            Lane::Queue => Some(self.promised.acquire().await.expect("never closed")),
            Lane::Ahead => None,
        };
        let turn = self.reserve(Instant::now());
        tokio::time::sleep_until(turn.start.into()).await;
        turn
    }

    /// The turn of a call asked for at `now`: when it may start, and the cuts of the rate it is scheduled at.
    fn reserve(&self, now: Instant) -> Turn {
        let mut schedule = self.schedule.lock().expect("slots lock");
        let due = schedule.next.map_or(now, |n| n.max(now));
        schedule.next = Some(due + schedule.period());
        let start = due
            .checked_sub(schedule.tolerance())
            .map_or(now, |t| t.max(now));
        Turn {
            start,
            cuts: schedule.cuts,
        }
    }

    /// The call of `turn` was throttled: an adaptive bucket halves its rate, once for the calls scheduled at the
    /// rate that caused it.
    fn throttled(&self, turn: Turn) {
        let Some(adaptive) = self.adaptive else {
            return;
        };
        let mut schedule = self.schedule.lock().expect("slots lock");
        if turn.cuts != schedule.cuts {
            return;
        }
        let floor = adaptive.start * Adaptive::FLOOR;
        schedule.rate = (schedule.rate / 2.0).max(floor);
        schedule.cuts += 1;
    }

    /// The call of `turn` was answered without a throttle: an adaptive bucket earns back its share of a step, up to
    /// its start, unless the call was scheduled before the last cut. A second's worth of answers at the current rate
    /// earns one step ([`Adaptive::STEP`]): the rate climbs linearly in time, not in proportion to itself.
    fn answered(&self, turn: Turn) {
        let Some(adaptive) = self.adaptive else {
            return;
        };
        let mut schedule = self.schedule.lock().expect("slots lock");
        if turn.cuts != schedule.cuts {
            return;
        }
        let earned = adaptive.start * Adaptive::STEP / schedule.rate;
        schedule.rate = (schedule.rate + earned).min(adaptive.start);
    }
}

/// Full-jitter exponential backoff: a random delay in [base, min(max, base * 2^n)].
fn backoff(policy: RetryPolicy, failures: u32) -> Duration {
    let ceiling = policy
        .base_delay
        .saturating_mul(1u32 << failures.min(16))
        .min(policy.max_delay);
    let floor = policy.base_delay.min(ceiling);
    let span = ceiling.saturating_sub(floor).as_millis() as u64;
    floor + Duration::from_millis(fastrand::u64(0..=span))
}

/// The Retry-After header of a throttling answer, in seconds (capped: a bogus header must not stall the scan).
fn retry_after<E>(err: &SdkError<E, HttpResponse>) -> Option<Duration> {
    let value = err.raw_response()?.headers().get("retry-after")?;
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(120.0)))
}

#[cfg(test)]
mod tests {
    use super::super::raw::RawError;
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::STANDARD;
        for n in 1..30 {
            let d = backoff(p, n);
            assert!(d >= p.base_delay && d <= p.max_delay, "{n}: {d:?}");
        }
        let ceiling_at_3 = p.base_delay * 8;
        assert!((0..100).all(|_| backoff(p, 3) <= ceiling_at_3));
    }

    #[test]
    fn non_positive_rates_are_refused_with_the_flag() {
        let err = Slots::new("--get-policy-rate", 0.0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("--get-policy-rate"), "{err}");
        assert!(Slots::new("--x", f64::NAN).is_err());
        assert!(Slots::new("--x", 13.5).is_ok());
    }

    #[test]
    fn lookups_are_paced_per_service_and_region() {
        let pacer = Pacer::new(&Rates {
            get_function: 95.0,
            get_policy: 14.25,
            control_plane: 14.25,
            others: 1.0,
        })
        .unwrap();
        let lookup = |service, region| Call {
            service,
            operation: "Op",
            region: Some(region),
            bucket: Bucket::Lookup,
        };
        let queues = pacer.slots(&lookup("sqs", "eu-west-1"));
        assert!(Arc::ptr_eq(
            &queues,
            &pacer.slots(&lookup("sqs", "eu-west-1"))
        ));
        assert!(!Arc::ptr_eq(
            &queues,
            &pacer.slots(&lookup("sns", "eu-west-1"))
        ));
        assert!(!Arc::ptr_eq(
            &queues,
            &pacer.slots(&lookup("sqs", "us-east-1"))
        ));
        assert_eq!(queues.period(), Duration::from_millis(100));
    }

    #[test]
    fn calls_are_spaced_one_period_apart_after_a_short_burst() {
        let slots = Slots::new("--x", 10.0).unwrap();
        let t0 = Instant::now();
        let starts: Vec<Duration> = (0..12).map(|_| slots.reserve(t0).start - t0).collect();
        // A burst of two (a fifth of a second at 10/s), then 100 ms apart: 12 calls within 1.0 s, never more.
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[1], Duration::ZERO);
        for pair in starts[1..].windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(100), "{starts:?}");
        }
        assert_eq!(starts[11], Duration::from_millis(1000));
    }

    #[test]
    fn an_idle_bucket_starts_at_once_and_does_not_save_up_more_than_the_burst() {
        let slots = Slots::new("--x", 10.0).unwrap();
        let t0 = Instant::now();
        slots.reserve(t0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(slots.reserve(later).start, later);
        assert_eq!(slots.reserve(later).start, later);
        assert_eq!(
            slots.reserve(later).start,
            later + Duration::from_millis(100)
        );
    }

    #[test]
    fn an_adaptive_bucket_halves_once_per_congestion_and_earns_its_rate_back() {
        let slots = Slots::new("--x", 100.0).unwrap().adaptive();
        let t0 = Instant::now();
        let before = slots.reserve(t0);
        slots.throttled(before);
        assert_eq!(slots.period(), Duration::from_millis(20), "halved to 50/s");
        // Calls sent before that cut were sent at the old rate: their throttles do not cut again.
        slots.throttled(before);
        assert_eq!(slots.period(), Duration::from_millis(20));
        // A call scheduled after the cut and throttled all the same halves again.
        slots.throttled(slots.reserve(t0));
        assert_eq!(slots.period(), Duration::from_millis(40), "25/s");
        // The calls scheduled since and answered earn back 5/s (a twentieth of the start) a second: at 25/s, 25
        // answers earn about 5/s; never beyond the start.
        for _ in 0..25 {
            slots.answered(slots.reserve(t0));
        }
        let rate = 1.0 / slots.period().as_secs_f64();
        assert!((29.0..30.0).contains(&rate), "{rate}/s");
        for _ in 0..10_000 {
            slots.answered(slots.reserve(t0));
        }
        assert_eq!(
            slots.period(),
            Duration::from_millis(10),
            "back to 100/s, no more"
        );
        // However many congestions in a row, the rate stays at a tenth of the start at least.
        for _ in 0..20 {
            slots.throttled(slots.reserve(t0));
        }
        assert_eq!(slots.period(), Duration::from_millis(100), "10/s");
    }

    #[test]
    fn answers_to_calls_sent_before_a_cut_do_not_undo_it() {
        // Ten calls go out together at 100/s; the first comes back throttled, the nine others answered.
        let slots = Slots::new("--x", 100.0).unwrap().adaptive();
        let t0 = Instant::now();
        let sent: Vec<Turn> = (0..10).map(|_| slots.reserve(t0)).collect();
        slots.throttled(sent[0]);
        for &turn in &sent[1..] {
            slots.answered(turn);
        }
        // They were sent at the rate that was cut: their answers say nothing of the new one.
        assert_eq!(slots.period(), Duration::from_millis(20), "still 50/s");
    }

    #[test]
    fn calls_scheduled_before_a_cut_do_not_cut_again_when_sent_after_it() {
        // 25 calls asked at once at 100/s: a burst of 20 at once, the other 5 scheduled 10 ms apart after it.
        let slots = Slots::new("--x", 100.0).unwrap().adaptive();
        let t0 = Instant::now();
        let sent: Vec<Turn> = (0..25).map(|_| slots.reserve(t0)).collect();
        assert_eq!(sent[24].start - t0, Duration::from_millis(50));
        slots.throttled(sent[0]);
        assert_eq!(slots.period(), Duration::from_millis(20), "halved to 50/s");
        // The last one leaves after the cut, but at the schedule of the rate that was cut: one congestion, one cut.
        slots.throttled(sent[24]);
        assert_eq!(slots.period(), Duration::from_millis(20), "still 50/s");
    }

    /// The share of throttled calls when an adaptive bucket starting at 95/s keeps sending to an endpoint whose
    /// true quota is `quota` per second (a token bucket holding a second's worth), each call answered 50 ms after it
    /// leaves. Virtual time: the schedule is asked for each start as the previous one comes.
    fn throttled_share(quota: f64) -> f64 {
        let slots = Slots::new("--x", 95.0).unwrap().adaptive();
        let t0 = Instant::now();
        let rtt = Duration::from_millis(50);
        let (mut tokens, mut filled) = (quota, t0);
        let mut in_flight: std::collections::VecDeque<(Instant, Turn, bool)> = Default::default();
        let (mut now, mut throttled, calls) = (t0, 0, 3000);
        for _ in 0..calls {
            while in_flight.front().is_some_and(|(at, _, _)| *at <= now) {
                let (_, turn, was_throttled) = in_flight.pop_front().unwrap();
                if was_throttled {
                    slots.throttled(turn);
                } else {
                    slots.answered(turn);
                }
            }
            let turn = slots.reserve(now);
            now = turn.start;
            tokens = (tokens + (now - filled).as_secs_f64() * quota).min(quota);
            filled = now;
            let over = tokens < 1.0;
            if !over {
                tokens -= 1.0;
            }
            throttled += usize::from(over);
            in_flight.push_back((now + rtt, turn, over));
        }
        throttled as f64 / calls as f64
    }

    #[test]
    fn an_adaptive_bucket_settles_under_a_lower_quota_instead_of_crowding_it() {
        // At the assumed quota, nothing is throttled.
        assert_eq!(throttled_share(100.0), 0.0);
        // Under a lower one (the caller's other STS users take part of it), the rate settles near it: a few
        // throttles, not a steady share of the calls, which would crowd everyone else out of the account's STS.
        for quota in [60.0, 40.0, 20.0] {
            let share = throttled_share(quota);
            assert!(
                share < 0.05,
                "{:.0}% throttled under {quota}/s",
                share * 100.0
            );
        }
    }

    #[test]
    fn a_bucket_with_a_published_quota_keeps_its_rate_when_throttled() {
        let slots = Slots::new("--x", 100.0).unwrap();
        slots.throttled(slots.reserve(Instant::now()));
        slots.answered(slots.reserve(Instant::now()));
        assert_eq!(slots.period(), Duration::from_millis(10));
    }

    /// STS's answer to a call over its rate.
    fn throttling() -> RawError {
        let meta = aws_smithy_types::error::ErrorMetadata::builder()
            .code("Throttling")
            .message("Rate exceeded")
            .build();
        let status = aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap();
        let response = HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty());
        SdkError::service_error(meta, response)
    }

    #[tokio::test]
    async fn the_pacer_slows_the_sts_bucket_it_was_throttled_in_and_no_other() {
        let pacer = Pacer::new(&Rates {
            get_function: 1.0,
            get_policy: 1.0,
            control_plane: 1.0,
            others: 1.0,
        })
        .unwrap();
        let at = |region| Call {
            service: "sts",
            operation: "AssumeRole",
            region: Some(region),
            bucket: Bucket::Sts,
        };
        let throttled_once = Arc::new(Mutex::new(false));
        let attempt = || {
            let first = !std::mem::replace(&mut *throttled_once.lock().unwrap(), true);
            async move {
                if first {
                    Err(throttling())
                } else {
                    Ok(())
                }
            }
        };
        pacer.call(at("eu-west-1"), attempt).await.unwrap();
        let start = Duration::from_secs_f64(1.0 / STS_RATE);
        let after = pacer.slots(&at("eu-west-1")).period();
        // Halved by the throttle, then the retry's answer earns its share of a step (a step a second of answers).
        let half = STS_RATE / 2.0;
        let expected = Duration::from_secs_f64(1.0 / (half + STS_RATE * Adaptive::STEP / half));
        assert!(
            after.abs_diff(expected) < Duration::from_micros(1),
            "{after:?}"
        );
        assert_eq!(pacer.slots(&at("us-east-1")).period(), start);
    }

    #[tokio::test]
    async fn a_retry_takes_the_next_free_start_not_the_back_of_the_queue() {
        // AssumeRole's bucket scaled to 50/s: 20 ms apart. One call fails once (a timeout), 120 others queue behind it.
        let pacer = Arc::new(
            Pacer::new(&Rates {
                get_function: 1.0,
                get_policy: 1.0,
                control_plane: 1.0,
                others: 50.0 / STS_RATE,
            })
            .unwrap(),
        );
        let starts = Arc::new(Mutex::new(Vec::new()));
        let sts = Call {
            service: "sts",
            operation: "AssumeRole",
            region: Some("eu-west-1"),
            bucket: Bucket::Sts,
        };
        let attempt = |label: &'static str, fail_first: bool| {
            let (starts, failed) = (Arc::clone(&starts), Arc::new(Mutex::new(!fail_first)));
            move || {
                starts.lock().unwrap().push(label);
                let fail = !std::mem::replace(&mut *failed.lock().unwrap(), true);
                async move {
                    if fail {
                        Err(RawError::timeout_error("no answer"))
                    } else {
                        Ok(())
                    }
                }
            }
        };
        let retried = {
            let (pacer, attempt) = (Arc::clone(&pacer), attempt("retried", true));
            tokio::spawn(async move { pacer.call(sts, attempt).await })
        };
        tokio::time::sleep(Duration::from_millis(2)).await;
        let queued: Vec<_> = (0..120)
            .map(|_| {
                let (pacer, attempt) = (Arc::clone(&pacer), attempt("queued", false));
                tokio::spawn(async move { pacer.call(sts, attempt).await })
            })
            .collect();
        retried.await.unwrap().unwrap();
        for call in queued {
            call.await.unwrap().unwrap();
        }
        let starts = starts.lock().unwrap();
        assert_eq!(starts[0], "retried");
        let retry = 1 + starts[1..].iter().position(|s| *s == "retried").unwrap();
        // its backoff (200 to 400 ms) is 10 to 20 periods, plus the burst and the two promised starts: far from the
        // 120th place it would take behind the queue
        assert!(retry < 60, "the retry started {retry}th: {starts:?}");
    }

    #[tokio::test]
    async fn a_call_ahead_waits_for_a_few_queued_calls_not_for_the_whole_queue() {
        // 20 ms apart, a burst of 10; two queued calls hold a start time at once, the others wait in line.
        let slots = Arc::new(Slots::new("--x", 50.0).unwrap());
        let queued: Vec<_> = (0..60)
            .map(|_| {
                let slots = Arc::clone(&slots);
                tokio::spawn(async move { slots.wait_turn(Lane::Queue).await.start })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let asked = Instant::now();
        let ahead = slots.wait_turn(Lane::Ahead).await.start;
        let mut starts = Vec::new();
        for call in queued {
            starts.push(call.await.unwrap());
        }
        assert!(
            ahead <= asked + slots.period() * 3,
            "{:?} after it asked",
            ahead - asked
        );
        // The queue kept its order and its pace, one period apart, only pushed back by the one call ahead.
        assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
        let behind = starts.iter().filter(|s| **s > ahead).count();
        assert!(
            behind >= 30,
            "only {behind} queued calls after the call ahead"
        );
        for pair in starts[10..].windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap == slots.period() || gap == slots.period() * 2,
                "{starts:?}"
            );
        }
    }
}
