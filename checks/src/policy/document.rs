//! The IAM policy document model: every legal shape of the policy language parsed into typed statements.
//!
//! Identity policies, trust policies and resource policies share one grammar; elements a kind does not use (a
//! `Principal` in an identity policy, a `Resource` in a trust policy) are simply absent. Malformed documents are
//! errors, so a check can say Unknown rather than judge a policy it misread.

use serde_json::{Map, Value};

use crate::wildcard;

/// Why a document could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The document is JSON but not an object.
    #[error("policy document is not a JSON object")]
    NotAnObject,
    /// The document has no `Statement` element.
    #[error("policy document has no Statement")]
    NoStatement,
    /// A statement breaks the grammar.
    #[error("statement {index}: {reason}")]
    BadStatement {
        /// Its position in the document (0-based).
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The document is not JSON, or a top-level element has the wrong shape.
    #[error("policy document: {0}")]
    BadDocument(String),
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// The `Version` element (`2012-10-17`); `None` when absent.
    pub version: Option<String>,
    /// The optional `Id` element.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants what it lists.
    Allow,
    /// The statement refuses what it lists, whatever any Allow grants.
    Deny,
}

/// One statement, typed, with its raw JSON kept for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the document (0-based); with the Sid it identifies the statement in findings.
    pub index: usize,
    /// The statement id, when it has one.
    pub sid: Option<String>,
    /// Whether it allows or denies.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`; `None` in identity policies.
    pub principal: Option<Principals>,
    /// `Action` (`Only`) or `NotAction` (`Except`).
    pub actions: Scope<ActionPattern>,
    /// `Resource` (`Only`) or `NotResource` (`Except`); `None` when absent (trust policies).
    pub resources: Option<Scope<String>>,
    /// Condition block, flattened: every entry must hold for the statement to apply.
    pub conditions: Vec<Condition>,
    /// The statement exactly as written.
    pub raw: Value,
}

/// A list element of the positive (`Action`, `Resource`) or negated (`NotAction`, `NotResource`) form.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope<T> {
    /// The element lists what the statement applies to.
    Only(Vec<T>),
    /// The `Not…` element lists what it does NOT apply to: it applies to everything else.
    Except(Vec<T>),
}

/// An action pattern such as `s3:Get*`, `*` or `iam:PassRole`; matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    /// As written.
    pub raw: String,
}

/// `Principal` or `NotPrincipal` with its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Principals {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    /// The principals listed.
    pub entries: Vec<Principal>,
}

/// One principal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Anyone,
    /// `{"AWS": …}`: `*`, an account id, or an IAM / STS ARN, as written.
    Aws(String),
    /// `{"Service": "s3.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": "cognito-identity.amazonaws.com"}` or a SAML / OIDC provider ARN.
    Federated(String),
    /// `{"CanonicalUser": "…"}` (S3 canonical user id).
    CanonicalUser(String),
}

/// A condition operator with its set qualifier and `IfExists` suffix taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// As written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub raw: String,
    /// The operator proper in its canonical spelling, e.g. `StringLike`.
    pub base: String,
    /// `ForAnyValue:` or `ForAllValues:`, when written.
    pub set: Option<SetQualifier>,
    /// The `IfExists` suffix: the condition also holds when the key is absent.
    pub if_exists: bool,
}

/// The multi-valued key qualifier of a condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// True when at least one of the request's values matches.
    ForAnyValue,
    /// True when every value of the request matches (so also when there is none).
    ForAllValues,
}

/// One `operator → key → values` entry of a Condition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The condition operator.
    pub operator: Operator,
    /// As written; compare with [`Condition::key_is`] (keys are case-insensitive).
    pub key: String,
    /// Values as strings (`true`, `42`); a single value becomes a one-element list.
    pub values: Vec<String>,
}

impl PolicyDocument {
    /// Parse a document (already JSON-decoded).
    pub fn parse(value: &Value) -> Result<PolicyDocument, PolicyError> {
        let object = value.as_object().ok_or(PolicyError::NotAnObject)?;
        let version = optional_string(object, "Version").map_err(PolicyError::BadDocument)?;
        let id = optional_string(object, "Id").map_err(PolicyError::BadDocument)?;
        let statements = match object.get("Statement") {
            None | Some(Value::Null) => return Err(PolicyError::NoStatement),
            Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
            Some(single @ Value::Object(_)) => vec![single],
            Some(_) => {
                return Err(PolicyError::BadDocument(
                    "Statement must be an object or a list".into(),
                ))
            }
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                Statement::parse(index, raw)
                    .map_err(|reason| PolicyError::BadStatement { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicyDocument {
            version,
            id,
            statements,
        })
    }

    /// Parse a document given as JSON text (or URL-encoded JSON text, as IAM returns it).
    pub fn parse_str(text: &str) -> Result<PolicyDocument, PolicyError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PolicyError::BadDocument(format!("not JSON: {e}")))?;
        PolicyDocument::parse(&value)
    }
}

