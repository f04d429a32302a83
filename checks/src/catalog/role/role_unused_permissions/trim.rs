//! The trimmed policy role-unused-permissions proposes: the role's statements with the unused services taken out.
//! It never allows what the original did not (the property test below checks every action of the IAM table).

use serde_json::{json, Map, Value};

use crate::policy::{actions, pattern_matches, Scope, SourcedStatement, Statement};

/// One policy document replacing the role's inline and attached policies: Deny statements kept as written; each
/// Allow keeps only the action patterns of services to keep; `*` and service wildcards (`*:Get*`) are narrowed to the
/// `used` services; a `NotAction` becomes the actions of the `used` services it does not exclude (see
/// [`not_action_grants`]); an Allow left with no action is dropped.
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
            Scope::Except(_) => used
                .iter()
                .flat_map(|service| not_action_grants(statement, service))
                .collect(),
            Scope::Only(patterns) => {
                let mut kept = Vec::new();
                for pattern in patterns {
                    let (service, name) = pattern.raw.split_once(':').unwrap_or(("*", "*"));
                    if crate::wildcard::has_wildcard(service) {
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

/// What a `NotAction` statement grants in `service`, as Action patterns: `service:*` when none of its excluded
/// patterns can name an action of the service, otherwise the table's actions of the service it does not exclude
/// (an action the table does not know is left out: the proposal may grant less than the original, never more).
/// `service:*` in place of `NotAction: ["iam:*", "s3:DeleteBucket"]` would grant the `s3:DeleteBucket` it excluded.
fn not_action_grants(statement: &Statement, service: &str) -> Vec<String> {
    // An action has one colon, so a pattern can name an action of `service` only if its part before the first colon
    // matches `service` (`*` alone stands for `*:*`).
    let touches = statement.actions.entries().iter().any(|pattern| {
        let prefix = pattern.raw.split_once(':').map_or("*", |(s, _)| s);
        pattern_matches(prefix, service, true)
    });
    if !touches {
        return vec![format!("{service}:*")];
    }
    actions::expand(&format!("{service}:*"))
        .filter(|action| statement.applies_to_action(action))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyDocument, PolicyKind, PolicySource};

    /// The statements of `document`, as an inline policy's.
    pub(super) fn sourced(document: Value) -> Vec<SourcedStatement> {
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

/// The property the proposal must hold: for every action of the IAM table and a sample of resources, what the proposal
/// allows the original allows, over policies built at random from the shapes that matter (NotAction, service and
/// name wildcards, NotResource, Deny, conditions).
#[cfg(test)]
mod never_widens {
    use std::collections::BTreeSet;

    use serde_json::{json, Value};

    use super::tests::sourced;
    use super::trimmed_policy;
    use crate::policy::{actions, EffectivePermissions, Grant, Scope};

    const ACTIONS: &[&str] = &[
        "*",
        "*:*",
        "s3:*",
        "s3:Get*",
        "S3:getobject",
        "s3:DeleteBucket",
        "s3:Put*",
        "*:Get*",
        "*:Delete*",
        "iam:*",
        "iam:PassRole",
        "iam:Create*",
        "dynamodb:*",
        "dynamodb:Get?tem",
        "ec2:Describe*",
        "s?s:*",
        "sqs:SendMessage",
        "lambda:Invoke*",
        "kms:*",
        "logs:*",
        "sns:Publish",
        "sts:AssumeRole",
    ];
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::bucket",
        "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        "arn:aws:sqs:*:123456789012:q",
        "arn:aws:iam::123456789012:role/*",
    ];
    /// The resources each action is asked about.
    const PROBES: &[&str] = &[
        "arn:aws:s3:::bucket/key",
        "arn:aws:s3:::other",
        "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        "arn:aws:sqs:eu-west-1:123456789012:q",
        "arn:aws:iam::123456789012:role/admin",
        "arn:aws:kms:us-east-1:123456789012:key/k",
    ];
    const SERVICES: &[&str] = &[
        "s3", "iam", "dynamodb", "sqs", "sns", "ec2", "kms", "logs", "lambda", "sts",
    ];

    /// xorshift64*: a fixed seed, so a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
        fn some<'a>(&mut self, pool: &[&'a str], most: usize) -> Vec<&'a str> {
            (0..1 + self.below(most))
                .map(|_| pool[self.below(pool.len())])
                .collect()
        }
    }

    fn random_statement(rng: &mut Rng) -> Value {
        let mut statement = json!({ "Effect": if rng.chance(80) { "Allow" } else { "Deny" } });
        let action_key = if rng.chance(35) {
            "NotAction"
        } else {
            "Action"
        };
        statement[action_key] = json!(rng.some(ACTIONS, 3));
        let resource_key = if rng.chance(15) {
            "NotResource"
        } else {
            "Resource"
        };
        statement[resource_key] = json!(rng.some(RESOURCES, 2));
        if rng.chance(15) {
            statement["Condition"] = json!({ "Bool": { "aws:SecureTransport": "true" } });
        }
        statement
    }

    fn reaches(grants: &[Grant], resource: &str) -> bool {
        grants.iter().any(|grant| grant.reaches(resource))
    }

    /// The actions of the table some Allow of `permissions` names (each `Action` pattern expanded against the table; a
    /// `NotAction` names them all): no other action can be allowed, so the others need no asking.
    fn named_by_an_allow(
        permissions: &EffectivePermissions,
        every_action: &[&'static str],
    ) -> BTreeSet<&'static str> {
        let mut named = BTreeSet::new();
        for allow in permissions
            .statements()
            .iter()
            .filter(|s| s.statement.is_allow())
        {
            match &allow.statement.actions {
                Scope::Only(patterns) => {
                    named.extend(patterns.iter().flat_map(|p| actions::expand(&p.raw)))
                }
                Scope::Except(_) => named.extend(every_action),
            }
        }
        named
    }

    #[test]
    fn the_proposal_allows_nothing_the_original_does_not() {
        let every_action: Vec<&'static str> = actions::expand("*").collect();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..48 {
            let original = json!({ "Version": "2012-10-17",
                "Statement": (0..1 + rng.below(4)).map(|_| random_statement(&mut rng)).collect::<Vec<_>>() });
            let used: Vec<String> = SERVICES
                .iter()
                .filter(|_| rng.chance(40))
                .map(|s| s.to_string())
                .collect();
            let unused: Vec<&str> = SERVICES
                .iter()
                .copied()
                .filter(|s| !used.iter().any(|u| u == s) && rng.chance(50))
                .collect();
            let original_statements = sourced(original.clone());
            let proposal = trimmed_policy(&original_statements, |s| !unused.contains(&s), &used);
            let before = EffectivePermissions::from_statements(original_statements.clone(), None);
            let after = EffectivePermissions::from_statements(sourced(proposal.clone()), None);
            for action in named_by_an_allow(&after, &every_action) {
                let (granted, granted_before) = (after.allows(action), before.allows(action));
                for probe in PROBES {
                    assert!(
                        !reaches(&granted, probe) || reaches(&granted_before, probe),
                        "case {case}: the proposal allows {action} on {probe}, the original does not\n\
                         original: {original}\nused: {used:?}, unused: {unused:?}\nproposal: {proposal}"
                    );
                }
            }
        }
    }
}
