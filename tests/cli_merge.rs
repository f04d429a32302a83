//! `lambda-posture merge`: organisation scan folders (DIR/accounts/<id>/) merged into one report, byte for byte the
//! report of one scan of every account, over shards; incomplete accounts, duplicates, `--fail-on`, `--unused`.

mod support;

use std::path::{Path, PathBuf};

use support::{cli::*, *};

const DEMO_ACCOUNT: &str = "123456789012";
const ACCOUNTS: [&str; 4] = ["000000000007", "111111111111", DEMO_ACCOUNT, "999999999999"];

/// The demo inventory's text with its account as `id`; `000000000007` has no function.
fn account_inventory(id: &str) -> String {
    let text = std::fs::read_to_string(demo_path()).unwrap();
    if id == "000000000007" {
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["accounts"][0] = serde_json::json!({
            "account_id": id, "partition": "aws", "regions": ["us-east-1"]
        });
        return serde_json::to_string_pretty(&json).unwrap();
    }
    text.replace(DEMO_ACCOUNT, id)
}

/// Every account of [`ACCOUNTS`] in one inventory (what a single scan of all of them collects).
fn whole_inventory(dir: &Path) -> PathBuf {
    let mut whole: serde_json::Value =
        serde_json::from_str(&account_inventory(ACCOUNTS[0])).unwrap();
    whole["accounts"] = ACCOUNTS
        .iter()
        .map(|id| {
            let json: serde_json::Value = serde_json::from_str(&account_inventory(id)).unwrap();
            json["accounts"][0].clone()
        })
        .collect();
    write_json(dir, "whole.json", &whole)
}

/// Account `id` as an organisation scan leaves it in `dir`: its inventory and `scan --format json` of it.
fn scanned_account(dir: &Path, id: &str) {
    let folder = dir.join("accounts").join(id);
    std::fs::create_dir_all(&folder).unwrap();
    let inventory = write(&folder, "inventory.json", &account_inventory(id));
    let report = folder.join("report.json");
    let out = scan(
        &inventory,
        &["--format", "json", "-o", report.to_str().unwrap()],
    );
    assert!([0, 1, 3].contains(&code(&out)), "{}", stderr(&out));
}

fn merge(args: &[&str]) -> std::process::Output {
    let mut all = vec!["merge"];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn four_shards_merged_are_one_scan_of_every_account_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let shards: Vec<PathBuf> = (0..4)
        .map(|i| tmp.path().join(format!("shard-{i}")))
        .collect();
    for (i, id) in ACCOUNTS.iter().enumerate() {
        scanned_account(&shards[i % 4], id);
    }
    let whole = whole_inventory(tmp.path());
    for format in ["json", "table", "csv", "sarif", "asff", "ocsf", "html"] {
        let single = scan(&whole, &["--format", format]);
        let mut args: Vec<&str> = shards.iter().map(|p| p.to_str().unwrap()).collect();
        args.extend(["--format", format]);
        let merged = merge(&args);
        assert_eq!(
            code(&merged),
            code(&single),
            "{format}: {}",
            stderr(&merged)
        );
        assert!(
            merged.stdout == single.stdout,
            "{format}: merge of the shards differs from one scan of every account"
        );
    }
    let failing = merge(&[
        shards[0].to_str().unwrap(),
        shards[2].to_str().unwrap(),
        "--fail-on",
        "high",
    ]);
    assert_eq!(
        code(&failing),
        1,
        "--fail-on looks at every account: {}",
        stderr(&failing)
    );
}

#[test]
fn an_account_that_could_not_be_scanned_gives_exit_3_and_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    scanned_account(tmp.path(), "000000000007");
    let refused = tmp.path().join("accounts/222222222222");
    std::fs::create_dir_all(&refused).unwrap();
    write(
        &refused,
        "error.txt",
        "sts:AssumeRole: AccessDenied: not authorized to assume LambdaPostureAudit\n",
    );
    let out = merge(&[tmp.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("222222222222: sts:AssumeRole: AccessDenied"),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["incomplete_accounts"][0]["account_id"], "222222222222");
    assert_eq!(json["accounts"][0]["account_id"], "000000000007");
    let table = stdout(&merge(&[tmp.path().to_str().unwrap()]));
    assert!(table.contains("222222222222"), "{table}");
    assert!(table.contains("not scanned: sts:AssumeRole:"), "{table}");
    let html = stdout(&merge(&[tmp.path().to_str().unwrap(), "--format", "html"]));
    assert!(
        html.contains("<dt>Not scanned</dt><dd>sts:AssumeRole: AccessDenied"),
        "the page names the account not scanned"
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&merge(&[tmp.path().to_str().unwrap(), "--format", "sarif"]).stdout)
            .unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["level"] == "error"
                && n["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("account 222222222222 could not be scanned: sts:AssumeRole")),
        "{notes:#}"
    );
    let unused = merge(&[tmp.path().to_str().unwrap(), "--unused"]);
    assert_eq!(code(&unused), 3, "{}", stderr(&unused));
    let text = stdout(&unused);
    assert!(text.contains("Not scanned: 1 account(s)"), "{text}");
    assert!(text.contains("222222222222"), "{text}");
    assert!(stderr(&unused).contains("222222222222: sts:AssumeRole"));
}

