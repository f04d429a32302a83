//! An execution role's permissions as the checks judge them: its effective permissions, computed once from the
//! documents that could be read (the published content of the admin-level AWS managed policies standing in for
//! theirs when unreadable), what could not be read, and the services it is granted.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::actions::{self, AccessLevel};
use super::document::Scope;
use super::effective::{EffectivePermissions, Grant, Incomplete, PolicyKind, SourcedStatement};
use crate::inventory::{ManagedPolicy, Role};
use crate::json_text::JsonText;

/// An execution role's effective permissions, with what could not be read.
pub struct RolePermissions<'a> {
    /// The role as collected.
    pub role: &'a Role,
    /// What its policies grant together, after Deny statements and the boundary.
    pub effective: EffectivePermissions,
    /// Policies (or the boundary) whose document is missing or malformed.
    pub incomplete: Vec<Incomplete>,
    services: OnceLock<BTreeSet<String>>,
}

impl<'a> RolePermissions<'a> {
    /// The three AWS managed policies whose content role-admin-access depends on (AdministratorAccess,
    /// PowerUserAccess, IAMFullAccess) are identified by ARN: when their document could not be read, their published
    /// content is used.
    pub fn of(role: &'a Role) -> RolePermissions<'a> {
        let (effective, incomplete) = match with_known_documents(role) {
            Some(filled) => EffectivePermissions::of_role_partial(&filled),
            None => EffectivePermissions::of_role_partial(role),
        };
        RolePermissions {
            role,
            effective,
            incomplete,
            services: OnceLock::new(),
        }
    }

    /// Whether the permissions boundary is set but could not be read: every grant found may be cut by it.
    pub fn boundary_unreadable(&self) -> bool {
        self.incomplete.iter().any(|i| match i {
            Incomplete::Unreadable(source) | Incomplete::Malformed { source, .. } => {
                source.kind == PolicyKind::Boundary
            }
        })
    }

    /// The identity-policy Allow statements (inline and attached, not the boundary).
    pub fn allow_statements(&self) -> impl Iterator<Item = &SourcedStatement> {
        self.effective
            .statements()
            .iter()
            .filter(|s| s.statement.is_allow())
    }

    /// The grant of `action` by `statement` (after Deny statements and the boundary), if it grants it.
    pub fn grant_from<'p>(
        &'p self,
        statement: &'p SourcedStatement,
        action: &str,
    ) -> Option<Grant<'p>> {
        self.effective.grant_from(statement, action)
    }

    /// [`EffectivePermissions::services_granted`], computed on first use.
    pub fn services_granted(&self) -> &BTreeSet<String> {
        self.services
            .get_or_init(|| self.effective.services_granted())
    }

    /// Something this role may do that `other` may not: an action and resource pattern of a grant of this role that no
    /// grant of `other` covers, the one of the highest access level (permissions management first, then write…), or
    /// `None` when `other` covers every grant. Conditions are ignored on both sides; a `NotResource` grant counts as
    /// `*`; `other`'s Deny statements and boundary count per action (a Deny of a few resources does not make it weaker).
    pub fn exceeds(&self, other: &RolePermissions) -> Option<(&'static str, String)> {
        let mut best: Option<(AccessLevel, &'static str, String)> = None;
        for statement in self.allow_statements() {
            let named: Vec<&'static str> = match &statement.statement.actions {
                Scope::Only(patterns) => patterns
                    .iter()
                    .flat_map(|p| actions::expand(&p.raw))
                    .collect(),
                Scope::Except(_) => actions::expand("*").collect(),
            };
            for action in named {
                let level = actions::access_level(action).unwrap_or(AccessLevel::List);
                if best.as_ref().is_some_and(|(b, _, _)| *b >= level) {
                    continue;
                }
                let Some(grant) = self.grant_from(statement, action) else {
                    continue;
                };
                let theirs = other.effective.allows(action);
                let uncovered = grant
                    .resources()
                    .into_iter()
                    .map(|r| {
                        if r.starts_with("not:") {
                            "*".to_string()
                        } else {
                            r
                        }
                    })
                    .find(|r| !theirs.iter().any(|g| covers_resource(g, r)));
                if let Some(resource) = uncovered {
                    if level == AccessLevel::PermissionsManagement {
                        return Some((action, resource));
                    }
                    best = Some((level, action, resource));
                }
            }
        }
        best.map(|(_, action, resource)| (action, resource))
    }

    /// Whether the statement comes from a managed policy whose published content stood in for an unreadable document.
    pub fn published_content_used(&self, statement: &SourcedStatement) -> bool {
        statement.source.kind == PolicyKind::Managed
            && self
                .role
                .attached_policies
                .iter()
                .any(|p| Some(&p.arn) == statement.source.arn.as_ref() && p.document.is_none())
    }
}

/// Whether `grant` reaches every resource the pattern `resource` matches (its Resource patterns include it; a
/// `NotResource` or no Resource element reaches everything).
fn covers_resource(grant: &Grant, resource: &str) -> bool {
    match &grant.statement.statement.resources {
        None | Some(Scope::Except(_)) => true,
        Some(Scope::Only(list)) => list
            .iter()
            .any(|pattern| crate::wildcard::covers(pattern, resource, false)),
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
        policy.document = known_aws_document(&policy.arn).map(JsonText::from);
    }
    Some(filled)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;

    fn role(statements: serde_json::Value) -> Role {
        serde_json::from_value(json!({
            "arn": "arn:aws:iam::123456789012:role/r", "name": "r",
            "inline_policies": [{ "name": "p", "document": { "Version": "2012-10-17", "Statement": statements } }],
        }))
        .unwrap()
    }

    #[test]
    fn exceeds_names_what_the_other_role_may_not_do() {
        let admin = role(json!([{ "Effect": "Allow", "Action": "*", "Resource": "*" }]));
        let logs = role(json!([{ "Effect": "Allow", "Action": "logs:PutLogEvents",
                                 "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*" }]));
        let all_logs = role(json!([{ "Effect": "Allow", "Action": "logs:*", "Resource": "*" }]));
        let (admin, logs, all_logs) = (
            RolePermissions::of(&admin),
            RolePermissions::of(&logs),
            RolePermissions::of(&all_logs),
        );
        // The most telling action first: permissions management.
        let (action, resource) = admin.exceeds(&logs).unwrap();
        assert_eq!(
            crate::policy::actions::access_level(action),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(resource, "*");
        assert_eq!(logs.exceeds(&admin), None);
        assert_eq!(
            logs.exceeds(&all_logs),
            None,
            "a narrower resource is covered by *"
        );
        assert_eq!(
            all_logs.exceeds(&logs).map(|(_, r)| r),
            Some("*".to_string()),
            "logs on every group exceeds logs on one"
        );
        assert_eq!(logs.exceeds(&logs), None);
    }

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
}
