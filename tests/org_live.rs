//! Live: organisation scans (issue 15) through the binary against the emulator. Each test plants its own small
//! organisation (`mocks/seed_scale.py --accounts`: the management account 123456789012 is the caller, scanned with
//! its own credentials; members are entered through `LambdaPostureAudit`) and checks what DIR/accounts/<id>/ holds,
//! the exit code and the one-line reasons: a complete scan, roles missing or untrusted, resume, shards + merge,
//! bad account input, expired caller credentials, an account suspended mid-scan, STS endpoints that refuse, a scan
//! interrupted (SIGINT) or killed (SIGKILL) with accounts in flight, and `unused` over an organisation.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use support::emulator::{python, Emulator, REGION};
use support::{cli, read_json, root, run_ok};

/// The management account: the emulator's default account, what the "testing" key acts as.
const MANAGEMENT: &str = "123456789012";
const FUNCTIONS_PER_ACCOUNT: usize = 2;

/// A seeded organisation in its own emulator.
struct Org {
    emulator: Emulator,
    /// Every account, sorted (the management account among them).
    accounts: Vec<String>,
    /// seed_scale's manifest: per account, the functions planted.
    manifest: Value,
}

fn org(accounts: usize) -> Org {
    org_with(accounts, &[])
}

/// [`org`] in an emulator started with `emulator_args`.
fn org_with(accounts: usize, emulator_args: &[&str]) -> Org {
    let emulator = Emulator::start(emulator_args);
    let manifest_path = emulator.dir.path().join("org-manifest.json");
    run_ok(
        Command::new(python())
            .arg(root().join("mocks/seed_scale.py"))
            .args(["--endpoint", &emulator.endpoint, "--accounts"])
            .arg(accounts.to_string())
            .arg("--functions")
            .arg(FUNCTIONS_PER_ACCOUNT.to_string())
            .arg("--manifest")
            .arg(&manifest_path),
        "seed_scale.py --accounts",
    );
    let manifest = read_json(&manifest_path);
    let mut ids: Vec<String> = manifest["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account"].as_str().expect("account id").to_string())
        .collect();
    ids.sort();
    Org {
        emulator,
        accounts: ids,
        manifest,
    }
}

/// What one run of the binary left: exit code, stderr, and where its merged report is.
struct Run {
    code: i32,
    stderr: String,
    report: PathBuf,
}

impl Org {
    fn members(&self) -> Vec<&str> {
        self.accounts
            .iter()
            .map(String::as_str)
            .filter(|a| *a != MANAGEMENT)
            .collect()
    }

