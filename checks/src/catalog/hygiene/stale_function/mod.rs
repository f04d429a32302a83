//! stale-function: code not updated for `thresholds.stale_days` (default 365) while the function is still invoked.

use serde_json::json;

use crate::catalog::stability::common::{last_days, last_invocation, metrics};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "stale-function",
    title: "Function still invoked but not updated for a long time",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    let Some(modified) = function.last_modified_date() else {
        return vec![ctx
            .gap_unknown(&[("lambda", "GetFunction")])
            .unwrap_or_else(|| {
                Outcome::unknown(
                    "the function's LastModified date was not reported or not understood",
                )
            })];
    };
    let stale_days = ctx.config.thresholds.stale_days;
    let age = (ctx.today - modified).num_days();
    if age <= i64::from(stale_days) {
        return vec![];
    }
    let metrics = match metrics(ctx) {
        Ok(m) => m,
        Err(unknown) => return vec![unknown],
    };
    let (first, _) = last_days(ctx.today, ctx.lookback_days);
    let Some(last) = last_invocation(metrics).filter(|d| *d >= first) else {
        return vec![]; // not invoked: unused-function reports it
    };
    vec![Outcome::fail(
        format!("Last changed on {modified} ({age} days ago, more than {stale_days}) but still invoked (last on {last})"),
        json!({
            "last_modified": function.last_modified,
            "days_since_modified": age,
            "stale_days": stale_days,
            "last_invocation": last,
            "runtime": function.runtime,
            "code_sha256": function.code_sha256,
        }),
    )]
}
