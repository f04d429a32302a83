//! SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning's upload rules included): one rule per check of the
//! catalogue, one result per finding with a physical location (the function's IaC file when its tags name one, else
//! a stable per-function URI), the resource ARN as a logical location and the stable id as its fingerprints.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use lambda_posture_checks::arn::Arn;
use lambda_posture_checks::catalog;
use lambda_posture_checks::compliance::{self, Controls, Framework};
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::{InactiveAccount, Report};
use serde::Serialize;
use serde_json::{json, Value};

use super::json::write_pretty;
use super::truncate;

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/lambda-posture/lambda-posture";
/// Key of the stable finding id among the results' partial fingerprints.
pub const FINGERPRINT: &str = "lambdaPostureFindingId/v1";
/// The partial fingerprint GitHub code scanning matches results by (with the rule and the file path).
pub const GITHUB_FINGERPRINT: &str = "primaryLocationLineHash";
/// GitHub code scanning refuses a rule whose `fullDescription` is longer (characters).
const DESCRIPTION_MAX: usize = 1024;
/// GitHub code scanning's limit of results per run: past it the upload is refused.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
/// GitHub code scanning keeps only this many results of a run, the most severe: past it alerts go missing.
pub const RESULTS_KEPT_PER_RUN: usize = 5_000;
/// Tags that name the file a function is defined in, relative to its repository: `git_file` is what Yor
/// (bridgecrewio/yor) and similar IaC taggers write on every resource they deploy.
const IAC_FILE_TAGS: &[&str] = &["git_file"];
/// CloudFormation's own tags (CloudFormation, SAM, CDK, Serverless Framework deployments): the stack and the
/// template's logical id of the function, given as logical locations to find the template by.
const CFN_STACK_TAG: &str = "aws:cloudformation:stack-name";
const CFN_LOGICAL_ID_TAG: &str = "aws:cloudformation:logical-id";

/// SARIF level of a failing finding of `severity`.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` score dashboards (e.g. GitHub code scanning: over 9.0 critical, 7.0 to 8.9 high, 4.0 to
/// 6.9 medium, 0.1 to 3.9 low) sort by. None for info: GitHub gives no security severity to a score of 0.0, so
/// info rules carry none and show at their level (`note`).
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// Frameworks whose control ids also become rule tags (`aws-fsbp/Lambda.1`): a check has at most three of them, so
/// a rule stays within the 10 tags GitHub displays (20 accepted). The NIST and PCI ids, up to 16 a check, are in
/// `properties.compliance` only.
const TAGGED_FRAMEWORKS: [Framework; 2] = [Framework::AwsFsbp, Framework::CisAws];

/// A rule's properties: tags (with its FSBP and CIS controls), the security severity when it has one, and the
/// controls of every framework it evidences (`compliance`, as in the JSON report) when it has some.
fn rule_properties(severity: Severity, controls: Option<&Controls>) -> Value {
    let mut tags = vec!["security".to_string(), "aws-lambda".to_string()];
    if let Some(controls) = controls {
        for framework in TAGGED_FRAMEWORKS {
            tags.extend(
                controls
                    .of(framework)
                    .iter()
                    .map(|c| format!("{}/{c}", framework.id())),
            );
        }
    }
    let mut properties = json!({ "tags": tags, "precision": "high" });
    if let Some(score) = security_severity(severity) {
        properties["security-severity"] = score.into();
    }
    if let Some(controls) = controls.filter(|c| !c.is_empty()) {
        properties["compliance"] = json!(controls);
    }
    properties
}

