//! Published versions that run code: a check of the settings a version locks in when it is published (runtime,
//! environment and its key, layers, DLQ and the execution role) judges every live version (one an alias or an
//! event source mapping points at, or invoked by its own qualifier), not only `$LATEST`.

use serde_json::{json, Value};

use crate::check::{gap_reason, Failure, FunctionContext, Outcome};
use crate::inventory::LiveVersion;

/// `evaluate` on the function (`$LATEST`), then on each live version as it runs
/// ([`crate::inventory::Function::at_version`]).
///
/// A version's failure that `$LATEST` also has (same discriminator and message) is the same problem: the `$LATEST`
/// finding names the version in its `also_in_live_versions` evidence instead of a second finding. Any other failure
/// of a version is its own finding: the version's ARN as resource, discriminator `version:<n>` (or
/// `version:<n>/<discriminator>`), the version and what points at it in the message and evidence — so `$LATEST`'s
/// finding ids never change. A version's Unknown reasons `$LATEST` does not share join the function's one Unknown.
pub fn with_live_versions(
    ctx: &FunctionContext,
    evaluate: fn(&FunctionContext) -> Vec<Outcome>,
) -> Vec<Outcome> {
    let mut outcomes = evaluate(ctx);
    let mut unknown = hidden_versions(ctx);
    if ctx.function.live_versions.is_empty() && unknown.is_empty() {
        return outcomes;
    }
    let latest = outcomes.len();
    each_live_version(
        ctx,
        |_| true,
        |version, pointers, label, version_ctx| {
            for outcome in evaluate(version_ctx) {
                match outcome {
                    Outcome::Fail(failure) => {
                        match outcomes[..latest]
                            .iter_mut()
                            .find_map(|o| same_problem(o, &failure))
                        {
                            Some(shared) => note_version(shared, label),
                            None => outcomes.push(version_failure(
                                ctx,
                                failure,
                                version,
                                pointers,
                                label,
                                KeepResource::No,
                            )),
                        }
                    }
                    Outcome::Unknown { reason } => {
                        let known = outcomes[..latest]
                            .iter()
                            .any(|o| matches!(o, Outcome::Unknown { reason: r } if *r == reason));
                        let reason = format!("{label}: {reason}");
                        if !known && !unknown.contains(&reason) {
                            unknown.push(reason);
                        }
                    }
                }
            }
        },
    );
    if !unknown.is_empty() {
        join_unknown(&mut outcomes, &unknown);
    }
    outcomes
}

/// `evaluate` (a check of the execution role) on the function, then on each live version that runs with another role
/// than `$LATEST` (each such role once): a version published before the role was changed still runs as the old
/// role, so that role is judged too. A version's failure is its own finding: the role as resource, discriminator
/// `version:<n>` (or `version:<n>/<discriminator>`), the version and what points at it in the message and evidence.
/// Versions that run as `$LATEST`'s role add nothing: their role is already judged.
pub fn with_live_version_roles(
    ctx: &FunctionContext,
    evaluate: fn(&FunctionContext) -> Vec<Outcome>,
) -> Vec<Outcome> {
    let mut outcomes = evaluate(ctx);
    if ctx.function.live_versions.is_empty() {
        return outcomes;
    }
    let mut judged = vec![ctx.function.role_arn.clone()];
    let mut unknown = Vec::new();
    let another_role = |version: &LiveVersion| {
        let new = !judged.contains(&version.role_arn);
        if new {
            judged.push(version.role_arn.clone());
        }
        new
    };
    each_live_version(
        ctx,
        another_role,
        |version, pointers, label, version_ctx| {
            for outcome in evaluate(version_ctx) {
                match outcome {
                    Outcome::Fail(failure) => outcomes.push(version_failure(
                        ctx,
                        failure,
                        version,
                        pointers,
                        label,
                        KeepResource::Yes,
                    )),
                    Outcome::Unknown { reason } => unknown.push(format!("{label}: {reason}")),
                }
            }
        },
    );
    if !unknown.is_empty() {
        join_unknown(&mut outcomes, &unknown);
    }
    outcomes
}

/// `visit` each live version that `wanted` keeps, as it runs: the version, what points at it, how messages name it,
/// and the context that evaluates the function as that version.
fn each_live_version(
    ctx: &FunctionContext,
    mut wanted: impl FnMut(&LiveVersion) -> bool,
    mut visit: impl FnMut(&LiveVersion, &[String], &str, &FunctionContext),
) {
    let views = ctx.memo.live_versions(ctx.function);
    for (version, view) in ctx.function.live_versions.iter().zip(views) {
        if !wanted(version) {
            continue;
        }
        let version_ctx = FunctionContext {
            function: view,
            ..*ctx
        };
        let pointers = ctx.function.pointers_to(&version.version);
        let label = version_label(version, &pointers);
        visit(version, &pointers, &label, &version_ctx);
    }
}