impl Statement {
    fn parse(index: usize, raw: &Value) -> Result<Statement, String> {
        let object = raw.as_object().ok_or("a statement must be a JSON object")?;
        let sid = optional_string(object, "Sid")?;
        let effect = match object.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => return Err(format!("Effect must be Allow or Deny, not `{other}`")),
            None => return Err("missing Effect".into()),
        };
        let actions = exclusive(object, "Action", "NotAction")?
            .ok_or("missing Action or NotAction")?
            .map(|list| {
                list.into_iter()
                    .map(ActionPattern::new)
                    .collect::<Result<Vec<_>, String>>()
            })?;
        let resources = exclusive(object, "Resource", "NotResource")?;
        let principal = parse_principals(object)?;
        let conditions = match object.get("Condition") {
            None | Some(Value::Null) => vec![],
            Some(block) => parse_conditions(block)?,
        };
        Ok(Statement {
            index,
            sid,
            effect,
            principal,
            actions,
            resources,
            conditions,
            raw: raw.clone(),
        })
    }

    /// A label for findings and evidence: the Sid, or `#<index>` when it has none.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => sid.clone(),
            _ => format!("#{}", self.index),
        }
    }

    /// Whether the statement's effect is Allow.
    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// Whether the statement applies to `action` (through Action or NotAction), ignoring conditions.
    pub fn applies_to_action(&self, action: &str) -> bool {
        self.actions.includes(|p| p.matches(action))
    }

    /// Whether the statement applies to the resource ARN `arn`, ignoring conditions; `true` when it has no
    /// Resource element.
    pub fn applies_to_resource(&self, arn: &str) -> bool {
        self.resources
            .as_ref()
            .is_none_or(|r| r.includes(|p| resource_matches(p, arn)))
    }

    /// Whether the statement covers every resource: `Resource: "*"` or a `NotResource` (which covers all but a few).
    pub fn on_all_resources(&self) -> bool {
        match &self.resources {
            None => true,
            Some(Scope::Only(list)) => list.iter().any(|r| r == "*"),
            Some(Scope::Except(_)) => true,
        }
    }

    /// Conditions on `key` (case-insensitive).
    pub fn conditions_on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions.iter().filter(move |c| c.key_is(key))
    }
}

impl<T> Scope<T> {
    /// Whether the element includes an item, `matches` telling whether one listed entry matches it.
    pub fn includes(&self, matches: impl Fn(&T) -> bool) -> bool {
        match self {
            Scope::Only(list) => list.iter().any(matches),
            Scope::Except(list) => !list.iter().any(matches),
        }
    }

    /// The listed entries, whichever the form.
    pub fn entries(&self) -> &[T] {
        match self {
            Scope::Only(list) | Scope::Except(list) => list,
        }
    }

    /// Whether it is the `Not…` form.
    pub fn is_negated(&self) -> bool {
        matches!(self, Scope::Except(_))
    }

    fn map<U, E>(self, f: impl FnOnce(Vec<T>) -> Result<Vec<U>, E>) -> Result<Scope<U>, E> {
        Ok(match self {
            Scope::Only(list) => Scope::Only(f(list)?),
            Scope::Except(list) => Scope::Except(f(list)?),
        })
    }
}

impl ActionPattern {
    fn new(raw: String) -> Result<ActionPattern, String> {
        if raw != "*" && !raw.contains(':') {
            return Err(format!(
                "action `{raw}` is neither `*` nor `service:action`"
            ));
        }
        Ok(ActionPattern { raw })
    }

    /// Whether this pattern matches the action name (case-insensitive, `*` and `?` wildcards).
    pub fn matches(&self, action: &str) -> bool {
        wildcard::matches(&self.raw, action, true)
    }

    /// The service prefix in lower case (`s3`), or `None` for the bare `*`.
    pub fn service(&self) -> Option<String> {
        self.raw
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
    }

    /// `*`, `*:*` or `service:*`-style: the whole of a service (or of everything).
    pub fn is_service_wildcard(&self) -> bool {
        self.raw == "*"
            || self
                .raw
                .split_once(':')
                .is_some_and(|(_, name)| name.chars().all(|c| c == '*'))
    }

