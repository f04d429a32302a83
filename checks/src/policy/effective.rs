//! Effective permissions of an execution role: the Allow statements of its inline and attached managed policies,
//! less what explicit Deny statements remove, within its permissions boundary.
//!
//! Evaluation follows IAM's logic for a same-account request (explicit Deny > boundary > Allow), over-approximating
//! where a policy cannot be decided statically, so that "the role may do X" is never missed:
//! - a Deny with conditions does not remove an Allow (the condition may not hold);
//! - a Deny with `NotResource` is ignored (it would only narrow the grant to the listed resources);
//! - a Deny on specific resources leaves the Allow in place and lists those resources in [`Grant::denied_resources`]
//!   (it removes the Allow only when it covers every resource the Allow names; Deny resources with policy variables
//!   are ignored);
//! - an Allow with conditions counts as a grant, flagged [`Grant::conditional`];
//! - a permissions boundary's Allow statements admit an action whatever their conditions.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{json, Value};

use super::actions;
use super::document::{has_variable, Effect, PolicyDocument, PolicyError, Scope, Statement};
use crate::inventory::{ManagedPolicy, Role};
use crate::json_text::JsonText;
use crate::wildcard;

/// Where a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyKind {
    /// A policy embedded in the role.
    Inline,
    /// A managed policy attached to the role.
    Managed,
    /// The role's permissions boundary.
    Boundary,
}

/// The policy a statement was read from, for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// What kind of policy it is.
    pub kind: PolicyKind,
    /// The policy name.
    pub name: String,
    /// `None` for inline policies.
    pub arn: Option<String>,
}

impl PolicySource {
    /// Whether AWS maintains the policy (its ARN is under `arn:<partition>:iam::aws:policy/`).
    pub fn is_aws_managed(&self) -> bool {
        self.arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":iam::aws:policy/"))
    }

    /// `inline policy "name"`, `managed policy arn:…`, `permissions boundary arn:…`.
    pub fn describe(&self) -> String {
        match (self.kind, &self.arn) {
            (PolicyKind::Inline, _) | (_, None) => format!("inline policy \"{}\"", self.name),
            (PolicyKind::Managed, Some(arn)) => format!("managed policy {arn}"),
            (PolicyKind::Boundary, Some(arn)) => format!("permissions boundary {arn}"),
        }
    }
}

/// A statement with the policy it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedStatement {
    /// The policy it belongs to.
    pub source: PolicySource,
    /// The statement.
    pub statement: Statement,
}

impl SourcedStatement {
    /// `{ policy, policy_arn, policy_kind, sid, statement }` for a finding's evidence.
    pub fn evidence(&self) -> Value {
        json!({
            "policy": self.source.name,
            "policy_arn": self.source.arn,
            "policy_kind": match self.source.kind {
                PolicyKind::Inline => "inline",
                PolicyKind::Managed => "managed",
                PolicyKind::Boundary => "boundary",
            },
            "statement": self.statement.label(),
            "document": self.statement.raw,
        })
    }
}

/// Why the effective permissions cannot be computed completely.
#[derive(Debug, Clone, PartialEq)]
pub enum Incomplete {
    /// A managed policy or the boundary was listed but its document could not be read.
    Unreadable(PolicySource),
    /// A document could not be parsed.
    Malformed {
        /// The policy.
        source: PolicySource,
        /// What the parser found wrong.
        error: PolicyError,
    },
}

impl fmt::Display for Incomplete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Incomplete::Unreadable(source) => {
                write!(f, "the document of {} could not be read", source.describe())
            }
            Incomplete::Malformed { source, error } => {
                write!(f, "{} could not be parsed: {error}", source.describe())
            }
        }
    }
}

/// One Allow statement that grants an action, after Deny statements and the boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant<'a> {
    /// The Allow statement that grants it.
    pub statement: &'a SourcedStatement,
    /// The Allow carries conditions: it may apply only to some requests.
    pub conditional: bool,
    /// Resources removed from the grant by unconditional Deny statements on specific resources.
    pub denied_resources: Vec<String>,
    /// The boundary's Allow statements that admit the action (empty when the role has no boundary).
    pub boundary: Vec<&'a SourcedStatement>,
}

