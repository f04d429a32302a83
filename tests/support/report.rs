//! Helpers shared by the CLI and renderer integration tests: run the binary, read fixtures, validate schemas.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The hand-made inventory used until the recorded demo inventory is merged.
pub fn fixture() -> PathBuf {
    root().join("tests/fixtures/inventory.json")
}

pub fn fixture_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap()
}

/// Write `value` as an inventory/report/config file in `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    write(dir, name, &serde_json::to_string_pretty(value).unwrap())
}

/// Run lambda-posture with `args` in a clean temporary working directory (no stray config, no colour variables).
pub fn run(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
        .args(args)
        .current_dir(cwd.path())
        .env_remove("LAMBDA_POSTURE_CONFIG")
        .env_remove("NO_COLOR")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// `scan --inventory FIXTURE <extra>`: stdout, checked to exit with one of the documented codes.
pub fn scan(inventory: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--inventory", inventory.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

pub fn scan_json(inventory: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = scan(inventory, &args);
    assert!(
        [0, 1, 3].contains(&code(&out)),
        "scan failed: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Errors of `instance` against `schema/<file>` (empty = valid).
pub fn schema_errors(schema_file: &str, instance: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema").join(schema_file)).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{schema_file}: invalid schema: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect()
}

/// Mask what changes between runs of a real scan (nothing yet: reports are deterministic for one inventory).
pub fn assert_deterministic(a: &str, b: &str) {
    assert_eq!(
        a, b,
        "two runs on the same inventory must give identical output"
    );
}

/// Say loudly that a test skipped itself. Written to the process's stderr directly, which the test harness does not
/// capture (it captures `eprintln!`), so the message shows in a plain `cargo test` run.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {why}\n");
}

/// The function names an `unused --format json` report lists, in its order.
pub fn unused_names(json: &Value) -> Vec<&str> {
    json["unused"]
        .as_array()
        .expect("an `unused` array")
        .iter()
        .map(|u| u["name"].as_str().expect("a name"))
        .collect()
}