/// "lambda-public-invoke" → "LambdaPublicInvoke" (SARIF rule names are identifiers).
fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rules(report: &Report) -> Vec<Value> {
    let mut rules: Vec<Value> = catalog::all()
        .iter()
        .map(|check| {
            let summary = check.doc_section("What it checks");
            let full = if summary.is_empty() {
                check.title
            } else {
                summary
            };
            json!({
                "id": check.id,
                "name": rule_name(check.id),
                "shortDescription": { "text": truncate(check.title, DESCRIPTION_MAX) },
                "fullDescription": { "text": truncate(full, DESCRIPTION_MAX) },
                "help": { "text": check.docs, "markdown": check.docs },
                "helpUri": catalog::doc_url(check.id),
                "defaultConfiguration": { "level": level(check.severity) },
                "properties": rule_properties(check.severity, Some(&compliance::of(check).controls))
            })
        })
        .collect();
    // Findings of checks the running catalogue does not know (e.g. a report of another version) still get a rule.
    let mut extra: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in report
        .findings
        .iter()
        .filter(|f| catalog::find(&f.check_id).is_none())
    {
        extra.entry(&*f.check_id).or_insert(f);
    }
    rules.extend(extra.into_values().map(|f| {
        let title = truncate(&f.title, DESCRIPTION_MAX);
        json!({
            "id": f.check_id,
            "name": rule_name(&f.check_id),
            "shortDescription": { "text": title },
            "fullDescription": { "text": title },
            "help": { "text": format!("{}\n\nSee {}", f.title, f.doc_url) },
            "helpUri": f.doc_url,
            "defaultConfiguration": { "level": level(f.severity) },
            "properties": rule_properties(f.severity, None)
        })
    }));
    rules
}

/// `name` of a function ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
fn function_name(function_arn: &str) -> Option<&str> {
    Arn::parse(function_arn).ok()?.function_name()
}

/// Percent-encoded path segments joined by `/`: a relative URI reference whatever the names hold (a `.` or `..`
/// segment is encoded too, so no name climbs out of the path, and an empty one is `_`).
fn uri_path<'s>(segments: impl IntoIterator<Item = &'s str>) -> String {
    segments
        .into_iter()
        .map(|s| match s {
            "" => "_".to_string(), // an empty name (a broken inventory): no empty segment
            "." => "%2E".to_string(),
            ".." => "%2E%2E".to_string(),
            _ => urlencoding::encode(s).into_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A repository-relative file path from a tag, or None when the value is not one (absolute, a URL, `..`, empty
/// segments, control characters: tags are attacker-controlled and must not point outside the repository).
fn repo_path(value: &str) -> Option<String> {
    let value = value.trim().trim_start_matches("./");
    let bad = value.is_empty()
        || value.len() > 1024
        || value.starts_with('/')
        || value.contains([':', '\\', '?', '#'])
        || value.chars().any(char::is_control)
        || value
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    (!bad).then(|| uri_path(value.split('/')))
}

/// The file a result is shown on. The function's IaC file when one of [`IAC_FILE_TAGS`] names it (GitHub then
/// annotates that file of the repository); otherwise `aws/ACCOUNT/REGION/lambda/FUNCTION`, a stable URI per
/// function (GitHub keeps the alert across runs and lists it under that path, with no source to show).
fn artifact_uri(f: &Finding, tags: Option<&BTreeMap<String, String>>) -> String {
    if let Some(path) = tags.and_then(|t| IAC_FILE_TAGS.iter().find_map(|k| repo_path(t.get(*k)?)))
    {
        return path;
    }
    let function = function_name(&f.function_arn).unwrap_or(&f.resource_name);
    uri_path(["aws", &f.account_id, &f.region, "lambda", function])
}

/// The stable id as GitHub's `primaryLocationLineHash` (`HASH:OCCURRENCE`, as GitHub's own fingerprints are).
fn line_hash(id: &str) -> String {
    format!("{}:1", id.strip_prefix("LP-").unwrap_or(id))
}

fn result(f: &Finding, rule_index: usize, tags: Option<&BTreeMap<String, String>>) -> Value {
    let mut logical = vec![json!({
        "name": f.resource_name,
        "fullyQualifiedName": f.resource_arn,
        "kind": "resource"
    })];
    if let Some(stack) = tags.and_then(|t| t.get(CFN_STACK_TAG)) {
        let logical_id = tags.and_then(|t| t.get(CFN_LOGICAL_ID_TAG));
        logical.push(json!({
            "name": logical_id.unwrap_or(stack),
            "fullyQualifiedName": match logical_id {
                Some(id) => format!("{stack}/{id}"),
                None => stack.clone(),
            },
            "kind": "module"
        }));
    }
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "kind": if f.status == Status::Unknown { "review" } else { "fail" },
        "level": if f.status == Status::Unknown { "none" } else { level(f.severity) },
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": artifact_uri(f, tags) },
                "region": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1 }
            },
            "logicalLocations": logical,
            "message": { "text": format!("{} in {} ({})", f.resource_name, f.region, f.account_id) }
        }],
        "partialFingerprints": { FINGERPRINT: f.id, GITHUB_FINGERPRINT: line_hash(&f.id) },
        "properties": {
            "findingId": f.id,
            "severity": f.severity,
            "status": f.status,
            "accountId": f.account_id,
            "region": f.region,
            "functionArn": f.function_arn,
            "ownerTags": f.owner_tags,
            "evidence": f.evidence,
        }
    });
    if let Some(score) = security_severity(f.severity) {
        result["properties"]["security-severity"] = score.into();
    }
    if let Some(s) = &f.suppression {
        let original = if s.original_status == Status::Unknown {
            "review"
        } else {
            "fail"
        };
        result["kind"] = original.into();
        if s.original_status == Status::Unknown {
            result["level"] = "none".into();
        }
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": s.reason,
            "properties": { "configIndex": s.index, "expires": s.expires }
        }]);
    }
    result
}

