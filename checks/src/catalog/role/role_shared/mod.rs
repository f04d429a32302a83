//! role-shared: the execution role is used by more than one function, counted across every scanned region.

use std::collections::BTreeSet;

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "role-shared",
    title: "Execution role shared with other functions",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let function = ctx.function;
    let mut others: Vec<_> = ctx
        .memo
        .functions_using_role(&function.role_arn)
        .iter()
        .filter(|f| f.arn != function.arn)
        .collect();
    // By ARN, so the message and evidence do not depend on the inventory's listing order.
    others.sort_by(|a, b| a.arn.cmp(&b.arn));
    if others.is_empty() {
        // A region whose function list could not be read may hide another user of the role.
        return match ctx
            .account
            .gaps
            .iter()
            .find(|g| g.service == "lambda" && g.operation == "ListFunctions")
        {
            Some(gap) => vec![Outcome::unknown_from_gap(gap)],
            None => vec![],
        };
    }
    // Sorted and distinct: a set, as few regions are named many times.
    let regions: BTreeSet<&str> = others
        .iter()
        .map(|f| f.region.as_str())
        .chain([function.region.as_str()])
        .collect();
    let names: Vec<String> = others
        .iter()
        .take(5)
        .map(|f| format!("{} ({})", f.name, f.region))
        .collect();
    let more = if others.len() > names.len() {
        format!(" and {} more", others.len() - names.len())
    } else {
        String::new()
    };
    vec![Outcome::fail(
        format!(
            "Execution role is shared with {} other function{}: {}{more}",
            others.len(),
            if others.len() == 1 { "" } else { "s" },
            names.join(", "),
        ),
        json!({
            "role_arn": function.role_arn,
            "functions_using_role": others.len() + 1,
            "regions": regions,
            "other_functions": others.iter().map(|f| &f.arn).collect::<Vec<_>>(),
        }),
    )]
}
