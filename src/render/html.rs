//! HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched), every text escaped.
//! Summary, severity chart, functions ranked by score, and each check's findings with its docs and remediation
//! (the check's README rendered from Markdown, raw HTML in it shown as text).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use lambda_posture_checks::catalog;
use lambda_posture_checks::finding::{Finding, Severity, Status};
use lambda_posture_checks::report::{AccountSummary, Report};
use lambda_posture_checks::suppress::SuppressionState;
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::{failures_by_severity, tags_inline, top_checks, FindingsByFunction};

/// HTML-escape text for element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
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
:root { --fg: #1f2933; --muted: #616e7c; --line: #d9dee3; --bg: #ffffff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; padding: 24px 32px 48px; max-width: 1200px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 12px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0; }
.meta { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; min-width: 280px; flex: 1; }
.grade { font-size: 56px; font-weight: 700; line-height: 1; float: right; margin-left: 16px; }
.card dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 0; }
.card dt { color: var(--muted); } .card dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
.bar { display: inline-block; height: 10px; border-radius: 5px; vertical-align: middle; margin-right: 6px; }
.sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 600; text-transform: uppercase; }
.status-unknown { color: var(--muted); font-style: italic; } .status-muted { color: var(--muted); text-decoration: line-through; }
.check { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.check header { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.check .id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: var(--muted); }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: var(--panel); padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
details { margin-top: 8px; } summary { cursor: pointer; color: #1565c0; }
.doc { border-top: 1px dashed var(--line); margin-top: 8px; padding-top: 4px; }
.warn { background: #fff8e1; border: 1px solid #ffe082; border-radius: 6px; padding: 8px 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
"#;

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
    summary(&mut page, report);
    functions(&mut page, report);
    flush(&mut page, out)?;
    findings(&mut page, report, out)?;
    suppressions(&mut page, report);
    page.push_str(
        "<footer>Scores: each function starts at 100; every failing finding multiplies it (critical ×0.50, high ×0.75, \
         medium ×0.90, low ×0.97, info ×1). Unknown and muted findings do not count. The account grade comes from the \
         mean score (A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below), capped at D by any critical failure and at C by any high \
         one.</footer>\n</body>\n</html>\n",
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

fn summary(page: &mut String, report: &Report) {
    page.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">\n");
    for account in &report.accounts {
        account_card(page, account);
    }
    page.push_str("<div class=\"card\"><h3>Failing findings by severity</h3>\n");
    page.push_str(&severity_chart(&failures_by_severity(report)));
    page.push_str("</div>\n</div>\n");
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
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"failing findings by severity\" \
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

fn functions(page: &mut String, report: &Report) {
    let _ = writeln!(
        page,
        "<h2 id=\"functions\">Functions ranked by score ({})</h2>",
        report.functions.len()
    );
    page.push_str("<table><thead><tr><th>Score</th><th>Function</th><th>Region</th><th>Runtime</th><th>Failing</th><th>Unknown</th><th>Top findings</th><th>Owner</th></tr></thead><tbody>\n");
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
                    "{} <a href=\"#check-{}\">{}</a>{}",
                    sev_badge(c.severity),
                    esc(c.check_id),
                    esc(c.check_id),
                    c.times()
                )
            })
            .collect();
        if more > 0 {
            top.push(format!("+{more} more"));
        }
        let colour = match function.score {
            90.. => "#2e7d32",
            70..=89 => "#ef6c00",
            _ => "#c62828",
        };
        let owner: BTreeMap<String, String> = findings_of
            .get(function)
            .flat_map(|f| f.owner_tags.as_ref().clone())
            .collect();
        let _ = writeln!(
            page,
            "<tr><td class=\"num\"><span class=\"bar\" style=\"width:{}px;background:{colour}\"></span>{}</td>\
             <td title=\"{}\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            function.score as usize * 60 / 100,
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
    page.push_str("</tbody></table>\n");
}

fn findings(page: &mut String, report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        groups
            .entry((std::cmp::Reverse(f.severity), &*f.check_id))
            .or_default()
            .push(f);
    }
    let _ = writeln!(
        page,
        "<h2 id=\"findings\">Findings by check ({})</h2>",
        report.findings.len()
    );
    if groups.is_empty() {
        page.push_str("<p>No finding.</p>\n");
    }
    for ((std::cmp::Reverse(severity), check_id), list) in groups {
        let first = list[0];
        let _ = writeln!(
            page,
            "<section class=\"check\" id=\"check-{}\" style=\"border-left-color:{}\"><header>{}<h3>{}</h3><span class=\"id\">{}</span><span>· {} finding(s)</span></header>",
            esc(check_id),
            severity_colour(severity),
            sev_badge(severity),
            esc(&first.title),
            esc(check_id),
            list.len()
        );
        page.push_str("<table><thead><tr><th>Function</th><th>Region</th><th>Status</th><th>Finding</th><th>Evidence</th><th>Id</th></tr></thead><tbody>\n");
        for f in &list {
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
                Status::Fail => "",
                Status::Unknown => "status-unknown",
                Status::Muted => "status-muted",
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
                "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{evidence}</td><td><code>{}</code></td></tr>",
                esc(&f.resource_arn),
                esc(&f.resource_name),
                esc(&f.region),
                esc(&status),
                esc(&f.message),
                esc(&f.id)
            );
            if page.len() > FLUSH_BYTES {
                flush(page, out)?;
            }
        }
        page.push_str("</tbody></table>\n");
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
    page.push_str("<table><thead><tr><th>#</th><th>Matches on</th><th>Reason</th><th>Expires</th><th>State</th><th>Findings</th></tr></thead><tbody>\n");
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
    page.push_str("</tbody></table>\n");
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
        assert_eq!(html.matches("<tr><td title=").count(), 5_000);
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
