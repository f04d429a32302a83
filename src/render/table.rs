//! Terminal report for people (comfy-table): account summary, functions worst first, findings grouped by check,
//! then what could not be decided, what was muted and which suppressions need attention.
//! Colour only when asked (`RenderOptions::color`); every line fits the width (80 columns off a terminal).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};
use lambda_posture_checks::catalog;
use lambda_posture_checks::check::Check;
use lambda_posture_checks::compliance::{self, ControlStatus, Framework};
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::{AccountSummary, Report};
use lambda_posture_checks::suppress::SuppressionState;

use super::{failures_by_severity, FindingsByFunction, RenderOptions};

/// A table cell holding `content` made [`printable`](super::printable): no escape sequence reaches the terminal
/// from the data.
pub fn cell(content: impl ToString) -> Cell {
    Cell::new(super::printable(&content.to_string()))
}

/// A table in the house style, sized and coloured as the options say.
pub fn new_table(options: &RenderOptions) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(options.width);
    if options.color {
        table.enforce_styling();
    }
    table
}

/// The width plain text lines wrap at.
pub fn line_width(options: &RenderOptions) -> usize {
    options.width as usize
}

pub fn severity_color(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Magenta,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Grey,
    }
}

/// A cell coloured (when colour is on) like its severity.
pub fn severity_cell(severity: Severity, options: &RenderOptions) -> Cell {
    let label = cell(severity.as_str());
    if options.color {
        label
            .fg(severity_color(severity))
            .add_attribute(Attribute::Bold)
    } else {
        label
    }
}

pub(super) fn grade_color(grade: char) -> Color {
    match grade {
        'A' | 'B' => Color::Green,
        'C' => Color::Yellow,
        _ => Color::Red,
    }
}

