//! esm-no-failure-destination: a stream event source mapping with no OnFailure destination and no retry limit.

use serde_json::json;

use crate::arn::Arn;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::EventSourceMapping;

pub const CHECK: Check = Check {
    id: "esm-no-failure-destination",
    title: "Stream event source mapping without an OnFailure destination or retry limit",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The kinds of event sources whose failed batches block or get lost without an OnFailure destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Kinesis,
    DynamoDbStream,
    Msk,
    SelfManagedKafka,
    /// SQS, Amazon MQ, DocumentDB…: retries and failures are handled by the source (redrive policy, broker).
    Other,
}

impl Source {
    fn of(mapping: &EventSourceMapping) -> Source {
        let Some(arn) = mapping.event_source_arn.as_deref() else {
            // Only self-managed Apache Kafka mappings have no event source ARN.
            return Source::SelfManagedKafka;
        };
        match Arn::parse(arn).map_or("", |a| a.service) {
            "kinesis" => Source::Kinesis,
            "dynamodb" if arn.contains("/stream/") => Source::DynamoDbStream,
            "kafka" => Source::Msk,
            _ => Source::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Source::Kinesis => "Kinesis stream",
            Source::DynamoDbStream => "DynamoDB stream",
            Source::Msk => "Amazon MSK topic",
            Source::SelfManagedKafka => "self-managed Kafka topic",
            Source::Other => "queue",
        }
    }
}

/// `-1` (the default for streams) means "retry until the record expires".
fn finite(limit: Option<i32>) -> Option<i32> {
    limit.filter(|n| *n >= 0)
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let failures: Vec<Outcome> = ctx
        .function
        .event_source_mappings
        .iter()
        .filter_map(judge)
        .collect();
    if failures.is_empty() {
        ctx.gap_unknown(&[("lambda", "ListEventSourceMappings")])
            .into_iter()
            .collect()
    } else {
        failures
    }
}

fn judge(mapping: &EventSourceMapping) -> Option<Outcome> {
    let source = Source::of(mapping);
    let retries = finite(mapping.maximum_retry_attempts);
    let max_age = finite(mapping.maximum_record_age_seconds);
    if source == Source::Other
        || mapping.on_failure_destination.is_some()
        || retries.is_some()
        || max_age.is_some()
    {
        return None;
    }
    let from = match mapping.event_source_arn.as_deref() {
        Some(arn) => format!("{} {arn}", source.label()),
        None => source.label().to_string(),
    };
    Some(Outcome::fail_with(
        format!(
            "Event source mapping {} ({from}) has no OnFailure destination and retries a failing batch until its records expire: the shard is blocked, then the records are lost",
            mapping.uuid
        ),
        mapping.uuid.clone(),
        json!({
            "uuid": mapping.uuid,
            "event_source_arn": mapping.event_source_arn,
            "source_kind": source.label(),
            "state": mapping.state,
            "on_failure_destination": null,
            "maximum_retry_attempts": mapping.maximum_retry_attempts,
            "maximum_record_age_seconds": mapping.maximum_record_age_seconds,
            "bisect_batch_on_function_error": mapping.bisect_batch_on_function_error,
            "function_response_types": mapping.function_response_types,
        }),
    ))
}
