//! lambda-notprincipal-allow: an Allow with NotPrincipal in a resource policy of the function, an alias or version.

use serde_json::json;

use crate::catalog::access::policies::{judge_statements, PolicyStatement};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "lambda-notprincipal-allow",
    title: "Resource policy allows with NotPrincipal",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| judge_statements(ctx, judge),
};

fn judge(ctx: &FunctionContext, ps: &PolicyStatement) -> Option<Outcome> {
    if !ps.statement.is_allow() || !ps.statement.principal.as_ref().is_some_and(|p| p.negated) {
        return None;
    }
    let pinning = ps.pinning(ctx);
    let message = format!(
        "{} is an Allow with NotPrincipal: it grants {} to every principal but the listed ones, anonymous callers \
         included{}",
        ps.describe(),
        ps.actions_text(),
        if pinning.is_pinned() { " (conditions narrow the callers)" } else { "" },
    );
    let mut details = ps.actions_evidence();
    details["not_principal"] = json!(ps.statement.raw.get("NotPrincipal"));
    details["pinned_by"] = json!(pinning.pins);
    Some(ps.failure(ctx, message, details))
}