/// A section heading: bold when coloured, wrapped to the width.
pub fn heading(out: &mut String, text: &str, options: &RenderOptions) {
    out.push('\n');
    for line in wrap(text, line_width(options)) {
        if options.color {
            let _ = writeln!(out, "\x1b[1m{line}\x1b[0m");
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Plain text wrapped to the width.
pub fn paragraph(out: &mut String, text: &str, options: &RenderOptions) {
    for line in wrap(text, line_width(options)) {
        let _ = writeln!(out, "{line}");
    }
}

/// A list item: "  - " then the text, continuation lines indented under it, wrapped to the width.
pub fn bullet(out: &mut String, text: &str, options: &RenderOptions) {
    let width = line_width(options).saturating_sub(4);
    for (i, line) in wrap(text, width).into_iter().enumerate() {
        let marker = if i == 0 { "  - " } else { "    " };
        let _ = writeln!(out, "{marker}{line}");
    }
}

/// Word-wrap `text` at `width` columns (words longer than the width are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let text = super::printable(text);
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed = if line.is_empty() {
            word.chars().count()
        } else {
            line.chars().count() + 1 + word.chars().count()
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut text = String::new();
    let date = report.collected_at.format("%Y-%m-%d %H:%M UTC");
    heading(
        &mut text,
        &format!(
            "lambda-posture {} · collected {date} · metrics over {} days · {} checks",
            report.tool_version,
            report.lookback_days,
            report.checks_run.len()
        ),
        options,
    );
    if let Some(line) = report.not_run_line() {
        paragraph(&mut text, &line, options);
    }
    if super::org::is_organisation(report) {
        super::org::accounts_section(&mut text, report, options);
    } else {
        for account in &report.accounts {
            let _ = writeln!(text, "{}", account_table(account, report, options));
        }
    }
    framework_section(&mut text, report, options);
    functions_section(&mut text, report, options);
    failures_section(&mut text, report, options);
    unknown_section(&mut text, report, options);
    muted_section(&mut text, report, options);
    suppressions_section(&mut text, report, options);
    text.push('\n');
    paragraph(
        &mut text,
        "Scores: each function starts at 100; every failing finding multiplies it (critical ×0.50, high ×0.75, \
         medium ×0.90, low ×0.97, info ×1). Unknown and muted findings do not count. \
         Details and remediation: `lambda-posture explain <check-id>`.",
        options,
    );
    out.write_all(text.as_bytes())?;
    Ok(())
}

fn account_table(account: &AccountSummary, report: &Report, options: &RenderOptions) -> Table {
    let mut table = new_table(options);
    let grade = cell(format!(
        "{} (mean function score {:.1}/100)",
        account.grade, account.mean_score
    ));
    let grade = if options.color {
        grade
            .fg(grade_color(account.grade))
            .add_attribute(Attribute::Bold)
    } else {
        grade
    };
    let failures: Vec<String> = failures_by_severity_of(report, &account.account_id)
        .into_iter()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect();
    let gaps = gaps_line(account);
    table.add_row(vec![
        cell("Account"),
        cell(format!(
            "{} ({})",
            account.account_id,
            account.regions.join(", ")
        )),
    ]);
    table.add_row(vec![cell("Grade"), grade]);
    table.add_row(vec![
        cell("Functions scanned"),
        cell(account.functions_scanned),
    ]);
    table.add_row(vec![cell("Failing findings"), cell(failures.join(", "))]);
    table.add_row(vec![
        cell("Unknown / muted"),
        cell(format!(
            "{} unknown, {} muted",
            account.unknown, account.muted
        )),
    ]);
    table.add_row(vec![cell("Gaps"), cell(gaps)]);
    if let Some(not_examined) = &account.not_examined {
        table.add_row(vec![cell("Not examined"), cell(not_examined.line())]);
    }
    table
}

/// The account's failed calls in one line: how many, of which operations.
pub(super) fn gaps_line(account: &AccountSummary) -> String {
    if account.gaps.is_empty() {
        return "none: every call succeeded".to_string();
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for gap in &account.gaps {
        *kinds
            .entry(format!("{}:{}", gap.service, gap.operation))
            .or_default() += 1;
    }
    let list: Vec<String> = kinds
        .into_iter()
        .map(|(op, n)| format!("{op} ×{n}"))
        .collect();
    format!(
        "{} calls failed ({}); affected checks say unknown",
        account.gaps.len(),
        list.join(", ")
    )
}

fn failures_by_severity_of(report: &Report, account_id: &str) -> Vec<(Severity, usize)> {
    let account_findings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| *f.account_id == *account_id)
        .collect();
    Severity::ALL
        .iter()
        .map(|&s| {
            (
                s,
                account_findings
                    .iter()
                    .filter(|f| f.status == Status::Fail && f.severity == s)
                    .count(),
            )
        })
        .collect()
}

fn functions_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let listed: Vec<_> = report
        .functions
        .iter()
        .filter(|f| f.failures > 0 || f.unknown > 0)
        .collect();
    heading(
        text,
        &format!(
            "Functions, worst first ({} of {} with findings)",
            listed.len(),
            report.functions.len()
        ),
        options,
    );
    if listed.is_empty() {
        paragraph(
            text,
            "No function has a failing or unknown finding.",
            options,
        );
        return;
    }
    let mut table = new_table(options);
    table.set_header(vec!["Score", "Function", "Top findings"]);
    let findings_of = FindingsByFunction::of(report);
    for function in listed {
        let failing: Vec<&Finding> = findings_of
            .get(function)
            .filter(|f| f.status == Status::Fail)
            .collect();
        let mut top = top_checks(&failing, 3);
        if function.unknown > 0 {
            top.push(format!("{} unknown", function.unknown));
        }
        let score = cell(function.score);
        let score = if options.color {
            score.fg(grade_color(score_grade(function.score)))
        } else {
            score
        };
        table.add_row(vec![
            score,
            cell(format!(
                "{}\n{} · {}",
                function.name,
                super::org::place(report, &function.account_id, &function.region),
                function.runtime.as_deref().unwrap_or("image")
            )),
            cell(top.join("\n")),
        ]);
    }
    let _ = writeln!(text, "{table}");
}

/// The `max` worst failing checks, one line each ("check (severity)", "×n" when it fails several times), then
/// "+n more checks" for the rest.
fn top_checks(failing: &[&Finding], max: usize) -> Vec<String> {
    let (top, more) = super::top_checks(failing.iter().copied(), max);
    let mut lines: Vec<String> = top
        .iter()
        .map(|c| format!("{}{} ({})", c.check_id, c.times(), c.severity))
        .collect();
    if more > 0 {
        lines.push(format!("+{more} more checks"));
    }
    lines
}

fn score_grade(score: u8) -> char {
    match score {
        90.. => 'A',
        70..=89 => 'C',
        _ => 'F',
    }
}

/// Findings of one status grouped by check, worst severity first.
fn by_check(report: &Report, status: Status) -> Vec<(&str, Vec<&Finding>)> {
    super::by_severity_and_check(report.findings.iter().filter(|f| f.status == status))
        .into_iter()
        .map(|(_, check, list)| (check, list))
        .collect()
}

fn failures_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let totals: Vec<String> = failures_by_severity(report)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let total: usize = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .count();
    heading(
        text,
        &format!(
            "Failing findings by check ({total}{})",
            if totals.is_empty() {
                String::new()
            } else {
                format!(": {}", totals.join(", "))
            }
        ),
        options,
    );
    if total == 0 {
        paragraph(text, "None.", options);
        return;
    }
    for (check_id, findings) in by_check(report, Status::Fail) {
        let first = findings[0];
        let label = format!(
            "{} · {check_id} · {} ({})",
            first.severity.as_str().to_uppercase(),
            first.title,
            findings.len()
        );
        check_heading(text, &label, first.severity, options);
        let mut table = new_table(options);
        table.set_header(vec!["Function", "Finding"]);
        for f in findings {
            table.add_row(vec![
                cell(format!(
                    "{}\n{}",
                    f.resource_name,
                    super::org::place(report, &f.account_id, &f.region)
                )),
                cell(&f.message),
            ]);
        }
        let _ = writeln!(text, "{table}");
    }
}

fn check_heading(text: &mut String, label: &str, severity: Severity, options: &RenderOptions) {
    text.push('\n');
    for line in wrap(label, line_width(options)) {
        if options.color {
            let code = match severity_color(severity) {
                Color::Magenta => "1;35",
                Color::Red => "1;31",
                Color::Yellow => "1;33",
                Color::Cyan => "1;36",
                _ => "1;37",
            };
            let _ = writeln!(text, "\x1b[{code}m{line}\x1b[0m");
        } else {
            let _ = writeln!(text, "{line}");
        }
    }
}

fn unknown_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let unknown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown)
        .collect();
    if unknown.is_empty() {
        return;
    }
    heading(
        text,
        &format!(
            "Could not decide ({}): data missing, neither pass nor fail",
            unknown.len()
        ),
        options,
    );
    // One row per reason: a missing role, a denied call or an unscanned package leaves many checks and functions
    // undecided alike. Rows in the order of their first finding (worst severity first).
    let mut reasons: Vec<(&str, Vec<&str>, Vec<&str>)> = Vec::new();
    for f in unknown {
        let why = f
            .message
            .strip_prefix("Could not decide: ")
            .unwrap_or(&f.message);
        let index = match reasons.iter().position(|(w, _, _)| *w == why) {
            Some(i) => i,
            None => {
                reasons.push((why, Vec::new(), Vec::new()));
                reasons.len() - 1
            }
        };
        let (_, checks, functions) = &mut reasons[index];
        if !checks.contains(&&*f.check_id) {
            checks.push(&f.check_id);
        }
        if !functions.contains(&&*f.resource_name) {
            functions.push(&f.resource_name);
        }
    }
    let mut table = new_table(options);
    table.set_header(vec!["Why", "Checks", "Functions"]);
    for (why, checks, mut functions) in reasons {
        functions.sort_unstable();
        let who = if functions.len() == report.functions.len() && functions.len() > 1 {
            format!("every function ({})", functions.len())
        } else {
            functions.join(", ")
        };
        table.add_row(vec![cell(why), cell(checks.join("\n")), cell(who)]);
    }
    let _ = writeln!(text, "{table}");
}

