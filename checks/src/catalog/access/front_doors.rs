//! The function's API Gateway front doors as the API checks read them (api-unauthenticated-route,
//! api-public-no-waf, api-private-open-policy): the routes that invoke it, the Unknown a failed API Gateway read
//! leaves, whether the function's resource policy lets API Gateway invoke it through a route, and what a REST API's
//! resource policy lets the anonymous public do.

use crate::catalog::access::policies::{of_qualifier, scope_name, Policies, PolicyStatement};
use crate::check::{gap_reason, gap_reason_naming_resource, FunctionContext, Outcome};
use crate::inventory::{Api, ApiKind, DeployedMethod, FrontDoor, Gap};
use crate::policy::document::{
    resource_matches, Condition, PolicyDocument, Principal, Scope, Statement,
};

/// Condition keys that tie a request to a network: a source address range, a VPC or a VPC endpoint.
pub const NETWORK_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
];

/// A REST route's method as its stage's deployment serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployed<'a> {
    /// The deployment serves the method: its authorization as deployed.
    Method(&'a DeployedMethod),
    /// The deployment does not serve it (added to the draft since): the stage answers the path with an error.
    Absent,
    /// The deployment could not be read (a gap about the API): the reason.
    Unknown(String),
    /// Not read: a v2 API, or an inventory from before deployments were read: judge the draft.
    NotRead,
}

/// What the stage of `door` serves for its route (REST APIs: GetDeployment `embed=apisummary`).
pub fn deployed_method<'a>(ctx: &FunctionContext, door: &FrontDoor<'a>) -> Deployed<'a> {
    if door.api.kind != ApiKind::Rest {
        return Deployed::NotRead;
    }
    match &door.stage.deployed_methods {
        Some(methods) => methods
            .iter()
            .find(|m| {
                m.method.eq_ignore_ascii_case(&door.route.method) && m.path == door.route.path
            })
            .map_or(Deployed::Absent, Deployed::Method),
        None => match ctx.account.gaps.iter().find(|g| {
            g.service == "apigateway"
                && g.operation == "GetDeployment"
                && g.resource.as_deref() == Some(door.api_arn)
        }) {
            Some(gap) => Deployed::Unknown(format!(
                "{}; what stage {} serves is unknown",
                gap_reason_naming_resource(gap),
                door.stage.name
            )),
            None => Deployed::NotRead,
        },
    }
}

/// The API Gateway reads of custom domain names: their failure hides which stages a domain reaches, which decides
/// only the routes of APIs whose default endpoint is disabled (see [`domain_gap`]).
pub const DOMAIN_OPERATIONS: &[&str] = &["GetDomainNames", "GetBasePathMappings", "GetApiMappings"];

/// Why the custom domains of the function's region may be incomplete: a domain read that failed there.
pub fn domain_gap(ctx: &FunctionContext) -> Option<String> {
    regional_gaps(ctx)
        .find(|g| DOMAIN_OPERATIONS.contains(&g.operation.as_str()))
        .map(gap_reason_naming_resource)
}

/// The API Gateway reads that failed in the function's region (or in no region).
fn regional_gaps<'a>(ctx: &FunctionContext<'a>) -> impl Iterator<Item = &'a Gap> {
    let region = &ctx.function.region;
    ctx.account.gaps.iter().filter(move |g| {
        g.service == "apigateway" && g.region.as_deref().is_none_or(|r| r == region)
    })
}

/// The function's front doors, and why the list may be incomplete: an API Gateway read that failed in the function's
/// region (every API of the region, or one API whose details are missing, may route to it; a failed custom domain
/// read is [`domain_gap`]'s). `Err` when the scan did
/// not look APIs up at all (the engine does not run the API checks on such an inventory; merged with one that has
/// them, this account's functions are Unknown).
pub fn read<'a>(ctx: &FunctionContext<'a>) -> Result<(Vec<FrontDoor<'a>>, Vec<String>), Outcome> {
    if ctx.account.apis.is_none() {
        return Err(Outcome::unknown(
            "API Gateway APIs were not looked up in this scan (apigateway:GET)",
        ));
    }
    let unknown = regional_gaps(ctx)
        .filter(|g| {
            !DOMAIN_OPERATIONS.contains(&g.operation.as_str()) && g.operation != "GetDeployment"
        })
        .map(|g| {
            format!(
                "{}; an API not read may route to the function",
                gap_reason_naming_resource(g)
            )
        })
        .take(1)
        .collect();
    Ok((ctx.account.front_doors(ctx.function), unknown))
}

