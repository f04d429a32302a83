//! The least-privilege IAM policy the scanner itself needs: every read-only operation the collectors call.

use serde_json::json;

/// Every IAM action the collectors may call, sorted. A test proves this is exactly the set of operations the
/// collectors call, and that each is read-only.
pub const REQUIRED_ACTIONS: &[&str] = &[
    "cloudwatch:GetMetricData",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetServiceLastAccessedDetails",
    "lambda:GetAccountSettings",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
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
    "sts:GetCallerIdentity",
];

/// The policy document, pretty-printed.
pub fn policy_json() -> String {
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "LambdaPostureReadOnly",
            "Effect": "Allow",
            "Action": REQUIRED_ACTIONS,
            "Resource": "*"
        }]
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("static JSON")
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Which AWS service the SDK client of each collector file talks to.
    const FILE_SERVICES: &[(&str, &str)] = &[
        ("lambda.rs", "lambda"),
        ("iam.rs", "iam"),
        ("metrics.rs", "cloudwatch"),
        ("account.rs", "sts"),
    ];

    /// Every `client.<operation>(` fluent call in a source text (whitespace and line breaks allowed around the dot).
    fn client_calls(source: &str) -> Vec<String> {
        let bytes = source.as_bytes();
        let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut calls = Vec::new();
        for (start, _) in source.match_indices("client") {
            if start > 0 && is_ident(bytes[start - 1]) {
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
                calls.push(name.to_string());
            }
        }
        calls
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

    fn called_actions() -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/collect");
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
            let calls = client_calls(&source);
            if calls.is_empty() {
                continue;
            }
            let service = FILE_SERVICES
                .iter()
                .find(|(f, _)| *f == file)
                .unwrap_or_else(|| panic!("{file} calls an SDK client; add it to FILE_SERVICES"))
                .1;
            actions.extend(
                calls
                    .iter()
                    .map(|m| format!("{service}:{}", operation_name(m))),
            );
        }
        actions
    }

    #[test]
    fn the_scanner_finds_multiline_calls_and_ignores_other_idents() {
        let src = "let a = client\n    .list_functions()\n; iam_client.get_role(); self.client.get_policy();";
        assert_eq!(client_calls(src), ["list_functions", "get_policy"]);
        assert_eq!(
            operation_name("list_function_url_configs"),
            "ListFunctionUrlConfigs"
        );
    }

    #[test]
    fn the_policy_lists_exactly_the_operations_the_collectors_call() {
        let called = called_actions();
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

    #[test]
    fn every_action_is_read_only_and_sorted() {
        for action in REQUIRED_ACTIONS {
            let operation = action.split_once(':').expect("service:Operation").1;
            assert!(
                ["Get", "List", "Generate"]
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
