//! Resource-policy analysis for Lambda: who a statement lets in ([`principal_scope`]), whether its conditions pin
//! the caller to known accounts, organizations, networks or source resources ([`caller_pinning`]), and how it
//! relates to function URLs ([`url_auth_type`], [`only_via_url`]).

use std::collections::BTreeSet;

use serde::Serialize;

use super::actions;
use super::document::{has_variable, Condition, Principal, SetQualifier, Statement};
use crate::arn::{is_account_id, Arn};
use crate::config::ValidConfig;
use crate::wildcard;

/// Who a statement's `Principal` / `NotPrincipal` names, sorted by how far from home they are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PrincipalScope {
    /// `NotPrincipal`: the statement applies to everyone EXCEPT the entries below.
    pub negated: bool,
    /// `"*"`, `{"AWS": "*"}` or an AWS principal whose account is a wildcard (`arn:aws:iam::*:root`).
    pub public: bool,
    /// The function's own account (account id, its root, or a user / role of it).
    pub same_account: bool,
    /// Other accounts listed in config `trusted_accounts`.
    pub trusted_accounts: BTreeSet<String>,
    /// Other accounts, not trusted.
    pub foreign_accounts: BTreeSet<String>,
    /// Service principals (`s3.amazonaws.com`).
    pub services: BTreeSet<String>,
    /// Federated principals (identity providers such as `cognito-identity.amazonaws.com`).
    pub federated: BTreeSet<String>,
    /// S3 canonical user ids.
    pub canonical_users: BTreeSet<String>,
    /// AWS principal values that name no account (unique ids such as `AROA…` left by deleted roles).
    pub unresolved: BTreeSet<String>,
}

impl PrincipalScope {
    /// Anyone may match: a public principal, or any `NotPrincipal` (everyone but the listed).
    pub fn is_public(&self) -> bool {
        self.public || self.negated
    }
}

/// The principals of a statement as seen from `own_account`; `None` when the statement has no principal element
/// (an identity policy statement).
pub fn principal_scope(
    statement: &Statement,
    own_account: &str,
    config: &ValidConfig,
) -> Option<PrincipalScope> {
    let principals = statement.principal.as_ref()?;
    let mut scope = PrincipalScope {
        negated: principals.negated,
        ..PrincipalScope::default()
    };
    for entry in &principals.entries {
        match entry {
            Principal::Anyone => scope.public = true,
            Principal::Aws(value) => match aws_principal_account(value) {
                AwsAccount::Any => scope.public = true,
                AwsAccount::Id(id) if id == own_account => scope.same_account = true,
                AwsAccount::Id(id) if config.trusted_accounts.contains(&id) => {
                    scope.trusted_accounts.insert(id);
                }
                AwsAccount::Id(id) => {
                    scope.foreign_accounts.insert(id);
                }
                AwsAccount::Unresolved => {
                    scope.unresolved.insert(value.clone());
                }
            },
            Principal::Service(name) => {
                scope.services.insert(name.clone());
            }
            Principal::Federated(name) => {
                scope.federated.insert(name.clone());
            }
            Principal::CanonicalUser(id) => {
                scope.canonical_users.insert(id.clone());
            }
        }
    }
    Some(scope)
}

enum AwsAccount {
    Any,
    Id(String),
    Unresolved,
}

/// The account of an AWS principal value: `*`, a bare account id, or an IAM / STS ARN.
fn aws_principal_account(value: &str) -> AwsAccount {
    if value == "*" {
        return AwsAccount::Any;
    }
    if is_account_id(value) {
        return AwsAccount::Id(value.to_string());
    }
    match Arn::parse(value).ok() {
        Some(parts) if wildcard::has_wildcard(parts.account) || has_variable(parts.account) => {
            AwsAccount::Any
        }
        Some(parts) if is_account_id(parts.account) => AwsAccount::Id(parts.account.to_string()),
        _ => AwsAccount::Unresolved,
    }
}

