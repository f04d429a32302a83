//! Partial failure is data: with AccessDenied injected on some operations, throttling and transient faults on others,
//! the scan completes, records exactly the expected gaps, loses nothing else, and exits 3 (incomplete).

mod support;

use std::collections::BTreeSet;

use lambda_posture_checks::inventory::{Account, GapKind};
use serde_json::json;

use support::emulator;

const REGIONS: &str = "us-east-1,eu-west-1";

/// `scan --regions us-east-1,eu-west-1`: exit code, the account collected, stderr.
fn scan(account: &emulator::DemoAccount) -> (i32, Account, String) {
    let scan = account.emulator.scan(&["--regions", REGIONS]);
    (
        scan.code,
        scan.inventory
            .accounts
            .into_iter()
            .next()
            .expect("one account"),
        scan.stderr,
    )
}

/// (service, operation, region, resource, kind) of each gap.
type GapKey = (String, String, Option<String>, Option<String>, String);

fn gap_keys(account: &Account) -> BTreeSet<GapKey> {
    account
        .gaps
        .iter()
        .map(|g| {
            (
                g.service.clone(),
                g.operation.clone(),
                g.region.clone(),
                g.resource.clone(),
                format!("{:?}", g.kind),
            )
        })
        .collect()
}

#[test]
fn injected_faults_become_exactly_the_expected_gaps_and_nothing_else_is_lost() {
    let account = emulator::demo();
    let _exclusive = account.exclusive();
    let (code, clean, stderr) = scan(account);
    assert_eq!(code, 0, "a clean scan is complete: {stderr}");
    assert!(clean.gaps.is_empty(), "{:#?}", clean.gaps);

    // A function with a published version: without one the scan does not ask (checks::plan), so there is no call
    // to fail.
    let pc_target = clean
        .functions
        .iter()
        .find(|f| f.name == "loyalty-points")
        .expect("loyalty-points");
    assert!(
        pc_target.provisioned_concurrency.is_empty() && !pc_target.versions.is_empty(),
        "the failure target has a published version and no provisioned concurrency"
    );
    account.emulator.clear_stats();
    account.emulator.set_faults(json!([
        // Permanent: become gaps.
        {"service": "lambda", "operation": "GetPolicy", "region": "eu-west-1", "error": "AccessDenied"},
        {"service": "iam", "operation": "GetAccountAuthorizationDetails", "error": "AccessDenied"},
        // A 5xx on every attempt for one function: the retry budget runs out, one gap.
        {"service": "lambda", "operation": "ListProvisionedConcurrencyConfigs",
         "resource_contains": "function:loyalty-points/provisioned-concurrency", "error": "InternalError"},
        // Transient: retried until they succeed, never a gap. More throttles than the SDK's retry token bucket
        // would ever absorb.
        {"service": "lambda", "operation": "GetPolicy", "region": "us-east-1", "error": "Throttling", "count": 150},
        {"service": "lambda", "operation": "GetFunction", "error": "Throttling", "count": 20},
        {"service": "lambda", "operation": "ListFunctions", "error": "Throttling", "count": 2},
        {"service": "lambda", "operation": "ListEventSourceMappings", "error": "Throttling", "count": 2},
        {"service": "cloudwatch", "operation": "GetMetricData", "error": "Throttling", "count": 2},
        // (no IAM throttling here: with GetAccountAuthorizationDetails denied no other IAM call is made)
        {"service": "lambda", "operation": "ListAliases", "error": "InternalError", "count": 5},
        {"service": "lambda", "operation": "ListFunctionUrlConfigs", "error": "Reset", "count": 3},
        {"service": "sts", "operation": "GetCallerIdentity", "error": "Throttling", "count": 1},
    ]));
    let (code, faulted, stderr) = scan(account);
    let rules = account.emulator.admin("GET", "/_lp/faults", None);
    account.emulator.clear_faults();
    assert_eq!(code, 3, "an incomplete scan exits 3; stderr: {stderr}");

    // Exactly the expected gaps.
    let mut expected: BTreeSet<GapKey> = BTreeSet::new();
    let gap = |service: &str,
               operation: &str,
               region: Option<&str>,
               resource: Option<String>,
               kind: GapKind| {
        (
            service.to_string(),
            operation.to_string(),
            region.map(str::to_string),
            resource,
            format!("{kind:?}"),
        )
    };
    for f in clean.functions.iter().filter(|f| f.region == "eu-west-1") {
        expected.insert(gap(
            "lambda",
            "GetPolicy",
            Some("eu-west-1"),
            Some(f.arn.clone()),
            GapKind::AccessDenied,
        ));
        for q in f.aliases.iter().map(|a| &a.name).chain(&f.versions) {
            let resource = Some(format!("{}:{q}", f.arn));
            expected.insert(gap(
                "lambda",
                "GetPolicy",
                Some("eu-west-1"),
                resource,
                GapKind::AccessDenied,
            ));
        }
    }
    expected.insert(gap(
        "iam",
        "GetAccountAuthorizationDetails",
        None,
        None,
        GapKind::AccessDenied,
    ));
    expected.insert(gap(
        "lambda",
        "ListProvisionedConcurrencyConfigs",
        Some("us-east-1"),
        Some(pc_target.arn.clone()),
        GapKind::Error,
    ));
    assert_eq!(gap_keys(&faulted), expected);
    for g in &faulted.gaps {
        assert!(
            !g.error.is_empty() && !g.error.contains('\n'),
            "one-line error: {g:?}"
        );
        if g.kind == GapKind::AccessDenied {
            assert!(g.error.contains("AccessDenied"), "{g:?}");
        }
    }

    // Every transient rule fired as often as asked (the faults really happened) and was absorbed.
    for rule in rules["rules"].as_array().expect("rules") {
        if let Some(count) = rule["count"].as_u64() {
            assert_eq!(
                rule["used"].as_u64(),
                Some(count),
                "rule not exhausted: {rule}"
            );
        }
    }

    // Nothing else lost: the faulted inventory is the clean one minus exactly what the gaps cover.
    let mut want = clean.clone();
    for f in want.functions.iter_mut() {
        if f.region == "eu-west-1" {
            f.resource_policies.clear();
        }
    }
    want.roles.clear();
    let mut got = faulted.clone();
    got.gaps.clear();
    assert_eq!(got.functions.len(), want.functions.len());
    for (g, w) in got.functions.iter().zip(&want.functions) {
        assert_eq!(g, w, "function {} differs beyond the gaps", w.name);
    }
    assert_eq!(got, want);
}

