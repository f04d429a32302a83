//! `scan --scan-code` end to end against the emulated demo account (one seeded emulator for the whole file): exactly
//! the code secrets the seeder planted (source code, a config file, a .env file, a nested zip, a vendored module, a
//! layer) are found, nothing in the clean packages, and `code-secret` fails exactly the functions of
//! mocks/demo-expectations.json. Packages that cannot be read (a layer whose lookup is denied, a container image, a
//! corrupt zip) are Unknown with the reason, never a pass.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::{Finding, Status};
use lambda_posture_checks::inventory::{Function, Inventory};
use serde_json::{json, Value};

use support::{emulator, expectations, report};

/// One `scan --scan-code` of the demo account: the saved inventory, its text and the run's stderr.
struct Scanned {
    inventory: Inventory,
    text: String,
    stderr: String,
}

/// `scan --scan-code` of the demo account's regions with the current fault rules; it must not fail (exit 2).
fn scan_code(account: &emulator::DemoAccount, regions: &[&str]) -> Scanned {
    let scan = account
        .emulator
        .scan(&["--scan-code", "--regions", &regions.join(",")]);
    assert!(
        [0, 1, 3].contains(&scan.code),
        "scan --scan-code exited {}:\n{}",
        scan.code,
        scan.stderr
    );
    let text = std::fs::read_to_string(scan.dir.path().join("inventory.json"))
        .expect("the saved inventory");
    Scanned {
        inventory: scan.inventory,
        text,
        stderr: scan.stderr,
    }
}

/// The demo account scanned once, without faults, for the tests that only read it.
fn scanned() -> &'static Scanned {
    static SCANNED: OnceLock<Scanned> = OnceLock::new();
    SCANNED.get_or_init(|| {
        let account = emulator::demo();
        let _faults = account.exclusive();
        scan_code(account, &demo_regions())
    })
}

fn demo_regions() -> Vec<&'static str> {
    let regions: BTreeSet<&'static str> = emulator::demo().demo.manifest["functions"]
        .as_array()
        .expect("manifest functions")
        .iter()
        .map(|f| f["region"].as_str().expect("region"))
        .collect();
    regions.into_iter().collect()
}

/// The detector's rule for a kind of secret the seeder plants (mocks/seedlib/fakesecrets.py).
fn rule_of(kind: &str) -> &str {
    match kind {
        "stripe-key" => "stripe-secret-key",
        "url-password" => "database-url-password",
        other => other,
    }
}

/// (function, source, path, rule) → how many were planted, from the seeder's manifest; `layer:NAME` sources become
/// the layer version ARN the function uses.
type Places = BTreeMap<(String, String, String, String), usize>;

fn planted(manifest: &Value) -> Places {
    let mut planted = Places::new();
    for f in manifest["functions"].as_array().expect("functions") {
        let name = f["name"].as_str().expect("name");
        let layers: Vec<&str> = f["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for secret in f["code_secrets"].as_array().expect("code_secrets") {
            let source = secret["source"].as_str().expect("source");
            let source = match source.strip_prefix("layer:") {
                Some(layer) => *layers
                    .iter()
                    .find(|arn| arn.contains(&format!(":layer:{layer}:")))
                    .unwrap_or_else(|| panic!("layer {layer} of {name} not in the manifest")),
                None => source,
            };
            let path = secret["path"].as_str().expect("path");
            let rule = rule_of(secret["kind"].as_str().expect("kind"));
            *planted
                .entry((name.into(), source.into(), path.into(), rule.into()))
                .or_default() += 1;
        }
    }
    planted
}

fn found(functions: &[Function]) -> Places {
    let mut found = Places::new();
    for f in functions {
        for secret in f.code_scan.iter().flat_map(|s| &s.findings) {
            let place = (
                f.name.clone(),
                secret.source.clone(),
                secret.path.clone(),
                secret.rule_id.clone(),
            );
            *found.entry(place).or_default() += 1;
        }
    }
    found
}

