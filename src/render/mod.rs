//! Rendering a report: one module per output format, each writing bytes for a person or a machine.

mod json;
mod table;

use lambda_posture_checks::report::Report;

use crate::cli::Format;

/// Presentation choices that do not change the content.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub color: bool,
}

/// Render `report` in `format` straight into `out` (a large report is never held in memory whole).
pub fn render_to(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    mut out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match format {
        Format::Table => table::render(report, options, &mut out),
        Format::Json => json::render(report, &mut out),
        other => anyhow::bail!("--format {other:?} is not available yet"),
    }
}

/// `lambda-posture checks`: id, severity and title of every check.
pub fn checks_list(options: &RenderOptions) -> String {
    table::checks_list(options)
}
