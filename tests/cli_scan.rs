//! `scan` end to end on the hand-made inventory: every format, the JSON schema, stable ids, the 80-column table,
//! `--output`.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;

use support::{cli::*, report::*, *};

#[test]
fn json_report_validates_against_the_schema_and_carries_ticket_fields() {
    let json = scan_json(&fixture(), &[]);
    let errors = schema_errors("report.schema.json", &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert!(f["doc_url"].as_str().unwrap().starts_with(
            "https://github.com/lambda-posture/lambda-posture/blob/main/checks/src/catalog/"
        ));
        assert!(!f["remediation"].as_str().unwrap().is_empty());
        assert!(f["function_arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:lambda:"));
    }
    let orders = findings
        .iter()
        .find(|f| f["resource_name"] == "orders-api")
        .unwrap();
    assert_eq!(
        orders["owner_tags"]["owner"], "team-orders",
        "owner tags route the ticket"
    );
    assert!(
        orders["owner_tags"].get("env").is_none(),
        "only configured owner tags"
    );
}

/// (check id, resource ARN, discriminator) → stable id.
fn ids(json: &Value) -> BTreeMap<(String, String, String), String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = (
                f["check_id"].as_str().unwrap().to_string(),
                f["resource_arn"].as_str().unwrap().to_string(),
                f["discriminator"].as_str().unwrap_or("").to_string(),
            );
            (key, f["id"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn finding_ids_are_stable_across_runs_and_inventory_order() {
    let first = scan_json(&fixture(), &[]);
    let second = scan_json(&fixture(), &[]);
    assert_eq!(ids(&first), ids(&second));
    // Same account, functions (and regions, gaps) listed in the reverse order.
    let mut reordered = fixture_json();
    for account in reordered["accounts"].as_array_mut().unwrap() {
        for key in ["functions", "regions", "gaps"] {
            account[key].as_array_mut().unwrap().reverse();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "reordered.json", &reordered);
    let third = scan_json(&path, &[]);
    assert_eq!(
        ids(&first),
        ids(&third),
        "ids depend on identity, not position"
    );
    assert_eq!(
        first["findings"], third["findings"],
        "and findings come out in the same order"
    );
    let first_ids = ids(&first);
    let unique: std::collections::BTreeSet<&String> = first_ids.values().collect();
    assert_eq!(
        unique.len(),
        first["findings"].as_array().unwrap().len(),
        "one id per finding"
    );
}

#[test]
fn every_format_is_deterministic() {
    for format in ["table", "json", "csv", "sarif", "asff", "html"] {
        let a = scan(&fixture(), &["--format", format]);
        let b = scan(&fixture(), &["--format", format]);
        assert_eq!(
            code(&a),
            3,
            "{format}: the fixture has a gap, so the scan is incomplete: {}",
            stderr(&a)
        );
        assert_deterministic(&stdout(&a), &stdout(&b));
        // Every format is snapshotted on the demo account (tests/render_demo.rs); here the table of a scan with a gap.
        if format == "table" {
            insta::assert_snapshot!("cli_scan_fixture_table", stdout(&a));
        }
    }
}

#[test]
fn table_fits_80_columns_off_a_terminal_without_colour() {
    let out = stdout(&scan(&fixture(), &[]));
    for line in out.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(!out.contains('\x1b'), "no colour off a terminal");
    assert!(
        out.contains("Functions, worst first") && out.contains("tracing-off"),
        "{out}"
    );
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.sarif");
    let out = scan(
        &fixture(),
        &["--format", "sarif", "--output", path.to_str().unwrap()],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn csv_neutralises_formulas_from_user_text() {
    let mut inventory = fixture_json();
    inventory["accounts"][0]["functions"][0]["tags"]["owner"] =
        "=HYPERLINK(\"http://evil\",\"x\")".into();
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "inv.json", &inventory);
    let config = write(
        dir.path(),
        "lp.toml",
        "[[suppressions]]\ncheck = \"tracing-off\"\nresource = \"*:function:orders-api\"\nreason = \"=1+1 accepted\"\n",
    );
    let out = stdout(&scan(
        &path,
        &["--format", "csv", "--config", config.to_str().unwrap()],
    ));
    let mut reader = csv::ReaderBuilder::new().from_reader(out.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (owner, reason) = (column("owner_tags"), column("suppression_reason"));
    let (mut saw_tag, mut saw_reason) = (false, false);
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell: {cell}"
            );
        }
        saw_tag |= record[owner].contains("HYPERLINK");
        saw_reason |= &record[reason] == "'=1+1 accepted";
    }
    assert!(saw_tag, "the hostile tag is present, as text");
    assert!(
        saw_reason,
        "a reason starting with = is prefixed with a quote"
    );
}

/// The output of `lambda-posture <args>` run on a pseudo-terminal `cols` wide (util-linux `script`), with NO_COLOR
/// set or not; `None` when `script` is not installed.
fn on_terminal(args: &str, cols: u16, no_color_env: bool) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())?;
    let command = format!(
        "stty cols {cols} rows 50; exec {} {args}",
        env!("CARGO_BIN_EXE_lambda-posture")
    );
    let mut cmd = std::process::Command::new(script);
    cmd.args(["-qec", &command, "/dev/null"])
        .env_remove("LAMBDA_POSTURE_CONFIG");
    if no_color_env {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).replace('\r', ""))
}