impl Grant<'_> {
    /// Whether the grant reaches every resource: `Resource: "*"` (or `NotResource`) in the Allow and, with a
    /// boundary, in one of the boundary's admitting statements too.
    pub fn on_all_resources(&self) -> bool {
        self.statement.statement.on_all_resources()
            && (self.boundary.is_empty()
                || self.boundary.iter().any(|b| b.statement.on_all_resources()))
    }

    /// Whether the grant may reach the resource `arn` (ignoring conditions).
    pub fn reaches(&self, arn: &str) -> bool {
        self.statement.statement.applies_to_resource(arn)
            && !self
                .denied_resources
                .iter()
                .any(|d| super::document::resource_matches(d, arn))
            && (self.boundary.is_empty()
                || self
                    .boundary
                    .iter()
                    .any(|b| b.statement.applies_to_resource(arn)))
    }

    /// The resource patterns of the Allow (`["*"]` when it has no Resource element); `NotResource` lists are
    /// returned prefixed with `not:`.
    pub fn resources(&self) -> Vec<String> {
        match &self.statement.statement.resources {
            None => vec!["*".to_string()],
            Some(Scope::Only(list)) => list.clone(),
            Some(Scope::Except(list)) => list.iter().map(|r| format!("not:{r}")).collect(),
        }
    }

    /// The statement's evidence plus what narrows it.
    pub fn evidence(&self) -> Value {
        let mut evidence = self.statement.evidence();
        evidence["conditional"] = json!(self.conditional);
        if !self.denied_resources.is_empty() {
            evidence["denied_resources"] = json!(self.denied_resources);
        }
        if !self.boundary.is_empty() {
            evidence["boundary_statements"] = json!(self
                .boundary
                .iter()
                .map(|b| b.statement.label())
                .collect::<Vec<_>>());
        }
        evidence
    }
}

/// The effective permissions of one role.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EffectivePermissions {
    identity: Vec<SourcedStatement>,
    /// `None`: no permissions boundary.
    boundary: Option<Vec<SourcedStatement>>,
}

impl EffectivePermissions {
    /// The role's effective permissions, or the first reason they cannot be known completely.
    pub fn of_role(role: &Role) -> Result<EffectivePermissions, Incomplete> {
        let (permissions, mut missing) = EffectivePermissions::of_role_partial(role);
        match missing.is_empty() {
            true => Ok(permissions),
            false => Err(missing.swap_remove(0)),
        }
    }

    /// What can be computed from the readable policies, and what could not be read. An unreadable boundary is
    /// treated as absent (the over-approximation), an unreadable policy as granting nothing.
    pub fn of_role_partial(role: &Role) -> (EffectivePermissions, Vec<Incomplete>) {
        let mut missing = Vec::new();
        let mut identity = Vec::new();
        for policy in &role.inline_policies {
            let source = PolicySource {
                kind: PolicyKind::Inline,
                name: policy.name.clone(),
                arn: None,
            };
            identity
                .extend(sourced(source, Some(&policy.document), &mut missing).unwrap_or_default());
        }
        for policy in &role.attached_policies {
            identity.extend(managed(PolicyKind::Managed, policy, &mut missing).unwrap_or_default());
        }
        let boundary = role
            .permissions_boundary
            .as_ref()
            .and_then(|b| managed(PolicyKind::Boundary, b, &mut missing));
        (EffectivePermissions { identity, boundary }, missing)
    }

    /// From already-sourced statements (tests, or callers assembling policies themselves).
    pub fn from_statements(
        identity: Vec<SourcedStatement>,
        boundary: Option<Vec<SourcedStatement>>,
    ) -> Self {
        EffectivePermissions { identity, boundary }
    }

    /// Every statement of the inline and attached policies (not the boundary), in policy order.
    pub fn statements(&self) -> &[SourcedStatement] {
        &self.identity
    }