fn muted_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let muted: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Muted)
        .collect();
    if muted.is_empty() {
        return;
    }
    heading(
        text,
        &format!("Muted by suppressions ({})", muted.len()),
        options,
    );
    let mut table = new_table(options);
    table.set_header(vec!["Check", "Function", "Reason"]);
    for f in muted {
        let reason = f.suppression.as_ref().map_or_else(String::new, |s| {
            let expiry = s
                .expires
                .map_or_else(String::new, |d| format!(" (until {d})"));
            format!("#{} {}{expiry}", s.index, s.reason)
        });
        table.add_row(vec![
            cell(&f.check_id),
            cell(format!("{}\n{}", f.resource_name, f.region)),
            cell(reason),
        ]);
    }
    let _ = writeln!(text, "{table}");
}

fn suppressions_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let stale: Vec<_> = report
        .suppressions
        .iter()
        .filter(|s| s.state != SuppressionState::Active)
        .collect();
    if stale.is_empty() {
        return;
    }
    heading(
        text,
        &format!("Suppressions needing attention ({})", stale.len()),
        options,
    );
    let mut table = new_table(options);
    table.set_header(vec!["Entry", "State", "Matches", "Reason"]);
    for s in stale {
        let state = match s.state {
            SuppressionState::Expired => format!(
                "expired {}",
                s.entry.expires.map(|d| d.to_string()).unwrap_or_default()
            ),
            SuppressionState::Unmatched => "matches nothing".to_string(),
            SuppressionState::Active => "active".to_string(),
        };
        let matchers: Vec<String> = s
            .entry
            .matchers()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let state_cell = if options.color {
            cell(state).fg(Color::Yellow)
        } else {
            cell(state)
        };
        table.add_row(vec![
            cell(format!("#{} {}", s.index, matchers.join(" "))),
            state_cell,
            cell(s.matched),
            cell(&s.entry.reason),
        ]);
    }
    let _ = writeln!(text, "{table}");
}