/// Visible width of a line: ANSI colour sequences do not count.
fn visible_width(line: &str) -> usize {
    let mut width = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

#[test]
fn colour_on_a_terminal_only_and_never_with_no_color() {
    let inventory = fixture();
    let args = format!("scan --inventory {}", inventory.display());
    let Some(coloured) = on_terminal(&args, 100, false) else {
        skipped("util-linux `script` is not installed (no pseudo-terminal to test colour on)");
        return;
    };
    assert!(
        coloured.contains("\x1b["),
        "colour on a terminal:\n{coloured}"
    );
    assert!(
        coloured.lines().all(|l| visible_width(l) <= 100),
        "fits the terminal's 100 columns:\n{coloured}"
    );
    assert!(
        coloured.lines().any(|l| visible_width(l) > 80),
        "and uses them"
    );
    let no_color_env = on_terminal(&args, 100, true).unwrap();
    assert!(
        !no_color_env.contains('\x1b'),
        "NO_COLOR is honoured:\n{no_color_env}"
    );
    let no_color_flag = on_terminal(&format!("{args} --no-color"), 100, false).unwrap();
    assert!(
        !no_color_flag.contains('\x1b'),
        "--no-color is honoured:\n{no_color_flag}"
    );
    // A terminal that reports no usable size (0 columns) gets the 80-column layout, not one word per line.
    let unknown = on_terminal(&format!("{args} --no-color"), 0, false).unwrap();
    assert!(unknown.lines().all(|l| visible_width(l) <= 80), "{unknown}");
    assert!(unknown.contains("Functions, worst first"), "{unknown}");
}

/// `scan --framework aws-fsbp` on the recorded demo: only the checks that map an FSBP control run, every finding
/// carries its controls, and the report is summarised by control (naturally sorted, pass/fail per control), in the
/// JSON (valid against the schema) and in the table.
#[test]
fn framework_summarises_the_demo_by_control() {
    let json = scan_json(&demo_path(), &["--framework", "aws-fsbp"]);
    let errors = schema_errors("report.schema.json", &json);
    assert!(errors.is_empty(), "{errors:#?}");
    let fsbp_checks: Vec<&str> = lambda_posture_checks::compliance::checks_of(
        lambda_posture_checks::compliance::Framework::AwsFsbp,
    )
    .iter()
    .map(|c| c.id)
    .collect();
    let ran: Vec<&str> = json["checks_run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(ran, fsbp_checks, "only the framework's checks run");
    assert_eq!(
        json["checks_not_run"].as_array().unwrap().len(),
        0,
        "checks outside the framework are not listed as not run"
    );
    for f in json["findings"].as_array().unwrap() {
        assert!(
            !f["compliance"]["aws-fsbp"].as_array().unwrap().is_empty(),
            "{f}"
        );
    }
    let framework = &json["framework"];
    assert_eq!(framework["id"], "aws-fsbp");
    let controls = framework["controls"].as_array().unwrap();
    let ids: Vec<&str> = controls
        .iter()
        .map(|c| c["control"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "APIGateway.4",
            "APIGateway.8",
            "IAM.1",
            "IAM.21",
            "Lambda.1",
            "Lambda.2",
            "Lambda.5"
        ]
    );
    let functions = json["functions"].as_array().unwrap().len();
    for c in controls {
        let counts = ["functions_passed", "functions_failed", "functions_unknown"]
            .map(|k| c[k].as_u64().unwrap() as usize);
        assert_eq!(counts.iter().sum::<usize>(), functions, "{c}");
        let expected = if counts[1] > 0 { "FAILED" } else { "PASSED" };
        assert_eq!(c["status"], expected, "{c}");
    }
    // The demo plants a public function (Lambda.1) and deprecated runtimes (Lambda.2): those controls fail, and
    // count the functions the findings of their checks name.
    let failing = |check: &str| -> std::collections::BTreeSet<String> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == check && f["status"] == "fail")
            .map(|f| f["resource_name"].as_str().unwrap().to_string())
            .collect()
    };
    let lambda_2 = controls
        .iter()
        .find(|c| c["control"] == "Lambda.2")
        .unwrap();
    assert_eq!(lambda_2["status"], "FAILED");
    assert_eq!(
        lambda_2["functions_failed"].as_u64().unwrap() as usize,
        failing("runtime-deprecated").len()
    );
    let lambda_1 = controls
        .iter()
        .find(|c| c["control"] == "Lambda.1")
        .unwrap();
    let public: std::collections::BTreeSet<String> = [
        "lambda-public-invoke",
        "lambda-url-public",
        "lambda-service-invoke-unscoped",
        "lambda-notprincipal-allow",
    ]
    .iter()
    .flat_map(|c| failing(c))
    .collect();
    assert!(!public.is_empty());
    assert_eq!(
        lambda_1["functions_failed"].as_u64().unwrap() as usize,
        public.len()
    );

    let table = stdout(&scan(&demo_path(), &["--framework", "aws-fsbp"]));
    assert!(table.contains("Controls · AWS Foundational Security Best Practices v1.0.0 (aws-fsbp)"));
    assert!(table
        .lines()
        .any(|l| l.contains("Lambda.2") && l.contains("FAILED")));
    assert!(table.lines().all(|l| l.chars().count() <= 80));
}

