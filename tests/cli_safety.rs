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
    // merge: an account folder's report or inventory (by another name too), and the configuration
    let account = dir.path().join("org/accounts/111122223333");
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(account.join("report.json"), &a_text).unwrap();
    std::fs::write(account.join("inventory.json"), &original).unwrap();
    let org = dir.path().join("org");
    for output in [
        account.join("report.json"),
        dir.path()
            .join("org/./accounts/111122223333/inventory.json"),
    ] {
        let out = run(&[
            "merge",
            org.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ]);
        assert_clean_error(
            &out,
            &[
                "--output",
                "an account folder's",
                "refusing to overwrite an input",
            ],
        );
    }
    let out = run(&[
        "merge",
        org.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "-o",
        config.to_str().unwrap(),
    ]);
    assert_clean_error(&out, &["--config", "refusing to overwrite an input"]);
    assert_eq!(std::fs::read(account.join("report.json")).unwrap(), a_text);
    assert_eq!(
        std::fs::read(account.join("inventory.json")).unwrap(),
        original
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
    // an organisation scan's --output inside the account folders it writes (refused before any AWS call)
    let scan_dir = dir.path().join("scan");
    for (command, flag) in [("scan", "--output-dir"), ("unused", "--resume")] {
        let inside = scan_dir.join("./accounts/111111111111/report.json");
        let out = run(&[
            command,
            "--accounts",
            "111111111111",
            flag,
            scan_dir.to_str().unwrap(),
            "-o",
            inside.to_str().unwrap(),
        ]);
        assert_clean_error(&out, &["--output", "each account's files"]);
    }
    assert!(!scan_dir.exists(), "nothing written");
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
    // every other file input: the ASFF files of securityhub import, an organisation scan's accounts file, a merge's
    // account folders (all read before any AWS call)
    let dir = tempfile::tempdir().unwrap();
    let asff = write(dir.path(), "findings.asff.json", "[]");
    let asff = asff.to_str().unwrap();
    for (args, what) in [
        (vec!["securityhub", "import", "/dev/zero"], "an ASFF file"),
        (
            vec!["securityhub", "import", asff, "--previous", "/dev/zero"],
            "an ASFF file",
        ),
        (
            vec!["securityhub", "import", asff, "--resolved", "/dev/zero"],
            "a diff file",
        ),
        (
            vec![
                "scan",
                "--accounts-file",
                "/dev/zero",
                "--output-dir",
                dir.path().to_str().unwrap(),
            ],
            "an accounts file",
        ),
    ] {
        let out = run(&args);
        assert_clean_error(&out, &["/dev/zero", "not a text file", what]);
    }
    let account = dir.path().join("org/accounts/111122223333");
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(account.join("inventory.json"), "{}").unwrap();
    std::fs::write(account.join("report.json"), vec![b' '; (1 << 20) + 1]).unwrap();
    let org = dir.path().join("org");
    let out = run(&["merge", org.to_str().unwrap(), "--max-input-mib", "1"]);
    assert_clean_error(
        &out,
        &["report.json", "larger than 1 MiB", "--max-input-mib"],
    );
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

/// Where a run is when the signal comes, and how the test knows it is there.
enum Phase {
    /// Reading the inventory: it comes through a FIFO the test has only half written.
    Reading,
    /// After the debug line that ends the phase before (`-vv`): evaluating, rendering.
    After(&'static str),
    /// `--output` is a FIFO nobody reads: the report is complete and the run waits to write it into the pipe.
    WritingIntoAPipe,
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn sigint_and_sigterm_in_each_phase_reading_evaluating_rendering_writing() {
    use std::io::{BufRead, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let inventory = big_inventory(dir.path(), 25);
    let demo = std::fs::read(&inventory).unwrap();
    let phases = [
        ("reading the inventory", Phase::Reading),
        ("evaluating", Phase::After("inventory read")),
        ("rendering", Phase::After("checks evaluated")),
        ("writing into a pipe", Phase::WritingIntoAPipe),
    ];
    for (name, phase) in phases {
        for (signal, expected) in [("-INT", 130), ("-TERM", 143)] {
            let out_dir = tempfile::tempdir().unwrap();
            let input = match phase {
                Phase::Reading => {
                    let fifo = out_dir.path().join("inventory.fifo");
                    if !mkfifo(&fifo) {
                        eprintln!("skipped {name}: mkfifo is not installed");
                        continue;
                    }
                    fifo
                }
                _ => inventory.clone(),
            };
            let output = match phase {
                Phase::WritingIntoAPipe => {
                    let fifo = out_dir.path().join("report.fifo");
                    if !mkfifo(&fifo) {
                        eprintln!("skipped {name}: mkfifo is not installed");
                        continue;
                    }
                    fifo
                }
                _ => out_dir.path().join("report.html"),
            };
            let mut child = Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
                .args(["-vv", "scan", "--format", "html", "--inventory"])
                .arg(&input)
                .arg("-o")
                .arg(&output)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
            let mut seen = String::new();
            let wait_for = |line: &str, stderr: &mut std::io::BufReader<_>, seen: &mut String| loop {
                let mut next = String::new();
                assert_ne!(
                    stderr.read_line(&mut next).unwrap(),
                    0,
                    "{name}: no `{line}` in {seen}"
                );
                seen.push_str(&next);
                if next.contains(line) {
                    break;
                }
            };
            // held open (half written) until the run has ended, so it cannot finish reading
            let mut writer = None;
            match phase {
                Phase::Reading => {
                    // opening a FIFO for writing waits for the reader: the run is in the reading phase
                    let mut w = std::fs::OpenOptions::new()
                        .write(true)
                        .open(&input)
                        .unwrap();
                    w.write_all(&demo[..demo.len() / 2]).unwrap();
                    writer = Some(w);
                }
                Phase::After(line) => wait_for(line, &mut stderr, &mut seen),
                Phase::WritingIntoAPipe => {
                    wait_for("report rendered", &mut stderr, &mut seen);
                    std::thread::sleep(Duration::from_millis(300));
                }
            }
            Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .unwrap();
            let started = Instant::now();
            // a run that ignores the signal is killed after 10 s (and the test fails), not waited for forever
            let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let watchdog = {
                let (done, pid) = (done.clone(), child.id().to_string());
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(10));
                    if !done.load(std::sync::atomic::Ordering::SeqCst) {
                        let _ = Command::new("kill").args(["-KILL", &pid]).status();
                    }
                })
            };
            stderr.read_to_string(&mut seen).unwrap();
            let status = child.wait().unwrap();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            drop(writer);
            drop(watchdog);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{name}: slow to stop"
            );
            assert_eq!(status.code(), Some(expected), "{name} {signal}: {seen}");
            assert!(
                seen.contains("interrupted: nothing was written"),
                "{name} {signal}: {seen}"
            );
            let mut left: Vec<_> = std::fs::read_dir(out_dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            left.sort();
            let fifos: Vec<String> = [&input, &output]
                .into_iter()
                .filter(|p| p.starts_with(out_dir.path()) && p.exists())
                .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
                .collect();
            assert_eq!(left, fifos, "{name} {signal}: only the test's FIFOs remain");
            for fifo in [&input, &output]
                .into_iter()
                .filter(|p| p.starts_with(out_dir.path()))
            {
                use std::os::unix::fs::FileTypeExt;
                if let Ok(meta) = std::fs::symlink_metadata(fifo) {
                    assert!(
                        meta.file_type().is_fifo(),
                        "{name}: {fifo:?} is still a FIFO"
                    );
                }
            }
        }
    }
}
