//! What the "who can invoke" checks share: reading every resource policy of a function (its own, each alias's and
//! version's) into statements, reading its URLs, turning gaps into Unknown, who a function URL admits, and shaping
//! failures as one finding per exposure path (see "One problem, one finding" in `checks/README.md`).

use serde_json::{json, Value};

use crate::check::{gap_reason, FunctionContext, Outcome};
use crate::inventory::{Function, FunctionUrl, ResourcePolicy};
use crate::policy::resource::{
    caller_pinning, invoke_actions, principal_scope, url_auth_type, Pinning, PrincipalScope,
};
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

/// The outcomes of a check that judges the statements of each qualifier's policy together (one finding per exposure
/// path, naming every statement that opens it): what `judge` finds for each qualifier, then one Unknown for what
/// could not be read (see [`outcomes`]).
pub fn judge_qualifiers(
    ctx: &FunctionContext,
    judge: impl Fn(&FunctionContext, Option<&str>, &[&PolicyStatement]) -> Vec<Outcome>,
) -> Vec<Outcome> {
    let policies = read_policies(ctx);
    let failures = by_qualifier(&policies.statements)
        .into_iter()
        .flat_map(|(qualifier, statements)| judge(ctx, qualifier, &statements))
        .collect();
    outcomes(failures, policies.unknown)
}

/// The statements grouped by the qualifier whose policy holds them, in policy order.
pub fn by_qualifier<'p, 'a>(
    statements: &'p [PolicyStatement<'a>],
) -> Vec<(Option<&'a str>, Vec<&'p PolicyStatement<'a>>)> {
    let mut groups: Vec<(Option<&'a str>, Vec<&'p PolicyStatement<'a>>)> = Vec::new();
    for ps in statements {
        let qualifier = ps.policy.qualifier.as_deref();
        match groups.iter_mut().find(|(q, _)| *q == qualifier) {
            Some((_, group)) => group.push(ps),
            None => groups.push((qualifier, vec![ps])),
        }
    }
    groups
}

/// The statements of one qualifier's policy (the function's own for `None`).
pub fn of_qualifier<'p, 'a>(
    statements: &'p [PolicyStatement<'a>],
    qualifier: Option<&str>,
) -> Vec<&'p PolicyStatement<'a>> {
    statements
        .iter()
        .filter(|ps| ps.qualifier() == qualifier)
        .collect()
}

/// Each of one qualifier's `statements` once, in policy order.
pub fn distinct<'p, 'a>(
    statements: impl Iterator<Item = &'p PolicyStatement<'a>>,
) -> Vec<&'p PolicyStatement<'a>> {
    let mut seen: Vec<&'p PolicyStatement<'a>> = Vec::new();
    for ps in statements {
        if !seen.iter().any(|s| std::ptr::eq(*s, ps)) {
            seen.push(ps);
        }
    }
    seen.sort_by_key(|ps| ps.statement.index);
    seen
}

/// The key of an exposure path: `<kind>:<qualifier>` (`function` for the unqualified function). Evidence carries it
/// as `exposure`; the kinds and the check that owns each are listed in `checks/README.md`.
pub fn exposure_key(kind: &str, qualifier: Option<&str>) -> String {
    format!("{kind}:{}", qualifier.unwrap_or("function"))
}

/// A failure about one exposure path of a qualifier: its own finding (discriminator = the exposure key, qualified
/// resource ARN), with the exposure, the policy scope and every statement that opens the path (`statements`, each
/// as [`PolicyStatement::entry`] plus what the caller added) in the evidence, plus `details`.
pub fn path_failure(
    ctx: &FunctionContext,
    kind: &str,
    qualifier: Option<&str>,
    statements: Vec<Value>,
    message: String,
    details: Value,
) -> Outcome {
    let exposure = exposure_key(kind, qualifier);
    let mut evidence = json!({
        "exposure": exposure,
        "policy": scope_name(qualifier),
        "qualifier": qualifier,
        "statements": statements,
    });
    merge(&mut evidence, details);
    Outcome::fail_with(message, exposure, evidence)
        .on_resource(qualifier.map(|q| qualified_arn(ctx.function, Some(q))))
}

