//! Collecting an inventory from AWS: one module per service, paced per quota bucket, failures recorded as gaps.
//!
//! Regions are scanned concurrently (each has its own quotas); meanwhile IAM's authorization details are read and each
//! execution role is completed as soon as a listed function names it, and the account-wide reads start as soon as
//! their inputs are known: the organization at once, CloudTrail in each region found enabled, the destinations once
//! every region's functions are listed. Nothing is lost silently: every call that fails for good is a
//! [`Gap`] in the inventory.

pub mod account;
mod apigateway;
mod cloudtrail;
mod code;
mod destinations;
mod ec2;
mod elbv2;
mod env;
pub mod error;
pub mod http;
mod iam;
mod lambda;
mod listing;
mod logs;
mod metrics;
pub mod organization;
pub mod pacing;
pub mod permissions;
pub mod progress;
pub mod raw;
mod xml;

use std::sync::Mutex;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use chrono::{DateTime, Utc};
use lambda_posture_checks::config::ValidCodeScan;
use lambda_posture_checks::inventory::{
    Account, Api, Gap, Inventory, LoadBalancing, LogGroup, SCHEMA_VERSION,
};
use std::collections::BTreeMap;
use tokio::sync::mpsc::UnboundedSender;

pub use self::error::{CallError, CollectError};
use self::lambda::RegionOutcome;
use self::metrics::Window;
use self::pacing::Pacer;
use self::progress::Progress;

/// What to collect and how fast.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// `None` = every region where Lambda is available and enabled.
    pub regions: Option<Vec<String>>,
    pub profile: Option<String>,
    pub lookback_days: u32,
    pub rates: Rates,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    pub scan_code: bool,
    /// Make every per-function call (`--thorough`) instead of following the plan ([`lambda_posture_checks::plan`]).
    pub thorough: bool,
    /// `[code_scan]` of the configuration: what `--scan-code` does not report.
    pub code_scan: ValidCodeScan,
    /// Time allowed to one attempt of one call before it is retried.
    pub attempt_timeout: Duration,
}

/// Calls per second per region and quota bucket.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub get_function: f64,
    pub get_policy: f64,
    pub control_plane: f64,
    /// Multiplier of the built-in IAM and CloudWatch rates (`--max-rate` x `--quota-scale`).
    pub others: f64,
}

/// Shared by every collector of a scan.
pub struct Ctx {
    pub pacer: Pacer,
    pub gaps: Gaps,
    /// Functions processed at once within a region.
    pub function_concurrency: usize,
    /// `--thorough`: every per-function call, no plan.
    pub thorough: bool,
}

/// Calls that failed for good, in the order they were found (sorted at the end).
#[derive(Default)]
pub struct Gaps(Mutex<Vec<Gap>>);

impl Gaps {
    pub fn push(&self, gap: Gap) {
        // listed in the report too: on stderr only with -v
        tracing::info!(service = %gap.service, operation = %gap.operation, region = ?gap.region,
            resource = ?gap.resource, error = %gap.error, "gap");
        self.0.lock().expect("gaps lock").push(gap);
    }

    pub fn record(&self, err: &CallError, resource: Option<&str>) {
        self.push(err.to_gap(resource));
    }

    /// The value, or `None` after recording the failure as a gap about `resource`.
    pub fn ok_or_record<T>(
        &self,
        result: Result<T, CallError>,
        resource: Option<&str>,
    ) -> Option<T> {
        result.map_err(|e| self.record(&e, resource)).ok()
    }

    fn into_sorted(self) -> Vec<Gap> {
        let mut gaps = self.0.into_inner().expect("gaps lock");
        gaps.sort_by(|a, b| {
            (&a.service, &a.operation, &a.region, &a.resource, &a.error).cmp(&(
                &b.service,
                &b.operation,
                &b.region,
                &b.resource,
                &b.error,
            ))
        });
        gaps.dedup();
        gaps
    }
}

