//! OCSF 1.6.0 (the version AWS Security Hub documents today) Detection Finding events, class_uid 2004: a JSON array
//! with one event per finding, as Prowler writes its OCSF output. Validated by the tests against
//! `schema/ocsf/detection_finding-1.6.0.schema.json`, compiled from the OCSF definitions (schema/ocsf/README.md).

use std::io::Write;

use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::Report;
use serde_json::{json, Value};

use super::asff::{partition, recommendation, types};
use super::function_arn_of;
use super::json::write_pretty;

pub const OCSF_VERSION: &str = "1.6.0";
const CATEGORY_UID: u32 = 2; // Findings
const CLASS_UID: u32 = 2004; // Detection Finding
const ACTIVITY_CREATE: u32 = 1;
const INFORMATION_URI: &str = "https://github.com/lambda-posture/lambda-posture";

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// `resources[]`: the function (with its owner tags), and the shared resource the finding is about when it is
/// another one (an execution role, a layer).
fn resources(f: &Finding) -> Vec<Value> {
    let function_arn = function_arn_of(f);
    let mut function = json!({
        "uid": function_arn,
        "name": f.resource_name,
        "type": "AWS::Lambda::Function",
        "region": f.region,
        "cloud_partition": partition(function_arn),
    });
    if !f.owner_tags.is_empty() {
        function["tags"] = f
            .owner_tags
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
    }
    let mut resources = vec![function];
    if *f.resource_arn != *function_arn {
        let kind = if f.resource_arn.contains(":iam::") && f.resource_arn.contains(":role/") {
            "AWS::IAM::Role"
        } else {
            "Other"
        };
        resources.push(json!({ "uid": f.resource_arn, "type": kind, "cloud_partition": partition(&f.resource_arn) }));
    }
    resources
}

/// The framework controls the finding's check evidences, one object per framework shaped like OCSF's `compliance`
/// object (`standards`, `requirements`). Detection Finding 1.6.0 has no `compliance` attribute (Compliance Finding,
/// class 2003, has), so they go under `unmapped`, where Prowler's OCSF output keeps its compliance too.
fn compliance(f: &Finding) -> Vec<Value> {
    f.compliance
        .iter()
        .map(|(framework, controls)| {
            json!({
                "standards": [format!("{} {}", framework.name(), framework.version())],
                "requirements": controls,
            })
        })
        .collect()
}

fn event(f: &Finding, time_ms: i64, tool_version: &str) -> Value {
    let (severity_id, severity_name) = severity(f.severity);
    // `status` is the finding's workflow state (muted: suppressed); whether the check failed or could not decide
    // is `status_code`, as in Prowler's OCSF output.
    let (status_id, status) = match f.status {
        Status::Muted => (3, "Suppressed"),
        Status::Fail | Status::Unknown => (1, "New"),
    };
    let decided = f
        .suppression
        .as_ref()
        .map_or(f.status, |s| s.original_status);
    let status_code = if decided == Status::Unknown {
        "UNKNOWN"
    } else {
        "FAIL"
    };
    let mut event = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status,
        "status_code": status_code,
        "is_alert": f.status == Status::Fail,
        "message": f.message,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": f.id,
            "event_code": f.check_id,
            "profiles": ["cloud"],
            "product": {
                "name": "lambda-posture",
                "vendor_name": "lambda-posture",
                "version": tool_version,
                "url_string": INFORMATION_URI,
            },
        },
        "finding_info": {
            "uid": f.id,
            "title": f.title,
            "desc": f.message,
            "types": types(&f.check_id),
            "created_time": time_ms,
            "src_url": f.doc_url,
            "analytic": { "uid": f.check_id, "name": f.title, "type_id": 1, "type": "Rule" },
        },
        "cloud": {
            "provider": "AWS",
            "region": f.region,
            "account": { "uid": f.account_id, "type_id": 10, "type": "AWS Account" },
        },
        "resources": resources(f),
        "remediation": { "desc": recommendation(f), "references": [f.doc_url] },
        "unmapped": {
            "lambda_posture": {
                "status": f.status,
                "function_arn": f.function_arn,
                "evidence": f.evidence,
            },
        },
    });
    let compliance = compliance(f);
    if !compliance.is_empty() {
        event["unmapped"]["compliance"] = compliance.into();
    }
    if let Some(s) = &f.suppression {
        event["status_detail"] = format!("muted: {}", s.reason).into();
        event["unmapped"]["lambda_posture"]["suppression"] = json!(s);
    } else if f.status == Status::Unknown {
        event["status_detail"] =
            "the data the check needs could not be collected: neither pass nor fail".into();
    }
    event
}

/// The events of a report, serialised one at a time (never the whole array as one JSON tree).
struct Events<'a> {
    report: &'a Report,
}

impl serde::Serialize for Events<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = self.report.collected_at.timestamp_millis();
        let version = &self.report.tool_version;
        serializer.collect_seq(self.report.findings.iter().map(|f| event(f, time, version)))
    }
}

#[cfg(test)]
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(Events { report }).expect("OCSF events are JSON")
}

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    write_pretty(&Events { report }, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::tests::schema_errors;
    use crate::render::sample;

    #[test]
    fn every_finding_is_one_detection_finding_valid_against_the_ocsf_schema() {
        let report = sample::report();
        let events = to_value(&report);
        let events = events.as_array().unwrap();
        assert_eq!(events.len(), report.findings.len());
        for (e, f) in events.iter().zip(&report.findings) {
            let errors = schema_errors("ocsf/detection_finding-1.6.0.schema.json", e);
            assert!(errors.is_empty(), "{}: {errors:#?}", f.id);
            assert_eq!(e["finding_info"]["uid"], f.id.as_str());
            assert_eq!(e["class_uid"], 2004);
        }
        let by_status = |s: &str| {
            events
                .iter()
                .find(|e| e["unmapped"]["lambda_posture"]["status"] == s)
                .unwrap()
        };
        assert_eq!(by_status("muted")["status_id"], 3);
        assert_eq!(by_status("unknown")["status_code"], "UNKNOWN");
        assert_eq!(by_status("fail")["is_alert"], true);
        // Detection Finding has no `compliance` attribute: the controls go under `unmapped`, shaped like OCSF's
        // compliance object, one per framework.
        let public = events
            .iter()
            .find(|e| e["metadata"]["event_code"] == "lambda-public-invoke")
            .unwrap();
        let compliance = public["unmapped"]["compliance"].as_array().unwrap();
        assert_eq!(
            compliance[0],
            json!({ "standards": ["AWS Foundational Security Best Practices v1.0.0"], "requirements": ["Lambda.1"] })
        );
        assert!(compliance
            .iter()
            .any(|c| c["standards"][0] == "NIST SP 800-53 Revision 5"
                && c["requirements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == "AC-3")));
    }
}
