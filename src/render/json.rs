//! JSON report: the versioned machine-readable shape (`schema/report.schema.json`), stable key and record order.

use std::io::Write;

use lambda_posture_checks::report::Report;
use serde::Serialize;

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    write_pretty(report, out)
}

/// Pretty JSON with a final newline: what every JSON output of the tool looks like.
pub fn write_pretty(value: &impl Serialize, out: &mut impl Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::render::sample;
    use serde_json::Value;

    /// Errors of `instance` against a schema file of `schema/` (empty = valid).
    pub fn schema_errors(schema_file: &str, instance: &Value) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema")
            .join(schema_file);
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{schema_file} is not a valid schema: {e}"));
        validator
            .iter_errors(instance)
            .map(|e| format!("{e} (at {})", e.instance_path()))
            .collect()
    }

    fn sample_json() -> Value {
        let mut out = Vec::new();
        render(&sample::report(), &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn sample_report_matches_the_schema() {
        let errors = schema_errors("report.schema.json", &sample_json());
        assert!(errors.is_empty(), "{errors:#?}");
    }

    /// Each finding carries the controls its check evidences; a `--framework` summary validates against the schema.
    #[test]
    fn findings_carry_their_controls_and_a_framework_summary_validates() {
        use lambda_posture_checks::compliance::{summarize, Framework};
        let json = sample_json();
        let public = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == "lambda-public-invoke")
            .unwrap();
        assert_eq!(
            public["compliance"]["aws-fsbp"],
            serde_json::json!(["Lambda.1"])
        );
        assert_eq!(
            public["compliance"]["pci-dss-v4"],
            serde_json::json!(["7.2.1"])
        );
        assert!(
            public["compliance"].get("cis-aws").is_none(),
            "a framework without controls is absent"
        );
        for framework in Framework::ALL {
            let mut report = sample::report();
            report.framework = Some(summarize(&report, framework));
            let mut out = Vec::new();
            render(&report, &mut out).unwrap();
            let value: Value = serde_json::from_slice(&out).unwrap();
            let errors = schema_errors("report.schema.json", &value);
            assert!(errors.is_empty(), "{framework}: {errors:#?}");
            // what a report file holds reads back (diff, merge)
            let back: lambda_posture_checks::report::Report = serde_json::from_slice(&out).unwrap();
            assert_eq!(back.framework, report.framework);
            assert_eq!(back.findings[0].compliance, report.findings[0].compliance);
        }
        let mut bad = sample_json();
        bad["findings"][0]["compliance"] = serde_json::json!({ "nist-800-53-r5": ["AC3"] });
        assert!(
            !schema_errors("report.schema.json", &bad).is_empty(),
            "ill-formed control accepted"
        );
    }

    #[test]
    fn the_schema_rejects_what_it_should() {
        let mut bad = sample_json();
        bad["findings"][0]["severity"] = "urgent".into();
        assert!(
            !schema_errors("report.schema.json", &bad).is_empty(),
            "unknown severity accepted"
        );
        let mut bad = sample_json();
        bad["findings"][0].as_object_mut().unwrap().remove("id");
        assert!(
            !schema_errors("report.schema.json", &bad).is_empty(),
            "finding without id accepted"
        );
        let mut bad = sample_json();
        bad["findings"][0]["undocumented"] = 1.into();
        assert!(
            !schema_errors("report.schema.json", &bad).is_empty(),
            "undocumented key accepted"
        );
        let mut bad = sample_json();
        let muted = bad["findings"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|f| f["status"] == "muted")
            .unwrap();
        muted.as_object_mut().unwrap().remove("suppression");
        assert!(
            !schema_errors("report.schema.json", &bad).is_empty(),
            "muted finding without its suppression accepted"
        );
    }

    #[test]
    fn one_record_per_finding_with_what_a_ticket_needs() {
        let json = sample_json();
        let secret = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == "env-secret-value")
            .unwrap();
        assert_eq!(secret["evidence"]["masked_preview"], "AKIA…(20 chars)");
        assert_eq!(secret["owner_tags"]["team"], "=HYPERLINK(\"http://x\")");
        let tracing = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == "tracing-off")
            .unwrap();
        assert!(tracing["remediation"]
            .as_str()
            .unwrap()
            .contains("--tracing-config Mode=Active"));
        assert_eq!(
            tracing["doc_url"],
            "https://github.com/lambda-posture/lambda-posture/blob/main/checks/src/catalog/stability/tracing_off/README.md"
        );
    }
}
