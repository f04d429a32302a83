//! Test support for the app's integration tests, one module for all of them (`mod support;`): where the shared
//! inputs are (this file), running the binary ([`cli`]), the emulated AWS account ([`emulator`]), and judging a
//! report ([`report`], [`expectations`], [`github_sarif`]). Its python helpers (`planted.py`,
//! `env_values_absent.py`) read the emulated account for the live tests.

// Cargo compiles this module into each test binary on its own, and each uses only part of it: without this, every
// binary would warn about the helpers the others use.
#![allow(dead_code)]

pub mod cli;
pub mod emulator;
pub mod expectations;
pub mod github_sarif;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_posture_checks::inventory::Inventory;
use serde_json::Value;

/// The repository root (the app crate's manifest directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The recorded inventory of the demo account (`bash mocks/record_demo.sh`).
pub fn demo_path() -> PathBuf {
    root().join("mocks/demo-account.json")
}

/// The recorded demo inventory as JSON, to change a field of it.
pub fn demo_json() -> Value {
    read_json(&demo_path())
}

/// The recorded demo inventory, parsed.
pub fn demo_inventory() -> Inventory {
    let text = std::fs::read_to_string(demo_path()).expect("mocks/demo-account.json is committed");
    Inventory::from_json("mocks/demo-account.json", &text).expect("valid inventory")
}

/// The demo inventory as collected without IAM (`GetAccountAuthorizationDetails` denied), written in `dir`: every role
/// check says Unknown, for the outputs' Unknown records (the recorded demo has none of its own).
pub fn demo_with_iam_denied(dir: &Path) -> PathBuf {
    let mut demo = demo_json();
    demo["accounts"][0]["gaps"]
        .as_array_mut()
        .expect("the demo lists its gaps")
        .push(serde_json::json!({
            "service": "iam",
            "operation": "GetAccountAuthorizationDetails",
            "kind": "access-denied",
            "error": "AccessDenied: not authorized to perform iam:GetAccountAuthorizationDetails"
        }));
    write_json(dir, "demo-iam-denied.json", &demo)
}

/// A small hand-made inventory (one account, four functions in two regions) for CLI behaviour that does not need
/// the whole demo account.
pub fn fixture() -> PathBuf {
    root().join("tests/fixtures/inventory.json")
}

pub fn fixture_json() -> Value {
    read_json(&fixture())
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Write `text` as an inventory/report/config file in `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    write(dir, name, &serde_json::to_string_pretty(value).unwrap())
}

/// Run a helper program that must succeed (a seeder, a python script); its stdout. Panics naming `what`, with
/// both streams, when it cannot start or fails.
pub fn run_ok(cmd: &mut Command, what: &str) -> Vec<u8> {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Say loudly that a test skipped itself. Written to the process's stderr directly, which the test harness does not
/// capture (it captures `eprintln!`), so the message shows in a plain `cargo test` run.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {why}\n");
}
