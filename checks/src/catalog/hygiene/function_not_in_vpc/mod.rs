//! function-not-in-vpc: a function not attached to a VPC (no subnets), for the frameworks that require VPC placement
//! (Security Hub Lambda.3). Off by default: see the README for why.

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "function-not-in-vpc",
    title: "Function not attached to a VPC",
    severity: Severity::Info,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let vpc = ctx.function.vpc.as_ref();
    if vpc.is_some_and(|v| !v.subnet_ids.is_empty()) {
        return vec![];
    }
    // A VpcConfig without subnets (what AWS answers for a function detached from its VPC) gives the function no
    // network interface in the VPC: it runs outside, like a function that never had one.
    let message = match vpc.and_then(|v| v.vpc_id.as_deref()) {
        Some(id) => format!(
            "The function names VPC {id} but no subnet: it has no network interface there and runs on Lambda's own \
             network, outside your security groups, route tables and flow logs"
        ),
        None => "The function is not attached to a VPC: it runs on Lambda's own network, outside your security \
                 groups, route tables and flow logs"
            .to_string(),
    };
    // Lambda@Edge functions cannot be attached to a VPC: say so when the role is made for them, so that the reader
    // can mute the finding instead of trying to fix it.
    let edge = ctx
        .account
        .role(&ctx.function.role_arn)
        .is_some_and(|role| role.trust_policy.as_json().contains(EDGE_SERVICE));
    let message = if edge {
        format!(
            "{message}; its execution role's trust policy names {EDGE_SERVICE}: if it runs at CloudFront's edge \
             (Lambda@Edge) it cannot be attached to a VPC, mute the finding"
        )
    } else {
        message
    };
    vec![Outcome::fail(
        message,
        json!({
            "vpc_id": vpc.and_then(|v| v.vpc_id.as_deref()),
            "subnets": [],
            "lambda_edge_role": edge,
        }),
    )]
}

/// The service principal Lambda@Edge execution roles trust.
const EDGE_SERVICE: &str = "edgelambda.amazonaws.com";