pub fn checks_list(
    checks: &[&Check],
    framework: Option<Framework>,
    options: &RenderOptions,
) -> String {
    let mut table = new_table(options);
    let mut header = vec!["Id".to_string(), "Severity".into(), "Title".into()];
    header.extend(framework.map(|f| format!("{} controls", f.id())));
    table.set_header(header);
    for check in checks {
        let mut row = vec![
            cell(check.id),
            severity_cell(check.severity, options),
            if catalog::off_by_default(check.id) {
                cell(format!("{} (off by default: see `enabled`)", check.title))
            } else {
                cell(check.title)
            },
        ];
        row.extend(framework.map(|f| cell(compliance::of(check).controls.of(f).join(", "))));
        table.add_row(row);
    }
    format!("{table}\n")
}

/// `scan --framework`: one row per control of the framework — its status, how many functions fail, are unknown and
/// pass on it, and its checks.
fn framework_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let Some(summary) = &report.framework else {
        return;
    };
    let count = |status: ControlStatus| {
        summary
            .controls
            .iter()
            .filter(|c| c.status == status)
            .count()
    };
    heading(
        text,
        &format!(
            "Controls · {} {} ({}): {} failed, {} unknown, {} passed, {} no data",
            summary.name,
            summary.version,
            summary.id,
            count(ControlStatus::Failed),
            count(ControlStatus::Unknown),
            count(ControlStatus::Passed),
            count(ControlStatus::NoData),
        ),
        options,
    );
    paragraph(
        text,
        "Failed, Unknown, Passed: functions. A control fails when one of its checks fails on a function; it is \
         unknown when none fails but one could not decide or did not run.",
        options,
    );
    let mut table = new_table(options);
    table.set_header(vec![
        "Control", "Status", "Failed", "Unknown", "Passed", "Checks",
    ]);
    for control in &summary.controls {
        let status = cell(control.status.as_str());
        let status = if options.color {
            let color = match control.status {
                ControlStatus::Failed => Color::Red,
                ControlStatus::Unknown | ControlStatus::NoData => Color::Yellow,
                ControlStatus::Passed => Color::Green,
            };
            status.fg(color).add_attribute(Attribute::Bold)
        } else {
            status
        };
        let mut checks = control.checks.join(", ");
        if !control.checks_not_run.is_empty() {
            checks.push_str(&format!(
                " (not run: {})",
                control.checks_not_run.join(", ")
            ));
        }
        if control.findings_muted > 0 {
            checks.push_str(&format!(" ({} muted)", control.findings_muted));
        }
        table.add_row(vec![
            cell(&control.control),
            status,
            cell(control.functions_failed),
            cell(control.functions_unknown),
            cell(control.functions_passed),
            cell(checks),
        ]);
    }
    let _ = writeln!(text, "{table}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn render_text(options: RenderOptions) -> String {
        let mut out = Vec::new();
        render(&sample::report(), &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fits_80_columns_and_has_every_section() {
        let text = render_text(RenderOptions {
            color: false,
            width: 80,
        });
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "line longer than 80 columns ({}): {line}",
                line.chars().count()
            );
        }
        for needle in [
            "Grade",
            "Functions, worst first",
            "CRITICAL · lambda-public-invoke",
            "Could not decide (1)",
            "Muted by suppressions (1)",
            "Suppressions needing attention (2)",
            "expired 2026-10-01",
            "matches nothing",
            "lambda:GetPolicy ×1",
        ] {
            assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
        }
        assert!(!text.contains('\x1b'), "no colour codes without colour");
        // one name whichever crate compiles this module (the binary, or tests/hostile.rs)
        insta::with_settings!({snapshot_path => "../../tests/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("lambda_posture__render__table__tests__render_table_sample", text);
        });
    }

    #[test]
    fn escape_sequences_in_the_data_never_reach_the_terminal() {
        let mut report = sample::report();
        let hostile = "\x1b[2J\x1b]0;pwned\x07 cleared";
        report.findings[0].message = hostile.into();
        report.findings[0].resource_name = hostile.into();
        for s in &mut report.suppressions {
            s.entry.reason = hostile.into();
        }
        for color in [false, true] {
            let mut out = Vec::new();
            render(&report, &RenderOptions { color, width: 80 }, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(
                !text.contains("\x1b[2J") && !text.contains("\x1b]0;") && !text.contains('\x07'),
                "{text}"
            );
            assert!(text.contains("<U+001B>[2J"), "the text stays, defanged");
        }
    }

    #[test]
    fn bidi_overrides_and_invisible_characters_are_shown_not_obeyed() {
        let mut report = sample::report();
        // reads as `admin-prod` right to left, with an invisible space in it
        let hostile =
            "evil\u{202E}dorp-nimda\u{202C}\u{200B}\u{2066}x\u{2069}\u{FEFF}\u{061C}\u{2028}";
        report.findings[0].message = hostile.into();
        report.findings[0].resource_name = hostile.into();
        let mut out = Vec::new();
        render(
            &report,
            &RenderOptions {
                color: false,
                width: 200,
            },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.chars()
                .all(|c| c == '\n' || !super::super::is_hidden(c)),
            "{text}"
        );
        assert!(
            text.contains("evil<U+202E>dorp-nimda<U+202C><U+200B>"),
            "{text}"
        );
    }

    #[test]
    fn narrow_terminals_still_fit() {
        let text = render_text(RenderOptions {
            color: false,
            width: 60,
        });
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
    }

    #[test]
    fn colour_only_when_asked() {
        let text = render_text(RenderOptions {
            color: true,
            width: 80,
        });
        assert!(text.contains("\x1b["), "colour codes expected");
    }

    #[test]
    fn wrap_never_exceeds_the_width() {
        let long = "word ".repeat(40) + &"x".repeat(200);
        for line in wrap(&long, 30) {
            assert!(line.chars().count() <= 30, "{line}");
        }
        assert_eq!(wrap("", 30), [""]);
    }
}
