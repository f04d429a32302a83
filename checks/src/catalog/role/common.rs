//! Helpers shared by the execution-role checks: role-level failures, the role's effective permissions and the
//! verdict rules for incomplete IAM data.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::check::{Failure, FunctionContext, Outcome, RoleUnavailable};
use crate::inventory::{Function, ManagedPolicy, Role};
use crate::policy::{
    actions, pattern_matches, Condition, EffectivePermissions, Grant, Incomplete, PolicyKind,
    Scope, SourcedStatement, Statement,
};

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
pub fn role_failure_with(
    role: &Role,
    message: impl Into<String>,
    discriminator: impl Into<String>,
    evidence: Value,
) -> Outcome {
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

/// An execution role's effective permissions, with what could not be read.
pub struct Permissions<'a> {
    pub role: &'a Role,
    pub effective: EffectivePermissions,
    /// Policies (or the boundary) whose document is missing or malformed.
    pub incomplete: Vec<Incomplete>,
}

/// The function's execution role, or the outcome to return at once: Unknown when IAM could not be read for it, and
/// Unknown too when it does not exist: what a deleted role may do cannot be judged (role-missing reports it, and a
/// role recreated under the same name would bring its own policies).
pub fn role_of<'a>(ctx: &FunctionContext<'a>) -> Result<&'a Role, Vec<Outcome>> {
    match ctx.role() {
        Ok(role) => Ok(role),
        Err(RoleUnavailable::NotCollected(gap)) => Err(vec![Outcome::unknown_from_gap(gap)]),
        Err(RoleUnavailable::Missing) => Err(vec![Outcome::unknown(format!(
            "the execution role {} does not exist (see role-missing)",
            ctx.function.role_arn
        ))]),
    }
}

/// The effective permissions of the function's role, or the outcomes to return at once (see [`role_of`]).
///
/// The three AWS managed policies whose content role-admin-access depends on (AdministratorAccess, PowerUserAccess,
/// IAMFullAccess) are identified by ARN: when their document could not be read, their published content is used.
pub fn permissions<'a>(ctx: &FunctionContext<'a>) -> Result<Permissions<'a>, Vec<Outcome>> {
    let role = role_of(ctx)?;
    let (effective, incomplete) = match with_known_documents(role) {
        Some(filled) => EffectivePermissions::of_role_partial(&filled),
        None => EffectivePermissions::of_role_partial(role),
    };
    Ok(Permissions {
        role,
        effective,
        incomplete,
    })
}

impl Permissions<'_> {
    /// Whether the permissions boundary is set but could not be read: every grant found may be cut by it.
    pub fn boundary_unreadable(&self) -> bool {
        self.incomplete.iter().any(|i| match i {
            Incomplete::Unreadable(source) | Incomplete::Malformed { source, .. } => {
                source.kind == PolicyKind::Boundary
            }
        })
    }

    /// Unknown, naming the first policy that could not be read.
    pub fn unknown(&self) -> Outcome {
        let reasons: Vec<String> = self.incomplete.iter().map(ToString::to_string).collect();
        Outcome::unknown(format!("role {}: {}", self.role.name, reasons.join("; ")))
    }

    /// The verdict of a check that looks for a dangerous grant. Grants found in the readable policies stand (an
    /// unreadable policy could only add more), unless the permissions boundary is unreadable (it could cut them);
    /// with nothing found, an unreadable policy may hold what we look for: Unknown, never a pass.
    pub fn verdict(&self, failures: Vec<Outcome>) -> Vec<Outcome> {
        let incomplete = !self.incomplete.is_empty();
        if incomplete && (failures.is_empty() || self.boundary_unreadable()) {
            return vec![self.unknown()];
        }
        failures
    }

    /// The identity-policy Allow statements (inline and attached, not the boundary).
    pub fn allow_statements(&self) -> impl Iterator<Item = &SourcedStatement> {
        self.effective
            .statements()
            .iter()
            .filter(|s| s.statement.is_allow())
    }

    /// The grants of `action` that come from `statement` (after Deny statements and the boundary).
    pub fn grants_from<'p>(&'p self, statement: &SourcedStatement, action: &str) -> Vec<Grant<'p>> {
        self.effective.allows_by(statement, action)
    }
}

/// A copy of the role with the published content of the admin-level AWS managed policies filled in where their
/// document could not be read; `None` when there is nothing to fill.
fn with_known_documents(role: &Role) -> Option<Role> {
    let fillable = |p: &ManagedPolicy| p.document.is_none() && known_aws_document(&p.arn).is_some();
    if !role.attached_policies.iter().any(fillable) {
        return None;
    }
    let mut filled = role.clone();
    for policy in filled.attached_policies.iter_mut().filter(|p| fillable(p)) {
        policy.document = known_aws_document(&policy.arn);
    }
    Some(filled)
}

