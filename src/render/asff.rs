//! AWS Security Finding Format: a JSON array ready for Security Hub `BatchImportFindings` (at most 100 per call,
//! so callers batch it), one finding per lambda-posture finding, `Id` = the stable id so re-imports update.

use std::io::Write;

use lambda_posture_checks::arn::Arn;
use lambda_posture_checks::compliance::Framework;
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::Report;
use serde_json::{json, Value};

use super::json::write_pretty;
use super::{function_arn_of, truncate};

/// ASFF field limits (AWS Security Finding Format reference).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;

/// Security Hub's length limits on the fields this renderer writes (API reference: AwsSecurityFinding, Resource,
/// Recommendation), in UTF-16 code units as the service counts them; `*` is every element of an array or every
/// value of a map. Every finding is cut to them (`fit_to_limits`) whatever the inventory held.
pub const LIMITS: &[(&str, usize)] = &[
    ("Id", 512),
    ("GeneratorId", 512),
    ("ProductArn", 2048),
    ("AwsAccountId", 12),
    ("Region", 16),
    ("Title", TITLE_MAX),
    ("Description", DESCRIPTION_MAX),
    ("Remediation.Recommendation.Text", RECOMMENDATION_MAX),
    ("ProductFields.*", 2048),
    ("Resources.*.Type", 256),
    ("Resources.*.Region", 16),
    ("Resources.*.Tags.*", 256),
    ("Compliance.RelatedRequirements.*", RELATED_REQUIREMENT_MAX),
];
/// `Compliance.RelatedRequirements`: at most 32 items (API reference: Compliance), each kept within 256 characters.
pub const RELATED_REQUIREMENTS_MAX: usize = 32;
const RELATED_REQUIREMENT_MAX: usize = 256;
/// Keys of ProductFields and of resource tags: at most 128 code units, at most 50 entries per map.
pub const MAP_KEY_MAX: usize = 128;
pub const MAP_ENTRIES_MAX: usize = 50;
/// Maps whose keys and number of entries are bounded.
const BOUNDED_MAPS: &[&str] = &["ProductFields", "Resources.*.Tags"];
/// The partitions Security Hub accepts in Resources[].Partition.
const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov"];

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// ASFF finding types (namespace/category/classifier) for a check.
pub(super) fn types(check_id: &str) -> Vec<&'static str> {
    let mut types = vec!["Software and Configuration Checks/AWS Security Best Practices"];
    if matches!(
        check_id,
        "env-secret-value" | "env-secret-name" | "code-secret"
    ) {
        types.push("Sensitive Data Identifications/Passwords");
    }
    if check_id.starts_with("lambda-") && check_id.contains("public") {
        types.push("Effects/Data Exposure");
    }
    types
}

/// Partition from an ARN (`arn:aws:…`), `aws` when it is not one Security Hub knows.
pub(super) fn partition(arn: &str) -> &str {
    Arn::parse(arn)
        .map(|arn| arn.partition)
        .ok()
        .filter(|p| PARTITIONS.contains(p))
        .unwrap_or("aws")
}

/// At most `max` UTF-16 code units, ending in `…` when cut (never splits a character); `None` when it fits.
fn cut(text: &str, max: usize) -> Option<String> {
    if text.encode_utf16().count() <= max {
        return None;
    }
    let mut out = String::new();
    let mut units = 0;
    for c in text.chars() {
        if units + c.len_utf16() + 1 > max {
            break;
        }
        units += c.len_utf16();
        out.push(c);
    }
    out.push('…');
    Some(out)
}

/// Visit the values at `path` (dotted, `*` = every element of an array or value of a map).
fn each_at(value: &mut Value, path: &[&str], visit: &mut dyn FnMut(&mut Value)) {
    let Some((first, rest)) = path.split_first() else {
        return visit(value);
    };
    match (*first, value) {
        ("*", Value::Array(items)) => items.iter_mut().for_each(|v| each_at(v, rest, visit)),
        ("*", Value::Object(map)) => map.values_mut().for_each(|v| each_at(v, rest, visit)),
        (key, Value::Object(map)) => {
            if let Some(v) = map.get_mut(key) {
                each_at(v, rest, visit)
            }
        }
        _ => {}
    }
}

