//! The evaluation engine: runs every enabled check over every function of an inventory and scores the result.

use serde_json::json;

use crate::catalog;
use crate::check::{Check, FunctionContext, Outcome};
use crate::config::Config;
use crate::finding::{finding_id, Finding, Status};
use crate::inventory::{Account, Function, Inventory};
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
        for function in &account.functions {
            let ctx = FunctionContext {
                account,
                function,
                config,
                today: inventory.scan_date(),
                lookback_days: inventory.lookback_days,
                memo: &memo,
            };
            for check in &checks {
                findings.extend(
                    run_check(check, &ctx)
                        .into_iter()
                        .map(|f| enrich(f, check, &ctx)),
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
    let severity = ctx.config.severity.get(check.id).copied();
    (check.evaluate)(ctx)
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Fail(f) => {
                let resource_arn = f
                    .resource_arn
                    .clone()
                    .unwrap_or_else(|| ctx.function.arn.clone());
                finding(
                    check,
                    ctx.account,
                    ctx.function,
                    &resource_arn,
                    f.discriminator,
                    Status::Fail,
                )
                .message(f.message)
                .evidence(f.evidence)
                .severity(severity.or(f.severity).unwrap_or(check.severity))
            }
            Outcome::Unknown { reason } => finding(
                check,
                ctx.account,
                ctx.function,
                &ctx.function.arn.clone(),
                None,
                Status::Unknown,
            )
            .message(format!("Could not decide: {reason}"))
            .evidence(json!({ "reason": reason }))
            .severity(severity.unwrap_or(check.severity)),
        })
        .collect()
}

/// Add what a ticket needs and a check does not decide: the function, its owner tags, the remediation and doc link.
fn enrich(mut finding: Finding, check: &Check, ctx: &FunctionContext) -> Finding {
    finding.function_arn = ctx.function.arn.clone();
    finding.owner_tags = ctx
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
    finding.remediation = check.remediation().into();
    finding.doc_url = catalog::doc_url(check.id);
    finding
}

fn finding(
    check: &Check,
    account: &Account,
    function: &Function,
    resource_arn: &str,
    discriminator: Option<String>,
    status: Status,
) -> Finding {
    Finding {
        id: finding_id(
            check.id,
            resource_arn,
            &function.arn,
            discriminator.as_deref(),
        ),
        check_id: check.id.to_string(),
        title: check.title.to_string(),
        severity: check.severity,
        status,
        account_id: account.account_id.clone(),
        region: function.region.clone(),
        resource_arn: resource_arn.to_string(),
        resource_name: function.name.clone(),
        discriminator,
        message: String::new(),
        evidence: serde_json::Value::Null,
        function_arn: String::new(),
        owner_tags: Default::default(),
        remediation: Default::default(),
        doc_url: String::new(),
        suppression: None,
    }
}

impl Finding {
    fn message(mut self, message: String) -> Self {
        self.message = message;
        self
    }
    fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }
    fn severity(mut self, severity: crate::finding::Severity) -> Self {
        self.severity = severity;
        self
    }
}
