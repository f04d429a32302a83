//! runtime-deprecated: the runtime is past its deprecation date (high) or within the warning window (medium).

use serde_json::json;

use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::runtimes::{self, Lifecycle};

pub const CHECK: Check = Check {
    id: "runtime-deprecated",
    title: "Runtime deprecated or about to be",
    severity: Severity::High,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, evaluate),
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    let Some(identifier) = function.runtime.as_deref() else {
        if function.package_type == "Image" {
            return vec![]; // container images bring their own runtime: not applicable
        }
        return vec![ctx
            .gap_unknown(&[("lambda", "GetFunction")])
            .unwrap_or_else(|| Outcome::unknown("the function's runtime was not reported"))];
    };
    let table = runtimes::table();
    let Some(runtime) = runtimes::lookup(identifier) else {
        return vec![Outcome::unknown(format!(
            "runtime `{identifier}` is not in the runtime table taken on {} (checks/data/runtimes.json); it may be newer than this lambda-posture",
            table.taken
        ))];
    };
    let evidence = |days_left: Option<i64>| {
        json!({
            "runtime": runtime.identifier,
            "name": runtime.name,
            "deprecation_date": runtime.deprecation,
            "block_function_create": runtime.block_create,
            "block_function_update": runtime.block_update,
            "updates_blocked": runtime.updates_blocked(ctx.today),
            "days_left": days_left,
            "source": runtime.source,
            "table_taken": table.taken,
        })
    };
    match runtime.lifecycle(ctx.today, ctx.config.thresholds.runtime_warning_days) {
        Lifecycle::Supported => vec![],
        Lifecycle::Deprecated { since } => {
            let blocked = if runtime.updates_blocked(ctx.today) {
                " and functions using it can no longer be updated"
            } else {
                ""
            };
            vec![Outcome::fail(
                format!("{} ({identifier}) is deprecated since {since}: no more security patches{blocked}", runtime.name),
                evidence(None),
            )
            .with_severity(Severity::High)]
        }
        Lifecycle::Deprecating { on, days_left } => vec![Outcome::fail(
            format!(
                "{} ({identifier}) will be deprecated on {on}, in {days_left} days",
                runtime.name
            ),
            evidence(Some(days_left)),
        )
        .with_severity(Severity::Medium)],
    }
}
