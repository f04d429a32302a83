//! async-no-failure-destination: a function invoked asynchronously has neither a DLQ nor an OnFailure destination,
//! graded by the evidence of asynchronous invocation (medium when proven, info when only possible).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::invokers::{invoke_grants, Caller, InvokeGrant};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::Function;

pub const CHECK: Check = Check {
    id: "async-no-failure-destination",
    title: "Asynchronously invoked function drops failed events (no DLQ, no OnFailure destination)",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

const LATEST: &str = "$LATEST";

/// Why a qualifier may receive asynchronous invocations.
#[derive(Default)]
struct AsyncUse {
    /// Services that invoke asynchronously (S3, SNS, EventBridge…), from the resource policy.
    async_services: BTreeSet<String>,
    /// Other principals allowed to invoke (`*`, accounts, roles, unclassified services): free to choose
    /// `InvocationType=Event`.
    other_callers: BTreeSet<String>,
    /// Statement ids of those permissions.
    sids: BTreeSet<String>,
    /// An asynchronous invocation configuration exists for it.
    has_async_config: bool,
}

impl AsyncUse {
    /// Evidence that the qualifier is invoked asynchronously: an asynchronous service may invoke it, or someone
    /// configured how its asynchronous events are handled. Other callers only could.
    fn proven(&self) -> bool {
        !self.async_services.is_empty() || self.has_async_config
    }
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    let every_version_has_a_dlq = function.dead_letter_target.is_some()
        && function
            .live_versions
            .iter()
            .all(|v| v.dead_letter_target.is_some());
    if every_version_has_a_dlq {
        // Every configuration that runs catches the failed asynchronous events of its qualifiers.
        return vec![];
    }
    let invokers = invoke_grants(function, ctx.config);
    // Resource policies not (completely) read: of the function, or of aliases and versions not listed.
    let policy_gap = ctx
        .gap_unknown(&[
            ("lambda", "GetPolicy"),
            ("lambda", "ListAliases"),
            ("lambda", "ListVersionsByFunction"),
        ])
        .or_else(|| {
            invokers
                .unreadable
                .first()
                .map(|reason| Outcome::unknown(reason.clone()))
        });
    // Function URLs and event source mappings are synchronous callers: not listing them hides no evidence.
    let configs_gap = ctx.gap_unknown(&[("lambda", "ListFunctionEventInvokeConfigs")]);
    let uses = async_uses(function, &invokers.grants);

    let failures: Vec<Outcome> = uses
        .iter()
        .filter(|(qualifier, _)| {
            configs_gap.is_none()
                && dead_letter_target(function, qualifier).is_none()
                && !has_on_failure(function, qualifier)
        })
        .map(|(qualifier, usage)| failure(function, qualifier, usage))
        .collect();
    if !failures.is_empty() {
        return failures;
    }
    if let Some(Outcome::Unknown { reason }) = policy_gap {
        return vec![Outcome::unknown(format!(
            "the function has no dead-letter queue, and whether it is invoked asynchronously is unknown because {reason}"
        ))];
    }
    match configs_gap {
        Some(unknown) if !uses.is_empty() => vec![unknown],
        _ => vec![],
    }
}

/// Qualifiers that may be invoked asynchronously, with the evidence.
fn async_uses(function: &Function, grants: &[InvokeGrant]) -> BTreeMap<String, AsyncUse> {
    let mut uses: BTreeMap<String, AsyncUse> = BTreeMap::new();
    for grant in grants {
        let qualifier = grant
            .qualifier
            .clone()
            .unwrap_or_else(|| LATEST.to_string());
        match grant.caller() {
            Caller::Sync => continue,
            Caller::Async(label) => uses
                .entry(qualifier.clone())
                .or_default()
                .async_services
                .insert(label),
            Caller::Other(label) => uses
                .entry(qualifier.clone())
                .or_default()
                .other_callers
                .insert(label),
        };
        uses.entry(qualifier)
            .or_default()
            .sids
            .extend(grant.sid.clone());
    }
    for config in &function.async_invoke_configs {
        uses.entry(config.qualifier.clone())
            .or_default()
            .has_async_config = true;
    }
    uses
}

/// The DLQ that catches a qualifier's failed asynchronous events: the one locked into the version it runs when it was
/// published (a DLQ added to `$LATEST` since does not protect it), `$LATEST`'s otherwise.
fn dead_letter_target<'f>(function: &'f Function, qualifier: &str) -> Option<&'f str> {
    match function.live_version_of(qualifier) {
        Some(version) => version.dead_letter_target.as_deref(),
        None => function.dead_letter_target.as_deref(),
    }
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
    let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
    let subject = if qualifier == LATEST {
        "The function".to_string()
    } else {
        format!("Alias or version {qualifier}")
    };
    let how = if !usage.async_services.is_empty() {
        format!(
            "{subject} is invoked asynchronously by {}, but",
            list(&usage.async_services)
        )
    } else if usage.has_async_config {
        format!("{subject} has an asynchronous invocation configuration but")
    } else {
        format!(
            "{subject} may be invoked asynchronously by {} (a caller allowed lambda:InvokeFunction can choose InvocationType=Event; nothing shows that it does), and",
            list(&usage.other_callers)
        )
    };
    // A DLQ added to $LATEST after the version was published: say why it does not count.
    let locked = function
        .live_version_of(qualifier)
        .filter(|_| function.dead_letter_target.is_some());
    let why_not_latest = locked.map_or(String::new(), |v| {
        format!(
            " (version {} runs without the dead-letter queue $LATEST has: a version keeps the configuration it was published with)",
            v.version
        )
    });
    let severity = if usage.proven() {
        CHECK.severity
    } else {
        Severity::Info
    };
    let mut evidence = json!({
            "qualifier": qualifier,
            "async_services": usage.async_services,
            "other_callers": usage.other_callers,
            "statement_ids": usage.sids,
            "has_async_invoke_config": usage.has_async_config,
            "asynchronous_invocation": if usage.proven() { "proven" } else { "possible" },
            "async_invoke_config": config.map(|c| json!({
                "maximum_retry_attempts": c.maximum_retry_attempts,
                "maximum_event_age_seconds": c.maximum_event_age_seconds,
                "on_success": c.on_success,
                "on_failure": c.on_failure,
            })),
            "dead_letter_target": null,
    });
    if let Some(version) = locked {
        evidence["runs_version"] = json!(version.version);
    }
    Outcome::fail_with(
        format!("{how} has neither a dead-letter queue nor an OnFailure destination: events that fail every retry are dropped{why_not_latest}"),
        qualifier,
        evidence,
    )
    .with_severity(severity)
}
