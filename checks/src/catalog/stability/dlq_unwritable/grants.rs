//! "May this role do this action on this resource": an adapter over the role analysis of `crate::policy`
//! (`EffectivePermissions`), turning its answer into the verdicts dlq-unwritable reports.

use crate::inventory::Role;
use crate::policy::EffectivePermissions;

/// What the role's policies say about one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Allowed,
    /// An unconditional Deny in this policy matches.
    Denied {
        policy: String,
    },
    /// No identity policy allows it.
    NotGranted,
    /// The permissions boundary does not allow it.
    OutsideBoundary {
        boundary: String,
    },
    /// A policy document that might decide it could not be read.
    Undecidable {
        reason: String,
    },
}

/// The role's verdict for `action` on `resource`. Conditions are not evaluated: a conditional Allow counts as an
/// Allow (no false alarm) and a conditional Deny as no Deny (see `crate::policy::effective`).
pub(super) fn role_verdict(role: &Role, action: &str, resource: &str) -> Verdict {
    let (permissions, incomplete) = EffectivePermissions::of_role_partial(role);
    if permissions
        .allows(action)
        .iter()
        .any(|grant| grant.reaches(resource))
    {
        return Verdict::Allowed;
    }
    if let Some(reason) = incomplete.first() {
        return Verdict::Undecidable {
            reason: reason.to_string(),
        };
    }
    let applies = |s: &crate::policy::SourcedStatement| {
        s.statement.applies_to_action(action) && s.statement.applies_to_resource(resource)
    };
    if !permissions
        .statements()
        .iter()
        .any(|s| s.statement.is_allow() && applies(s))
    {
        return Verdict::NotGranted;
    }
    let deny = permissions
        .statements()
        .iter()
        .chain(permissions.boundary_statements().into_iter().flatten())
        .find(|s| !s.statement.is_allow() && s.statement.conditions.is_empty() && applies(s));
    match (deny, &role.permissions_boundary) {
        (Some(deny), _) => Verdict::Denied {
            policy: deny.source.describe(),
        },
        (None, Some(boundary)) => Verdict::OutsideBoundary {
            boundary: boundary.arn.clone(),
        },
        (None, None) => Verdict::NotGranted,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::inventory::{InlinePolicy, ManagedPolicy};

    const Q: &str = "arn:aws:sqs:us-east-1:123456789012:dlq";

    fn role(inline: Value) -> Role {
        Role {
            inline_policies: vec![InlinePolicy {
                name: "p".into(),
                document: inline.into(),
            }],
            ..Role::default()
        }
    }

    #[test]
    fn allow_deny_and_not_forms() {
        let allow = json!({"Statement": [{"Effect": "Allow", "Action": "sqs:Send*", "Resource": "arn:aws:sqs:*:123456789012:*"}]});
        assert_eq!(
            role_verdict(&role(allow), "sqs:SendMessage", Q),
            Verdict::Allowed
        );
        let other_queue = json!({"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:other"}});
        assert_eq!(
            role_verdict(&role(other_queue), "sqs:SendMessage", Q),
            Verdict::NotGranted
        );
        let denied = json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": "logs:*", "Resource": "*"}
        ]});
        assert!(matches!(
            role_verdict(&role(denied), "sqs:SendMessage", Q),
            Verdict::Denied { .. }
        ));
        let conditional_deny = json!({"Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": "arn:aws:sqs:*:*:prod-*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        ]});
        assert_eq!(
            role_verdict(&role(conditional_deny), "sqs:SendMessage", Q),
            Verdict::Allowed
        );
    }

    #[test]
    fn unreadable_policies_and_boundaries() {
        let mut r = role(json!({"Statement": []}));
        r.attached_policies.push(ManagedPolicy {
            arn: "arn:aws:iam::123456789012:policy/x".into(),
            name: "x".into(),
            document: None,
        });
        assert!(matches!(
            role_verdict(&r, "sqs:SendMessage", Q),
            Verdict::Undecidable { .. }
        ));
        let mut r =
            role(json!({"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}));
        r.permissions_boundary = Some(ManagedPolicy {
            arn: "arn:aws:iam::123456789012:policy/boundary".into(),
            name: "boundary".into(),
            document: Some(
                json!({"Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}})
                    .into(),
            ),
        });
        assert!(matches!(
            role_verdict(&r, "sqs:SendMessage", Q),
            Verdict::OutsideBoundary { .. }
        ));
    }
}
