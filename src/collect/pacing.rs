//! Pacing and retries: one rate limiter per (region, quota bucket), and our own retry loop (the SDK makes one attempt).
//!
//! Throttles are retried with jittered exponential backoff honouring Retry-After and are never given up while the
//! account keeps answering (a throttle-only deadline far beyond any real quota window stops a runaway loop); 5xx,
//! timeouts and connection failures are retried within a fixed budget; anything else is returned at once.

use std::future::Future;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{CallError, CollectError, ErrorClass};
use super::Rates;

/// AWS quota buckets we pace separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// STS: one call per scan, not paced.
    Unpaced,
}

/// IAM and CloudWatch do not take user rates: modest fixed rates well under their quotas.
const IAM_AUTHORIZATION_DETAILS_RATE: f64 = 1.5;
const IAM_RATE: f64 = 8.0;
const CLOUDWATCH_RATE: f64 = 10.0;

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

/// Rate limiters for every bucket, keyed by region where the quota is regional.
pub struct Pacer {
    get_function: DefaultKeyedRateLimiter<String>,
    get_policy: DefaultKeyedRateLimiter<String>,
    control_plane: DefaultKeyedRateLimiter<String>,
    cloudwatch: DefaultKeyedRateLimiter<String>,
    iam_authorization_details: DefaultDirectRateLimiter,
    iam: DefaultDirectRateLimiter,
    policy: RetryPolicy,
}

impl Pacer {
    pub fn new(rates: &Rates) -> Result<Self, CollectError> {
        Ok(Pacer {
            get_function: RateLimiter::keyed(quota("--get-function-rate", rates.get_function)?),
            get_policy: RateLimiter::keyed(quota("--get-policy-rate", rates.get_policy)?),
            control_plane: RateLimiter::keyed(quota("--control-plane-rate", rates.control_plane)?),
            cloudwatch: RateLimiter::keyed(quota("--max-rate", CLOUDWATCH_RATE * rates.others)?),
            iam_authorization_details: RateLimiter::direct(quota(
                "--max-rate",
                IAM_AUTHORIZATION_DETAILS_RATE * rates.others,
            )?),
            iam: RateLimiter::direct(quota("--max-rate", IAM_RATE * rates.others)?),
            policy: RetryPolicy::STANDARD,
        })
    }

    /// Wait for a token of the call's bucket.
    async fn pace(&self, call: &Call<'_>) {
        let region = call.region.unwrap_or("global").to_string();
        match call.bucket {
            Bucket::GetFunction => self.get_function.until_key_ready(&region).await,
            Bucket::GetPolicy => self.get_policy.until_key_ready(&region).await,
            Bucket::LambdaControlPlane => self.control_plane.until_key_ready(&region).await,
            Bucket::CloudWatch => self.cloudwatch.until_key_ready(&region).await,
            Bucket::IamAuthorizationDetails => self.iam_authorization_details.until_ready().await,
            Bucket::Iam => self.iam.until_ready().await,
            Bucket::Unpaced => {}
        }
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
        mut attempt: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let mut transient_failures = 0u32;
        let mut throttles = 0u32;
        loop {
            self.pace(&call).await;
            let err = match attempt().await {
                Ok(out) => return Ok(out),
                Err(err) => err,
            };
            let retry_after = retry_after(&err);
            let failure = CallError::from_sdk(call.service, call.operation, call.region, &err);
            let delay = match failure.class {
                ErrorClass::Throttled => {
                    throttles += 1;
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
                error = %failure.message,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

fn quota(flag: &'static str, per_second: f64) -> Result<Quota, CollectError> {
    if !(per_second.is_finite() && per_second > 0.0) {
        return Err(CollectError::InvalidRate {
            flag,
            value: per_second,
        });
    }
    let period = Duration::from_secs_f64(1.0 / per_second);
    // A small burst (a fifth of a second's worth) smooths scheduling without overshooting the account's bucket.
    let burst = NonZeroU32::new(((per_second / 5.0).floor() as u32).max(1)).expect("at least 1");
    Quota::with_period(period)
        .map(|q| q.allow_burst(burst))
        .ok_or(CollectError::InvalidRate {
            flag,
            value: per_second,
        })
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
        let err = quota("--get-policy-rate", 0.0).unwrap_err().to_string();
        assert!(err.contains("--get-policy-rate"), "{err}");
        assert!(quota("--x", f64::NAN).is_err());
        assert!(quota("--x", 13.5).is_ok());
    }
}