    /// Whether the pattern holds a `*` or `?`.
    pub fn has_wildcard(&self) -> bool {
        wildcard::has_wildcard(&self.raw)
    }
}

/// Whether a Resource entry matches an ARN: case-sensitive wildcards; a policy variable (`${aws:username}`) may
/// stand for anything, so it matches like `*` (the conservative reading for "could this grant reach it").
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    if pattern.contains("${") {
        wildcard::matches(&without_variables(pattern), arn, false)
    } else {
        wildcard::matches(pattern, arn, false)
    }
}

/// Replace each policy variable `${…}` by `*`, and the escapes `${*}`, `${?}`, `${$}` (one literal character) by `?`.
pub fn without_variables(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push_str(match &after[..end] {
                    // Escapes stand for one literal character: `?` matches it (and, conservatively, any other).
                    "*" | "?" | "$" => "?",
                    _ => "*",
                });
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a value carries a policy variable.
pub fn has_variable(value: &str) -> bool {
    value.contains("${")
}

impl Condition {
    /// Whether this condition is on `key` (condition keys are case-insensitive).
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

impl Operator {
    fn parse(raw: &str) -> Result<Operator, String> {
        let (set, rest) = match raw.split_once(':') {
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => {
                (Some(SetQualifier::ForAnyValue), rest)
            }
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => {
                (Some(SetQualifier::ForAllValues), rest)
            }
            Some((q, _)) => return Err(format!("unknown condition set qualifier `{q}`")),
            None => (None, raw),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) if !base.is_empty() => (base, true),
            _ => (rest, false),
        };
        let Some(known) = OPERATORS
            .iter()
            .find(|known| known.eq_ignore_ascii_case(base))
        else {
            return Err(format!("unknown condition operator `{raw}`"));
        };
        Ok(Operator {
            raw: raw.to_string(),
            base: known.to_string(),
            set,
            if_exists,
        })
    }

    /// Whether the base operator is (case-insensitively) `name`.
    pub fn is(&self, name: &str) -> bool {
        self.base.eq_ignore_ascii_case(name)
    }

    /// Negated operators (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`…) hold for every value but the listed ones.
    pub fn is_negated(&self) -> bool {
        let base = self.base.to_ascii_lowercase();
        base.contains("not") && base != "null"
    }
}

/// The condition operators of the IAM policy language (without qualifier and `IfExists`).
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

fn optional_string(object: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

/// A string or a list of strings.
fn string_list(value: &Value, what: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{what} entries must be strings"))
            })
            .collect(),
        _ => Err(format!("{what} must be a string or a list of strings")),
    }
}

/// The positive or negated form of an element, never both.
fn exclusive(
    object: &Map<String, Value>,
    positive: &str,
    negated: &str,
) -> Result<Option<Scope<String>>, String> {
    match (object.get(positive), object.get(negated)) {
        (Some(_), Some(_)) => Err(format!("both {positive} and {negated}")),
        (Some(v), None) => Ok(Some(Scope::Only(string_list(v, positive)?))),
        (None, Some(v)) => Ok(Some(Scope::Except(string_list(v, negated)?))),
        (None, None) => Ok(None),
    }
}

fn parse_principals(object: &Map<String, Value>) -> Result<Option<Principals>, String> {
    let (negated, value) = match (object.get("Principal"), object.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".into()),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Ok(None),
    };
    let entries = match value {
        Value::String(s) if s == "*" => vec![Principal::Anyone],
        Value::String(s) => return Err(format!("a string principal must be `*`, not `{s}`")),
        Value::Object(kinds) => {
            let mut entries = Vec::new();
            for (kind, names) in kinds {
                let make: fn(String) -> Principal = match kind.as_str() {
                    "AWS" => Principal::Aws,
                    "Service" => Principal::Service,
                    "Federated" => Principal::Federated,
                    "CanonicalUser" => Principal::CanonicalUser,
                    other => return Err(format!("unknown principal type `{other}`")),
                };
                entries.extend(string_list(names, kind)?.into_iter().map(make));
            }
            entries
        }
        _ => return Err("Principal must be `*` or an object".into()),
    };
    Ok(Some(Principals { negated, entries }))
}

fn parse_conditions(block: &Value) -> Result<Vec<Condition>, String> {
    let operators = block.as_object().ok_or("Condition must be an object")?;
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let operator = Operator::parse(operator)?;
        let keys = keys
            .as_object()
            .ok_or_else(|| format!("Condition {} must map keys to values", operator.raw))?;
        for (key, values) in keys {
            let values = match values {
                Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                single => vec![scalar(single)?],
            };
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(conditions)
}

fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("condition values must be strings, booleans or numbers".into()),
    }
}
