//! Rendering a report: one module per output format, each writing bytes for a person or a machine.

pub mod asff;
mod csv;
pub mod diff;
mod html;
mod json;
mod ocsf;
mod org;
mod sarif;
mod table;
pub mod unused;

#[cfg(test)]
pub(crate) mod sample;

use std::collections::HashMap;

use lambda_posture_checks::catalog;
use lambda_posture_checks::check::Check;
use lambda_posture_checks::compliance::{self, Framework};
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::{FunctionSummary, Report};

/// The formats of a report (`scan`): what [`render_to`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Sarif,
    Asff,
    Ocsf,
    Html,
}

impl ReportFormat {
    /// Every report format, in the order `scan --help` lists them.
    pub const ALL: [ReportFormat; 7] = [
        ReportFormat::Table,
        ReportFormat::Json,
        ReportFormat::Csv,
        ReportFormat::Sarif,
        ReportFormat::Asff,
        ReportFormat::Ocsf,
        ReportFormat::Html,
    ];

    /// The name `--format` takes (and logs show).
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Table => "table",
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Asff => "asff",
            ReportFormat::Ocsf => "ocsf",
            ReportFormat::Html => "html",
        }
    }
}

/// The formats of a listing (`unused`, `diff`, `checks`): a table for people or JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

impl ListFormat {
    /// `value` as pretty JSON, or the table `table` draws.
    pub fn render(
        self,
        value: &impl serde::Serialize,
        table: impl FnOnce() -> String,
    ) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            ListFormat::Table => out.extend(table().into_bytes()),
            ListFormat::Json => json::write_pretty(value, &mut out)?,
        }
        Ok(out)
    }
}

/// Presentation choices that do not change the content.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// ANSI colours (only on a terminal, never with --no-color or NO_COLOR).
    pub color: bool,
    /// Width in columns every line fits in.
    pub width: u16,
}

/// Width used when the output is not a terminal (a file, a pipe, a CI log), or the terminal's is unknown.
pub const DEFAULT_WIDTH: u16 = 80;

/// Narrowest terminal width taken at its word; below it (or when the size is unknown, as on a bare pseudo-terminal
/// reporting 0 columns) [`DEFAULT_WIDTH`] is used.
const MIN_TERMINAL_WIDTH: u16 = 40;

/// The width of the terminal standard output is on, or [`DEFAULT_WIDTH`] when it is unknown or unusably narrow.
pub fn terminal_width() -> u16 {
    comfy_table::Table::new()
        .width()
        .filter(|w| *w >= MIN_TERMINAL_WIDTH)
        .unwrap_or(DEFAULT_WIDTH)
}

/// Render `report` in `format` straight into `out` (a large report is never held in memory whole).
pub fn render_to(
    format: ReportFormat,
    report: &Report,
    options: &RenderOptions,
    mut out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match format {
        ReportFormat::Table => table::render(report, options, &mut out),
        ReportFormat::Json => json::render(report, &mut out),
        ReportFormat::Csv => csv::render(report, &mut out),
        ReportFormat::Sarif => sarif::render(report, &mut out),
        ReportFormat::Asff => asff::render(report, &mut out),
        ReportFormat::Ocsf => ocsf::render(report, &mut out),
        ReportFormat::Html => html::render(report, &mut out),
    }
}

/// `lambda-posture checks`: id, severity and title of every check, and whether it is off by default (JSON: also its
/// group, documentation URL and the framework controls it evidences); with a framework, only the checks that evidence
/// one of its controls, with them.
pub fn checks_list(
    format: ListFormat,
    framework: Option<Framework>,
    options: &RenderOptions,
) -> anyhow::Result<Vec<u8>> {
    let listed: Vec<&Check> = catalog::all()
        .iter()
        .copied()
        .filter(|c| framework.is_none_or(|f| compliance::maps(c, f)))
        .collect();
    let checks: Vec<serde_json::Value> = listed
        .iter()
        .map(|check| {
            serde_json::json!({
                "id": check.id,
                "title": check.title,
                "severity": check.severity,
                "group": catalog::group_of(check.id),
                "docs_url": catalog::doc_url(check.id),
                "compliance": compliance::of(check).controls,
                "off_by_default": catalog::off_by_default(check.id),
            })
        })
        .collect();
    format.render(&checks, || table::checks_list(&listed, framework, options))
}

/// The "Compliance" section `explain` adds to a check's documentation: the controls of each framework it evidences
/// (its `compliance.json`), and why, when the mapping says.
pub fn controls_section(check: &Check) -> String {
    let mapping = compliance::of(check);
    let mut text = String::from("\n## Compliance\n\n");
    if mapping.controls.is_empty() {
        let frameworks: Vec<String> = Framework::ALL
            .iter()
            .map(|f| format!("{} {}", f.name(), f.version()))
            .collect();
        text.push_str(&format!("No control of {}.\n", frameworks.join(", ")));
    }
    for (framework, controls) in mapping.controls.iter() {
        text.push_str(&format!(
            "- {} {} (`{}`): {}\n",
            framework.name(),
            framework.version(),
            framework.id(),
            controls.join(", ")
        ));
    }
    if let Some(notes) = &mapping.notes {
        text.push_str(&format!("\n{notes}\n"));
    }
    text
}

/// The findings of each function, grouped once (by function ARN; by account, region and name for findings without
/// one): filtering every finding for every function would be quadratic (10,000 functions, 100,000 findings).
pub struct FindingsByFunction<'a> {
    by_arn: HashMap<&'a str, Vec<&'a Finding>>,
    by_name: HashMap<(&'a str, &'a str, &'a str), Vec<&'a Finding>>,
}

