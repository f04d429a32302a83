//! concurrency-disabled: reserved concurrency is 0, so every invocation is throttled.

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "concurrency-disabled",
    title: "Reserved concurrency is 0: the function is fully throttled",
    severity: Severity::Info,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    match ctx.function.reserved_concurrency {
        Some(0) => vec![Outcome::fail(
            "Reserved concurrency is 0: every invocation is throttled (synchronous callers get 429, asynchronous events are retried and then dropped)",
            json!({ "reserved_concurrency": 0 }),
        )],
        Some(_) => vec![],
        // Read from GetFunction: absent because not set, or because not seen.
        None => ctx.gap_unknown(&[("lambda", "GetFunction"), ("lambda", "GetFunctionConcurrency")]).into_iter().collect(),
    }
}
