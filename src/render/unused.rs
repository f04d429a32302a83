//! `lambda-posture unused`: functions idle longest first (table or JSON), and apart those whose usage is unknown.

use std::fmt::Write as _;

use comfy_table::Cell;
use lambda_posture_checks::unused::{TriggerKind, UnusedFunction, UnusedReport};

use super::json::write_pretty;
use super::table::{heading, new_table, paragraph};
use super::RenderOptions;
use crate::cli::Format;

pub fn render(format: Format, report: &UnusedReport, options: &RenderOptions) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        Format::Table => out.extend(table(report, options).into_bytes()),
        Format::Json => write_pretty(report, &mut out)?,
        other => anyhow::bail!("`unused` writes table or json, not {}", format_name(other)),
    }
    Ok(out)
}

pub fn format_name(format: Format) -> String {
    clap::ValueEnum::to_possible_value(&format).map(|v| v.get_name().to_string()).unwrap_or_default()
}

/// "never in 90 days" or "2026-05-01 (184 days ago)".
pub fn idle_text(f: &UnusedFunction) -> String {
    match f.last_invocation {
        None => format!("never in {} days", f.window_days),
        Some(date) => format!("{date} ({} days ago)", f.idle_days),
    }
}

fn triggers_text(f: &UnusedFunction) -> String {
    let mut parts: Vec<String> = f
        .triggers
        .iter()
        .map(|t| {
            let kind = match t.kind {
                TriggerKind::EventSourceMapping => "mapping",
                TriggerKind::ResourcePolicy => "policy",
                TriggerKind::FunctionUrl => "url",
            };
            let detail = t.detail.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default();
            let qualifier = t.qualifier.as_deref().map(|q| format!(" @{q}")).unwrap_or_default();
            format!("{kind}: {}{qualifier}{detail}", t.source)
        })
        .collect();
    if parts.is_empty() {
        parts.push("none".into());
    }
    if !f.data_gaps.is_empty() {
        parts.push(format!("(incomplete: {} failed)", f.data_gaps.join(", ")));
    }
    parts.join("\n")
}

fn table(report: &UnusedReport, options: &RenderOptions) -> String {
    let mut text = String::new();
    heading(
        &mut text,
        &format!(
            "Unused functions: {} of {} with no invocation for {} days or more (collected {})",
            report.unused.len(),
            report.functions_scanned,
            report.threshold_days,
            report.collected_at.format("%Y-%m-%d")
        ),
        options,
    );
    if report.unused.is_empty() {
        paragraph(&mut text, "None.", options);
    } else {
        let mut table = new_table(options);
        table.set_header(vec!["Function", "Last invoked", "Modified", "Triggers still attached", "Billed / role"]);
        for f in &report.unused {
            let billed: Vec<String> =
                f.provisioned_concurrency.iter().map(|p| format!("PC {} @{}", p.executions, p.qualifier)).collect();
            let role = match f.role_shared_with.len() {
                0 => "role: own".to_string(),
                n => format!("role shared with {n}"),
            };
            let billed = if billed.is_empty() { role } else { format!("{}\n{role}", billed.join("\n")) };
            table.add_row(vec![
                Cell::new(format!("{}\n{}", f.name, f.region)),
                Cell::new(idle_text(f)),
                Cell::new(f.last_modified.map(|d| d.to_string()).unwrap_or_else(|| "?".into())),
                Cell::new(triggers_text(f)),
                Cell::new(billed),
            ]);
        }
        let _ = writeln!(text, "{table}");
    }
    if !report.unknown.is_empty() {
        heading(&mut text, &format!("Unknown: {} function(s) whose invocation metrics are missing", report.unknown.len()), options);
        let mut table = new_table(options);
        table.set_header(vec!["Function", "Region", "Why"]);
        for u in &report.unknown {
            table.add_row(vec![Cell::new(&u.name), Cell::new(&u.region), Cell::new(&u.reason)]);
        }
        let _ = writeln!(text, "{table}");
    }
    text
}
