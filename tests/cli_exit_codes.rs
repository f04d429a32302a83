//! Exit codes for CI gating: 0 clean, 1 findings at or above --fail-on, 2 error, 3 scan incomplete.

mod support;

use serde_json::Value;

use support::{cli::*, *};

/// The fixture without its gap (and with metrics for the function the gap hid): a complete scan.
fn complete_inventory(dir: &std::path::Path) -> std::path::PathBuf {
    let mut inventory = fixture_json();
    let account = &mut inventory["accounts"][0];
    account["gaps"] = Value::Array(vec![]);
    for function in account["functions"].as_array_mut().unwrap() {
        if function["metrics"].is_null() {
            function["metrics"] = serde_json::json!({"since": "2026-08-04", "until": "2026-11-01", "daily": [], "last_invocation": null});
        }
    }
    write_json(dir, "complete.json", &inventory)
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Rank of a severity name, critical highest.
fn rank(severity: &str) -> usize {
    5 - SEVERITIES.iter().position(|s| *s == severity).unwrap()
}

/// The exit code the documented rules give for this JSON report and threshold.
fn expected(json: &Value, threshold: &str) -> i32 {
    let failing =
        json["findings"].as_array().unwrap().iter().any(|f| {
            f["status"] == "fail" && rank(f["severity"].as_str().unwrap()) >= rank(threshold)
        });
    let incomplete = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| !a["gaps"].as_array().unwrap().is_empty());
    if failing {
        1
    } else if incomplete {
        3
    } else {
        0
    }
}

#[test]
fn exit_codes_follow_the_threshold_and_completeness() {
    let dir = tempfile::tempdir().unwrap();
    let complete = complete_inventory(dir.path());
    let mut seen = std::collections::BTreeSet::new();
    for inventory in [fixture(), complete.clone()] {
        let json = scan_json(&inventory, &[]);
        for threshold in SEVERITIES {
            let out = scan(&inventory, &["--fail-on", threshold]);
            assert_eq!(
                code(&out),
                expected(&json, threshold),
                "--fail-on {threshold} on {}",
                inventory.display()
            );
            seen.insert(code(&out));
        }
        let out = scan(&inventory, &[]);
        let without = if json["accounts"][0]["gaps"].as_array().unwrap().is_empty() {
            0
        } else {
            3
        };
        assert_eq!(
            code(&out),
            without,
            "no --fail-on: findings alone never fail the run"
        );
        seen.insert(code(&out));
    }
    // The fixture fails tracing-off (low) and has a gap: all three outcomes are exercised.
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [0, 1, 3]);
    assert_eq!(
        code(&scan(&complete, &["--fail-on", "LOW"])),
        1,
        "severity names are case-insensitive"
    );
}

#[test]
fn muted_findings_do_not_gate() {
    let dir = tempfile::tempdir().unwrap();
    let complete = complete_inventory(dir.path());
    let config = write(
        dir.path(),
        "lp.toml",
        "[[suppressions]]\nresource = \"*\"\nreason = \"accepted for the test\"\n",
    );
    let out = scan(
        &complete,
        &["--fail-on", "info", "--config", config.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "every finding is muted: {}", stderr(&out));
}

#[test]
fn errors_exit_2_with_one_line_naming_the_file() {
    let out = scan(std::path::Path::new("/nonexistent/inventory.json"), &[]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/inventory.json"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.toml",
        "[[suppressions]]\ncheck = \"tracing-off\"\n",
    );
    let out = scan(&fixture(), &["--config", config.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("`suppressions[0].reason`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = scan(&fixture(), &["--fail-on", "urgent"]);
    assert_eq!(code(&out), 2, "clap usage errors exit 2 as well");
}

#[test]
fn the_demo_account_gates_as_documented() {
    let demo = demo_path();
    assert_eq!(code(&scan(&demo, &[])), 0, "complete scan, no --fail-on");
    for threshold in SEVERITIES {
        // The demo fails checks of every severity, info included.
        assert_eq!(
            code(&scan(&demo, &["--fail-on", threshold])),
            1,
            "--fail-on {threshold}"
        );
    }
    // Everything muted: nothing left to gate on.
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "lp.toml",
        "[[suppressions]]\nresource = \"*\"\nreason = \"accepted for the test\"\n",
    );
    assert_eq!(
        code(&scan(
            &demo,
            &["--fail-on", "info", "--config", config.to_str().unwrap()]
        )),
        0
    );
    // `unused` is complete on the demo; `diff` accepts only table and json.
    let demo = demo.to_str().unwrap();
    assert_eq!(code(&run(&["unused", "--inventory", demo])), 0);
    let report = dir.path().join("r.json");
    assert_eq!(
        code(&scan(
            std::path::Path::new(demo),
            &["--format", "json", "-o", report.to_str().unwrap()]
        )),
        0
    );
    let out = run(&[
        "diff",
        report.to_str().unwrap(),
        report.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[possible values: table, json]"),
        "refused by clap, before reading the reports: {}",
        stderr(&out)
    );
}
