//! DLQ and destination targets: does each queue, topic, event bus and bucket the functions name still exist?
//!
//! Every target (DeadLetterConfig, async invoke OnFailure and OnSuccess, event source mapping OnFailure) is looked
//! up once, in its own region and account: SQS GetQueueUrl, SNS GetTopicAttributes, EventBridge DescribeEventBus and
//! S3 HeadBucket (the last two signed by hand, see [`super::raw`]). An answer that the target does not exist is
//! `exists: false`; any other failure is a gap about the ARN and no entry. Lambda function targets are not looked up:
//! the check judges them from the function listing.

use std::collections::BTreeMap;

use aws_config::{Region, SdkConfig};
use futures::stream::{self, StreamExt};
use lambda_posture_checks::arn::Arn;
use lambda_posture_checks::inventory::{Destination, Function, Gap, GapKind};
use serde_json::json;

use super::error::CallError;
use super::pacing::{Bucket, Call};
use super::raw::{RawClient, RawOperation, RawRequest};
use super::Ctx;

const DESCRIBE_EVENT_BUS: RawOperation = RawOperation::new("events", "DescribeEventBus");
const HEAD_BUCKET: RawOperation = RawOperation::new("s3", "HeadBucket");

/// Lookups in flight at once, all regions together (each attempt is paced per service and region: [`Bucket::Lookup`]).
const LOOKUPS_IN_FLIGHT: usize = 8;

/// The answers that mean "it does not exist", per service.
const QUEUE_NOT_FOUND: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];
const TOPIC_NOT_FOUND: &[&str] = &["NotFound", "NotFoundException"];
const BUS_NOT_FOUND: &[&str] = &["ResourceNotFoundException"];
const BUCKET_NOT_FOUND: &[&str] = &["NotFound", "NoSuchBucket"];

/// A destination that can be looked up, parsed from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Queue {
        region: String,
        account: String,
        name: String,
    },
    Topic {
        region: String,
    },
    Bus {
        region: String,
    },
    /// S3 ARNs name no region: the region of the first function that names the bucket is asked.
    Bucket {
        region: String,
        name: String,
    },
}

impl Target {
    /// `None` for Lambda functions (judged from the listing), malformed ARNs and kinds we do not look up.
    fn parse(arn: &str, function_region: &str) -> Option<Target> {
        let Ok(Arn {
            service,
            region,
            account,
            resource,
            ..
        }) = Arn::parse(arn)
        else {
            return None;
        };
        let named = !resource.is_empty();
        let located = !region.is_empty() && !account.is_empty();
        match service {
            "sqs" if named && located => Some(Target::Queue {
                region: region.to_string(),
                account: account.to_string(),
                name: resource.to_string(),
            }),
            "sns" if named && located && !resource.contains(':') => Some(Target::Topic {
                region: region.to_string(),
            }),
            "events" if located && resource.starts_with("event-bus/") => Some(Target::Bus {
                region: region.to_string(),
            }),
            "s3" if named && !resource.contains('/') => Some(Target::Bucket {
                region: function_region.to_string(),
                name: resource.to_string(),
            }),
            _ => None,
        }
    }
}

/// Every destination ARN the functions name, with the region of the first function naming it (the functions in
/// their inventory order: by region, then name).
pub fn targets(functions: &[Function]) -> BTreeMap<String, String> {
    let mut arns = BTreeMap::new();
    for f in functions {
        let named = f
            .dead_letter_target
            .iter()
            .chain(
                f.async_invoke_configs
                    .iter()
                    .flat_map(|c| c.on_failure.iter().chain(c.on_success.iter())),
            )
            .chain(
                f.event_source_mappings
                    .iter()
                    .flat_map(|m| m.on_failure_destination.iter()),
            );
        for arn in named {
            arns.entry(arn.clone()).or_insert_with(|| f.region.clone());
        }
    }
    arns
}