impl<'a> FindingsByFunction<'a> {
    pub fn of(report: &'a Report) -> FindingsByFunction<'a> {
        let mut index = FindingsByFunction {
            by_arn: HashMap::new(),
            by_name: HashMap::new(),
        };
        for f in &report.findings {
            if f.function_arn.is_empty() {
                let key = (&*f.account_id, &*f.region, &*f.resource_name);
                index.by_name.entry(key).or_default().push(f);
            } else {
                index.by_arn.entry(&f.function_arn).or_default().push(f);
            }
        }
        index
    }

    /// The findings of `function`.
    pub fn get<'s>(
        &'s self,
        function: &'a FunctionSummary,
    ) -> impl Iterator<Item = &'a Finding> + 's {
        let key = (
            function.account_id.as_str(),
            function.region.as_str(),
            function.name.as_str(),
        );
        let by_arn = self.by_arn.get(function.arn.as_str()).into_iter().flatten();
        let by_name = self.by_name.get(&key).into_iter().flatten();
        by_arn.chain(by_name).copied()
    }
}

/// One check failing on a function: its severity and how many findings it has there.
pub struct CheckCount<'a> {
    pub severity: Severity,
    pub check_id: &'a str,
    pub count: usize,
}

impl CheckCount<'_> {
    /// ` ×n` when the check fails several times on the function, else nothing.
    pub fn times(&self) -> String {
        if self.count > 1 {
            format!(" ×{}", self.count)
        } else {
            String::new()
        }
    }
}

/// The failing checks of one function, worst severity first (then by id), each once with its number of findings:
/// at most `max` of them, and how many more checks there are.
pub fn top_checks<'a>(
    failing: impl IntoIterator<Item = &'a Finding>,
    max: usize,
) -> (Vec<CheckCount<'a>>, usize) {
    let mut counts: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> =
        Default::default();
    for f in failing {
        *counts
            .entry((std::cmp::Reverse(f.severity), &*f.check_id))
            .or_default() += 1;
    }
    let more = counts.len().saturating_sub(max);
    let top = counts
        .into_iter()
        .take(max)
        .map(|((severity, check_id), count)| CheckCount {
            severity: severity.0,
            check_id,
            count,
        })
        .collect();
    (top, more)
}

/// Findings grouped by severity and check (a check can grade its findings differently), worst severity first, then
/// by check id: how the table and the HTML page list them.
pub fn by_severity_and_check<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Vec<(Severity, &'a str, Vec<&'a Finding>)> {
    let mut groups: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&Finding>> =
        std::collections::BTreeMap::new();
    for f in findings {
        groups
            .entry((std::cmp::Reverse(f.severity), &*f.check_id))
            .or_default()
            .push(f);
    }
    groups
        .into_iter()
        .map(|((std::cmp::Reverse(severity), check_id), list)| (severity, check_id, list))
        .collect()
}

/// Failing findings counted per severity, worst first, all five severities present.
pub fn failures_by_severity(report: &Report) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|&s| {
            (
                s,
                report
                    .findings
                    .iter()
                    .filter(|f| f.status == Status::Fail && f.severity == s)
                    .count(),
            )
        })
        .collect()
}

/// The function a finding belongs to: its ARN when the engine filled it, else the resource ARN.
pub fn function_arn_of(finding: &Finding) -> &str {
    if finding.function_arn.is_empty() {
        &finding.resource_arn
    } else {
        &finding.function_arn
    }
}

/// `key=value; key=value` for owner tags (or any tag map).
pub fn tags_inline(tags: &std::collections::BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `text` safe to print on a terminal: every character that could hide or disguise text — control characters (the
/// escape sequences a hostile name, tag or policy could carry), bidirectional overrides and isolates, zero-width and
/// other invisible format characters, line and paragraph separators — is shown visibly as `<U+XXXX>`, so a name can
/// neither rewrite the terminal nor read as another. Line breaks stay.
pub fn printable(text: &str) -> String {
    visible(text, true)
}

/// Like [`printable`], on one line: a line break is shown as `<U+000A>` too (error messages).
pub fn printable_line(text: &str) -> String {
    visible(text, false)
}

fn visible(text: &str, keep_newlines: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c == '\n' && keep_newlines) || !is_hidden(c) {
            out.push(c);
        } else {
            let _ = write!(out, "<U+{:04X}>", u32::from(c));
        }
    }
    out
}

/// Whether `c` is invisible or changes how the text around it is shown: Unicode control (Cc) and format (Cf)
/// characters, line and paragraph separators (Zl, Zp), and the blank fillers fonts draw as nothing.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
            | '\u{034F}'                    // combining grapheme joiner
            | '\u{0600}'..='\u{0605}'       // Arabic number signs
            | '\u{061C}'                    // Arabic letter mark
            | '\u{06DD}' | '\u{070F}' | '\u{0890}' | '\u{0891}' | '\u{08E2}'
            | '\u{115F}' | '\u{1160}'       // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'       // Mongolian variation selectors and vowel separator
            | '\u{200B}'..='\u{200F}'       // zero-width space, joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'       // line/paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'       // word joiner, invisible operators, bidi isolates, deprecated formats
            | '\u{3164}' | '\u{FFA0}'       // Hangul fillers
            | '\u{FE00}'..='\u{FE0F}'       // variation selectors
            | '\u{FEFF}'                    // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation
            | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'     // tag characters and variation selectors supplement
        )
}

/// At most `max` characters, ending in `…` when cut (never splits a character).
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