/// `statement "Sid-a"` or `statements "Sid-a", "Sid-b"`, for messages.
pub fn labels(statements: &[&PolicyStatement]) -> String {
    let quoted: Vec<String> = statements
        .iter()
        .map(|ps| format!("\"{}\"", ps.statement.label()))
        .collect();
    match quoted.len() {
        1 => format!("statement {}", quoted[0]),
        _ => format!("statements {}", quoted.join(", ")),
    }
}

/// Adds the fields of `details` (an object) to `evidence` (an object).
fn merge(evidence: &mut Value, details: Value) {
    if let (Value::Object(evidence), Value::Object(details)) = (evidence, details) {
        evidence.extend(details);
    }
}

/// The permissions a function URL caller needs since October 2025, both.
pub const URL_PERMISSIONS: [&str; 2] = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"];

/// Which public statements of one qualifier's policy grant one of the [`URL_PERMISSIONS`] to callers of a URL with
/// one AuthType.
#[derive(Default)]
pub struct UrlGrant<'p, 'a> {
    /// Public statements with no condition pinning the caller.
    pub open: Vec<&'p PolicyStatement<'a>>,
    /// Public statements whose conditions pin the caller (`aws:SourceIp`, `aws:PrincipalOrgID`…).
    pub pinned: Vec<&'p PolicyStatement<'a>>,
}

impl UrlGrant<'_, '_> {
    /// Whether a public caller may get this permission, filtered or not.
    pub fn admits(&self) -> bool {
        !self.open.is_empty() || !self.pinned.is_empty()
    }
}

/// Who the policy of one qualifier lets in through a function URL with AuthType `auth`. Since October 2025 a URL
/// caller needs both `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` (the grace period for older URLs has
/// ended), so the public gets in only when both are granted to it.
pub struct UrlAccess<'p, 'a> {
    /// `lambda:InvokeFunctionUrl`, then `lambda:InvokeFunction`.
    pub grants: [UrlGrant<'p, 'a>; 2],
}

impl<'p, 'a> UrlAccess<'p, 'a> {
    /// `statements` are the qualifier's; `public` says which principals count as the public (`Principal *` only, or
    /// `NotPrincipal` as well). A statement counts for a permission when it is an Allow of it whose
    /// `lambda:FunctionUrlAuthType` condition, if any, names `auth`.
    pub fn of(
        ctx: &FunctionContext,
        statements: &[&'p PolicyStatement<'a>],
        auth: &str,
        public: impl Fn(&PrincipalScope) -> bool,
    ) -> Self {
        let grant = |permission: &str| {
            let mut grant = UrlGrant::default();
            for ps in statements.iter().copied() {
                let statement = &ps.statement;
                let admits = statement.is_allow()
                    && ps.principal_scope(ctx).is_some_and(|s| public(&s))
                    && statement.applies_to_action(permission)
                    && url_auth_type(statement).is_none_or(|a| a == auth);
                match (admits, ps.pinning(ctx).is_pinned()) {
                    (false, _) => {}
                    (true, false) => grant.open.push(ps),
                    (true, true) => grant.pinned.push(ps),
                }
            }
            grant
        };
        UrlAccess {
            grants: URL_PERMISSIONS.map(grant),
        }
    }

    /// Both permissions granted to the public with no condition pinning the caller.
    pub fn open(&self) -> bool {
        self.grants.iter().all(|g| !g.open.is_empty())
    }

    /// Both permissions granted to the public, some only under pinning conditions.
    pub fn admits(&self) -> bool {
        self.grants.iter().all(UrlGrant::admits)
    }