/// Condition keys that can pin the caller, lower-case.
pub const PINNING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:principalorgpaths",
    "aws:sourceorgpaths",
];

/// Keys naming organizations: by id, or by path (`o-…/r-…/ou-…/`), whose first segment is the organization id.
const ORG_ID_KEYS: &[&str] = &["aws:principalorgid", "aws:sourceorgid"];
const ORG_PATH_KEYS: &[&str] = &["aws:principalorgpaths", "aws:sourceorgpaths"];

/// A condition that restricts who may call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    /// The condition key as written.
    pub key: String,
    /// The condition operator as written.
    pub operator: String,
    /// The values the key is held to.
    pub values: Vec<String>,
    /// Accounts the pin restricts callers to (from account keys, or the account field of ARN values); empty when
    /// the pin is not about accounts (organization, network, S3 bucket).
    pub accounts: BTreeSet<String>,
}

/// A condition on a pinning key that does not pin, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotPinning {
    /// The condition key as written.
    pub key: String,
    /// The condition operator as written.
    pub operator: String,
    /// Why it lets other callers through.
    pub reason: String,
}

/// What a statement's conditions say about its callers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Pinning {
    /// Conditions that pin the caller.
    pub pins: Vec<Pin>,
    /// Conditions on pinning keys that were looked at and do not pin.
    pub not_pinning: Vec<NotPinning>,
}

impl Pinning {
    /// At least one condition pins the caller (conditions are ANDed, so one is enough).
    pub fn is_pinned(&self) -> bool {
        !self.pins.is_empty()
    }

    /// Whether one of `keys` (case-insensitive) pins.
    pub fn pinned_by(&self, keys: &[&str]) -> bool {
        self.pins
            .iter()
            .any(|p| keys.iter().any(|k| p.key.eq_ignore_ascii_case(k)))
    }

    /// The accounts callers are restricted to: the intersection of every account-naming pin; `None` when no pin
    /// names accounts.
    pub fn accounts(&self) -> Option<BTreeSet<String>> {
        self.pins
            .iter()
            .filter(|p| !p.accounts.is_empty())
            .map(|p| p.accounts.clone())
            .reduce(|a, b| &a & &b)
    }

    /// Organization ids callers are restricted to by `aws:PrincipalOrgID` / `aws:SourceOrgID`, or by the
    /// organization an `aws:PrincipalOrgPaths` / `aws:SourceOrgPaths` path starts with; `None` when no such pin.
    pub fn organizations(&self) -> Option<BTreeSet<String>> {
        self.pins
            .iter()
            .filter_map(|p| {
                let key = p.key.to_ascii_lowercase();
                if ORG_ID_KEYS.contains(&key.as_str()) {
                    Some(p.values.iter().cloned().collect::<BTreeSet<_>>())
                } else if ORG_PATH_KEYS.contains(&key.as_str()) {
                    Some(
                        p.values
                            .iter()
                            .map(|v| path_organization(v).to_string())
                            .collect(),
                    )
                } else {
                    None
                }
            })
            .reduce(|a, b| &a & &b)
    }
}

/// Whether, and by which conditions, a statement pins its caller. A condition pins when its key is one of
/// [`PINNING_KEYS`] (`aws:SourceOrgID` is the organization of a calling service's resource), its operator constrains
/// the value when the key is present AND fails when the key is absent (so not negated operators, `Null`, `…IfExists`,
/// `ForAllValues:`), and every value is fixed.
///
/// A value is fixed when it carries no policy variable (`${aws:ResourceAccount}` is resolved to `own_account`,
/// `${aws:ResourceOrgID}` to config `organization_id`), and, for operators that understand wildcards
/// (`StringLike`, `ArnLike`, `ArnEquals`), when its wildcards cannot widen the owner: an account value has none; an
/// ARN value has a fixed 12-digit account field, or (S3-style ARNs without an account) a fixed resource name up to
/// its first `/`. `aws:SourceIp` pins with `IpAddress` and a prefix of at least /8 (IPv4) or /16 (IPv6).
pub fn caller_pinning(statement: &Statement, own_account: &str, config: &ValidConfig) -> Pinning {
    let mut pinning = Pinning::default();
    for condition in &statement.conditions {
        let key = condition.key.to_ascii_lowercase();
        if !PINNING_KEYS.contains(&key.as_str()) {
            continue;
        }
        match pin_of(condition, &key, own_account, config) {
            Ok(pin) => pinning.pins.push(pin),
            Err(reason) => pinning.not_pinning.push(NotPinning {
                key: condition.key.clone(),
                operator: condition.operator.raw.clone(),
                reason,
            }),
        }
    }
    pinning
}

