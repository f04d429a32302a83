//! The least-privilege IAM policy the scanner itself needs: every read-only operation the collectors call.

use serde_json::json;

/// Every IAM action the collectors may call, sorted. A test proves this is exactly the set of operations the
/// collectors call, and that each is read-only.
pub const REQUIRED_ACTIONS: &[&str] = &[
    "apigateway:GET",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventDataStore",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListEventDataStores",
    "cloudwatch:GetMetricData",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "events:DescribeEventBus",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetServiceLastAccessedDetails",
    "lambda:GetAccountSettings",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetLayerVersion",
    "lambda:GetPolicy",
    "lambda:ListAliases",
    "lambda:ListCodeSigningConfigs",
    "lambda:ListEventSourceMappings",
    "lambda:ListFunctionEventInvokeConfigs",
    "lambda:ListFunctionUrlConfigs",
    "lambda:ListFunctions",
    "lambda:ListFunctionsByCodeSigningConfig",
    "lambda:ListProvisionedConcurrencyConfigs",
    "lambda:ListVersionsByFunction",
    "logs:DescribeLogGroups",
    "organizations:DescribeOrganization",
    "s3:ListBucket",
    "sns:GetTopicAttributes",
    "sqs:GetQueueUrl",
    "sts:GetCallerIdentity",
];

/// What only the principal running an organisation scan calls (never the member role: a member role that could
/// assume roles elsewhere would be a role-chaining path): listing the accounts, entering each member's role.
#[cfg(test)]
const ORG_CALLER_ACTIONS: &[&str] = &[LIST_ACCOUNTS, ASSUME_ROLE];
const LIST_ACCOUNTS: &str = "organizations:ListAccounts";
const ASSUME_ROLE: &str = "sts:AssumeRole";

/// The read-only statement: what one account's collection needs.
fn read_only_statement() -> serde_json::Value {
    json!({
        "Sid": "LambdaPostureReadOnly",
        "Effect": "Allow",
        "Action": REQUIRED_ACTIONS,
        "Resource": "*"
    })
}

fn pretty(statements: Vec<serde_json::Value>) -> String {
    let doc = json!({ "Version": "2012-10-17", "Statement": statements });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("static JSON")
    )
}

/// The policy document of the scanned account's principal (the member role), pretty-printed.
pub fn policy_json() -> String {
    pretty(vec![read_only_statement()])
}

