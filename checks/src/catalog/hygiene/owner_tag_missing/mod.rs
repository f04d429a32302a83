//! owner-tag-missing: none of the configured owner tags (default `owner`, `team`) has a value.

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "owner-tag-missing",
    title: "No owner tag",
    severity: Severity::Info,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let wanted = &ctx.config.owner_tags;
    if wanted.is_empty() {
        return vec![]; // no owner tag required
    }
    let tags = &ctx.function.tags;
    let owned = tags.iter().any(|(key, value)| {
        !value.trim().is_empty() && wanted.iter().any(|w| w.eq_ignore_ascii_case(key))
    });
    if owned {
        return vec![];
    }
    if let Some(unknown) = ctx.gap_unknown(&[("lambda", "GetFunction"), ("lambda", "ListTags")]) {
        return vec![unknown]; // tags come from GetFunction
    }
    let empty: Vec<&String> = tags
        .iter()
        .filter(|(k, v)| v.trim().is_empty() && wanted.iter().any(|w| w.eq_ignore_ascii_case(k)))
        .map(|(k, _)| k)
        .collect();
    vec![Outcome::fail(
        format!(
            "None of the owner tags ({}) has a value: findings on this function cannot be routed",
            wanted.join(", ")
        ),
        json!({ "owner_tags": wanted, "empty_owner_tags": empty, "tag_keys": tags.keys().collect::<Vec<_>>() }),
    )]
}