/// The `execute-api` ARN of a route in a stage: `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`
/// (`*` for the method `ANY`).
pub fn method_arn(door: &FrontDoor, partition: &str, account: &str) -> String {
    let method = if door.route.method.eq_ignore_ascii_case("ANY") {
        "*"
    } else {
        door.route.method.as_str()
    };
    format!(
        "arn:{partition}:execute-api:{}:{account}:{}/{}/{method}/{}",
        door.api.region,
        door.api.id,
        door.stage.name,
        door.route.path.trim_start_matches('/')
    )
}

/// The service principal API Gateway invokes integrations as.
const API_GATEWAY: &str = "apigateway.amazonaws.com";

/// The HTTP methods an `ANY` route answers (each invocation's source ARN names the request's method).
const ANY_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Whether API Gateway can invoke the function (or the alias / version) a route targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// The integration names a role API Gateway assumes to invoke: the function's policy is not consulted.
    Credentials(String),
    /// Statements of the invoked qualifier's resource policy let `apigateway.amazonaws.com` invoke with the route's
    /// source ARN (their labels).
    Allowed(Vec<String>),
    /// No statement does: API Gateway's call is refused and no caller reaches the function through the route.
    NotAllowed,
    /// The policy could not be read (a failed GetPolicy, an unparsable document, a version's policy left unread).
    Unreadable(String),
    /// An inventory from before integration credentials were collected: a route may invoke with a role, so the
    /// function's policy does not decide.
    CredentialsNotRead,
}

impl Invocation {
    /// One line for evidence.
    pub fn summary(&self) -> String {
        match self {
            Invocation::Credentials(role) => {
                format!("API Gateway invokes with the integration's role {role} (the function's policy is not consulted)")
            }
            Invocation::Allowed(statements) => format!(
                "the resource policy of the function allows API Gateway ({})",
                statements.join(", ")
            ),
            Invocation::NotAllowed => "API Gateway is not allowed to invoke".into(),
            Invocation::Unreadable(e) => format!("unknown: {e}"),
            Invocation::CredentialsNotRead => {
                "not judged: integration credentials were not collected (older inventory)".into()
            }
        }
    }
}

/// One character of a source ARN API Gateway may invoke with through a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChar {
    /// This character.
    Is(char),
    /// A character of a path parameter's value: anything but `/` (one path segment).
    InSegment,
    /// A character of a greedy path parameter's value (`{proxy+}`): anything, `/` included.
    Any,
}

/// A set of source ARNs API Gateway may invoke with through a route: each unit a [`SourceChar`], repeated (one or
/// more times) when `bool` is `true`. A path parameter's value is the caller's to choose, so `{id}` stands for every
/// non-empty segment and `{proxy+}` for every non-empty path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArns(pub Vec<(SourceChar, bool)>);

impl SourceArns {
    /// The one ARN `text`.
    pub fn literal(text: &str) -> Self {
        SourceArns(text.chars().map(|c| (SourceChar::Is(c), false)).collect())
    }

