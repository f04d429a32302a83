//! `securityhub import` against the emulated Security Hub (mocks/emulator/securityhub_ext.py enforces AWS's limits:
//! 100 findings and 6 MB a request, 240 KB a finding, the caller's account, the region of the ProductArn): the demo's
//! findings land in their own regions in batches within the limits, a second import after a fix archives the
//! resolved ones, throttles and 5xx are retried, and what Security Hub refuses is listed with its reason.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use support::{cli, emulator};

/// `scan --format asff` of the recorded demo (offline).
fn demo_asff(dir: &Path) -> (PathBuf, Vec<Value>) {
    demo_asff_with(dir, "findings.asff.json", &[])
}

/// `scan --format asff` of the recorded demo with `flags`, into `dir/name`.
fn demo_asff_with(dir: &Path, name: &str, flags: &[&std::ffi::OsStr]) -> (PathBuf, Vec<Value>) {
    let path = dir.join(name);
    let (code, _, stderr) = cli::capture(
        cli::isolated()
            .args(["scan", "--format", "asff", "--inventory"])
            .arg(support::demo_path())
            .args(flags)
            .arg("--output")
            .arg(&path),
    );
    assert_eq!(code, 0, "{stderr}");
    let findings = support::read_json(&path).as_array().unwrap().clone();
    (path, findings)
}

/// An emulator that holds the demo's first import: (the emulator, a directory, the ASFF file, its findings).
fn demo_imported() -> (emulator::Emulator, tempfile::TempDir, PathBuf, Vec<Value>) {
    let emulator = emulator::Emulator::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (file, findings) = demo_asff(dir.path());
    let (code, out, err) = import(&emulator, &file, None);
    assert_eq!(code, 0, "{out}\n{err}");
    (emulator, dir, file, findings)
}

/// Every finding the emulated Security Hub holds in the regions of `findings`, by id.
fn stored_in_their_regions(
    emulator: &emulator::Emulator,
    findings: &[Value],
) -> BTreeMap<String, Value> {
    per_region(findings)
        .keys()
        .flat_map(|region| stored(emulator, region))
        .collect()
}

fn write(dir: &Path, name: &str, findings: &[Value]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(findings).unwrap()).unwrap();
    path
}

fn import(
    emulator: &emulator::Emulator,
    file: &Path,
    previous: Option<&Path>,
) -> (i32, String, String) {
    let mut cmd = emulator.lambda_posture();
    cmd.args(["securityhub", "import"]).arg(file);
    if let Some(p) = previous {
        cmd.arg("--previous").arg(p);
    }
    cli::capture(&mut cmd)
}

