//! no-reserved-concurrency: a function anyone or many sources can invoke has no reserved concurrency cap.

use std::collections::BTreeSet;

use serde_json::json;

use super::invokers::{invoke_grants, InvokeGrant};
use crate::catalog::access::policies::{public_url_access, read_policies, UrlAccess};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::Function;
use crate::plan::{GET_POLICY, THOROUGH_FLAG};

pub const CHECK: Check = Check {
    id: "no-reserved-concurrency",
    title: "Publicly or widely invocable function without reserved concurrency",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// Distinct invoking sources at or above which a function counts as invoked "by many sources".
const MANY_SOURCES: usize = 2;

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    if function.reserved_concurrency.is_some() {
        return vec![];
    }
    let invokers = invoke_grants(function, ctx.config);
    let grants = &invokers.grants;
    let public_statements: BTreeSet<String> = grants
        .iter()
        .filter(|g| g.is_public())
        .map(|g| g.sid.clone().unwrap_or_else(|| "(no Sid)".into()))
        .collect();
    // Who each URL lets in is the access checks' decision (both URL permissions since October 2025): an AuthType
    // NONE URL is public only when its qualifier's policy grants both to anyone, with no condition pinning them.
    let policies = read_policies(ctx);
    let url_access: Vec<_> = function
        .urls
        .iter()
        .map(|url| (url, public_url_access(ctx, url, &policies)))
        .collect();
    let public_urls: Vec<&str> = url_access
        .iter()
        .filter(|(_, access)| access.as_ref().is_some_and(UrlAccess::open))
        .map(|(url, _)| url.url.as_str())
        .collect();
    // A URL that refuses every request (AuthType NONE, readable policy granting the public nothing usable) is no door.
    let refuses_everyone = |access: &Option<UrlAccess>| {
        policies.unknown.is_empty() && access.as_ref().is_some_and(|a| !a.admits())
    };
    // Distinct doors: principals of the policies (URL-only grants are the URL's), mappings, function URLs.
    let mut sources: BTreeSet<String> = grants
        .iter()
        .filter(|g| !g.via_url)
        .map(InvokeGrant::label)
        .collect();
    sources.extend(function.event_source_mappings.iter().map(|m| {
        m.event_source_arn
            .clone()
            .unwrap_or_else(|| format!("self-managed Kafka (mapping {})", m.uuid))
    }));
    sources.extend(
        url_access
            .iter()
            .filter(|(_, access)| !refuses_everyone(access))
            .map(|(u, _)| format!("function URL {} ({})", u.url, u.auth_type)),
    );

    let public = !public_statements.is_empty() || !public_urls.is_empty();
    if public || sources.len() >= MANY_SOURCES {
        // Reserved concurrency is read from GetFunction: "not set" and "not seen" look the same.
        if let Some(unknown) = ctx.gap_unknown(&[
            ("lambda", "GetFunction"),
            ("lambda", "GetFunctionConcurrency"),
        ]) {
            return vec![unknown];
        }
        let why = if public {
            "can be invoked by anyone".to_string()
        } else {
            format!("can be invoked by {} sources", sources.len())
        };
        let settings = ctx.account.account_settings.get(&function.region);
        return vec![Outcome::fail(
            format!("The function {why} and has no reserved concurrency: a flood of requests can exhaust the account's concurrency and throttle every other function in {}", function.region),
            json!({
                "reserved_concurrency": null,
                "public_url": public_urls,
                "public_policy_statements": public_statements,
                "invoking_sources": sources,
                "account_concurrency_limit": settings.and_then(|s| s.concurrent_executions_limit),
                "unreserved_concurrency": settings.and_then(|s| s.unreserved_concurrent_executions),
            }),
        )];
    }
    ctx.gap_unknown(&[
        ("lambda", "GetPolicy"),
        ("lambda", "ListAliases"),
        ("lambda", "ListVersionsByFunction"),
        ("lambda", "ListFunctionUrlConfigs"),
        ("lambda", "ListEventSourceMappings"),
    ])
    .or_else(|| {
        invokers
            .unreadable
            .first()
            .map(|reason| Outcome::unknown(reason.clone()))
    })
    .or_else(|| unexamined_versions(function))
    .into_iter()
    .collect()
}

/// Unknown when the scan left published versions' policies unread: a statement on any of them is one more door (or a
/// public one), so "few sources" is not known. The skip record says why and which flag reads them.
fn unexamined_versions(function: &Function) -> Option<Outcome> {
    let count: usize = function
        .not_examined(GET_POLICY)
        .map(|s| s.qualifiers.len())
        .sum();
    (count > 0).then(|| {
        Outcome::unknown(format!(
            "the resource policies of {count} old published version(s) were not read ({THOROUGH_FLAG} reads them), \
             and a statement on one can add an invoking source"
        ))
    })
}
