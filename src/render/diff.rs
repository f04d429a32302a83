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

/// Whether the diff's findings come from several accounts (an organisation's reports): rows then name the account.
fn several_accounts(diff: &Diff) -> bool {
    let mut entries = diff
        .new_findings
        .iter()
        .chain(&diff.resolved_findings)
        .chain(&diff.unchanged_findings);
    let first = entries.next().map(|e| &e.finding.account_id);
    entries.any(|e| Some(&e.finding.account_id) != first)
}

fn section(
    text: &mut String,
    title: &str,
    entries: &[DiffEntry],
    options: &RenderOptions,
    with_account: bool,
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
            cell(if with_account {
                format!(
                    "{}\n{} ({} · {})",
                    f.check_id, f.resource_name, f.account_id, f.region
                )
            } else {
                format!("{}\n{} ({})", f.check_id, f.resource_name, f.region)
            }),
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
    let with_account = several_accounts(diff);
    section(
        &mut text,
        "New",
        &diff.new_findings,
        options,
        with_account,
        |e| serde_name(e.finding.status),
    );
    section(
        &mut text,
        "Resolved",
        &diff.resolved_findings,
        options,
        with_account,
        |e| {
            let why = match e.resolution {
                Some(Resolution::Fixed) | None => "fixed",
                Some(Resolution::CheckNotRun) => "check not run",
                Some(Resolution::FunctionGone) => "function gone",
                Some(Resolution::AccountNotScanned) => "account not scanned",
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
        with_account,
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
    if diff
        .resolved_findings
        .iter()
        .any(|e| e.resolution == Some(Resolution::AccountNotScanned))
    {
        paragraph(
            &mut text,
            "Account not scanned: the new scan did not cover the finding's account, or could not enter it (its \
             report lists it as incomplete); the finding may still be there.",
            options,
        );
    }
    text
}
