//! `scan --scan-code` end to end against the emulated demo account: exactly the code secrets the seeder planted
//! (source code, a config file, a .env file, a nested zip, a vendored module, a layer) are found, nothing in the
//! clean packages, and `code-secret` fails exactly the functions of mocks/demo-expectations.json.

#[allow(dead_code)]
#[path = "support/expectations.rs"]
mod expectations;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_posture_checks::config::Config;
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::Status;
use lambda_posture_checks::inventory::Inventory;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator on a free port; killed on drop (and it exits by itself once this process is gone).
struct Emulator {
    child: Child,
    endpoint: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(dir: &Path) -> Emulator {
    let setup = Command::new("bash").arg(root().join("mocks/setup.sh")).status().expect("run mocks/setup.sh");
    assert!(setup.success(), "mocks/setup.sh failed");
    let port_file = dir.join("port");
    let log = std::fs::File::create(dir.join("emulator.log")).expect("log");
    let child = Command::new(root().join("mocks/.venv/bin/python"))
        .arg(root().join("mocks/emulator/server.py"))
        .args(["--port", "0", "--idle-timeout", "600", "--parent-pid", &std::process::id().to_string(), "--port-file"])
        .arg(&port_file)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start the emulator");
    let mut emulator = Emulator { child, endpoint: String::new() };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(port) = std::fs::read_to_string(&port_file).ok().and_then(|t| t.trim().parse::<u16>().ok()) {
            emulator.endpoint = format!("http://127.0.0.1:{port}");
            return emulator;
        }
        assert!(emulator.child.try_wait().expect("emulator status").is_none(), "the emulator exited");
        assert!(Instant::now() < deadline, "the emulator did not start in 120 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success() || output.status.code() == Some(1),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// (function, source, path) → planted count, from the seeder's manifest; layer sources become layer ARNs.
fn planted(manifest: &Value) -> BTreeMap<(String, String, String), usize> {
    let mut planted = BTreeMap::new();
    for f in manifest["functions"].as_array().expect("functions") {
        let name = f["name"].as_str().expect("name").to_string();
        let layers: Vec<&str> = f["layers"].as_array().expect("layers").iter().filter_map(Value::as_str).collect();
        for secret in f["code_secrets"].as_array().expect("code_secrets") {
            let source = secret["source"].as_str().expect("source");
            let source = match source.strip_prefix("layer:") {
                Some(layer) => layers
                    .iter()
                    .find(|arn| arn.contains(&format!(":layer:{layer}:")))
                    .unwrap_or_else(|| panic!("layer {layer} of {name} not in the manifest"))
                    .to_string(),
                None => source.to_string(),
            };
            let path = secret["path"].as_str().expect("path").to_string();
            *planted.entry((name.clone(), source, path)).or_default() += 1;
        }
    }
    planted
}

#[test]
fn scan_code_finds_exactly_the_planted_secrets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emulator = start_emulator(dir.path());
    let manifest_path = dir.path().join("manifest.json");
    run(
        Command::new(root().join("mocks/.venv/bin/python"))
            .arg(root().join("mocks/seed_demo.py"))
            .args(["--endpoint", &emulator.endpoint, "--manifest"])
            .arg(&manifest_path),
        "seed_demo.py",
    );
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let regions: Vec<String> = {
        let set: BTreeSet<String> = manifest["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["region"].as_str().unwrap().to_string())
            .collect();
        set.into_iter().collect()
    };
    let inventory_path = dir.path().join("inventory.json");
    run(
        Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
            .args(["scan", "--scan-code", "--quiet", "--format", "json", "--regions", &regions.join(",")])
            .arg("--save-inventory")
            .arg(&inventory_path)
            .arg("--output")
            .arg(dir.path().join("report.json"))
            .env("AWS_ENDPOINT_URL", &emulator.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .current_dir(dir.path()),
        "lambda-posture scan --scan-code",
    );
    let text = std::fs::read_to_string(&inventory_path).expect("inventory written");
    let inventory = Inventory::from_json("inventory.json", &text).expect("valid inventory");
    let account = &inventory.accounts[0];

    let mut found: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for f in &account.functions {
        let scan = f.code_scan.as_ref().unwrap_or_else(|| panic!("{}: no code_scan", f.name));
        assert!(scan.unscanned.is_empty(), "{}: not scanned completely: {:?}", f.name, scan.unscanned);
        let sources: BTreeSet<&str> = scan.scanned.iter().map(|s| s.source.as_str()).collect();
        let expected: BTreeSet<&str> =
            std::iter::once("function").chain(f.layers.iter().map(|l| l.arn.as_str())).collect();
        assert_eq!(sources, expected, "{}: every package is scanned", f.name);
        for secret in &scan.findings {
            assert!(lambda_posture_checks::secrets::is_masked(&secret.masked_preview), "{secret:?}");
            *found.entry((f.name.clone(), secret.source.clone(), secret.path.clone())).or_default() += 1;
        }
    }
    let planted = planted(&manifest);
    let found_places: BTreeSet<_> = found.keys().collect();
    let planted_places: BTreeSet<_> = planted.keys().collect();
    let missed: Vec<_> = planted_places.difference(&found_places).collect();
    let extra: Vec<_> = found_places.difference(&planted_places).collect();
    assert!(missed.is_empty() && extra.is_empty(), "missed: {missed:#?}\nfalse positives: {extra:#?}");
    for (place, count) in &planted {
        assert!(found[place] >= *count, "{place:?}: {} found, {count} planted", found[place]);
    }

    // The check reading them fails exactly the planted functions, and is never Unknown.
    let report = engine::evaluate(&inventory, &Config::default());
    let with = |status: Status| -> BTreeSet<String> {
        report
            .findings
            .iter()
            .filter(|f| f.check_id == "code-secret" && f.status == status)
            .map(|f| f.resource_name.clone())
            .collect()
    };
    let expected = &expectations::load().checks["code-secret"];
    assert_eq!(with(Status::Fail), expected.fail.iter().cloned().collect::<BTreeSet<_>>());
    assert!(with(Status::Unknown).is_empty(), "{:?}", with(Status::Unknown));
    for name in &expected.pass_examples {
        assert!(!with(Status::Fail).contains(name), "{name} should pass");
    }

    // No secret in clear in the saved inventory.
    for needle in ["-----BEGIN", "AKIA", "ghp_", "xoxb-", "sk_live_", "postgres://"] {
        for (i, _) in text.match_indices(needle) {
            let context = &text[i.saturating_sub(40)..(i + 60).min(text.len())];
            assert!(context.contains('…'), "`{needle}` appears unmasked near: {context}");
        }
    }
}
