//! role-all-purpose: the execution role grants actions in more services than `thresholds.all_purpose_services`
//! (logging and tracing excepted): the function is an all-purpose one.

use serde_json::json;

use super::common::{permissions, role_failure, services_granted};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "role-all-purpose",
    title: "Execution role spans many services (all-purpose function)",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    evaluate,
};

/// Telemetry every function may need; not a sign of doing many things.
const NOT_COUNTED: &[&str] = &["logs", "xray"];

/// How many services the evidence lists (the count covers all).
const LISTED: usize = 50;

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let perms = match permissions(ctx) {
        Ok(perms) => perms,
        Err(outcomes) => return outcomes,
    };
    let limit = ctx.config.thresholds.all_purpose_services;
    let services: Vec<String> = services_granted(&perms)
        .into_iter()
        .filter(|s| !NOT_COUNTED.contains(&s.as_str()))
        .collect();
    let failures = if services.len() > limit {
        let shown: Vec<&str> = services.iter().take(8).map(String::as_str).collect();
        let more = if services.len() > shown.len() {
            format!(", … ({} more)", services.len() - shown.len())
        } else {
            String::new()
        };
        vec![role_failure(
            perms.role,
            format!(
                "Execution role {} grants actions in {} services (threshold {limit}): {}{more}",
                perms.role.name,
                services.len(),
                shown.join(", ")
            ),
            json!({
                "role_arn": perms.role.arn,
                "service_count": services.len(),
                "threshold": limit,
                "services": &services[..services.len().min(LISTED)],
                "not_counted": NOT_COUNTED,
            }),
        )]
    } else {
        vec![]
    };
    perms.verdict(failures)
}
