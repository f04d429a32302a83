//! One problem, one finding (the rule of `checks/README.md`), asserted on whole reports: the recorded demo account,
//! and the account of every case in the catalogue evaluated by the whole catalogue (the cases hold the shapes the
//! demo lacks: both statements of a function URL, a public grant beside a URL, several statements on one alias).
//! Whatever account shows it, a report fails here when it gives one problem two findings: the same finding id twice,
//! an exposure path reported twice or by a check that does not own it, two checks blaming one statement for the same
//! kind of exposure, a statement that only applies through a function URL reported as opening the Lambda API, an
//! administrator statement of a role that role-admin-access reports named again by a check it covers, or a deleted
//! execution role judged by a role check beside role-missing.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lambda_posture_checks::catalog;
use lambda_posture_checks::config::{Config, ValidConfig};
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::{Finding, Status};
use lambda_posture_checks::inventory::{Inventory, SCHEMA_VERSION};
use lambda_posture_checks::policy::resource::only_via_url;
use lambda_posture_checks::policy::PolicyDocument;
use lambda_posture_checks::report::Report;
use serde_json::{json, Value};

use support::{demo_inventory, root};

/// The exposure kinds of the "who can invoke" checks (`evidence.exposure` = `<kind>:<qualifier>[/<Sid>]`) and the
/// checks that may report each. `statement`: the statement itself is the problem (a `NotPrincipal` construct, a
/// grant to another account).
const OWNERS: &[(&str, &[&str])] = &[
    ("public", &["lambda-public-invoke"]),
    ("url", &["lambda-url-public"]),
    ("cors", &["lambda-url-cors-wildcard"]),
    ("service", &["lambda-service-invoke-unscoped"]),
    ("bucket", &["lambda-service-invoke-unscoped"]),
    ("api", &["api-unauthenticated-route"]),
    ("private-api", &["api-private-open-policy"]),
    ("alb", &["alb-unauthenticated-target"]),
    (
        "statement",
        &["lambda-cross-account-invoke", "lambda-notprincipal-allow"],
    ),
];

/// Checks that judge one subject each, the same subject for one problem, keyed by the finding's resource and
/// discriminator: a subject fails at most one of them (a secret-looking variable is env-secret-value's when a rule
/// recognises its value, env-secret-name's otherwise).
const SIBLINGS: &[&[&str]] = &[
    &["env-secret-value", "env-secret-name"],
    // A function's output lost: a role that cannot write is role-logs-missing's, a missing group it cannot create
    // log-group-missing's, never both.
    &["role-logs-missing", "log-group-missing"],
];

/// The kind whose findings may name statements another kind blames: an AuthType NONE URL is a configuration
/// problem of its own, and its finding lists every statement that lets the anonymous public through it.
const URL_CONTEXT: &str = "url";

/// The check that reports administrator statements, naming in `evidence.also_covers` the checks that leave them to it.
const ADMIN_CHECK: &str = "role-admin-access";