fn code_secret_outcomes(inventory: &Inventory) -> Vec<Finding> {
    engine::evaluate(inventory, &ValidConfig::default())
        .findings
        .into_iter()
        .filter(|f| f.check_id == "code-secret")
        .collect()
}

fn names_with(findings: &[Finding], status: Status) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.status == status)
        .map(|f| f.resource_name.to_string())
        .collect()
}

#[test]
fn every_package_of_the_demo_is_scanned_completely() {
    let scanned = scanned();
    let account = &scanned.inventory.accounts[0];
    assert!(account.gaps.is_empty(), "gaps: {:?}", account.gaps);
    let mut files = 0;
    for f in &account.functions {
        let scan = f
            .code_scan
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no code_scan", f.name));
        assert!(
            scan.unscanned.is_empty(),
            "{}: not scanned completely: {:?}",
            f.name,
            scan.unscanned
        );
        let sources: BTreeSet<&str> = scan.scanned.iter().map(|s| s.source.as_str()).collect();
        let expected: BTreeSet<&str> = std::iter::once("function")
            .chain(f.layers.iter().map(|l| l.arn.as_str()))
            .collect();
        assert_eq!(
            sources, expected,
            "{}: its package and each layer are scanned",
            f.name
        );
        for package in &scan.scanned {
            files += package.files_scanned;
            assert!(
                package.code_sha256.is_some(),
                "{}: {} has no CodeSha256",
                f.name,
                package.source
            );
        }
    }
    assert!(files > 0);
}

#[test]
fn scan_code_finds_exactly_the_planted_secrets() {
    let scanned = scanned();
    let planted = planted(&emulator::demo().demo.manifest);
    assert!(
        planted.len() >= 8,
        "the seeder plants secrets in source, config, .env, nested zip, vendored dir, layer"
    );
    let found = found(&scanned.inventory.accounts[0].functions);
    let missed: Vec<_> = planted
        .iter()
        .filter(|(k, n)| found.get(*k) != Some(n))
        .collect();
    let extra: Vec<_> = found
        .iter()
        .filter(|(k, n)| planted.get(*k) != Some(n))
        .collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "planted but not found: {missed:#?}\nfound but not planted: {extra:#?}"
    );
    for f in &scanned.inventory.accounts[0].functions {
        for secret in f.code_scan.iter().flat_map(|s| &s.findings) {
            assert!(secret.line > 0, "{secret:?}");
            assert!(
                lambda_posture_checks::secrets::is_masked(&secret.masked_preview),
                "{secret:?}"
            );
        }
    }
}

#[test]
fn code_secret_fails_exactly_the_planted_functions() {
    let outcomes = code_secret_outcomes(&scanned().inventory);
    let expected = &expectations::load().checks["code-secret"];
    assert_eq!(
        names_with(&outcomes, Status::Fail),
        expected.fail.iter().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        names_with(&outcomes, Status::Unknown),
        expected.unknown.iter().cloned().collect::<BTreeSet<_>>()
    );
    for name in &expected.pass_examples {
        assert!(
            !outcomes.iter().any(|f| *f.resource_name == **name),
            "{name} should pass"
        );
    }
}

#[test]
fn no_planted_secret_appears_in_clear() {
    let scanned = scanned();
    report::assert_secrets_masked(&scanned.text);
    for needle in report::SECRET_SHAPES {
        assert!(
            !scanned.stderr.contains(needle),
            "`{needle}` in the log:\n{}",
            scanned.stderr
        );
    }
    assert!(
        !scanned.text.contains("/_lp/code/"),
        "download URLs are not kept in the inventory"
    );
}

