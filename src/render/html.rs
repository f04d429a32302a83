//! HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched), every text escaped.
//! Summary, a "fix first" block (the critical and high failing findings, worst first), a table of contents by
//! severity and check, functions ranked by score (the bar draws risk), and each check's findings with its docs and
//! remediation (the check's README rendered from Markdown, raw HTML in it shown as text). Element ids come from our
//! own identifiers (severities, check ids, stable finding ids), never from account data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use lambda_posture_checks::catalog;
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::{AccountSummary, InactiveAccount, Report};
use lambda_posture_checks::suppress::SuppressionState;
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::{failures_by_severity, tags_inline, top_checks, FindingsByFunction};

/// HTML-escape text for element content and attribute values; a character that would hide or disguise text (see
/// [`super::is_hidden`]) is shown as `<U+XXXX>`, as on the terminal. Line breaks stay.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c != '\n' && super::is_hidden(c) => {
                let _ = write!(out, "&lt;U+{:04X}&gt;", u32::from(c));
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#0277bd",
        Severity::Info => "#607d8b",
    }
}

fn grade_colour(grade: char) -> &'static str {
    match grade {
        'A' | 'B' => "#2e7d32",
        'C' => "#ef6c00",
        _ => "#c62828",
    }
}

/// Markdown to HTML with raw HTML shown as text, images as their alt text, and only http(s) or in-page links.
pub fn markdown(source: &str) -> String {
    let events = Parser::new_ext(source, Options::ENABLE_TABLES).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // An image would be fetched: keep only its alt text (the events between start and end).
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = dest_url.starts_with("https://")
                || dest_url.starts_with("http://")
                || dest_url.starts_with('#');
            let dest_url = if safe {
                dest_url
            } else {
                CowStr::Borrowed("#")
            };
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

const STYLE: &str = r#"
:root { --fg: #1f2933; --muted: #616e7c; --line: #d9dee3; --bg: #ffffff; --panel: #f5f7fa; --target: #fff3b0; }
* { box-sizing: border-box; }
html { scroll-behavior: auto; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; padding: 24px clamp(12px, 3vw, 40px) 48px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 12px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 17px; margin: 24px 0 8px; } h4 { font-size: 16px; margin: 0; }
a { color: #1565c0; }
.meta, .muted { color: var(--muted); } .meta { margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); gap: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
.card h3 { margin-top: 0; }
.grade { font-size: 56px; font-weight: 700; line-height: 1; float: right; margin-left: 16px; }
.card dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0; }
.card dt { color: var(--muted); } .card dd { margin: 0; }
svg.chart { max-width: 100%; height: auto; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap, .nowrap { white-space: nowrap; }
td.name, td code { white-space: nowrap; }
td.tags { overflow-wrap: break-word; }
td.msg { min-width: 24ch; overflow-wrap: anywhere; }
.risk { display: inline-block; width: 64px; height: 10px; border-radius: 5px; background: var(--line); vertical-align: middle;
        margin-right: 8px; overflow: hidden; }
.risk > span { display: block; height: 100%; border-radius: 5px; }
.sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 600; text-transform: uppercase; }
.status-unknown { color: var(--muted); font-style: italic; } .status-muted { color: var(--muted); text-decoration: line-through; }
.fix-first { border: 2px solid #c62828; border-radius: 8px; padding: 4px 16px 8px; background: #fffafa; }
.fix-first h2 { border-bottom-color: #f3c4c4; margin-top: 8px; }
nav.toc { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 12px; margin-top: 24px; }
nav.toc h2 { margin-top: 8px; }
.toc-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 200px), 1fr)); gap: 4px 16px; }
.toc-grid ol { list-style: none; margin: 4px 0 8px; padding: 0 0 0 8px; font-size: 13px; }
.toc-grid li { display: flex; gap: 6px; justify-content: space-between; }
.toc-grid li .count { color: var(--muted); font-variant-numeric: tabular-nums; }
.check { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.check header { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: var(--panel); padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
details { margin-top: 8px; } summary { cursor: pointer; color: #1565c0; white-space: nowrap; }
td details { margin-top: 0; }
.doc { border-top: 1px dashed var(--line); margin-top: 8px; padding-top: 4px; }
.warn { background: #fff8e1; border: 1px solid #ffe082; border-radius: 6px; padding: 8px 12px; }
[id] { scroll-margin-top: 12px; }
:target, tr:target > td { background: var(--target); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media (max-width: 720px) { body { font-size: 14px; } th, td { padding: 4px 5px; } .grade { font-size: 40px; } }
"#;

/// How many findings the "fix first" block lists at most; the rest are a count and the links to their severities.
const FIX_FIRST_MAX: usize = 100;

/// How many characters of a message the "fix first" block shows on its one line.
const ONE_LINE_CHARS: usize = 200;

pub fn render(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let mut page = String::new();
    let accounts: Vec<&str> = report
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>lambda-posture report — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&accounts.join(", "))
    );
    let _ = write!(
        page,
        "<h1>Lambda posture report</h1>\n<p class=\"meta\">lambda-posture {} · collected {} · metrics over {} days · {} checks run</p>\n",
        esc(&report.tool_version),
        esc(&report.collected_at.format("%Y-%m-%d %H:%M UTC").to_string()),
        report.lookback_days,
        report.checks_run.len()
    );
    if let Some(line) = report.not_run_line() {
        let _ = writeln!(page, "<p class=\"meta\">{}</p>", esc(&line));
    }
    let groups = check_groups(report);
    summary(&mut page, report);
    controls(&mut page, report);
    fix_first(&mut page, report, out)?;
    contents(&mut page, report, &groups);
    functions(&mut page, report);
    flush(&mut page, out)?;
    findings(&mut page, report, &groups, out)?;
    suppressions(&mut page, report);
    page.push_str(
        "<footer>Scores: each function starts at 100; every failing finding multiplies it (critical ×0.50, high ×0.75, \
         medium ×0.90, low ×0.97, info ×1). Unknown and muted findings do not count. The bar beside a score draws its \
         risk, 100 − score: long and red for a function to fix, short and green for a sound one. The account grade \
         comes from the mean score (A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below), capped at D by any critical failure and \
         at C by any high one.</footer>\n</body>\n</html>\n",
    );
    flush(&mut page, out)?;
    Ok(())
}

/// Write what the page holds so far and empty it: a report of 100,000 findings is never one string in memory.
fn flush(page: &mut String, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(page.as_bytes())?;
    page.clear();
    Ok(())
}

/// How much page text is held before it is written out.
const FLUSH_BYTES: usize = 1 << 20;

/// An element id (and URL fragment) made from one of our own identifiers — a check id, a finding's stable id: ASCII
/// letters, digits and `-` stay, any other character becomes `_` and its code in hex, so the id is safe in an
/// attribute and a link, and two different identifiers never share one. Never made from names or tags.
fn anchor(prefix: &str, id: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1 + id.len());
    out.push_str(prefix);
    out.push('-');
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", u32::from(c));
        }
    }
    out
}

