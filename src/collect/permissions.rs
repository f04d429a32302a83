//! The least-privilege IAM policy the scanner itself needs: every read-only operation the collectors call.

use serde_json::json;

/// Every IAM action the collectors may call, sorted. A test proves each operation the collectors call is here.
pub const REQUIRED_ACTIONS: &[&str] = &[
    "cloudwatch:GetMetricData",
    "iam:GetAccountAuthorizationDetails",
    "lambda:GetFunction",
    "lambda:GetPolicy",
    "lambda:ListFunctions",
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
    format!("{}\n", serde_json::to_string_pretty(&doc).expect("static JSON"))
}
