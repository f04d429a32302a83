//! Tests of the organisation merge: the merged report equals one evaluation of every account, byte for byte.

use super::*;
use lambda_posture_checks::compliance::Framework;
use lambda_posture_checks::engine;
use lambda_posture_checks::inventory::Account;

const SUPPRESSIONS: &str = r#"
[[suppressions]]
check = "tracing-off"
resource = "arn:aws:lambda:eu-west-1:*"
reason = "EU functions are traced by the vendor agent"
expires = 2027-03-31

[[suppressions]]
tag = "owner=team-nobody"
reason = "left over from a deleted team"
"#;

fn demo() -> Inventory {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mocks/demo-account.json");
    Inventory::from_json(path, &std::fs::read_to_string(path).unwrap()).unwrap()
}

fn config(toml: &str) -> ValidConfig {
    ValidConfig::from_toml("test.toml", toml, |id| catalog::find(id).is_some()).unwrap()
}

/// The demo's account as account `id` (every mention of its id replaced).
fn clone_as(account: &Account, id: &str) -> Account {
    let text = serde_json::to_string(account)
        .unwrap()
        .replace(&account.account_id, id);
    serde_json::from_str(&text).unwrap()
}

/// An organisation from the demo: three copies of its account and one account without functions, by id.
fn organisation() -> Inventory {
    let mut inventory = demo();
    let demo_account = inventory.accounts.remove(0);
    let empty = Account {
        account_id: "000000000007".into(),
        partition: "aws".into(),
        regions: vec!["us-east-1".into()],
        ..Account::default()
    };
    inventory.accounts = vec![
        empty,
        clone_as(&demo_account, "111111111111"),
        demo_account.clone(),
        clone_as(&demo_account, "999999999999"),
    ];
    inventory
}

fn json_of(report: &Report) -> Vec<u8> {
    let options = RenderOptions {
        color: false,
        width: render::DEFAULT_WIDTH,
    };
    let mut out = Vec::new();
    render::render_to(ReportFormat::Json, report, &options, &mut out).unwrap();
    out
}

/// Each account of `inventory` written as an organisation scan writes it: DIR/accounts/<id>/{report,inventory}.json.
fn write_accounts(dir: &Path, inventory: &Inventory, config: &ValidConfig) -> Vec<PathBuf> {
    write_accounts_for(dir, inventory, config, None)
}

/// [`write_accounts`], each report of a scan with `--framework` when given.
fn write_accounts_for(
    dir: &Path,
    inventory: &Inventory,
    config: &ValidConfig,
    framework: Option<Framework>,
) -> Vec<PathBuf> {
    inventory
        .accounts
        .iter()
        .map(|account| {
            let one = Inventory {
                accounts: vec![account.clone()],
                ..inventory.clone()
            };
            let folder = dir.join("accounts").join(&account.account_id);
            std::fs::create_dir_all(&folder).unwrap();
            let report = match framework {
                Some(framework) => engine::evaluate_framework(&one, config, framework),
                None => engine::evaluate(&one, config),
            };
            std::fs::write(folder.join("report.json"), json_of(&report)).unwrap();
            std::fs::write(
                folder.join("inventory.json"),
                serde_json::to_string_pretty(&one).unwrap(),
            )
            .unwrap();
            folder
        })
        .collect()
}

fn merged_json(merge: &Merge) -> Vec<u8> {
    let mut out = Vec::new();
    merge
        .write(
            ReportFormat::Json,
            &RenderOptions {
                color: false,
                width: 80,
            },
            &mut out,
        )
        .unwrap();
    out
}

#[test]
fn merged_json_is_the_json_of_one_evaluation_of_every_account() {
    let inventory = organisation();
    for toml in ["", SUPPRESSIONS] {
        let config = config(toml);
        let whole = engine::evaluate(&inventory, &config);
        let dir = tempfile::tempdir().unwrap();
        let mut dirs = write_accounts(dir.path(), &inventory, &config);
        dirs.reverse(); // the merge sorts them itself
        let merge = Merge::read(&dirs, 64).unwrap();
        let merged = merged_json(&merge);
        assert!(
            merged == json_of(&whole),
            "the merged JSON differs from one evaluation (config {toml:?})"
        );
        // the other formats render the merged report held in memory: the same report
        assert!(merge.report().unwrap() == whole);
        assert_eq!(merge.exit_code(None), exit::CLEAN);
        assert_eq!(merge.exit_code(Some(Severity::Critical)), exit::FINDINGS);
    }
}