fn severity_anchor(severity: Severity) -> String {
    anchor("sev", severity.as_str())
}

fn check_anchor(severity: Severity, check_id: &str) -> String {
    anchor(&format!("check-{}", severity.as_str()), check_id)
}

fn finding_anchor(f: &Finding) -> String {
    anchor("f", &f.id)
}

/// The findings of one check at one severity (a check can grade its findings differently), as the page groups them.
struct CheckGroup<'a> {
    severity: Severity,
    check_id: &'a str,
    findings: Vec<&'a Finding>,
}

/// Worst severity first, then by check id.
fn check_groups(report: &Report) -> Vec<CheckGroup<'_>> {
    super::by_severity_and_check(&report.findings)
        .into_iter()
        .map(|(severity, check_id, findings)| CheckGroup {
            severity,
            check_id,
            findings,
        })
        .collect()
}

/// `text` on one line (runs of white space, line breaks included, become one space), cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut line = String::with_capacity(text.len().min(max * 4));
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(word);
    }
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

fn summary(page: &mut String, report: &Report) {
    page.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">\n");
    // an organisation's: the accounts not scanned first (nothing is known of them), then the others worst first
    for account in &report.incomplete_accounts {
        let _ = writeln!(
            page,
            "<div class=\"card\"><span class=\"grade\" title=\"not scanned\">?</span>\
             <h3>Account {}</h3><dl><dt>Not scanned</dt><dd>{}</dd></dl></div>",
            esc(&account.account_id),
            esc(&account.reason)
        );
    }
    for account in super::org::accounts_worst_first(report) {
        account_card(page, account);
    }
    inactive_card(page, &report.inactive_accounts);
    page.push_str("<div class=\"card\"><h3>Failing findings by severity</h3>\n");
    page.push_str(&severity_chart(&failures_by_severity(report)));
    page.push_str("</div>\n</div>\n");
}

/// One card listing the accounts `--org` left out as not ACTIVE, with their state (none: no card).
fn inactive_card(page: &mut String, inactive: &[InactiveAccount]) {
    if inactive.is_empty() {
        return;
    }
    let _ = write!(
        page,
        "<div class=\"card\" id=\"inactive-accounts\"><span class=\"grade\" title=\"not scanned\">–</span>\
         <h3>Not scanned: {} account(s) not ACTIVE in AWS Organizations</h3><dl>",
        inactive.len()
    );
    for account in inactive {
        let _ = write!(
            page,
            "<dt>Account {}</dt><dd>{}</dd>",
            esc(&account.account_id),
            esc(&account.state)
        );
    }
    let _ = writeln!(page, "</dl><p>{}</p></div>", esc(InactiveAccount::REASON));
}

