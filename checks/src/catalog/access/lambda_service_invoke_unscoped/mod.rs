//! lambda-service-invoke-unscoped: a service principal may invoke without naming the source resource or account
//! (confused deputy).

use serde_json::json;

use crate::catalog::access::policies::{judge_statements, scope_name, PolicyStatement};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::policy::resource::invoke_actions;

pub const CHECK: Check = Check {
    id: "lambda-service-invoke-unscoped",
    title: "Service may invoke the function on behalf of any account",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    evaluate: |ctx| judge_statements(ctx, judge),
};

/// Condition keys that tie a service's call to the resource or account it acts for.
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
];

/// Service principals whose source resources have globally reusable names with no account in their ARN.
const BUCKET_SERVICES: &[&str] = &["s3.amazonaws.com"];

fn judge(ctx: &FunctionContext, ps: &PolicyStatement) -> Option<Outcome> {
    let scope = ps.allowed_principals(ctx)?;
    if scope.services.is_empty() || invoke_actions(&ps.statement).is_empty() {
        return None;
    }
    let pinning = ps.pinning(ctx);
    let source_pins: Vec<_> = pinning
        .pins
        .iter()
        .filter(|p| SOURCE_KEYS.iter().any(|k| p.key.eq_ignore_ascii_case(k)))
        .collect();
    let services: Vec<&String> = scope.services.iter().collect();
    let mut details = ps.actions_evidence();
    details["services"] = json!(services);
    details["source_conditions"] = json!(source_pins);
    details["conditions_that_do_not_pin"] = json!(pinning.not_pinning);
    let scope_text = scope_name(ps.qualifier());
    if source_pins.is_empty() && !event_source_token(ps) {
        let message = format!(
            "{} lets any {} resource, in any AWS account, make the service invoke {scope_text}: no fixed \
             aws:SourceArn or aws:SourceAccount condition",
            ps.describe(),
            services.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" / "),
        );
        return Some(ps.failure(ctx, message, details));
    }
    let account_pinned = source_pins.iter().any(|p| !p.accounts.is_empty())
        || source_pins
            .iter()
            .any(|p| p.key.eq_ignore_ascii_case("aws:SourceOrgID"));
    let bucket_service = scope
        .services
        .iter()
        .any(|s| BUCKET_SERVICES.contains(&s.as_str()));
    if !account_pinned && bucket_service {
        let message = format!(
            "{} pins S3 by bucket name only: if the bucket is deleted, whoever recreates the name in another account \
             can invoke {scope_text}; add aws:SourceAccount",
            ps.describe()
        );
        return Some(
            ps.failure(ctx, message, details)
                .with_severity(Severity::Low),
        );
    }
    None
}

/// Alexa skills are scoped by a fixed `lambda:EventSourceToken` (the skill id) rather than a source ARN.
fn event_source_token(ps: &PolicyStatement) -> bool {
    ps.statement
        .conditions_on("lambda:EventSourceToken")
        .any(|c| {
            c.operator.is("StringEquals")
                && !c.operator.if_exists
                && !c.values.is_empty()
                && c.values
                    .iter()
                    .all(|v| !v.is_empty() && !v.contains(['*', '?']) && !v.contains("${"))
        })
}
