//! The evaluation engine: runs every enabled check over every function of an inventory, applies the suppressions
//! and builds the one report (scores included).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde_json::json;

use crate::catalog;
use crate::check::{Check, FunctionContext, Outcome};
use crate::compliance;
use crate::config::ValidConfig;
use crate::finding::{finding_id, Evidence, Finding, Status};
use crate::inventory::{Account, Inventory};
use crate::memo::Memo;
use crate::report::{CheckNotRun, Report};
use crate::suppress;

/// A check that runs only when the user asked for its input, which the scan does not collect by default.
struct OptIn {
    check_id: &'static str,
    /// How to ask for it.
    how: &'static str,
    /// Whether the inventory of an account holds that input.
    requested: fn(&Account) -> bool,
    /// The Unknown of a function of an account without the input when another account of the inventory has it
    /// (inventories merged from runs with and without the option): the check runs, and cannot see here.
    missing_here: &'static str,
}

const OPT_IN: &[OptIn] = &[
    OptIn {
        check_id: "code-secret",
        how: "run with --scan-code",
        missing_here:
            "this account was collected without --scan-code, another account of the inventory with it",
        // `--scan-code` gives every function a code scan, complete or not; without it none has one.
        requested: |account| account.functions.iter().any(|f| f.code_scan.is_some()),
    },
    log_groups_opt_in("log-group-missing"),
    log_groups_opt_in("log-retention"),
    log_groups_opt_in("log-group-no-cmk"),
    OptIn {
        check_id: "invoke-not-audited",
        how: "scan again to read CloudTrail: this inventory predates it",
        missing_here: "this account's inventory holds no CloudTrail trails (collected by an older lambda-posture), \
                       another account's does",
        requested: |account| account.cloudtrail.is_some(),
    },
    apis_opt_in("api-unauthenticated-route"),
    apis_opt_in("api-private-open-policy"),
    apis_opt_in("api-public-no-waf"),
    OptIn {
        check_id: "alb-unauthenticated-target",
        how: "scan again to read Elastic Load Balancing: this inventory predates it",
        missing_here: "this account's inventory holds no load balancers (collected by an older lambda-posture), \
                       another account's does",
        requested: |account| account.load_balancing.is_some(),
    },
];

/// The log checks need `Account::log_groups`, which inventories collected before lambda-posture looked log groups
/// up do not have: there they are not run (scan again to run them), never a silent pass.
const fn log_groups_opt_in(check_id: &'static str) -> OptIn {
    OptIn {
        check_id,
        how: "scan again to collect log groups: this inventory predates them",
        missing_here:
            "this account's inventory holds no log groups (collected by an older lambda-posture), \
                       another account's does",
        requested: |account| account.log_groups.is_some(),
    }
}

/// The API checks need `Account::apis`, which inventories collected before lambda-posture read API Gateway do not
/// have: there they are not run (scan again to run them), never a silent pass.
const fn apis_opt_in(check_id: &'static str) -> OptIn {
    OptIn {
        check_id,
        how: "scan again to collect API Gateway APIs: this inventory predates them",
        missing_here: "this account's inventory holds no API Gateway APIs (collected by an older lambda-posture), \
                       another account's does",
        requested: |account| account.apis.is_some(),
    }
}

/// Whether the input of opt-in check `check_id` was asked for in `account` (always true for other checks). A check
/// that was not asked for is not run: no finding, not Unknown.
pub fn requested(check_id: &str, account: &Account) -> bool {
    OPT_IN
        .iter()
        .filter(|o| o.check_id == check_id)
        .all(|o| (o.requested)(account))
}