fn account_card(page: &mut String, a: &AccountSummary) {
    let failures: usize = a.failures_by_severity.values().sum();
    let _ = write!(
        page,
        "<div class=\"card\"><span class=\"grade\" style=\"color:{}\" title=\"account grade\">{}</span>\
         <h3>Account {}</h3><dl>\
         <dt>Regions</dt><dd>{}</dd><dt>Functions scanned</dt><dd>{}</dd><dt>Mean score</dt><dd>{:.1} / 100</dd>\
         <dt>Failing findings</dt><dd>{failures}</dd><dt>Unknown</dt><dd>{}</dd><dt>Muted</dt><dd>{}</dd>\
         <dt>Gaps</dt><dd>{}</dd></dl>",
        grade_colour(a.grade),
        a.grade,
        esc(&a.account_id),
        esc(&a.regions.join(", ")),
        a.functions_scanned,
        a.mean_score,
        a.unknown,
        a.muted,
        a.gaps.len()
    );
    if !a.gaps.is_empty() {
        page.push_str(
            "<details><summary>Calls that failed (affected checks say unknown)</summary><ul>",
        );
        for g in &a.gaps {
            let _ = write!(
                page,
                "<li><code>{}:{}</code> {} — {}</li>",
                esc(&g.service),
                esc(&g.operation),
                esc(g
                    .resource
                    .as_deref()
                    .or(g.region.as_deref())
                    .unwrap_or("account-wide")),
                esc(&g.error)
            );
        }
        page.push_str("</ul></details>");
    }
    page.push_str("</div>\n");
}

/// Horizontal bars, one per severity, scaled to the largest count.
pub fn severity_chart(counts: &[(Severity, usize)]) -> String {
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (row, label_w, bar_w) = (28, 80, 260);
    let height = row * counts.len() + 8;
    let mut svg = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"failing findings by severity\" \
         width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        label_w + bar_w + 50,
        label_w + bar_w + 50
    );
    for (i, (severity, count)) in counts.iter().enumerate() {
        let y = i * row + 4;
        let width = if *count == 0 {
            2
        } else {
            (count * bar_w).div_ceil(max)
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1f2933\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{width}\" height=\"18\" rx=\"3\" fill=\"{}\"><title>{count} {}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1f2933\">{count}</text>",
            y + 14,
            severity.as_str(),
            severity_colour(*severity),
            severity.as_str(),
            label_w + width + 6,
            y + 14
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn sev_badge(severity: Severity) -> String {
    format!(
        "<span class=\"sev\" style=\"background:{}\">{}</span>",
        severity_colour(severity),
        severity.as_str()
    )
}

/// The score's bar draws risk (100 − score): long and red for a bad score, short and green for a good one; a
/// perfect score keeps a sliver so the bar is seen.
fn risk_bar(score: u8) -> String {
    let risk = 100 - u32::from(score.min(100));
    let colour = match score {
        90.. => "#2e7d32",
        70..=89 => "#ef6c00",
        _ => "#c62828",
    };
    format!(
        "<span class=\"risk\" title=\"risk {risk} / 100\"><span style=\"width:{}%;background:{colour}\"></span></span>",
        risk.max(4)
    )
}

/// The critical and high failing findings, worst first: by severity, then the function's score (lowest first), then
/// function, check and id; each on one line with a jump link to the full finding.
fn fix_first(page: &mut String, report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let scores: std::collections::HashMap<&str, u8> = report
        .functions
        .iter()
        .map(|f| (f.arn.as_str(), f.score))
        .collect();
    let score = |f: &Finding| scores.get(&*f.function_arn).copied().unwrap_or(100);
    let mut urgent: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.severity >= Severity::High)
        .collect();
    urgent.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(score(a).cmp(&score(b)))
            .then_with(|| a.resource_name.cmp(&b.resource_name))
            .then_with(|| a.check_id.cmp(&b.check_id))
            .then_with(|| a.id.cmp(&b.id))
    });
    let _ = writeln!(
        page,
        "<section class=\"fix-first\" id=\"fix-first\">\n<h2>Fix first: {} critical and high failing finding(s)</h2>",
        urgent.len()
    );
    if urgent.is_empty() {
        page.push_str("<p>No critical or high finding fails.</p>\n</section>\n");
        return Ok(());
    }
    page.push_str("<div class=\"wide\"><table><thead><tr><th>Severity</th><th>Function</th><th>Region</th><th>Check</th><th>Finding</th><th>Details</th></tr></thead><tbody>\n");
    for f in urgent.iter().take(FIX_FIRST_MAX) {
        let _ = writeln!(
            page,
            "<tr class=\"urgent\">\
             <td>{}</td><td class=\"name\" title=\"{}\">{}</td><td class=\"nowrap\">{}</td>\
             <td class=\"nowrap\"><a href=\"#{}\">{}</a></td><td class=\"msg\">{}</td><td class=\"nowrap\"><a href=\"#{}\">{}</a></td></tr>",
            sev_badge(f.severity),
            esc(&f.resource_arn),
            esc(&f.resource_name),
            esc(&f.region),
            check_anchor(f.severity, &f.check_id),
            esc(&f.check_id),
            esc(&one_line(&f.message, ONE_LINE_CHARS)),
            finding_anchor(f),
            esc(&f.id)
        );
        if page.len() > FLUSH_BYTES {
            flush(page, out)?;
        }
    }
    page.push_str("</tbody></table></div>\n");
    if urgent.len() > FIX_FIRST_MAX {
        let _ = writeln!(
            page,
            "<p>… and {} more: see <a href=\"#{}\">critical</a> and <a href=\"#{}\">high</a> below.</p>",
            urgent.len() - FIX_FIRST_MAX,
            severity_anchor(Severity::Critical),
            severity_anchor(Severity::High)
        );
    }
    page.push_str("</section>\n");
    Ok(())
}