fn pin_of(
    condition: &Condition,
    key: &str,
    own_account: &str,
    config: &ValidConfig,
) -> Result<Pin, String> {
    let op = &condition.operator;
    if op.if_exists {
        return Err("…IfExists holds when the key is absent".into());
    }
    if op.set == Some(SetQualifier::ForAllValues) {
        return Err("ForAllValues holds when the key is absent".into());
    }
    if op.is("Null") {
        return Err("Null only tests whether the key is present".into());
    }
    if op.is_negated() {
        return Err("a negated operator lets every other value in".into());
    }
    if condition.values.is_empty() {
        return Err("no value".into());
    }
    let values: Vec<String> = condition
        .values
        .iter()
        .map(|v| resolve_variables(v, own_account, config.organization_id.as_deref()))
        .collect();
    if let Some(v) = values.iter().find(|v| has_variable(v)) {
        return Err(format!("`{v}` is a policy variable, not a fixed value"));
    }
    let wildcards = op.is("StringLike") || op.is("ArnLike") || op.is("ArnEquals");
    let string_like = wildcards || op.is("StringEquals") || op.is("StringEqualsIgnoreCase");
    let mut accounts = BTreeSet::new();
    match key {
        "aws:sourceip" => {
            if !op.is("IpAddress") {
                return Err("aws:SourceIp is only pinned by IpAddress".into());
            }
            if let Some(v) = values.iter().find(|v| !narrow_cidr(v)) {
                return Err(format!("`{v}` is not a narrow address range"));
            }
        }
        "aws:sourcearn" | "aws:principalarn" => {
            if !string_like {
                return Err(format!("{} does not compare ARNs", op.raw));
            }
            for v in &values {
                match fixed_arn_owner(v, wildcards) {
                    Some(Some(account)) => {
                        accounts.insert(account);
                    }
                    Some(None) => {}
                    None => return Err(format!("`{v}` has a wildcard where the owner is named")),
                }
            }
            // A mix of account-owned and account-less ARNs does not restrict accounts: keep none then.
            if accounts.len() < values.len() {
                accounts.clear();
            }
        }
        _ if ORG_PATH_KEYS.contains(&key) => {
            if !string_like {
                return Err(format!("{} does not compare strings", op.raw));
            }
            // A path names its organization first; wildcards after it only choose units within it.
            let open = |v: &str| {
                !path_organization(v).starts_with("o-")
                    || wildcard::has_wildcard(path_organization(v))
            };
            if let Some(v) = values.iter().find(|v| open(v)) {
                return Err(format!("`{v}` does not name a fixed organization first"));
            }
        }
        _ => {
            if !string_like {
                return Err(format!("{} does not compare strings", op.raw));
            }
            if let Some(v) = values
                .iter()
                .find(|v| wildcards && wildcard::has_wildcard(v))
            {
                return Err(format!("`{v}` has a wildcard"));
            }
            if matches!(
                key,
                "aws:sourceaccount" | "aws:principalaccount" | "aws:sourceowner"
            ) {
                // A value that is not an account id matches no caller: the restriction is to the others.
                accounts.extend(values.iter().filter(|v| is_account_id(v)).cloned());
            }
        }
    }
    Ok(Pin {
        key: condition.key.clone(),
        operator: op.raw.clone(),
        values,
        accounts,
    })
}