    /// The boundary's statements; `None` when the role has no (readable) boundary.
    pub fn boundary_statements(&self) -> Option<&[SourcedStatement]> {
        self.boundary.as_deref()
    }

    /// The Allow statements granting `action` (a concrete action name, any case), after Deny and boundary.
    pub fn allows(&self, action: &str) -> Vec<Grant<'_>> {
        let Some(narrowing) = self.narrowing(action) else {
            return vec![];
        };
        self.identity
            .iter()
            .filter(|s| grants(s, action, &narrowing))
            .map(|s| narrowing.grant(s))
            .collect()
    }

    /// The grant of `action` by `statement`, one of [`Self::statements`], after Deny and boundary: the entry of
    /// [`Self::allows`] for that statement, computed without judging the others.
    pub fn grant_from<'p>(
        &'p self,
        statement: &'p SourcedStatement,
        action: &str,
    ) -> Option<Grant<'p>> {
        // Cheapest test first: most statements do not name most actions.
        if !allows_by_name(statement, action)
            || !self.identity.iter().any(|s| std::ptr::eq(s, statement))
        {
            return None;
        }
        let narrowing = self.narrowing(action)?;
        (!fully_denied(&statement.statement, &narrowing.denied_resources))
            .then(|| narrowing.grant(statement))
    }

    /// Whether some statement grants `action`, conditionally or not.
    pub fn is_allowed(&self, action: &str) -> bool {
        self.might_allow(action)
            && self.narrowing(action).is_some_and(|narrowing| {
                self.identity.iter().any(|s| grants(s, action, &narrowing))
            })
    }

    /// What narrows every grant of `action`; `None` when an unconditional Deny on every resource or the boundary
    /// takes it away entirely.
    fn narrowing(&self, action: &str) -> Option<Narrowing<'_>> {
        let denies = self
            .identity
            .iter()
            .chain(self.boundary.iter().flatten())
            .filter(|s| {
                s.statement.effect == Effect::Deny
                    && s.statement.conditions.is_empty()
                    && s.statement.applies_to_action(action)
            });
        let mut denied_resources = Vec::new();
        for deny in denies {
            match &deny.statement.resources {
                None => return None,
                Some(Scope::Only(list)) if list.iter().any(|r| r == "*") => return None,
                // A policy variable names a different resource per caller: not a fixed exclusion.
                Some(Scope::Only(list)) => {
                    denied_resources.extend(list.iter().filter(|r| !has_variable(r)).cloned())
                }
                Some(Scope::Except(_)) => {}
            }
        }
        let boundary: Vec<&SourcedStatement> = match &self.boundary {
            None => vec![],
            Some(statements) => {
                let admitting: Vec<_> = statements
                    .iter()
                    .filter(|s| allows_by_name(s, action))
                    .collect();
                if admitting.is_empty() {
                    return None;
                }
                admitting
            }
        };
        Some(Narrowing {
            denied_resources,
            boundary,
        })
    }

    /// The grants of `action` that reach every resource.
    pub fn grants_on_all_resources(&self, action: &str) -> Vec<Grant<'_>> {
        self.allows(action)
            .into_iter()
            .filter(Grant::on_all_resources)
            .collect()
    }

    /// Every known action matching `pattern` (`iam:Put*Policy`, `*`) that the role is allowed, in table order.
    pub fn allowed_actions_matching(&self, pattern: &str) -> Vec<&'static str> {
        actions::expand(pattern)
            .filter(|a| self.is_allowed(a))
            .collect()
    }

    /// Services (lower-case prefixes) in which the role is allowed at least one action. Prefixes the action table
    /// does not know are included as written when an Allow naming them survives. Only the patterns the Allow
    /// statements name are expanded (a scan of the whole action table costs about a second per role in debug builds).
    pub fn services_granted(&self) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for allow in self.identity.iter().filter(|s| s.statement.is_allow()) {
            match &allow.statement.actions {
                Scope::Only(patterns) => {
                    for pattern in patterns {
                        self.add_services_of(&pattern.raw, &mut found);
                    }
                }
                Scope::Except(_) => {
                    let services: Vec<&str> = actions::services()
                        .filter(|s| !found.contains(*s))
                        .collect();
                    for service in services {
                        let granted = actions::expand(&format!("{service}:*"))
                            .any(|a| allow.statement.applies_to_action(a) && self.is_allowed(a));
                        if granted {
                            found.insert(service.to_string());
                        }
                    }
                }
            }
        }
        found
    }

    /// Adds to `found` the services in which an action matching `pattern` (from an Allow) is effectively allowed.
    fn add_services_of(&self, pattern: &str, found: &mut BTreeSet<String>) {
        let (service, name) = pattern.split_once(':').unwrap_or(("*", "*"));
        let services: Vec<String> = if wildcard::has_wildcard(service) {
            actions::services()
                .filter(|s| wildcard::matches(service, s, true))
                .map(str::to_string)
                .collect()
        } else {
            vec![service.to_ascii_lowercase()]
        };
        for service in services {
            if found.contains(&service) {
                continue;
            }
            let granted = if actions::is_known_service(&service) {
                actions::expand(&format!("{service}:{name}")).any(|a| self.is_allowed(a))
            } else {
                self.is_allowed(pattern)
            };
            if granted {
                found.insert(service);
            }
        }
    }

    /// Cheap pre-filter: some identity Allow statement names the action at all.
    fn might_allow(&self, action: &str) -> bool {
        self.identity.iter().any(|s| allows_by_name(s, action))
    }
}

