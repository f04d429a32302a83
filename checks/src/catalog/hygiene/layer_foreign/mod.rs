//! layer-foreign: a layer published by an account that is not the function's, not AWS's and not trusted.

mod aws_publishers;

use serde_json::json;

use self::aws_publishers::aws_product;
use crate::arn::{self, Arn};
use crate::catalog::live_versions::with_live_versions;
use crate::check::{Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::LayerRef;

pub const CHECK: Check = Check {
    id: "layer-foreign",
    title: "Layer published by a foreign account",
    severity: Severity::Medium,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate: |ctx| with_live_versions(ctx, evaluate),
};

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let own = ctx.function.account_id();
    ctx.function
        .layers
        .iter()
        .filter_map(|layer| {
            let owner = owner(layer);
            let trusted = owner.is_empty() // `arn:aws:lambda:::awslayer:…`: Lambda's own built-in layers
                || owner == own
                || aws_product(owner).is_some()
                || ctx.config.trusted_accounts.iter().any(|t| t == owner);
            (!trusted).then(|| foreign(layer, owner))
        })
        .collect()
}

/// The publishing account: the inventory's `owner_account`, else the account field of the layer version ARN.
fn owner(layer: &LayerRef) -> &str {
    if !layer.owner_account.is_empty() {
        return &layer.owner_account;
    }
    Arn::parse(&layer.arn).map_or("", |arn| arn.account)
}

/// The layer ARN without its version, so the finding keeps its id when the version changes.
fn unversioned(text: &str) -> &str {
    let layer_version = Arn::parse(text).is_ok_and(|arn| {
        arn.resource.starts_with("layer:")
            && arn
                .qualifier()
                .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit()))
    });
    if layer_version {
        arn::unqualified(text)
    } else {
        text
    }
}

fn foreign(layer: &LayerRef, owner: &str) -> Outcome {
    Outcome::fail_with(
        format!(
            "Layer {} is published by account {owner}, which is neither this account, an AWS publisher, nor in trusted_accounts: its code runs inside the function with the function's role",
            layer.arn
        ),
        unversioned(&layer.arn),
        json!({ "layer_arn": layer.arn, "owner_account": owner, "code_size": layer.code_size }),
    )
}