/// Look up every destination of `targets` ([`targets`]: ARN and the region to ask for a bucket); `account_id` is
/// the scanned account.
pub async fn collect(
    ctx: &Ctx,
    sdk: &SdkConfig,
    raw: &RawClient,
    account_id: &str,
    targets: BTreeMap<String, String>,
) -> BTreeMap<String, Destination> {
    let lookups = Lookups {
        ctx,
        sdk,
        raw,
        account_id,
    };
    let parsed: Vec<(String, Target)> = targets
        .into_iter()
        .filter_map(|(arn, region)| Target::parse(&arn, &region).map(|t| (arn, t)))
        .collect();
    stream::iter(parsed)
        .map(|(arn, target)| {
            let lookups = &lookups;
            async move {
                let exists = lookups.exists(&arn, &target).await;
                exists.map(|exists| (arn, Destination { exists }))
            }
        })
        .buffer_unordered(LOOKUPS_IN_FLIGHT)
        .filter_map(|found| async move { found })
        .collect()
        .await
}

struct Lookups<'a> {
    ctx: &'a Ctx,
    sdk: &'a SdkConfig,
    raw: &'a RawClient,
    account_id: &'a str,
}

impl Lookups<'_> {
    /// Whether the target exists; `None` after recording a gap when the lookup failed.
    async fn exists(&self, arn: &str, target: &Target) -> Option<bool> {
        let (answer, not_found) = match target {
            Target::Queue {
                region,
                account,
                name,
            } => (self.queue(region, account, name).await, QUEUE_NOT_FOUND),
            Target::Topic { region } => (self.topic(region, arn).await, TOPIC_NOT_FOUND),
            Target::Bus { region } => (self.bus(region, arn).await, BUS_NOT_FOUND),
            Target::Bucket { region, name } => (self.bucket(region, name).await, BUCKET_NOT_FOUND),
        };
        match answer {
            Ok(()) => Some(true),
            Err(e) if e.has_code(not_found) => match target {
                // SQS gives the same answer for another account's queue that exists but that we may not see.
                Target::Queue { account, .. } if account != self.account_id => {
                    self.ctx.gaps.push(foreign_queue_gap(&e, arn));
                    None
                }
                _ => Some(false),
            },
            Err(e) => {
                self.ctx.gaps.record(&e, Some(arn));
                None
            }
        }
    }

    async fn queue(&self, region: &str, account: &str, name: &str) -> Result<(), CallError> {
        let config = aws_sdk_sqs::config::Builder::from(self.sdk)
            .region(Region::new(region.to_string()))
            .build();
        let sqs_client = aws_sdk_sqs::Client::from_conf(config);
        self.ctx
            .pacer
            .call(lookup("sqs", "GetQueueUrl", region), || {
                sqs_client
                    .get_queue_url()
                    .queue_name(name)
                    .queue_owner_aws_account_id(account)
                    .send()
            })
            .await
            .map(drop)
    }

    async fn topic(&self, region: &str, arn: &str) -> Result<(), CallError> {
        let config = aws_sdk_sns::config::Builder::from(self.sdk)
            .region(Region::new(region.to_string()))
            .build();
        let sns_client = aws_sdk_sns::Client::from_conf(config);
        self.ctx
            .pacer
            .call(lookup("sns", "GetTopicAttributes", region), || {
                sns_client.get_topic_attributes().topic_arn(arn).send()
            })
            .await
            .map(drop)
    }

    async fn bus(&self, region: &str, arn: &str) -> Result<(), CallError> {
        let op = DESCRIBE_EVENT_BUS;
        let url = format!("{}/", self.raw.endpoint(op, region));
        let request = RawRequest::json(
            region,
            format!("AWSEvents.{}", op.operation),
            &json!({ "Name": arn }),
        );
        self.signed(op, region, &url, &request).await
    }

    async fn bucket(&self, region: &str, name: &str) -> Result<(), CallError> {
        let op = HEAD_BUCKET;
        let endpoint = self.raw.endpoint(op, region);
        // Virtual-hosted style on AWS; path style for configured endpoints and for dotted names (TLS wildcard).
        let url = match endpoint.split_once("://") {
            Some((scheme, host))
                if !self.raw.has_endpoint_override(op, region) && !name.contains('.') =>
            {
                format!("{scheme}://{name}.{host}/")
            }
            _ => format!("{endpoint}/{name}"),
        };
        let request = RawRequest::head(region);
        self.signed(op, region, &url, &request).await
    }

    /// A lookup signed by hand ([`super::raw`]), paced and retried like the SDK's.
    async fn signed(
        &self,
        op: RawOperation,
        region: &str,
        url: &str,
        request: &RawRequest,
    ) -> Result<(), CallError> {
        self.ctx
            .pacer
            .call(lookup(op.service, op.operation, region), || {
                self.raw.send(op, url, request)
            })
            .await
            .map(drop)
    }
}