/// The SARIF log. Its results are serialised one at a time, never held as one JSON tree (100,000 findings would
/// take over a gigabyte); the rest is small. Fields in the order a JSON object's keys are written (sorted), so the
/// log reads the same as any other JSON the tool writes.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    automation_details: Value,
    column_kind: &'static str,
    invocations: Value,
    properties: Value,
    results: Results<'a>,
    tool: Value,
}

/// One result per finding, each built when it is written.
struct Results<'a> {
    findings: &'a [Finding],
    rule_index: BTreeMap<String, usize>,
    /// Every tag of each function, by ARN (for the IaC file and the CloudFormation stack).
    tags: HashMap<&'a str, &'a BTreeMap<String, String>>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.findings.iter().map(|f| {
            let tags = self.tags.get(&*f.function_arn).copied();
            result(f, self.rule_index[&*f.check_id], tags)
        }))
    }
}

fn log(report: &Report) -> Log<'_> {
    let rules = rules(report);
    let rule_index = rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r["id"].as_str()?.to_string(), i)))
        .collect();
    let accounts: Vec<&str> = report
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let tags = report
        .functions
        .iter()
        .map(|f| (f.arn.as_str(), &f.tags))
        .collect();
    let mut notifications: Vec<Value> = report.accounts.iter().flat_map(|a| &a.gaps).map(|g| json!({
        "level": "warning",
        "message": { "text": format!("{}:{} could not be collected ({}): {}", g.service, g.operation,
            g.resource.as_deref().or(g.region.as_deref()).unwrap_or("account-wide"), g.error) }
    })).collect();
    // Organisation scan: an account that could not be scanned has no result at all, which must not read as clean.
    notifications.extend(report.incomplete_accounts.iter().map(|a| json!({
        "level": "error",
        "message": { "text": format!("account {} could not be scanned: {}", a.account_id, a.reason) }
    })));
    // ... and one `--org` left out as not ACTIVE (nothing can be scanned there): said, not an error.
    notifications.extend(report.inactive_accounts.iter().map(|a| json!({
        "level": "note",
        "message": { "text": format!("account {} was not scanned: it is {} in AWS Organizations ({})", a.account_id, a.state, InactiveAccount::SCOPE) }
    })));
    let count = report.findings.len();
    let limit = if count > MAX_RESULTS_PER_RUN {
        Some(format!(
            "GitHub code scanning refuses a run of more than {MAX_RESULTS_PER_RUN}"
        ))
    } else if count > RESULTS_KEPT_PER_RUN {
        Some(format!(
            "GitHub code scanning keeps only the {RESULTS_KEPT_PER_RUN} most severe of a run"
        ))
    } else {
        None
    };
    if let Some(limit) = limit {
        let text = format!(
            "{count} results: {limit}; upload fewer regions (--regions) or accounts at a time, each part under its own \
             category (automationDetails.id)"
        );
        tracing::warn!("{text}");
        notifications.push(json!({ "level": "warning", "message": { "text": text } }));
    }
    // Checks that did not run: said once for the run, never as a result per function.
    notifications.extend(
        report
            .not_run_line()
            .map(|text| json!({ "level": "note", "message": { "text": text } })),
    );
    Log {
        schema: SARIF_SCHEMA,
        runs: [Run {
            automation_details: json!({ "id": format!("lambda-posture/{}/", accounts.join("+")) }),
            column_kind: "unicodeCodePoints",
            invocations: json!([{
                "executionSuccessful": true,
                "startTimeUtc": report.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "toolExecutionNotifications": notifications
            }]),
            properties: json!({
                "lookbackDays": report.lookback_days,
                "checksRun": report.checks_run,
                "checksNotRun": report.checks_not_run,
            }),
            results: Results {
                findings: &report.findings,
                rule_index,
                tags,
            },
            tool: json!({
                "driver": {
                    "name": "lambda-posture",
                    "version": report.tool_version,
                    "semanticVersion": report.tool_version,
                    "informationUri": INFORMATION_URI,
                    "rules": rules
                }
            }),
        }],
        version: "2.1.0",
    }
}