/// The organization id an organization path (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`) starts with.
fn path_organization(path: &str) -> &str {
    path.split('/').next().unwrap_or_default()
}

/// `Some(Some(account))`: a fixed ARN of that account; `Some(None)`: fixed, owner not an account (S3 bucket);
/// `None`: a wildcard where the owner is named.
fn fixed_arn_owner(value: &str, wildcards: bool) -> Option<Option<String>> {
    if !wildcards || !wildcard::has_wildcard(value) {
        let account = Arn::parse(value)
            .map(|p| p.account)
            .ok()
            .filter(|a| is_account_id(a))
            .map(str::to_string);
        return Some(account);
    }
    let parts = Arn::parse(value).ok()?;
    if wildcard::has_wildcard(parts.partition) || wildcard::has_wildcard(parts.service) {
        return None;
    }
    if is_account_id(parts.account) {
        return Some(Some(parts.account.to_string()));
    }
    if !parts.account.is_empty() {
        return None;
    }
    // No account field (S3): the resource name before the first `/` identifies the owner's resource.
    let name = parts.resource.split('/').next().unwrap_or_default();
    (!name.is_empty() && !wildcard::has_wildcard(name) && parts.resource.len() > name.len())
        .then_some(None)
}

fn narrow_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (value, None),
    };
    let Ok(ip) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    match (ip, prefix) {
        (_, None) => true,
        (std::net::IpAddr::V4(_), Some(p)) => p >= 8,
        (std::net::IpAddr::V6(_), Some(p)) => p >= 16,
    }
}

/// Replace `${aws:ResourceAccount}` and (when known) `${aws:ResourceOrgID}`, the variables whose value a resource
/// policy fixes; others stay.
fn resolve_variables(value: &str, own_account: &str, org: Option<&str>) -> String {
    let mut out = value
        .replace("${aws:ResourceAccount}", own_account)
        .replace("${aws:resourceaccount}", own_account);
    if let Some(org) = org {
        out = out
            .replace("${aws:ResourceOrgID}", org)
            .replace("${aws:resourceorgid}", org);
    }
    out
}

/// The URL auth type a statement is restricted to by `lambda:FunctionUrlAuthType`, upper-case (`NONE`, `AWS_IAM`);
/// `None` when no such restricting condition.
pub fn url_auth_type(statement: &Statement) -> Option<String> {
    statement
        .conditions_on("lambda:FunctionUrlAuthType")
        .find(|c| {
            (c.operator.is("StringEquals") || c.operator.is("StringEqualsIgnoreCase"))
                && c.values.len() == 1
        })
        .filter(|c| !c.operator.if_exists && c.operator.set != Some(SetQualifier::ForAllValues))
        .map(|c| c.values[0].to_ascii_uppercase())
}

/// Whether the statement only applies to calls through a function URL: `lambda:FunctionUrlAuthType` fixed, or
/// `lambda:InvokedViaFunctionUrl` true (the `lambda:InvokeFunction` permission that URLs need since October 2025).
pub fn only_via_url(statement: &Statement) -> bool {
    url_auth_type(statement).is_some()
        || statement
            .conditions_on("lambda:InvokedViaFunctionUrl")
            .any(|c| {
                c.operator.is("Bool")
                    && !c.operator.if_exists
                    && c.values.len() == 1
                    && c.values[0].eq_ignore_ascii_case("true")
            })
}

/// The Lambda actions a statement names (through `Action` or `NotAction`), in table order.
pub fn lambda_actions(statement: &Statement) -> Vec<&'static str> {
    actions::expand("lambda:*")
        .filter(|a| statement.applies_to_action(a))
        .collect()
}

/// Actions that run the function.
pub const INVOKE_ACTIONS: &[&str] = &[
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "lambda:InvokeAsync",
];

/// The invoke actions the statement names.
pub fn invoke_actions(statement: &Statement) -> Vec<&'static str> {
    INVOKE_ACTIONS
        .iter()
        .copied()
        .filter(|a| statement.applies_to_action(a))
        .collect()
}