/// Every way `report` breaks the rule, one line each.
fn breaches(report: &Report) -> Vec<String> {
    let failing: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    let mut problems = Vec::new();
    let mut ids: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &report.findings {
        if let Some(first) = ids.insert(&f.id, f) {
            problems.push(format!(
                "finding id {} twice: {} on {} ({:?}) and {} on {} ({:?})",
                f.id,
                first.check_id,
                first.resource_arn,
                first.discriminator,
                f.check_id,
                f.resource_arn,
                f.discriminator
            ));
        }
    }
    for group in SIBLINGS {
        let mut subjects: BTreeMap<(&str, &str, Option<&str>), &str> = BTreeMap::new();
        for f in failing
            .iter()
            .filter(|f| group.contains(&f.check_id.as_ref()))
        {
            let subject = (
                f.function_arn.as_ref(),
                f.resource_arn.as_ref(),
                f.discriminator.as_deref(),
            );
            if let Some(first) = subjects.insert(subject, &f.check_id) {
                problems.push(format!(
                    "{:?} of {} fails both {first} and {}",
                    f.discriminator, f.resource_arn, f.check_id
                ));
            }
        }
    }
    let mut paths: BTreeMap<(String, String), &str> = BTreeMap::new();
    // (function, qualifier, statement) -> the exposure kinds that blame it, with the check.
    let mut blamed: BTreeMap<(String, String, String), Vec<(String, String)>> = BTreeMap::new();
    for f in failing
        .iter()
        .filter(|f| lambda_posture_checks::catalog::group_of(&f.check_id) == Some("access"))
    {
        let evidence = f.evidence.value();
        let Some(exposure) = evidence["exposure"].as_str() else {
            problems.push(format!(
                "{} on {}: a failing access finding names no exposure path",
                f.check_id, f.resource_arn
            ));
            continue;
        };
        let kind = exposure.split(':').next().unwrap_or_default();
        match OWNERS.iter().find(|(k, _)| *k == kind) {
            Some((_, owners)) if owners.contains(&f.check_id.as_ref()) => {}
            _ => problems.push(format!(
                "{} on {}: exposure {exposure} is not this check's (owners: {OWNERS:?})",
                f.check_id, f.function_arn
            )),
        }
        let path = (f.function_arn.to_string(), exposure.to_string());
        if let Some(first) = paths.insert(path, &f.check_id) {
            problems.push(format!(
                "{} reported twice on {}: by {first} and by {}",
                exposure, f.function_arn, f.check_id
            ));
        }
        let qualifier = evidence["qualifier"].as_str().unwrap_or("function");
        for (statement, document, routes) in statements(&evidence) {
            blamed
                .entry((
                    f.function_arn.to_string(),
                    qualifier.to_string(),
                    statement.clone(),
                ))
                .or_default()
                .push((kind.to_string(), f.check_id.to_string()));
            if routes.iter().any(|r| r == "lambda-api") && url_only(&document) {
                problems.push(format!(
                    "{} on {}: statement {statement} only applies through a function URL, yet is reported as \
                     opening the Lambda API",
                    f.check_id, f.function_arn
                ));
            }
        }
    }
    for ((function, qualifier, statement), kinds) in blamed {
        let owned: Vec<&(String, String)> =
            kinds.iter().filter(|(k, _)| k != URL_CONTEXT).collect();
        if owned.len() > 1 {
            problems.push(format!(
                "statement {statement} of {qualifier} on {function} is blamed by several findings for the same \
                 exposure: {owned:?}"
            ));
        }
    }
    problems.extend(administrator_named_twice(&failing));
    problems.extend(deleted_role_judged_again(report));
    problems
}

/// The check that reports a deleted execution role: the one finding of that problem.
const ROLE_MISSING: &str = "role-missing";

/// The role check that judges which functions name one role ARN, not what the role may do: functions that share a
/// deleted role still share it once it is recreated, a problem with a fix of its own.
const ROLE_SHARED: &str = "role-shared";

/// A role check with any finding (failure or Unknown) on a function and version whose execution role role-missing
/// reports deleted: a deleted role grants nothing, so there is nothing else to judge about what it may do.
fn deleted_role_judged_again(report: &Report) -> Vec<String> {
    let deleted: Vec<(&str, Option<&str>)> = report
        .findings
        .iter()
        .filter(|f| f.check_id == ROLE_MISSING && f.status == Status::Fail)
        .map(|f| (f.function_arn.as_ref(), f.discriminator.as_deref()))
        .collect();
    report
        .findings
        .iter()
        .filter(|f| {
            f.check_id != ROLE_MISSING
                && f.check_id != ROLE_SHARED
                && lambda_posture_checks::catalog::group_of(&f.check_id) == Some("role")
                && deleted.contains(&(f.function_arn.as_ref(), f.discriminator.as_deref()))
        })
        .map(|f| {
            format!(
                "{} ({:?}) on {}: its execution role is deleted, which {ROLE_MISSING} reports",
                f.check_id, f.status, f.function_arn
            )
        })
        .collect()
}

/// A policy statement as evidence names it: the policy (its ARN, or `inline:<name>`) and the statement label, `None`
/// when the evidence names a whole policy (role-broad-managed-policy's `policies`).
type Named = (String, Option<String>);

/// Every policy statement (or whole policy) an evidence value names, at any depth: objects with a `policy_arn` or an
/// inline `policy`, and their `statement`.
fn named_statements(evidence: &Value, out: &mut Vec<Named>) {
    match evidence {
        Value::Array(items) => items.iter().for_each(|v| named_statements(v, out)),
        Value::Object(map) => {
            let policy = match (map.get("policy_arn"), map.get("policy")) {
                (Some(Value::String(arn)), _) => Some(arn.clone()),
                (_, Some(Value::String(name))) => Some(format!("inline:{name}")),
                _ => None,
            };
            if let Some(policy) = policy {
                let statement = map
                    .get("statement")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push((policy, statement));
            }
            map.values().for_each(|v| named_statements(v, out));
        }
        _ => {}
    }
}

