//! `lambda-posture unused` on the hand-made inventory: idle order, triggers, billing, shared roles, unknowns.

mod support;

use serde_json::Value;

use support::{cli::*, report::*, *};

fn unused(args: &[&str]) -> std::process::Output {
    let inventory = fixture();
    let mut all = vec!["unused", "--inventory", inventory.to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn json_lists_idle_functions_longest_first_and_unknowns_apart() {
    let out = unused(&["--format", "json"]);
    assert_eq!(
        code(&out),
        3,
        "a function's metrics are missing: incomplete; {}",
        stderr(&out)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema_errors("unused.schema.json", &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let names = unused_names(&json);
    assert_eq!(
        names,
        ["legacy-billing"],
        "reports-cron ran 73 days ago, below the 90-day threshold"
    );
    let legacy = &json["unused"][0];
    assert_eq!(legacy["last_invocation"], Value::Null);
    assert_eq!(legacy["window_days"], 90);
    assert_eq!(legacy["last_modified"], "2023-02-10");
    assert_eq!(legacy["provisioned_concurrency"][0]["executions"], 2);
    assert_eq!(
        legacy["role_shared_with"],
        serde_json::json!(["orders-api"])
    );
    let kinds: Vec<&str> = legacy["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["event-source-mapping", "resource-policy"]);
    let unknown: Vec<&str> = json["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        unknown,
        ["image-resizer"],
        "missing metrics are unknown, never used or unused"
    );
    assert!(json["unknown"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("GetMetricData"));
}

#[test]
fn a_lower_threshold_from_the_config_lists_more_functions() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "lp.toml", "[thresholds]\nunused_days = 30\n");
    let out = unused(&["--format", "json", "--config", config.to_str().unwrap()]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = unused_names(&json);
    assert_eq!(
        names,
        ["legacy-billing", "reports-cron"],
        "never-in-90-days first, then 73 days idle"
    );
    assert_eq!(json["unused"][1]["idle_days"], 73);
}

#[test]
fn table_fits_80_columns_and_is_snapshotted() {
    let out = unused(&[]);
    let text = stdout(&out);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    assert!(
        text.contains("never in")
            && text.contains("90 days")
            && text.contains("Unknown: 1 function"),
        "{text}"
    );
    insta::assert_snapshot!("cli_unused_fixture_table", text);
}

#[test]
fn other_formats_are_refused_with_exit_2() {
    let out = unused(&["--format", "sarif"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("[possible values: table, json]"),
        "{}",
        stderr(&out)
    );
}