#[test]
fn an_account_in_two_folders_or_a_folder_without_accounts_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    scanned_account(&a, "000000000007");
    scanned_account(&b, "000000000007");
    let out = merge(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_one_line_error(
        code(&out),
        &stdout(&out),
        &stderr(&out),
        &[
            "000000000007",
            "a/accounts/000000000007",
            "b/accounts/000000000007",
        ],
    );
    let out = merge(&[tmp.path().to_str().unwrap()]);
    assert_one_line_error(code(&out), &stdout(&out), &stderr(&out), &["accounts"]);
    let out = merge(&[a.to_str().unwrap(), "--unused", "--format", "csv"]);
    assert_one_line_error(
        code(&out),
        &stdout(&out),
        &stderr(&out),
        &["--format csv", "table or json"],
    );
}

#[test]
fn merged_unused_is_unused_of_every_account() {
    let tmp = tempfile::tempdir().unwrap();
    for id in ACCOUNTS {
        scanned_account(&tmp.path().join("out"), id);
    }
    let whole = whole_inventory(tmp.path());
    for format in ["json", "table"] {
        let single = run(&[
            "unused",
            "--inventory",
            whole.to_str().unwrap(),
            "--format",
            format,
        ]);
        let merged = merge(&[
            tmp.path().join("out").to_str().unwrap(),
            "--unused",
            "--format",
            format,
        ]);
        assert_eq!(code(&merged), code(&single), "{}", stderr(&merged));
        assert!(
            merged.stdout == single.stdout,
            "{format}: {}",
            stdout(&merged)
        );
    }
}

#[test]
fn diff_of_merged_reports_does_not_call_an_unscanned_accounts_findings_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    for id in ["111111111111", DEMO_ACCOUNT] {
        scanned_account(&before, id);
    }
    scanned_account(&after, DEMO_ACCOUNT);
    let refused = after.join("accounts/111111111111");
    std::fs::create_dir_all(&refused).unwrap();
    write(&refused, "error.txt", "sts:AssumeRole: AccessDenied\n");
    let (old, new) = (tmp.path().join("old.json"), tmp.path().join("new.json"));
    for (dir, report, expected) in [(&before, &old, 0), (&after, &new, 3)] {
        let out = merge(&[
            dir.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), expected, "{}", stderr(&out));
    }
    let out = run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resolved = diff["resolved_findings"].as_array().unwrap();
    assert!(!resolved.is_empty());
    assert!(
        resolved
            .iter()
            .all(|e| e["account_id"] == "111111111111" && e["resolution"] == "account-not-scanned"),
        "{resolved:#?}"
    );
    assert_eq!(diff["summary"]["new"], 0);
    let table = stdout(&run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]));
    assert!(table.contains("account not scanned"), "{table}");
    assert!(
        table.contains("111111111111 ·"),
        "rows name the account: {table}"
    );
}

#[test]
fn an_organisations_unused_table_names_the_account_even_when_one_account_has_them_all() {
    let tmp = tempfile::tempdir().unwrap();
    // 000000000007 has no function: every unused function is the demo account's
    for id in ["000000000007", DEMO_ACCOUNT] {
        scanned_account(&tmp.path().join("out"), id);
    }
    let out = merge(&[
        tmp.path().join("out").to_str().unwrap(),
        "--unused",
        "--format",
        "table",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{DEMO_ACCOUNT} · ")),
        "which account each function is in: {text}"
    );
    let json = merge(&[
        tmp.path().join("out").to_str().unwrap(),
        "--unused",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["accounts_scanned"], 2);
    let errors = support::report::schema_errors("unused.schema.json", &json);
    assert!(errors.is_empty(), "{errors:?}");
}