/// Whether the statement comes from a managed policy whose published content stood in for an unreadable document.
pub fn published_content_used(role: &Role, statement: &SourcedStatement) -> bool {
    statement.source.kind == PolicyKind::Managed
        && role
            .attached_policies
            .iter()
            .any(|p| Some(&p.arn) == statement.source.arn.as_ref() && p.document.is_none())
}

/// The published content of AdministratorAccess, PowerUserAccess and IAMFullAccess (any partition).
pub fn known_aws_document(arn: &str) -> Option<Value> {
    let name = arn.split_once(":iam::aws:policy/")?.1;
    Some(match name {
        "AdministratorAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }]
        }),
        "PowerUserAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [
                { "Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*" },
                { "Effect": "Allow", "Action": [
                    "account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions",
                    "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                    "organizations:DescribeOrganization"
                ], "Resource": "*" }
            ]
        }),
        "IAMFullAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Action": [
                "iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
                "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy", "organizations:ListChildren",
                "organizations:ListParents", "organizations:ListPoliciesForTarget", "organizations:ListRoots",
                "organizations:ListPolicies", "organizations:ListTargetsForPolicy"
            ], "Resource": "*" }]
        }),
        _ => return None,
    })
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

/// Partition, region and account of a function, from its ARN.
pub fn arn_scope(function: &Function) -> (&str, &str, &str) {
    let mut parts = function.arn.split(':');
    let partition = parts.nth(1).unwrap_or("aws");
    let region = parts.nth(1).unwrap_or(&function.region);
    let account = parts.next().unwrap_or_default();
    (partition, region, account)
}

/// Services (lower-case prefixes) in which the role is effectively allowed at least one action; prefixes the action
/// table does not know are included when an Allow naming them survives. Same answer as
/// `EffectivePermissions::services_granted`, but only expands the patterns the Allow statements name (the table-wide
/// scan costs about a second per role in debug builds).
pub fn services_granted(perms: &Permissions) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let effective = &perms.effective;
    for allow in perms.allow_statements() {
        match &allow.statement.actions {
            Scope::Only(patterns) => {
                for pattern in patterns {
                    let service = pattern.raw.split_once(':').map_or("*", |(s, _)| s);
                    let services: Vec<String> = if service.contains(['*', '?']) {
                        actions::services()
                            .filter(|s| pattern_matches(service, s, true))
                            .map(str::to_string)
                            .collect()
                    } else {
                        vec![service.to_ascii_lowercase()]
                    };
                    for service in services {
                        if found.contains(&service) {
                            continue;
                        }
                        let granted = if actions::is_known_service(&service) {
                            let narrowed = match pattern.raw.split_once(':') {
                                Some((_, name)) => format!("{service}:{name}"),
                                None => format!("{service}:*"),
                            };
                            actions::expand(&narrowed).any(|a| effective.is_allowed(a))
                        } else {
                            effective.is_allowed(&pattern.raw)
                        };
                        if granted {
                            found.insert(service);
                        }
                    }
                }
            }
            Scope::Except(_) => {
                for service in actions::services()
                    .filter(|s| !found.contains(*s))
                    .collect::<Vec<_>>()
                {
                    let pattern = format!("{service}:*");
                    if actions::expand(&pattern)
                        .any(|a| allow.statement.applies_to_action(a) && effective.is_allowed(a))
                    {
                        found.insert(service.to_string());
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;

    #[test]
    fn published_admin_documents_parse_and_are_recognised_in_any_partition() {
        for name in ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"] {
            for partition in ["aws", "aws-us-gov", "aws-cn"] {
                let arn = format!("arn:{partition}:iam::aws:policy/{name}");
                let document =
                    known_aws_document(&arn).unwrap_or_else(|| panic!("{arn} not recognised"));
                PolicyDocument::parse(&document).unwrap();
            }
        }
        assert!(
            known_aws_document("arn:aws:iam::123456789012:policy/AdministratorAccess").is_none()
        );
        assert!(
            known_aws_document("arn:aws:iam::aws:policy/job-function/AdministratorAccess")
                .is_none()
        );
        assert!(known_aws_document("arn:aws:iam::aws:policy/AmazonS3FullAccess").is_none());
    }

    #[test]
    fn arn_scope_reads_partition_region_and_account() {
        let function = Function {
            arn: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f".into(),
            region: "us-gov-west-1".into(),
            ..Function::default()
        };
        assert_eq!(
            arn_scope(&function),
            ("aws-us-gov", "us-gov-west-1", "123456789012")
        );
    }
}