/// The table of contents: the page's sections, then one column per severity listing its checks, each a jump link.
fn contents(page: &mut String, report: &Report, groups: &[CheckGroup]) {
    page.push_str(
        "<nav class=\"toc\" aria-label=\"Contents\">\n<h2 id=\"contents\">Contents</h2>\n<p>",
    );
    let mut sections = vec![
        "<a href=\"#summary\">Summary</a>".to_string(),
        "<a href=\"#fix-first\">Fix first</a>".to_string(),
        format!(
            "<a href=\"#functions\">Functions ranked by score ({})</a>",
            report.functions.len()
        ),
        format!(
            "<a href=\"#findings\">Findings by check ({})</a>",
            report.findings.len()
        ),
    ];
    if let Some(summary) = &report.framework {
        sections.insert(
            1,
            format!(
                "<a href=\"#controls\">Controls ({})</a>",
                summary.controls.len()
            ),
        );
    }
    if !report.suppressions.is_empty() {
        sections.push(format!(
            "<a href=\"#suppressions\">Suppressions ({})</a>",
            report.suppressions.len()
        ));
    }
    page.push_str(&sections.join(" · "));
    page.push_str("</p>\n<div class=\"toc-grid\">\n");
    for severity in Severity::ALL {
        let of_severity: Vec<&CheckGroup> =
            groups.iter().filter(|g| g.severity == severity).collect();
        if of_severity.is_empty() {
            continue;
        }
        let count: usize = of_severity.iter().map(|g| g.findings.len()).sum();
        let _ = write!(
            page,
            "<div><a href=\"#{}\">{}</a> <span class=\"muted\">{count} finding(s)</span><ol>",
            severity_anchor(severity),
            sev_badge(severity)
        );
        for g in of_severity {
            let _ = write!(
                page,
                "<li><a href=\"#{}\" title=\"{}\">{}</a><span class=\"count\">{}</span></li>",
                check_anchor(g.severity, g.check_id),
                esc(&g.findings[0].title),
                esc(g.check_id),
                g.findings.len()
            );
        }
        page.push_str("</ol></div>\n");
    }
    page.push_str("</div>\n</nav>\n");
}

fn functions(page: &mut String, report: &Report) {
    let _ = writeln!(
        page,
        "<h2 id=\"functions\">Functions ranked by score ({})</h2>",
        report.functions.len()
    );
    page.push_str("<div class=\"wide\"><table><thead><tr><th class=\"nowrap\" title=\"the bar draws risk: 100 − score\">Risk · score</th><th>Function</th><th>Region</th><th>Runtime</th><th>Failing</th><th>Unknown</th><th>Top findings</th><th>Owner</th></tr></thead><tbody>\n");
    let findings_of = FindingsByFunction::of(report);
    for function in &report.functions {
        let (top, more) = top_checks(
            findings_of
                .get(function)
                .filter(|f| f.status == Status::Fail),
            3,
        );
        let mut top: Vec<String> = top
            .iter()
            .map(|c| {
                format!(
                    "<span class=\"nowrap\">{} <a href=\"#{}\">{}</a>{}</span>",
                    sev_badge(c.severity),
                    check_anchor(c.severity, c.check_id),
                    esc(c.check_id),
                    c.times()
                )
            })
            .collect();
        if more > 0 {
            top.push(format!("+{more} more"));
        }
        let owner: BTreeMap<String, String> = findings_of
            .get(function)
            .flat_map(|f| f.owner_tags.as_ref().clone())
            .collect();
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{}{}</td>\
             <td class=\"name\" title=\"{}\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"tags\">{}</td></tr>",
            risk_bar(function.score),
            function.score,
            esc(&function.arn),
            esc(&function.name),
            esc(&function.region),
            esc(function.runtime.as_deref().unwrap_or("container image")),
            function.failures,
            function.unknown,
            top.join("<br>"),
            esc(&tags_inline(&owner))
        );
    }
    page.push_str("</tbody></table></div>\n");
}

