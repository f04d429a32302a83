//! The check registry (`checks/src/catalog`, printed by `lambda-posture checks --format json`) is the one authoritative
//! list of check ids. The demo seeder cannot read it (python), so it keeps its own copy, `CHECK_IDS` in
//! `mocks/seedlib/expect.py`, from which `mocks/demo-expectations.json` is generated: both are held to the registry
//! here, in its order.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use support::cli::{code, run, stderr};
use support::{expectations, root, run_ok};

/// The ids of the registry, in catalogue order, as the binary lists them.
fn registry_ids() -> Vec<String> {
    let out = run(&["checks", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let checks: Value = serde_json::from_slice(&out.stdout).expect("checks --format json");
    checks
        .as_array()
        .expect("a list of checks")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn the_seeders_check_list_is_the_registrys() {
    let registry = registry_ids();
    assert!(registry.len() > 30, "only {} checks listed", registry.len());
    let seeder = run_ok(
        Command::new("python3")
            .current_dir(root().join("mocks"))
            .args([
                "-c",
                "import json; from seedlib.expect import CHECK_IDS; print(json.dumps(CHECK_IDS))",
            ]),
        "python3 (seedlib.expect)",
    );
    let seeder: Vec<String> = serde_json::from_slice(&seeder).expect("a JSON list");
    assert_eq!(
        seeder, registry,
        "CHECK_IDS in mocks/seedlib/expect.py must list the registry's checks (checks/src/catalog, authoritative) \
         in its order: add or remove the check there, then regenerate mocks/demo-expectations.json"
    );
    let expectations = expectations::load();
    let expected: BTreeSet<&str> = expectations.checks.keys().map(String::as_str).collect();
    let registry: BTreeSet<&str> = registry.iter().map(String::as_str).collect();
    assert_eq!(
        expected, registry,
        "mocks/demo-expectations.json is stale: regenerate it from mocks/seedlib/expect.py (mocks/SEEDING.md)"
    );
}
