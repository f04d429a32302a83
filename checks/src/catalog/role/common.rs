//! Helpers shared by the execution-role checks: role-level failures and the list of functions a role serves.

use serde_json::Value;

use crate::check::{Failure, Outcome};
use crate::inventory::Role;

/// A failure about the role itself rather than the function: its `resource_arn` is the role ARN, so every function
/// using the role reports the same finding id and a ticket system opens one ticket per role problem.
pub fn role_failure(role: &Role, message: impl Into<String>, evidence: Value) -> Outcome {
    Outcome::Fail(Failure {
        message: message.into(),
        discriminator: None,
        resource_arn: Some(role.arn.clone()),
        evidence,
        severity: None,
    })
}

/// Like [`role_failure`], for checks that can fire several times per role (one escalation path, one statement…).
pub fn role_failure_with(role: &Role, message: impl Into<String>, discriminator: impl Into<String>, evidence: Value) -> Outcome {
    Outcome::Fail(Failure {
        message: message.into(),
        discriminator: Some(discriminator.into()),
        resource_arn: Some(role.arn.clone()),
        evidence,
        severity: None,
    })
}

/// The policy name part of a managed policy ARN (`arn:aws:iam::aws:policy/service-role/X` → `X`).
pub fn policy_name_of_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