/// Functions in flight per region: enough to keep every bucket busy at the configured rates, not more.
fn function_concurrency(rates: &Rates) -> usize {
    let total = rates.get_function + rates.get_policy + rates.control_plane;
    ((total / 2.0).ceil() as usize).clamp(4, 64)
}

/// Collect the inventory of the caller's account.
pub async fn collect(options: &CollectOptions) -> Result<Inventory, CollectError> {
    let http = http::Http::new();
    let sdk = caller_sdk_config(options, &http).await?;
    collect_account(&sdk, &http, options, pacing::RetryPolicy::FIRST_CALL).await
}

/// The caller's SDK configuration (`--profile` or the standard chain; the first of `--regions` when the
/// configuration names no region), sending through `http`.
pub async fn caller_sdk_config(
    options: &CollectOptions,
    http: &http::Http,
) -> Result<SdkConfig, CollectError> {
    let requested = requested_regions(options)?;
    let home_region = requested
        .as_ref()
        .and_then(|r| r.first())
        .map(String::as_str);
    Ok(account::load_sdk_config(
        options.profile.as_deref(),
        home_region,
        options.attempt_timeout,
        http,
    )
    .await)
}

/// `--regions`, validated, sorted and de-duplicated; `None` = every region of the partition.
fn requested_regions(options: &CollectOptions) -> Result<Option<Vec<String>>, CollectError> {
    options
        .regions
        .as_deref()
        .map(account::validate_regions)
        .transpose()
}

