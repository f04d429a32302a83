//! dlq-unwritable: a DLQ or OnFailure destination that does not exist or that the execution role cannot send to.

mod existence;
mod grants;

use serde_json::json;

use self::existence::{existence, Existence};
use self::grants::{role_verdict, Verdict};
use crate::arn::Arn;
use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, FunctionContext, Outcome, RoleUnavailable};
use crate::finding::Severity;
use crate::inventory::Function;

pub const CHECK: Check = Check {
    id: "dlq-unwritable",
    title:
        "Dead-letter queue or OnFailure destination missing or not writable by the execution role",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, evaluate),
};

/// A place where Lambda sends failed events on the function's behalf.
struct Target {
    /// Stable key of where it is configured: `dead-letter-config`, `async-on-failure:<qualifier>`, `esm:<uuid>`.
    key: String,
    /// Human wording of the same.
    origin: String,
    arn: String,
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let targets = targets(ctx.function);
    let mut failures = Vec::new();
    let mut unknowns: Vec<Outcome> = ctx
        .gap_unknown(&[
            ("lambda", "ListFunctionEventInvokeConfigs"),
            ("lambda", "ListEventSourceMappings"),
        ])
        .into_iter()
        .collect();
    for target in &targets {
        let (key, origin, arn) = (&target.key, &target.origin, &target.arn);
        match judge(ctx, target) {
            Judgement::Writable | Judgement::LeftToRoleMissing => {}
            Judgement::Broken { problem, evidence } => failures.push(Outcome::fail_with(
                format!("The {origin} ({arn}) {problem}"),
                key.clone(),
                json!({ "configured_in": origin, "target": arn, "role": ctx.function.role_arn, "problem": evidence }),
            )),
            Judgement::Undecided(reason) => unknowns.push(Outcome::unknown(format!("the {origin} ({arn}): {reason}"))),
        }
    }
    if failures.is_empty() {
        unknowns
    } else {
        failures
    }
}

fn targets(function: &Function) -> Vec<Target> {
    let mut targets = Vec::new();
    if let Some(arn) = &function.dead_letter_target {
        targets.push(Target {
            key: "dead-letter-config".into(),
            origin: "dead-letter queue".into(),
            arn: arn.clone(),
        });
    }
    for config in &function.async_invoke_configs {
        if let Some(arn) = &config.on_failure {
            targets.push(Target {
                key: format!("async-on-failure:{}", config.qualifier),
                origin: format!("OnFailure destination of {}", config.qualifier),
                arn: arn.clone(),
            });
        }
    }
    for mapping in &function.event_source_mappings {
        if let Some(arn) = &mapping.on_failure_destination {
            targets.push(Target {
                key: format!("esm:{}", mapping.uuid),
                origin: format!(
                    "OnFailure destination of event source mapping {}",
                    mapping.uuid
                ),
                arn: arn.clone(),
            });
        }
    }
    targets
}

enum Judgement {
    Writable,
    Broken {
        problem: String,
        evidence: serde_json::Value,
    },
    Undecided(String),
    /// The execution role no longer exists: role-missing reports it, and delivery is judged again once it does.
    LeftToRoleMissing,
}

/// The action Lambda performs with the execution role to deliver to this kind of destination, and the resource it is
/// checked on.
fn delivery(arn: &str) -> Option<(&'static str, String)> {
    match Arn::parse(arn).ok()?.service {
        "sqs" => Some(("sqs:SendMessage", arn.to_string())),
        "sns" => Some(("sns:Publish", arn.to_string())),
        "lambda" => Some(("lambda:InvokeFunction", arn.to_string())),
        "events" => Some(("events:PutEvents", arn.to_string())),
        "s3" => Some(("s3:PutObject", format!("{arn}/lambda-failure-record"))),
        _ => None,
    }
}

fn judge(ctx: &FunctionContext, target: &Target) -> Judgement {
    let exists = existence(ctx.account, &target.arn);
    if let Existence::Missing(problem) = &exists {
        return Judgement::Broken {
            problem: problem.clone(),
            evidence: json!({ "exists": false }),
        };
    }
    let role = match ctx.role() {
        Ok(role) => role,
        Err(RoleUnavailable::NotCollected(gap)) => {
            return Judgement::Undecided(format!(
                "the execution role could not be read: {}:{} failed",
                gap.service, gap.operation
            ))
        }
        // Without its role the function does not run and nothing is delivered: one problem, role-missing's finding.
        Err(RoleUnavailable::Missing) => return Judgement::LeftToRoleMissing,
    };
    let Some((action, resource)) = delivery(&target.arn) else {
        return Judgement::Undecided("unsupported destination type".into());
    };
    let broken =
        |problem: String, evidence: serde_json::Value| Judgement::Broken { problem, evidence };
    match role_verdict(role, action, &resource) {
        Verdict::Allowed => match exists {
            Existence::Unverified(Some(reason)) => Judgement::Undecided(format!(
                "the role may write to it, but whether it exists is unknown: {reason}"
            )),
            _ => Judgement::Writable,
        },
        Verdict::Denied { policy } => broken(
            format!("cannot be written: {policy} denies {action} to the execution role"),
            json!({ "action": action, "denied_by": policy }),
        ),
        Verdict::NotGranted => broken(
            format!("cannot be written: the execution role is not allowed {action} on it"),
            json!({ "action": action, "granted": false }),
        ),
        Verdict::OutsideBoundary { boundary } => broken(
            format!(
                "cannot be written: the permissions boundary {boundary} does not allow {action}"
            ),
            json!({ "action": action, "outside_boundary": boundary }),
        ),
        Verdict::Undecidable { reason } => {
            Judgement::Undecided(format!("cannot tell whether {action} is allowed: {reason}"))
        }
    }
}