#[cfg(test)]
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(log(report)).expect("a SARIF log is JSON")
}

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    write_pretty(&log(report), out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    /// An organisation's report: the accounts not scanned (incomplete, or left out as not ACTIVE, in a hostile
    /// state text) are notifications that keep the log valid SARIF 2.1.0.
    #[test]
    fn the_accounts_not_scanned_keep_the_log_valid_sarif() {
        use lambda_posture_checks::report::{InactiveAccount, IncompleteAccount};
        let mut report = sample::report();
        report.incomplete_accounts = vec![IncompleteAccount {
            account_id: "111111111111".into(),
            reason: "cannot assume arn:aws:iam::111111111111:role/x".into(),
        }];
        report.inactive_accounts = vec![
            InactiveAccount::new("222222222222", "SUSPENDED"),
            InactiveAccount::new("333333333333", "\"}\u{1b}[2J"),
        ];
        let value = to_value(&report);
        let errors = crate::render::json::tests::schema_errors("sarif-schema-2.1.0.json", &value);
        assert!(errors.is_empty(), "{errors:#?}");
        let notes = &value["runs"][0]["invocations"][0]["toolExecutionNotifications"];
        let levels: Vec<&str> = notes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels.iter().filter(|l| **l == "note").count(), 2);
        assert_eq!(levels.iter().filter(|l| **l == "error").count(), 1);
        let _: serde_sarif::sarif::Sarif =
            serde_json::from_value(value).expect("valid SARIF 2.1.0");
    }

    #[test]
    fn sarif_parses_as_sarif_2_1_0_with_one_result_per_finding() {
        let report = sample::report();
        let value = to_value(&report);
        // The typed SARIF 2.1.0 model (generated from the OASIS schema) accepts it.
        let typed: serde_sarif::sarif::Sarif =
            serde_json::from_value(value.clone()).expect("valid SARIF 2.1.0");
        assert_eq!(typed.runs.len(), 1);
        let run = &value["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(
            rules.iter().any(|r| r["id"] == "tracing-off"),
            "catalogue checks are rules"
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for (r, f) in results.iter().zip(&report.findings) {
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"], "ruleIndex points at the rule");
            assert_eq!(r["partialFingerprints"][FINGERPRINT], f.id.as_str());
            assert_eq!(
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
                &*f.resource_arn
            );
            assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        }
        let muted = results
            .iter()
            .find(|r| r["properties"]["status"] == "muted")
            .unwrap();
        assert_eq!(muted["suppressions"][0]["status"], "accepted");
        let unknown = results
            .iter()
            .find(|r| r["properties"]["status"] == "unknown")
            .unwrap();
        assert_eq!(
            (unknown["kind"].as_str(), unknown["level"].as_str()),
            (Some("review"), Some("none"))
        );
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "the gap is reported"
        );
    }

    /// A rule names its FSBP and CIS controls in its tags, within the 10 GitHub displays, and every framework's
    /// controls in `properties.compliance`.
    #[test]
    fn rules_carry_their_controls_within_githubs_displayed_tags() {
        let value = to_value(&sample::report());
        let rules = value["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for rule in rules {
            let tags = rule["properties"]["tags"].as_array().unwrap();
            assert!(tags.len() <= 10, "{}: {} tags", rule["id"], tags.len());
        }
        let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
        let admin = &rule("role-admin-access")["properties"];
        for tag in ["aws-fsbp/IAM.1", "aws-fsbp/IAM.21", "cis-aws/1.16"] {
            assert!(
                admin["tags"].as_array().unwrap().contains(&json!(tag)),
                "{tag}"
            );
        }
        assert!(admin["compliance"]["nist-800-53-r5"]
            .as_array()
            .unwrap()
            .contains(&json!("AC-6")));
        let throttled = &rule("throttled")["properties"];
        assert_eq!(throttled["tags"], json!(["security", "aws-lambda"]));
        assert!(
            throttled.get("compliance").is_none(),
            "no control: no compliance"
        );
    }

    #[test]
    fn only_plain_relative_paths_of_a_tag_become_the_location() {
        assert_eq!(repo_path("infra/fn.tf").as_deref(), Some("infra/fn.tf"));
        assert_eq!(
            repo_path("./sam/template.yaml").as_deref(),
            Some("sam/template.yaml")
        );
        assert_eq!(
            repo_path("a b/c#d.tf").as_deref(),
            None,
            "a fragment is not a path"
        );
        assert_eq!(repo_path("a b/c.tf").as_deref(), Some("a%20b/c.tf"));
        for bad in [
            "",
            "/etc/passwd",
            "../x.tf",
            "a/../../x",
            "https://evil/x",
            "a//b",
            "a\\b",
            "a\nb",
        ] {
            assert_eq!(repo_path(bad), None, "{bad:?}");
        }
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:1:function:f:live"),
            Some("f")
        );
        assert_eq!(function_name("arn:aws:iam::1:role/r"), None);
        assert_eq!(uri_path(["aws", "..", "", "a/b"]), "aws/%2E%2E/_/a%2Fb");
    }

    #[test]
    fn a_run_past_githubs_limits_says_so() {
        let warnings = |count: usize| -> Vec<String> {
            let mut report = sample::report();
            let one = report.findings[0].clone();
            report.findings = vec![one; count];
            let value = to_value(&report);
            value["runs"][0]["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|n| n["message"]["text"].as_str())
                .filter(|t| t.contains("GitHub code scanning"))
                .map(str::to_string)
                .collect()
        };
        assert!(warnings(RESULTS_KEPT_PER_RUN).is_empty());
        let kept = warnings(RESULTS_KEPT_PER_RUN + 1);
        assert!(
            kept.len() == 1 && kept[0].contains("keeps only the 5000 most severe"),
            "{kept:?}"
        );
        let refused = warnings(MAX_RESULTS_PER_RUN + 1);
        assert!(
            refused.len() == 1 && refused[0].contains("refuses a run of more than 25000"),
            "{refused:?}"
        );
    }

    #[test]
    fn rule_names_are_identifiers() {
        assert_eq!(rule_name("lambda-public-invoke"), "LambdaPublicInvoke");
    }
}
