//! One operation denied, exactly the checks that need its data say Unknown: on the demo account, each scenario denies
//! one API operation (AccessDenied on every call), evaluates the inventory, and compares every (check, function)
//! verdict with the fault-free scan. A verdict may only change into Unknown (never into a Pass or a new Fail), only
//! for the checks listed for that operation, and each listed check does turn Unknown somewhere.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use lambda_posture_checks::arn::{self, Arn};
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::Status;
use lambda_posture_checks::inventory::Inventory;
use serde_json::json;

use support::{cli, emulator};

const REGIONS: &str = "us-east-1,eu-west-1";

/// The emulator runs without quotas: the scanner may go ten times faster than AWS allows (a quick test).
const QUOTA_SCALE: &str = "10";

/// (service, operation denied, the checks whose verdict needs its data). A check that only cites the data as
/// evidence (unused-function names the triggers it could list) keeps its verdict, so it is not listed.
const SCENARIOS: &[(&str, &str, &[&str])] = &[
    (
        "lambda",
        "GetPolicy",
        // the API checks: whether the function's policy lets API Gateway invoke it through a route is unknown
        &[
            "alb-unauthenticated-target",
            "api-private-open-policy",
            "api-public-no-waf",
            "api-unauthenticated-route",
            "async-no-failure-destination",
            "lambda-cross-account-invoke",
            "lambda-notprincipal-allow",
            "lambda-public-invoke",
            "lambda-service-invoke-unscoped",
            "no-reserved-concurrency",
        ],
    ),
    (
        "lambda",
        "ListAliases",
        &[
            "alb-unauthenticated-target",
            "async-no-failure-destination",
            "dlq-unwritable",
            "env-no-cmk",
            "env-secret-name",
            "env-secret-value",
            "lambda-cross-account-invoke",
            "lambda-notprincipal-allow",
            "lambda-public-invoke",
            "lambda-service-invoke-unscoped",
            "layer-foreign",
            "no-reserved-concurrency",
            "runtime-deprecated",
        ],
    ),
    (
        "lambda",
        "ListFunctionUrlConfigs",
        // async-no-failure-destination keeps its verdict: URLs and mappings invoke synchronously, so their gaps hide
        // no evidence of asynchronous invocation (its README).
        &[
            "lambda-url-cors-wildcard",
            "lambda-url-public",
            "no-reserved-concurrency",
        ],
    ),
    (
        "lambda",
        "ListEventSourceMappings",
        &[
            "dlq-unwritable",
            "env-no-cmk",
            "env-secret-name",
            "env-secret-value",
            "esm-no-failure-destination",
            "layer-foreign",
            "no-reserved-concurrency",
            "runtime-deprecated",
        ],
    ),
    (
        "lambda",
        "ListFunctionEventInvokeConfigs",
        &["async-no-failure-destination", "dlq-unwritable"],
    ),
    // Only evidence (unused-function's "provisioned concurrency is still billed") depends on it.
    ("lambda", "ListProvisionedConcurrencyConfigs", &[]),
    // The account's organization: a grant pinned to an organization cannot be told ours or another's.
    (
        "organizations",
        "DescribeOrganization",
        &["lambda-cross-account-invoke"],
    ),
    // The functions' log groups: whether each exists, its retention (log-group-no-cmk is off by default).
    (
        "logs",
        "DescribeLogGroups",
        &["log-group-missing", "log-retention"],
    ),
    // CloudTrail: who records the functions' invocations. A region's trails (or any region's event data stores: a
    // multi-Region store records every region) unlisted, a function no trail or store read records is Unknown.
    ("cloudtrail", "DescribeTrails", &["invoke-not-audited"]),
    ("cloudtrail", "ListEventDataStores", &["invoke-not-audited"]),
    // The API Gateway front doors: a REST or v2 API not read may route to any function of its region.
    (
        "apigateway",
        "GetRestApis",
        &[
            "api-private-open-policy",
            "api-public-no-waf",
            "api-unauthenticated-route",
        ],
    ),
    (
        "apigateway",
        "GetApis",
        &[
            "api-private-open-policy",
            "api-public-no-waf",
            "api-unauthenticated-route",
        ],
    ),
    // One REST API's resources: its routes (and whether it fronts a function) are unknown.
    (
        "apigateway",
        "GetResources",
        &[
            "api-private-open-policy",
            "api-public-no-waf",
            "api-unauthenticated-route",
        ],
    ),
    // The load balancer front doors: a target group not listed may hold any function of its region; a listener's rules
    // unread may forward to one; a security group unread leaves open ports unknown.
    (
        "elasticloadbalancing",
        "DescribeTargetGroups",
        &["alb-unauthenticated-target"],
    ),
    (
        "elasticloadbalancing",
        "DescribeRules",
        &["alb-unauthenticated-target"],
    ),
    (
        "ec2",
        "DescribeSecurityGroups",
        &["alb-unauthenticated-target"],
    ),
    // Custom domain names: only the routes behind a disabled default endpoint depend on them (one mapped through a
    // domain, critical, and one no domain maps, no way in: both Unknown); a route with its default endpoint on keeps
    // its verdict.
    (
        "apigateway",
        "GetDomainNames",
        &["api-unauthenticated-route"],
    ),
    (
        "apigateway",
        "GetBasePathMappings",
        &["api-unauthenticated-route"],
    ),
    // What a REST stage's deployment serves: every REST route's authorization as deployed (an unauthenticated one,
    // and one whose draft was made NONE but not deployed) is Unknown.
    (
        "apigateway",
        "GetDeployment",
        &["api-unauthenticated-route"],
    ),
    (
        "cloudwatch",
        "GetMetricData",
        &[
            "high-error-rate",
            "stale-function",
            "throttled",
            "timeout-near-limit",
            "unused-function",
        ],
    ),
];

