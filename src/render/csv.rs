//! CSV export for spreadsheets: one row per finding, formula injection neutralised.

use std::io::Write;

use lambda_posture_checks::compliance::Controls;
use lambda_posture_checks::report::Report;

use super::tags_inline;

pub const HEADER: [&str; 18] = [
    "id",
    "status",
    "severity",
    "check_id",
    "title",
    "account_id",
    "region",
    "resource_name",
    "resource_arn",
    "function_arn",
    "owner_tags",
    "message",
    "evidence",
    "suppression_reason",
    "suppression_expires",
    "doc_url",
    "collected_at",
    "compliance",
];

/// The controls a finding evidences, one framework after the other: `aws-fsbp: Lambda.1; nist-800-53-r5: AC-3,
/// AC-3(7)` (empty when none).
fn controls_inline(controls: &Controls) -> String {
    controls
        .iter()
        .map(|(framework, ids)| format!("{}: {}", framework.id(), ids.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'` (OWASP "CSV injection").
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let collected_at = report
        .collected_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for f in &report.findings {
        let status = serde_json::to_value(f.status)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let row = [
            f.id.clone(),
            status,
            f.severity.to_string(),
            f.check_id.to_string(),
            f.title.to_string(),
            f.account_id.to_string(),
            f.region.to_string(),
            f.resource_name.to_string(),
            f.resource_arn.to_string(),
            f.function_arn.to_string(),
            tags_inline(&f.owner_tags),
            f.message.clone(),
            if f.evidence.is_null() {
                String::new()
            } else {
                f.evidence.as_json().to_string()
            },
            f.suppression
                .as_ref()
                .map(|s| s.reason.clone())
                .unwrap_or_default(),
            f.suppression
                .as_ref()
                .and_then(|s| s.expires)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            f.doc_url.to_string(),
            collected_at.clone(),
            controls_inline(&f.compliance),
        ];
        writer.write_record(row.iter().map(|cell| neutralise(cell)))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn rows() -> Vec<Vec<String>> {
        let mut out = Vec::new();
        render(&sample::report(), &mut out).unwrap();
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_slice());
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn one_row_per_finding_and_no_cell_is_a_formula() {
        let rows = rows();
        assert_eq!(rows[0], HEADER);
        assert_eq!(rows.len(), 1 + sample::report().findings.len());
        for row in &rows {
            assert_eq!(row.len(), HEADER.len());
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "formula cell: {cell}"
                );
            }
        }
        let legacy = rows.iter().find(|r| r[3] == "env-secret-value").unwrap();
        assert_eq!(
            legacy[10], "team==HYPERLINK(\"http://x\")",
            "starts with a letter: left as is"
        );
        let error_rate = rows.iter().find(|r| r[3] == "high-error-rate").unwrap();
        assert!(
            error_rate[11].starts_with("'-1+2 errors"),
            "{}",
            error_rate[11]
        );
        assert!(
            legacy[12].contains("AKIA…(20 chars)"),
            "evidence keeps the masked preview only"
        );
        assert_eq!(
            legacy[17], "nist-800-53-r5: IA-5(7); pci-dss-v4: 8.3.2",
            "the last column names the controls"
        );
        let throttled = rows.iter().find(|r| r[3] == "throttled");
        assert!(
            throttled.is_none_or(|r| r[17].is_empty()),
            "no control: empty"
        );
    }

    #[test]
    fn neutralise_prefixes_only_dangerous_cells() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("orders=api"), "orders=api");
        assert_eq!(neutralise(""), "");
    }
}
