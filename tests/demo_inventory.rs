//! The recorded demo inventory (`mocks/demo-account.json`) evaluates to exactly what the seeder planted.

mod support;

use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;

use support::{demo_inventory, expectations, report};

#[test]
fn demo_inventory_covers_the_seeded_account() {
    let inventory = demo_inventory();
    let expected = expectations::load();
    let account = &inventory.accounts[0];
    assert_eq!(account.account_id, expected.account_id);
    for region in &expected.regions {
        assert!(
            account.regions.contains(region),
            "region {region} not scanned"
        );
    }
    let names: std::collections::BTreeSet<&str> =
        account.functions.iter().map(|f| f.name.as_str()).collect();
    for name in expected.functions.keys() {
        assert!(
            names.contains(name.as_str()),
            "function {name} missing from the recorded inventory"
        );
    }
    assert!(
        account.gaps.is_empty(),
        "the recorded demo has gaps: {:?}",
        account.gaps
    );
}

#[test]
fn demo_inventory_fails_exactly_the_planted_checks() {
    let inventory = demo_inventory();
    let report = engine::evaluate(&inventory, &ValidConfig::default());
    // code-secret is compared once the demo is recorded with --scan-code (mocks/record_demo.sh, LP_RECORD_FLAGS).
    let recorded_with_code_scan = inventory.accounts[0]
        .functions
        .iter()
        .any(|f| f.code_scan.is_some());
    let skip: &[&str] = if recorded_with_code_scan {
        &[]
    } else {
        &["code-secret"]
    };
    expectations::assert_report_matches(&report, &expectations::load(), skip);
}

#[test]
fn demo_inventory_holds_no_planted_secret() {
    let text = std::fs::read_to_string(support::demo_path()).unwrap();
    report::assert_secrets_masked(&text);
}
