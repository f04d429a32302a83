//! Hostile and mistaken local input, end to end through the binary (issue 12): out-of-range numbers, escape and bidi
//! characters in error messages, an output naming an input, `-o -`, oversized and binary input, duplicates, and
//! SIGINT/SIGTERM at any moment. Each: exit code, one clean line on stderr, and no file clobbered or left behind.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{cli::*, *};

/// Exit 2 with exactly one line on stderr, starting `error: `, holding every needle, and no raw control, bidi or
/// invisible character.
fn assert_clean_error(out: &std::process::Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("error: "), "{err}");
    let hidden = err.trim_end_matches('\n').chars().find(|&c| is_hidden(c));
    assert_eq!(hidden, None, "raw hidden character in: {err:?}");
    for needle in needles {
        assert!(err.contains(needle), "`{needle}` in: {err}");
    }
}

/// The characters the sanitiser must show as `<U+XXXX>` (the oracle, independent of the code under test).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{061C}')
}

#[test]
fn out_of_range_day_counts_are_one_line_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = demo_json();
    inventory["lookback_days"] = json!(4294967295u32);
    let path = write_json(dir.path(), "inv.json", &inventory);
    let out = run(&["scan", "--inventory", path.to_str().unwrap()]);
    assert_clean_error(&out, &["inv.json", "lookback_days", "between 1 and 455"]);
    let inventory = write_json(dir.path(), "demo.json", &demo_json());
    for key in [
        "error_rate_days",
        "unused_permission_days",
        "stale_days",
        "runtime_warning_days",
        "unused_days",
    ] {
        let config = write(
            dir.path(),
            "lp.toml",
            &format!("[thresholds]\n{key} = 4294967295\n"),
        );
        for command in ["scan", "unused"] {
            let out = run(&[
                command,
                "--inventory",
                inventory.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ]);
            assert_clean_error(
                &out,
                &["lp.toml", &format!("thresholds.{key}"), "out of range"],
            );
        }
    }
}