/// A check that role-admin-access lists in `also_covers` for a role, failing on the same function, role and version,
/// names one of the administrator statements (or their whole policy).
fn administrator_named_twice(failing: &[&Finding]) -> Vec<String> {
    let mut problems = Vec::new();
    for admin in failing.iter().filter(|f| f.check_id == ADMIN_CHECK) {
        let evidence = admin.evidence.value();
        let mut reported = Vec::new();
        named_statements(&evidence["statements"], &mut reported);
        let covers: Vec<&str> = evidence["also_covers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for other in failing.iter().filter(|f| {
            covers.contains(&f.check_id.as_ref())
                && f.function_arn == admin.function_arn
                && f.resource_arn == admin.resource_arn
                && f.discriminator == admin.discriminator
        }) {
            let mut named = Vec::new();
            named_statements(&other.evidence.value(), &mut named);
            for (policy, statement) in &reported {
                if named
                    .iter()
                    .any(|(p, s)| p == policy && (s.is_none() || s == statement))
                {
                    problems.push(format!(
                        "{} on {} names the administrator statement {policy} {statement:?} that {ADMIN_CHECK} \
                         reports and covers for it",
                        other.check_id, other.function_arn
                    ));
                }
            }
        }
    }
    problems
}

/// `(label, document, routes)` of each statement a finding names: `evidence.statements`, or the single
/// `evidence.statement` / `evidence.document`.
fn statements(evidence: &Value) -> Vec<(String, Value, Vec<String>)> {
    let entry = |e: &Value| {
        let routes = e["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        (
            e["statement"].as_str().unwrap_or_default().to_string(),
            e["document"].clone(),
            routes,
        )
    };
    match evidence["statements"].as_array() {
        Some(list) => list.iter().map(entry).collect(),
        None if evidence["statement"].is_string() => vec![entry(evidence)],
        None => vec![],
    }
}

fn url_only(document: &Value) -> bool {
    PolicyDocument::parse(&json!({ "Version": "2012-10-17", "Statement": [document] }))
        .is_ok_and(|doc| doc.statements.iter().all(only_via_url))
}

fn assert_no_breach(what: &str, report: &Report) {
    let problems = breaches(report);
    assert!(
        problems.is_empty(),
        "{what} breaks one problem, one finding:\n{}",
        problems.join("\n")
    );
}

fn demo_report() -> Report {
    engine::evaluate(&demo_inventory(), &ValidConfig::default())
}

#[test]
fn the_demo_account_has_one_finding_per_problem() {
    let report = demo_report();
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check_id == "lambda-url-public"),
        "the demo lost its public URLs: this test would check nothing about them"
    );
    assert_no_breach("the demo account", &report);
}

#[test]
fn every_case_account_has_one_finding_per_problem() {
    let mut cases = Vec::new();
    collect_cases(&root().join("checks/src/catalog"), &mut cases);
    assert!(cases.len() > 100, "found only {} case files", cases.len());
    let mut problems = Vec::new();
    let mut judged = 0;
    for path in &cases {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let (inventory, config) = case_inventory(path);
        let report = engine::evaluate(&inventory, &config);
        judged += report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.evidence.value()["exposure"].is_string())
            .count();
        problems.extend(
            breaches(&report)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(
        judged > 40,
        "only {judged} failing access findings were judged"
    );
    assert!(
        problems.is_empty(),
        "case accounts break one problem, one finding:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_rule_catches_a_doubled_url_exposure() {
    // The regression the rule was written for: a public URL reported once per statement AWS writes for it.
    let path =
        root().join("checks/src/catalog/access/lambda_url_public/cases/fail-none-public.json");
    let (inventory, config) = case_inventory(&path);
    let mut report = engine::evaluate(&inventory, &config);
    assert!(breaches(&report).is_empty());
    let url = report
        .findings
        .iter()
        .find(|f| f.check_id == "lambda-url-public" && f.status == Status::Fail)
        .expect("the case fails lambda-url-public")
        .clone();
    // The same URL claimed by lambda-public-invoke, blaming its statements for the API: three breaches.
    let mut doubled = url.clone();
    doubled.check_id = "lambda-public-invoke".into();
    doubled.id = "LP-doubled".into();
    let mut evidence = url.evidence.value();
    for entry in evidence["statements"].as_array_mut().unwrap() {
        entry["routes"] = json!(["lambda-api"]);
    }
    doubled.evidence = evidence.into();
    report.findings.push(doubled);
    let found = breaches(&report);
    assert!(
        found.iter().any(|p| p.contains("is not this check's"))
            && found.iter().any(|p| p.contains("reported twice"))
            && found
                .iter()
                .any(|p| p.contains("only applies through a function URL")),
        "{found:#?}"
    );
}

#[test]
fn the_rule_catches_an_administrator_statement_reported_by_a_covered_check() {
    let path = root().join(
        "checks/src/catalog/role/role_admin_access/cases/fail-administrator-access-attached.json",
    );
    let (inventory, config) = case_inventory(&path);
    let mut report = engine::evaluate(&inventory, &config);
    assert!(breaches(&report).is_empty(), "{:#?}", breaches(&report));
    let admin = report
        .findings
        .iter()
        .find(|f| f.check_id == ADMIN_CHECK && f.status == Status::Fail)
        .expect("the case fails role-admin-access")
        .clone();
    let covers = &admin.evidence.value()["also_covers"];
    for check in [
        "role-action-wildcard",
        "role-privilege-escalation",
        "role-logs-unscoped",
    ] {
        assert!(
            covers.as_array().unwrap().contains(&json!(check)),
            "{covers}"
        );
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.check_id == check && f.status == Status::Fail),
            "{check} reports the administrator role beside {ADMIN_CHECK}"
        );
    }
    // What the catalogue reported before: role-action-wildcard naming the AdministratorAccess statement again.
    let mut doubled = admin.clone();
    doubled.check_id = "role-action-wildcard".into();
    doubled.id = "LP-doubled-admin".into();
    report.findings.push(doubled);
    let found = breaches(&report);
    assert!(
        found.iter().any(|p| p.contains("role-action-wildcard")
            && p.contains("names the administrator statement")),
        "{found:#?}"
    );
}