    /// The one ARN of a route without path parameters.
    pub fn as_literal(&self) -> Option<String> {
        self.0
            .iter()
            .map(|(c, repeated)| match (c, repeated) {
                (SourceChar::Is(c), false) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether some ARN of the set matches the IAM `pattern` (`*` any run of characters, `/` and `:` included, `?`
    /// one character; policy variables read as `*`), `exact`: the pattern is a literal (`StringEquals`).
    pub fn may_match(&self, pattern: &str, exact: bool) -> bool {
        self.product(pattern, exact, false)
    }

    /// Whether every ARN of the set matches the IAM `pattern` (sure, not complete: a parameter's value must fall
    /// within a `*` of the pattern).
    pub fn covered_by(&self, pattern: &str) -> bool {
        self.product(pattern, false, true)
    }

    /// The same ARNs in API Gateway's shorthand for an API's own resources, `execute-api:/<stage>/<METHOD>/<path>`.
    pub fn short(&self) -> SourceArns {
        let start = self
            .0
            .iter()
            .position(|u| *u == (SourceChar::Is('/'), false))
            .unwrap_or(self.0.len());
        let mut short = SourceArns::literal("execute-api:");
        short.0.extend_from_slice(&self.0[start..]);
        short
    }

    fn product(&self, pattern: &str, exact: bool, every: bool) -> bool {
        // the pattern as units: a character, `?` (one of any), `*` (any run)
        #[derive(Clone, Copy)]
        enum P {
            Is(char),
            One,
            Run,
        }
        let pattern = if exact {
            pattern.to_string()
        } else {
            crate::policy::document::without_variables(pattern)
        };
        let p: Vec<P> = pattern
            .chars()
            .map(|c| match c {
                '*' if !exact => P::Run,
                '?' if !exact => P::One,
                c => P::Is(c),
            })
            .collect();
        let s = &self.0;
        let meets = |a: P, b: SourceChar| match (a, b) {
            // every value: only a run of the pattern takes a parameter's characters, whatever they are
            (P::One, SourceChar::InSegment | SourceChar::Any) if every => false,
            (P::Is(_), SourceChar::InSegment | SourceChar::Any) if every => false,
            (P::Run | P::One, _) => true,
            (P::Is(x), SourceChar::Is(y)) => x == y,
            (P::Is(x), SourceChar::InSegment) => x != '/',
            (P::Is(_), SourceChar::Any) => true,
        };
        // reachable[i][j]: the first i pattern units and the first j set units can produce the same text, the j-th
        // set unit, when repeated, having produced at least once. Product of the two automata, breadth first.
        let (n, m) = (p.len(), s.len());
        let mut seen = vec![false; (n + 1) * (m + 1)];
        let mut todo = vec![(0usize, 0usize)];
        while let Some((i, j)) = todo.pop() {
            if seen[i * (m + 1) + j] {
                continue;
            }
            seen[i * (m + 1) + j] = true;
            if i == n && j == m {
                return true;
            }
            let mut next = Vec::new();
            // `*` may produce nothing more
            if i < n && matches!(p[i], P::Run) {
                next.push((i + 1, j));
            }
            if j < m {
                let (unit, repeated) = s[j];
                if i < n && meets(p[i], unit) {
                    let ni = if matches!(p[i], P::Run) { i } else { i + 1 };
                    // one character produced by both; a repeated unit may produce more
                    next.push((ni, j + 1));
                    if repeated {
                        next.push((ni, j));
                    }
                }
            }
            for (a, b) in next {
                // a repeated unit stays at `j` after producing: guard `(i, j)` revisits by `seen`
                if !seen[a * (m + 1) + b] {
                    todo.push((a, b));
                }
            }
        }
        false
    }
}

/// The source ARNs API Gateway invokes with through a route in a stage
/// (`arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`; an HTTP API's `$default` route
/// `…/<stage>/$default`, a WebSocket route `…/<stage>/<route key>`): one set per method an `ANY` route answers (and
/// `ANY` itself), the path with each `{parameter}` standing for any value the caller sends (see [`SourceArns`]; the
/// name as written is one of them).
pub fn source_arns(door: &FrontDoor, partition: &str, account: &str) -> Vec<SourceArns> {
    let api = door.api;
    let base = format!(
        "arn:{partition}:execute-api:{}:{account}:{}/{}",
        api.region, api.id, door.stage.name
    );
    if api.kind == ApiKind::Websocket || door.route.path == "$default" {
        let key = if api.kind == ApiKind::Websocket {
            &door.route.method
        } else {
            &door.route.path
        };
        return vec![SourceArns::literal(&format!("{base}/{key}"))];
    }
    let methods: Vec<&str> = if door.route.method.eq_ignore_ascii_case("ANY") {
        ANY_METHODS.iter().copied().chain(["ANY"]).collect()
    } else {
        vec![door.route.method.as_str()]
    };
    let path = door.route.path.trim_start_matches('/');
    let mut tail = Vec::new();
    for (n, segment) in path.split('/').enumerate() {
        if n > 0 {
            tail.push((SourceChar::Is('/'), false));
        }
        if segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}') {
            let unit = if segment.ends_with("+}") {
                SourceChar::Any
            } else {
                SourceChar::InSegment
            };
            tail.push((unit, true));
        } else {
            tail.extend(segment.chars().map(|c| (SourceChar::Is(c), false)));
        }
    }
    methods
        .iter()
        .map(|m| {
            let mut arns = SourceArns::literal(&format!("{base}/{m}/"));
            arns.0.extend(tail.iter().copied());
            arns
        })
        .collect()
}

/// Whether API Gateway can invoke what `door` targets: through the integration's role, or by a statement of the
/// invoked qualifier's resource policy (Lambda authorizes a qualified invocation against that qualifier's policy).
/// A statement counts when it is an Allow of `lambda:InvokeFunction` on the invoked ARN to `apigateway.amazonaws.com`
/// (or to everyone) whose `aws:SourceArn` conditions, if any, admit one of the route's [`source_arns`] (a path
/// parameter's value is the caller's: a pattern any value matches admits the route). Other
/// conditions are assumed met and Deny statements are not counted: the route is never closed on a guess.
pub fn invocation(ctx: &FunctionContext, door: &FrontDoor, policies: &Policies) -> Invocation {
    if let Some(role) = &door.route.integration_credentials {
        return Invocation::Credentials(role.clone());
    }
    if !door.api.integration_credentials_read {
        return Invocation::CredentialsNotRead;
    }
    let place = crate::check::Place::of(ctx.function);
    let sources = source_arns(door, place.partition, place.account);
    let invoked = match door.qualifier {
        Some(q) => format!("{}:{q}", ctx.function.arn),
        None => ctx.function.arn.clone(),
    };
    // `…:$LATEST` invokes the unqualified function, whose policy then decides (with any `$LATEST` one might hold).
    let latest = door.qualifier == Some("$LATEST");
    let mut statements = of_qualifier(&policies.statements, door.qualifier);
    if latest {
        statements.extend(of_qualifier(&policies.statements, None));
    }
    let allowed: Vec<String> = statements
        .into_iter()
        .filter(|ps| {
            lets_api_gateway_invoke(ctx, ps, &invoked, &sources)
                || (latest && lets_api_gateway_invoke(ctx, ps, &ctx.function.arn, &sources))
        })
        .map(|ps| ps.statement.label())
        .collect();
    if !allowed.is_empty() {
        return Invocation::Allowed(allowed);
    }
    match unread_policy(ctx, door.qualifier.filter(|_| !latest)) {
        Some(reason) => Invocation::Unreadable(reason),
        None => Invocation::NotAllowed,
    }
}

/// Why the resource policy of `qualifier` (the function's own for `None`) may not be known: a failed GetPolicy, the
/// listing its alias or version comes from failed, its document does not parse, or the plan left a version's policy
/// unread. Another qualifier's gaps do not matter.
fn unread_policy(ctx: &FunctionContext, qualifier: Option<&str>) -> Option<String> {
    let mut reasons = Vec::new();
    let listing = qualifier.map(|q| {
        if q.bytes().all(|b| b.is_ascii_digit()) {
            "ListVersionsByFunction"
        } else {
            "ListAliases"
        }
    });
    for operation in std::iter::once("GetPolicy").chain(listing) {
        if let Some(gap) = ctx.gap("lambda", operation) {
            reasons.push(gap_reason(gap));
        }
    }
    for policy in ctx
        .function
        .resource_policies
        .iter()
        .filter(|p| p.qualifier.as_deref() == qualifier)
    {
        if let Err(e) = PolicyDocument::parse(&policy.document.value()) {
            reasons.push(format!(
                "the resource policy of {} could not be parsed: {e}",
                scope_name(qualifier)
            ));
        }
    }
    if let Some(q) = qualifier {
        if ctx
            .function
            .not_examined("GetPolicy")
            .any(|s| s.qualifiers.iter().any(|v| v == q))
        {
            reasons.push(format!(
                "the resource policy of {} was not read (scan --thorough reads it)",
                scope_name(Some(q))
            ));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn lets_api_gateway_invoke(
    ctx: &FunctionContext,
    ps: &PolicyStatement,
    invoked: &str,
    sources: &[SourceArns],
) -> bool {
    let statement = &ps.statement;
    let Some(scope) = ps.principal_scope(ctx) else {
        return false;
    };
    // `NotPrincipal` names everyone it does not list.
    let names_api_gateway = if scope.negated {
        !scope.services.contains(API_GATEWAY)
    } else {
        scope.public || scope.services.contains(API_GATEWAY)
    };
    statement.is_allow()
        && names_api_gateway
        && statement.applies_to_action("lambda:InvokeFunction")
        && statement.applies_to_resource(invoked)
        && sources.iter().any(|source| {
            statement
                .conditions_on("aws:SourceArn")
                .all(|c| source_condition_holds(c, source))
        })
}

/// Whether an `aws:SourceArn` condition may hold for a request from one of `sources` (each condition on its own: the
/// Allow is never closed on a guess); API Gateway's routes and the load balancer's target groups
/// ([`SourceArns::literal`]) are judged by this one rule. ARN and `…Like` operators match with wildcards (IAM:
/// "ArnEquals, ArnLike: … each can include multi-character match wildcards (*) or single-character match wildcards
/// (?)"), `StringEquals` exactly, `StringEqualsIgnoreCase` whatever the case; a negated operator holds unless every
/// source is a value it lists (a route with path parameters: some value may not be, it holds); `Null` holds unless it
/// requires the key absent; any other operator cannot compare an ARN and is assumed to hold.
pub(crate) fn source_condition_holds(condition: &Condition, sources: &SourceArns) -> bool {
    let op = &condition.operator;
    if op.is("Null") {
        return !condition
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case("true"));
    }
    if op.is("StringEqualsIgnoreCase") || op.is("StringNotEqualsIgnoreCase") {
        return match sources.as_literal() {
            Some(source) => {
                condition
                    .values
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(&source))
                    != op.is_negated()
            }
            None => true,
        };
    }
    let exact = op.is("StringEquals") || op.is("StringNotEquals");
    let wildcard = op.is("ArnLike")
        || op.is("ArnEquals")
        || op.is("StringLike")
        || op.is("ArnNotLike")
        || op.is("ArnNotEquals")
        || op.is("StringNotLike");
    if !exact && !wildcard {
        return true;
    }
    if op.is_negated() {
        return match sources.as_literal() {
            Some(source) => !condition.values.iter().any(|v| {
                if exact {
                    *v == source
                } else {
                    resource_matches(v, &source)
                }
            }),
            None => true,
        };
    }
    condition.values.iter().any(|v| sources.may_match(v, exact))
}

/// What a REST API's resource policy lets an unauthenticated caller (no AWS credentials) do to one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyReach {
    /// The API has no resource policy: nothing restricts who calls.
    NoPolicy,
    /// A statement allows `execute-api:Invoke` to anyone with no network condition, and no statement denies by network.
    Open(Vec<String>),
    /// The public is allowed only from some networks (every public Allow conditioned on, or a Deny of callers outside,
    /// a source IP range, VPC or VPC endpoint): the statements, the network keys they name, and the keys that bound
    /// every way in (`bound_by`: the keys of a Deny refusing callers outside, and those every conditioned Allow names).
    Restricted {
        statements: Vec<String>,
        keys: Vec<String>,
        bound_by: Vec<String>,
    },
    /// The policy allows the anonymous public nothing on the method: API Gateway refuses the unauthenticated call
    /// (with a resource policy, a call needs its explicit Allow).
    Closed,
    /// The policy could not be read.
    Unreadable(String),
}

impl PolicyReach {
    /// One line for evidence: `none`, `open`, `restricted by aws:SourceIp`, `allows the public nothing`, `unreadable`.
    pub fn summary(&self) -> String {
        match self {
            PolicyReach::NoPolicy => "none".into(),
            PolicyReach::Open(_) => "allows anyone".into(),
            PolicyReach::Restricted { keys, .. } => format!("restricted by {}", keys.join(", ")),
            PolicyReach::Closed => "allows the public nothing".into(),
            PolicyReach::Unreadable(_) => "unreadable".into(),
        }
    }

    /// The statements (Sid or `#index`) behind the verdict.
    pub fn statements(&self) -> &[String] {
        match self {
            PolicyReach::Open(s) | PolicyReach::Restricted { statements: s, .. } => s,
            _ => &[],
        }
    }
}

/// Whether a statement's principal includes anyone at all (`*`, `{"AWS": "*"}`) or is a `NotPrincipal`.
fn public_principal(statement: &Statement) -> bool {
    statement.principal.as_ref().is_some_and(|p| {
        p.negated
            || p.entries.iter().any(|e| match e {
                Principal::Anyone => true,
                Principal::Aws(v) => v == "*",
                _ => false,
            })
    })
}

fn network_keys(statement: &Statement) -> Vec<String> {
    NETWORK_KEYS
        .iter()
        .filter(|k| statement.conditions_on(k).next().is_some())
        .map(|k| k.to_string())
        .collect()
}

/// The network keys a Deny refuses callers outside of: those of its conditions with a negated operator
/// (`NotIpAddress`, `StringNotEquals`, …). A Deny of one network (`IpAddress`, `StringEquals`) leaves the others in.
fn refused_outside(statement: &Statement) -> Vec<String> {
    NETWORK_KEYS
        .iter()
        .filter(|k| {
            statement
                .conditions_on(k)
                .any(|c| c.operator.base.contains("Not"))
        })
        .map(|k| k.to_string())
        .collect()
}

/// Whether a statement's `Resource` (or `NotResource`) names some request of the route (`every`: each of its
/// requests, surely), a request's ARN being one of `routes` (see [`source_arns`]) or its `execute-api:/…` shorthand.
fn names_route(statement: &Statement, routes: &[SourceArns], every: bool) -> bool {
    let forms: Vec<(SourceArns, SourceArns)> =
        routes.iter().map(|r| (r.clone(), r.short())).collect();
    let some = |r: &(SourceArns, SourceArns), p: &String| {
        r.0.may_match(p, false) || r.1.may_match(p, false)
    };
    let all = |r: &(SourceArns, SourceArns), p: &String| r.0.covered_by(p) || r.1.covered_by(p);
    match &statement.resources {
        None => true,
        Some(Scope::Only(list)) if every => forms.iter().all(|r| list.iter().any(|p| all(r, p))),
        Some(Scope::Only(list)) => forms.iter().any(|r| list.iter().any(|p| some(r, p))),
        // `NotResource`: the requests it does not list
        Some(Scope::Except(list)) if every => {
            !forms.iter().any(|r| list.iter().any(|p| some(r, p)))
        }
        Some(Scope::Except(list)) => !forms.iter().all(|r| list.iter().any(|p| all(r, p))),
    }
}

/// What `api`'s resource policy lets the anonymous public do to a route, whose requests carry the ARNs `routes`
/// (see [`source_arns`]; a path parameter's value is the caller's): an Allow counts when it names some request of
/// the route, a Deny when it surely names each (see [`PolicyReach`]).
pub fn policy_reach(api: &Api, routes: &[SourceArns]) -> PolicyReach {
    if api.policy.is_null() {
        return PolicyReach::NoPolicy;
    }
    let document = match PolicyDocument::parse(&api.policy.value()) {
        Ok(d) => d,
        Err(e) => return PolicyReach::Unreadable(e.to_string()),
    };
    let applies = |s: &&Statement| {
        public_principal(s)
            && s.applies_to_action("execute-api:Invoke")
            && names_route(s, routes, !s.is_allow())
    };
    let mut open = Vec::new();
    let mut restricted = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    // the keys every conditioned Allow names (`None` before the first)
    let mut every_allow: Option<Vec<String>> = None;
    let mut denies = Vec::new();
    let mut deny_keys: Vec<String> = Vec::new();
    for statement in document.statements.iter().filter(applies) {
        if statement.is_allow() {
            let found = network_keys(statement);
            if found.is_empty() {
                // Other conditions (a header, a time) are not authentication: the public may still call.
                open.push(statement.label());
            } else {
                restricted.push(statement.label());
                every_allow = Some(match every_allow {
                    None => found.clone(),
                    Some(common) => common.into_iter().filter(|k| found.contains(k)).collect(),
                });
                keys.extend(found);
            }
        } else {
            let found = refused_outside(statement);
            if !found.is_empty() {
                denies.push(statement.label());
                keys.extend(found.iter().cloned());
                deny_keys.extend(found);
            }
        }
    }
    if open.is_empty() && restricted.is_empty() {
        return PolicyReach::Closed;
    }
    if !open.is_empty() && denies.is_empty() {
        return PolicyReach::Open(open);
    }
    // An unconditioned Allow is bounded by the Denies alone; otherwise every Allow's common keys bound too.
    let mut bound_by = deny_keys;
    if open.is_empty() {
        bound_by.extend(every_allow.unwrap_or_default());
    }
    for list in [&mut keys, &mut bound_by] {
        list.sort();
        list.dedup();
    }
    let mut statements = open;
    statements.extend(restricted);
    statements.extend(denies);
    PolicyReach::Restricted {
        statements,
        keys,
        bound_by,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::inventory::{Api, ApiRoute, ApiStage};

    fn door_arns(kind: ApiKind, method: &str, path: &str) -> Vec<SourceArns> {
        let api = Api {
            id: "abc".into(),
            region: "us-east-1".into(),
            kind,
            ..Api::default()
        };
        let stage = ApiStage {
            name: "prod".into(),
            ..ApiStage::default()
        };
        let route = ApiRoute {
            method: method.into(),
            path: path.into(),
            ..ApiRoute::default()
        };
        let door = FrontDoor {
            api_arn: "",
            api: &api,
            stage: &stage,
            route: &route,
            qualifier: None,
        };
        source_arns(&door, "aws", "123456789012")
    }

    #[test]
    fn a_route_invokes_with_the_source_arns_of_its_methods_and_paths() {
        let p = "arn:aws:execute-api:us-east-1:123456789012:abc/prod";
        let admits =
            |arns: &[SourceArns], pattern: &str| arns.iter().any(|a| a.may_match(pattern, false));
        let by_id = door_arns(ApiKind::Rest, "GET", "/orders/{id}");
        assert_eq!(by_id.len(), 1);
        // the parameter's value is the caller's: any one segment, the name as written among them
        for yes in [
            format!("{p}/GET/orders/*"),
            format!("{p}/GET/orders/ord-*"),
            format!("{p}/GET/orders/{{id}}"),
            format!("{p}/GET/orders/?"),
            format!("{p}/*"),
            format!("{p}/GET/orders/*a*b*"),
        ] {
            assert!(admits(&by_id, &yes), "{yes}");
        }
        for no in [
            format!("{p}/GET/orders"),
            format!("{p}/GET/orders/"),
            format!("{p}/GET/orders/*/refund"),
            format!("{p}/GET/orders/a/b"),
            format!("{p}/POST/orders/*"),
        ] {
            assert!(!admits(&by_id, &no), "{no}");
        }
        assert!(by_id[0].may_match(&format!("{p}/GET/orders/42"), true));
        assert!(!by_id[0].may_match(&format!("{p}/GET/orders"), true));
        // a greedy parameter takes any path below it, `/` included
        let proxy = door_arns(ApiKind::Rest, "GET", "/{proxy+}");
        assert!(admits(&proxy, &format!("{p}/GET/static/*")));
        assert!(admits(&proxy, &format!("{p}/GET/a/b/c")));
        assert!(!admits(&proxy, &format!("{p}/GET/")));
        // literal paths: the ARN itself
        let fixed = door_arns(ApiKind::Rest, "GET", "/orders");
        assert_eq!(fixed[0].as_literal(), Some(format!("{p}/GET/orders")));
        assert_eq!(by_id[0].as_literal(), None);
        // ANY: every method (and the word ANY)
        let any = door_arns(ApiKind::Rest, "ANY", "/");
        assert_eq!(any.len(), ANY_METHODS.len() + 1);
        assert!(admits(&any, &format!("{p}/DELETE/")));
        assert_eq!(
            door_arns(ApiKind::Http, "ANY", "$default")[0].as_literal(),
            Some(format!("{p}/$default"))
        );
        assert_eq!(
            door_arns(ApiKind::Websocket, "$connect", "")[0].as_literal(),
            Some(format!("{p}/$connect"))
        );
    }

    #[test]
    fn source_arn_conditions_match_as_iam_does() {
        let source = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders";
        let sources = SourceArns::literal(source);
        let holds = |block: serde_json::Value| {
            let doc =
                PolicyDocument::parse(&json!({"Statement": [{"Effect": "Allow", "Action": "*",
                "Resource": "*", "Condition": block}]}))
                .unwrap();
            let holds = doc.statements[0]
                .conditions_on("aws:SourceArn")
                .all(|c| source_condition_holds(c, &sources));
            holds
        };
        let api = "arn:aws:execute-api:us-east-1:123456789012:abc";
        assert!(holds(
            json!({"ArnLike": {"AWS:SourceArn": format!("{api}/*/*")}})
        ));
        assert!(holds(
            json!({"ArnLike": {"aws:SourceArn": format!("{api}/*/GET/orders")}})
        ));
        assert!(!holds(
            json!({"ArnLike": {"aws:SourceArn": format!("{api}/*/POST/orders")}})
        ));
        assert!(!holds(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:other/*"}})
        ));
        assert!(holds(json!({"StringEquals": {"aws:SourceArn": source}})));
        assert!(!holds(
            json!({"StringEquals": {"aws:SourceArn": format!("{api}/*/*")}})
        ));
        assert!(!holds(
            json!({"ArnNotLike": {"aws:SourceArn": format!("{api}/*")}})
        ));
        assert!(holds(json!({"Null": {"aws:SourceArn": "false"}})));
    }

    #[test]
    fn a_resource_policy_is_read_for_every_request_of_the_route() {
        let public = |effect: &str, resource: &str, condition: serde_json::Value| {
            json!({"Sid": effect, "Effect": effect, "Principal": "*", "Action": "execute-api:Invoke",
                "Resource": resource, "Condition": condition})
        };
        let reach = |statements: Vec<serde_json::Value>, method: &str, path: &str| {
            policy_reach(
                &api(json!({ "Statement": statements })),
                &door_arns(ApiKind::Rest, method, path),
            )
        };
        let none = json!({});
        // an Allow naming some request: GET of an ANY method, some value of a parameter
        let gets = public("Allow", "execute-api:/*/GET/*", none.clone());
        assert!(matches!(
            reach(vec![gets.clone()], "ANY", "/{proxy+}"),
            PolicyReach::Open(_)
        ));
        assert_eq!(
            reach(vec![gets.clone()], "POST", "/orders/{id}"),
            PolicyReach::Closed
        );
        // IAM's `*` spans `/`: a POST to /x/GET/y through a greedy path is named by `/*/GET/*`
        assert!(matches!(
            reach(vec![gets], "POST", "/{proxy+}"),
            PolicyReach::Open(_)
        ));
        let some = public("Allow", "execute-api:/*/GET/orders/ord-*", none.clone());
        assert!(matches!(
            reach(vec![some.clone()], "GET", "/orders/{id}"),
            PolicyReach::Open(_)
        ));
        // IAM's `*` spans `/`: `ord-*` also names /orders/ord-42/items
        assert!(matches!(
            reach(vec![some], "GET", "/orders/{id}/items"),
            PolicyReach::Open(_)
        ));
        let refunds = public("Allow", "execute-api:/*/GET/orders/*/refund", json!({}));
        assert_eq!(
            reach(vec![refunds], "GET", "/orders/{id}"),
            PolicyReach::Closed
        );
        // a Deny bounds the route only when it names each of its requests
        let all = public("Allow", "execute-api:/*", none);
        let outside = json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}});
        let deny_some = public("Deny", "execute-api:/*/GET/orders/admin", outside.clone());
        assert!(matches!(
            reach(vec![all.clone(), deny_some], "GET", "/orders/{id}"),
            PolicyReach::Open(_)
        ));
        let deny_one_method = public("Deny", "execute-api:/*/GET/*", outside.clone());
        assert!(matches!(
            reach(vec![all.clone(), deny_one_method], "ANY", "/orders"),
            PolicyReach::Open(_)
        ));
        let deny_every = public("Deny", "execute-api:/*/*/orders/*", outside);
        assert!(matches!(
            reach(vec![all, deny_every], "ANY", "/orders/{id}"),
            PolicyReach::Restricted { .. }
        ));
    }

