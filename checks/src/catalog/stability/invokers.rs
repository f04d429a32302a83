//! Who may invoke a function, read from its resource policies: AWS services, other principals, everyone.
//!
//! Only what the stability and hygiene checks need (which sources push events, how many, whether anyone may call):
//! the access checks own the full analysis of conditions and principals.

use std::collections::BTreeSet;

use serde_json::Value;

use super::common::{glob_match, statements, string_or_list};
use crate::inventory::Function;

/// Who an Allow statement names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Principal {
    /// `*` or `{"AWS": "*"}`.
    Everyone,
    /// A service principal, e.g. `s3.amazonaws.com`.
    Service(String),
    /// An account id or IAM principal ARN.
    Aws(String),
}

/// One principal allowed to call `lambda:InvokeFunction` on the function or one of its qualifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvokeGrant {
    /// `None`: the unqualified function ($LATEST); otherwise the alias or version the policy belongs to.
    pub qualifier: Option<String>,
    pub sid: Option<String>,
    pub principal: Principal,
    /// The statement has a `Condition` block (it may be scoped to one source).
    pub conditional: bool,
}

/// Service principals that invoke Lambda asynchronously (AWS Lambda Developer Guide, "Invoking Lambda with events from
/// other AWS services"): the name before `.amazonaws.com`, with any region label removed.
const ASYNC_SERVICES: &[&str] = &[
    "s3",
    "sns",
    "events",
    "ses",
    "iot",
    "iotevents",
    "logs",
    "codecommit",
    "config",
    "cloudformation",
    "codepipeline",
    "lambda.alarms.cloudwatch",
];

/// Every Allow statement of every resource policy of the function that grants `lambda:InvokeFunction`.
pub(crate) fn invoke_grants(function: &Function) -> Vec<InvokeGrant> {
    let mut grants = Vec::new();
    for policy in &function.resource_policies {
        for statement in statements(&policy.document) {
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow")
                || !grants_invoke(statement)
            {
                continue;
            }
            let sid = statement
                .get("Sid")
                .and_then(Value::as_str)
                .map(str::to_string);
            let conditional = statement
                .get("Condition")
                .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
            for principal in principals(statement.get("Principal")) {
                grants.push(InvokeGrant {
                    qualifier: policy.qualifier.clone(),
                    sid: sid.clone(),
                    principal,
                    conditional,
                });
            }
        }
    }
    grants
}

fn grants_invoke(statement: &Value) -> bool {
    string_or_list(statement.get("Action"))
        .iter()
        .any(|a| glob_match(a, "lambda:InvokeFunction", true))
}

fn principals(value: Option<&Value>) -> Vec<Principal> {
    match value {
        Some(Value::String(s)) if s == "*" => vec![Principal::Everyone],
        Some(Value::Object(map)) => {
            let mut found = Vec::new();
            for p in string_or_list(map.get("AWS")) {
                found.push(if p == "*" {
                    Principal::Everyone
                } else {
                    Principal::Aws(p.to_string())
                });
            }
            for s in string_or_list(map.get("Service")) {
                found.push(Principal::Service(s.to_string()));
            }
            found
        }
        _ => vec![],
    }
}

/// The service's short name: `logs.us-east-1.amazonaws.com` → `logs`, `lambda.alarms.cloudwatch.amazonaws.com` →
/// `lambda.alarms.cloudwatch`.
pub(crate) fn service_name(principal: &str) -> &str {
    let base = principal
        .trim_end_matches(".amazonaws.com.cn")
        .trim_end_matches(".amazonaws.com");
    match base.split_once('.') {
        Some((first, rest)) if looks_like_region(rest) => first,
        _ => base,
    }
}

fn looks_like_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Whether this service principal delivers events asynchronously.
pub(crate) fn is_async_service(principal: &str) -> bool {
    ASYNC_SERVICES.contains(&service_name(principal))
}

impl InvokeGrant {
    /// Anyone, with no condition narrowing the caller.
    pub(crate) fn is_unconditionally_public(&self) -> bool {
        self.principal == Principal::Everyone && !self.conditional
    }

    /// `Some(service)` for an asynchronous service principal.
    pub(crate) fn async_service(&self) -> Option<&str> {
        match &self.principal {
            Principal::Service(s) if is_async_service(s) => Some(s),
            _ => None,
        }
    }

    /// How the principal is shown in evidence.
    pub(crate) fn label(&self) -> String {
        match &self.principal {
            Principal::Everyone => "*".to_string(),
            Principal::Service(s) | Principal::Aws(s) => s.clone(),
        }
    }
}

/// The distinct principals (by label) of a set of grants, sorted.
pub(crate) fn distinct_labels(grants: &[InvokeGrant]) -> BTreeSet<String> {
    grants.iter().map(InvokeGrant::label).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::ResourcePolicy;

    fn function_with(policies: Vec<ResourcePolicy>) -> Function {
        Function {
            resource_policies: policies,
            ..Function::default()
        }
    }

    #[test]
    fn reads_services_accounts_and_everyone_from_allow_statements() {
        let f = function_with(vec![
            ResourcePolicy {
                qualifier: None,
                document: json!({"Statement": [
                    {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                     "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}}},
                    {"Sid": "deny", "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction"},
                    {"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl"},
                    {"Sid": "acct", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "Action": ["lambda:*"]}
                ]}),
            },
            ResourcePolicy {
                qualifier: Some("live".into()),
                document: json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"}, "Action": "lambda:Invoke*"}}),
            },
        ]);
        let grants = invoke_grants(&f);
        let labels: Vec<String> = grants.iter().map(InvokeGrant::label).collect();
        assert_eq!(
            labels,
            [
                "s3.amazonaws.com",
                "arn:aws:iam::111122223333:root",
                "*",
                "logs.eu-west-1.amazonaws.com"
            ]
        );
        assert!(grants[0].conditional && grants[0].async_service().is_some());
        assert!(grants[2].is_unconditionally_public());
        assert_eq!(grants[3].qualifier.as_deref(), Some("live"));
        assert!(grants[3].async_service().is_some());
    }

    #[test]
    fn service_names_drop_regions_and_suffixes() {
        assert_eq!(service_name("logs.us-east-1.amazonaws.com"), "logs");
        assert_eq!(service_name("s3.amazonaws.com"), "s3");
        assert_eq!(
            service_name("lambda.alarms.cloudwatch.amazonaws.com"),
            "lambda.alarms.cloudwatch"
        );
        assert!(
            is_async_service("events.amazonaws.com")
                && !is_async_service("apigateway.amazonaws.com")
        );
        assert!(!is_async_service("elasticloadbalancing.amazonaws.com"));
    }
}
