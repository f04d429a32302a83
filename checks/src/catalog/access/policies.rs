//! What the "who can invoke" checks share: reading every resource policy of a function (its own, each alias's and
//! version's) into statements, reading its URLs, turning gaps into Unknown, and shaping per-statement failures.

use serde_json::{json, Value};

use crate::check::{Failure, FunctionContext, Outcome};
use crate::inventory::{Function, FunctionUrl, Gap, ResourcePolicy};
use crate::policy::resource::invoke_actions;
use crate::policy::resource::{caller_pinning, principal_scope, Pinning, PrincipalScope};
use crate::policy::{PolicyDocument, Scope, Statement};

/// One statement of one of the function's resource policies.
pub struct PolicyStatement<'a> {
    pub policy: &'a ResourcePolicy,
    pub statement: Statement,
}

/// The function's resource-policy statements, plus why some could not be read.
pub struct Policies<'a> {
    pub statements: Vec<PolicyStatement<'a>>,
    /// Reasons the statements may be incomplete (empty: every policy was read).
    pub unknown: Vec<String>,
}

/// Lambda calls whose failure hides resource policies: the policies themselves, and the listings of the aliases
/// and versions whose policies are then fetched.
const POLICY_OPERATIONS: &[(&str, &str)] = &[
    ("GetPolicy", ""),
    (
        "ListAliases",
        " (the resource policies of its aliases were not read)",
    ),
    (
        "ListVersionsByFunction",
        " (the resource policies of its versions were not read)",
    ),
];

/// Every statement of every resource policy of the function. A gap in `lambda:GetPolicy` (or in the alias and
/// version listings), or a document that does not parse, is a reason for Unknown; what could be read is returned.
pub fn read_policies<'a>(ctx: &FunctionContext<'a>) -> Policies<'a> {
    let mut policies = Policies {
        statements: Vec::new(),
        unknown: Vec::new(),
    };
    for (operation, consequence) in POLICY_OPERATIONS {
        if let Some(gap) = ctx.gap("lambda", operation) {
            policies
                .unknown
                .push(format!("{}{consequence}", gap_reason(gap)));
        }
    }
    for policy in &ctx.function.resource_policies {
        match PolicyDocument::parse(&policy.document.value()) {
            Ok(doc) => policies.statements.extend(
                doc.statements
                    .into_iter()
                    .map(|statement| PolicyStatement { policy, statement }),
            ),
            Err(error) => policies.unknown.push(format!(
                "the resource policy of {} could not be parsed: {error}",
                scope_name(policy.qualifier.as_deref())
            )),
        }
    }
    policies
}

/// The outcomes of a check that judges each resource-policy statement on its own: the failures `judge` finds, then
/// one Unknown for what could not be read (see [`outcomes`]).
pub fn judge_statements(
    ctx: &FunctionContext,
    judge: impl Fn(&FunctionContext, &PolicyStatement) -> Option<Outcome>,
) -> Vec<Outcome> {
    let policies = read_policies(ctx);
    let failures = policies
        .statements
        .iter()
        .filter_map(|ps| judge(ctx, ps))
        .collect();
    outcomes(failures, policies.unknown)
}

/// The function's URLs, plus the reason they are unknown when `lambda:ListFunctionUrlConfigs` could not be
/// collected.
pub fn read_urls<'a>(ctx: &FunctionContext<'a>) -> (&'a [FunctionUrl], Vec<String>) {
    let unknown = ctx
        .gap("lambda", "ListFunctionUrlConfigs")
        .map(gap_reason)
        .into_iter()
        .collect();
    (&ctx.function.urls, unknown)
}

/// The failures, then one Unknown outcome carrying every reason (a check that found failures in what it could read
/// still reports them; one Unknown per function keeps its finding id stable).
pub fn outcomes(mut failures: Vec<Outcome>, unknown: Vec<String>) -> Vec<Outcome> {
    if !unknown.is_empty() {
        failures.push(Outcome::unknown(unknown.join("; ")));
    }
    failures
}

/// The same words as [`Outcome::unknown_from_gap`].
fn gap_reason(gap: &Gap) -> String {
    match Outcome::unknown_from_gap(gap) {
        Outcome::Unknown { reason } => reason,
        Outcome::Fail(_) => unreachable!("unknown_from_gap builds an Unknown"),
    }
}

