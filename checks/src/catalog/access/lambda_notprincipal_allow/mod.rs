//! lambda-notprincipal-allow: an Allow with NotPrincipal in a resource policy of the function, an alias or version.

use serde_json::json;

use crate::catalog::access::policies::{outcomes, read_policies};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "lambda-notprincipal-allow",
    title: "Resource policy allows with NotPrincipal",
    severity: Severity::High,
    docs: include_str!("README.md"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let policies = read_policies(ctx);
    let failures = policies
        .statements
        .iter()
        .filter(|ps| ps.statement.is_allow() && ps.statement.principal.as_ref().is_some_and(|p| p.negated))
        .map(|ps| {
            let pinning = ps.pinning(ctx);
            let message = format!(
                "{} is an Allow with NotPrincipal: it grants {} to every principal but the listed ones, anonymous \
                 callers included{}",
                ps.describe(),
                ps.actions_text(),
                if pinning.is_pinned() { " (conditions narrow the callers)" } else { "" },
            );
            let mut details = ps.actions_evidence();
            details["not_principal"] = json!(ps.statement.raw.get("NotPrincipal"));
            details["pinned_by"] = json!(pinning.pins);
            ps.failure(ctx, message, details)
        })
        .collect();
    outcomes(failures, policies.unknown)
}