/// `version 4 (alias live)`: how a live version is named in messages.
fn version_label(version: &LiveVersion, pointers: &[String]) -> String {
    match pointers.is_empty() {
        true => format!("version {}", version.version),
        false => format!("version {} ({})", version.version, pointers.join(", ")),
    }
}

/// Add the `unknown` reasons to the last Unknown of `outcomes`, or as a new one: one Unknown per check and function.
fn join_unknown(outcomes: &mut Vec<Outcome>, unknown: &[String]) {
    let existing = outcomes.iter_mut().rev().find_map(|o| match o {
        Outcome::Unknown { reason } => Some(reason),
        Outcome::Fail(_) => None,
    });
    match existing {
        Some(reason) => reason.push_str(&format!("; {}", unknown.join("; "))),
        None => outcomes.push(Outcome::unknown(unknown.join("; "))),
    }
}

/// Whether a version's failure keeps the resource the check named (a role) or takes the version's ARN.
#[derive(Clone, Copy, PartialEq)]
enum KeepResource {
    Yes,
    No,
}

/// Why some versions that run may be missing from `live_versions`: the listings that say which versions run
/// (aliases, event source mappings, the function's versions) failed, or a version's configuration could not be read.
fn hidden_versions(ctx: &FunctionContext) -> Vec<String> {
    let function = ctx.function;
    let mut reasons = Vec::new();
    if !function.versions.is_empty() {
        for operation in ["ListAliases", "ListEventSourceMappings"] {
            if let Some(gap) = ctx.gap("lambda", operation) {
                reasons.push(format!(
                    "which published versions run is not known: {}",
                    gap_reason(gap)
                ));
            }
        }
    }
    if let Some(gap) = ctx.gap("lambda", "ListVersionsByFunction") {
        reasons.push(format!(
            "the published versions are not known: {}",
            gap_reason(gap)
        ));
    }
    let version_prefix = format!("{}:", function.arn);
    for gap in &ctx.account.gaps {
        let version = gap
            .resource
            .as_deref()
            .and_then(|r| r.strip_prefix(&version_prefix));
        if let (Some(version), true) = (
            version,
            gap.service == "lambda" && gap.operation == "GetFunction",
        ) {
            reasons.push(format!(
                "the configuration of version {version} could not be read: {}",
                gap_reason(gap)
            ));
        }
    }
    reasons
}

/// The `$LATEST` failure that is the same problem as a version's, if `outcome` is one.
fn same_problem<'o>(outcome: &'o mut Outcome, failure: &Failure) -> Option<&'o mut Failure> {
    match outcome {
        Outcome::Fail(f)
            if f.discriminator == failure.discriminator && f.message == failure.message =>
        {
            Some(f)
        }
        _ => None,
    }
}

/// Add a live version to the `also_in_live_versions` evidence of a `$LATEST` failure it shares.
fn note_version(failure: &mut Failure, label: &str) {
    let mut evidence = failure.evidence.value();
    if let Value::Object(map) = &mut evidence {
        let versions = map
            .entry("also_in_live_versions")
            .or_insert_with(|| json!([]));
        if let Value::Array(list) = versions {
            list.push(json!(label));
        }
        failure.evidence = evidence.into();
    }
}

/// A version's own failure: its ARN, a `version:<n>` discriminator, and the version in message and evidence.
fn version_failure(
    ctx: &FunctionContext,
    failure: Failure,
    version: &LiveVersion,
    pointers: &[String],
    label: &str,
    keep: KeepResource,
) -> Outcome {
    let n = &version.version;
    let mut evidence = failure.evidence.value();
    if let Value::Object(map) = &mut evidence {
        map.insert("version".into(), json!(n));
        map.insert("invoked_through".into(), json!(pointers));
    }
    let mut label = label.to_string();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Outcome::Fail(Failure {
        message: format!("{label}: {}", failure.message),
        discriminator: Some(match failure.discriminator {
            Some(d) => format!("version:{n}/{d}"),
            None => format!("version:{n}"),
        }),
        resource_arn: match (keep, failure.resource_arn) {
            (KeepResource::Yes, Some(resource)) => Some(resource),
            _ => Some(format!("{}:{n}", ctx.function.arn)),
        },
        evidence: evidence.into(),
        severity: failure.severity,
    })
}
