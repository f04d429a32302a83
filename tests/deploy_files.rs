//! The deployment files of an organisation scan (docs/deploy, docs/organization.md), checked offline: the member-role
//! StackSet template (its policy is exactly `lambda-posture permissions`, its trust only the scanner's principal and
//! external id, cfn-lint clean), the Kubernetes Indexed Job (the Kubernetes API schema, strict), the AWS Batch requests
//! (Batch's API model), and every lambda-posture flag they pass (the binary's `--help`). The validators run in
//! mocks/.venv (tests/deploy/check.py); each has a test that a broken copy fails it.
//!
//! `kubectl apply --dry-run=client` needs an API server even so (it reads the server's resource list first; offline
//! it fails with "connection refused"), so it runs only where `kubectl` reaches a cluster.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use support::{cli, emulator, root};

const TEMPLATE: &str = "docs/deploy/member-role.yaml";
const MANIFEST: &str = "docs/deploy/k8s-indexed-job.yaml";
const BATCH: &str = "docs/deploy/batch-array-job.json";
const SCANNER: &str = "arn:aws:iam::111122223333:role/lambda-posture-scanner";

/// `python tests/deploy/check.py ARGS` in mocks/.venv.
fn check(args: &[&str]) -> Output {
    emulator::ensure_venv();
    Command::new(emulator::python())
        .arg(root().join("tests/deploy/check.py"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run tests/deploy/check.py")
}

fn assert_valid(args: &[&str]) {
    let out = check(args);
    assert!(
        out.status.success(),
        "check.py {args:?} found problems:\n{}",
        cli::stderr(&out)
    );
}

/// check.py on a copy of `file` with `from` replaced by `to`: it must fail, saying `expected`.
fn assert_rejected(what: &str, file: &str, from: &str, to: &str, expected: &str) {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join(Path::new(file).file_name().unwrap());
    std::fs::write(&broken, text.replacen(from, to, 1)).unwrap();
    let out = check(&[what, broken.to_str().unwrap()]);
    let stderr = cli::stderr(&out);
    assert!(
        !out.status.success() && stderr.contains(expected),
        "check.py {what} accepted {from:?} -> {to:?} (exit {:?}), or did not say {expected:?}:\n{stderr}",
        out.status.code()
    );
}

/// The member role's properties with the template's parameters resolved.
fn member_role(parameters: &[&str]) -> Value {
    let mut args = vec!["role", TEMPLATE];
    args.extend_from_slice(parameters);
    let out = check(&args);
    assert!(out.status.success(), "{}", cli::stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn member_role_policy_is_exactly_lambda_posture_permissions() {
    let out = cli::run(&["permissions"]);
    assert_eq!(cli::code(&out), 0, "{}", cli::stderr(&out));
    let permissions: Value = serde_json::from_slice(&out.stdout).unwrap();
    let role = member_role(&[&format!("ScannerPrincipalArn={SCANNER}")]);
    let actions = |policy: &Value| -> BTreeSet<String> {
        policy["Statement"][0]["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a.to_string())
            .collect()
    };
    let template = &role["Policies"][0]["PolicyDocument"];
    assert_eq!(
        role["Policies"],
        json!([{"PolicyName": "LambdaPostureReadOnly", "PolicyDocument": permissions}]),
        "{TEMPLATE}: the member role's policy must be `lambda-posture permissions` verbatim; \
         actions only in the template: {:?}, only in `permissions`: {:?}",
        actions(template)
            .difference(&actions(&permissions))
            .collect::<Vec<_>>(),
        actions(&permissions)
            .difference(&actions(template))
            .collect::<Vec<_>>(),
    );
    for grant in ["ManagedPolicyArns", "PermissionsBoundary"] {
        assert!(
            role.get(grant).is_none(),
            "{TEMPLATE}: {grant} would grant more than the policy"
        );
    }
    assert_eq!(
        role["RoleName"], "LambdaPostureAudit",
        "the default of scan --role-name"
    );
}

#[test]
fn member_role_trusts_only_the_scanner_and_requires_the_external_id_when_given() {
    let statement = |role: &Value| role["AssumeRolePolicyDocument"]["Statement"].clone();
    let principal = json!({"AWS": "arn:aws:iam::111122223333:root"});
    let only_scanner = json!({"ArnEquals": {"aws:PrincipalArn": SCANNER}});
    assert_eq!(
        statement(&member_role(&[&format!("ScannerPrincipalArn={SCANNER}")])),
        json!([{"Sid": "LambdaPostureScanner", "Effect": "Allow", "Principal": principal,
                "Action": "sts:AssumeRole", "Condition": only_scanner}])
    );
    let mut with_external_id = only_scanner.clone();
    with_external_id["StringEquals"] = json!({"sts:ExternalId": "c0ffee-42"});
    assert_eq!(
        statement(&member_role(&[
            &format!("ScannerPrincipalArn={SCANNER}"),
            "ExternalId=c0ffee-42",
            "RoleName=Audit"
        ])),
        json!([{"Sid": "LambdaPostureScanner", "Effect": "Allow", "Principal": principal,
                "Action": "sts:AssumeRole", "Condition": with_external_id}])
    );
}

/// CloudFormation refuses parameters outside their AllowedPattern before creating anything: a principal that is not
/// an IAM ARN, an external id STS would refuse (shorter than 2), a role name IAM would refuse.
#[test]
fn member_role_parameters_refuse_what_iam_and_sts_refuse() {
    let scanner = format!("ScannerPrincipalArn={SCANNER}");
    for (parameters, refused) in [
        (
            vec!["ScannerPrincipalArn=111122223333"],
            "ScannerPrincipalArn",
        ),
        (vec![&scanner[..], "ExternalId=x"], "ExternalId"),
        (vec![&scanner[..], "RoleName=audit role"], "RoleName"),
    ] {
        let mut args = vec!["role", TEMPLATE];
        args.extend(parameters);
        let out = check(&args);
        assert!(
            !out.status.success() && cli::stderr(&out).contains(&format!("{refused}=")),
            "{args:?} accepted: {}",
            cli::stderr(&out)
        );
    }
}

#[test]
fn member_role_template_passes_cfn_lint() {
    assert_valid(&["cfn-lint", TEMPLATE]);
}

/// cfn-lint knows IAM's actions: an API operation that is not an action (GetLayerVersionByArn is authorised by
/// lambda:GetLayerVersion) fails it.
#[test]
fn cfn_lint_rejects_an_action_iam_does_not_have() {
    assert_rejected(
        "cfn-lint",
        TEMPLATE,
        "lambda:GetLayerVersion\n",
        "lambda:GetLayerVersionByArn\n",
        "getlayerversionbyarn",
    );
}

#[test]
fn kubernetes_manifest_matches_the_kubernetes_api_schema() {
    assert_valid(&["k8s", MANIFEST]);
    match kubectl_cluster() {
        None => {
            eprintln!("kubectl apply --dry-run=client not run: no kubectl reaching a cluster here")
        }
        Some(kubectl) => {
            let out = Command::new(kubectl)
                .args(["apply", "--dry-run=client", "--validate=strict", "-f"])
                .arg(root().join(MANIFEST))
                .output()
                .unwrap();
            assert!(out.status.success(), "kubectl: {}", cli::stderr(&out));
        }
    }
}

/// `kubectl` when it exists and answers from a cluster within a few seconds.
fn kubectl_cluster() -> Option<PathBuf> {
    let kubectl = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.is_file())
    })?;
    let reachable = Command::new(&kubectl)
        .args(["version", "--request-timeout=5s", "-o", "json"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| serde_json::from_slice::<Value>(&out.stdout).ok())
        .is_some_and(|version| version.get("serverVersion").is_some());
    reachable.then_some(kubectl)
}

#[test]
fn kubernetes_check_rejects_an_unknown_field_and_a_shard_count_mismatch() {
    assert_rejected(
        "k8s",
        MANIFEST,
        "backoffLimitPerIndex: 2",
        "backoffLimitPerIndx: 2",
        "'backoffLimitPerIndx' was unexpected",
    );
    assert_rejected(
        "k8s",
        MANIFEST,
        "completions: 4",
        "completions: 5",
        "completions 5 but --shard .../4",
    );
}

#[test]
fn batch_requests_match_the_batch_api() {
    assert_valid(&["batch", BATCH]);
}

#[test]
fn batch_check_rejects_a_wrong_type_a_bad_enum_and_an_array_size_mismatch() {
    assert_rejected(
        "batch",
        BATCH,
        r#""size": 4"#,
        r#""size": "4""#,
        "Invalid type for parameter arrayProperties.size",
    );
    assert_rejected(
        "batch",
        BATCH,
        r#"["FARGATE"]"#,
        r#"["FARGATE_SPOT"]"#,
        "'FARGATE_SPOT' is not one of",
    );
    assert_rejected(
        "batch",
        BATCH,
        r#""size": 4"#,
        r#""size": 3"#,
        "array size 3 but --shard 4",
    );
}

/// Every `--flag` the Job, the Batch jobs, the merges and docs/organization.md's command lines pass exists in that
/// subcommand's `--help`.
#[test]
fn every_flag_the_deployments_pass_is_one_the_binary_has() {
    let out = check(&["commands", MANIFEST, BATCH, "docs/organization.md"]);
    assert!(out.status.success(), "{}", cli::stderr(&out));
    let vectors: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        vectors.len() >= 4,
        "scan and merge in both engines: {vectors:?}"
    );
    for argv in &vectors {
        let help = cli::run(&[&argv[0], "--help"]);
        assert_eq!(
            cli::code(&help),
            0,
            "`{} --help`: {}",
            argv[0],
            cli::stderr(&help)
        );
        let help = cli::stdout(&help);
        for flag in argv.iter().filter(|a| a.starts_with("--")) {
            let flag = flag.split('=').next().unwrap();
            assert!(
                help.lines()
                    .map(str::trim_start)
                    .filter(|line| line.starts_with('-')) // an option's own line, not a description
                    .any(|line| line.split([' ', ',', '=']).any(|word| word == flag)),
                "{MANIFEST} / {BATCH} / docs/organization.md run `lambda-posture {}` with {flag}, which `{} --help` does not list",
                argv.join(" "),
                argv[0]
            );
        }
    }
}

/// The deployments' own command lines, run against an emulated organisation (5 accounts, the management account
/// the caller): the Indexed Job's 4 shards (the kubelet's `$(SHARD_INDEX)` substituted) and the Batch array's 4
/// children (`AWS_BATCH_JOB_ARRAY_INDEX` in their environment, the `$NAME` form of `--shard`), each into its engine's
/// shared `/out` (a temporary directory here; `--regions` added: the emulator plants one region), then each engine's
/// merges. The merged JSON report is the one `scan --org` writes on one machine but for its `collected_at` (its
/// earliest account's collection time: these are separate collections).
#[test]
fn the_deployments_command_lines_scan_an_organisation_like_one_machine() {
    let out = check(&["commands", MANIFEST, BATCH]);
    assert!(out.status.success(), "{}", cli::stderr(&out));
    let vectors: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    let emulator = emulator::Emulator::start(&[]);
    emulator.seed_organisation(5, 1);
    let run = |argv: &[String], out: &Path, env: &[(&str, String)]| {
        let argv: Vec<String> = argv
            .iter()
            .map(|a| a.replace("/out", out.to_str().unwrap()))
            .collect();
        let regions: &[&str] = if argv[0] == "scan" {
            &["--regions", emulator::REGION]
        } else {
            &[]
        };
        let mut cmd = emulator.lambda_posture();
        cmd.args(&argv).args(regions).envs(env.iter().cloned());
        let (code, _stdout, stderr) = cli::capture(&mut cmd);
        assert_eq!(code, 0, "lambda-posture {}: {stderr}", argv.join(" "));
    };

    let single = tempfile::tempdir().unwrap();
    let reference = single.path().join("report.json");
    run(
        &[
            "scan",
            "--org",
            "--output-dir",
            "/out/org",
            "--format",
            "json",
            "--output",
        ]
        .map(String::from)
        .into_iter()
        .chain([reference.to_str().unwrap().to_string()])
        .collect::<Vec<_>>(),
        single.path(),
        &[],
    );
    let reference = std::fs::read(reference).unwrap();
    let accounts = serde_json::from_slice::<Value>(&reference).unwrap()["accounts"].clone();
    assert_eq!(accounts.as_array().map(Vec::len), Some(5), "{accounts}");
    let reference = when_collected_apart(&reference);

    for (engine, index_marker) in [
        ("k8s", "$(SHARD_INDEX)"),
        ("batch", "$AWS_BATCH_JOB_ARRAY_INDEX"),
    ] {
        let scan = vectors
            .iter()
            .find(|v| v[0] == "scan" && v.iter().any(|a| a.contains(index_marker)))
            .unwrap_or_else(|| panic!("no {engine} scan in {vectors:?}"));
        let merges: Vec<&Vec<String>> = vectors
            .iter()
            .skip_while(|v| *v != scan)
            .skip(1)
            .take_while(|v| v[0] == "merge")
            .collect();
        assert!(!merges.is_empty(), "no {engine} merge after its scan");
        let shards: usize = scan[scan.iter().position(|a| a == "--shard").unwrap() + 1]
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let shared = tempfile::tempdir().unwrap();
        for index in 0..shards {
            let kubelet: Vec<String> = scan
                .iter()
                .map(|a| a.replace("$(SHARD_INDEX)", &index.to_string()))
                .collect();
            run(
                &kubelet,
                shared.path(),
                &[("AWS_BATCH_JOB_ARRAY_INDEX", index.to_string())],
            );
        }
        for merge in &merges {
            run(merge, shared.path(), &[]);
        }
        let merged =
            when_collected_apart(&std::fs::read(shared.path().join("report.json")).unwrap());
        assert!(
            merged == reference,
            "{engine}: the merge of {shards} shards differs from one machine's scan --org \
             (other than collected_at)"
        );
    }
}

/// A JSON report with its `collected_at` set aside, as text.
fn when_collected_apart(report: &[u8]) -> String {
    let mut report: Value = serde_json::from_slice(report).unwrap();
    let collected_at = report.as_object_mut().unwrap().remove("collected_at");
    assert!(
        collected_at.is_some_and(|t| t.is_string()),
        "no collected_at"
    );
    serde_json::to_string_pretty(&report).unwrap()
}