/// Why `check` does not run on `inventory`, if it does not: disabled, off by default and not enabled, or its input
/// was asked for in no account.
fn not_run_reason(
    check: &Check,
    inventory: &Inventory,
    config: &ValidConfig,
) -> Option<&'static str> {
    if config.disabled.iter().any(|d| d == check.id) {
        return Some("disabled in the configuration");
    }
    if catalog::off_by_default(check.id) && !config.enabled.iter().any(|e| e == check.id) {
        return Some("off by default: add it to `enabled` in the configuration");
    }
    OPT_IN
        .iter()
        .find(|o| o.check_id == check.id)
        .filter(|o| !inventory.accounts.iter().any(|a| (o.requested)(a)))
        .map(|o| o.how)
}

/// Evaluate `inventory` with every enabled check of the catalogue, mute what the suppressions accept, and report.
pub fn evaluate(inventory: &Inventory, config: &ValidConfig) -> Report {
    let mut checks_not_run = Vec::new();
    let checks: Vec<&Check> = catalog::all()
        .iter()
        .copied()
        .filter(|c| match not_run_reason(c, inventory, config) {
            Some(reason) => {
                checks_not_run.push(CheckNotRun {
                    check_id: c.id.to_string(),
                    reason: reason.to_string(),
                });
                false
            }
            None => true,
        })
        .collect();
    let mut findings = Vec::new();
    // Functions judged alike (one role, one policy shape) give equal evidence: one copy of each distinct text.
    let mut evidence_pool = HashSet::new();
    // One account id for all the findings of an account (functions come account by account).
    let mut account_id: Arc<str> = Arc::from("");
    for_each_function(inventory, config, |ctx| {
        if *account_id != *ctx.account.account_id {
            account_id = Arc::from(ctx.account.account_id.as_str());
        }
        let shared = Shared::of(ctx, account_id.clone());
        for check in &checks {
            let outcomes = match OPT_IN
                .iter()
                .find(|o| o.check_id == check.id && !(o.requested)(ctx.account))
            {
                Some(opt_in) => vec![Outcome::unknown(opt_in.missing_here)],
                None => (check.evaluate)(ctx),
            };
            findings.extend(
                findings_of(check, ctx, &shared, outcomes)
                    .into_iter()
                    .map(|f| enrich(f, check, &shared, &mut evidence_pool)),
            );
        }
    });
    let suppressions = suppress::apply(&mut findings, inventory, &config.suppressions);
    let mut report = Report::new(
        inventory,
        findings,
        checks.iter().map(|c| c.id.to_string()).collect(),
        suppressions,
    );
    report.checks_not_run = checks_not_run;
    report
}

/// Evaluate `inventory` with the checks that evidence a control of `framework` only (`scan --framework`), and
/// summarise the report by that framework's controls. The other checks are not run and not listed as not run (the
/// report is about the framework); they count as disabled for the checks that defer to one another (an administrator
/// statement is judged by the role checks when role-admin-access does not run). Suppressions naming one of them
/// are left out of the report: they could match nothing here. A check off by default that evidences one of the
/// framework's controls runs (asking for the framework asks for its controls: NIST SC-7 is function-not-in-vpc's),
/// unless the configuration disables it.
pub fn evaluate_framework(
    inventory: &Inventory,
    config: &ValidConfig,
    framework: compliance::Framework,
) -> Report {
    let outside: Vec<String> = catalog::all()
        .iter()
        .filter(|c| !compliance::maps(c, framework))
        .map(|c| c.id.to_string())
        .collect();
    let mut scoped = config.clone();
    scoped.disabled.extend(outside.iter().cloned());
    let framework_off_by_default = catalog::all().iter().filter(|c| {
        catalog::off_by_default(c.id)
            && compliance::maps(c, framework)
            && !config.disabled.iter().any(|d| d == c.id)
            && !config.enabled.iter().any(|e| e == c.id)
    });
    scoped
        .enabled
        .extend(framework_off_by_default.map(|c| c.id.to_string()));
    let mut report = evaluate(inventory, &scoped);
    let is_outside = |id: &str| outside.iter().any(|o| o == id);
    report.checks_not_run.retain(|c| !is_outside(&c.check_id));
    report
        .suppressions
        .retain(|s| !s.entry.check.as_deref().is_some_and(is_outside));
    report.framework = Some(compliance::summarize(&report, framework));
    report
}