fn findings(
    page: &mut String,
    report: &Report,
    groups: &[CheckGroup],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let _ = writeln!(
        page,
        "<h2 id=\"findings\">Findings by check ({})</h2>",
        report.findings.len()
    );
    if groups.is_empty() {
        page.push_str("<p>No finding.</p>\n");
    }
    let mut heading = None;
    for group in groups {
        let (severity, check_id, list) = (group.severity, group.check_id, &group.findings);
        if heading != Some(severity) {
            heading = Some(severity);
            let of_severity = groups.iter().filter(|g| g.severity == severity);
            let (checks, count) = of_severity.fold((0, 0), |(checks, count), g| {
                (checks + 1, count + g.findings.len())
            });
            let _ = writeln!(
                page,
                "<h3 id=\"{}\">{} {count} finding(s) in {checks} check(s)</h3>",
                severity_anchor(severity),
                sev_badge(severity)
            );
        }
        let first = list[0];
        let _ = writeln!(
            page,
            "<section class=\"check\" id=\"{}\" style=\"border-left-color:{}\"><header>{}<h4>{}</h4><span class=\"id\">{}</span><span>· {} finding(s)</span></header>",
            check_anchor(severity, check_id),
            severity_colour(severity),
            sev_badge(severity),
            esc(&first.title),
            esc(check_id),
            list.len()
        );
        page.push_str("<div class=\"wide\"><table><thead><tr><th>Function</th><th>Region</th><th>Status</th><th>Finding</th><th>Evidence</th><th>Id</th></tr></thead><tbody>\n");
        for f in list {
            finding_row(page, f);
            if page.len() > FLUSH_BYTES {
                flush(page, out)?;
            }
        }
        page.push_str("</tbody></table></div>\n");
        let docs = catalog::find(check_id)
            .map(|c| c.docs.to_string())
            .unwrap_or_else(|| {
                format!(
                    "## How to fix\n\n{}\n\nDocumentation: <{}>",
                    first.remediation, first.doc_url
                )
            });
        let _ = write!(
            page,
            "<details><summary>Documentation and remediation</summary><div class=\"doc\">{}<p><a href=\"{}\">{}</a></p></div></details>\n</section>\n",
            markdown(&docs),
            esc(&first.doc_url),
            esc(&first.doc_url)
        );
    }
    Ok(())
}

/// One finding in its check's table: the row is the target of the "fix first" links.
fn finding_row(page: &mut String, f: &Finding) {
    let status = match f.status {
        Status::Fail => "fail".to_string(),
        Status::Unknown => "unknown".to_string(),
        Status::Muted => format!(
            "muted: {}",
            f.suppression
                .as_ref()
                .map(|s| s.reason.as_str())
                .unwrap_or_default()
        ),
    };
    let class = match f.status {
        Status::Fail => "msg",
        Status::Unknown => "msg status-unknown",
        Status::Muted => "msg status-muted",
    };
    // An unknown finding's evidence is only the reason its message already gives.
    let evidence = f.evidence.value();
    let only_reason = evidence
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("reason"));
    let evidence = if f.evidence.is_null() || only_reason {
        String::new()
    } else {
        // Folded: a policy statement or a metric series can be long; the one-line message says what it is.
        format!(
            "<details><summary>evidence</summary><pre>{}</pre></details>",
            esc(&serde_json::to_string_pretty(&evidence).unwrap_or_default())
        )
    };
    let _ = writeln!(
        page,
        "<tr id=\"{}\"><td class=\"name\" title=\"{}\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{evidence}</td><td><code>{}</code></td></tr>",
        finding_anchor(f),
        esc(&f.resource_arn),
        esc(&f.resource_name),
        esc(&f.region),
        esc(&status),
        esc(&f.message),
        esc(&f.id)
    );
}

/// `scan --framework`: one row per control of the framework — its status, the functions failing, unknown and passing
/// on it, and its checks (the table's "Controls" section).
fn controls(page: &mut String, report: &Report) {
    let Some(summary) = &report.framework else {
        return;
    };
    let _ = writeln!(
        page,
        "<h2 id=\"controls\">Controls: {} {} ({})</h2>\n<p class=\"meta\">A control fails when one of its checks \
         fails on a function; it is unknown when none fails but one could not decide or did not run.</p>",
        esc(&summary.name),
        esc(&summary.version),
        esc(&summary.id)
    );
    page.push_str("<div class=\"wide\"><table><thead><tr><th>Control</th><th>Status</th><th>Functions failed</th><th>Unknown</th><th>Passed</th><th>Checks</th></tr></thead><tbody>\n");
    for c in &summary.controls {
        let mut checks = esc(&c.checks.join(", "));
        if !c.checks_not_run.is_empty() {
            checks.push_str(&format!(
                " (not run: {})",
                esc(&c.checks_not_run.join(", "))
            ));
        }
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{checks}</td></tr>",
            esc(&c.control),
            c.status.as_str(),
            c.functions_failed,
            c.functions_unknown,
            c.functions_passed
        );
    }
    page.push_str("</tbody></table></div>\n");
}