/// Collect the inventory of the account whose credentials `sdk` holds (the caller's, or a member account's role in
/// an organisation scan), with quota schedules of its own; its signed requests go through `http` (the scan's, which
/// `sdk`'s clients share too). `first_call` retries its first call, sts:GetCallerIdentity: `FIRST_CALL` (fail fast)
/// when nothing has reached the endpoint yet, `STANDARD` for a member account entered through STS a moment ago.
pub async fn collect_account(
    sdk: &SdkConfig,
    http: &http::Http,
    options: &CollectOptions,
    first_call: pacing::RetryPolicy,
) -> Result<Inventory, CollectError> {
    let requested = requested_regions(options)?;
    let ctx = Ctx {
        pacer: Pacer::new(&options.rates)?,
        gaps: Gaps::default(),
        function_concurrency: function_concurrency(&options.rates),
        thorough: options.thorough,
    };
    let collected_at = Utc::now();
    let started = std::time::Instant::now();
    let identity =
        account::identify_with(sdk, &ctx.pacer, options.profile.as_deref(), first_call).await?;
    let regions = requested.unwrap_or_else(|| account::partition_regions(&identity.partition));
    tracing::info!(account = %identity.account_id, partition = %identity.partition, regions = regions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64, "caller identified");
    let window = Window::ending(collected_at, options.lookback_days);
    let progress = Progress::new(options.progress);
    let iam_client = aws_sdk_iam::Client::new(sdk);
    // one signed-request client (the account's credentials, the scan's connector) for every region of the account
    let raw = raw::RawClient::new(sdk, http);

    let (role_sender, role_receiver) = tokio::sync::mpsc::unbounded_channel();
    // What the account-wide reads wait for, told by each region's scan as soon as it is known: whether the region is
    // enabled (CloudTrail), the destinations its functions name (once its Lambda part is done).
    let (enabled_senders, enabled): (Vec<_>, Vec<_>) = regions
        .iter()
        .map(|region| {
            let (tell, told) = tokio::sync::oneshot::channel();
            (
                tell,
                Enabled {
                    region: region.clone(),
                    told,
                },
            )
        })
        .unzip();
    let (target_senders, target_receivers): (Vec<_>, Vec<_>) = regions
        .iter()
        .map(|_| tokio::sync::oneshot::channel())
        .unzip();
    let region_scans = futures::future::join_all(
        regions
            .iter()
            .zip(enabled_senders.into_iter().zip(target_senders))
            .map(|(region, (enabled, targets))| {
                scan_region(
                    &ctx,
                    sdk,
                    &raw,
                    region,
                    &identity.partition,
                    &progress,
                    window,
                    Told {
                        roles: role_sender.clone(),
                        enabled,
                        targets,
                    },
                )
            }),
    );
    drop(role_sender);
    // The organization, CloudTrail and the destinations do not wait for the whole region scan (logs, APIs, load
    // balancers, metrics): each starts as soon as what it needs is known, in buckets of its own.
    let account_wide = async {
        let destinations = async {
            // in region order, as the inventory lists the functions: a bucket named in two regions is asked in the first
            let mut targets = BTreeMap::new();
            for (region, told) in regions.iter().zip(target_receivers) {
                for (arn, asked_in) in told.await.unwrap_or_default() {
                    targets.entry(arn).or_insert(asked_in);
                }
                tracing::debug!(region, "destinations of the region known");
            }
            destinations::collect(&ctx, sdk, &raw, &identity.account_id, targets).await
        };
        let found = tokio::join!(
            destinations,
            organization::collect(&ctx, &raw, &identity.partition),
            cloudtrail::collect(&ctx, &raw, enabled),
        );
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "destinations, organization and CloudTrail collected"
        );
        found
    };
    let (roles, region_results, (found, organization, trails)) = tokio::join!(
        iam::roles(&ctx, &iam_client, role_receiver),
        region_scans,
        account_wide
    );

    let mut account = Account {
        account_id: identity.account_id,
        partition: identity.partition,
        regions: regions.clone(),
        ..Account::default()
    };
    let mut log_groups = BTreeMap::new();
    let mut apis = BTreeMap::new();
    let mut load_balancing = LoadBalancing::default();
    for (region, (outcome, groups, region_apis, region_elb)) in regions.iter().zip(region_results) {
        log_groups.extend(groups);
        apis.extend(region_apis);
        load_balancing
            .target_groups
            .extend(region_elb.target_groups);
        load_balancing
            .load_balancers
            .extend(region_elb.load_balancers);
        match outcome {
            RegionOutcome::Disabled => account.disabled_regions.push(region.clone()),
            RegionOutcome::Scanned {
                functions,
                settings,
            } => {
                account.functions.extend(functions);
                if let Some(settings) = settings {
                    account.account_settings.insert(region.clone(), settings);
                }
            }
        }
    }
    if !account.disabled_regions.is_empty() {
        // A region not enabled and credentials that no longer work (expired, a suspended account) answer Lambda
        // with the same codes: a region is skipped only while STS still knows the credentials.
        account::identify(sdk, &ctx.pacer, options.profile.as_deref())
            .await
            .map_err(|e| CollectError::CredentialsStopped(Box::new(e)))?;
    }
    account
        .functions
        .sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    if options.scan_code {
        code::scan(
            &ctx,
            sdk,
            &options.code_scan,
            &mut account.functions,
            options.progress,
        )
        .await;
    }
    account.roles = roles;
    tracing::info!(
        functions = account.functions.len(),
        roles = account.roles.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "regions and roles collected"
    );
    account.destinations = Some(found);
    account.cloudtrail = Some(trails);
    account.log_groups = Some(log_groups);
    account.apis = Some(apis);
    account.load_balancing = Some(load_balancing);
    account.organization = organization;
    account.gaps = ctx.gaps.into_sorted();
    Ok(Inventory {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        collected_at,
        lookback_days: options.lookback_days,
        accounts: vec![account],
    })
}

/// Whether a region is enabled for the account, told by its Lambda scan as soon as its first call answers.
pub struct Enabled {
    region: String,
    told: tokio::sync::oneshot::Receiver<bool>,
}

impl Enabled {
    /// The region once it is known to be enabled; `None` when it is not (or its scan ended without telling).
    pub async fn wait(self) -> Option<String> {
        matches!(self.told.await, Ok(true)).then_some(self.region)
    }
}

/// What a region's scan tells the rest of the account's collection as soon as it knows it.
struct Told {
    /// The execution roles of its functions (IAM).
    roles: UnboundedSender<String>,
    /// Whether the region is enabled (CloudTrail).
    enabled: tokio::sync::oneshot::Sender<bool>,
    /// The destinations its functions name, once its Lambda part is done ([`destinations::targets`]).
    targets: tokio::sync::oneshot::Sender<BTreeMap<String, String>>,
}