    /// `lambda-posture ARGS --regions us-east-1 --format json --output REPORT`.
    fn run(&self, args: &[&str], report: &Path) -> Run {
        let (code, _stdout, stderr) = cli::capture(
            self.emulator
                .lambda_posture()
                .args(args)
                .args(["--regions", REGION, "--format", "json", "--output"])
                .arg(report),
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        Run {
            code,
            stderr,
            report: report.to_path_buf(),
        }
    }

    /// `lambda-posture merge DIR ARGS`: exit code, standard output, standard error.
    fn merge(&self, dir: &Path, args: &[&str]) -> (i32, String, String) {
        cli::capture(
            self.emulator
                .lambda_posture()
                .arg("merge")
                .arg(dir)
                .args(args),
        )
    }

    /// `scan --org --output-dir DIR ARGS`, the merged report next to DIR.
    fn scan_org(&self, dir: &Path, args: &[&str]) -> Run {
        let mut all = vec!["scan", "--org", "--output-dir", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run(&all, &dir.with_extension("report.json"))
    }

    /// A boto3 script run as `account` (the 12-digit access key convention), with `iam` defined.
    fn as_account(&self, account: &str, script: &str) {
        let preamble = format!(
            "import json, sys, boto3\niam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1', \
             aws_access_key_id='{account}', aws_secret_access_key='x')\n"
        );
        run_ok(
            Command::new(python()).args([
                "-c",
                &format!("{preamble}{script}"),
                &self.emulator.endpoint,
            ]),
            "a boto3 script",
        );
    }

    /// The AWS calls made acting as each account since the statistics were last cleared.
    fn calls_by_account(&self) -> Value {
        self.emulator.stats()["accounts"].clone()
    }

    fn functions_planted(&self, account: &str) -> Vec<String> {
        let planted = self.manifest["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account"] == account)
            .expect("planted account");
        let mut names: Vec<String> = planted["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }
}

fn account_dir(dir: &Path, id: &str) -> PathBuf {
    dir.join("accounts").join(id)
}

/// The account's complete inventory, when it is done.
fn inventory(dir: &Path, id: &str) -> Option<Value> {
    let path = account_dir(dir, id).join("inventory.json");
    path.exists().then(|| read_json(&path))
}

/// The one-line reason an account is incomplete (error.txt), when it is.
fn reason(dir: &Path, id: &str) -> Option<String> {
    std::fs::read_to_string(account_dir(dir, id).join("error.txt")).ok()
}

fn function_names(inventory: &Value) -> Vec<String> {
    let accounts = inventory["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "one account per inventory");
    let mut names: Vec<String> = accounts[0]["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Every listed account is done: its inventory holds exactly the functions planted in it, its report.json is there,
/// there is no error.txt.
fn assert_complete(org: &Org, dir: &Path, ids: &[&str]) {
    for id in ids {
        let inv = inventory(dir, id).unwrap_or_else(|| {
            panic!(
                "{id} has no inventory.json; error.txt: {:?}",
                reason(dir, id)
            )
        });
        assert_eq!(inv["accounts"][0]["account_id"], *id);
        assert_eq!(function_names(&inv), org.functions_planted(id), "{id}");
        assert!(
            account_dir(dir, id).join("report.json").exists(),
            "{id}: report.json"
        );
        assert_eq!(
            reason(dir, id),
            None,
            "{id}: a complete account has no error.txt"
        );
    }
}

/// The account is incomplete: error.txt holds one line holding `needle`, there is no inventory.json, and stderr
/// names the account with a reason.
fn assert_incomplete(run: &Run, dir: &Path, id: &str, needle: &str) {
    let line =
        reason(dir, id).unwrap_or_else(|| panic!("{id}: no error.txt; stderr: {}", run.stderr));
    assert_eq!(
        line.trim_end().lines().count(),
        1,
        "{id}: one line: {line:?}"
    );
    assert!(line.contains(needle), "{id}: `{needle}` in {line:?}");
    assert!(inventory(dir, id).is_none(), "{id}: no inventory.json");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(id) && l.len() > id.len() + 2),
        "stderr names {id} with its reason: {}",
        run.stderr
    );
}

/// The merged report's findings per account.
fn accounts_in_report(report: &Path) -> Vec<String> {
    let report = read_json(report);
    let mut ids: Vec<String> = report["accounts"]
        .as_array()
        .expect("per-account summaries")
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn org_scan_of_four_accounts_is_complete() {
    let org = org(4);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let run = org.scan_org(&dir, &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let ids: Vec<&str> = org.accounts.iter().map(String::as_str).collect();
    assert_complete(&org, &dir, &ids);
    assert_eq!(accounts_in_report(&run.report), org.accounts);
    // Each account's report.json is exactly `scan --inventory inventory.json --format json`.
    let member = org.members()[0];
    let again = cli::run(&[
        "scan",
        "--inventory",
        account_dir(&dir, member)
            .join("inventory.json")
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        cli::stdout(&again),
        std::fs::read_to_string(account_dir(&dir, member).join("report.json")).unwrap()
    );
    // Members were entered through their audit role, the caller's own account scanned with its own key.
    let calls = org.calls_by_account();
    for id in &org.accounts {
        assert!(
            calls[id].as_u64().unwrap_or(0) > 0,
            "{id} was read: {calls}"
        );
    }
}

/// AssumeRole calls per STS endpoint region since the statistics were cleared: (calls, faults injected).
fn assume_role_by_region(org: &Org) -> std::collections::BTreeMap<String, (u64, u64)> {
    let stats = org.emulator.stats();
    let mut out = std::collections::BTreeMap::new();
    for op in stats["operations"].as_array().unwrap() {
        if op["service"] == "sts" && op["operation"] == "AssumeRole" {
            let faults = op["faults"]
                .as_object()
                .map_or(0, |f| f.values().filter_map(Value::as_u64).sum());
            out.insert(
                op["region"].as_str().unwrap().to_string(),
                (op["calls"].as_u64().unwrap(), faults),
            );
        }
    }
    out
}

#[test]
fn accounts_are_entered_through_several_sts_endpoints_and_one_that_refuses_is_dropped() {
    let org = org(6);
    let members = org.members();
    let work = tempfile::tempdir().unwrap();
    // One account at a time, so the endpoints are used in a known order: home (us-east-1), us-west-2, home, ...
    let args = ["--sts-regions", "us-west-2", "--max-accounts", "1"];
    // By default every endpoint answers: both are used, each paced on its own.
    org.emulator.clear_stats();
    let dir = work.path().join("spread");
    let run = org.scan_org(&dir, &args);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_complete(&org, &dir, &members);
    let used = assume_role_by_region(&org);
    assert_eq!(
        used.keys().collect::<Vec<_>>(),
        ["us-east-1", "us-west-2"],
        "{used:?}"
    );
    assert_eq!(
        used["us-east-1"].0 + used["us-west-2"].0,
        members.len() as u64
    );
    // us-west-2 refuses AssumeRole (as a policy restricting regions would): the account it refused is entered at the
    // home endpoint, every account is complete, and us-west-2 is not asked again in this run.
    org.emulator.admin(
        "POST",
        "/_lp/faults",
        Some(&serde_json::json!({"rules": [
            {"service": "sts", "operation": "AssumeRole", "region": "us-west-2", "error": "AccessDenied"}]})),
    );
    org.emulator.clear_stats();
    let dir = work.path().join("refused");
    let run = org.scan_org(&dir, &args);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_complete(&org, &dir, &members);
    let used = assume_role_by_region(&org);
    assert_eq!(
        used["us-west-2"],
        (1, 1),
        "asked once, refused, dropped: {used:?}"
    );
    assert_eq!(used["us-east-1"], (members.len() as u64, 0), "{used:?}");
    // A member that deactivated STS in us-west-2 (RegionDisabledException) is entered at home; the endpoint stays
    // in use for the others.
    let deactivated = members[1];
    org.emulator.admin(
        "POST",
        "/_lp/faults",
        Some(&serde_json::json!({"rules": [
            {"service": "sts", "operation": "AssumeRole", "region": "us-west-2", "error": "RegionDisabled",
             "resource_contains": format!("iam::{deactivated}:role/")}]})),
    );
    org.emulator.clear_stats();
    let dir = work.path().join("deactivated");
    let run = org.scan_org(&dir, &args);
    org.emulator.admin("DELETE", "/_lp/faults", None);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_complete(&org, &dir, &members);
    let used = assume_role_by_region(&org);
    assert_eq!(
        used["us-west-2"],
        (members.len() as u64 / 2, 1),
        "every other member asked there, one refused: {used:?}"
    );
    assert_eq!(
        used["us-east-1"].0 + used["us-west-2"].0,
        members.len() as u64 + 1
    );
}

#[test]
fn a_missing_and_an_untrusted_role_are_incomplete_accounts_exit_3() {
    let org = org(4);
    let members = org.members();
    let (missing, untrusted, fine) = (members[0], members[1], members[2]);
    org.as_account(missing, "iam.delete_role(RoleName='LambdaPostureAudit')");
    org.as_account(
        untrusted,
        "iam.update_assume_role_policy(RoleName='LambdaPostureAudit', PolicyDocument=json.dumps({'Version': \
         '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::210987654321:root'}, \
         'Action': 'sts:AssumeRole'}]}))",
    );
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let run = org.scan_org(&dir, &[]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    for id in [missing, untrusted] {
        assert_incomplete(&run, &dir, id, "AssumeRole");
    }
    assert_complete(&org, &dir, &[MANAGEMENT, fine]);
    // The merged report covers the complete accounts and says which are not.
    let ids = accounts_in_report(&run.report);
    assert!(
        ids.contains(&fine.to_string()) && ids.contains(&MANAGEMENT.to_string()),
        "{ids:?}"
    );
}

#[test]
fn resume_collects_only_the_accounts_without_an_inventory() {
    let org = org(4);
    let members = org.members();
    let (missing, done) = (members[0], members[1]);
    org.as_account(missing, "iam.delete_role(RoleName='LambdaPostureAudit')");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let first = org.scan_org(&dir, &[]);
    assert_eq!(first.code, 3, "stderr: {}", first.stderr);
    assert_incomplete(&first, &dir, missing, "AssumeRole");
    let stamp = |id: &str| {
        std::fs::metadata(account_dir(&dir, id).join("inventory.json"))
            .and_then(|m| m.modified())
            .unwrap()
    };
    let (done_before, management_before) = (stamp(done), stamp(MANAGEMENT));

    // The role is deployed now; resume enters only that account.
    org.as_account(
        missing,
        "iam.create_role(RoleName='LambdaPostureAudit', AssumeRolePolicyDocument=json.dumps({'Version': \
         '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::123456789012:root'}, \
         'Action': 'sts:AssumeRole'}]}))",
    );
    let first_caller_calls = org.calls_by_account()[MANAGEMENT].as_u64().unwrap();
    org.emulator.clear_stats();
    let report = dir.with_extension("resumed.json");
    let resumed = org.run(
        &["scan", "--org", "--resume", dir.to_str().unwrap()],
        &report,
    );
    assert_eq!(resumed.code, 0, "stderr: {}", resumed.stderr);
    let ids: Vec<&str> = org.accounts.iter().map(String::as_str).collect();
    assert_complete(&org, &dir, &ids);
    let calls = org.calls_by_account();
    assert!(calls[missing].as_u64().unwrap_or(0) > 0, "{calls}");
    for id in members.iter().copied().filter(|id| *id != missing) {
        assert_eq!(
            calls[id].as_u64().unwrap_or(0),
            0,
            "{id} was read again: {calls}"
        );
    }
    // The caller's own calls now only identify it, list the organisation and enter `missing`: its account is not
    // collected again, and no inventory that was complete is rewritten.
    let caller_calls = calls[MANAGEMENT].as_u64().unwrap_or(0);
    assert!(
        caller_calls * 5 < first_caller_calls,
        "caller: {caller_calls} calls on resume, {first_caller_calls} in the first scan"
    );
    assert_eq!(stamp(done), done_before);
    assert_eq!(stamp(MANAGEMENT), management_before);
    assert_eq!(accounts_in_report(&resumed.report), org.accounts);

    // Resumed with --framework: every account's report is evaluated again by the framework (nothing collected
    // again), and the merged report sums them control by control.
    org.emulator.clear_stats();
    let framed = dir.with_extension("fsbp.json");
    let run = org.run(
        &[
            "scan",
            "--org",
            "--resume",
            dir.to_str().unwrap(),
            "--framework",
            "aws-fsbp",
        ],
        &framed,
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let calls = org.calls_by_account();
    for id in &members {
        assert_eq!(
            calls[*id].as_u64().unwrap_or(0),
            0,
            "{id} was read again: {calls}"
        );
    }
    let inventory = account_dir(&dir, done).join("inventory.json");
    let alone = cli::run(&[
        "scan",
        "--inventory",
        inventory.to_str().unwrap(),
        "--framework",
        "aws-fsbp",
        "--format",
        "json",
    ]);
    assert_eq!(
        cli::stdout(&alone),
        std::fs::read_to_string(account_dir(&dir, done).join("report.json")).unwrap()
    );
    let merged: Value = serde_json::from_str(&std::fs::read_to_string(&framed).unwrap()).unwrap();
    assert_eq!(merged["framework"]["id"], "aws-fsbp");
    let functions = merged["functions"].as_array().unwrap().len() as u64;
    for control in merged["framework"]["controls"].as_array().unwrap() {
        let counted: u64 = ["functions_failed", "functions_unknown", "functions_passed"]
            .iter()
            .map(|k| control[*k].as_u64().unwrap())
            .sum();
        assert_eq!(counted, functions, "{control}");
    }

    // A saved inventory that no longer reads (truncated), and one holding another account than its folder's
    // (copied over): each is moved aside with a note and its account collected again; the others are not read, and
    // the scan completes.
    let (truncated, copied) = (done, members[2]);
    let inventory_of = |id: &str| account_dir(&dir, id).join("inventory.json");
    let whole = std::fs::read(inventory_of(truncated)).unwrap();
    std::fs::write(inventory_of(truncated), &whole[..whole.len() / 2]).unwrap();
    std::fs::copy(inventory_of(MANAGEMENT), inventory_of(copied)).unwrap();
    org.emulator.clear_stats();
    let repaired = dir.with_extension("repaired.json");
    let run = org.run(
        &["scan", "--org", "--resume", dir.to_str().unwrap()],
        &repaired,
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    for id in [truncated, copied] {
        let aside = account_dir(&dir, id).join("inventory.json.unreadable");
        assert!(aside.is_file(), "{id}: {}", run.stderr);
        assert!(
            run.stderr.lines().any(|l| l.starts_with("note: ")
                && l.contains(&*inventory_of(id).to_string_lossy())
                && l.contains("collected again")),
            "{id}: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains(&format!("not {copied} alone")),
        "{}",
        run.stderr
    );
    let ids: Vec<&str> = org.accounts.iter().map(String::as_str).collect();
    assert_complete(&org, &dir, &ids);
    let calls = org.calls_by_account();
    for id in &members {
        let read = calls[*id].as_u64().unwrap_or(0) > 0;
        assert_eq!(read, [truncated, copied].contains(id), "{id}: {calls}");
    }
    assert_eq!(accounts_in_report(&run.report), org.accounts);
}

#[test]
fn four_shards_and_merge_equal_a_single_run_byte_for_byte() {
    let org = org(7);
    // one member suspended: every shard leaves it out and records it; the merged report names it
    let suspended = org.members()[2].to_string();
    org.emulator.admin(
        "POST",
        "/_lp/suspend-account",
        Some(&serde_json::json!({"account": suspended, "after_calls": 0})),
    );
    let active: Vec<String> = org
        .accounts
        .iter()
        .filter(|a| **a != suspended)
        .cloned()
        .collect();
    let work = tempfile::tempdir().unwrap();
    let mut shard_dirs = Vec::new();
    for i in 0..4 {
        let dir = work.path().join(format!("shard-{i}"));
        let shard = format!("{i}/4");
        let run = org.scan_org(&dir, &["--shard", &shard]);
        assert_eq!(run.code, 0, "shard {shard}: {}", run.stderr);
        // Shard i holds the ACTIVE accounts at positions p of the sorted list with p % 4 == i, and no other.
        let expected: Vec<&str> = active
            .iter()
            .enumerate()
            .filter(|(p, _)| p % 4 == i)
            .map(|(_, a)| a.as_str())
            .collect();
        let mut present: Vec<String> = std::fs::read_dir(dir.join("accounts"))
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        present.sort();
        assert_eq!(present, expected, "shard {shard}");
        assert_complete(&org, &dir, &expected);
        shard_dirs.push(dir);
    }

    // `merge` of the four shards ...
    let merged = work.path().join("merged.json");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--format", "json", "--output", merged.to_str().unwrap()]);
    let (code, _out, stderr) = cli::capture(org.emulator.lambda_posture().args(&args));
    assert_eq!(code, 0, "merge: {stderr}");
    let report = read_json(&merged);
    assert_eq!(report["inactive_accounts"][0]["account_id"], *suspended);
    assert_eq!(report["inactive_accounts"][0]["state"], "SUSPENDED");
    assert_eq!(report["inactive_accounts"].as_array().unwrap().len(), 1);

    // ... is byte for byte the report one machine writes for the same accounts: every account's directory in one
    // place, scanned with --resume (nothing is collected again: the same inventories, evaluated the same way).
    let single = work.path().join("single");
    std::fs::create_dir_all(single.join("accounts")).unwrap();
    for dir in &shard_dirs {
        for entry in std::fs::read_dir(dir.join("accounts")).unwrap() {
            let entry = entry.unwrap();
            let to = single.join("accounts").join(entry.file_name());
            std::fs::create_dir_all(&to).unwrap();
            for file in std::fs::read_dir(entry.path()).unwrap() {
                let file = file.unwrap();
                std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
            }
        }
    }
    org.emulator.clear_stats();
    let one = org.run(
        &["scan", "--org", "--resume", single.to_str().unwrap()],
        &work.path().join("single.json"),
    );
    assert_eq!(one.code, 0, "{}", one.stderr);
    let calls = org.calls_by_account();
    for id in org.members() {
        assert_eq!(
            calls[id].as_u64().unwrap_or(0),
            0,
            "{id} was collected again: {calls}"
        );
    }
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&one.report).unwrap(),
        "merge of 4 shards vs one machine"
    );
    assert_eq!(accounts_in_report(&merged), active);

    // A fresh single-machine collection finds the same: equal but for the collection times.
    let fresh = org.scan_org(&work.path().join("fresh"), &[]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert_eq!(
        without_times(read_json(&merged)),
        without_times(read_json(&fresh.report))
    );
}

/// The report without its `collected_at` values (two collections a few seconds apart).
fn without_times(mut value: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("collected_at");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

#[test]
fn an_unknown_account_id_is_incomplete_the_others_complete() {
    let org = org(3);
    let members = org.members();
    let unknown = "999988887777";
    let list = format!("{},{},{unknown}", members[0], members[1]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let report = work.path().join("report.json");
    let run = org.run(
        &[
            "scan",
            "--accounts",
            &list,
            "--output-dir",
            dir.to_str().unwrap(),
        ],
        &report,
    );
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert_incomplete(&run, &dir, unknown, "AssumeRole");
    assert_complete(&org, &dir, &members);
    // Not a 12-digit id: a one-line usage error naming the flag, before anything is scanned.
    let (code, stdout, stderr) = cli::capture(org.emulator.lambda_posture().args([
        "scan",
        "--accounts",
        "12345",
        "--output-dir",
        dir.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("--accounts") && stderr.contains("12345"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_accounts_file_is_a_one_line_error_naming_file_and_line() {
    let org = org(2);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let member = org.members()[0];
    let bad = support::write(
        work.path(),
        "accounts.txt",
        &format!("# members\n{member}\n\n12345678901x\n"),
    );
    let (code, stdout, stderr) = cli::capture(org.emulator.lambda_posture().args([
        "scan",
        "--accounts-file",
        bad.to_str().unwrap(),
        "--output-dir",
        dir.to_str().unwrap(),
    ]));
    cli::assert_one_line_error(code, &stdout, &stderr, &["accounts.txt", "4"]);
    assert!(!dir.join("accounts").exists(), "nothing scanned");
    // Comments and blank lines are fine.
    let good = support::write(
        work.path(),
        "good.txt",
        &format!("# members\n\n{member}  \n"),
    );
    let run = org.run(
        &[
            "scan",
            "--accounts-file",
            good.to_str().unwrap(),
            "--output-dir",
            dir.to_str().unwrap(),
        ],
        &work.path().join("report.json"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_complete(&org, &dir, &[member]);
}

#[test]
fn expired_caller_credentials_leave_the_accounts_not_yet_entered_incomplete() {
    let org = org(4);
    let members = org.members();
    let list = members.join(",");
    let work = tempfile::tempdir().unwrap();
    let scan = |dir: &Path| {
        org.run(
            &[
                "scan",
                "--accounts",
                &list,
                "--max-accounts",
                "1",
                "--output-dir",
                dir.to_str().unwrap(),
            ],
            &dir.with_extension("json"),
        )
    };
    // How many calls the caller's own key makes for these accounts (it only lists and enters them: the caller's
    // account is not among them) ...
    org.emulator.clear_stats();
    let probe = scan(&work.path().join("probe"));
    assert_eq!(probe.code, 0, "{}", probe.stderr);
    let caller_calls = org.calls_by_account()[MANAGEMENT].as_u64().unwrap();
    assert!(
        caller_calls >= members.len() as u64,
        "one AssumeRole per account at least"
    );
    // ... then the key expires before its last call: the accounts entered before stay complete, the rest are
    // incomplete with the reason, exit 3.
    org.emulator.admin(
        "POST",
        "/_lp/expire-credentials",
        Some(&serde_json::json!({"access_key": "testing", "after_calls": caller_calls - 1})),
    );
    let dir = work.path().join("out");
    let run = scan(&dir);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let (done, cut): (Vec<&str>, Vec<&str>) =
        members.iter().partition(|id| inventory(&dir, id).is_some());
    assert!(
        !done.is_empty() && !cut.is_empty(),
        "done {done:?}, cut {cut:?}"
    );
    assert_complete(&org, &dir, &done);
    for id in &cut {
        assert_incomplete(&run, &dir, id, "xpired");
    }
    // Fresh credentials: --resume finishes the rest.
    org.emulator.admin("DELETE", "/_lp/org-faults", None);
    let resumed = org.run(
        &[
            "scan",
            "--accounts",
            &list,
            "--resume",
            dir.to_str().unwrap(),
        ],
        &work.path().join("resumed.json"),
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_complete(&org, &dir, &members);
}

#[test]
fn an_account_suspended_mid_scan_is_incomplete_the_others_complete() {
    let org = org(4);
    let members = org.members();
    let (victim, early) = (members[1], members[2]);
    // A handful of calls in (entering it and listing its first region), its sessions stop working ...
    org.emulator.admin(
        "POST",
        "/_lp/suspend-account",
        Some(&serde_json::json!({"account": victim, "after_calls": 3})),
    );
    // ... and one suspended right after it was entered: every Lambda call of its sessions answers
    // UnrecognizedClientException, which is not "this region is not enabled" (an empty, complete account).
    org.emulator.admin(
        "POST",
        "/_lp/suspend-account",
        Some(&serde_json::json!({"account": early, "after_calls": 1})),
    );
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let run = org.run(
        &[
            "scan",
            "--accounts",
            &members.join(","),
            "--output-dir",
            dir.to_str().unwrap(),
        ],
        &work.path().join("report.json"),
    );
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert_incomplete(&run, &dir, victim, "credentials");
    assert_incomplete(&run, &dir, early, "credentials");
    let others: Vec<&str> = members
        .iter()
        .copied()
        .filter(|id| ![victim, early].contains(id))
        .collect();
    assert_complete(&org, &dir, &others);
}

#[test]
fn an_account_suspended_before_a_resume_is_left_out_by_the_scan_and_by_merge_alike() {
    let org = org(2);
    let members = org.members();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let first = org.scan_org(&dir, &[]);
    assert_eq!(first.code, 0, "stderr: {}", first.stderr);
    assert!(account_dir(&dir, members[0]).exists());
    // suspended since: the resumed scan leaves it out, and its folder of the first run stays in the directory
    org.emulator.admin(
        "POST",
        "/_lp/suspend-account",
        Some(&serde_json::json!({"account": members[0], "after_calls": 0})),
    );
    let report = work.path().join("resumed.json");
    let resumed = org.run(
        &["scan", "--org", "--resume", dir.to_str().unwrap()],
        &report,
    );
    assert_eq!(resumed.code, 0, "stderr: {}", resumed.stderr);
    let json = read_json(&report);
    assert_eq!(json["inactive_accounts"][0]["account_id"], members[0]);
    assert!(!accounts_in_report(&report).contains(&members[0].to_string()));
    // merge of that directory: the same report, not the earlier scan's findings of an account said not scanned
    let (code, merged, stderr) = org.merge(&dir, &["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        merged,
        std::fs::read_to_string(&report).unwrap(),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "note: account {}: its folder is from an earlier scan, and AWS Organizations now lists it as SUSPENDED: \
             not merged",
            members[0]
        )),
        "{stderr}"
    );
}

#[test]
fn org_names_the_accounts_it_leaves_out_because_they_are_not_active() {
    let org = org(3);
    let members = org.members();
    let (suspended, active) = (members[0], members[1]);
    org.emulator.admin(
        "POST",
        "/_lp/suspend-account",
        Some(&serde_json::json!({"account": suspended, "after_calls": 0})),
    );
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let run = org.scan_org(&dir, &[]);
    // Not an incomplete account (no role can be assumed in a suspended account, and a closed account stays listed as
    // SUSPENDED for 90 days): the scan is complete, and says on one line which account it left out and why.
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let said: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(suspended))
        .collect();
    assert_eq!(
        said,
        [format!(
            "not scanned: account {suspended} is SUSPENDED in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts)"
        )],
        "{}",
        run.stderr
    );
    assert!(!account_dir(&dir, suspended).exists());
    assert_complete(&org, &dir, &[MANAGEMENT, active]);
    // The report says it too (a JSON export, the HTML and the table are read where standard error is not): with its
    // id, its state and why, apart from the scanned accounts and from the incomplete ones.
    let report = read_json(&run.report);
    assert_eq!(
        report["inactive_accounts"],
        serde_json::json!([{
            "account_id": suspended,
            "state": "SUSPENDED",
            "reason": "not ACTIVE in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts: no role can be assumed in the others)",
        }])
    );
    assert!(report.get("incomplete_accounts").is_none(), "{report}");
    assert_eq!(accounts_in_report(&run.report), [MANAGEMENT, active]);
    let errors = support::report::schema_errors("report.schema.json", &report);
    assert!(errors.is_empty(), "{errors:#?}");
    let line = format!(
        "Not scanned (not ACTIVE in AWS Organizations; --org scans ACTIVE and PENDING_CLOSURE accounts): {suspended} SUSPENDED."
    );
    // the terminal table, written again from the same folders (--resume: nothing collected again)
    let (code, table, stderr) = cli::capture(org.emulator.lambda_posture().args([
        "scan",
        "--org",
        "--resume",
        dir.to_str().unwrap(),
        "--regions",
        REGION,
        "--format",
        "table",
    ]));
    assert_eq!(code, 0, "{stderr}");
    // wrapped at 80 columns: read as words
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let table = words(&table);
    assert_eq!(table.matches(&line).count(), 1, "{table}");
    assert!(
        table.find("Accounts, worst first: 2 scanned").unwrap() < table.find(&line).unwrap(),
        "{table}"
    );
    // merge says it again (a shard's standard error is in its own job's log; the merge's is read), and so does its
    // report: the same bytes as the scan's
    let (code, merged, stderr) = org.merge(&dir, &["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "not scanned: account {suspended} is SUSPENDED in AWS Organizations"
        )),
        "{stderr}"
    );
    assert_eq!(merged, std::fs::read_to_string(&run.report).unwrap());
    let (code, html, stderr) = org.merge(&dir, &["--format", "html"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        html.contains("<h3>Not scanned: 1 account(s) not ACTIVE in AWS Organizations</h3>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<dt>Account {suspended}</dt><dd>SUSPENDED</dd>")),
        "{html}"
    );
    // the unused listing, one field and one line
    let (code, unused, stderr) = org.merge(&dir, &["--unused", "--format", "json"]);
    assert!(code == 0 || code == 3, "{stderr}");
    let unused: Value = serde_json::from_str(&unused).unwrap();
    assert_eq!(unused["inactive_accounts"][0]["account_id"], suspended);
    assert_eq!(unused["inactive_accounts"][0]["state"], "SUSPENDED");
    let (_, unused, stderr) = org.merge(&dir, &["--unused"]);
    assert_eq!(words(&unused).matches(&line).count(), 1, "{unused}{stderr}");
    // Named explicitly, it is scanned, and incomplete: its role cannot be assumed.
    let named = work.path().join("named");
    let run = org.scan_org(&named, &["--accounts", suspended]);
    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    assert_incomplete(&run, &named, suspended, "AssumeRole");
    assert!(!run.stderr.contains("is SUSPENDED"), "{}", run.stderr);
    let report = read_json(&run.report);
    assert!(report.get("inactive_accounts").is_none(), "{report}");
    assert_eq!(report["incomplete_accounts"][0]["account_id"], suspended);
    // Excluded, it is left out on purpose: nothing to say (it is the organisation's, so the exclusion matched).
    let excluded = work.path().join("excluded");
    let run = org.scan_org(&excluded, &["--exclude-accounts", suspended]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(!run.stderr.contains(suspended), "{}", run.stderr);
    assert!(
        !std::fs::read_to_string(&run.report)
            .unwrap()
            .contains(suspended),
        "nothing in the report either"
    );
}

#[test]
fn resume_with_other_collection_flags_is_refused_before_any_call() {
    let org = org(3);
    let members = org.members();
    let list = members.join(",");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let dir_arg = dir.to_str().unwrap();
    let first = org.run(
        &["scan", "--accounts", &list, "--output-dir", dir_arg],
        &work.path().join("first.json"),
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    // As if the scan had stopped before its last account.
    std::fs::remove_dir_all(account_dir(&dir, members[1])).unwrap();
    org.emulator.clear_stats();
    // Other regions or another lookback: the accounts already there would be reported as if collected like the
    // rest. Refused on one line naming the directory and both values, before any AWS call.
    let other_flags: [(&[&str], &str); 3] = [
        (
            &["--lookback-days", "30"],
            "collected with --lookback-days 90, this run has --lookback-days 30",
        ),
        (
            &["--regions", "eu-west-1"],
            "collected with --regions us-east-1, this run has --regions eu-west-1,us-east-1",
        ),
        (
            &["--thorough"],
            "collected with no --thorough, this run has --thorough",
        ),
    ];
    for (flags, needle) in other_flags {
        let mut args = vec!["scan", "--accounts", &list, "--resume", dir_arg];
        args.extend_from_slice(flags);
        args.extend(["--regions", REGION, "--format", "json"]);
        let (code, stdout, stderr) = cli::capture(org.emulator.lambda_posture().args(&args));
        cli::assert_one_line_error(code, &stdout, &stderr, &[dir_arg, needle]);
    }
    assert_eq!(
        org.emulator.stats()["accounts"],
        serde_json::json!({}),
        "no AWS call"
    );
    assert!(inventory(&dir, members[1]).is_none());
    // The same flags resume it.
    let resumed = org.run(
        &["scan", "--accounts", &list, "--resume", dir_arg],
        &work.path().join("resumed.json"),
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_complete(&org, &dir, &members);
    // Two directories collected with other flags are not merged into one report.
    let other = work.path().join("other");
    let run = org.run(
        &[
            "scan",
            "--accounts",
            MANAGEMENT,
            "--output-dir",
            other.to_str().unwrap(),
            "--lookback-days",
            "30",
        ],
        &work.path().join("other.json"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (code, stdout, stderr) = cli::capture(org.emulator.lambda_posture().args([
        "merge",
        dir_arg,
        other.to_str().unwrap(),
        "--format",
        "json",
    ]));
    cli::assert_one_line_error(
        code,
        &stdout,
        &stderr,
        &[
            "collected with --lookback-days 30, but",
            "with --lookback-days 90",
        ],
    );
}

#[test]
fn merge_without_one_shard_names_that_shards_accounts_incomplete() {
    let org = org(5);
    let work = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for i in [0, 2] {
        let dir = work.path().join(format!("shard-{i}"));
        let run = org.scan_org(&dir, &["--shard", &format!("{i}/3")]);
        assert_eq!(run.code, 0, "shard {i}/3: {}", run.stderr);
        dirs.push(dir);
    }
    // Shard 1/3 never ran (a job that was not scheduled, a directory forgotten): merging the two others does not
    // report its accounts as if the organisation had none.
    let never: Vec<&str> = org
        .accounts
        .iter()
        .enumerate()
        .filter(|(p, _)| p % 3 == 1)
        .map(|(_, a)| a.as_str())
        .collect();
    let merged = work.path().join("merged.json");
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--format", "json", "--output", merged.to_str().unwrap()]);
    let (code, _out, stderr) = cli::capture(org.emulator.lambda_posture().args(&args));
    assert_eq!(code, 3, "merge: {stderr}");
    assert!(stderr.contains("shard 1/3 did not run"), "{stderr}");
    let report = read_json(&merged);
    let incomplete: Vec<&str> = report["incomplete_accounts"]
        .as_array()
        .expect("incomplete_accounts")
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(incomplete, never);
    for id in &never {
        assert!(
            stderr.contains(&format!("incomplete: account {id}: ")),
            "{stderr}"
        );
    }
    // With its shard, nothing is missing.
    let dir = work.path().join("shard-1");
    let run = org.scan_org(&dir, &["--shard", "1/3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dirs.push(dir);
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--format", "json"]);
    let (code, _out, stderr) = cli::capture(org.emulator.lambda_posture().args(&args));
    assert_eq!(code, 0, "merge: {stderr}");
}

#[test]
fn a_wrong_or_missing_external_id_is_that_accounts_reason_the_others_complete() {
    let org = org(3);
    let members = org.members();
    let (guarded, open) = (members[0], members[1]);
    // One member's role requires an external id (the StackSet's ExternalId parameter); the other requires none,
    // and AWS ignores an external id a role does not ask for.
    org.as_account(
        guarded,
        "iam.update_assume_role_policy(RoleName='LambdaPostureAudit', PolicyDocument=json.dumps({'Version': \
         '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::123456789012:root'}, \
         'Action': 'sts:AssumeRole', 'Condition': {'StringEquals': {'sts:ExternalId': 'tenant-42'}}}]}))",
    );
    let work = tempfile::tempdir().unwrap();
    for (name, flags) in [
        ("missing", &[][..]),
        ("wrong", &["--external-id", "tenant-43"][..]),
    ] {
        let dir = work.path().join(name);
        let run = org.scan_org(&dir, flags);
        assert_eq!(run.code, 3, "{name}: {}", run.stderr);
        assert_incomplete(&run, &dir, guarded, "AssumeRole");
        assert!(
            run.stderr
                .contains(&format!("incomplete: account {guarded}: ")),
            "{}",
            run.stderr
        );
        assert_complete(&org, &dir, &[MANAGEMENT, open]);
    }
    let dir = work.path().join("right");
    let run = org.scan_org(&dir, &["--external-id", "tenant-42"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_complete(&org, &dir, &[MANAGEMENT, guarded, open]);
}

#[test]
fn a_scan_killed_mid_write_leaves_no_account_taken_as_complete_and_resume_equals_a_fresh_run() {
    // Slow calls, so the scan is killed with accounts in flight.
    let org = org_with(6, &["--latency-ms", "25"]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let finished = stop_mid_scan(&org, &dir, &work.path().join("killed.json"), |child| {
        child.kill().unwrap(); // SIGKILL: no handler runs, whatever was being written stays as it is
        child.wait().unwrap();
    });
    // merge of what is there names every other account incomplete (the plan knows them), none as complete.
    let (code, _out, stderr) = org.merge(&dir, &["--format", "json"]);
    assert_eq!(code, 3, "{stderr}");
    for id in org.accounts.iter().filter(|id| !finished.contains(id)) {
        assert!(
            stderr.contains(&format!("incomplete: account {id}: ")),
            "{stderr}"
        );
    }
    resume_collects_the_rest_like_a_fresh_run(&org, &dir, &finished, work.path());
}

/// Ctrl-C (SIGINT) with accounts in flight: exit 130 promptly, "interrupted" said, no merged report written, every
/// account already done kept whole, and `--resume` collects only the others, ending with a fresh run's report.
#[test]
fn an_interrupted_organisation_scan_keeps_the_accounts_done_and_resume_finishes_it() {
    let org = org_with(6, &["--latency-ms", "25"]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    let report = work.path().join("interrupted.json");
    let finished = stop_mid_scan(&org, &dir, &report, |child| {
        let sent = std::time::Instant::now();
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert_eq!(exit.code(), Some(130), "{exit:?}");
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(5),
            "exited {:?} after the signal",
            sent.elapsed()
        );
    });
    assert!(
        !report.exists(),
        "no merged report from an interrupted scan"
    );
    resume_collects_the_rest_like_a_fresh_run(&org, &dir, &finished, work.path());
}

/// Start `scan --org` into `dir` (two accounts at a time), call `stop` on it once the first account is done, and
/// return the accounts done then: some but not all, each inventory whole with its report beside it.
fn stop_mid_scan(
    org: &Org,
    dir: &Path,
    report: &Path,
    stop: impl FnOnce(&mut std::process::Child),
) -> Vec<String> {
    let mut child = org
        .emulator
        .lambda_posture_process()
        .args([
            "scan",
            "--org",
            "--max-accounts",
            "2",
            "--regions",
            REGION,
            "--format",
            "json",
        ])
        .arg("--output-dir")
        .arg(dir)
        .arg("--output")
        .arg(report)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let done = |dir: &Path| -> Vec<String> {
        org.accounts
            .iter()
            .filter(|id| account_dir(dir, id).join("inventory.json").exists())
            .cloned()
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while done(dir).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop(&mut child);
    let finished = done(dir);
    assert!(
        !finished.is_empty() && finished.len() < org.accounts.len(),
        "stopped with some accounts done and others not: {finished:?}"
    );
    // Every inventory.json there is whole (it is written last, by rename), with its report next to it.
    for id in &finished {
        let inv = inventory(dir, id).unwrap();
        assert_eq!(inv["accounts"][0]["account_id"], id.as_str());
        assert_eq!(function_names(&inv), org.functions_planted(id), "{id}");
        assert!(account_dir(dir, id).join("report.json").is_file(), "{id}");
    }
    finished
}

/// `scan --org --resume dir` collects only the accounts not `finished`, and its report is a fresh run's (but for the
/// collection times).
fn resume_collects_the_rest_like_a_fresh_run(
    org: &Org,
    dir: &Path,
    finished: &[String],
    work: &Path,
) {
    org.emulator.clear_stats();
    let resumed = org.run(
        &["scan", "--org", "--resume", dir.to_str().unwrap()],
        &work.join("resumed.json"),
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let ids: Vec<&str> = org.accounts.iter().map(String::as_str).collect();
    assert_complete(org, dir, &ids);
    let calls = org.calls_by_account();
    for id in finished.iter().filter(|id| *id != MANAGEMENT) {
        assert_eq!(
            calls[id].as_u64().unwrap_or(0),
            0,
            "{id} collected again: {calls}"
        );
    }
    let fresh = org.scan_org(&work.join("fresh"), &[]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert_eq!(
        without_times(read_json(&resumed.report)),
        without_times(read_json(&fresh.report))
    );
}

/// `unused --org` reads every account and lists each function with its account: every function scanned is either
/// idle (`unused`) or of unknown use, or was invoked; each listed one is planted in the account it names; and the
/// listing is the same bytes as `merge --unused` over the folders the run wrote.
#[test]
fn unused_over_an_organisation_names_each_functions_account_and_equals_merge() {
    let org = org(3);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("out");
    // Idle for 3 days is unused: most of the functions seed_scale plants (last invoked 1 to 200 days ago, or never).
    let config = work.path().join("lambda-posture.toml");
    std::fs::write(&config, "[thresholds]\nunused_days = 3\n").unwrap();
    let run = org.run(
        &[
            "unused",
            "--org",
            "--output-dir",
            dir.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &work.path().join("unused.json"),
    );
    assert!(run.code == 0 || run.code == 3, "stderr: {}", run.stderr);
    let ids: Vec<&str> = org.accounts.iter().map(String::as_str).collect();
    assert_complete(&org, &dir, &ids);
    let listing = read_json(&run.report);
    assert_eq!(listing["accounts_scanned"], 3, "{listing}");
    assert_eq!(listing["functions_scanned"], 3 * FUNCTIONS_PER_ACCOUNT);
    let mut accounts_listed = std::collections::BTreeSet::new();
    for entry in listing["unused"]
        .as_array()
        .unwrap()
        .iter()
        .chain(listing["unknown"].as_array().unwrap())
    {
        let account = entry["account_id"].as_str().unwrap();
        let name = entry["name"].as_str().unwrap();
        assert!(
            org.functions_planted(account).iter().any(|f| f == name),
            "{name} is not planted in {account}: {listing}"
        );
        assert!(
            entry["arn"]
                .as_str()
                .unwrap()
                .contains(&format!(":{account}:")),
            "{entry}"
        );
        accounts_listed.insert(account.to_string());
    }
    assert!(
        accounts_listed.len() > 1,
        "the functions of several accounts: {listing}"
    );
    let (code, merged, stderr) = org.merge(
        &dir,
        &[
            "--unused",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, run.code, "{stderr}");
    assert_eq!(merged, std::fs::read_to_string(&run.report).unwrap());
}
