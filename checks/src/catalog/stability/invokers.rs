//! Who may invoke a function, read from its resource policies: AWS services, other principals, everyone.
//!
//! Only what the stability and hygiene checks need (which sources push events, how many, whether anyone may call):
//! the access checks own the full analysis of principals and conditions.

use std::collections::BTreeSet;

use serde_json::Value;

use super::common::{glob_match, statements, string_or_list};
use crate::inventory::Function;

/// Who an Allow statement names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Principal {
    /// `*`, `{"AWS": "*"}`, or Allow + NotPrincipal (everyone but the listed principals).
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
    /// A condition pins the caller to fixed values (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID…).
    pub pinned: bool,
    /// Only usable through a function URL (`lambda:InvokedViaFunctionUrl` condition).
    pub via_url: bool,
    /// The service of the ARN named by an `aws:SourceArn` condition (`s3`, `sns`, `execute-api`…).
    pub source_service: Option<String>,
}

/// How a grant's principal calls the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// An AWS service that invokes asynchronously (the service principal, or the service of its SourceArn).
    Async(String),
    /// A synchronous caller: API Gateway, a load balancer, a function URL…
    Sync,
    /// Anyone else, free to invoke with `InvocationType=Event`.
    Other(String),
}

/// Services that invoke Lambda asynchronously (AWS Lambda Developer Guide, "Invoking Lambda with events from other
/// AWS services"): the principal's name before `.amazonaws.com` without region label, or the service of a SourceArn.
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

/// Services that invoke synchronously.
const SYNC_SERVICES: &[&str] = &[
    "apigateway",
    "execute-api",
    "elasticloadbalancing",
    "lex",
    "lexv2",
    "cognito-idp",
    "cognito-sync",
    "alexa-appkit",
    "alexa-connectedhome",
    "connect",
    "secretsmanager",
    "vpc-lattice",
    "bedrock",
];

/// Condition keys that pin the caller when compared to fixed values.
const PINNING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
];