    /// The permission the public lacks when it has the other one.
    pub fn missing(&self) -> Option<&'static str> {
        match self.grants.each_ref().map(UrlGrant::admits) {
            [true, false] => Some(URL_PERMISSIONS[1]),
            [false, true] => Some(URL_PERMISSIONS[0]),
            _ => None,
        }
    }

    /// Every admitting statement once, in policy order.
    pub fn statements(&self) -> Vec<&'p PolicyStatement<'a>> {
        distinct(
            self.grants
                .iter()
                .flat_map(|g| g.open.iter().chain(&g.pinned).copied()),
        )
    }

    /// Evidence entries for [`Self::statements`]: each with the URL permissions it grants and, when pinned, by what.
    pub fn entries(&self, ctx: &FunctionContext) -> Vec<Value> {
        self.statements()
            .into_iter()
            .map(|ps| {
                let grants: Vec<&str> = URL_PERMISSIONS
                    .iter()
                    .zip(&self.grants)
                    .filter(|(_, g)| g.open.iter().chain(&g.pinned).any(|s| std::ptr::eq(*s, ps)))
                    .map(|(p, _)| *p)
                    .collect();
                let mut entry = ps.entry();
                entry["grants"] = json!(grants);
                let pinning = ps.pinning(ctx);
                if pinning.is_pinned() {
                    entry["pinned_by"] = json!(pinning.pins);
                }
                entry
            })
            .collect()
    }
}

/// Who an AuthType NONE function URL lets in without credentials: what the policy of its qualifier grants the public
/// (`Principal *` or a `NotPrincipal`: an unauthenticated caller is nobody in particular), both [`URL_PERMISSIONS`]
/// counted; `None` for a URL that authenticates its callers (AWS_IAM). The one decision of "this URL is public" for
/// every check: [`UrlAccess::open`] is anyone on the internet, [`UrlAccess::admits`] anyone passing its conditions.
pub fn public_url_access<'p, 'a>(
    ctx: &FunctionContext,
    url: &FunctionUrl,
    policies: &'p Policies<'a>,
) -> Option<UrlAccess<'p, 'a>> {
    if !url.auth_type.eq_ignore_ascii_case("NONE") {
        return None;
    }
    let statements = of_qualifier(&policies.statements, url.qualifier.as_deref());
    Some(UrlAccess::of(ctx, &statements, "NONE", |s| s.is_public()))
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

/// A failure about one function URL: its own finding (qualified resource ARN, discriminator `url:<qualifier>`),
/// with the exposure (`<kind>:<qualifier>`), the URL's address, qualifier and auth type in the evidence, plus
/// `details`.
pub fn url_failure(
    ctx: &FunctionContext,
    kind: &str,
    url: &FunctionUrl,
    message: String,
    details: Value,
) -> Outcome {
    let mut evidence = json!({
        "exposure": exposure_key(kind, url.qualifier.as_deref()),
        "url": url.url,
        "qualifier": url.qualifier,
        "auth_type": url.auth_type,
    });
    merge(&mut evidence, details);
    let discriminator = format!("url:{}", url.qualifier.as_deref().unwrap_or("function"));
    Outcome::fail_with(message, discriminator, evidence).on_resource(
        url.qualifier
            .as_deref()
            .map(|q| qualified_arn(ctx.function, Some(q))),
    )
}

/// `the function` for the unqualified policy or URL, `alias prod` / `version 2` / `version $LATEST` otherwise.
pub fn scope_name(qualifier: Option<&str>) -> String {
    match qualifier {
        None => "the function".to_string(),
        // `$LATEST` is the unpublished version, not an alias
        Some(q) if q == "$LATEST" || q.bytes().all(|b| b.is_ascii_digit()) => {
            format!("version {q}")
        }
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

    /// `{ "statement": <label>, "document": <as written> }`, for the `statements` of evidence.
    pub fn entry(&self) -> Value {
        json!({ "statement": self.statement.label(), "document": self.statement.raw })
    }

    /// The failure for this statement: its own finding (qualified resource ARN, discriminator), with the exposure
    /// `statement:<discriminator>` (the statement is the problem), the policy scope, the statement label and the
    /// statement as written in the evidence, plus `details`.
    pub fn failure(&self, ctx: &FunctionContext, message: String, details: Value) -> Outcome {
        let mut evidence = json!({
            "exposure": format!("statement:{}", self.discriminator()),
            "policy": scope_name(self.qualifier()),
            "qualifier": self.qualifier(),
            "statement": self.statement.label(),
            "document": self.statement.raw,
        });
        merge(&mut evidence, details);
        Outcome::fail_with(message, self.discriminator(), evidence).on_resource(
            self.qualifier()
                .map(|q| qualified_arn(ctx.function, Some(q))),
        )
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