/// Every finding the emulated Security Hub holds in `region`, by id.
fn stored(emulator: &emulator::Emulator, region: &str) -> BTreeMap<String, Value> {
    let answer = emulator.admin(
        "GET",
        &format!("/_lp/securityhub-findings?region={region}"),
        None,
    );
    answer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["Id"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

/// BatchImportFindings calls per region since the last clear.
fn calls(emulator: &emulator::Emulator) -> BTreeMap<String, u64> {
    emulator.stats()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["service"] == "securityhub" && o["operation"] == "BatchImportFindings")
        .map(|o| {
            (
                o["region"].as_str().unwrap().to_string(),
                o["calls"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The first `n` findings of `region`.
fn first_of_region(findings: &[Value], region: &str, n: usize) -> Vec<Value> {
    findings
        .iter()
        .filter(|f| f["Region"] == region)
        .take(n)
        .cloned()
        .collect()
}

fn per_region(findings: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts
            .entry(f["Region"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

#[test]
fn the_demo_is_imported_per_region_in_batches_and_a_fix_archives_what_it_resolved() {
    let emulator = emulator::Emulator::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (first, findings) = demo_asff(dir.path());
    let counts = per_region(&findings);
    assert!(
        counts.len() == 2 && counts.values().any(|&n| n > 100),
        "{counts:?}: two regions, one over a batch"
    );

    let (code, out, err) = import(&emulator, &first, None);
    assert_eq!(code, 0, "{out}\n{err}");
    for (region, &n) in &counts {
        let held = stored(&emulator, region);
        assert_eq!(
            held.len(),
            n,
            "{region}: every finding of the region, in the region"
        );
        assert!(held
            .values()
            .all(|f| f["Region"] == region.as_str() && f["RecordState"] == "ACTIVE"));
        assert!(held
            .values()
            .all(|f| f["FindingProviderFields"]["Severity"]["Label"] == f["Severity"]["Label"]));
        assert!(out.contains(&format!("{region}: {n} imported")), "{out}");
    }
    // Batches of at most 100 (the emulator refuses more): as few requests as that allows.
    let expected: BTreeMap<String, u64> = counts
        .iter()
        .map(|(r, &n)| (r.clone(), n.div_ceil(100) as u64))
        .collect();
    assert_eq!(calls(&emulator), expected);

    // A fix: every finding of one function is gone from the next scan; the import with --previous archives them.
    let fixed_function = findings[0]["ProductFields"]["lambda-posture/FunctionName"].clone();
    let (gone, kept): (Vec<Value>, Vec<Value>) = findings
        .iter()
        .cloned()
        .partition(|f| f["ProductFields"]["lambda-posture/FunctionName"] == fixed_function);
    let second = write(dir.path(), "second.asff.json", &kept);
    let (code, out, err) = import(&emulator, &second, Some(&first));
    assert_eq!(code, 0, "{out}\n{err}");
    let all = stored_in_their_regions(&emulator, &findings);
    assert_eq!(all.len(), findings.len(), "archived findings stay, marked");
    for f in &gone {
        assert_eq!(
            all[f["Id"].as_str().unwrap()]["RecordState"],
            "ARCHIVED",
            "{}",
            f["Id"]
        );
    }
    for f in &kept {
        assert_eq!(all[f["Id"].as_str().unwrap()]["RecordState"], "ACTIVE");
    }
    assert!(
        out.contains(&format!("({} of them archived)", gone.len())),
        "{out}"
    );
}

#[test]
fn throttles_and_server_errors_are_retried_and_refusals_are_listed() {
    let emulator = emulator::Emulator::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (_, findings) = demo_asff(dir.path());
    // One region's findings, each made ~200 KB: 100 of them are 20 MB, so the batches are cut by size.
    let counts = per_region(&findings);
    let region = counts.iter().max_by_key(|(_, &n)| n).unwrap().0.clone();
    let mut big = first_of_region(&findings, &region, 100);
    for f in &mut big {
        f["ProductFields"]["lambda-posture/Padding"] = "x".repeat(2000).into();
        f["Resources"][0]["Details"] = json!({ "Other": (0..95).map(|i| (format!("k{i}"), "y".repeat(2000))).collect::<BTreeMap<_, _>>() });
    }
    // Refused by Security Hub: another account's finding, and one over 240 KB (never sent).
    let mut other = big[0].clone();
    other["Id"] = "LP-other-account".into();
    other["AwsAccountId"] = "999999999999".into();
    let mut huge = big[1].clone();
    huge["Id"] = "LP-too-large".into();
    huge["Description"] = "z".repeat(300 * 1024).into();
    big.push(other);
    big.push(huge);
    let file = write(dir.path(), "big.asff.json", &big);
    emulator.set_faults(json!([
        { "service": "securityhub", "operation": "BatchImportFindings", "error": "Throttling", "count": 2 },
        { "service": "securityhub", "operation": "BatchImportFindings", "error": "InternalError", "count": 1 }
    ]));
    let (code, out, err) = import(&emulator, &file, None);
    assert_eq!(code, 3, "some findings were not imported: {out}\n{err}");
    assert_eq!(
        stored(&emulator, &region).len(),
        100,
        "every valid finding, despite the faults"
    );
    assert!(
        out.contains("LP-other-account") && out.contains("OtherAccount"),
        "{out}"
    );
    assert!(
        out.contains("LP-too-large") && out.contains("FindingTooLarge"),
        "{out}"
    );
    let sent = calls(&emulator)[&region];
    assert!(
        sent >= 4 + 3,
        "100 findings of 200 KB take 4 requests or more, plus 3 retried: {sent}"
    );
}

#[test]
fn a_file_that_is_not_asff_is_refused_naming_the_file_and_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.json",
        &[json!({ "Id": "LP-1", "AwsAccountId": "123456789012" })],
    );
    let (code, _, err) = cli::capture(cli::isolated().args(["securityhub", "import"]).arg(&bad));
    assert_eq!(code, 2);
    assert!(err.contains("bad.json: finding 0: `Region`"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn without_the_permission_each_region_is_tried_once_and_every_finding_listed() {
    let emulator = emulator::Emulator::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (file, findings) = demo_asff(dir.path());
    emulator.set_faults(json!([
        { "service": "securityhub", "operation": "BatchImportFindings", "error": "AccessDenied" }
    ]));
    let (code, out, err) = import(&emulator, &file, None);
    assert_eq!(code, 3, "{out}\n{err}");
    let listed = out
        .lines()
        .filter(|l| l.starts_with("  LP-") && l.contains("): AccessDenied"))
        .count();
    assert_eq!(listed, findings.len(), "every finding listed: {out}");
    assert!(
        out.contains("the caller needs securityhub:BatchImportFindings"),
        "{out}"
    );
    let sent = calls(&emulator);
    assert!(
        sent.values().all(|&n| n == 1),
        "one refused request per region, not one per batch: {sent:?}"
    );
}

#[test]
fn the_findings_a_diff_resolved_are_archived() {
    let (emulator, dir, _, findings) = demo_imported();
    // The next scan: one function deleted. `diff` says which findings that resolved.
    let mut inventory = support::demo_json();
    let functions = inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap();
    let deleted = functions.remove(0)["arn"].as_str().unwrap().to_string();
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, inventory.to_string()).unwrap();
    let run = |args: &[&str], inventory: &Path, output: &str| {
        let (code, _, stderr) = cli::capture(
            cli::isolated()
                .args(["scan", "--inventory"])
                .arg(inventory)
                .args(args)
                .arg("--output")
                .arg(dir.path().join(output)),
        );
        assert!([0, 3].contains(&code), "{stderr}");
    };
    run(&["--format", "json"], &support::demo_path(), "old.json");
    run(&["--format", "json"], &changed, "new.json");
    run(&["--format", "asff"], &changed, "second.asff.json");
    let (code, _, stderr) = cli::capture(cli::isolated().current_dir(dir.path()).args([
        "diff",
        "old.json",
        "new.json",
        "--format",
        "json",
        "--output",
        "diff.json",
    ]));
    assert_eq!(code, 0, "{stderr}");

    let mut cmd = emulator.lambda_posture();
    cmd.args(["securityhub", "import"])
        .arg(dir.path().join("second.asff.json"))
        .arg("--resolved")
        .arg(dir.path().join("diff.json"));
    let (code, out, err) = cli::capture(&mut cmd);
    assert_eq!(code, 0, "{out}\n{err}");
    let all = stored_in_their_regions(&emulator, &findings);
    let gone: Vec<&Value> = findings
        .iter()
        .filter(|f| f["Resources"][0]["Id"] == deleted.as_str())
        .collect();
    assert!(!gone.is_empty());
    for (id, f) in &all {
        let resolved = gone.iter().any(|g| g["Id"] == id.as_str());
        let state = if resolved { "ARCHIVED" } else { "ACTIVE" };
        assert_eq!(f["RecordState"], state, "{id}");
    }
    assert!(
        out.contains(&format!("({} of them archived)", gone.len())),
        "{out}"
    );
}

#[test]
fn failed_findings_are_listed_with_their_code_and_transient_ones_sent_again() {
    let emulator = emulator::Emulator::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (_, findings) = demo_asff(dir.path());
    let region = findings[0]["Region"].as_str().unwrap().to_string();
    let mut five = first_of_region(&findings, &region, 5);
    // Security Hub refuses the first (its ProductArn is in another region): listed, never sent again. The second
    // fails once with a transient code (the emulator's `:transient`), the third every time (`:always-transient`).
    let elsewhere = if region == "us-east-1" {
        "eu-west-1"
    } else {
        "us-east-1"
    };
    five[0]["ProductArn"] = five[0]["ProductArn"]
        .as_str()
        .unwrap()
        .replace(&format!(":{region}:"), &format!(":{elsewhere}:"))
        .into();
    let id = |f: &Value| f["Id"].as_str().unwrap().to_string();
    five[1]["Id"] = format!("{}:transient", id(&five[1])).into();
    five[2]["Id"] = format!("{}:always-transient", id(&five[2])).into();
    let file = write(dir.path(), "five.asff.json", &five);
    let (code, out, err) = import(&emulator, &file, None);
    assert_eq!(code, 3, "{out}\n{err}");
    // Round 1 sends five (one refused, two transient), round 2 the two again, round 3 the one still failing.
    assert!(
        out.contains(&format!(
            "{region}: 3 imported (0 of them archived) in 3 request(s), 2 failed"
        )),
        "{out}"
    );
    assert_eq!(calls(&emulator)[&region], 3);
    let held = stored(&emulator, &region);
    let ids: Vec<String> = held.keys().cloned().collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(
        held.contains_key(&id(&five[1])),
        "sent again, imported: {ids:?}"
    );
    assert!(!held.contains_key(&id(&five[0])) && !held.contains_key(&id(&five[2])));
    assert!(
        out.contains(&format!(
            "{} ({region}): InvalidInput: ProductArn",
            id(&five[0])
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("{} ({region}): InternalException", id(&five[2]))),
        "{out}"
    );
    assert!(!out.contains(&format!("{} (", id(&five[1]))), "{out}");
}

#[test]
fn a_mute_added_later_reaches_the_imported_findings_product_fields() {
    let (emulator, dir, _, findings) = demo_imported();
    // The next scan mutes one check; its findings are imported again with the mute.
    let check = findings[0]["GeneratorId"].as_str().unwrap();
    let config = dir.path().join("lambda-posture.toml");
    std::fs::write(
        &config,
        format!("[[suppressions]]\ncheck = \"{check}\"\nreason = \"accepted by the risk board\"\n"),
    )
    .unwrap();
    let (muted, _) = demo_asff_with(
        dir.path(),
        "muted.asff.json",
        &["--config".as_ref(), config.as_os_str()],
    );
    let (code, out, err) = import(&emulator, &muted, None);
    assert_eq!(code, 0, "{out}\n{err}");
    let all = stored_in_their_regions(&emulator, &findings);
    let of_check: Vec<&Value> = all.values().filter(|f| f["GeneratorId"] == check).collect();
    assert!(!of_check.is_empty());
    for f in of_check {
        let fields = &f["ProductFields"];
        assert_eq!(fields["lambda-posture/Status"], "muted", "{}", f["Id"]);
        assert_eq!(
            fields["lambda-posture/SuppressionReason"],
            "accepted by the risk board"
        );
        // What an automation rule on that field would suppress: BatchImportFindings leaves Workflow as created.
        assert_eq!(f["Workflow"]["Status"], "NEW");
    }
    assert!(all
        .values()
        .filter(|f| f["GeneratorId"] != check)
        .all(|f| f["ProductFields"]["lambda-posture/Status"] != "muted"));
}
