//! Live: the call plan (`lambda_posture_checks::plan`). By default the scan skips the calls whose answer it already
//! knows and the resource policies of old versions nothing points at, records each skip with its reason, and counts
//! what it did not read in the report's summary; `--thorough` makes every call.

mod support;

use lambda_posture_checks::inventory::{Function, SkipKind};
use serde_json::{json, Value};

use support::emulator::{self, Emulator};

/// `plain` (no published version); `versioned` with versions 1 to 8, alias `live` → 1, an SQS event source mapping
/// on version 3, a resource policy on versions 1 and 3 (another account) and a public one on version 2 (old, nothing
/// points at it).
const SEED: &str = r#"
role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(event, context):\n    return 1\n")
for name in ["plain", "versioned"]:
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
        Code={"ZipFile": buf.getvalue()})
for i in range(1, 9):
    lam.update_function_configuration(FunctionName="versioned", Description=f"deploy {i}")
    lam.publish_version(FunctionName="versioned")
lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
lam.add_permission(FunctionName="versioned", Qualifier="1", StatementId="partner", Action="lambda:InvokeFunction",
    Principal="210987654321")
lam.add_permission(FunctionName="versioned", Qualifier="2", StatementId="anyone", Action="lambda:InvokeFunction",
    Principal="*")
lam.add_permission(FunctionName="versioned", Qualifier="3", StatementId="partner", Action="lambda:InvokeFunction",
    Principal="210987654321")
queue = boto3.client("sqs", **kw).create_queue(QueueName="jobs")["QueueUrl"]
lam.create_event_source_mapping(EventSourceArn="arn:aws:sqs:us-east-1:123456789012:jobs", FunctionName="versioned:3",
    BatchSize=10)
"#;

fn seeded() -> Emulator {
    let emulator = Emulator::start(&[]);
    emulator.seed_boto3(SEED);
    emulator
}

/// Calls of `operation` accepted since the stats were cleared.
fn calls(emulator: &Emulator, operation: &str) -> u64 {
    emulator.stats()["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter(|o| o["operation"] == operation)
        .map(|o| o["calls"].as_u64().unwrap_or(0))
        .sum()
}

fn function<'a>(scan: &'a emulator::Scan, name: &str) -> &'a Function {
    scan.inventory.accounts[0]
        .functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} collected"))
}

fn policy_qualifiers(f: &Function) -> Vec<Option<&str>> {
    f.resource_policies
        .iter()
        .map(|p| p.qualifier.as_deref())
        .collect()
}

fn live(f: &Function) -> Vec<&str> {
    f.live_versions.iter().map(|v| v.version.as_str()).collect()
}

/// The public-invoke findings about version 2.
fn version_2_public(scan: &emulator::Scan) -> usize {
    let report = support::read_json(&scan.dir.path().join("report.json"));
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["check_id"] == "lambda-public-invoke"
                && f["resource_arn"]
                    .as_str()
                    .is_some_and(|a| a.ends_with(":versioned:2"))
        })
        .count()
}

fn not_examined(scan: &emulator::Scan) -> Value {
    let report = support::read_json(&scan.dir.path().join("report.json"));
    report["accounts"][0]
        .get("not_examined")
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn the_default_skips_what_it_knows_and_says_what_it_did_not_read_and_thorough_reads_everything() {
    let emulator = seeded();
    let args = ["--regions", emulator::REGION];

    emulator.clear_stats();
    let default = emulator.scan(&args);
    assert_eq!(default.code, 0, "stderr: {}", default.stderr);
    assert!(default.inventory.accounts[0].gaps.is_empty());
    let plain = function(&default, "plain");
    assert_eq!(plain.skipped.len(), 1, "{:?}", plain.skipped);
    assert_eq!(
        plain.skipped[0].operation,
        "ListProvisionedConcurrencyConfigs"
    );
    assert_eq!(plain.skipped[0].kind, SkipKind::NotNeeded);
    assert!(plain.skipped[0].reason.contains("no published version"));
    let versioned = function(&default, "versioned");
    assert_eq!(versioned.versions.len(), 8);
    assert_eq!(versioned.skipped.len(), 1, "{:?}", versioned.skipped);
    let skip = &versioned.skipped[0];
    assert_eq!(
        (skip.operation.as_str(), skip.kind, skip.qualifiers.clone()),
        ("GetPolicy", SkipKind::NotExamined, vec!["2".to_string()]),
        "version 1 is behind an alias, 3 is mapped, 4 to 8 are the newest five: only 2 is left"
    );
    assert!(skip.reason.contains("--thorough"));
    assert_eq!(policy_qualifiers(versioned), [Some("1"), Some("3")]);
    assert_eq!(live(versioned), ["1", "3"], "behind the alias, and mapped");
    assert_eq!(
        calls(&emulator, "ListProvisionedConcurrencyConfigs"),
        1,
        "only the function with versions"
    );
    assert_eq!(
        calls(&emulator, "GetPolicy"),
        1 + (1 + 1 + 7),
        "plain; versioned, its alias and seven of its eight versions"
    );
    assert_eq!(
        not_examined(&default),
        json!({"version_policies": 1, "functions": 1, "flag": "--thorough"})
    );
    assert_eq!(version_2_public(&default), 0, "not read, so not judged");
    let table = emulator
        .lambda_posture()
        .args(["scan", "--inventory"])
        .arg(default.dir.path().join("inventory.json"))
        .output()
        .expect("render the table");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("Not examined") && table.contains("--thorough"),
        "the summary says what was not read: {table}"
    );

    emulator.clear_stats();
    let thorough = emulator.scan(&[&args[..], &["--thorough"]].concat());
    assert_eq!(thorough.code, 0, "stderr: {}", thorough.stderr);
    for f in &thorough.inventory.accounts[0].functions {
        assert!(f.skipped.is_empty(), "{}: {:?}", f.name, f.skipped);
    }
    assert_eq!(
        policy_qualifiers(function(&thorough, "versioned")),
        [Some("1"), Some("2"), Some("3")]
    );
    assert_eq!(
        live(function(&thorough, "versioned")),
        ["1", "2", "3"],
        "version 2's own policy lets someone invoke it"
    );
    assert_eq!(calls(&emulator, "ListProvisionedConcurrencyConfigs"), 2);
    assert_eq!(calls(&emulator, "GetPolicy"), 1 + (1 + 1 + 8));
    assert_eq!(not_examined(&thorough), Value::Null);
    assert_eq!(version_2_public(&thorough), 1, "read, and public");
}