fn suppressions(page: &mut String, report: &Report) {
    let stale: Vec<_> = report
        .suppressions
        .iter()
        .filter(|s| s.state != SuppressionState::Active)
        .collect();
    if report.suppressions.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<h2 id=\"suppressions\">Suppressions ({})</h2>",
        report.suppressions.len()
    );
    if !stale.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"warn\">{} suppression(s) need attention: expired, or matching nothing.</p>",
            stale.len()
        );
    }
    page.push_str("<div class=\"wide\"><table><thead><tr><th>#</th><th>Matches on</th><th>Reason</th><th>Expires</th><th>State</th><th>Findings</th></tr></thead><tbody>\n");
    for s in &report.suppressions {
        let matchers: Vec<String> = s
            .entry
            .matchers()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        let state = match s.state {
            SuppressionState::Active => "active",
            SuppressionState::Expired => "expired",
            SuppressionState::Unmatched => "matches nothing",
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{state}</td><td class=\"num\">{}</td></tr>",
            s.index,
            esc(&matchers.join(", ")),
            esc(&s.entry.reason),
            s.entry.expires.map(|d| d.to_string()).unwrap_or_else(|| "never".into()),
            s.matched
        );
    }
    page.push_str("</tbody></table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    fn page() -> String {
        let mut out = Vec::new();
        render(&sample::report(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `--framework`: the page has a Controls section, linked from the contents.
    #[test]
    fn a_framework_report_has_its_controls() {
        let mut report = sample::report();
        report.framework = Some(lambda_posture_checks::compliance::summarize(
            &report,
            lambda_posture_checks::compliance::Framework::AwsFsbp,
        ));
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<a href=\"#controls\">Controls ("));
        assert!(html.contains("<h2 id=\"controls\">Controls: AWS Foundational Security Best Practices v1.0.0 (aws-fsbp)</h2>"));
        assert!(
            html.contains("<tr><td>Lambda.1</td><td>FAILED</td>"),
            "{html}"
        );
        assert!(!page().contains("id=\"controls\""), "only with --framework");
    }

    /// A check that did not run is said once in each summary (table, HTML, SARIF), never per function.
    #[test]
    fn checks_not_run_are_one_summary_line_in_every_human_format() {
        let mut report = sample::report();
        report.checks_not_run = vec![lambda_posture_checks::report::CheckNotRun {
            check_id: "code-secret".into(),
            reason: "run with --scan-code".into(),
        }];
        let line = "not run: code-secret (run with --scan-code)";
        let mut html = Vec::new();
        render(&report, &mut html).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert_eq!(html.matches(line).count(), 1, "{html}");
        let mut table = Vec::new();
        let options = crate::render::RenderOptions {
            color: false,
            width: 120,
        };
        crate::render::table::render(&report, &options, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert_eq!(table.matches(line).count(), 1, "{table}");
        let sarif = crate::render::sarif::to_value(&report);
        let run = &sarif["runs"][0];
        assert_eq!(
            run["properties"]["checksNotRun"][0]["check_id"],
            "code-secret"
        );
        let notes: Vec<&serde_json::Value> = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["message"]["text"] == line)
            .collect();
        assert_eq!(notes.len(), 1);
        assert!(
            page().matches("not run:").next().is_none(),
            "nothing when every check ran"
        );
    }

    /// The accounts `--org` left out as not ACTIVE: one line after the accounts table, one card in the HTML, a note
    /// in SARIF, a list in the JSON (valid against the schema), escaped like every account text; nothing without.
    #[test]
    fn accounts_not_active_are_said_in_every_human_format() {
        use lambda_posture_checks::report::InactiveAccount;
        let mut report = sample::report();
        // one scanned account, so only the accounts left out make it an organisation's report
        assert_eq!(report.accounts.len(), 1);
        report.inactive_accounts = vec![
            InactiveAccount::new("222222222222", "SUSPENDED"),
            InactiveAccount::new("333333333333", "CLOSED"),
            // a state that did not pass the parser's check would still be shown, not obeyed
            InactiveAccount::new("444444444444", "<b>\u{1b}[2J"),
        ];
        let mut html = Vec::new();
        render(&report, &mut html).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.contains("<h3>Not scanned: 3 account(s) not ACTIVE in AWS Organizations</h3>"),
            "{html}"
        );
        assert!(html.contains("<dt>Account 222222222222</dt><dd>SUSPENDED</dd>"));
        assert!(html.contains("<dt>Account 333333333333</dt><dd>CLOSED</dd>"));
        assert!(
            html.contains("<dt>Account 444444444444</dt><dd>&lt;b&gt;&lt;U+001B&gt;[2J</dd>"),
            "escaped: {html}"
        );
        assert!(!html.contains('\u{1b}'));
        let card = html.find("id=\"inactive-accounts\"").unwrap();
        assert!(
            html.find("<h3>Account ").unwrap() < card,
            "after the scanned accounts"
        );
        assert!(!page().contains("not ACTIVE"), "no card without them");

        let mut table = Vec::new();
        let options = crate::render::RenderOptions {
            color: false,
            width: 400,
        };
        crate::render::table::render(&report, &options, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        let line = "Not scanned (not ACTIVE in AWS Organizations; --org scans ACTIVE and PENDING_CLOSURE accounts): 222222222222 \
                    SUSPENDED, 333333333333 CLOSED, 444444444444 <b><U+001B>[2J.";
        assert_eq!(table.matches(line).count(), 1, "{table}");
        assert!(!table.contains('\u{1b}'));
        let at = |needle: &str| {
            table
                .find(needle)
                .unwrap_or_else(|| panic!("{needle}: {table}"))
        };
        assert!(at("Accounts, worst first: 1 scanned") < at(line));
        assert!(at(line) < at("Grade: A to F"));
        let mut plain = Vec::new();
        crate::render::table::render(&sample::report(), &options, &mut plain).unwrap();
        assert!(!String::from_utf8(plain).unwrap().contains("not ACTIVE"));

        let sarif = crate::render::sarif::to_value(&report);
        let notes: Vec<&serde_json::Value> = sarif["runs"][0]["invocations"][0]
            ["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["level"] == "note")
            .collect();
        assert_eq!(notes.len(), 3);
        assert_eq!(
            notes[0]["message"]["text"],
            "account 222222222222 was not scanned: it is SUSPENDED in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts)"
        );

        let mut json = Vec::new();
        crate::render::json::render(&report, &mut json).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            json["inactive_accounts"][1],
            serde_json::json!({
                "account_id": "333333333333",
                "state": "CLOSED",
                "reason": InactiveAccount::REASON,
            })
        );
        json["inactive_accounts"].as_array_mut().unwrap().pop();
        let errors = crate::render::json::tests::schema_errors("report.schema.json", &json);
        assert!(errors.is_empty(), "{errors:#?}");
        json["inactive_accounts"][0]["state"] = "suspended; rm".into();
        assert!(
            !crate::render::json::tests::schema_errors("report.schema.json", &json).is_empty(),
            "a state that is not a state word"
        );
    }

    /// Records the size of every write.
    struct Writes {
        bytes: Vec<u8>,
        largest: usize,
    }

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.largest = self.largest.max(buf.len());
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_large_report_is_written_in_pieces_and_whole() {
        let mut report = sample::report();
        let template = report.findings[0].clone();
        report.findings = (0..5_000)
            .map(|i| Finding {
                id: format!("LP-{i:016x}"),
                message: format!("finding number {i} {}", "x".repeat(300)),
                ..template.clone()
            })
            .collect();
        let mut out = Writes {
            bytes: Vec::new(),
            largest: 0,
        };
        render(&report, &mut out).unwrap();
        let html = String::from_utf8(out.bytes).unwrap();
        assert!(
            html.len() > 3 * FLUSH_BYTES,
            "large enough to need several pieces"
        );
        assert!(
            out.largest < FLUSH_BYTES + 4096,
            "never much more than a megabyte at once: {}",
            out.largest
        );
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        for i in (0..5_000).step_by(499) {
            assert!(
                html.contains(&format!("LP-{i:016x}")),
                "finding {i} is on the page"
            );
        }
        assert_eq!(
            html.matches("<tr id=\"f-").count(),
            5_000,
            "one row per finding"
        );
        assert_eq!(
            html.matches("<tr class=\"urgent\">").count(),
            FIX_FIRST_MAX,
            "the fix-first block stops at its maximum"
        );
        assert!(html.contains("… and 4900 more: see <a href=\"#sev-critical\">critical</a>"));
    }

    #[test]
    fn self_contained_and_escaped() {
        let html = page();
        let lower = html.to_lowercase();
        for forbidden in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "@import",
            "url(",
            "src=",
            "javascript:",
        ] {
            assert!(
                !lower.contains(forbidden),
                "found `{forbidden}`: the page must not load or run anything"
            );
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the hostile function name is escaped"
        );
        assert!(
            html.contains("&lt;b&gt;denied&lt;/b&gt;"),
            "hostile text in messages is escaped"
        );
        assert!(
            html.contains("&lt;vendor&gt;"),
            "suppression reasons are escaped"
        );
        assert!(html.contains("<svg"), "severity chart");
        assert!(
            html.contains("--tracing-config Mode=Active"),
            "remediation from the check's README"
        );
        assert!(
            html.contains("AKIA…(20 chars)"),
            "evidence shows the masked preview"
        );
        // one name whichever crate compiles this module (the binary, or tests/hostile.rs)
        insta::with_settings!({snapshot_path => "../../tests/snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("lambda_posture__render__html__tests__render_html_sample", html);
        });
    }

    /// Every `href="#…"` of the page and each element id it jumps to: every link lands, and no id is used twice.
    fn links_and_targets(html: &str) -> (Vec<&str>, Vec<&str>) {
        let values = |attribute: &'static str| {
            html.split(attribute)
                .skip(1)
                .map(|rest| &rest[..rest.find('"').unwrap()])
                .collect::<Vec<&str>>()
        };
        (values(" href=\"#"), values(" id=\""))
    }

    #[test]
    fn every_jump_link_lands_on_one_element() {
        let html = page();
        let (links, ids) = links_and_targets(&html);
        let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "an id is used twice: {ids:?}");
        for link in &links {
            assert!(unique.contains(link), "#{link} jumps nowhere");
        }
        for expected in [
            "fix-first",
            "sev-critical",
            "sev-medium",
            "sev-low",
            "check-critical-lambda-public-invoke",
            "check-low-tracing-off",
        ] {
            assert!(links.contains(&expected), "no link to #{expected}");
        }
        let ids_of_findings = ids.iter().filter(|id| id.starts_with("f-LP-")).count();
        assert_eq!(ids_of_findings, sample::report().findings.len());
    }

    #[test]
    fn fix_first_lists_critical_and_high_failures_worst_first() {
        let mut report = sample::report();
        let mut high = report
            .findings
            .iter()
            .find(|f| &*f.check_id == "lambda-public-invoke" && f.status == Status::Fail)
            .unwrap()
            .clone();
        high.severity = Severity::High;
        high.id = "LP-high".into();
        high.message = "a\nmessage over\tlines".into();
        report.findings.push(high);
        let mut html = Vec::new();
        render(&report, &mut html).unwrap();
        let html = String::from_utf8(html).unwrap();
        let block =
            &html[html.find("id=\"fix-first\"").unwrap()..html.find("id=\"contents\"").unwrap()];
        let rows: Vec<&str> = block.split("<tr class=\"urgent\">").skip(1).collect();
        // the two critical failures (legacy-billing scores lower than orders-api), then the high one; the unknown
        // critical finding and the low/medium ones are not there
        assert_eq!(rows.len(), 3, "{block}");
        assert!(
            rows[0].contains("env-secret-value") && rows[0].contains(">legacy-billing<"),
            "{}",
            rows[0]
        );
        assert!(
            rows[1].contains("lambda-public-invoke") && rows[1].contains(">orders-api<"),
            "{}",
            rows[1]
        );
        assert!(
            rows[2].contains("href=\"#check-high-lambda-public-invoke\""),
            "{}",
            rows[2]
        );
        assert!(
            rows[2].contains("a message over lines"),
            "one line: {}",
            rows[2]
        );
        assert!(rows[2].contains("href=\"#f-LP-high\""), "{}", rows[2]);
        assert!(
            !block.contains("script"),
            "the hostile function's finding is unknown: {block}"
        );
        assert!(
            html.find("id=\"fix-first\"") < html.find("id=\"functions\""),
            "at the top"
        );
    }

    #[test]
    fn anchors_keep_only_safe_characters_and_stay_distinct() {
        assert_eq!(anchor("f", "LP-00ab"), "f-LP-00ab");
        let hostile = anchor("check-high", "\"><script>x</script> a_b");
        assert!(
            hostile
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{hostile}"
        );
        assert_ne!(anchor("f", "a b"), anchor("f", "a_b"));
        assert_ne!(anchor("f", "a_b"), anchor("f", "a_5f_b"));
    }

    #[test]
    fn the_score_bar_draws_risk() {
        let bad = risk_bar(20);
        assert!(bad.contains("width:80%;background:#c62828"), "{bad}");
        let good = risk_bar(95);
        assert!(good.contains("width:5%;background:#2e7d32"), "{good}");
        assert!(
            risk_bar(100).contains("width:4%"),
            "a perfect score keeps a sliver"
        );
    }

    #[test]
    fn one_line_joins_lines_and_cuts_long_text() {
        assert_eq!(one_line(" a\n b\t c ", 10), "a b c");
        assert_eq!(one_line("abcdef ghij", 7), "abcdef…");
        assert_eq!(one_line("ééééé", 5), "ééééé");
    }

    #[test]
    fn hidden_characters_are_shown() {
        assert_eq!(esc("a\u{202E}b\nc"), "a&lt;U+202E&gt;b\nc");
    }

    #[test]
    fn markdown_shows_raw_html_as_text_and_drops_unsafe_links() {
        let out = markdown("Hello <script>x()</script> [a](javascript:alert(1)) [b](https://aws.amazon.com) ![i](http://t/x.png)\n\n<div onclick=x>y</div>");
        assert!(!out.contains("<script") && !out.contains("<div"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("href=\"https://aws.amazon.com\""), "{out}");
        assert!(!out.contains("<img") && !out.contains("x.png\""), "{out}");
    }

    #[test]
    fn chart_scales_bars_to_the_largest_count() {
        let svg = severity_chart(&[
            (Severity::Critical, 4),
            (Severity::High, 2),
            (Severity::Low, 0),
        ]);
        assert!(svg.contains("width=\"260\""), "{svg}");
        assert!(svg.contains("width=\"130\""), "{svg}");
        assert!(
            svg.contains("width=\"2\""),
            "an empty bar stays visible: {svg}"
        );
    }
}
