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