/// A framework none of whose checks runs says NO_DATA, and one with a check that did not run is never PASSED.
#[test]
fn framework_controls_without_their_checks_are_not_passed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lambda-posture.toml"),
        "disabled = [\"role-admin-access\"]\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "--inventory",
            demo_path().to_str().unwrap(),
            "--framework",
            "cis-aws",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let control = &json["framework"]["controls"][0];
    assert_eq!(control["control"], "1.16");
    assert_eq!(control["status"], "NO_DATA");
    assert_eq!(control["checks_not_run"][0], "role-admin-access");
    // With code-secret disabled, IA-5(7) is never PASSED (here it fails all the same: the demo plants a credential
    // in an environment variable), and says which of its checks did not run.
    let config = dir.path().join("no-code-secret.toml");
    std::fs::write(&config, "disabled = [\"code-secret\"]\n").unwrap();
    let nist = scan_json(
        &demo_path(),
        &[
            "--framework",
            "nist-800-53-r5",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    let ia = nist["framework"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "IA-5(7)")
        .unwrap();
    assert_eq!(ia["checks_not_run"], serde_json::json!(["code-secret"]));
    assert_ne!(ia["status"], "PASSED");
    assert_eq!(nist["checks_not_run"][0]["check_id"], "code-secret");
}

/// A framework that is not one of ours is a one-line usage error naming the flag and the valid names (exit 2); an
/// organisation scan does not take one.
#[test]
fn an_unknown_framework_is_a_one_line_error() {
    let out = scan(&demo_path(), &["--framework", "iso-27001"]);
    assert_one_line_error(
        code(&out),
        &stdout(&out),
        &stderr(&out),
        &[
            "--framework",
            "iso-27001",
            "aws-fsbp",
            "cis-aws",
            "nist-800-53-r5",
            "pci-dss-v4",
        ],
    );
}

/// `checks --framework` lists the framework's checks with their controls; `explain` shows a check's controls.
#[test]
fn checks_and_explain_show_the_controls() {
    let out = run(&["checks", "--framework", "aws-fsbp", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
    let public = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "lambda-public-invoke")
        .unwrap();
    assert_eq!(public["compliance"]["aws-fsbp"][0], "Lambda.1");
    assert!(checks
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["compliance"]["aws-fsbp"].is_array()));
    let table = stdout(&run(&["checks", "--framework", "aws-fsbp"]));
    assert!(table.contains("aws-fsbp controls") && table.contains("Lambda.1"));
    assert!(!table.contains("tracing-off"));
    let explain = stdout(&run(&["explain", "runtime-deprecated"]));
    assert!(explain.contains("## Compliance"));
    assert!(
        explain.contains("AWS Foundational Security Best Practices v1.0.0 (`aws-fsbp`): Lambda.2")
    );
    assert!(explain.contains("PCI DSS v4.0.1 (`pci-dss-v4`): 12.3.4"));
}