/// The policy of the principal running an organisation scan: the read-only statement (its own account is scanned
/// directly), organizations:ListAccounts (`--org`) and sts:AssumeRole on the member role `role_name` in every account
/// (partition `aws`; docs/organization.md says what to change for aws-cn and aws-us-gov).
pub fn org_policy_json(role_name: &str) -> anyhow::Result<String> {
    crate::org::enter::validate_role_name(role_name)?;
    Ok(pretty(vec![
        read_only_statement(),
        json!({
            "Sid": "LambdaPostureOrganization",
            "Effect": "Allow",
            "Action": [LIST_ACCOUNTS],
            "Resource": "*"
        }),
        json!({
            "Sid": "LambdaPostureEnterMembers",
            "Effect": "Allow",
            "Action": ASSUME_ROLE,
            "Resource": format!("arn:aws:iam::*:role/{role_name}")
        }),
    ]))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Which AWS service the SDK client of each collector file talks to.
    const FILE_SERVICES: &[(&str, &str)] = &[
        ("lambda.rs", "lambda"),
        ("listing.rs", "lambda"),
        ("code.rs", "lambda"),
        ("iam.rs", "iam"),
        ("metrics.rs", "cloudwatch"),
        ("account.rs", "sts"),
    ];

    /// IAM actions whose name is not the operation's (AWS's Service Authorization Reference: GetLayerVersionByArn is
    /// authorised by lambda:GetLayerVersion; no IAM action is named after it).
    const ACTION_OF_OPERATION: &[(&str, &str)] = &[
        // API Gateway authorises every read of its management API (v1 and v2) by the HTTP verb: apigateway:GET.
        ("apigateway:GetRestApis", "apigateway:GET"),
        ("apigateway:GetResources", "apigateway:GET"),
        ("apigateway:GetStages", "apigateway:GET"),
        ("apigateway:GetAuthorizers", "apigateway:GET"),
        ("apigateway:GetApis", "apigateway:GET"),
        ("apigateway:GetRoutes", "apigateway:GET"),
        ("apigateway:GetIntegrations", "apigateway:GET"),
        ("apigateway:GetDomainNames", "apigateway:GET"),
        ("apigateway:GetBasePathMappings", "apigateway:GET"),
        ("apigateway:GetApiMappings", "apigateway:GET"),
        ("apigateway:GetDeployment", "apigateway:GET"),
        ("s3:HeadBucket", "s3:ListBucket"),
        ("lambda:GetLayerVersionByArn", "lambda:GetLayerVersion"),
    ];

    fn is_ident(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_'
    }

    /// Every `client.<operation>(` and `<service>_client.<operation>(` fluent call in a source text (whitespace and
    /// line breaks allowed around the dot): the service prefix, if any, and the method.
    fn client_calls(source: &str) -> Vec<(Option<String>, String)> {
        let bytes = source.as_bytes();
        let mut calls = Vec::new();
        for (start, _) in source.match_indices("client") {
            let mut prefix = None;
            if start > 0 && bytes[start - 1] == b'_' {
                let mut p = start - 1;
                while p > 0 && is_ident(bytes[p - 1]) {
                    p -= 1;
                }
                if p > 0 && bytes[p - 1] == b'.' {
                    continue; // a field such as `self.sqs_client`: its service is unknown here
                }
                prefix = Some(source[p..start - 1].to_string()).filter(|s| !s.is_empty());
                if prefix.is_none() {
                    continue;
                }
            } else if start > 0 && is_ident(bytes[start - 1]) {
                continue;
            }
            let mut i = start + "client".len();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes.get(i) != Some(&b'.') {
                continue;
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let name_start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let name = &source[name_start..i];
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if !name.is_empty() && bytes.get(i) == Some(&b'(') {
                calls.push((prefix, name.to_string()));
            }
        }
        calls
    }

    /// Every `RawOperation::new("<service>", "<Operation>")` in a source text (calls made without an SDK client).
    fn raw_operations(source: &str) -> Vec<String> {
        let quoted = |text: &str| -> Option<(String, usize)> {
            let text_start = text.len() - text.trim_start().len();
            let rest = text.trim_start().strip_prefix('"')?;
            let end = rest.find('"')?;
            Some((rest[..end].to_string(), text_start + end + 2))
        };
        source
            .match_indices("RawOperation::new(")
            .filter_map(|(start, m)| {
                let after = &source[start + m.len()..];
                let (service, used) = quoted(after)?;
                let after = after[used..].trim_start().strip_prefix(',')?;
                let (operation, _) = quoted(after)?;
                Some(format!("{service}:{operation}"))
            })
            .collect()
    }

    /// `list_function_url_configs` → `ListFunctionUrlConfigs`.
    fn operation_name(method: &str) -> String {
        method
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The actions called by the source files of `folder` (under the crate's root).
    fn called_actions(folder: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        let mut actions = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("src/collect") {
            let path = entry.expect("dir entry").path();
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !file.ends_with(".rs") || file == "permissions.rs" {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("readable source");
            // unit tests at the end of a file build clients of their own; they call nothing
            let source = source.split("#[cfg(test)]").next().unwrap_or_default();
            for (prefix, method) in client_calls(source) {
                let service = prefix.unwrap_or_else(|| {
                    FILE_SERVICES
                        .iter()
                        .find(|(f, _)| *f == file)
                        .unwrap_or_else(|| {
                            panic!("{file} calls an SDK client; add it to FILE_SERVICES")
                        })
                        .1
                        .to_string()
                });
                actions.insert(format!("{service}:{}", operation_name(&method)));
            }
            actions.extend(raw_operations(source));
        }
        actions
            .into_iter()
            .map(|a| {
                ACTION_OF_OPERATION
                    .iter()
                    .find(|(op, _)| *op == a)
                    .map_or(a.clone(), |(_, action)| action.to_string())
            })
            .collect()
    }

    #[test]
    fn the_scanner_finds_multiline_calls_and_ignores_other_idents() {
        let src = "let a = client\n    .list_functions()\n; iam_client.get_role(); self.client.get_policy(); \
                   myclient.nope(); self.sqs_client.nope(); _client.nope();";
        let found = client_calls(src);
        let calls: Vec<(Option<&str>, &str)> = found
            .iter()
            .map(|(p, m)| (p.as_deref(), m.as_str()))
            .collect();
        assert_eq!(
            calls,
            [
                (None, "list_functions"),
                (Some("iam"), "get_role"),
                (None, "get_policy")
            ]
        );
        let raw = "const A: RawOperation = RawOperation::new(\"ec2\", \"DescribeSubnets\");\n\
                   RawOperation::new(\n    \"s3\",\n    \"HeadBucket\",\n)";
        assert_eq!(
            raw_operations(raw),
            ["ec2:DescribeSubnets", "s3:HeadBucket"]
        );
        assert_eq!(
            operation_name("list_function_url_configs"),
            "ListFunctionUrlConfigs"
        );
    }

    #[test]
    fn the_policy_lists_exactly_the_operations_the_collectors_call() {
        let called = called_actions("src/collect");
        let listed: BTreeSet<String> = REQUIRED_ACTIONS.iter().map(|a| a.to_string()).collect();
        let missing: Vec<_> = called.difference(&listed).collect();
        let unused: Vec<_> = listed.difference(&called).collect();
        assert!(
            missing.is_empty(),
            "called but not in REQUIRED_ACTIONS: {missing:?}"
        );
        assert!(
            unused.is_empty(),
            "in REQUIRED_ACTIONS but never called: {unused:?}"
        );
    }

    /// The organisation scan's own calls (src/org) are the caller-only actions, which the member policy never has.
    #[test]
    fn the_org_policy_adds_exactly_the_organisation_scans_own_calls() {
        let called = called_actions("src/org");
        let listed: BTreeSet<String> = ORG_CALLER_ACTIONS.iter().map(|a| a.to_string()).collect();
        assert_eq!(called, listed);
        for action in ORG_CALLER_ACTIONS {
            assert!(
                !policy_json().contains(action),
                "{action} in the member policy"
            );
        }
        let org: serde_json::Value =
            serde_json::from_str(&org_policy_json("audit/Scanner").unwrap()).unwrap();
        let statements = org["Statement"].as_array().unwrap();
        let member: serde_json::Value = serde_json::from_str(&policy_json()).unwrap();
        assert_eq!(statements[0], member["Statement"][0]);
        assert_eq!(
            statements[1]["Action"],
            json!(["organizations:ListAccounts"])
        );
        assert_eq!(statements[2]["Action"], "sts:AssumeRole");
        assert_eq!(
            statements[2]["Resource"],
            "arn:aws:iam::*:role/audit/Scanner"
        );
        assert!(org_policy_json("bad name").is_err());
    }

    #[test]
    fn every_action_is_read_only_and_sorted() {
        for action in REQUIRED_ACTIONS {
            let operation = action.split_once(':').expect("service:Operation").1;
            // API Gateway's actions are HTTP verbs: GET is its only read.
            assert!(
                ["Get", "List", "Generate", "Describe", "GET"]
                    .iter()
                    .any(|p| operation.starts_with(p)),
                "{action} is not a read-only action"
            );
        }
        assert!(
            REQUIRED_ACTIONS.windows(2).all(|w| w[0] < w[1]),
            "REQUIRED_ACTIONS must be sorted and unique"
        );
    }
}
