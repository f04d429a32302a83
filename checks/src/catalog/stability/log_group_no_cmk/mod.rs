//! log-group-no-cmk: the function's log group is not encrypted with a customer managed KMS key (off by default).

use serde_json::json;

use super::log_groups;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "log-group-no-cmk",
    title: "Log group not encrypted with a customer managed key",
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
    if !group.exists || group.kms_key_id.is_some() {
        return vec![];
    }
    vec![Outcome::fail(
        format!(
            "Log group {} is encrypted with CloudWatch Logs' own key: anyone allowed to read the group's logs reads \
             them, no key policy decides",
            target.group
        ),
        json!({ "log_group": target.group }),
    )]
}