/// Whether Security Hub would refuse `text` where it wants a `NonEmptyString` (pattern `.*\S.*`), which is every
/// string of the format: empty or only white space.
fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// `-` for every blank string of `value` (a blank one fails the whole BatchImportFindings request, not one finding).
fn fill_blanks(value: &mut Value) {
    match value {
        Value::String(text) if is_blank(text) => *text = "-".to_string(),
        Value::Array(items) => items.iter_mut().for_each(fill_blanks),
        Value::Object(map) => map.values_mut().for_each(fill_blanks),
        _ => {}
    }
}

/// Cut every bounded string of one ASFF finding to Security Hub's limits ([`LIMITS`]), and its bounded maps to
/// [`MAP_ENTRIES_MAX`] entries with keys of at most [`MAP_KEY_MAX`]; an entry with a blank key or value (a tag
/// `team=""`, which AWS allows) is left out of those maps, and any other blank string becomes `-`.
fn fit_to_limits(finding: &mut Value) {
    for (path, max) in LIMITS {
        let path: Vec<&str> = path.split('.').collect();
        each_at(finding, &path, &mut |v| {
            if let Some(shorter) = v.as_str().and_then(|s| cut(s, *max)) {
                *v = Value::String(shorter);
            }
        });
    }
    for path in BOUNDED_MAPS {
        let path: Vec<&str> = path.split('.').collect();
        each_at(finding, &path, &mut |v| {
            if let Value::Object(map) = v {
                let entries = std::mem::take(map)
                    .into_iter()
                    .filter(|(key, value)| !is_blank(key) && !value.as_str().is_some_and(is_blank));
                for (key, value) in entries.take(MAP_ENTRIES_MAX) {
                    map.insert(cut(&key, MAP_KEY_MAX).unwrap_or(key), value);
                }
            }
        });
    }
    fill_blanks(finding);
}

/// Every way `finding` breaks Security Hub's limits ([`LIMITS`], the bounded maps, the known partitions), one line
/// each; empty when it is within them (the oracle of the renderer's tests and tests/hostile.rs).
pub fn limit_violations(finding: &Value) -> Vec<String> {
    let mut finding = finding.clone();
    let mut violations = Vec::new();
    for (path, max) in LIMITS {
        let parts: Vec<&str> = path.split('.').collect();
        each_at(&mut finding, &parts, &mut |v| {
            let units = v.as_str().map_or(0, |s| s.encode_utf16().count());
            if units > *max {
                violations.push(format!("{path}: {units} > {max}"));
            }
        });
    }
    for path in BOUNDED_MAPS {
        let parts: Vec<&str> = path.split('.').collect();
        each_at(&mut finding, &parts, &mut |v| match v.as_object() {
            None => violations.push(format!("{path}: not a map")),
            Some(map) if map.len() > MAP_ENTRIES_MAX => {
                violations.push(format!("{path}: {} entries", map.len()))
            }
            Some(map) if map.keys().any(|k| k.encode_utf16().count() > MAP_KEY_MAX) => {
                violations.push(format!("{path}: a key over {MAP_KEY_MAX}"))
            }
            Some(_) => {}
        });
    }
    if let Some(related) = finding["Compliance"]["RelatedRequirements"].as_array() {
        if related.len() > RELATED_REQUIREMENTS_MAX {
            violations.push(format!(
                "Compliance.RelatedRequirements: {} items > {RELATED_REQUIREMENTS_MAX}",
                related.len()
            ));
        }
    }
    blank_strings(&finding, String::new(), &mut violations);
    match finding["Resources"].as_array() {
        None => violations.push("Resources: missing".to_string()),
        Some(resources) => {
            for resource in resources {
                let partition = resource["Partition"].as_str().unwrap_or_default();
                if !PARTITIONS.contains(&partition) {
                    violations.push(format!("Resources.Partition: {partition:?} is not known"));
                }
            }
        }
    }
    violations
}