/// What one region gave: Lambda's outcome, the functions' log groups, the APIs and load balancers in front of
/// functions.
type RegionScan = (
    RegionOutcome,
    BTreeMap<String, LogGroup>,
    BTreeMap<String, Api>,
    LoadBalancing,
);

/// One region: Lambda, then the log groups, the API Gateway APIs, the load balancers and the CloudWatch metrics of
/// its functions.
#[allow(clippy::too_many_arguments)]
async fn scan_region(
    ctx: &Ctx,
    sdk: &SdkConfig,
    raw: &raw::RawClient,
    region: &str,
    partition: &str,
    progress: &Progress,
    window: Window,
    told: Told,
) -> RegionScan {
    let bar = progress.region(region);
    let started = std::time::Instant::now();
    let lambda_config = aws_sdk_lambda::config::Builder::from(sdk)
        .region(Region::new(region.to_string()))
        .build();
    let outcome = lambda::scan_region(
        ctx,
        aws_sdk_lambda::Client::from_conf(lambda_config),
        region,
        &bar,
        told.roles,
        told.enabled,
    )
    .await;
    let RegionOutcome::Scanned {
        mut functions,
        settings,
    } = outcome
    else {
        bar.finish("not enabled for the account: skipped");
        return (
            RegionOutcome::Disabled,
            BTreeMap::new(),
            BTreeMap::new(),
            LoadBalancing::default(),
        );
    };
    let _ = told.targets.send(destinations::targets(&functions));
    ec2::resolve_subnet_azs(ctx, raw, region, &mut functions).await;
    let (log_groups, apis, load_balancing) = futures::join!(
        logs::collect(ctx, raw, region, &functions),
        async {
            // A region without functions has no API in front of one of ours (its APIs are not read: an API invoking
            // a function of another region is not seen).
            if functions.is_empty() {
                BTreeMap::new()
            } else {
                apigateway::collect(ctx, raw, region, partition).await
            }
        },
        async {
            // A Lambda target group and its function are in one region (AWS's rule): none without functions.
            if functions.is_empty() {
                LoadBalancing::default()
            } else {
                elbv2::collect(ctx, raw, region).await
            }
        },
    );
    if !functions.is_empty() {
        bar.phase("metrics");
        let cw_config = aws_sdk_cloudwatch::config::Builder::from(sdk)
            .region(Region::new(region.to_string()))
            .build();
        let cw = aws_sdk_cloudwatch::Client::from_conf(cw_config);
        let names: Vec<(String, String)> = functions
            .iter()
            .map(|f| (f.name.clone(), f.arn.clone()))
            .collect();
        let mut by_name = metrics::collect(ctx, &cw, region, &names, window).await;
        for f in &mut functions {
            f.metrics = by_name.remove(&f.name);
        }
    }
    bar.finish("done");
    tracing::info!(
        region,
        functions = functions.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "region scanned"
    );
    (
        RegionOutcome::Scanned {
            functions,
            settings,
        },
        log_groups,
        apis,
        load_balancing,
    )
}

/// An SDK timestamp as a chrono one.
pub fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_region_is_enabled_only_when_its_scan_says_so() {
        let gate = |region: &str| {
            let (tell, told) = tokio::sync::oneshot::channel();
            let gate = Enabled {
                region: region.to_string(),
                told,
            };
            (tell, gate)
        };
        let (tell, enabled) = gate("eu-west-1");
        tell.send(true).unwrap();
        assert_eq!(enabled.wait().await.as_deref(), Some("eu-west-1"));
        let (tell, disabled) = gate("me-south-1");
        tell.send(false).unwrap();
        assert_eq!(disabled.wait().await, None);
        // a scan that ended without telling (an early failure) does not let CloudTrail ask the region
        let (tell, untold) = gate("ap-east-1");
        drop(tell);
        assert_eq!(untold.wait().await, None);
    }
}
