//! tracing-off: X-Ray tracing is not Active on the function.

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "tracing-off",
    title: "X-Ray tracing is not active",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    match ctx.function.tracing_mode.as_deref() {
        Some("Active") => vec![],
        mode => vec![Outcome::fail(
            format!(
                "X-Ray tracing is {} rather than Active",
                mode.unwrap_or("not configured")
            ),
            json!({ "tracing_mode": mode }),
        )],
    }
}