/// Condition operators that can pin: positive string, ARN and IP comparisons.
const PINNING_OPERATORS: &[&str] = &[
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
    "ipaddress",
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
            let condition = statement.get("Condition").unwrap_or(&Value::Null);
            let named = match statement.get("NotPrincipal") {
                Some(_) => vec![Principal::Everyone],
                None => principals(statement.get("Principal")),
            };
            for principal in named {
                grants.push(InvokeGrant {
                    qualifier: policy.qualifier.clone(),
                    sid: sid.clone(),
                    principal,
                    pinned: pins_caller(condition),
                    via_url: condition_keys(condition)
                        .any(|k| k.eq_ignore_ascii_case("lambda:InvokedViaFunctionUrl")),
                    source_service: source_service(condition),
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

/// Every condition key of a `Condition` block, across operators.
fn condition_keys(condition: &Value) -> impl Iterator<Item = &str> {
    condition
        .as_object()
        .into_iter()
        .flat_map(|operators| operators.values())
        .filter_map(Value::as_object)
        .flat_map(|keys| keys.keys().map(String::as_str))
}

/// Whether the condition compares a caller-identifying key to fixed values (no wildcard, no policy variable, no
/// catch-all CIDR) with a positive operator. `…IfExists` and negated operators do not pin.
pub(crate) fn pins_caller(condition: &Value) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    operators.iter().any(|(operator, block)| {
        let op = operator.to_ascii_lowercase();
        let op = op
            .trim_start_matches("foranyvalue:")
            .trim_start_matches("forallvalues:");
        PINNING_OPERATORS.contains(&op)
            && block.as_object().is_some_and(|keys| {
                keys.iter().any(|(key, values)| {
                    PINNING_KEYS.contains(&key.to_ascii_lowercase().as_str())
                        && fixed_values(values)
                })
            })
    })
}

fn fixed_values(values: &Value) -> bool {
    let values = string_or_list(Some(values));
    !values.is_empty()
        && values.iter().all(|v| {
            !v.contains('*')
                && !v.contains('?')
                && !v.contains("${")
                && *v != "0.0.0.0/0"
                && *v != "::/0"
        })
}

/// The service of the ARN an `aws:SourceArn` condition names, e.g. `s3` for `arn:aws:s3:::bucket`.
fn source_service(condition: &Value) -> Option<String> {
    condition
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .find_map(|keys| {
            let (_, values) = keys
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case("aws:SourceArn"))?;
            let first = string_or_list(Some(values)).first().copied()?;
            first.split(':').nth(2).map(str::to_string)
        })
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

impl InvokeGrant {
    /// Anyone may call `lambda:InvokeFunction` directly: principal `*` (or Allow + NotPrincipal) with no condition
    /// pinning the caller. Grants usable only through a function URL are the URL's business.
    pub(crate) fn is_public(&self) -> bool {
        self.principal == Principal::Everyone && !self.pinned && !self.via_url
    }

    /// How this principal calls the function.
    pub(crate) fn caller(&self) -> Caller {
        if self.via_url {
            return Caller::Sync;
        }
        let (service, label) = match &self.principal {
            Principal::Service(s) => (Some(service_name(s).to_string()), self.label()),
            _ => {
                let via =
                    |s: &String| format!("{s} (principal {} with aws:SourceArn)", self.label());
                (
                    self.source_service.clone(),
                    self.source_service
                        .as_ref()
                        .map_or_else(|| self.label(), via),
                )
            }
        };
        match service.as_deref() {
            Some(s) if ASYNC_SERVICES.contains(&s) => Caller::Async(label),
            Some(s) if SYNC_SERVICES.contains(&s) => Caller::Sync,
            _ => Caller::Other(self.label()),
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
        assert!(grants[0].pinned && grants[0].caller() == Caller::Async("s3.amazonaws.com".into()));
        assert_eq!(
            grants[1].caller(),
            Caller::Other("arn:aws:iam::111122223333:root".into())
        );
        assert!(grants[2].is_public() && grants[2].caller() == Caller::Other("*".into()));
        assert_eq!(grants[3].qualifier.as_deref(), Some("live"));
        assert!(matches!(grants[3].caller(), Caller::Async(_)) && !grants[3].pinned);
    }

    #[test]
    fn pinning_needs_fixed_values_and_positive_operators() {
        assert!(pins_caller(
            &json!({"StringEquals": {"AWS:SourceAccount": "123456789012"}})
        ));
        assert!(pins_caller(
            &json!({"ArnLike": {"aws:SourceArn": ["arn:aws:s3:::exact-bucket"]}})
        ));
        assert!(!pins_caller(
            &json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:newsletter-*"}})
        ));
        assert!(!pins_caller(
            &json!({"StringEquals": {"aws:PrincipalArn": "${aws:username}"}})
        ));
        assert!(!pins_caller(
            &json!({"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}})
        ));
        assert!(!pins_caller(
            &json!({"StringNotEquals": {"aws:SourceAccount": "123456789012"}})
        ));
        assert!(!pins_caller(
            &json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})
        ));
        assert!(!pins_caller(
            &json!({"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})
        ));
        assert!(!pins_caller(&json!({"Null": {"aws:SourceArn": "false"}})));
    }

    #[test]
    fn callers_follow_the_source_arn_and_url_conditions() {
        let f = function_with(vec![ResourcePolicy {
            qualifier: None,
            document: json!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                 "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}}},
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                 "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
                {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction"},
                {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "lambda:InvokeFunction"}
            ]}),
        }]);
        let grants = invoke_grants(&f);
        let callers: Vec<Caller> = grants.iter().map(InvokeGrant::caller).collect();
        assert_eq!(
            callers,
            [
                Caller::Async("sns (principal * with aws:SourceArn)".into()),
                Caller::Sync,
                Caller::Sync,
                Caller::Other("*".into())
            ]
        );
        assert!(!grants[0].is_public() && !grants[1].is_public() && grants[3].is_public());
    }

    #[test]
    fn service_names_drop_regions_and_suffixes() {
        assert_eq!(service_name("logs.us-east-1.amazonaws.com"), "logs");
        assert_eq!(service_name("s3.amazonaws.com"), "s3");
        assert_eq!(
            service_name("lambda.alarms.cloudwatch.amazonaws.com"),
            "lambda.alarms.cloudwatch"
        );
    }
}
