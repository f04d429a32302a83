//! Who may invoke a function, read from its resource policies: AWS services, other principals, everyone.
//!
//! Only what the stability and hygiene checks need (which sources push events, how many, whether anyone may call):
//! the access checks own the full analysis of principals and conditions.

use std::collections::BTreeSet;

use crate::arn::Arn;
use crate::config::ValidConfig;
use crate::inventory::Function;
use crate::policy::resource::{caller_pinning, invoke_actions, only_via_url, principal_scope};
use crate::policy::{PolicyDocument, Principal as Entry, Statement};

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
    /// The ARN an `aws:SourceArn` condition names (its first value, under any operator).
    pub source_arn: Option<String>,
    /// The service of that ARN (`s3`, `sns`, `execute-api`…).
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

/// The invoke grants of every resource policy of the function, and the policies that could not be parsed.
pub(crate) struct Invokers {
    pub grants: Vec<InvokeGrant>,
    /// Why some statements could not be read (unparsable documents): the grants may be incomplete.
    pub unreadable: Vec<String>,
}

/// Every Allow statement of every resource policy of the function that grants `lambda:InvokeFunction` (or the
/// legacy `lambda:InvokeAsync`), one grant per principal.
pub(crate) fn invoke_grants(function: &Function, config: &ValidConfig) -> Invokers {
    let own_account = function.account_id();
    let mut invokers = Invokers {
        grants: Vec::new(),
        unreadable: Vec::new(),
    };
    for policy in &function.resource_policies {
        let document = match PolicyDocument::parse(&policy.document.value()) {
            Ok(document) => document,
            Err(error) => {
                let of = policy
                    .qualifier
                    .as_deref()
                    .map_or("the function".to_string(), |q| format!("qualifier {q}"));
                invokers.unreadable.push(format!(
                    "the resource policy of {of} could not be parsed: {error}"
                ));
                continue;
            }
        };
        for statement in document
            .statements
            .iter()
            .filter(|s| s.is_allow() && grants_invoke(s))
        {
            let pinned = caller_pinning(statement, own_account, config).is_pinned();
            let via_url = only_via_url(statement);
            let source_arn = statement
                .conditions_on("aws:SourceArn")
                .find_map(|c| c.values.first());
            let source_service = source_arn.map(String::as_str).and_then(source_service);
            for principal in principals(statement, own_account, config) {
                invokers.grants.push(InvokeGrant {
                    qualifier: policy.qualifier.clone(),
                    sid: statement.sid.clone(),
                    principal,
                    pinned,
                    via_url,
                    source_arn: source_arn.cloned(),
                    source_service: source_service.clone(),
                });
            }
        }
    }
    invokers
}

fn grants_invoke(statement: &Statement) -> bool {
    invoke_actions(statement)
        .iter()
        .any(|a| *a == "lambda:InvokeFunction" || *a == "lambda:InvokeAsync")
}

/// The statement's principals: everyone once when the statement is public (`*`, a wildcard account, or any
/// `NotPrincipal`), then every service and every other named principal.
fn principals(statement: &Statement, own_account: &str, config: &ValidConfig) -> Vec<Principal> {
    let Some(named) = &statement.principal else {
        return vec![];
    };
    let mut found = Vec::new();
    if principal_scope(statement, own_account, config).is_some_and(|scope| scope.is_public()) {
        found.push(Principal::Everyone);
    }
    if named.negated {
        return found;
    }
    for entry in &named.entries {
        match entry {
            Entry::Anyone => {}
            Entry::Aws(value) if value.contains('*') => {}
            Entry::Service(name) => found.push(Principal::Service(name.clone())),
            Entry::Aws(value) | Entry::Federated(value) | Entry::CanonicalUser(value) => {
                found.push(Principal::Aws(value.clone()))
            }
        }
    }
    found
}

/// The service of the ARN an `aws:SourceArn` condition names, e.g. `s3` for `arn:aws:s3:::bucket`.
fn source_service(arn: &str) -> Option<String> {
    Arn::parse(arn)
        .ok()
        .map(|arn| arn.service)
        .filter(|service| !service.is_empty() && !service.contains('*'))
        .map(str::to_string)
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
            arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
            resource_policies: policies,
            ..Function::default()
        }
    }

    fn grants_of(function: &Function) -> Vec<InvokeGrant> {
        let invokers = invoke_grants(function, &ValidConfig::default());
        assert!(invokers.unreadable.is_empty(), "{:?}", invokers.unreadable);
        invokers.grants
    }

    #[test]
    fn reads_services_accounts_and_everyone_from_allow_statements() {
        let f = function_with(vec![
            ResourcePolicy {
                qualifier: None,
                document: crate::json_text::json_text!({"Statement": [
                    {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                     "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}}},
                    {"Sid": "deny", "Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction"},
                    {"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl"},
                    {"Sid": "acct", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "Action": ["lambda:*"]}
                ]}),
            },
            ResourcePolicy {
                qualifier: Some("live".into()),
                document: crate::json_text::json_text!({"Statement": {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"}, "Action": "lambda:Invoke*"}}),
            },
        ]);
        let grants = grants_of(&f);
        let labels: Vec<String> = grants.iter().map(InvokeGrant::label).collect();
        assert_eq!(
            labels,
            [
                "s3.amazonaws.com",
                "*",
                "arn:aws:iam::111122223333:root",
                "logs.eu-west-1.amazonaws.com"
            ]
        );
        assert!(grants[0].pinned && grants[0].caller() == Caller::Async("s3.amazonaws.com".into()));
        assert_eq!(
            grants[2].caller(),
            Caller::Other("arn:aws:iam::111122223333:root".into())
        );
        assert!(grants[1].is_public() && grants[1].caller() == Caller::Other("*".into()));
        assert_eq!(grants[3].qualifier.as_deref(), Some("live"));
        assert!(matches!(grants[3].caller(), Caller::Async(_)) && !grants[3].pinned);
    }

    #[test]
    fn pinning_comes_from_the_policy_module() {
        let statement = |condition: serde_json::Value| ResourcePolicy {
            qualifier: None,
            document: crate::json_text::json_text!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Condition": condition}}),
        };
        let exact = grants_of(&function_with(vec![statement(
            json!({"StringEquals": {"AWS:SourceAccount": "123456789012"}}),
        )]));
        assert!(exact[0].pinned && !exact[0].is_public());
        let wildcard = grants_of(&function_with(vec![statement(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:news-*"}}),
        )]));
        assert!(!wildcard[0].pinned && wildcard[0].is_public());
        assert_eq!(
            wildcard[0].caller(),
            Caller::Async("sns (principal * with aws:SourceArn)".into())
        );
    }

    #[test]
    fn unparsable_policies_are_reported() {
        let f = function_with(vec![ResourcePolicy {
            qualifier: Some("3".into()),
            document: crate::json_text::json_text!({"Statement": [{"Action": "x"}]}),
        }]);
        let invokers = invoke_grants(&f, &ValidConfig::default());
        assert!(invokers.grants.is_empty() && invokers.unreadable.len() == 1);
    }

    #[test]
    fn callers_follow_the_source_arn_and_url_conditions() {
        let f = function_with(vec![ResourcePolicy {
            qualifier: None,
            document: crate::json_text::json_text!({"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                 "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}}},
                {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                 "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}},
                {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction"},
                {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "lambda:InvokeFunction"}
            ]}),
        }]);
        let grants = grants_of(&f);
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
