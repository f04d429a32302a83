//! vpc-single-az: a function attached to a VPC through subnets of a single Availability Zone.

use std::collections::BTreeSet;

use serde_json::json;

use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;

pub const CHECK: Check = Check {
    id: "vpc-single-az",
    title: "VPC function in a single Availability Zone",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let Some(vpc) = ctx
        .function
        .vpc
        .as_ref()
        .filter(|v| !v.subnet_ids.is_empty())
    else {
        return vec![]; // not attached to a VPC
    };
    let unknown = |why: &str| {
        ctx.gap_unknown(&[("ec2", "DescribeSubnets")])
            .unwrap_or_else(|| {
                Outcome::unknown(format!(
                    "the Availability Zones of the function's subnets {why}"
                ))
            })
    };
    let Some(azs) = vpc.subnet_azs.as_ref() else {
        return vec![unknown("were not collected")];
    };
    let zones: BTreeSet<&str> = vpc
        .subnet_ids
        .iter()
        .filter_map(|s| azs.get(s).map(String::as_str))
        .collect();
    if zones.len() >= 2 {
        return vec![];
    }
    let unresolved: Vec<&String> = vpc
        .subnet_ids
        .iter()
        .filter(|s| !azs.contains_key(*s))
        .collect();
    if !unresolved.is_empty() {
        return vec![unknown("could not all be resolved")];
    }
    let zone = zones.iter().next().copied().unwrap_or_default();
    let subnets = match vpc.subnet_ids.len() {
        1 => "The function's only subnet is".to_string(),
        n => format!("All {n} subnets of the function are"),
    };
    vec![Outcome::fail(
        format!("{subnets} in {zone}: an outage of that Availability Zone stops the function"),
        json!({ "vpc_id": vpc.vpc_id, "subnets": vpc.subnet_ids, "availability_zone": zone }),
    )]
}