/// Every blank string or map key under `value` (at `path`), which Security Hub refuses (`NonEmptyString`).
fn blank_strings(value: &Value, path: String, violations: &mut Vec<String>) {
    match value {
        Value::String(text) if is_blank(text) => violations.push(format!("{path}: blank")),
        Value::Array(items) => {
            for item in items {
                blank_strings(item, format!("{path}.*"), violations);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if is_blank(key) {
                    violations.push(format!("{path}: a blank key"));
                }
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                blank_strings(item, path, violations);
            }
        }
        _ => {}
    }
}

/// A plain-text recommendation: the remediation's first paragraph, within the limit.
pub(super) fn recommendation(f: &Finding) -> String {
    let first = f
        .remediation
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or("");
    let text = if first.is_empty() {
        format!("See {}", f.doc_url)
    } else {
        first.replace('\n', " ")
    };
    truncate(&text, RECOMMENDATION_MAX)
}

/// The ASFF finding of `f`, dated `timestamp` (`CreatedAt`, `UpdatedAt`), cut to Security Hub's limits.
pub fn finding(f: &Finding, timestamp: &str) -> Value {
    let function_arn = function_arn_of(f);
    let (status, workflow) = match f.status {
        Status::Fail => ("FAILED", "NEW"),
        Status::Unknown => ("NOT_AVAILABLE", "NEW"),
        Status::Muted => match f.suppression.as_ref().map(|s| s.original_status) {
            Some(Status::Unknown) => ("NOT_AVAILABLE", "SUPPRESSED"),
            _ => ("FAILED", "SUPPRESSED"),
        },
    };
    let mut resources = vec![json!({
        "Type": "AwsLambdaFunction",
        "Id": function_arn,
        "Partition": partition(function_arn),
        "Region": f.region,
        "Tags": f.owner_tags,
    })];
    if *f.resource_arn != *function_arn {
        let kind = if f.resource_arn.contains(":iam::") && f.resource_arn.contains(":role/") {
            "AwsIamRole"
        } else {
            "Other"
        };
        resources.push(json!({ "Type": kind, "Id": f.resource_arn, "Partition": partition(&f.resource_arn), "Region": f.region }));
    }
    let mut product_fields = json!({
        "lambda-posture/CheckId": f.check_id,
        "lambda-posture/Status": f.status,
        "lambda-posture/FunctionName": f.resource_name,
    });
    if let Some(s) = &f.suppression {
        product_fields["lambda-posture/SuppressionReason"] = truncate(&s.reason, 1024).into();
    }
    // FSBP ids are Security Hub's own controls, not requirements: named here, never as `SecurityControlId`, which
    // identifies the Security Hub control that produced a finding.
    let fsbp = f.compliance.of(Framework::AwsFsbp);
    if !fsbp.is_empty() {
        product_fields["lambda-posture/AwsFsbpControls"] = fsbp.join(",").into();
    }
    let mut compliance = json!({ "Status": status });
    let mut related = f.compliance.related_requirements();
    related.truncate(RELATED_REQUIREMENTS_MAX);
    if !related.is_empty() {
        compliance["RelatedRequirements"] = related.into();
    }
    let mut finding = json!({
        "SchemaVersion": "2018-10-08",
        "Id": f.id,
        "ProductArn": format!("arn:{}:securityhub:{}:{}:product/{}/default", partition(function_arn), f.region, f.account_id, f.account_id),
        "GeneratorId": f.check_id,
        "AwsAccountId": f.account_id,
        "Region": f.region,
        "Types": types(&f.check_id),
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": { "Label": label(f.severity), "Original": f.severity },
        // What a finding provider may change after the first import (Security Hub ignores later top-level
        // Severity and Types): severity re-grades and type changes of later scans reach imported findings.
        "FindingProviderFields": {
            "Severity": { "Label": label(f.severity), "Original": f.severity },
            "Types": types(&f.check_id),
        },
        "Title": truncate(&f.title, TITLE_MAX),
        "Description": truncate(&f.message, DESCRIPTION_MAX),
        "Remediation": { "Recommendation": { "Text": recommendation(f), "Url": f.doc_url } },
        "SourceUrl": f.doc_url,
        "ProductFields": product_fields,
        "Resources": resources,
        "Compliance": compliance,
        "Workflow": { "Status": workflow },
        "RecordState": "ACTIVE",
    });
    fit_to_limits(&mut finding);
    finding
}

