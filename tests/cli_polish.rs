//! Living with the CLI: shell completions, the man page, `-v` and `RUST_LOG`, `--color`, `checks --format json`,
//! formats refused by clap before any AWS call, exit codes in `--help`.

mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::{cli::*, *};

/// lambda-posture with `args` and `env`, in a clean working directory, with no AWS reachable: credentials that
/// work nowhere, an endpoint where nothing listens (a call to AWS would fail, slowly, after its retries).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-posture"));
    cmd.args(args)
        .current_dir(cwd.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn demo() -> String {
    demo_path().to_string_lossy().into_owned()
}

const SUBCOMMANDS: [&str; 9] = [
    "scan",
    "unused",
    "diff",
    "checks",
    "explain",
    "permissions",
    "securityhub",
    "completions",
    "man",
];

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    let bash = run_env(&["completions", "bash"], &[]);
    assert_eq!(code(&bash), 0, "{}", stderr(&bash));
    let script = stdout(&bash);
    assert!(script.contains("complete -F"), "a bash completion script");
    for sub in SUBCOMMANDS {
        assert!(script.contains(sub), "bash completion misses `{sub}`");
    }
    assert!(
        script.contains("--format") && script.contains("sarif"),
        "flags and their values"
    );
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run_env(&["completions", shell], &[]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("unused"), "{shell}");
    }
    let out = run_env(&["completions", "tcsh"], &[]);
    assert_eq!(code(&out), 2);
}

#[test]
fn man_page_is_roff_with_the_subcommands_and_exit_codes() {
    let out = run_env(&["man"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect("a .TH title line");
    assert!(th.contains("lambda-posture 1"), "{th}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "missing {section}");
    }
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&sub.replace('-', "\\-")),
            "man page misses `{sub}`"
        );
    }
    assert!(page.contains("Exit codes") && page.contains("143"));
}

#[test]
fn verbose_logs_phases_to_stderr_and_keeps_stdout_clean() {
    let inventory = demo();
    let quiet = run_env(&["scan", "--inventory", &inventory, "-f", "json"], &[]);
    let verbose = run_env(
        &["scan", "--inventory", &inventory, "-f", "json", "-v"],
        &[],
    );
    assert_eq!(code(&quiet), code(&verbose));
    assert_eq!(stderr(&quiet), "", "no log line without -v");
    let err = stderr(&verbose);
    for phase in ["inventory read", "checks evaluated", "report rendered"] {
        let line = err
            .lines()
            .find(|l| l.contains(phase))
            .unwrap_or_else(|| panic!("no `{phase}` in:\n{err}"));
        assert!(
            line.contains("DEBUG") && line.contains("elapsed_ms="),
            "{line}"
        );
    }
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&inventory).unwrap()).unwrap();
    let functions = recorded["accounts"][0]["functions"]
        .as_array()
        .unwrap()
        .len();
    assert!(err.contains(&format!("functions={functions} ")), "{err}");
    // the report on stdout is the same JSON, not mixed with logs (generated_at aside)
    let parse = |o: &Output| -> Value {
        let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("generated_at");
        v
    };
    assert_eq!(parse(&quiet), parse(&verbose));
}