/// An organisation scan with `--framework`: the merged report, its per-control summary included, is the report of
/// one evaluation of every account by that framework, byte for byte.
#[test]
fn merged_framework_report_is_one_framework_evaluation_of_every_account() {
    let inventory = organisation();
    for framework in Framework::ALL {
        let config = config(SUPPRESSIONS);
        let whole = engine::evaluate_framework(&inventory, &config, framework);
        assert!(whole
            .framework
            .as_ref()
            .unwrap()
            .controls
            .iter()
            .any(|c| c.functions_failed > 0));
        let dir = tempfile::tempdir().unwrap();
        let dirs = write_accounts_for(dir.path(), &inventory, &config, Some(framework));
        let merge = Merge::read(&dirs, 64).unwrap();
        assert!(
            merged_json(&merge) == json_of(&whole),
            "the merged {} report differs from one evaluation",
            framework.id()
        );
        assert!(merge.report().unwrap() == whole);
    }
}

/// Reports of scans with different `--framework` (or with one and without) are not merged.
#[test]
fn reports_of_other_frameworks_are_refused() {
    let inventory = organisation();
    let dir = tempfile::tempdir().unwrap();
    let mut dirs = write_accounts_for(
        dir.path(),
        &inventory,
        &config(""),
        Some(Framework::AwsFsbp),
    );
    let (cis_dir, plain_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cis = write_accounts_for(
        cis_dir.path(),
        &inventory,
        &config(""),
        Some(Framework::CisAws),
    );
    let plain = write_accounts(plain_dir.path(), &inventory, &config(""));
    for (replacement, says) in [
        (&cis[3], "was scanned with --framework cis-aws (CIS"),
        (&plain[3], "was scanned with no --framework, but"),
    ] {
        std::fs::copy(replacement.join("report.json"), dirs[3].join("report.json")).unwrap();
        let err = Merge::read(&dirs, 64).err().unwrap().to_string();
        assert!(err.contains(says) && err.contains("999999999999"), "{err}");
    }
    dirs.truncate(3);
    Merge::read(&dirs, 64).unwrap();
}

#[test]
fn one_account_merged_is_its_own_report() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = write_accounts(dir.path(), &demo(), &config(""));
    let merge = Merge::read(&dirs, 64).unwrap();
    assert!(merged_json(&merge) == std::fs::read(dirs[0].join("report.json")).unwrap());
}

