//! `lambda-posture diff`: two JSON reports of the hand-made inventory, before and after changes.

mod support;

use serde_json::Value;

use support::{cli::*, report::*, *};

/// OLD = the fixture; NEW = orders-api fixed (tracing Active), legacy-billing deleted, a new function added.
fn reports(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let old = write_json(dir, "old.json", &scan_json(&fixture(), &[]));
    let mut inventory = fixture_json();
    let functions = inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap();
    functions[0]["tracing_mode"] = "Active".into();
    functions.retain(|f| f["name"] != "legacy-billing");
    let mut added = functions[0].clone();
    added["name"] = "payments-webhook".into();
    added["arn"] = "arn:aws:lambda:us-east-1:111122223333:function:payments-webhook".into();
    added["tracing_mode"] = "PassThrough".into();
    functions.push(added);
    let inventory_path = write_json(dir, "new-inventory.json", &inventory);
    let new = write_json(dir, "new.json", &scan_json(&inventory_path, &[]));
    (old, new)
}

#[test]
fn new_resolved_and_unchanged_by_stable_id() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = reports(dir.path());
    let out = run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema_errors("diff.schema.json", &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let pick = |list: &str, check: &str| -> Vec<(String, String)> {
        json[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["check_id"] == check)
            .map(|e| {
                (
                    e["resource_name"].as_str().unwrap().to_string(),
                    e["resolution"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        pick("new_findings", "tracing-off"),
        [("payments-webhook".to_string(), String::new())]
    );
    let mut resolved = pick("resolved_findings", "tracing-off");
    resolved.sort();
    assert_eq!(
        resolved,
        [
            ("legacy-billing".to_string(), "function-gone".to_string()),
            ("orders-api".to_string(), "fixed".to_string())
        ]
    );
    assert_eq!(
        pick("unchanged_findings", "tracing-off"),
        [("image-resizer".to_string(), String::new())]
    );
}

#[test]
fn table_summarises_and_fail_on_gates_on_new_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = reports(dir.path());
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = run(&["diff", old, new]);
    let text = stdout(&out);
    assert!(
        text.contains("New (") && text.contains("Resolved (") && text.contains("function gone"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    // The new tracing-off finding is low: gating on low fails, on critical passes (the added function copies
    // orders-api, so whatever else it fails was already failing on orders-api: compare against that).
    let json: Value =
        serde_json::from_slice(&run(&["diff", old, new, "--format", "json"]).stdout).unwrap();
    let worst_new = json["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "fail")
        .map(|e| e["severity"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(worst_new.contains(&"low".to_string()));
    assert_eq!(code(&run(&["diff", old, new, "--fail-on", "low"])), 1);
    assert_eq!(
        code(&run(&["diff", old, old, "--fail-on", "info"])),
        0,
        "a report compared with itself adds nothing"
    );
    let same: Value =
        serde_json::from_slice(&run(&["diff", old, old, "--format", "json"]).stdout).unwrap();
    assert_eq!(same["summary"]["new"], 0);
    assert_eq!(same["summary"]["resolved"], 0);
}

#[test]
fn bad_files_give_one_line_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (old, _) = reports(dir.path());
    let garbage = write(dir.path(), "garbage.json", "{ nope");
    let inventory = fixture();
    for (bad, needle) in [
        (garbage.to_str().unwrap().to_string(), "not valid JSON"),
        (
            inventory.to_str().unwrap().to_string(),
            "not a lambda-posture JSON report",
        ),
        (
            dir.path()
                .join("missing.json")
                .to_str()
                .unwrap()
                .to_string(),
            "cannot read the report file",
        ),
    ] {
        let out = run(&["diff", old.to_str().unwrap(), &bad]);
        assert_eq!(code(&out), 2);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(&bad) && err.contains(needle), "{err}");
    }
}