#[test]
fn out_of_range_number_flags_are_one_line_errors_not_panics() {
    for (flag, value) in [
        ("--attempt-timeout", "1e300"),
        ("--attempt-timeout", "0"),
        ("--max-rate", "1e-300"),
        ("--max-rate", "2"),
        ("--quota-scale", "nan"),
        ("--get-function-rate", "1e-300"),
        ("--get-policy-rate", "inf"),
        ("--control-plane-rate", "-1"),
    ] {
        let out = run(&["scan", "--regions", "us-east-1", &format!("{flag}={value}")]);
        assert_clean_error(&out, &[flag, "out of range"]);
    }
    // clap's own errors quote the value typed (clap drops escape sequences itself; the bidi override is ours)
    let out = run(&["scan", "--format", "\u{1b}]0;pwned\u{7}\u{202E}"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("<U+202E>"), "{err}");
    assert!(!err.chars().any(|c| c != '\n' && is_hidden(c)), "{err:?}");
    let out = run(&[
        "securityhub",
        "import",
        "findings.json",
        "--attempt-timeout",
        "1e300",
    ]);
    assert_clean_error(&out, &["--attempt-timeout", "out of range"]);
}

#[test]
fn escape_and_bidi_sequences_from_files_never_reach_stderr_raw() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "x\u{1b}]0;pwned\u{7}\u{202E}gnp.exe\u{200B}\u{2066}";
    // an unknown field name, an unknown enum variant and a map key in an inventory
    let mut unknown_field = demo_json();
    unknown_field["accounts"][0]["functions"][0][hostile] = json!(1);
    let mut bad_variant = demo_json();
    bad_variant["accounts"][0]["gaps"] =
        json!([{ "service": "lambda", "operation": "x", "kind": hostile, "error": "e" }]);
    for (name, inventory) in [("field.json", unknown_field), ("variant.json", bad_variant)] {
        let path = write_json(dir.path(), name, &inventory);
        let out = run(&["scan", "--inventory", path.to_str().unwrap()]);
        assert_clean_error(
            &out,
            &[
                name,
                "<U+001B>]0;pwned<U+0007><U+202E>gnp.exe<U+200B><U+2066>",
            ],
        );
    }
    // a config key and a report's field
    let config = write(
        dir.path(),
        "lp.toml",
        &format!(
            "[thresholds]\n\"{}\" = 3\n",
            hostile
                .replace('\u{1b}', "\\u001b")
                .replace('\u{7}', "\\u0007")
        ),
    );
    let inventory = write_json(dir.path(), "demo.json", &demo_json());
    let out = run(&[
        "scan",
        "--inventory",
        inventory.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_clean_error(&out, &["lp.toml"]);
    let report = json!({"schema_version": 1, "tool_version": "x", "collected_at": "2026-11-01T10:00:00Z",
                        "findings": [{ "id": "a", "check_id": "c", "title": "t", "severity": hostile, "status": "fail",
                                       "account_id": "1", "region": "r", "resource_arn": "a", "resource_name": "n", "message": "m" }]});
    let path = write_json(dir.path(), "report.json", &report);
    let out = run(&["diff", path.to_str().unwrap(), path.to_str().unwrap()]);
    assert_clean_error(&out, &["report.json", "<U+202E>"]);
}

#[test]
fn an_output_never_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write_json(dir.path(), "inv.json", &demo_json());
    let original = std::fs::read(&inventory).unwrap();
    let hard = dir.path().join("hard.json");
    std::fs::hard_link(&inventory, &hard).unwrap();
    let soft = dir.path().join("soft.json");
    std::os::unix::fs::symlink(&inventory, &soft).unwrap();
    let inv = inventory.to_str().unwrap();
    for output in [inv, hard.to_str().unwrap(), soft.to_str().unwrap()] {
        for command in ["scan", "unused"] {
            let out = run(&[command, "--inventory", inv, "-o", output]);
            assert_clean_error(
                &out,
                &["--output", "--inventory", "refusing to overwrite an input"],
            );
        }
    }
    let config = write(dir.path(), "lp.toml", "");
    let out = run(&[
        "scan",
        "--inventory",
        inv,
        "--config",
        config.to_str().unwrap(),
        "-o",
        config.to_str().unwrap(),
    ]);
    assert_clean_error(&out, &["--config", "refusing to overwrite an input"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "");
    let out = run(&[
        "scan",
        "--inventory",
        inv,
        "--format",
        "json",
        "-o",
        dir.path().join("a.json").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let a = dir.path().join("a.json");
    let a_text = std::fs::read(&a).unwrap();
    for output in [
        a.to_str().unwrap(),
        dir.path().join("./a.json").to_str().unwrap(),
    ] {
        let out = run(&[
            "diff",
            a.to_str().unwrap(),
            a.to_str().unwrap(),
            "-o",
            output,
        ]);
        assert_clean_error(
            &out,
            &[
                "--output",
                "the older report",
                "refusing to overwrite an input",
            ],
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), a_text);
    assert_eq!(
        std::fs::read(&inventory).unwrap(),
        original,
        "the input is untouched"
    );
    // --save-inventory and --output naming one file (checked before anything is collected)
    let same = dir.path().join("same.json");
    let out = run(&[
        "scan",
        "--save-inventory",
        same.to_str().unwrap(),
        "-o",
        same.to_str().unwrap(),
    ]);
    assert_clean_error(
        &out,
        &[
            "--output",
            "--save-inventory",
            "refusing to overwrite another output",
        ],
    );
}

#[test]
fn dash_means_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write_json(dir.path(), "inv.json", &demo_json());
    let inv = inventory.to_str().unwrap();
    let out = run_in(
        dir.path(),
        &["scan", "--inventory", inv, "--format", "json", "-o", "-"],
    );
    assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("the JSON report on stdout");
    let out = run_in(
        dir.path(),
        &["unused", "--inventory", inv, "--format", "json", "-o", "-"],
    );
    serde_json::from_slice::<Value>(&out.stdout).expect("unused JSON on stdout");
    let path = write_json(dir.path(), "r.json", &report);
    let out = run_in(
        dir.path(),
        &[
            "diff",
            path.to_str().unwrap(),
            path.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            "-",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_slice::<Value>(&out.stdout).expect("diff JSON on stdout");
    assert!(!dir.path().join("-").exists(), "no file named `-`");
}

#[test]
fn oversized_and_binary_input_fail_early_with_the_reason() {
    let started = Instant::now();
    let out = run(&["scan", "--inventory", "/dev/zero"]);
    assert_clean_error(&out, &["/dev/zero", "not a text file"]);
    let out = run(&["diff", "/dev/zero", "/dev/zero"]);
    assert_clean_error(&out, &["/dev/zero", "not a text file"]);
    let out = run(&[
        "scan",
        "--inventory",
        "/dev/null",
        "--config",
        "/dev/urandom",
    ]);
    assert_clean_error(&out, &["/dev/urandom"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "early, not after gigabytes"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = demo_json();
    inventory["accounts"][0]["functions"][0]["description"] = json!("x".repeat(2 << 20));
    let path = write_json(dir.path(), "big.json", &inventory);
    let out = run(&[
        "scan",
        "--inventory",
        path.to_str().unwrap(),
        "--max-input-mib",
        "1",
    ]);
    assert_clean_error(&out, &["big.json", "larger than 1 MiB", "--max-input-mib"]);
    let out = run(&[
        "scan",
        "--inventory",
        path.to_str().unwrap(),
        "--max-input-mib",
        "4",
    ]);
    assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
}

#[test]
fn duplicates_are_refused_not_silently_merged() {
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = demo_json();
    let first = inventory["accounts"][0]["functions"][0].clone();
    inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let path = write_json(dir.path(), "dup.json", &inventory);
    let out = run(&["scan", "--inventory", path.to_str().unwrap()]);
    assert_clean_error(&out, &["dup.json", "listed twice"]);
    let inventory = write_json(dir.path(), "inv.json", &demo_json());
    let out = run(&[
        "scan",
        "--inventory",
        inventory.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = report["findings"][0].clone();
    report["findings"].as_array_mut().unwrap().push(first);
    let path = write_json(dir.path(), "dup-report.json", &report);
    let out = run(&["diff", path.to_str().unwrap(), path.to_str().unwrap()]);
    assert_clean_error(&out, &["dup-report.json", "appears twice"]);
}

#[test]
fn a_detection_description_comes_from_the_rule_table_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = demo_json();
    let mut planted = false;
    for function in inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap()
    {
        for var in function["environment"].as_array_mut().unwrap() {
            for detection in var["detections"].as_array_mut().unwrap() {
                detection["description"] = json!("PLANTED-DESCRIPTION the secret is hunter2");
                planted = true;
            }
        }
    }
    assert!(planted, "the demo has detections");
    let path = write_json(dir.path(), "inv.json", &inventory);
    for format in ["table", "json", "csv", "html", "sarif", "asff"] {
        let out = run(&[
            "scan",
            "--inventory",
            path.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert!(!stdout(&out).contains("PLANTED-DESCRIPTION"), "{format}");
    }
}

/// An inventory of the demo's functions repeated `copies` times under new names (big enough that evaluating and
/// writing it takes a while).
fn big_inventory(dir: &Path, copies: usize) -> PathBuf {
    let mut inventory = demo_json();
    let functions = inventory["accounts"][0]["functions"]
        .as_array()
        .unwrap()
        .clone();
    let mut all = Vec::new();
    for i in 0..copies {
        for f in &functions {
            let mut f = f.clone();
            for key in ["arn", "name"] {
                f[key] = json!(format!("{}-copy{i}", f[key].as_str().unwrap()));
            }
            all.push(f);
        }
    }
    inventory["accounts"][0]["functions"] = Value::Array(all);
    write_json(dir, "big.json", &inventory)
}

#[test]
fn sigint_and_sigterm_at_any_moment_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = big_inventory(dir.path(), 25);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let report = out_dir.join("report.json");
    let start = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
            .args([
                "scan",
                "--inventory",
                inventory.to_str().unwrap(),
                "--format",
                format,
                "-o",
            ])
            .arg(&report)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let started = Instant::now();
    let status = start("html").wait().unwrap();
    let full = started.elapsed();
    assert!(
        status.code().is_some_and(|c| matches!(c, 0 | 1 | 3)),
        "{status:?}"
    );
    std::fs::remove_file(&report).unwrap();
    let mut interrupted = 0;
    for (i, fraction) in [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97]
        .iter()
        .enumerate()
    {
        let (signal, expected) = if i % 2 == 0 {
            ("-INT", 130)
        } else {
            ("-TERM", 143)
        };
        let child = start(if i % 3 == 0 { "json" } else { "html" });
        std::thread::sleep(full.mul_f64(*fraction));
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let left: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        match out.status.code() {
            Some(c) if c == expected => {
                interrupted += 1;
                assert!(left.is_empty(), "{signal} at {fraction}: left {left:?}");
                assert!(err.contains("interrupted: nothing was written"), "{err}");
            }
            // finished before the signal arrived: the report is complete
            Some(0 | 1 | 3) => {
                assert_eq!(left.len(), 1, "{left:?}");
                std::fs::remove_file(&report).unwrap();
            }
            other => panic!("{signal} at {fraction}: exit {other:?}, stderr {err}"),
        }
    }
    assert!(
        interrupted >= 4,
        "most signals land while the scan runs ({interrupted} did; full run {full:?})"
    );
}
