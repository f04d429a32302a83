//! The checks of the catalogue's "Secrets and data" group (`docs/CHECKS.md`): credentials in environment variables
//! and deployment packages, and the key that encrypts environment variables. The values themselves were classified
//! at collection time by [`crate::secrets`]; these checks read verdicts and masked previews only.

use crate::check::{Check, FunctionContext, Outcome};
use crate::inventory::EnvVar;
use crate::secrets;

mod code_secret;
mod env_no_cmk;
mod env_secret_name;
mod env_secret_value;

pub const CHECKS: &[&Check] = &[
    &env_secret_value::CHECK,
    &env_secret_name::CHECK,
    &env_no_cmk::CHECK,
    &code_secret::CHECK,
];

/// Unknown when `lambda:GetFunction` failed for this function: its environment, KMS key and code may be missing.
fn configuration_gap(ctx: &FunctionContext) -> Option<Outcome> {
    ctx.gap_unknown(&[("lambda", "GetFunction")])
}

/// The failures `judge` finds among the environment variables, one per variable, then the Unknown of
/// [`configuration_gap`]: what was collected is reported, the gap says the list may be incomplete.
fn judge_variables(ctx: &FunctionContext, judge: fn(&EnvVar) -> Option<Outcome>) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = ctx.function.environment.iter().filter_map(judge).collect();
    outcomes.extend(configuration_gap(ctx));
    outcomes
}

/// A masked preview read from an inventory, printed only if it has the shape [`secrets::mask`] gives: an inventory
/// file written by something else could hold a value in clear there.
fn printable_preview(preview: &str) -> String {
    if secrets::is_masked(preview) {
        preview.to_string()
    } else {
        "(withheld: not a masked preview)".to_string()
    }
}