/// The ASFF findings of a report, serialised one at a time (never the whole array as one JSON tree: 100,000
/// findings would take a gigabyte).
struct Findings<'a> {
    report: &'a Report,
    timestamp: String,
}

impl<'a> Findings<'a> {
    fn of(report: &'a Report) -> Findings<'a> {
        let timestamp = report
            .collected_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Findings { report, timestamp }
    }
}

impl serde::Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.report
                .findings
                .iter()
                .map(|f| finding(f, &self.timestamp)),
        )
    }
}

#[cfg(test)]
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(Findings::of(report)).expect("ASFF findings are JSON")
}

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    write_pretty(&Findings::of(report), out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn every_finding_is_batch_import_ready() {
        let report = sample::report();
        let findings = to_value(&report);
        let findings = findings.as_array().unwrap();
        assert_eq!(findings.len(), report.findings.len());
        for (a, f) in findings.iter().zip(&report.findings) {
            for key in [
                "SchemaVersion",
                "Id",
                "ProductArn",
                "GeneratorId",
                "AwsAccountId",
                "Types",
                "CreatedAt",
                "UpdatedAt",
                "Severity",
                "Title",
                "Description",
                "Resources",
            ] {
                assert!(
                    !a[key].is_null(),
                    "{key} is required by BatchImportFindings"
                );
            }
            assert_eq!(a["Id"], f.id.as_str());
            assert_eq!(a["GeneratorId"], &*f.check_id);
            assert_eq!(
                a["ProductArn"],
                format!(
                    "arn:aws:securityhub:{}:111122223333:product/111122223333/default",
                    f.region
                )
            );
            assert_eq!(a["Resources"][0]["Type"], "AwsLambdaFunction");
            assert_eq!(a["FindingProviderFields"]["Severity"], a["Severity"]);
            assert_eq!(a["FindingProviderFields"]["Types"], a["Types"]);
            assert!(a["Title"].as_str().unwrap().chars().count() <= TITLE_MAX);
            assert!(a["Description"].as_str().unwrap().chars().count() <= DESCRIPTION_MAX);
            assert!(
                a["Remediation"]["Recommendation"]["Text"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .count()
                    <= RECOMMENDATION_MAX
            );
            assert!(["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"]
                .contains(&a["Severity"]["Label"].as_str().unwrap()));
            assert_eq!(a["CreatedAt"], "2026-11-01T10:00:00.000Z");
        }
        let status = |s: &str| {
            findings
                .iter()
                .find(|a| a["ProductFields"]["lambda-posture/Status"] == s)
                .unwrap()
        };
        assert_eq!(status("fail")["Compliance"]["Status"], "FAILED");
        assert_eq!(status("unknown")["Compliance"]["Status"], "NOT_AVAILABLE");
        assert_eq!(status("muted")["Workflow"]["Status"], "SUPPRESSED");
        let secret = findings
            .iter()
            .find(|a| a["GeneratorId"] == "env-secret-value")
            .unwrap();
        assert!(secret["Types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "Sensitive Data Identifications/Passwords"));
    }

    /// A finding names the requirements its check evidences as Security Hub words them, and its FSBP control in
    /// ProductFields, never as SecurityControlId (Security Hub's own controls' field); at most 32 are written.
    #[test]
    fn related_requirements_are_written_as_security_hub_words_them() {
        let report = sample::report();
        let findings = to_value(&report);
        let public = findings
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["GeneratorId"] == "lambda-public-invoke")
            .unwrap();
        let related: Vec<&str> = public["Compliance"]["RelatedRequirements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(related.contains(&"NIST.800-53.r5 AC-3"), "{related:?}");
        assert!(related.contains(&"NIST.800-53.r5 SC-7(11)"), "{related:?}");
        assert!(related.contains(&"PCI DSS v4.0.1/7.2.1"), "{related:?}");
        assert!(related.iter().all(|r| !r.contains("Lambda.1")));
        assert_eq!(
            public["ProductFields"]["lambda-posture/AwsFsbpControls"],
            "Lambda.1"
        );
        assert!(public["Compliance"].get("SecurityControlId").is_none());
        let admin = findings
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["GeneratorId"] == "role-admin-access");
        if let Some(admin) = admin {
            assert!(admin["Compliance"]["RelatedRequirements"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == "CIS AWS Foundations Benchmark v3.0.0/1.16"));
        }
        // A mapping longer than Security Hub takes is cut to its 32 items.
        let many: Vec<String> = (1..=40).map(|n| format!("\"AC-2({n})\"")).collect();
        let mapping = lambda_posture_checks::compliance::Mapping::parse(&format!(
            r#"{{"aws-fsbp": [], "cis-aws": [], "nist-800-53-r5": [{}], "pci-dss-v4": []}}"#,
            many.join(",")
        ))
        .unwrap();
        let mut f = report.findings[0].clone();
        f.compliance = std::borrow::Cow::Owned(mapping.controls);
        let a = finding(&f, "2026-11-01T10:00:00.000Z");
        assert_eq!(
            a["Compliance"]["RelatedRequirements"]
                .as_array()
                .unwrap()
                .len(),
            RELATED_REQUIREMENTS_MAX
        );
        assert!(
            limit_violations(&a).is_empty(),
            "{:?}",
            limit_violations(&a)
        );
    }

    #[test]
    fn every_bounded_field_is_cut_to_security_hubs_limits() {
        let mut report = sample::report();
        let long = "\u{1F600}é<x>".repeat(3000);
        for f in &mut report.findings {
            f.id = long.clone();
            f.check_id = long.clone().into();
            f.account_id = long.clone().into();
            f.region = long.clone().into();
            f.title = long.clone().into();
            f.message = long.clone();
            f.remediation = long.clone().into();
            f.resource_name = long.clone().into();
            f.resource_arn = format!("arn:{long}:iam::1:role/{long}").into();
            f.function_arn = format!("arn:{long}:lambda:x").into();
            f.owner_tags = std::sync::Arc::new(
                (0..80)
                    .map(|i| (format!("{i}{long}"), long.clone()))
                    .collect(),
            );
        }
        // blank values (AWS allows an empty tag value; a forged inventory anything): Security Hub refuses them
        let f = &mut report.findings[0];
        f.owner_tags = std::sync::Arc::new(
            [
                ("team", ""),
                (" ", "x"),
                ("owner", " \t"),
                ("cost-centre", "42"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        f.resource_name = " ".into();
        f.region = "".into();
        let findings = to_value(&report);
        for a in findings.as_array().unwrap() {
            assert_eq!(limit_violations(a), Vec::<String>::new());
        }
        let first = &findings[0];
        assert_eq!(first["Resources"][0]["Tags"], json!({"cost-centre": "42"}));
        assert_eq!(
            first["ProductFields"]["lambda-posture/FunctionName"],
            Value::Null,
            "a blank name is left out"
        );
        assert_eq!(first["Region"], "-");
        assert_eq!(
            limit_violations(
                &json!({"Title": " ", "Resources": [{"Partition": "aws", "Tags": {"a": ""}}]})
            ),
            ["Resources.*.Tags.a: blank", "Title: blank"]
        );
    }

    #[test]
    fn long_texts_are_cut_at_the_limits() {
        let mut report = sample::report();
        report.findings[0].message = "x".repeat(5000);
        report.findings[0].remediation = "é".repeat(5000).into();
        let a = &to_value(&report)[0];
        assert_eq!(
            a["Description"].as_str().unwrap().chars().count(),
            DESCRIPTION_MAX
        );
        assert_eq!(
            a["Remediation"]["Recommendation"]["Text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            RECOMMENDATION_MAX
        );
    }
}