/// A lookup call, paced in its service and region's [`Bucket::Lookup`] and retried by the pacer.
fn lookup<'a>(service: &'static str, operation: &'static str, region: &'a str) -> Call<'a> {
    Call {
        service,
        operation,
        region: Some(region),
        bucket: Bucket::Lookup,
    }
}

fn foreign_queue_gap(error: &CallError, arn: &str) -> Gap {
    Gap {
        kind: GapKind::Error,
        error: format!(
            "{} (the queue belongs to another account: SQS answers the same when it exists but its policy does \
             not let this scanner see it)",
            error.message
        ),
        ..error.to_gap(Some(arn))
    }
}

#[cfg(test)]
mod tests {
    use lambda_posture_checks::inventory::{AsyncInvokeConfig, EventSourceMapping};

    use super::*;

    #[test]
    fn arns_are_parsed_by_kind() {
        assert_eq!(
            Target::parse(
                "arn:aws:sqs:eu-west-1:210987654321:orders-dlq.fifo",
                "us-east-1"
            ),
            Some(Target::Queue {
                region: "eu-west-1".into(),
                account: "210987654321".into(),
                name: "orders-dlq.fifo".into()
            })
        );
        assert_eq!(
            Target::parse("arn:aws:sns:us-east-1:123456789012:alerts", "eu-west-1"),
            Some(Target::Topic {
                region: "us-east-1".into()
            })
        );
        assert_eq!(
            Target::parse(
                "arn:aws:events:us-east-1:123456789012:event-bus/default",
                "x"
            ),
            Some(Target::Bus {
                region: "us-east-1".into()
            })
        );
        assert_eq!(
            Target::parse("arn:aws:s3:::failure-records", "eu-west-1"),
            Some(Target::Bucket {
                region: "eu-west-1".into(),
                name: "failure-records".into()
            })
        );
        for skipped in [
            "arn:aws:lambda:us-east-1:123456789012:function:handler",
            "arn:aws:sqs:us-east-1::no-account",
            "arn:aws:sns:us-east-1:123456789012:topic:subscription-id",
            "arn:aws:events:us-east-1:123456789012:rule/r",
            "arn:aws:s3:::bucket/prefix",
            "not-an-arn",
        ] {
            assert_eq!(Target::parse(skipped, "us-east-1"), None, "{skipped}");
        }
    }

    #[test]
    fn every_kind_of_target_is_named_once_with_the_first_region() {
        let q = "arn:aws:sqs:us-east-1:123456789012:q";
        let t = "arn:aws:sns:us-east-1:123456789012:t";
        let s = "arn:aws:sqs:us-east-1:123456789012:ok";
        let e = "arn:aws:sqs:us-east-1:123456789012:esm";
        let eu = Function {
            region: "eu-west-1".into(),
            dead_letter_target: Some(q.into()),
            ..Function::default()
        };
        let us = Function {
            region: "us-east-1".into(),
            dead_letter_target: Some(q.into()),
            async_invoke_configs: vec![AsyncInvokeConfig {
                on_failure: Some(t.into()),
                on_success: Some(s.into()),
                ..AsyncInvokeConfig::default()
            }],
            event_source_mappings: vec![EventSourceMapping {
                on_failure_destination: Some(e.into()),
                ..EventSourceMapping::default()
            }],
            ..Function::default()
        };
        let got = targets(&[eu, us]);
        let expected: BTreeMap<String, String> = [
            (q, "eu-west-1"),
            (t, "us-east-1"),
            (s, "us-east-1"),
            (e, "us-east-1"),
        ]
        .into_iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect();
        assert_eq!(got, expected);
    }
}