/// Call `visit` with every function of `inventory`, in the context a check judges it in (the scan date, the lookback,
/// one memo per account), account by account.
pub fn for_each_function(
    inventory: &Inventory,
    config: &ValidConfig,
    mut visit: impl FnMut(&FunctionContext),
) {
    for account in &inventory.accounts {
        let memo = Memo::new(account);
        for function in &account.functions {
            visit(&FunctionContext {
                account,
                function,
                config,
                today: inventory.scan_date(),
                lookback_days: inventory.lookback_days,
                memo: &memo,
            });
        }
    }
}

/// Run one check on one function and turn its outcomes into findings.
pub fn run_check(check: &Check, ctx: &FunctionContext) -> Vec<Finding> {
    let shared = Shared::of(ctx, Arc::from(ctx.account.account_id.as_str()));
    findings_of(check, ctx, &shared, (check.evaluate)(ctx))
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

/// The findings of `outcomes`, what `check` concluded for the function of `ctx`.
/// The discriminator of an Unknown finding beside a failure of the same check on the same function.
const UNKNOWN_DISCRIMINATOR: &str = "unknown";

fn findings_of(
    check: &Check,
    ctx: &FunctionContext,
    shared: &Shared,
    outcomes: Vec<Outcome>,
) -> Vec<Finding> {
    let severity = ctx.config.severity.get(check.id).copied();
    // A check may fail on the function and still not decide another part of it (a live version, a region): both are
    // reported, and the Unknown takes the discriminator `unknown` when it would otherwise share the failure's id.
    let fails_on_the_function = outcomes.iter().any(|o| {
        matches!(o, Outcome::Fail(f) if f.discriminator.is_none()
            && f.resource_arn.as_deref().is_none_or(|arn| arn == &*ctx.function.arn))
    });
    let unknown_discriminator = fails_on_the_function.then(|| UNKNOWN_DISCRIMINATOR.to_string());
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Fail(f) => {
                let resource_arn = match f.resource_arn {
                    Some(arn) if arn != *ctx.function.arn => Arc::from(arn),
                    _ => shared.function_arn.clone(),
                };
                let mut message = f.message;
                // Written by format!, often with room to spare: 100,000 findings hold only what they say.
                message.shrink_to_fit();
                Finding {
                    message,
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
                    unknown_discriminator.clone(),
                    Status::Unknown,
                )
            },
        })
        .collect()
}

