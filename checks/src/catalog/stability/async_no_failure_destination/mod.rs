//! async-no-failure-destination: a function invoked asynchronously has neither a DLQ nor an OnFailure destination.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::common::gap_outcome;
use super::invokers::invoke_grants;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::Function;

pub const CHECK: Check = Check {
    id: "async-no-failure-destination",
    title: "Asynchronously invoked function drops failed events (no DLQ, no OnFailure destination)",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    evaluate,
};

const LATEST: &str = "$LATEST";

/// Why a qualifier is known to receive asynchronous invocations.
#[derive(Default)]
struct AsyncUse {
    /// Asynchronous services allowed by its resource policy.
    services: BTreeSet<String>,
    /// Statement ids of those permissions.
    sids: BTreeSet<String>,
    /// An asynchronous invocation configuration exists for it.
    has_async_config: bool,
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    if function.dead_letter_target.is_some() {
        // A DLQ is part of the function configuration and catches failed asynchronous events of every qualifier.
        return vec![];
    }
    let configs_gap = gap_outcome(ctx, &[("lambda", "ListFunctionEventInvokeConfigs")]);
    let failures: Vec<Outcome> = async_uses(function)
        .into_iter()
        .filter(|(qualifier, _)| configs_gap.is_none() && !has_on_failure(function, qualifier))
        .map(|(qualifier, usage)| failure(function, &qualifier, &usage))
        .collect();
    if !failures.is_empty() {
        return failures;
    }
    // Nothing proven missing. Unknown if a missing input could hide an asynchronous source or a destination.
    let policy_gap = gap_outcome(ctx, &[("lambda", "GetPolicy")]);
    match (policy_gap, configs_gap) {
        (Some(Outcome::Unknown { reason }), _) => vec![Outcome::unknown(format!(
            "the function has no dead-letter queue, and whether it is invoked asynchronously is unknown because {reason}"
        ))],
        (None, Some(unknown)) if !async_uses(function).is_empty() => vec![unknown],
        _ => vec![],
    }
}

/// Qualifiers invoked asynchronously: from async service principals in the resource policies and from existing
/// asynchronous invocation configurations.
fn async_uses(function: &Function) -> BTreeMap<String, AsyncUse> {
    let mut uses: BTreeMap<String, AsyncUse> = BTreeMap::new();
    for grant in invoke_grants(function) {
        if let Some(service) = grant.async_service() {
            let usage = uses
                .entry(
                    grant
                        .qualifier
                        .clone()
                        .unwrap_or_else(|| LATEST.to_string()),
                )
                .or_default();
            usage.services.insert(service.to_string());
            usage.sids.extend(grant.sid.clone());
        }
    }
    for config in &function.async_invoke_configs {
        uses.entry(config.qualifier.clone())
            .or_default()
            .has_async_config = true;
    }
    uses
}

fn has_on_failure(function: &Function, qualifier: &str) -> bool {
    function
        .async_invoke_configs
        .iter()
        .any(|c| c.qualifier == qualifier && c.on_failure.is_some())
}

fn failure(function: &Function, qualifier: &str, usage: &AsyncUse) -> Outcome {
    let config = function
        .async_invoke_configs
        .iter()
        .find(|c| c.qualifier == qualifier);
    let by = if usage.services.is_empty() {
        "has an asynchronous invocation configuration".to_string()
    } else {
        format!(
            "is invoked asynchronously by {}",
            usage
                .services
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let subject = if qualifier == LATEST {
        "The function".to_string()
    } else {
        format!("Alias or version {qualifier}")
    };
    Outcome::fail_with(
        format!(
            "{subject} {by} but has neither a dead-letter queue nor an OnFailure destination: events that fail every retry are dropped"
        ),
        qualifier,
        json!({
            "qualifier": qualifier,
            "async_services": usage.services,
            "statement_ids": usage.sids,
            "has_async_invoke_config": usage.has_async_config,
            "async_invoke_config": config.map(|c| json!({
                "maximum_retry_attempts": c.maximum_retry_attempts,
                "maximum_event_age_seconds": c.maximum_event_age_seconds,
                "on_success": c.on_success,
                "on_failure": c.on_failure,
            })),
            "dead_letter_target": null,
        }),
    )
}
