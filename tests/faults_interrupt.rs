//! Ctrl-C (SIGINT) or SIGTERM in the middle of collection: the process exits promptly with 130 or 143, says so, and
//! leaves no output file (neither the report nor the inventory, nor a temporary file next to them).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::emulator;

/// Lambda calls the emulator has answered so far.
fn lambda_calls(emulator: &emulator::Emulator) -> u64 {
    let stats = emulator.stats();
    stats["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter(|op| op["service"] == "lambda")
        .map(|op| op["calls"].as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn ctrl_c_exits_130_at_once_and_writes_nothing() {
    interrupt_mid_collection("-INT", 130);
}

#[test]
fn sigterm_exits_143_at_once_and_writes_nothing() {
    interrupt_mid_collection("-TERM", 143);
}

/// Send `signal` once the scan is collecting (listing done, per-function calls under way); expect `code`.
fn interrupt_mid_collection(signal: &str, code: i32) {
    // AWS's own rates: 40 functions take the scanner well over ten seconds.
    let emulator = emulator::Emulator::start(&["--quotas", "on", "--seed", "3"]);
    emulator.seed_scale(40, "us-east-1");
    emulator.clear_stats();
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.json");
    let inventory = dir.path().join("inventory.json");
    let mut child = emulator
        .lambda_posture_process()
        .args([
            "scan",
            "--quiet",
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "--output",
        ])
        .arg(&report)
        .arg("--save-inventory")
        .arg(&inventory)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lambda-posture");

    // Mid-scan: listing done, per-function calls under way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while lambda_calls(&emulator) < 30 {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the scan ended before the interrupt"
        );
        assert!(Instant::now() < deadline, "the scan did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let interrupted = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("poll") {
            break exit;
        }
        if interrupted.elapsed() > Duration::from_secs(2) {
            let _ = child.kill();
            panic!("still running 2 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit.code(), Some(code), "stderr: {stderr}");
    assert!(
        stderr.contains("interrupted: nothing was written"),
        "stderr: {stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}