/// A failure about one function URL: its own finding (qualified resource ARN, discriminator `url:<qualifier>`),
/// with the URL's address, qualifier and auth type in the evidence, plus `details`.
pub fn url_failure(
    ctx: &FunctionContext,
    url: &FunctionUrl,
    message: String,
    details: Value,
) -> Outcome {
    let mut evidence = json!({
        "url": url.url,
        "qualifier": url.qualifier,
        "auth_type": url.auth_type,
    });
    if let (Value::Object(evidence), Value::Object(details)) = (&mut evidence, details) {
        evidence.extend(details);
    }
    Outcome::Fail(Failure {
        message,
        discriminator: Some(format!(
            "url:{}",
            url.qualifier.as_deref().unwrap_or("function")
        )),
        resource_arn: url
            .qualifier
            .as_deref()
            .map(|q| qualified_arn(ctx.function, Some(q))),
        evidence: evidence.into(),
        severity: None,
    })
}

/// `function` for the unqualified policy or URL, `alias prod` / `version 2` otherwise.
pub fn scope_name(qualifier: Option<&str>) -> String {
    match qualifier {
        None => "the function".to_string(),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => format!("version {q}"),
        Some(q) => format!("alias {q}"),
    }
}

/// The ARN of the function or of one of its qualifiers.
pub fn qualified_arn(function: &Function, qualifier: Option<&str>) -> String {
    match qualifier {
        None => function.arn.clone(),
        Some(q) => format!("{}:{q}", function.arn),
    }
}

/// The URL configured on the same qualifier as a policy (the function's own URL for the unqualified policy).
pub fn url_for<'a>(urls: &'a [FunctionUrl], qualifier: Option<&str>) -> Option<&'a FunctionUrl> {
    urls.iter().find(|u| u.qualifier.as_deref() == qualifier)
}

impl PolicyStatement<'_> {
    pub fn qualifier(&self) -> Option<&str> {
        self.policy.qualifier.as_deref()
    }

    /// `function/<Sid>` or `<qualifier>/<Sid>` (`#<index>` without a Sid): one finding per statement.
    pub fn discriminator(&self) -> String {
        format!(
            "{}/{}",
            self.qualifier().unwrap_or("function"),
            self.statement.label()
        )
    }

    /// Who the statement names, seen from the function's account.
    pub fn principal_scope(&self, ctx: &FunctionContext) -> Option<PrincipalScope> {
        principal_scope(&self.statement, ctx.function.account_id(), ctx.config)
    }

    /// Who the statement lets in when it is an Allow naming its principals; `None` for a Deny, and for an Allow
    /// with `NotPrincipal` (lambda-notprincipal-allow's subject).
    pub fn allowed_principals(&self, ctx: &FunctionContext) -> Option<PrincipalScope> {
        let scope = self.principal_scope(ctx)?;
        (self.statement.is_allow() && !scope.negated).then_some(scope)
    }

    pub fn pinning(&self, ctx: &FunctionContext) -> Pinning {
        caller_pinning(&self.statement, ctx.function.account_id(), ctx.config)
    }

    /// The failure for this statement: its own finding (qualified resource ARN, discriminator), with the policy
    /// scope, the statement label and the statement as written in the evidence, plus `details`.
    pub fn failure(&self, ctx: &FunctionContext, message: String, details: Value) -> Outcome {
        let mut evidence = json!({
            "policy": scope_name(self.qualifier()),
            "qualifier": self.qualifier(),
            "statement": self.statement.label(),
            "document": self.statement.raw,
        });
        if let (Value::Object(evidence), Value::Object(details)) = (&mut evidence, details) {
            evidence.extend(details);
        }
        Outcome::Fail(Failure {
            message,
            discriminator: Some(self.discriminator()),
            resource_arn: self
                .qualifier()
                .map(|q| qualified_arn(ctx.function, Some(q))),
            evidence: evidence.into(),
            severity: None,
        })
    }

    /// `Statement "Sid" of the resource policy of alias prod`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "Statement \"{}\" of the resource policy of {}",
            self.statement.label(),
            scope_name(self.qualifier())
        )
    }

    /// The actions as the statement writes them: `lambda:InvokeFunction, lambda:GetFunction` or
    /// `every action but lambda:GetPolicy` (short, unlike the list of every Lambda action a `NotAction` covers).
    pub fn actions_text(&self) -> String {
        let list = |patterns: &[crate::policy::ActionPattern]| {
            patterns
                .iter()
                .map(|p| p.raw.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.statement.actions {
            Scope::Only(patterns) => list(patterns),
            Scope::Except(patterns) => format!("every action but {}", list(patterns)),
        }
    }

    /// `{ "actions": <as written>, "invoke_actions": [...] }` for evidence.
    pub fn actions_evidence(&self) -> Value {
        json!({ "actions": self.actions_text(), "invoke_actions": invoke_actions(&self.statement) })
    }
}
