//! code-secret: a credential hard-coded in the function's deployment package or one of its layers, as found by
//! `--scan-code`. Without `--scan-code` the check does not run (no finding); with it, packages that could not be
//! scanned make the result Unknown, never Pass.

use std::collections::BTreeSet;

use serde_json::json;

use super::{configuration_gap, printable_preview};
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::{CodeScan, CodeSecret, Function};
use crate::secrets;

pub const CHECK: Check = Check {
    id: "code-secret",
    title: "Credential hard-coded in the deployment package or a layer",
    severity: Severity::Critical,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// The `source` of the function's own package in a code scan.
const FUNCTION_SOURCE: &str = "function";

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    if !crate::engine::requested(CHECK.id, ctx.account) {
        // Not asked for: the report lists the check as not run, once, rather than an Unknown per function.
        return vec![];
    }
    let Some(scan) = &ctx.function.code_scan else {
        return vec![configuration_gap(ctx)
            .unwrap_or_else(|| Outcome::unknown("the code scan has no result for this function"))];
    };
    let mut seen = BTreeSet::new();
    let mut outcomes: Vec<Outcome> = scan
        .findings
        .iter()
        .filter(|s| seen.insert((&s.source, &s.path, s.line, &s.rule_id)))
        .map(failure)
        .collect();
    let gaps = unscanned_reasons(ctx.function, scan);
    if !gaps.is_empty() {
        outcomes.push(Outcome::unknown(gaps.join("; ")));
    }
    outcomes
}

/// Why part of the code was not looked at: packages the scanner could not read, and packages (the function's own,
/// each layer) the scan does not mention at all.
fn unscanned_reasons(function: &Function, scan: &CodeScan) -> Vec<String> {
    let mut reasons: Vec<String> = scan
        .unscanned
        .iter()
        .map(|u| format!("{} not scanned: {}", describe(&u.source), u.reason))
        .collect();
    let expected =
        std::iter::once(FUNCTION_SOURCE).chain(function.layers.iter().map(|l| l.arn.as_str()));
    for source in expected {
        let mentioned = scan.scanned.iter().any(|s| s.source == source)
            || scan.unscanned.iter().any(|u| u.source == source)
            || scan.findings.iter().any(|f| f.source == source);
        if !mentioned {
            reasons.push(format!("{} missing from the code scan", describe(source)));
        }
    }
    reasons
}

fn describe(source: &str) -> String {
    if source == FUNCTION_SOURCE {
        "deployment package".to_string()
    } else {
        format!("layer {source}")
    }
}

fn failure(secret: &CodeSecret) -> Outcome {
    let what = secrets::rule_description(&secret.rule_id).unwrap_or(&secret.rule_id);
    Outcome::fail_with(
        format!(
            "{what} hard-coded in {} line {} of the {}",
            secret.path,
            secret.line,
            describe(&secret.source)
        ),
        format!(
            "{}|{}|{}|{}",
            secret.source, secret.path, secret.line, secret.rule_id
        ),
        json!({
            "source": secret.source,
            "path": secret.path,
            "line": secret.line,
            "rule": secret.rule_id,
            "masked_preview": printable_preview(&secret.masked_preview),
        }),
    )
}