#[test]
fn rust_log_selects_what_is_logged_and_a_bad_one_is_one_line() {
    let inventory = demo();
    let args = ["scan", "--inventory", &inventory, "-f", "json"];
    let out = run_env(&args, &[("RUST_LOG", "lambda_posture=debug")]);
    assert!(
        stderr(&out).contains("checks evaluated"),
        "{}",
        stderr(&out)
    );
    // RUST_LOG replaces -v
    let out = run_env(&[&args[..], &["-vv"]].concat(), &[("RUST_LOG", "off")]);
    assert_eq!(stderr(&out), "");
    let out = run_env(&args, &[("RUST_LOG", "lambda_posture=loud")]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: RUST_LOG"), "{err}");
}

#[test]
fn color_always_colours_a_pipe_and_never_does_not() {
    let inventory = demo();
    let args = ["scan", "--inventory", &inventory];
    let ansi = |o: &Output| stdout(o).contains('\x1b');
    let always = run_env(&[&args[..], &["--color", "always"]].concat(), &[]);
    assert!(ansi(&always), "--color always colours a pipe");
    // a flag on the command line wins over NO_COLOR (no-color.org)
    let always = run_env(
        &[&args[..], &["--color=always"]].concat(),
        &[("NO_COLOR", "1")],
    );
    assert!(ansi(&always));
    let never = run_env(&[&args[..], &["--color", "never"]].concat(), &[]);
    assert!(!ansi(&never));
    // auto: a pipe is not a terminal
    assert!(!ansi(&run_env(&args, &[])));
    assert!(!ansi(&run_env(&[&args[..], &["--no-color"]].concat(), &[])));
    let both = run_env(
        &[&args[..], &["--no-color", "--color", "always"]].concat(),
        &[],
    );
    assert_eq!(code(&both), 2, "contradictory flags are refused");
    // checks honours it too
    assert!(ansi(&run_env(&["checks", "--color", "always"], &[])));
}

#[test]
fn checks_as_json_lists_every_check_with_its_docs() {
    let out = run_env(&["checks", "--format", "json"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let table = stdout(&run_env(&["checks", "--color", "never"], &[]));
    let catalog_dir = root().join("checks/src/catalog");
    let on_disk = std::fs::read_dir(&catalog_dir)
        .unwrap()
        .flat_map(|g| std::fs::read_dir(g.unwrap().path()).into_iter().flatten())
        .filter(|c| c.as_ref().unwrap().path().join("mod.rs").is_file())
        .count();
    assert_eq!(checks.len(), on_disk, "one entry per check module");
    for check in &checks {
        let id = check["id"].as_str().unwrap();
        let group = check["group"].as_str().unwrap();
        assert!(table.contains(id), "{id} is in the table too");
        assert!(!check["title"].as_str().unwrap().is_empty());
        assert!(["critical", "high", "medium", "low", "info"]
            .contains(&check["severity"].as_str().unwrap()));
        let url = check["docs_url"].as_str().unwrap();
        let path = format!("src/catalog/{group}/{}/README.md", id.replace('-', "_"));
        assert!(url.ends_with(&path), "{url}");
        assert!(root().join("checks").join(&path).is_file(), "{path}");
    }
}

#[test]
fn formats_a_command_cannot_write_are_refused_before_any_aws_call() {
    for args in [
        &["unused", "--format", "sarif"][..],
        &["unused", "-f", "html", "--regions", "us-east-1"],
        &["diff", "old.json", "new.json", "--format", "html"],
        &["checks", "--format", "csv"],
    ] {
        let started = Instant::now();
        let out = run_env(args, &[]);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?}: refused at once"
        );
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: invalid value") && err.contains("--format"),
            "{err}"
        );
        assert!(err.contains("[possible values: table, json]"), "{err}");
    }
}

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["scan", "--help"], &["unused", "--help"]] {
        let out = run_env(args, &[]);
        assert_eq!(code(&out), 0);
        let help = stdout(&out);
        let codes = help
            .split("Exit codes:")
            .nth(1)
            .unwrap_or_else(|| panic!("{args:?}: no exit codes in\n{help}"));
        for code in ["0", "1", "2", "3", "130", "143"] {
            assert!(
                codes
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "{args:?}: exit code {code} missing"
            );
        }
    }
}

#[test]
fn verbose_shows_throttles_retries_gaps_and_timings_of_a_live_scan() {
    let emulator = emulator::Emulator::start(&[]);
    emulator.set_faults(json!([
        {"service": "lambda", "operation": "ListFunctions", "region": "us-east-1", "error": "Throttling", "count": 2},
        {"service": "lambda", "operation": "GetAccountSettings", "error": "AccessDenied"},
    ]));
    let secret = "lpSecretNeverLogged0123456789abcdefABCDEF";
    let out = emulator
        .lambda_posture()
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .args(["scan", "--regions", "us-east-1", "-f", "json", "-v"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "a gap: incomplete\n{err}");
    let line = |needle: &str| {
        err.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in:\n{err}"))
            .to_string()
    };
    let retry = line("retrying");
    assert!(
        retry.contains("ListFunctions")
            && retry.contains("throttled=true")
            && retry.contains("delay_ms="),
        "{retry}"
    );
    assert!(line(" gap ").contains("GetAccountSettings"));
    assert!(line("region scanned").contains("us-east-1"));
    for phase in [
        "caller identified",
        "inventory collected",
        "checks evaluated",
        "report rendered",
    ] {
        assert!(line(phase).contains("elapsed_ms="));
    }
    assert!(!err.contains(secret), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
}
