//! dlq-unwritable: a DLQ or OnFailure destination that does not exist or that the execution role cannot send to.

mod grants;

use serde_json::json;

use self::grants::{role_verdict, Verdict};
use super::common::gap_outcome;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::{Account, Function};

pub const CHECK: Check = Check {
    id: "dlq-unwritable",
    title:
        "Dead-letter queue or OnFailure destination missing or not writable by the execution role",
    severity: Severity::High,
    docs: include_str!("README.md"),
    evaluate,
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
    let mut unknowns: Vec<Outcome> = gap_outcome(
        ctx,
        &[
            ("lambda", "ListFunctionEventInvokeConfigs"),
            ("lambda", "ListEventSourceMappings"),
        ],
    )
    .into_iter()
    .collect();
    if !targets.is_empty() {
        let role = match ctx.role_or_outcomes() {
            Ok(role) => role,
            Err(outcomes) => return outcomes, // role-missing reports a deleted role
        };
        for target in &targets {
            match judge(ctx.account, role, target) {
                Judgement::Writable => {}
                Judgement::Broken { problem, evidence } => failures.push(Outcome::fail_with(
                    format!("The {} ({}) {problem}", target.origin, target.arn),
                    target.key.clone(),
                    json!({ "configured_in": target.origin, "target": target.arn, "role": role.arn, "problem": evidence }),
                )),
                Judgement::Undecided(reason) => {
                    unknowns.push(Outcome::unknown(format!("{} {}: {reason}", target.origin, target.arn)))
                }
            }
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
}

/// The action Lambda performs with the execution role to deliver to this kind of destination, and the resource it is
/// checked on.
fn delivery(arn: &str) -> Option<(&'static str, String)> {
    match arn.split(':').nth(2)? {
        "sqs" => Some(("sqs:SendMessage", arn.to_string())),
        "sns" => Some(("sns:Publish", arn.to_string())),
        "lambda" => Some(("lambda:InvokeFunction", arn.to_string())),
        "events" => Some(("events:PutEvents", arn.to_string())),
        "s3" => Some(("s3:PutObject", format!("{arn}/lambda-failure-record"))),
        _ => None,
    }
}

fn judge(account: &Account, role: &crate::inventory::Role, target: &Target) -> Judgement {
    if let Some(problem) = missing_function(account, &target.arn) {
        return Judgement::Broken {
            problem: problem.clone(),
            evidence: json!({ "exists": false, "detail": problem }),
        };
    }
    let Some((action, resource)) = delivery(&target.arn) else {
        return Judgement::Undecided("unsupported destination type".into());
    };
    match role_verdict(role, action, &resource) {
        Verdict::Allowed => Judgement::Writable,
        Verdict::Denied { policy } => Judgement::Broken {
            problem: format!("cannot be written: {policy} denies {action} to the execution role"),
            evidence: json!({ "action": action, "denied_by": policy }),
        },
        Verdict::NotGranted => Judgement::Broken {
            problem: format!("cannot be written: the execution role is not allowed {action} on it"),
            evidence: json!({ "action": action, "granted": false }),
        },
        Verdict::OutsideBoundary { boundary } => Judgement::Broken {
            problem: format!(
                "cannot be written: the permissions boundary {boundary} does not allow {action}"
            ),
            evidence: json!({ "action": action, "outside_boundary": boundary }),
        },
        Verdict::Undecidable { reason } => {
            Judgement::Undecided(format!("cannot tell whether {action} is allowed: {reason}"))
        }
    }
}

/// For a Lambda destination in a region this scan listed completely: why it does not exist, if it does not.
fn missing_function(account: &Account, arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let [_, _, "lambda", region, target_account, "function", name, rest @ ..] = parts.as_slice()
    else {
        return None;
    };
    let listed_completely = *target_account == account.account_id
        && account.regions.iter().any(|r| r == region)
        && !account.gaps.iter().any(|g| {
            g.service == "lambda"
                && g.operation == "ListFunctions"
                && g.region.as_deref().is_none_or(|r| r == *region)
        });
    if !listed_completely {
        return None;
    }
    let Some(function) = account
        .functions
        .iter()
        .find(|f| f.region == *region && f.name == *name)
    else {
        return Some(format!("does not exist: no function {name} in {region}"));
    };
    let qualifier = rest.first()?;
    let known = *qualifier == "$LATEST"
        || function.aliases.iter().any(|a| a.name == *qualifier)
        || function.versions.iter().any(|v| v == qualifier);
    let aliases_listed = !account
        .gaps
        .iter()
        .any(|g| g.affects("lambda", "ListAliases", function))
        && !account
            .gaps
            .iter()
            .any(|g| g.affects("lambda", "ListVersionsByFunction", function));
    (!known && aliases_listed)
        .then(|| format!("does not exist: function {name} has no alias or version {qualifier}"))
}
