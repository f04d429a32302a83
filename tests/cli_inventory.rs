//! `scan --inventory FILE` with bad files: one `error:` line naming the file (and the field or version), exit 2,
//! nothing on stdout, no panic. No AWS and no emulator involved.

mod support;

use std::path::Path;

use support::cli;

fn scan_inventory(path: &Path) -> (i32, String, String) {
    cli::capture(cli::isolated().arg("scan").arg("--inventory").arg(path))
}

/// `scan --inventory PATH` fails with one error line naming the file and every needle.
fn assert_one_line_error(path: &Path, needles: &[&str]) {
    let (code, stdout, stderr) = scan_inventory(path);
    let file = path.file_name().unwrap().to_str().unwrap();
    let needles: Vec<&str> = std::iter::once(file)
        .chain(needles.iter().copied())
        .collect();
    cli::assert_one_line_error(code, &stdout, &stderr, &needles);
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_one_line_error(&dir.path().join("absent.json"), &[]);
}

#[test]
fn not_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.json");
    let text = std::fs::read_to_string(support::demo_path()).unwrap();
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    assert_one_line_error(&path, &["line"]);
}

#[test]
fn wrong_field_type_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-field.json");
    let mut json = support::demo_json();
    json["accounts"][0]["functions"][0]["timeout_seconds"] = serde_json::json!("thirty");
    std::fs::write(&path, json.to_string()).unwrap();
    assert_one_line_error(&path, &["timeout_seconds"]);
}

#[test]
fn json_that_is_not_an_object_is_not_an_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.json");
    // An array in the inventory's field order: a derived Deserialize would read it as one.
    std::fs::write(&path, r#"[1, "0.1.0", "2026-11-01T00:00:00Z", 90, []]"#).unwrap();
    assert_one_line_error(
        &path,
        &["schema_version", "is this a lambda-posture inventory"],
    );
}

#[test]
fn newer_schema_version_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.json");
    let mut json = support::demo_json();
    json["schema_version"] = serde_json::json!(999);
    std::fs::write(&path, json.to_string()).unwrap();
    assert_one_line_error(&path, &["999"]);
}

#[test]
fn the_demo_inventory_evaluates_offline_to_a_table() {
    let (code, stdout, stderr) = scan_inventory(&support::demo_path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("123456789012") && stdout.contains("legacy-report-2019"),
        "{stdout}"
    );
}