/// Add what a ticket needs and a check does not decide: the function, its owner tags, the remediation and doc link.
fn enrich(
    mut finding: Finding,
    check: &Check,
    shared: &Shared,
    evidence_pool: &mut HashSet<Arc<str>>,
) -> Finding {
    finding.evidence = finding.evidence.pooled(evidence_pool);
    finding.function_arn = shared.function_arn.clone();
    finding.owner_tags = shared.owner_tags.clone();
    finding.remediation = check.remediation().into();
    finding.doc_url = catalog::doc_url(check.id);
    finding.compliance = std::borrow::Cow::Borrowed(&compliance::of(check).controls);
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
        compliance: Default::default(),
        suppression: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two functions on one role whose inline policy grants `*` on `*`.
    fn two_functions_on_one_admin_role() -> Inventory {
        let function = |name: &str| {
            json!({
                "arn": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
                "name": name, "region": "us-east-1",
                "role_arn": "arn:aws:iam::123456789012:role/shared",
                "tags": {"owner": "payments"}
            })
        };
        serde_json::from_value(json!({
            "schema_version": 1, "tool_version": "test", "collected_at": "2026-11-01T00:00:00Z",
            "lookback_days": 90,
            "accounts": [{
                "account_id": "123456789012", "regions": ["us-east-1"],
                "functions": [function("a"), function("b")],
                "log_groups": {
                    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/a": {"exists": true},
                    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/b": {"exists": true}
                },
                "cloudtrail": {"trails": [], "event_data_stores": []},
                "apis": {},
                "load_balancing": {},
                "roles": {"arn:aws:iam::123456789012:role/shared": {
                    "arn": "arn:aws:iam::123456789012:role/shared", "name": "shared",
                    "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                    "inline_policies": [{"name": "everything", "document": {"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}],
                    "attached_policies": []
                }}
            }]
        }))
        .expect("a valid inventory")
    }

    /// A check that fails on the function and cannot decide one of its live versions reports both, under two ids
    /// (the Unknown's discriminator `unknown`): a report never holds two findings with one id.
    #[test]
    fn a_failure_and_an_unknown_of_one_check_on_one_function_have_two_ids() {
        let mut inventory = two_functions_on_one_admin_role();
        let function = &mut inventory.accounts[0].functions[0];
        function.runtime = Some("nodejs18.x".into());
        let alias: crate::inventory::Alias = serde_json::from_value(json!({
            "name": "prod", "function_version": "1",
            "arn": format!("{}:prod", function.arn)
        }))
        .unwrap();
        function.aliases = vec![alias];
        function.versions = vec!["1".into()];
        let live: crate::inventory::LiveVersion = serde_json::from_value(json!({
            "version": "1", "runtime": "nodejs99.x", "package_type": "Zip",
            "role_arn": "arn:aws:iam::123456789012:role/shared"
        }))
        .unwrap();
        function.live_versions = vec![live];
        let report = evaluate(&inventory, &ValidConfig::default());
        let runtime: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.check_id == "runtime-deprecated" && f.resource_name.as_ref() == "a")
            .collect();
        let statuses: Vec<(Status, Option<&str>)> = runtime
            .iter()
            .map(|f| (f.status, f.discriminator.as_deref()))
            .collect();
        assert_eq!(
            statuses,
            [(Status::Fail, None), (Status::Unknown, Some("unknown"))]
        );
        let mut ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "every finding id is unique");
    }

    #[test]
    fn a_check_not_asked_for_is_not_run_and_gives_no_finding() {
        let config = ValidConfig {
            disabled: vec!["tracing-off".into()],
            ..ValidConfig::default()
        };
        let report = evaluate(&two_functions_on_one_admin_role(), &config);
        for id in ["code-secret", "tracing-off", "function-not-in-vpc"] {
            assert!(!report.checks_run.iter().any(|c| c == id), "{id} ran");
            assert!(
                report.findings.iter().all(|f| f.check_id != id),
                "{id} gave a finding"
            );
        }
        let not_run = |id: &str, reason: &str| CheckNotRun {
            check_id: id.into(),
            reason: reason.into(),
        };
        assert_eq!(
            report.checks_not_run,
            [
                not_run("code-secret", "run with --scan-code"),
                not_run("tracing-off", "disabled in the configuration"),
                not_run("log-group-no-cmk", OFF),
                not_run("function-not-in-vpc", OFF)
            ]
        );
        assert_eq!(
            report.not_run_line().as_deref(),
            Some(
                "not run: code-secret (run with --scan-code), tracing-off (disabled in the configuration), \
                 log-group-no-cmk (off by default: add it to `enabled` in the configuration), \
                 function-not-in-vpc (off by default: add it to `enabled` in the configuration)"
            )
        );
    }

    const OFF: &str = "off by default: add it to `enabled` in the configuration";

    #[test]
    fn invoke_not_audited_is_not_run_on_an_inventory_without_cloudtrail() {
        let scanned = evaluate(&two_functions_on_one_admin_role(), &ValidConfig::default());
        let failed = |r: &Report| {
            r.findings
                .iter()
                .filter(|f| f.check_id == "invoke-not-audited" && f.status == Status::Fail)
                .count()
        };
        assert_eq!(failed(&scanned), 2, "no trail: both functions fail");
        let mut old = two_functions_on_one_admin_role();
        old.accounts[0].cloudtrail = None;
        let report = evaluate(&old, &ValidConfig::default());
        assert!(report
            .findings
            .iter()
            .all(|f| f.check_id != "invoke-not-audited"));
        assert!(report
            .checks_not_run
            .iter()
            .any(|c| c.check_id == "invoke-not-audited" && c.reason.contains("read CloudTrail")));
    }

    #[test]
    fn log_checks_are_not_run_on_an_inventory_without_log_groups() {
        let mut old = two_functions_on_one_admin_role();
        old.accounts[0].log_groups = None;
        let report = evaluate(&old, &ValidConfig::default());
        for id in ["log-group-missing", "log-retention"] {
            assert!(report.findings.iter().all(|f| f.check_id != id), "{id}");
            assert!(report
                .checks_not_run
                .iter()
                .any(|c| c.check_id == id && c.reason.contains("collect log groups")));
        }
        // Merged with an account that has them: this account's functions are Unknown, not a silent pass.
        let mut merged = two_functions_on_one_admin_role();
        let mut other = merged.accounts[0].clone();
        other.account_id = "210987654321".into();
        other.log_groups = None;
        merged.accounts.push(other);
        let report = evaluate(&merged, &ValidConfig::default());
        let unknown = report
            .findings
            .iter()
            .filter(|f| f.check_id == "log-retention" && f.status == Status::Unknown)
            .count();
        assert_eq!(unknown, 2);
    }

    #[test]
    fn api_checks_are_not_run_on_an_inventory_without_apis() {
        let mut old = two_functions_on_one_admin_role();
        old.accounts[0].apis = None;
        let report = evaluate(&old, &ValidConfig::default());
        assert!(report
            .findings
            .iter()
            .all(|f| f.check_id != "api-unauthenticated-route"));
        assert!(report
            .checks_not_run
            .iter()
            .any(|c| c.check_id == "api-unauthenticated-route"
                && c.reason.contains("collect API Gateway APIs")));
        let scanned = evaluate(&two_functions_on_one_admin_role(), &ValidConfig::default());
        assert!(scanned
            .checks_run
            .iter()
            .any(|c| c == "api-unauthenticated-route"));
    }

    #[test]
    fn the_load_balancer_check_is_not_run_on_an_inventory_without_load_balancing() {
        let mut old = two_functions_on_one_admin_role();
        old.accounts[0].load_balancing = None;
        let report = evaluate(&old, &ValidConfig::default());
        assert!(report
            .findings
            .iter()
            .all(|f| f.check_id != "alb-unauthenticated-target"));
        assert!(report
            .checks_not_run
            .iter()
            .any(|c| c.check_id == "alb-unauthenticated-target"
                && c.reason.contains("read Elastic Load Balancing")));
        let scanned = evaluate(&two_functions_on_one_admin_role(), &ValidConfig::default());
        assert!(scanned
            .checks_run
            .iter()
            .any(|c| c == "alb-unauthenticated-target"));
    }

    #[test]
    fn a_check_off_by_default_runs_once_enabled() {
        let inventory = two_functions_on_one_admin_role();
        let ran = |config: &ValidConfig| {
            let report = evaluate(&inventory, config);
            let findings = report
                .findings
                .iter()
                .filter(|f| f.check_id == "function-not-in-vpc")
                .count();
            (
                report.checks_run.iter().any(|c| c == "function-not-in-vpc"),
                findings,
            )
        };
        assert_eq!(ran(&ValidConfig::default()), (false, 0));
        let enabled = ValidConfig::from_toml(
            "lambda-posture.toml",
            "enabled = [\"function-not-in-vpc\"]",
            |id| catalog::find(id).is_some(),
        )
        .unwrap();
        assert_eq!(ran(&enabled), (true, 2));
        for (toml, error) in [
            (
                "enabled = [\"tracing-off\"]",
                "`tracing-off` runs by default",
            ),
            (
                "enabled = [\"function-not-in-vpc\"]\ndisabled = [\"function-not-in-vpc\"]",
                "both enabled and disabled",
            ),
            ("enabled = [\"nope\"]", "unknown check id `nope`"),
        ] {
            let e = ValidConfig::from_toml("c.toml", toml, |id| catalog::find(id).is_some())
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("c.toml: `enabled`") && e.contains(error),
                "{e}"
            );
        }
    }

    #[test]
    fn code_secret_runs_with_a_code_scan_and_a_later_scan_without_one_resolves_it_as_not_run() {
        let mut scanned = two_functions_on_one_admin_role();
        let secret = crate::inventory::CodeSecret {
            source: "function".into(),
            path: "app.py".into(),
            line: 3,
            rule_id: "github-token".into(),
            masked_preview: "ghp_…(40 chars)".into(),
        };
        scanned.accounts[0].functions[0].code_scan = Some(crate::inventory::CodeScan {
            findings: vec![secret],
            ..Default::default()
        });
        let before = evaluate(&scanned, &ValidConfig::default());
        assert!(before.checks_run.iter().any(|c| c == "code-secret"));
        assert_eq!(
            before
                .checks_not_run
                .iter()
                .map(|c| (c.check_id.as_str(), c.reason.as_str()))
                .collect::<Vec<_>>(),
            [("log-group-no-cmk", OFF), ("function-not-in-vpc", OFF)]
        );
        let code_secret = |r: &Report| -> Vec<(String, Status)> {
            r.findings
                .iter()
                .filter(|f| f.check_id == "code-secret")
                .map(|f| (f.resource_name.to_string(), f.status))
                .collect()
        };
        assert_eq!(
            code_secret(&before),
            [
                ("a".to_string(), Status::Fail),
                ("b".to_string(), Status::Unknown)
            ],
            "a function with no result in a scanned inventory is Unknown: the scan tried and has nothing for it"
        );
        let after = evaluate(&two_functions_on_one_admin_role(), &ValidConfig::default());
        assert!(code_secret(&after).is_empty());
        let snapshot = |r: &Report| {
            crate::diff::ReportSnapshot::from_json("r.json", &serde_json::to_string(r).unwrap())
                .unwrap()
        };
        let (old, new) = (snapshot(&before), snapshot(&after));
        let d = crate::diff::diff("old.json", &old, "new.json", &new);
        let resolved: Vec<_> = d
            .resolved_findings
            .iter()
            .filter(|e| e.finding.check_id == "code-secret")
            .map(|e| e.resolution)
            .collect();
        assert_eq!(
            resolved,
            [Some(crate::diff::Resolution::CheckNotRun); 2],
            "not fixed: the newer scan did not look"
        );
    }

    #[test]
    fn an_account_collected_without_the_code_scan_of_another_is_unknown_not_silent() {
        let mut inventory = two_functions_on_one_admin_role();
        let mut other = inventory.accounts[0].clone();
        other.account_id = "210987654321".into();
        for f in &mut other.functions {
            f.arn = f.arn.replace("123456789012", "210987654321");
        }
        let clean = crate::inventory::CodeScan {
            scanned: vec![crate::inventory::ScannedPackage {
                source: "function".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        for f in &mut inventory.accounts[0].functions {
            f.code_scan = Some(clean.clone());
        }
        inventory.accounts.push(other);
        let report = evaluate(&inventory, &ValidConfig::default());
        assert!(report.checks_run.iter().any(|c| c == "code-secret"));
        let unknown: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.check_id == "code-secret" && f.status == Status::Unknown)
            .map(|f| &*f.account_id)
            .collect();
        assert_eq!(
            unknown,
            ["210987654321", "210987654321"],
            "{:#?}",
            report.findings
        );
    }

    #[test]
    fn findings_of_a_shared_role_share_their_evidence_but_not_their_identity() {
        let report = evaluate(&two_functions_on_one_admin_role(), &ValidConfig::default());
        let admin: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.check_id == "role-admin-access")
            .collect();
        let [a, b] = admin[..] else {
            panic!("one role-admin-access finding per function, got {admin:#?}")
        };
        assert_ne!(a.id, b.id, "one ticket per function");
        assert_ne!(a.function_arn, b.function_arn);
        assert_eq!(&*a.resource_arn, "arn:aws:iam::123456789012:role/shared");
        // One copy of the evidence, judged once for the role.
        assert!(std::ptr::eq(a.evidence.as_json(), b.evidence.as_json()));
        assert!(!a.evidence.is_null());
    }

    #[test]
    fn findings_of_one_function_share_its_names_and_owner_tags() {
        let config = ValidConfig {
            owner_tags: vec!["owner".into()],
            ..ValidConfig::default()
        };
        let report = evaluate(&two_functions_on_one_admin_role(), &config);
        let of_a: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.resource_name.as_ref() == "a")
            .collect();
        assert!(of_a.len() > 1, "several checks fail on a bare function");
        for f in &of_a[1..] {
            assert!(Arc::ptr_eq(&f.function_arn, &of_a[0].function_arn));
            assert!(Arc::ptr_eq(&f.owner_tags, &of_a[0].owner_tags));
            assert!(Arc::ptr_eq(&f.account_id, &of_a[0].account_id));
        }
        assert_eq!(
            of_a[0].owner_tags.get("owner").map(String::as_str),
            Some("payments")
        );
        // The catalogue's texts are borrowed, not copied per finding.
        assert!(of_a
            .iter()
            .all(|f| matches!(f.remediation, std::borrow::Cow::Borrowed(_))
                && matches!(f.doc_url, std::borrow::Cow::Borrowed(_))));
    }

    #[test]
    fn suppressions_are_applied_before_the_report_is_scored() {
        let inventory = two_functions_on_one_admin_role();
        let plain = evaluate(&inventory, &ValidConfig::default());
        let config = ValidConfig::from_toml(
            "lp.toml",
            "[[suppressions]]\nresource = \"*:function:a\"\nreason = \"accepted\"\n",
            |id| catalog::find(id).is_some(),
        )
        .unwrap();
        let report = evaluate(&inventory, &config);
        let of = |r: &Report, name: &str| {
            r.functions
                .iter()
                .find(|f| f.name == name)
                .map(|f| (f.score, f.failures, f.unknown))
                .unwrap()
        };
        assert_eq!(
            of(&report, "a"),
            (100, 0, 0),
            "every finding of `a` is muted"
        );
        assert!(of(&plain, "a").0 < 100);
        assert_eq!(of(&report, "b"), of(&plain, "b"));
        let muted = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Muted)
            .count();
        assert!(muted > 0 && report.accounts[0].muted == muted);
        assert_eq!(report.suppressions[0].matched, muted);
        assert_eq!(
            report.findings.len(),
            plain.findings.len(),
            "muted findings stay, in the same order"
        );
    }

    /// `--framework`: only the framework's checks run; a control fails on the functions one of its checks fails on,
    /// a muted finding fails nothing (it is counted), and a suppression of a check outside the framework is left out.
    #[test]
    fn a_framework_scan_runs_its_checks_and_summarises_by_control() {
        use crate::compliance::{ControlStatus, Framework};
        let inventory = two_functions_on_one_admin_role();
        let report = evaluate_framework(&inventory, &ValidConfig::default(), Framework::CisAws);
        assert_eq!(report.checks_run, ["role-admin-access"]);
        assert!(report
            .checks_not_run
            .iter()
            .all(|c| c.check_id == "code-secret"
                || crate::compliance::maps(
                    catalog::find(&c.check_id).unwrap(),
                    Framework::CisAws
                )));
        let summary = report.framework.as_ref().unwrap();
        assert_eq!(summary.controls.len(), 1);
        let control = &summary.controls[0];
        assert_eq!(
            (
                control.control.as_str(),
                control.status,
                control.functions_failed,
                control.functions_passed
            ),
            ("1.16", ControlStatus::Failed, 2, 0)
        );
        let config = ValidConfig::from_toml(
            "lp.toml",
            "[[suppressions]]\nresource = \"*:function:a\"\nreason = \"accepted\"\n\n\
             [[suppressions]]\ncheck = \"tracing-off\"\nreason = \"not ours\"\n",
            |id| catalog::find(id).is_some(),
        )
        .unwrap();
        let report = evaluate_framework(&inventory, &config, Framework::CisAws);
        let control = &report.framework.as_ref().unwrap().controls[0];
        assert_eq!(
            (
                control.status,
                control.functions_failed,
                control.functions_passed,
                control.findings_muted
            ),
            (ControlStatus::Failed, 1, 1, 1)
        );
        assert_eq!(
            report.suppressions.len(),
            1,
            "tracing-off is not a CIS check"
        );
        // The role's `*` statement is role-admin-access's finding (role-action-wildcard leaves it), which evidences
        // IAM.1 and IAM.21 alike: neither passes.
        let fsbp = evaluate_framework(&inventory, &ValidConfig::default(), Framework::AwsFsbp);
        let status = |id: &str| {
            fsbp.framework
                .as_ref()
                .unwrap()
                .controls
                .iter()
                .find(|c| c.control == id)
                .unwrap()
                .status
        };
        assert_eq!(status("IAM.1"), ControlStatus::Failed);
        assert_eq!(status("IAM.21"), ControlStatus::Failed);
        // role-logs-unscoped leaves the `*` statement to role-admin-access too: AU-9 (its control) fails on both
        // functions through role-admin-access's `also_covers`, though no role-logs-unscoped finding exists.
        let nist = evaluate_framework(&inventory, &ValidConfig::default(), Framework::Nist80053R5);
        assert!(!nist
            .findings
            .iter()
            .any(|f| f.check_id == "role-logs-unscoped"));
        let au9 = nist
            .framework
            .as_ref()
            .unwrap()
            .controls
            .iter()
            .find(|c| c.control == "AU-9")
            .unwrap();
        assert_eq!(
            (au9.status, au9.functions_failed),
            (ControlStatus::Failed, 2)
        );
    }

    /// A framework scan runs the checks off by default that evidence its controls (SC-7 is function-not-in-vpc's),
    /// not those of other frameworks, and never a check the configuration disables.
    #[test]
    fn a_framework_scan_runs_its_checks_that_are_off_by_default_unless_disabled() {
        use crate::compliance::{ControlStatus, Framework};
        let inventory = two_functions_on_one_admin_role();
        let control = |report: &Report, id: &str| {
            report
                .framework
                .as_ref()
                .unwrap()
                .controls
                .iter()
                .find(|c| c.control == id)
                .map(|c| (c.status, c.functions_failed))
        };
        let nist = evaluate_framework(&inventory, &ValidConfig::default(), Framework::Nist80053R5);
        assert!(nist.checks_run.iter().any(|c| c == "function-not-in-vpc"));
        assert!(!nist
            .checks_not_run
            .iter()
            .any(|c| c.check_id == "function-not-in-vpc"));
        assert_eq!(control(&nist, "SC-7"), Some((ControlStatus::Failed, 2)));
        let fsbp = evaluate_framework(&inventory, &ValidConfig::default(), Framework::AwsFsbp);
        assert!(!fsbp.checks_run.iter().any(|c| c == "function-not-in-vpc"));
        let disabled =
            ValidConfig::from_toml("lp.toml", "disabled = [\"function-not-in-vpc\"]", |id| {
                catalog::find(id).is_some()
            })
            .unwrap();
        let nist = evaluate_framework(&inventory, &disabled, Framework::Nist80053R5);
        assert!(!nist.checks_run.iter().any(|c| c == "function-not-in-vpc"));
        assert!(!nist
            .findings
            .iter()
            .any(|f| f.check_id == "function-not-in-vpc"));
        assert_eq!(
            control(&nist, "SC-7").map(|c| c.0),
            Some(ControlStatus::Unknown)
        );
    }
}
