//! Who and where: AWS configuration from the standard chain, the caller's account (STS), and the regions to scan.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use lambda_posture_checks::arn::Arn;

use super::error::{one_line, CollectError};
use super::pacing::{Bucket, Call, Pacer, RetryPolicy};

/// Regions where Lambda is available, per partition (AWS Regional Services list).
const LAMBDA_REGIONS: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    ),
    ("aws-cn", &["cn-north-1", "cn-northwest-1"]),
    ("aws-us-gov", &["us-gov-east-1", "us-gov-west-1"]),
];

/// Region used for global calls when the configuration names none.
const FALLBACK_REGION: &str = "us-east-1";

/// Every known Lambda region of every partition.
fn all_regions() -> impl Iterator<Item = &'static str> {
    LAMBDA_REGIONS
        .iter()
        .flat_map(|(_, regions)| regions.iter().copied())
}

/// Check `--regions` against the built-in list; sorted and de-duplicated.
pub fn validate_regions(requested: &[String]) -> Result<Vec<String>, CollectError> {
    let mut out = Vec::new();
    for region in requested.iter().map(|r| r.trim()) {
        if !all_regions().any(|known| known == region) {
            return Err(CollectError::UnknownRegion {
                value: region.to_string(),
                known: all_regions().collect::<Vec<_>>().join(", "),
            });
        }
        out.push(region.to_string());
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(CollectError::NoRegions);
    }
    Ok(out)
}

/// Every Lambda region of a partition (the commercial list for an unknown partition).
pub fn partition_regions(partition: &str) -> Vec<String> {
    LAMBDA_REGIONS
        .iter()
        .find(|(p, _)| *p == partition)
        .unwrap_or(&LAMBDA_REGIONS[0])
        .1
        .iter()
        .map(|r| r.to_string())
        .collect()
}

/// The SDK configuration: standard chain (profile, env, SSO, instance role, AWS_ENDPOINT_URL), no SDK retries
/// (our pacing layer retries, so throttles never exhaust the SDK's retry token bucket), per-attempt timeouts, and
/// the scan's shared HTTP stack `http` (every client built from this configuration, or from one derived from it,
/// sends through it).
pub async fn load_sdk_config(
    profile: Option<&str>,
    home_region: Option<&str>,
    attempt_timeout: Duration,
    http: &super::http::Http,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(attempt_timeout)
                .build(),
        );
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    if config.region().is_some() {
        return config;
    }
    let region = home_region.unwrap_or(FALLBACK_REGION).to_string();
    config.into_builder().region(Region::new(region)).build()
}

/// The caller's account and partition.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub partition: String,
}

/// Resolve credentials (a clear error when there are none), then sts:GetCallerIdentity.
/// `profile` is the `--profile` the user named, quoted in the error so a misspelt one is obvious.
pub async fn identify(
    config: &SdkConfig,
    pacer: &Pacer,
    profile: Option<&str>,
) -> Result<Identity, CollectError> {
    identify_with(config, pacer, profile, RetryPolicy::FIRST_CALL).await
}

/// [`identify`] retried under `policy` (an organisation scan's check that a member's session still works, at the end
/// of the member's collection: the endpoint is known to answer, so a 5xx is retried like any call).
pub async fn identify_with(
    config: &SdkConfig,
    pacer: &Pacer,
    profile: Option<&str>,
    policy: RetryPolicy,
) -> Result<Identity, CollectError> {
    let with_profile = |reason: String| match profile {
        Some(name) => format!("profile `{name}`: {reason}"),
        None => reason,
    };
    let provider = config
        .credentials_provider()
        .ok_or_else(|| CollectError::NoCredentials {
            reason: with_profile("no credential provider configured".into()),
        })?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| CollectError::NoCredentials {
            reason: with_profile(one_line(&error_chain(&e))),
        })?;
    let client = aws_sdk_sts::Client::new(config);
    let region = config.region().map(|r| r.to_string());
    let call = Call {
        service: "sts",
        operation: "GetCallerIdentity",
        region: region.as_deref(),
        bucket: Bucket::Unpaced,
    };
    let out = pacer
        .call_with(call, policy, || client.get_caller_identity().send())
        .await?;
    let account_id = out.account().unwrap_or_default().to_string();
    let partition = out
        .arn()
        .and_then(|arn| Arn::parse(arn).ok())
        .map_or("aws", |arn| arn.partition)
        .to_string();
    Ok(Identity {
        account_id,
        partition,
    })
}

/// An error and its sources on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_region_names_the_flag_and_value() {
        let err = validate_regions(&["us-east-1".into(), "mars-north-1".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--regions: unknown region `mars-north-1`"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn regions_are_sorted_and_deduplicated() {
        let got = validate_regions(&["eu-west-1".into(), "us-east-1".into(), "eu-west-1".into()])
            .unwrap();
        assert_eq!(got, ["eu-west-1", "us-east-1"]);
        assert!(validate_regions(&[]).is_err());
    }

    #[test]
    fn partitions_have_their_own_regions() {
        assert!(partition_regions("aws").contains(&"us-east-1".to_string()));
        assert_eq!(
            partition_regions("aws-cn"),
            ["cn-north-1", "cn-northwest-1"]
        );
        assert!(!partition_regions("aws")
            .iter()
            .any(|r| r.starts_with("cn-")));
    }
}
