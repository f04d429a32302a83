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
