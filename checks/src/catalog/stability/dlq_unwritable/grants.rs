//! A minimal "may this role do this action on this resource" matcher over the role's identity policies.
//!
//! Stop-gap until the role-analysis module (`crate::policy`, branch `policy`) lands: it honours Allow and Deny,
//! Action/NotAction, Resource/NotResource with IAM wildcards and the permissions boundary. It does not evaluate
//! conditions: a conditional Allow counts as an Allow (no false alarm) and a conditional Deny is ignored.

use serde_json::Value;

use super::super::common::{glob_match, statements, string_or_list};
use crate::inventory::Role;

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

/// The role's verdict for `action` on `resource`.
pub(super) fn role_verdict(role: &Role, action: &str, resource: &str) -> Verdict {
    let mut documents: Vec<(String, Option<&Value>)> = role
        .inline_policies
        .iter()
        .map(|p| (format!("inline policy {}", p.name), Some(&p.document)))
        .collect();
    documents.extend(
        role.attached_policies
            .iter()
            .map(|p| (p.arn.clone(), p.document.as_ref())),
    );

    let readable = || {
        documents
            .iter()
            .filter_map(|(name, doc)| doc.map(|d| (name, d)))
    };
    if let Some((name, _)) =
        readable().find(|(_, doc)| matches(doc, "Deny", action, resource, true))
    {
        return Verdict::Denied {
            policy: name.clone(),
        };
    }
    let allowed = readable().any(|(_, doc)| matches(doc, "Allow", action, resource, false));
    if !allowed {
        return match documents.iter().find(|(_, doc)| doc.is_none()) {
            Some((name, _)) => Verdict::Undecidable {
                reason: format!("{name} could not be read"),
            },
            None => Verdict::NotGranted,
        };
    }
    match &role.permissions_boundary {
        None => Verdict::Allowed,
        Some(boundary) => match &boundary.document {
            None => Verdict::Undecidable {
                reason: format!("permissions boundary {} could not be read", boundary.arn),
            },
            Some(doc) if matches(doc, "Deny", action, resource, true) => Verdict::Denied {
                policy: boundary.arn.clone(),
            },
            Some(doc) if matches(doc, "Allow", action, resource, false) => Verdict::Allowed,
            Some(_) => Verdict::OutsideBoundary {
                boundary: boundary.arn.clone(),
            },
        },
    }
}

/// Whether a statement of `document` with this effect covers the action and resource. With `unconditional_only`,
/// statements carrying a Condition are skipped.
fn matches(
    document: &Value,
    effect: &str,
    action: &str,
    resource: &str,
    unconditional_only: bool,
) -> bool {
    statements(document).into_iter().any(|st| {
        st.get("Effect").and_then(Value::as_str) == Some(effect)
            && !(unconditional_only && st.get("Condition").is_some())
            && covers(st, "Action", "NotAction", action, true)
            && covers(st, "Resource", "NotResource", resource, false)
    })
}

fn covers(statement: &Value, key: &str, not_key: &str, value: &str, ignore_case: bool) -> bool {
    if let Some(patterns) = statement.get(key) {
        string_or_list(Some(patterns))
            .iter()
            .any(|p| glob_match(p, value, ignore_case))
    } else if let Some(patterns) = statement.get(not_key) {
        !string_or_list(Some(patterns))
            .iter()
            .any(|p| glob_match(p, value, ignore_case))
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::{InlinePolicy, ManagedPolicy};

    const Q: &str = "arn:aws:sqs:us-east-1:123456789012:dlq";

    fn role(inline: Value) -> Role {
        Role {
            inline_policies: vec![InlinePolicy {
                name: "p".into(),
                document: inline,
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
                json!({"Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}}),
            ),
        });
        assert!(matches!(
            role_verdict(&r, "sqs:SendMessage", Q),
            Verdict::OutsideBoundary { .. }
        ));
    }
}
