//! The recorded demo inventory (`mocks/demo-account.json`) evaluates to exactly what the seeder planted.

mod support;

use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;

use support::{cli, demo_inventory, expectations, report};

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
    let expected = expectations::load();
    let report = engine::evaluate(&inventory, &expected.config());
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
    expectations::assert_report_matches(&report, &expected, skip);
}

/// Issue 16 item 4: a check off by default (function-not-in-vpc) gives no finding with the default configuration —
/// not even on the functions it fails once enabled — and the report names it once as not run.
#[test]
fn a_check_off_by_default_gives_no_finding_until_enabled() {
    let inventory = demo_inventory();
    let report = engine::evaluate(&inventory, &ValidConfig::default());
    let expected = expectations::load();
    assert!(!expected.enabled.is_empty());
    for id in &expected.enabled {
        assert!(
            !expected.checks[id].fail.is_empty(),
            "{id}: the demo plants no failure"
        );
        assert!(report.findings.iter().all(|f| &f.check_id != id), "{id}");
        assert!(!report.checks_run.contains(id), "{id} ran");
        assert_eq!(
            report
                .checks_not_run
                .iter()
                .filter(|c| &c.check_id == id)
                .map(|c| c.reason.as_str())
                .collect::<Vec<_>>(),
            ["off by default: add it to `enabled` in the configuration"]
        );
    }
}

#[test]
fn demo_inventory_holds_no_planted_secret() {
    let text = std::fs::read_to_string(support::demo_path()).unwrap();
    report::assert_secrets_masked(&text);
}

/// Issue 10 item 6: a check the user did not ask for is not run, not Unknown. The demo as `scan` records it without
/// `--scan-code` (no function has a code scan): code-secret is no record in any format — no finding, row, result,
/// ASFF or OCSF event — and is said once, as not run: `checks_not_run` (not `checks_run`) in the JSON report, one
/// summary line in the table, the HTML page and the SARIF run.
#[test]
fn a_check_not_asked_for_is_no_record_in_any_format() {
    let mut demo = support::demo_json();
    for account in demo["accounts"].as_array_mut().unwrap() {
        for function in account["functions"].as_array_mut().unwrap() {
            function.as_object_mut().unwrap().remove("code_scan");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_json(dir.path(), "demo-without-code-scan.json", &demo);
    let line = "not run: code-secret (run with --scan-code)";
    let check = "code-secret";
    for format in ["table", "json", "csv", "sarif", "asff", "ocsf", "html"] {
        let out = cli::scan(&path, &["--format", format]);
        assert!(
            [0, 1].contains(&cli::code(&out)),
            "{format}: {}",
            cli::stderr(&out)
        );
        let text = cli::stdout(&out);
        let json = || serde_json::from_str::<serde_json::Value>(&text).unwrap();
        let ids = |list: &serde_json::Value, pointer: &str| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|v| v.pointer(pointer).unwrap().as_str().unwrap().to_string())
                .collect()
        };
        match format {
            "json" => {
                let report = json();
                assert!(!ids(&report["findings"], "/check_id")
                    .iter()
                    .any(|c| c == check));
                assert!(!report["checks_run"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == check));
                assert_eq!(
                    report["checks_not_run"],
                    serde_json::json!([
                        { "check_id": check, "reason": "run with --scan-code" },
                        {
                            "check_id": "log-group-no-cmk",
                            "reason": "off by default: add it to `enabled` in the configuration"
                        },
                        {
                            "check_id": "function-not-in-vpc",
                            "reason": "off by default: add it to `enabled` in the configuration"
                        }
                    ])
                );
            }
            "csv" => {
                let mut rows = csv::Reader::from_reader(text.as_bytes());
                let column = rows
                    .headers()
                    .unwrap()
                    .iter()
                    .position(|h| h == "check_id")
                    .unwrap();
                assert!(
                    rows.records().all(|r| &r.unwrap()[column] != check),
                    "a code-secret row"
                );
            }
            "sarif" => {
                let run = &json()["runs"][0];
                assert!(!ids(&run["results"], "/ruleId").iter().any(|c| c == check));
                let notes = ids(
                    &run["invocations"][0]["toolExecutionNotifications"],
                    "/message/text",
                );
                // One line for every check not run (the checks off by default follow code-secret).
                assert_eq!(
                    notes.iter().filter(|n| n.starts_with(line)).count(),
                    1,
                    "{notes:?}"
                );
            }
            "asff" => assert!(!ids(&json(), "/GeneratorId").iter().any(|c| c == check)),
            "ocsf" => assert!(!ids(&json(), "/finding_info/analytic/uid")
                .iter()
                .any(|c| c == check)),
            _ => {
                // Table and HTML: the check is named once, in the summary line, and nowhere else.
                assert_eq!(text.matches(line).count(), 1, "{format}: the not-run line");
                assert_eq!(
                    text.matches(check).count(),
                    1,
                    "{format}: code-secret named outside the summary"
                );
            }
        }
    }
}
