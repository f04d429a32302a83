//! SARIF 2.1.0 for code-scanning dashboards: one rule per check of the catalogue, one result per finding with the
//! resource ARN as a logical location and the stable id as a partial fingerprint.

use std::collections::BTreeMap;
use std::io::Write;

use lambda_posture_checks::catalog;
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::Report;
use serde::Serialize;
use serde_json::{json, Value};

use super::json::write_pretty;

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/lambda-posture/lambda-posture";
/// Key of the stable finding id among the results' partial fingerprints.
pub const FINGERPRINT: &str = "lambdaPostureFindingId/v1";

/// SARIF level of a failing finding of `severity`.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` score dashboards (e.g. GitHub code scanning) sort by.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
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
            json!({
                "id": check.id,
                "name": rule_name(check.id),
                "shortDescription": { "text": check.title },
                "fullDescription": { "text": if summary.is_empty() { check.title } else { summary } },
                "help": { "text": check.docs, "markdown": check.docs },
                "helpUri": catalog::doc_url(check.id),
                "defaultConfiguration": { "level": level(check.severity) },
                "properties": {
                    "security-severity": security_severity(check.severity),
                    "tags": ["security", "aws-lambda"],
                    "precision": "high"
                }
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
        json!({
            "id": f.check_id,
            "name": rule_name(&f.check_id),
            "shortDescription": { "text": f.title },
            "helpUri": f.doc_url,
            "defaultConfiguration": { "level": level(f.severity) },
            "properties": { "security-severity": security_severity(f.severity), "tags": ["security", "aws-lambda"] }
        })
    }));
    rules
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "kind": if f.status == Status::Unknown { "review" } else { "fail" },
        "level": if f.status == Status::Unknown { "none" } else { level(f.severity) },
        "message": { "text": f.message },
        "locations": [{
            "logicalLocations": [{
                "name": f.resource_name,
                "fullyQualifiedName": f.resource_arn,
                "kind": "resource"
            }],
            "message": { "text": format!("{} in {} ({})", f.resource_name, f.region, f.account_id) }
        }],
        "partialFingerprints": { FINGERPRINT: f.id },
        "properties": {
            "findingId": f.id,
            "severity": f.severity,
            "status": f.status,
            "accountId": f.account_id,
            "region": f.region,
            "functionArn": f.function_arn,
            "ownerTags": f.owner_tags,
            "evidence": f.evidence,
            "security-severity": security_severity(f.severity)
        }
    });
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
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.findings
                .iter()
                .map(|f| result(f, self.rule_index[&*f.check_id])),
        )
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
    Log {
        schema: SARIF_SCHEMA,
        runs: [Run {
            automation_details: json!({ "id": format!("lambda-posture/{}/", accounts.join("+")) }),
            column_kind: "unicodeCodePoints",
            invocations: json!([{
                "executionSuccessful": true,
                "startTimeUtc": report.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "toolExecutionNotifications": report.accounts.iter().flat_map(|a| &a.gaps).map(|g| json!({
                    "level": "warning",
                    "message": { "text": format!("{}:{} could not be collected ({}): {}", g.service, g.operation,
                        g.resource.as_deref().or(g.region.as_deref()).unwrap_or("account-wide"), g.error) }
                })).collect::<Vec<_>>()
            }]),
            properties: json!({ "lookbackDays": report.lookback_days, "checksRun": report.checks_run }),
            results: Results {
                findings: &report.findings,
                rule_index,
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

    #[test]
    fn rule_names_are_identifiers() {
        assert_eq!(rule_name("lambda-public-invoke"), "LambdaPublicInvoke");
    }
}
