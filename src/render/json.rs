//! JSON report: the versioned machine-readable shape, stable key order.

use std::io::Write;

use lambda_posture_checks::report::Report;

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}
