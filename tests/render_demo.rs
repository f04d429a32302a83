//! Every report on the recorded demo inventory (`mocks/demo-account.json`): each format snapshotted, the JSON
//! outputs validated against their schemas, stable ids proved stable, `unused` listing exactly the functions the
//! seeder left idle (`mocks/demo-expectations.json`), and `diff` between the demo and a changed copy of it.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use support::{cli::*, report::*, *};

fn expectations() -> Value {
    let text = std::fs::read_to_string(root().join("mocks/demo-expectations.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn demo_inventory_renders_in_every_format() {
    for format in ["table", "json", "csv", "sarif", "asff", "html"] {
        let out = scan(&demo_path(), &["--format", format]);
        assert_eq!(
            code(&out),
            0,
            "{format}: the recorded demo is complete: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        match format {
            "table" => {
                assert!(
                    text.lines().all(|l| l.chars().count() <= 80),
                    "table wider than 80 columns"
                );
                assert!(!text.contains('\x1b'), "no colour off a terminal");
            }
            "json" => {
                let json = serde_json::from_str(&text).unwrap();
                let errors = schema_errors("report.schema.json", &json);
                assert!(errors.is_empty(), "{errors:#?}");
            }
            "csv" => {
                let rows = csv::Reader::from_reader(text.as_bytes()).records().count();
                let json = scan_json(&demo_path(), &[]);
                assert_eq!(
                    rows,
                    json["findings"].as_array().unwrap().len(),
                    "one CSV row per finding"
                );
            }
            "sarif" | "asff" => {
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{format} is not JSON: {e}"));
            }
            _ => assert!(
                text.starts_with("<!DOCTYPE html>") && !text.contains("<script"),
                "self-contained HTML"
            ),
        }
        insta::assert_snapshot!(format!("demo_{format}"), text);
    }
}

/// The demo summarised by the controls of each framework (`scan --framework NAME`): the table's control section.
#[test]
fn demo_framework_tables() {
    for framework in ["aws-fsbp", "cis-aws", "nist-800-53-r5", "pci-dss-v4"] {
        let out = scan(&demo_path(), &["--framework", framework]);
        assert_eq!(code(&out), 0, "{framework}: {}", stderr(&out));
        let text = stdout(&out);
        let section: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Controls · "))
            .take_while(|l| !l.starts_with("Functions, worst first"))
            .collect();
        assert!(!section.is_empty(), "{framework}: no control section");
        insta::assert_snapshot!(format!("demo_framework_{framework}"), section.join("\n"));
    }
}

/// Every `masked_preview` under `value`, with its JSON path.
fn masked_previews(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("masked_preview", Value::String(preview)) => {
                        out.push((path.to_string(), preview.clone()))
                    }
                    _ => masked_previews(v, &format!("{path}.{key}"), out),
                }
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                masked_previews(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn secret_evidence_is_masked_in_the_report() {
    let json = scan_json(&demo_path(), &[]);
    let mut previews = Vec::new();
    masked_previews(&json, "", &mut previews);
    assert!(
        previews.len() >= 5,
        "the demo plants secrets in environment variables: {previews:?}"
    );
    for (path, preview) in previews {
        // At most four leading characters, then the length: never enough of the value to use it.
        let (shown, rest) = preview
            .split_once('…')
            .unwrap_or_else(|| panic!("{path}: `{preview}` is not masked"));
        assert!(
            shown.chars().count() <= 4,
            "{path}: `{preview}` shows too much"
        );
        assert!(
            rest.starts_with('(') && rest.ends_with(" chars)"),
            "{path}: `{preview}`"
        );
    }
}

#[test]
fn unused_lists_exactly_the_functions_the_seeder_left_idle() {
    let expected: BTreeSet<String> = names(&expectations()["checks"]["unused-function"]["fail"])
        .into_iter()
        .collect();
    assert!(
        !expected.is_empty(),
        "the demo expectations name idle functions"
    );
    let out = run(&[
        "unused",
        "--inventory",
        demo_path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema_errors("unused.schema.json", &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let listed = unused_names(&json);
    assert_eq!(
        listed
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(listed.len(), expected.len(), "each idle function once");
    assert!(
        json["unknown"].as_array().unwrap().is_empty(),
        "every function's metrics were collected"
    );
    // Idle longest first: never-invoked before invoked-long-ago, then by idle days, then oldest code first.
    let keys: Vec<(bool, i64, String)> = json["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["last_invocation"].is_string(),
                -u["idle_days"].as_i64().unwrap(),
                u["last_modified"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by idle time");
    // recs-model-warmup still pays for provisioned concurrency; legacy-report-2019 keeps its EventBridge trigger.
    let entry = |name: &str| {
        json["unused"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap()
            .clone()
    };
    assert!(!entry("recs-model-warmup")["provisioned_concurrency"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(entry("legacy-report-2019")["triggers"][0]["source"]
        .as_str()
        .unwrap()
        .contains("events"));
    // The same functions fail the unused-function check of the scan.
    let scan = scan_json(&demo_path(), &[]);
    let failing: BTreeSet<String> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "unused-function" && f["status"] == "fail")
        .map(|f| f["resource_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failing, expected);
    let table = stdout(&run(&[
        "unused",
        "--inventory",
        demo_path().to_str().unwrap(),
    ]));
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    insta::assert_snapshot!("demo_unused_table", table);
}

/// Finding id → (check id, resource ARN, discriminator).
fn identities(json: &Value) -> BTreeMap<String, (String, String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let identity = (
                f["check_id"].as_str().unwrap().to_string(),
                f["resource_arn"].as_str().unwrap().to_string(),
                f["discriminator"].as_str().unwrap_or("").to_string(),
            );
            (f["id"].as_str().unwrap().to_string(), identity)
        })
        .collect()
}

#[test]
fn finding_ids_are_stable_across_scans_and_reordering() {
    let first = scan_json(&demo_path(), &[]);
    let second = scan_json(&demo_path(), &[]);
    assert_eq!(
        first, second,
        "two scans of one inventory give the same report"
    );
    let ids = identities(&first);
    assert_eq!(
        ids.len(),
        first["findings"].as_array().unwrap().len(),
        "one id per finding, no collision"
    );
    // Everything listed in reverse: functions, regions, roles, and the lists inside each function.
    let mut reordered = demo_json();
    for account in reordered["accounts"].as_array_mut().unwrap() {
        for key in ["functions", "regions", "roles"] {
            if let Some(list) = account[key].as_array_mut() {
                list.reverse();
            }
        }
        for function in account["functions"].as_array_mut().unwrap() {
            for key in [
                "resource_policies",
                "aliases",
                "versions",
                "event_source_mappings",
                "layers",
            ] {
                if let Some(list) = function[key].as_array_mut() {
                    list.reverse();
                }
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let reordered = write_json(dir.path(), "reordered.json", &reordered);
    let third = scan_json(&reordered, &[]);
    let unused = |inventory: &std::path::Path| {
        stdout(&run(&[
            "unused",
            "--inventory",
            inventory.to_str().unwrap(),
            "--format",
            "json",
        ]))
    };
    assert_eq!(
        unused(&demo_path()),
        unused(&reordered),
        "`unused` does not depend on listing order either"
    );
    assert_eq!(
        identities(&third),
        ids,
        "ids depend on what is found where, not on listing order"
    );
    // And the same findings, word for word, in the same order (compared one by one to keep a failure readable).
    let (before, after) = (
        first["findings"].as_array().unwrap(),
        third["findings"].as_array().unwrap(),
    );
    for (a, b) in before.iter().zip(after) {
        assert_eq!(
            (&a["id"], &a["message"], &a["evidence"]),
            (&b["id"], &b["message"], &b["evidence"])
        );
    }
    assert_eq!(before, after);
}

#[test]
fn diff_against_a_changed_account_by_stable_id() {
    let dir = tempfile::tempdir().unwrap();
    let old_report = dir.path().join("old.json");
    let out = scan(
        &demo_path(),
        &["--format", "json", "--output", old_report.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The new scan: tracing turned on for search-indexer, and notify-slack deleted.
    let mut changed = demo_json();
    let functions = changed["accounts"][0]["functions"].as_array_mut().unwrap();
    functions.retain(|f| f["name"] != "notify-slack");
    let indexer = functions
        .iter_mut()
        .find(|f| f["name"] == "search-indexer")
        .unwrap();
    indexer["tracing_mode"] = "Active".into();
    let changed = write_json(dir.path(), "changed.json", &changed);
    let new_report = dir.path().join("new.json");
    scan(
        &changed,
        &["--format", "json", "--output", new_report.to_str().unwrap()],
    );
    let (old, new) = (old_report.to_str().unwrap(), new_report.to_str().unwrap());
    let out = run(&["diff", old, new, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema_errors("diff.schema.json", &diff);
    assert!(errors.is_empty(), "{errors:#?}");
    let resolved: BTreeSet<(String, String, String)> = diff["resolved_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("resource_name"), s("check_id"), s("resolution"))
        })
        .collect();
    assert!(
        resolved.contains(&(
            "search-indexer".into(),
            "tracing-off".into(),
            "fixed".into()
        )),
        "{resolved:#?}"
    );
    assert!(resolved
        .iter()
        .filter(|(n, _, _)| n != "search-indexer")
        .all(|(n, _, r)| n == "notify-slack" && r == "function-gone"));
    let old_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&old_report).unwrap()).unwrap();
    let of_slack = old_json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["resource_name"] == "notify-slack")
        .count();
    assert_eq!(
        diff["summary"]["resolved"].as_u64().unwrap() as usize,
        of_slack + 1
    );
    assert_eq!(
        diff["summary"]["new"], 0,
        "nothing new: {:#?}",
        diff["new_findings"]
    );
    let table = stdout(&run(&["diff", old, new]));
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    assert!(
        table.contains("function gone") && table.contains("fixed"),
        "{table}"
    );
}
