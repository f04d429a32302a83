//! log-retention: the function's log group keeps its logs for less than `thresholds.min_log_retention_days`.

use serde_json::json;

use super::log_groups;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "log-retention",
    title: "Logs kept for less than the minimum retention",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let (group, target) = match log_groups::of(ctx) {
        Ok(found) => found,
        Err(outcomes) => return outcomes,
    };
    // A Delivery-class group only passes the logs on (to S3 or Firehose) and keeps them one day by design: how long
    // they are kept is the destination's, which the scan does not read.
    if group.class.as_deref() == Some("DELIVERY") {
        return vec![];
    }
    let minimum = ctx.config.thresholds.min_log_retention_days;
    match group.retention_days {
        // A group that does not exist keeps nothing to judge (log-group-missing); None = never expires.
        Some(days) if group.exists && days < minimum => vec![Outcome::fail(
            format!(
                "Log group {} keeps the function's logs {days} day{}, less than the minimum of {minimum}: an \
                 incident noticed later has no trail",
                target.group,
                if days == 1 { "" } else { "s" }
            ),
            json!({
                "log_group": target.group,
                "retention_days": days,
                "min_retention_days": minimum,
            }),
        )],
        _ => vec![],
    }
}