/// A layer whose GetLayerVersionByArn is denied: the layer is not scanned, the reason says why, the call is a gap,
/// and every function that uses it is Unknown (or Fail for its own secrets), never Pass.
/// `[code_scan]` of the configuration reaches the scanner: an ignored path and an ignored value pattern drop
/// exactly their findings.
#[test]
fn configured_ignores_drop_exactly_their_findings() {
    scanned();
    let account = emulator::demo();
    let _faults = account.exclusive();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("lambda-posture.toml");
    std::fs::write(
        &config,
        "[code_scan]\n\
         ignore_paths = [{ glob = \".env\", reason = \"local settings, rotated\" }]\n\
         ignore_values = [{ pattern = \"SLACK_ALERTS_TOKEN\", reason = \"a revoked token\" }]\n",
    )
    .expect("write the configuration");
    let regions = demo_regions().join(",");
    let scan = account.emulator.scan(&[
        "--scan-code",
        "--regions",
        &regions,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(
        [0, 1].contains(&scan.code),
        "scan exited {}:\n{}",
        scan.code,
        scan.stderr
    );
    let all = planted(&emulator::demo().demo.manifest);
    let kept: Places = all
        .iter()
        .filter(|((_, _, path, rule), _)| {
            path != ".env" && !(path.ends_with("settings.py") && rule == "slack-token")
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert!(
        kept.len() + 2 <= all.len(),
        "the demo plants a .env file and a Slack token in a layer"
    );
    assert_eq!(found(&scan.inventory.accounts[0].functions), kept);
}

/// The demo's own layer that holds a secret (mocks/seedlib/account.py `LAYERS`).
const LEGACY_UTILS: &str = ":layer:acme-legacy-utils:";

#[test]
fn a_layer_that_cannot_be_looked_up_is_unknown_with_the_reason() {
    scanned();
    let account = emulator::demo();
    let _faults = account.exclusive();
    account.emulator.set_faults(json!([{
        "service": "lambda", "operation": "GetLayerVersionByArn", "resource_contains": "legacy-utils",
        "error": "AccessDenied"
    }]));
    let scanned = scan_code(account, &demo_regions());
    let functions = &scanned.inventory.accounts[0].functions;
    let users: Vec<&Function> = functions
        .iter()
        .filter(|f| f.layers.iter().any(|l| l.arn.contains(LEGACY_UTILS)))
        .collect();
    assert!(
        !users.is_empty(),
        "the demo has functions on the legacy-utils layer"
    );
    let outcomes = code_secret_outcomes(&scanned.inventory);
    for f in &users {
        let scan = f.code_scan.as_ref().expect("code_scan");
        let layer = f
            .layers
            .iter()
            .find(|l| l.arn.contains(LEGACY_UTILS))
            .expect("layer");
        let unscanned = scan
            .unscanned
            .iter()
            .find(|u| u.source == layer.arn)
            .expect("the layer is unscanned");
        assert!(
            unscanned.reason.contains("AccessDenied"),
            "{}",
            unscanned.reason
        );
        assert!(
            scan.scanned.iter().any(|s| s.source == "function"),
            "{}: its own package is still scanned",
            f.name
        );
        let unknown = outcomes
            .iter()
            .find(|o| *o.resource_name == *f.name && o.status == Status::Unknown);
        let unknown = unknown.unwrap_or_else(|| panic!("{}: code-secret is not Unknown", f.name));
        assert!(
            unknown.message.contains("AccessDenied"),
            "{}",
            unknown.message
        );
    }
    let gaps = &scanned.inventory.accounts[0].gaps;
    assert!(
        gaps.iter().any(|g| g.operation == "GetLayerVersionByArn"),
        "{gaps:?}"
    );
    // The other packages are scanned as before.
    let planted_elsewhere: Places = planted(&emulator::demo().demo.manifest)
        .into_iter()
        .filter(|((_, source, _, _), _)| !source.contains(LEGACY_UTILS))
        .collect();
    assert_eq!(found(functions), planted_elsewhere);
}

/// GetFunction calls in `region` since the stats were cleared.
fn get_function_calls(emulator: &emulator::Emulator, region: &str) -> u64 {
    let stats = emulator.stats();
    let ops = stats["operations"].as_array().expect("operations");
    ops.iter()
        .filter(|o| o["operation"] == "GetFunction" && o["region"] == region)
        .map(|o| o["calls"].as_u64().unwrap_or(0))
        .sum()
}

/// Functions added to a region the demo does not use: a container image, a corrupt zip, and two functions that
/// share one clean package (downloaded once).
#[test]
fn images_and_corrupt_archives_are_unknown_with_the_reason() {
    scanned();
    let account = emulator::demo();
    let _faults = account.exclusive();
    let region = "us-west-2";
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("edge.py");
    std::fs::write(&script, EDGE_CASES).expect("write the script");
    support::run_ok(
        std::process::Command::new(emulator::python())
            .arg(&script)
            .args([&account.emulator.endpoint, region]),
        "the edge-case seeder",
    );

    account.emulator.clear_stats();
    let plain = account.emulator.scan(&["--regions", region]);
    assert!(
        [0, 1].contains(&plain.code),
        "scan exited {}:\n{}",
        plain.code,
        plain.stderr
    );
    let without_code_scan = get_function_calls(&account.emulator, region);
    account.emulator.clear_stats();
    let scanned = scan_code(account, &[region]);
    let url_lookups = get_function_calls(&account.emulator, region) - without_code_scan;
    assert_eq!(
        url_lookups, 2,
        "one Code.Location per distinct zip package: the shared one and the corrupt one"
    );

    let by_name = |name: &str| -> &Function {
        let functions = &scanned.inventory.accounts[0].functions;
        functions
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} not collected"))
    };
    let outcomes = code_secret_outcomes(&scanned.inventory);
    let outcome = |name: &str| -> &Finding {
        let mut of_name = outcomes.iter().filter(|o| &*o.resource_name == name);
        let first = of_name
            .next()
            .unwrap_or_else(|| panic!("{name}: no code-secret outcome"));
        assert!(of_name.next().is_none(), "{name}: one outcome");
        first
    };
    let reason = |name: &str| {
        by_name(name)
            .code_scan
            .as_ref()
            .expect("code_scan")
            .unscanned[0]
            .reason
            .clone()
    };

    assert!(
        reason("edge-image").starts_with("container image"),
        "{}",
        reason("edge-image")
    );
    assert_eq!(outcome("edge-image").status, Status::Unknown);
    assert!(outcome("edge-image").message.contains("container image"));

    assert!(
        reason("edge-corrupt").contains("zip"),
        "{}",
        reason("edge-corrupt")
    );
    assert_eq!(outcome("edge-corrupt").status, Status::Unknown);
    assert!(
        outcome("edge-corrupt").message.contains("zip"),
        "{}",
        outcome("edge-corrupt").message
    );

    for name in ["edge-clean", "edge-twin"] {
        let clean = by_name(name).code_scan.as_ref().expect("code_scan");
        assert!(
            clean.unscanned.is_empty() && clean.findings.is_empty() && clean.scanned.len() == 1,
            "{clean:?}"
        );
        assert!(
            !outcomes.iter().any(|o| &*o.resource_name == name),
            "{name}: a clean package passes"
        );
    }
    assert!(
        scanned.inventory.accounts[0].gaps.is_empty(),
        "{:?}",
        scanned.inventory.accounts[0].gaps
    );
}

/// Creates the edge-case functions with boto3 (argv: endpoint, region).
const EDGE_CASES: &str = r#"
import io, sys, zipfile
import boto3

endpoint, region = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
iam, lam = boto3.client("iam", **kw), boto3.client("lambda", **kw)
trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
try:
    role = iam.create_role(RoleName="edge-cases-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
except iam.exceptions.EntityAlreadyExistsException:
    role = iam.get_role(RoleName="edge-cases-role")["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
good = buf.getvalue()
common = dict(Role=role, Timeout=10, MemorySize=128, Tags={"owner": "tests"})
for name in ("edge-clean", "edge-twin"):
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Code={"ZipFile": good}, **common)
# A zip whose central directory is cut off: a download that is not an archive.
lam.create_function(FunctionName="edge-corrupt", Runtime="python3.12", Handler="app.handler", Code={"ZipFile": good[: len(good) // 2]}, **common)
lam.create_function(FunctionName="edge-image", PackageType="Image",
                    Code={"ImageUri": "123456789012.dkr.ecr.%s.amazonaws.com/edge:latest" % region}, **common)
"#;