    fn api(policy: serde_json::Value) -> Api {
        Api {
            policy: policy.into(),
            ..Api::default()
        }
    }

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/orders";

    #[test]
    fn a_resource_policy_opens_restricts_or_closes_the_method() {
        assert_eq!(
            policy_reach(&api(serde_json::Value::Null), &[SourceArns::literal(ARN)]),
            PolicyReach::NoPolicy
        );
        let open = json!({"Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]});
        assert_eq!(
            policy_reach(&api(open), &[SourceArns::literal(ARN)]),
            PolicyReach::Open(vec!["all".into()])
        );
        let open_arn = json!({"Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/*"}]});
        assert_eq!(
            policy_reach(&api(open_arn.clone()), &[SourceArns::literal(ARN)]),
            PolicyReach::Open(vec!["all".into()])
        );
        let vpn = json!({"Statement": [{"Sid": "vpn", "Effect": "Allow", "Principal": "*",
            "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
        assert_eq!(
            policy_reach(&api(vpn.clone()), &[SourceArns::literal(ARN)]),
            PolicyReach::Restricted {
                statements: vec!["vpn".into()],
                keys: vec!["aws:SourceIp".into()],
                bound_by: vec!["aws:SourceIp".into()],
            }
        );
        // two ways in, by different networks: each is named, neither bounds both
        let mut two = vpn;
        two["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "endpoint", "Effect": "Allow",
            "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}));
        assert_eq!(
            policy_reach(&api(two), &[SourceArns::literal(ARN)]),
            PolicyReach::Restricted {
                statements: vec!["vpn".into(), "endpoint".into()],
                keys: vec!["aws:SourceIp".into(), "aws:SourceVpce".into()],
                bound_by: vec![],
            }
        );
        // a Deny of one network leaves every other caller in
        let mut deny_one = open_arn.clone();
        deny_one["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "blocklist",
            "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}));
        assert_eq!(
            policy_reach(&api(deny_one), &[SourceArns::literal(ARN)]),
            PolicyReach::Open(vec!["all".into()])
        );
        let mut deny = open_arn;
        deny["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "outside", "Effect": "Deny",
            "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}));
        assert_eq!(
            policy_reach(&api(deny), &[SourceArns::literal(ARN)]),
            PolicyReach::Restricted {
                statements: vec!["all".into(), "outside".into()],
                keys: vec!["aws:SourceVpce".into()],
                bound_by: vec!["aws:SourceVpce".into()],
            }
        );
        let other_account = json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "execute-api:Invoke", "Resource": "*"}]});
        assert_eq!(
            policy_reach(&api(other_account), &[SourceArns::literal(ARN)]),
            PolicyReach::Closed
        );
        assert!(matches!(
            policy_reach(&api(json!("not a policy")), &[SourceArns::literal(ARN)]),
            PolicyReach::Unreadable(_)
        ));
    }
}