/// Verdicts per (check id, function ARN): the set of statuses of its findings (empty: pass).
type Verdicts = BTreeMap<(String, String), BTreeSet<Status>>;

fn scan(account: &emulator::DemoAccount, name: &str) -> Inventory {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.json"));
    let mut cmd = account.emulator.lambda_posture();
    cmd.args([
        "scan",
        "--quiet",
        "--regions",
        REGIONS,
        "--quota-scale",
        QUOTA_SCALE,
        "--format",
        "json",
        "--output",
    ])
    .arg(dir.path().join("report.json"))
    .arg("--save-inventory")
    .arg(&path);
    let (code, _stdout, stderr) = cli::capture(&mut cmd);
    assert!([0, 3].contains(&code), "{name}: exit {code}: {stderr}");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{name}: no inventory ({e}): {stderr}"));
    Inventory::from_json(name, &text).expect("valid inventory")
}

fn verdicts(inventory: &Inventory) -> Verdicts {
    let report = engine::evaluate(inventory, &ValidConfig::default());
    let mut out = Verdicts::new();
    for f in &report.findings {
        out.entry((f.check_id.to_string(), subject(&f.resource_arn).to_string()))
            .or_default()
            .insert(f.status);
    }
    out
}

/// What a finding is about: the function for a function, alias or version ARN, else the resource itself (a role).
fn subject(resource_arn: &str) -> &str {
    match Arn::parse(resource_arn) {
        Ok(arn) if arn.function_name().is_some() => arn::unqualified(resource_arn),
        _ => resource_arn,
    }
}

#[test]
fn a_denied_operation_makes_exactly_its_checks_unknown() {
    let account = emulator::demo();
    let _exclusive = account.exclusive();
    let clean = scan(account, "clean");
    assert!(
        clean.accounts[0].gaps.is_empty(),
        "{:#?}",
        clean.accounts[0].gaps
    );
    let before = verdicts(&clean);

    let mut problems = Vec::new();
    for (service, operation, expected) in SCENARIOS {
        account.emulator.set_faults(
            json!([{"service": service, "operation": operation, "error": "AccessDenied"}]),
        );
        let denied = scan(account, operation);
        account.emulator.clear_faults();
        assert!(
            denied.accounts[0]
                .gaps
                .iter()
                .all(|g| g.operation == *operation),
            "{operation}: gaps about other operations: {:#?}",
            denied.accounts[0].gaps
        );
        assert!(
            !denied.accounts[0].gaps.is_empty(),
            "{operation}: denied, yet no gap"
        );
        let after = verdicts(&denied);
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        let mut turned_unknown = BTreeSet::new();
        let keys: BTreeSet<_> = before.keys().chain(after.keys()).cloned().collect();
        let none = BTreeSet::new();
        for key in keys {
            let (was, now) = (
                before.get(&key).unwrap_or(&none),
                after.get(&key).unwrap_or(&none),
            );
            if was == now {
                continue;
            }
            let (check, subject) = &key;
            let only_unknown_added = now.contains(&Status::Unknown)
                && now
                    .iter()
                    .filter(|s| **s != Status::Unknown)
                    .all(|s| was.contains(s));
            if !only_unknown_added {
                problems.push(format!(
                    "{operation}: {check} on {subject}: {was:?} became {now:?}"
                ));
            } else if !expected.contains(check.as_str()) {
                problems.push(format!(
                    "{operation}: {check} on {subject} became Unknown but is not listed"
                ));
            }
            turned_unknown.insert(check.clone());
        }
        for check in &expected {
            if !turned_unknown.contains(*check) {
                problems.push(format!(
                    "{operation}: {check} is listed but never turned Unknown"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
