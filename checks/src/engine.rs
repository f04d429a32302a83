//! The evaluation engine: runs every enabled check over every function of an inventory and scores the result.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use crate::catalog;
use crate::check::{Check, FunctionContext, Outcome};
use crate::config::Config;
use crate::finding::{finding_id, Evidence, Finding, Status};
use crate::inventory::Inventory;
use crate::memo::Memo;
use crate::report::Report;

/// Evaluate `inventory` with every enabled check of the catalogue.
pub fn evaluate(inventory: &Inventory, config: &Config) -> Report {
    let checks: Vec<&Check> = catalog::all()
        .iter()
        .copied()
        .filter(|c| !config.disabled.iter().any(|d| d == c.id))
        .collect();
    let mut findings = Vec::new();
    for account in &inventory.accounts {
        let memo = Memo::new(account);
        let account_id: Arc<str> = Arc::from(account.account_id.as_str());
        for function in &account.functions {
            let ctx = FunctionContext {
                account,
                function,
                config,
                today: inventory.scan_date(),
                lookback_days: inventory.lookback_days,
                memo: &memo,
            };
            let shared = Shared::of(&ctx, account_id.clone());
            for check in &checks {
                findings.extend(
                    findings_of(check, &ctx, &shared)
                        .into_iter()
                        .map(|f| enrich(f, check, &shared)),
                );
            }
        }
    }
    Report::new(
        inventory,
        findings,
        checks.iter().map(|c| c.id.to_string()).collect(),
    )
}

/// Run one check on one function and turn its outcomes into findings.
pub fn run_check(check: &Check, ctx: &FunctionContext) -> Vec<Finding> {
    let shared = Shared::of(ctx, Arc::from(ctx.account.account_id.as_str()));
    findings_of(check, ctx, &shared)
}

/// What every finding of one function holds: allocated once per function, shared by its findings.
struct Shared {
    account_id: Arc<str>,
    region: Arc<str>,
    function_name: Arc<str>,
    function_arn: Arc<str>,
    /// The function's owner tags: the tags whose keys the config lists in `owner_tags`.
    owner_tags: Arc<BTreeMap<String, String>>,
}

impl Shared {
    fn of(ctx: &FunctionContext, account_id: Arc<str>) -> Shared {
        let owner_tags = ctx
            .function
            .tags
            .iter()
            .filter(|(key, _)| {
                ctx.config
                    .owner_tags
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(key))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Shared {
            account_id,
            region: Arc::from(ctx.function.region.as_str()),
            function_name: Arc::from(ctx.function.name.as_str()),
            function_arn: Arc::from(ctx.function.arn.as_str()),
            owner_tags: Arc::new(owner_tags),
        }
    }
}

fn findings_of(check: &Check, ctx: &FunctionContext, shared: &Shared) -> Vec<Finding> {
    let severity = ctx.config.severity.get(check.id).copied();
    (check.evaluate)(ctx)
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Fail(f) => {
                let resource_arn = match f.resource_arn {
                    Some(arn) if arn != *ctx.function.arn => Arc::from(arn),
                    _ => shared.function_arn.clone(),
                };
                Finding {
                    message: f.message,
                    evidence: f.evidence,
                    severity: severity.or(f.severity).unwrap_or(check.severity),
                    ..finding(check, shared, resource_arn, f.discriminator, Status::Fail)
                }
            }
            Outcome::Unknown { reason } => Finding {
                evidence: json!({ "reason": reason }).into(),
                message: format!("Could not decide: {reason}"),
                severity: severity.unwrap_or(check.severity),
                ..finding(
                    check,
                    shared,
                    shared.function_arn.clone(),
                    None,
                    Status::Unknown,
                )
            },
        })
        .collect()
}

/// Add what a ticket needs and a check does not decide: the function, its owner tags, the remediation and doc link.
fn enrich(mut finding: Finding, check: &Check, shared: &Shared) -> Finding {
    finding.function_arn = shared.function_arn.clone();
    finding.owner_tags = shared.owner_tags.clone();
    finding.remediation = check.remediation().into();
    finding.doc_url = catalog::doc_url(check.id);
    finding
}

fn finding(
    check: &Check,
    shared: &Shared,
    resource_arn: Arc<str>,
    discriminator: Option<String>,
    status: Status,
) -> Finding {
    Finding {
        id: finding_id(
            check.id,
            &resource_arn,
            &shared.function_arn,
            discriminator.as_deref(),
        ),
        check_id: check.id.into(),
        title: check.title.into(),
        severity: check.severity,
        status,
        account_id: shared.account_id.clone(),
        region: shared.region.clone(),
        resource_arn,
        resource_name: shared.function_name.clone(),
        discriminator,
        message: String::new(),
        evidence: Evidence::null(),
        function_arn: Arc::from(""),
        owner_tags: Default::default(),
        remediation: Default::default(),
        doc_url: Default::default(),
        suppression: None,
    }
}
