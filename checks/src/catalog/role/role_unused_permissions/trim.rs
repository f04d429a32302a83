//! The trimmed policy role-unused-permissions proposes: the role's statements with the unused services taken out.

use serde_json::{json, Map, Value};

use crate::policy::{pattern_matches, Scope, SourcedStatement};

/// One policy document replacing the role's inline and attached policies: Deny statements kept as written; each
/// Allow keeps only the action patterns of services to keep; `*`, service wildcards (`*:Get*`) and `NotAction` are
/// narrowed to the `used` services; an Allow left with no action is dropped.
pub fn trimmed_policy<'a>(
    statements: impl IntoIterator<Item = &'a SourcedStatement>,
    keep: impl Fn(&str) -> bool,
    used: &[String],
) -> Value {
    let mut trimmed = Vec::new();
    for sourced in statements {
        let statement = &sourced.statement;
        if !statement.is_allow() {
            trimmed.push(statement.raw.clone());
            continue;
        }
        let actions: Vec<String> = match &statement.actions {
            Scope::Except(_) => used.iter().map(|s| format!("{s}:*")).collect(),
            Scope::Only(patterns) => {
                let mut kept = Vec::new();
                for pattern in patterns {
                    let (service, name) = pattern.raw.split_once(':').unwrap_or(("*", "*"));
                    if service.contains(['*', '?']) {
                        kept.extend(
                            used.iter()
                                .filter(|u| pattern_matches(service, u, true))
                                .map(|u| format!("{u}:{name}")),
                        );
                    } else if keep(&service.to_ascii_lowercase()) {
                        kept.push(pattern.raw.clone());
                    }
                }
                kept.dedup();
                kept
            }
        };
        if actions.is_empty() {
            continue;
        }
        let mut raw: Map<String, Value> = statement.raw.as_object().cloned().unwrap_or_default();
        raw.remove("NotAction");
        raw.insert(
            "Action".into(),
            if actions.len() == 1 {
                json!(actions[0])
            } else {
                json!(actions)
            },
        );
        trimmed.push(Value::Object(raw));
    }
    json!({ "Version": "2012-10-17", "Statement": trimmed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyDocument, PolicyKind, PolicySource};

    fn sourced(document: Value) -> Vec<SourcedStatement> {
        let source = PolicySource {
            kind: PolicyKind::Inline,
            name: "p".into(),
            arn: None,
        };
        PolicyDocument::parse(&document)
            .unwrap()
            .statements
            .into_iter()
            .map(|statement| SourcedStatement {
                source: source.clone(),
                statement,
            })
            .collect()
    }

    #[test]
    fn keeps_denies_drops_unused_and_narrows_wildcards() {
        let statements = sourced(json!({ "Version": "2012-10-17", "Statement": [
            { "Sid": "Mixed", "Effect": "Allow", "Action": ["s3:GetObject", "dynamodb:PutItem"], "Resource": "*" },
            { "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*" },
            { "Effect": "Allow", "NotAction": "iam:*", "Resource": "*" },
            { "Effect": "Allow", "Action": "*:Get*", "Resource": "*" },
            { "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*" }
        ]}));
        let used = vec!["logs".to_string(), "s3".to_string()];
        let trimmed = trimmed_policy(&statements, |s| s != "dynamodb", &used);
        assert_eq!(
            trimmed["Statement"],
            json!([
                { "Sid": "Mixed", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" },
                { "Effect": "Allow", "Action": ["logs:*", "s3:*"], "Resource": "*" },
                { "Effect": "Allow", "Action": ["logs:Get*", "s3:Get*"], "Resource": "*" },
                { "Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*" }
            ])
        );
    }
}
