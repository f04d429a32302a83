//! lambda-service-invoke-unscoped: a service principal may invoke without naming the source resource or account
//! (confused deputy).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::arn::Arn;
use crate::catalog::access::policies::{
    judge_qualifiers, labels, path_failure, scope_name, PolicyStatement,
};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::resource::{invoke_actions, Pin};

pub const CHECK: Check = Check {
    id: "lambda-service-invoke-unscoped",
    title: "Service may invoke the function on behalf of any account",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| judge_qualifiers(ctx, judge),
};

/// The exposure kinds this check owns on a qualifier: a service acting for any source, and S3 buckets trusted by
/// name alone.
const ANY_SOURCE: &str = "service";
const BUCKET_NAME: &str = "bucket";

/// Condition keys that tie a service's call to the resource or account it acts for.
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
];

/// What a statement leaves open to a service acting for someone else.
enum Opening {
    /// Services that may act for any resource of any account.
    AnySource(BTreeSet<String>),
    /// S3 buckets named without their owner: a deleted bucket's name can be registered by another account.
    BucketName(BTreeSet<String>),
}

/// At most one finding per kind for the qualifier, naming every statement that opens it.
fn judge(
    ctx: &FunctionContext,
    qualifier: Option<&str>,
    statements: &[&PolicyStatement],
) -> Vec<Outcome> {
    let scope = scope_name(qualifier);
    let (mut any, mut any_statements, mut any_entries) = (BTreeSet::new(), vec![], vec![]);
    let (mut buckets, mut bucket_statements, mut bucket_entries) =
        (BTreeSet::new(), vec![], vec![]);
    for ps in statements.iter().copied() {
        match opening(ctx, ps) {
            Some(Opening::AnySource(services)) => {
                any_entries.push(entry(ctx, ps));
                any_statements.push(ps);
                any.extend(services);
            }
            Some(Opening::BucketName(names)) => {
                bucket_entries.push(entry(ctx, ps));
                bucket_statements.push(ps);
                buckets.extend(names);
            }
            None => {}
        }
    }
    let mut failures = Vec::new();
    if !any.is_empty() {
        let services: Vec<&str> = any.iter().map(String::as_str).collect();
        let message = format!(
            "The resource policy of {scope} lets any {} resource, in any AWS account, make the service invoke it \
             ({}: no fixed aws:SourceArn or aws:SourceAccount condition)",
            services.join(" / "),
            labels(&any_statements)
        );
        let details = json!({ "services": services });
        failures.push(path_failure(
            ctx,
            ANY_SOURCE,
            qualifier,
            any_entries,
            message,
            details,
        ));
    }
    if !buckets.is_empty() {
        let names: Vec<&str> = buckets.iter().map(String::as_str).collect();
        let message = format!(
            "The resource policy of {scope} trusts S3 bucket {} by name alone ({}): if the bucket is deleted, \
             whoever registers the name in another account can have S3 invoke it; add aws:SourceAccount",
            names.join(", "),
            labels(&bucket_statements)
        );
        let details = json!({ "buckets": names });
        failures.push(
            path_failure(
                ctx,
                BUCKET_NAME,
                qualifier,
                bucket_entries,
                message,
                details,
            )
            .with_severity(Severity::Low),
        );
    }
    failures
}

/// The statement with its principal, actions and conditions, for evidence.
fn entry(ctx: &FunctionContext, ps: &PolicyStatement) -> Value {
    let pinning = ps.pinning(ctx);
    let mut entry = ps.entry();
    entry["actions"] = ps.actions_evidence()["actions"].clone();
    entry["source_conditions"] = json!(pinning.pins);
    entry["conditions_that_do_not_pin"] = json!(pinning.not_pinning);
    entry
}

/// What an Allow of an invoke action leaves open: to a service principal with no fixed source condition, or held
/// only by S3 bucket names (a service principal, or `Principal *`, which only a service carrying that
/// `aws:SourceArn` can then use; an unpinned `*` is lambda-public-invoke's).
fn opening(ctx: &FunctionContext, ps: &PolicyStatement) -> Option<Opening> {
    let scope = ps.allowed_principals(ctx)?;
    if invoke_actions(&ps.statement).is_empty() {
        return None;
    }
    let pinning = ps.pinning(ctx);
    if scope.public {
        let pins: Vec<&Pin> = pinning.pins.iter().collect();
        return bucket_names_only(&pins).map(Opening::BucketName);
    }
    if scope.services.is_empty() {
        return None;
    }
    let source_pins: Vec<&Pin> = pinning
        .pins
        .iter()
        .filter(|p| SOURCE_KEYS.iter().any(|k| p.key.eq_ignore_ascii_case(k)))
        .collect();
    if source_pins.is_empty() && !event_source_token(ps) {
        return Some(Opening::AnySource(scope.services));
    }
    bucket_names_only(&source_pins).map(Opening::BucketName)
}

/// The S3 buckets `pins` name when that is all they name: every pin is an `aws:SourceArn` of S3 bucket ARNs
/// (which carry no account) and none names the owning account. `None` otherwise.
fn bucket_names_only(pins: &[&Pin]) -> Option<BTreeSet<String>> {
    if pins.is_empty() {
        return None;
    }
    let mut names = BTreeSet::new();
    for pin in pins {
        if !pin.key.eq_ignore_ascii_case("aws:SourceArn") || !pin.accounts.is_empty() {
            return None;
        }
        for value in &pin.values {
            let parts = Arn::parse(value)
                .ok()
                .filter(|p| p.service == "s3" && p.account.is_empty())?;
            names.insert(
                parts
                    .resource
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    Some(names)
}

/// Alexa skills are scoped by a fixed `lambda:EventSourceToken` (the skill id) rather than a source ARN.
fn event_source_token(ps: &PolicyStatement) -> bool {
    ps.statement
        .conditions_on("lambda:EventSourceToken")
        .any(|c| {
            c.operator.is("StringEquals")
                && !c.operator.if_exists
                && !c.values.is_empty()
                && c.values.iter().all(|v| {
                    !v.is_empty() && !crate::wildcard::has_wildcard(v) && !v.contains("${")
                })
        })
}