#[test]
fn lambda_denied_in_a_whole_region_leaves_region_wide_gaps() {
    let account = emulator::demo();
    let _exclusive = account.exclusive();
    account
        .emulator
        .set_faults(json!([{"service": "lambda", "region": "eu-west-1", "error": "AccessDenied"}]));
    let (code, faulted, stderr) = scan(account);
    account.emulator.clear_faults();
    assert_eq!(code, 3, "{stderr}");
    assert!(
        faulted.disabled_regions.is_empty(),
        "denied is not disabled"
    );
    assert!(faulted.functions.iter().all(|f| f.region == "us-east-1"));
    assert!(faulted.functions.iter().any(|f| f.region == "us-east-1"));
    assert!(!faulted.account_settings.contains_key("eu-west-1"));
    let region_wide = |operation: &str| {
        let kind = format!("{:?}", GapKind::AccessDenied);
        (
            "lambda".to_string(),
            operation.to_string(),
            Some("eu-west-1".to_string()),
            None,
            kind,
        )
    };
    let want: BTreeSet<GapKey> = [
        "GetAccountSettings",
        "ListFunctions",
        "ListEventSourceMappings",
    ]
    .into_iter()
    .map(region_wide)
    .collect();
    assert_eq!(gap_keys(&faulted), want);
}
