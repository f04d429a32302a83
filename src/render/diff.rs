//! `lambda-posture diff`: new, resolved and unchanged findings between two JSON reports (table or JSON).

use std::fmt::Write as _;

use lambda_posture_checks::diff::{Diff, DiffEntry, Resolution};
use lambda_posture_checks::finding::Status;

use super::table::{cell, heading, new_table, paragraph, severity_cell};
use super::{ListFormat, RenderOptions};

pub fn render(format: ListFormat, diff: &Diff, options: &RenderOptions) -> anyhow::Result<Vec<u8>> {
    format.render(diff, || table(diff, options))
}

fn serde_name(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn section(
    text: &mut String,
    title: &str,
    entries: &[DiffEntry],
    options: &RenderOptions,
    note: impl Fn(&DiffEntry) -> String,
) {
    heading(text, &format!("{title} ({})", entries.len()), options);
    if entries.is_empty() {
        paragraph(text, "None.", options);
        return;
    }
    let mut table = new_table(options);
    table.set_header(vec!["Severity", "Check / function", "Id", "Note"]);
    for e in entries {
        let f = &e.finding;
        table.add_row(vec![
            severity_cell(f.severity, options),
            cell(format!(
                "{}\n{} ({})",
                f.check_id, f.resource_name, f.region
            )),
            cell(&f.id),
            cell(note(e)),
        ]);
    }
    let _ = writeln!(text, "{table}");
}

fn table(diff: &Diff, options: &RenderOptions) -> String {
    let mut text = String::new();
    heading(
        &mut text,
        &format!(
            "Diff {} ({}) → {} ({}): {} new, {} resolved, {} unchanged ({} changed)",
            diff.old.path,
            diff.old.collected_at.format("%Y-%m-%d"),
            diff.new.path,
            diff.new.collected_at.format("%Y-%m-%d"),
            diff.summary.new,
            diff.summary.resolved,
            diff.summary.unchanged,
            diff.summary.changed
        ),
        options,
    );
    section(&mut text, "New", &diff.new_findings, options, |e| {
        serde_name(e.finding.status)
    });
    section(
        &mut text,
        "Resolved",
        &diff.resolved_findings,
        options,
        |e| {
            let why = match e.resolution {
                Some(Resolution::Fixed) | None => "fixed",
                Some(Resolution::CheckNotRun) => "check not run",
                Some(Resolution::FunctionGone) => "function gone",
            };
            match e.finding.status {
                Status::Fail => why.to_string(),
                other => format!("{why} (was {})", serde_name(other)),
            }
        },
    );
    let changed: Vec<DiffEntry> = diff
        .unchanged_findings
        .iter()
        .filter(|e| e.previous_status.is_some() || e.previous_severity.is_some())
        .cloned()
        .collect();
    section(
        &mut text,
        "Unchanged but status or severity changed",
        &changed,
        options,
        |e| {
            let mut notes = Vec::new();
            if let Some(before) = e.previous_status {
                notes.push(format!(
                    "{} → {}",
                    serde_name(before),
                    serde_name(e.finding.status)
                ));
            }
            if let Some(before) = e.previous_severity {
                notes.push(format!("{before} → {}", e.finding.severity));
            }
            notes.join(", ")
        },
    );
    paragraph(
        &mut text,
        &format!(
            "{} finding(s) unchanged in total; `--format json` lists them all. Resolved notes: fixed (the check \
             ran on the function and no longer finds it), function gone (not in the new scan), check not run \
             (disabled or absent in the new scan).",
            diff.summary.unchanged
        ),
        options,
    );
    text
}
