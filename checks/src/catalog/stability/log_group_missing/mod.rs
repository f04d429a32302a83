//! log-group-missing: the function's log group does not exist and its execution role may not create it, so its
//! output is lost (the role could write to it: a role that cannot is role-logs-missing's finding).

use serde_json::json;

use super::log_groups;
use crate::catalog::role::common::incomplete_unknown;
use crate::catalog::role::logs::WRITE_ACTIONS;
use crate::check::{Check, FunctionContext, Outcome, RoleUnavailable};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "log-group-missing",
    title: "Log group missing and the role cannot create it",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

const CREATE: &str = "logs:CreateLogGroup";

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    // A deleted role is role-missing's one finding (the function does not run), whatever the lookup gave.
    if let Err(RoleUnavailable::Missing) = ctx.role() {
        return vec![];
    }
    let (group, target) = match log_groups::of(ctx) {
        Ok(found) => found,
        Err(outcomes) => return outcomes,
    };
    if group.exists {
        return vec![];
    }
    let perms = match ctx.permissions() {
        Ok(perms) => perms,
        // Unknown when IAM could not be read for the role; nothing when it was deleted (role-missing's finding).
        Err(outcomes) => return outcomes,
    };
    let granted = |action: &str| {
        perms
            .effective
            .allows(action)
            .iter()
            .any(|g| target.reached(|arn| g.reaches(arn)))
    };
    let writes = WRITE_ACTIONS.into_iter().all(granted);
    // Lambda cannot create a custom group whose name begins with `aws/` (Lambda developer guide, "Configuring
    // CloudWatch log groups"), whatever the role may do.
    let reserved = target.group.starts_with("aws/");
    let creates = !reserved && granted(CREATE);
    let incomplete = !perms.incomplete.is_empty() || perms.boundary_unreadable();
    match (writes, creates) {
        // The role cannot write at all: role-logs-missing reports that (or says Unknown).
        (false, _) => vec![],
        // Lambda creates the group at the next invocation, unless a boundary we could not read cuts the grant.
        (true, true) if perms.boundary_unreadable() => vec![incomplete_unknown(perms)],
        (true, true) => vec![],
        // An unreadable policy may be the one granting logs:CreateLogGroup.
        (true, false) if incomplete && !reserved => vec![incomplete_unknown(perms)],
        (true, false) if reserved => vec![Outcome::fail(
            format!(
                "Log group {} does not exist and Lambda cannot create it (a custom log group name may not begin with \
                 aws/): the function's output is lost until the group is created",
                target.group
            ),
            json!({ "log_group": target.group, "role_arn": perms.role.arn, "reserved_prefix": "aws/" }),
        )],
        (true, false) => vec![Outcome::fail(
            format!(
                "Log group {} does not exist and execution role {} may not create it ({CREATE}): the function's \
                 output is lost until the group is created",
                target.group, perms.role.name
            ),
            json!({
                "log_group": target.group,
                "role_arn": perms.role.arn,
                "missing_actions": [CREATE],
            }),
        )],
    }
}