#[test]
fn the_rule_catches_a_deleted_role_judged_by_another_role_check() {
    let path = root().join("checks/src/catalog/role/role_missing/cases/fail-role-deleted.json");
    let (inventory, config) = case_inventory(&path);
    let mut report = engine::evaluate(&inventory, &config);
    assert!(breaches(&report).is_empty(), "{:#?}", breaches(&report));
    let missing = report
        .findings
        .iter()
        .find(|f| f.check_id == ROLE_MISSING && f.status == Status::Fail)
        .expect("the case fails role-missing")
        .clone();
    let role_findings: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| {
            f.check_id != ROLE_SHARED
                && lambda_posture_checks::catalog::group_of(&f.check_id) == Some("role")
        })
        .map(|f| f.check_id.as_ref())
        .collect();
    assert_eq!(
        role_findings,
        [ROLE_MISSING],
        "a deleted role is one finding"
    );
    // What the catalogue reported before: every role check Unknown beside role-missing's failure.
    let mut unknown = missing.clone();
    unknown.check_id = "role-admin-access".into();
    unknown.id = "LP-deleted-role-judged".into();
    unknown.status = Status::Unknown;
    report.findings.push(unknown);
    let found = breaches(&report);
    assert!(
        found
            .iter()
            .any(|p| p.contains("role-admin-access") && p.contains("execution role is deleted")),
        "{found:#?}"
    );
}

/// The account of a case file as an inventory scanned on its scan date, and its configuration.
fn case_inventory(path: &Path) -> (Inventory, ValidConfig) {
    let name = path.display().to_string();
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let config: Config = serde_json::from_value(case["config"].clone()).unwrap_or_default();
    let config = config
        .validate(&name, |id| catalog::find(id).is_some())
        .unwrap_or_else(|e| panic!("{e}"));
    let scan_date = case["scan_date"].as_str().unwrap_or("2026-11-01");
    let inventory = json!({
        "schema_version": SCHEMA_VERSION,
        "tool_version": "test",
        "collected_at": format!("{scan_date}T00:00:00Z"),
        "lookback_days": case["lookback_days"].as_u64().unwrap_or(90),
        "accounts": [case["account"]],
    });
    let inventory = Inventory::from_json(&name, &inventory.to_string())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (inventory, config)
}

#[test]
fn the_rule_catches_a_variable_reported_by_both_secret_checks() {
    let mut report = demo_report();
    let value = report
        .findings
        .iter()
        .find(|f| f.check_id == "env-secret-value" && f.status == Status::Fail)
        .expect("the demo plants secrets")
        .clone();
    let mut twin = value;
    twin.check_id = "env-secret-name".into();
    twin.id = "LP-twin".into();
    report.findings.push(twin);
    let found = breaches(&report);
    assert!(found.iter().any(|p| p.contains("fails both")), "{found:#?}");
}

fn collect_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "json")
            && path.parent().is_some_and(|p| p.ends_with("cases"))
        {
            out.push(path);
        }
    }
    out.sort();
}