#[test]
fn accounts_not_scanned_are_listed_with_their_reason_and_exit_3() {
    let mut inventory = organisation();
    inventory.accounts.truncate(1); // the account without functions: no failure
    let dir = tempfile::tempdir().unwrap();
    let mut dirs = write_accounts(dir.path(), &inventory, &config(""));
    let refused = dir.path().join("accounts/222222222222");
    std::fs::create_dir_all(&refused).unwrap();
    std::fs::write(
        refused.join("error.txt"),
        "sts:AssumeRole refused: the role does not trust the caller\n",
    )
    .unwrap();
    let interrupted = dir.path().join("accounts/333333333333");
    std::fs::create_dir_all(&interrupted).unwrap();
    dirs.extend([refused, interrupted]);
    let merge = Merge::read(&dirs, 64).unwrap();
    assert_eq!(merge.exit_code(None), exit::INCOMPLETE);
    let json: serde_json::Value = serde_json::from_slice(&merged_json(&merge)).unwrap();
    let incomplete = &json["incomplete_accounts"];
    assert_eq!(incomplete[0]["account_id"], "222222222222");
    assert_eq!(
        incomplete[0]["reason"],
        "sts:AssumeRole refused: the role does not trust the caller"
    );
    assert_eq!(incomplete[1]["account_id"], "333333333333");
    assert!(incomplete[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("not scanned"));
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // every account unscanned: still a report, naming them
    let merge = Merge::read(&dirs[1..], 64).unwrap();
    assert_eq!(merge.exit_code(Some(Severity::Info)), exit::INCOMPLETE);
    assert_eq!(merge.skeleton.incomplete_accounts.len(), 2);
}

#[test]
fn an_account_in_two_folders_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let inventory = demo();
    write_accounts(&a, &inventory, &config(""));
    write_accounts(&b, &inventory, &config(""));
    let err = account_dirs_of(&[a.clone(), b.clone()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&a.join("accounts/123456789012").display().to_string())
            && err.contains(&b.join("accounts/123456789012").display().to_string()),
        "{err}"
    );
    let dirs = [
        a.join("accounts/123456789012"),
        b.join("accounts/123456789012"),
    ];
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(err.contains("in two folders"), "{err}");
    let err = account_dirs_of(&[dir.path().join("missing")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing/accounts"), "{err}");
}

#[test]
fn reports_of_other_flags_or_configuration_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = write_accounts(dir.path(), &organisation(), &config(""));
    let edit = |folder: &Path, change: &dyn Fn(&mut serde_json::Value)| {
        let path = folder.join("report.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        change(&mut json);
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    };
    edit(&dirs[2], &|json| json["lookback_days"] = 30.into());
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(err.contains("lookback_days 30"), "{err}");
    edit(&dirs[2], &|json| json["lookback_days"] = 90.into());
    Merge::read(&dirs, 64).unwrap();
    // collected by another version of lambda-posture (what it collects and how it reads it changes with it)
    edit(&dirs[2], &|json| json["tool_version"] = "0.0.9".into());
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(
        err.contains("tool_version 0.0.9, but")
            && err.contains(&format!("has {}", env!("CARGO_PKG_VERSION"))),
        "{err}"
    );
    edit(&dirs[2], &|json| {
        json["tool_version"] = env!("CARGO_PKG_VERSION").into()
    });
    Merge::read(&dirs, 64).unwrap();
    // a check that ran in the other accounts did not run in this one, which has functions
    edit(&dirs[3], &|json| {
        let run = json["checks_run"].as_array_mut().unwrap();
        run.retain(|c| c != "tracing-off");
        json["checks_not_run"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"check_id": "tracing-off", "reason": "disabled in the configuration"}));
        json["findings"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["check_id"] != "tracing-off");
    });
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(
        err.contains("tracing-off") && err.contains("999999999999"),
        "{err}"
    );
    // a report in the wrong folder
    std::fs::copy(dirs[1].join("report.json"), dirs[2].join("report.json")).unwrap();
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(err.contains("its folder is account 123456789012"), "{err}");
    // an inventory without its report
    std::fs::remove_file(dirs[2].join("report.json")).unwrap();
    let err = Merge::read(&dirs, 64).err().unwrap().to_string();
    assert!(err.contains("report.json: missing"), "{err}");
}

#[test]
fn runs_merge_in_order_whatever_the_read_size() {
    let mut spill = Spill::new().unwrap();
    for run in [
        vec![1u32, 4, 7],
        vec![],
        vec![2, 5, 8],
        vec![0, 3, 6, 9, 10],
    ] {
        spill.push_run(&run).unwrap();
    }
    for share in [1, 3, 1 << 20] {
        let merged: Vec<u32> = spill
            .merged_reading(<u32 as Ord>::cmp, share)
            .collect::<anyhow::Result<_>>()
            .unwrap();
        assert_eq!(merged, (0..=10).collect::<Vec<_>>(), "share {share}");
    }
    assert_eq!(spill.len, 11);
}

#[test]
fn merged_unused_is_the_unused_listing_of_every_account() {
    let inventory = organisation();
    let config = config("");
    let whole = unused::analyze(&inventory, &config);
    assert!(!whole.unused.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let dirs = write_accounts(dir.path(), &inventory, &config);
    let merged = merged_unused(&dirs, &config, 64).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&merged).unwrap(),
        serde_json::to_string_pretty(&whole).unwrap()
    );
}

#[test]
fn merged_unused_refuses_inventories_of_another_version() {
    let inventory = organisation();
    let config = config("");
    let dir = tempfile::tempdir().unwrap();
    let dirs = write_accounts(dir.path(), &inventory, &config);
    let path = dirs[2].join("inventory.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json["tool_version"] = "0.0.9".into();
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let err = merged_unused(&dirs, &config, 64).err().unwrap().to_string();
    assert!(
        err.contains("collected by lambda-posture 0.0.9, but"),
        "{err}"
    );
}
