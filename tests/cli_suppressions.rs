//! Suppressions from the config file, end to end: muted findings stay in the JSON, scores and the table follow,
//! expired and unmatched entries are reported.

mod support;

use support::{cli::*, report::*, *};

const CONFIG: &str = r#"
[[suppressions]]
check = "tracing-off"
resource = "arn:aws:lambda:eu-west-1:*"
reason = "EU functions are traced by the vendor agent"
expires = 2027-03-31

[[suppressions]]
check = "tracing-off"
tag = "env=sandbox-*"
reason = "sandbox waiver"
expires = 2026-10-15

[[suppressions]]
tag = "owner=team-nobody"
reason = "left over from a deleted team"
"#;

#[test]
fn muted_findings_stay_with_their_reason_and_stale_entries_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "lambda-posture.toml", CONFIG);
    let json = scan_json(&fixture(), &["--config", config.to_str().unwrap()]);
    assert!(
        schema_errors("report.schema.json", &json).is_empty(),
        "{:#?}",
        schema_errors("report.schema.json", &json)
    );
    let findings = json["findings"].as_array().unwrap();
    let legacy = findings
        .iter()
        .find(|f| f["resource_name"] == "legacy-billing" && f["check_id"] == "tracing-off")
        .unwrap();
    assert_eq!(legacy["status"], "muted");
    assert_eq!(
        legacy["suppression"]["reason"],
        "EU functions are traced by the vendor agent"
    );
    assert_eq!(legacy["suppression"]["original_status"], "fail");
    let sandbox = findings
        .iter()
        .find(|f| f["resource_name"] == "image-resizer" && f["check_id"] == "tracing-off")
        .unwrap();
    assert_eq!(
        sandbox["status"], "fail",
        "the sandbox waiver expired on 2026-10-15, before the scan"
    );
    let states: Vec<(&str, u64)> = json["suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["state"].as_str().unwrap(), s["matched"].as_u64().unwrap()))
        .collect();
    assert_eq!(states, [("active", 1), ("expired", 1), ("unmatched", 0)]);
    let plain = scan_json(&fixture(), &[]);
    let summary = |json: &serde_json::Value, key: &str| {
        json["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "legacy-billing")
            .unwrap()[key]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        summary(&json, "failures"),
        summary(&plain, "failures") - 1,
        "the muted finding is not a failure"
    );
    assert!(
        summary(&json, "score") >= summary(&plain, "score"),
        "and no longer weighs on the score"
    );
    assert_eq!(json["accounts"][0]["muted"], 1);

    let table = stdout(&scan(&fixture(), &["--config", config.to_str().unwrap()]));
    assert!(table.contains("Muted by suppressions (1)"), "{table}");
    assert!(
        table.contains("Suppressions needing attention (2)"),
        "{table}"
    );
    assert!(
        table.contains("expired 2026-10-15") && table.contains("matches nothing"),
        "{table}"
    );
}

#[test]
fn the_default_config_file_is_picked_up_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lambda-posture.toml", CONFIG);
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--inventory",
            fixture().to_str().unwrap(),
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["suppressions"].as_array().unwrap().len(), 3);
}

#[test]
fn an_entry_mutes_through_its_expiry_date_and_not_a_day_longer() {
    // The fixture was collected on 2026-11-01: the scan date decides, so a saved inventory always evaluates alike.
    let dir = tempfile::tempdir().unwrap();
    let status_with_expiry = |expires: &str| {
        let config = write(
            dir.path(),
            "lp.toml",
            &format!(
                "[[suppressions]]\ncheck = \"tracing-off\"\nresource = \"*:function:orders-api\"\nreason = \"r\"\nexpires = {expires}\n"
            ),
        );
        let json = scan_json(&fixture(), &["--config", config.to_str().unwrap()]);
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == "tracing-off" && f["resource_name"] == "orders-api")
            .unwrap()
            .clone();
        (
            finding["status"].as_str().unwrap().to_string(),
            json["suppressions"][0]["state"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    assert_eq!(
        status_with_expiry("2026-11-01"),
        ("muted".to_string(), "active".to_string())
    );
    assert_eq!(
        status_with_expiry("\"2026-11-02\""),
        ("muted".to_string(), "active".to_string()),
        "a quoted date works too"
    );
    assert_eq!(
        status_with_expiry("2026-10-31"),
        ("fail".to_string(), "expired".to_string())
    );
}

#[test]
fn bad_suppression_files_give_one_line_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("check = \"tracing-off\"", "`suppressions[0].reason`"),
        (
            "check = \"tracing-off\"\nreason = \"   \"",
            "`suppressions[0].reason`",
        ),
        ("reason = \"mutes everything\"", "`suppressions[0]`"),
        (
            "check = \"no-such-check\"\nreason = \"r\"",
            "`suppressions[0].check`",
        ),
        (
            "check = \"tracing-off\"\nreason = \"r\"\nexpires = \"2026-13-01\"",
            "`suppressions[0].expires`",
        ),
        (
            "check = \"tracing-off\"\nreason = \"r\"\nexpires = 2026-01-01T10:00:00Z",
            "`suppressions[0].expires`",
        ),
        (
            "check = \"tracing-off\"\nreason = \"r\"\nexpire = 2026-01-01",
            "`suppressions[0].expire`",
        ),
        ("tag = \"=x\"\nreason = \"r\"", "`suppressions[0].tag`"),
        (
            "resource = \" \"\nreason = \"r\"",
            "`suppressions[0].resource`",
        ),
    ];
    for (entry, key) in cases {
        // A valid entry first, so the bad one is the second: the index in the message must say so.
        let text = format!("[[suppressions]]\ncheck = \"role-shared\"\nreason = \"ok\"\n\n[[suppressions]]\n{entry}\n");
        let config = write(dir.path(), "bad-suppressions.toml", &text);
        let out = scan(&fixture(), &["--config", config.to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{entry}");
        let err = stderr(&out);
        let key = key.replace("[0]", "[1]");
        assert_eq!(err.lines().count(), 1, "{entry}: {err}");
        assert!(
            err.contains("bad-suppressions.toml") && err.contains(&key),
            "{entry}: expected {key} in: {err}"
        );
        assert!(out.stdout.is_empty(), "no report on a bad config");
    }
}