/// What Deny statements and the boundary leave of every grant of one action.
struct Narrowing<'a> {
    denied_resources: Vec<String>,
    boundary: Vec<&'a SourcedStatement>,
}

impl<'a> Narrowing<'a> {
    fn grant(&self, statement: &'a SourcedStatement) -> Grant<'a> {
        Grant {
            statement,
            conditional: !statement.statement.conditions.is_empty(),
            denied_resources: self.denied_resources.clone(),
            boundary: self.boundary.clone(),
        }
    }
}

/// Whether `statement` grants `action` once narrowed: an Allow naming the action whose resources the Denies do not
/// all take back.
fn grants(statement: &SourcedStatement, action: &str, narrowing: &Narrowing) -> bool {
    allows_by_name(statement, action)
        && !fully_denied(&statement.statement, &narrowing.denied_resources)
}

/// Whether `statement` is an Allow naming `action` (through Action or NotAction), whatever else applies.
fn allows_by_name(statement: &SourcedStatement, action: &str) -> bool {
    statement.statement.is_allow() && statement.statement.applies_to_action(action)
}

/// Whether unconditional Deny statements on specific resources cover every resource of the Allow.
fn fully_denied(allow: &Statement, denied: &[String]) -> bool {
    if denied.is_empty() {
        return false;
    }
    match &allow.resources {
        Some(Scope::Only(list)) => list
            .iter()
            .all(|r| denied.iter().any(|d| wildcard::covers(d, r, false))),
        _ => false,
    }
}

fn managed(
    kind: PolicyKind,
    policy: &ManagedPolicy,
    missing: &mut Vec<Incomplete>,
) -> Option<Vec<SourcedStatement>> {
    let source = PolicySource {
        kind,
        name: policy.name.clone(),
        arn: Some(policy.arn.clone()),
    };
    sourced(source, policy.document.as_ref(), missing)
}

fn sourced(
    source: PolicySource,
    document: Option<&JsonText>,
    missing: &mut Vec<Incomplete>,
) -> Option<Vec<SourcedStatement>> {
    let Some(document) = document else {
        missing.push(Incomplete::Unreadable(source));
        return None;
    };
    match PolicyDocument::parse(&document.value()) {
        Ok(doc) => Some(
            doc.statements
                .into_iter()
                .map(|statement| SourcedStatement {
                    source: source.clone(),
                    statement,
                })
                .collect(),
        ),
        Err(error) => {
            missing.push(Incomplete::Malformed { source, error });
            None
        }
    }
}
