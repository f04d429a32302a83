//! Helpers shared by the execution-role checks: role-level failures, the verdict rules for incomplete IAM data,
//! resource-scoping conditions.

use serde_json::Value;

use crate::check::Outcome;
use crate::inventory::Role;
use crate::policy::{Condition, RolePermissions, Statement};

/// A failure about the role itself rather than the function: its `resource_arn` is the role ARN (each function using
/// the role still gets its own finding id, see [`crate::finding::finding_id`]).
pub fn role_failure(role: &Role, message: impl Into<String>, evidence: Value) -> Outcome {
    Outcome::fail(message, evidence).on_resource(role.arn.clone())
}

/// Unknown, naming the policies that could not be read.
pub fn incomplete_unknown(perms: &RolePermissions) -> Outcome {
    let reasons: Vec<String> = perms.incomplete.iter().map(ToString::to_string).collect();
    Outcome::unknown(format!("role {}: {}", perms.role.name, reasons.join("; ")))
}

/// The verdict of a check that looks for a dangerous grant. Grants found in the readable policies stand (an
/// unreadable policy could only add more), unless the permissions boundary is unreadable (it could cut them); with
/// nothing found, an unreadable policy may hold what we look for: Unknown, never a pass.
pub fn verdict(perms: &RolePermissions, failures: Vec<Outcome>) -> Vec<Outcome> {
    let incomplete = !perms.incomplete.is_empty();
    if incomplete && (failures.is_empty() || perms.boundary_unreadable()) {
        return vec![incomplete_unknown(perms)];
    }
    failures
}

/// Whether a condition restricts which resources a statement reaches (tag-based access control, resource account
/// or organization, KMS via-service / encryption context): a grant on `*` under such a condition is scoped.
pub fn scopes_resources(condition: &Condition) -> bool {
    // `Null` only tests presence; a negated operator (`StringNotEquals`) excludes a few resources and allows the rest.
    if condition.operator.is("Null") || condition.operator.is_negated() {
        return false;
    }
    let key = condition.key.to_ascii_lowercase();
    key.contains(":resourcetag/")
        || key.contains(":existingobjecttag/")
        || key.starts_with("kms:viaservice")
        || key.starts_with("kms:encryptioncontext")
        || matches!(
            key.as_str(),
            "aws:resourceaccount" | "aws:resourceorgid" | "aws:resourceorgpaths"
        )
}

/// Whether some condition of the statement scopes its resources (see [`scopes_resources`]).
pub fn resource_scoped_by_condition(statement: &Statement) -> bool {
    statement.conditions.iter().any(scopes_resources)
}
