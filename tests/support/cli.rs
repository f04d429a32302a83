//! Running the `lambda-posture` binary: offline in a clean working directory ([`run`], [`run_in`], [`scan`]), or
//! with an empty AWS environment ([`isolated`], [`capture`]); reading what it printed; its one-line errors.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

/// Run lambda-posture with `args` in a clean temporary working directory (no stray config, no colour variables).
pub fn run(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    run_in(cwd.path(), args)
}

/// Run lambda-posture with `args` in `cwd` (where a `lambda-posture.toml` may be picked up), without the
/// environment's config, colour and profile variables.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
        .args(args)
        .current_dir(cwd)
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

/// `scan --inventory INVENTORY <extra>` in a clean working directory.
pub fn scan(inventory: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--inventory", inventory.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

/// The JSON report of `scan --inventory INVENTORY --format json <extra>`, checked to exit with a documented code.
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

/// The binary with an empty AWS environment: no credentials, no profile, no config files, no instance metadata.
pub fn isolated() -> assert_cmd::Command {
    let mut cmd =
        assert_cmd::Command::cargo_bin("lambda-posture").expect("the lambda-posture binary");
    cmd.env_clear()
        .envs(isolated_env())
        .timeout(Duration::from_secs(600));
    cmd
}

/// The whole environment of an isolated run (after `env_clear`).
pub fn isolated_env() -> [(&'static str, std::ffi::OsString); 5] {
    [
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        (
            "AWS_CONFIG_FILE",
            "/nonexistent/lambda-posture-test/config".into(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/lambda-posture-test/credentials".into(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("NO_COLOR", "1".into()),
    ]
}

/// Run a prepared command (e.g. [`isolated`]); its exit code, stdout and stderr.
pub fn capture(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let output = cmd.output().expect("run lambda-posture");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Exit 2, nothing on stdout, and a single `error: …` line (no panic) holding every needle.
pub fn assert_one_line_error(code: i32, stdout: &str, stderr: &str, needles: &[&str]) {
    assert_eq!(code, 2, "exit code; stderr: {stderr}");
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "`{needle}` in: {stderr}");
    }
}
