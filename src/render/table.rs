//! Terminal tables for people (comfy-table): account summary, functions worst first, findings by check.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use lambda_posture_checks::catalog;
use lambda_posture_checks::finding::Status;
use lambda_posture_checks::report::Report;

use super::RenderOptions;

fn new_table(_options: &RenderOptions) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table
}

pub fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut summary = new_table(options);
    summary.set_header(vec![
        "Account",
        "Grade",
        "Functions",
        "Failures",
        "Unknown",
        "Gaps",
    ]);
    for a in &report.accounts {
        summary.add_row(vec![
            a.account_id.clone(),
            a.grade.to_string(),
            a.functions_scanned.to_string(),
            a.failures_by_severity.values().sum::<usize>().to_string(),
            a.unknown.to_string(),
            a.gaps.len().to_string(),
        ]);
    }
    writeln!(out, "{summary}")?;
    let mut functions = new_table(options);
    functions.set_header(vec!["Score", "Function", "Region", "Runtime", "Failures"]);
    for f in &report.functions {
        functions.add_row(vec![
            f.score.to_string(),
            f.name.clone(),
            f.region.clone(),
            f.runtime.clone().unwrap_or_else(|| "image".into()),
            f.failures.to_string(),
        ]);
    }
    writeln!(out, "{functions}")?;
    let mut findings = new_table(options);
    findings.set_header(vec!["Severity", "Check", "Function", "Message"]);
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        findings.add_row(vec![
            f.severity.to_string(),
            f.check_id.clone(),
            f.resource_name.clone(),
            f.message.clone(),
        ]);
    }
    writeln!(out, "{findings}")?;
    Ok(())
}

pub fn checks_list(options: &RenderOptions) -> String {
    let mut table = new_table(options);
    table.set_header(vec!["Id", "Severity", "Title"]);
    for check in catalog::all() {
        table.add_row(vec![
            check.id.to_string(),
            check.severity.to_string(),
            check.title.to_string(),
        ]);
    }
    format!("{table}\n")
}
