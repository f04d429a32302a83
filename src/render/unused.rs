//! `lambda-posture unused`: functions idle longest first (table or JSON), and apart those whose usage is unknown.

use std::fmt::Write as _;

use lambda_posture_checks::unused::{TriggerKind, UnusedFunction, UnusedReport};

use super::table::{bullet, cell, heading, new_table, paragraph};
use super::{ListFormat, RenderOptions};

pub fn render(
    format: ListFormat,
    report: &UnusedReport,
    options: &RenderOptions,
) -> anyhow::Result<Vec<u8>> {
    format.render(report, || table(report, options))
}

/// One line per trigger still attached: kind, source, qualifier and state.
fn trigger_lines(f: &UnusedFunction) -> Vec<String> {
    let mut lines: Vec<String> = f
        .triggers
        .iter()
        .map(|t| {
            let kind = match t.kind {
                TriggerKind::EventSourceMapping => "event source mapping",
                TriggerKind::ResourcePolicy => "resource policy allows",
                TriggerKind::FunctionUrl => "function URL",
                TriggerKind::LoadBalancer => "load balancer target group",
                TriggerKind::ApiRoute => "API Gateway route",
            };
            let detail = t
                .detail
                .as_deref()
                .map(|d| format!(" [{d}]"))
                .unwrap_or_default();
            let qualifier = t
                .qualifier
                .as_deref()
                .map(|q| format!(" @{q}"))
                .unwrap_or_default();
            format!("{kind}: {}{qualifier}{detail}", t.source)
        })
        .collect();
    if !f.data_gaps.is_empty() {
        lines.push(format!(
            "(list incomplete, not read: {})",
            f.data_gaps.join(", ")
        ));
    }
    lines
}

/// Provisioned concurrency still billed: "2 @live", or "none".
fn billed_text(f: &UnusedFunction) -> String {
    if f.provisioned_concurrency.is_empty() {
        return "none".into();
    }
    f.provisioned_concurrency
        .iter()
        .map(|p| format!("{} @{}", p.executions, p.qualifier))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "never in\n90 days" or "2026-05-01\n(184 days)": the last invocation on two short lines.
fn idle_cell(f: &UnusedFunction) -> String {
    match f.last_invocation {
        None => format!("never in\n{} days", f.window_days),
        Some(date) => format!("{date}\n({} days)", f.idle_days),
    }
}

fn role_text(f: &UnusedFunction) -> &'static str {
    if f.role_shared_with.is_empty() {
        "own"
    } else {
        "shared"
    }
}

/// "region", or "account · region" when the listing is an organisation's (several accounts scanned, or some not),
/// even when every function it lists is in one of them.
fn place(report: &UnusedReport, account_id: &str, region: &str) -> String {
    let mut accounts = report
        .unused
        .iter()
        .map(|f| &f.account_id)
        .chain(report.unknown.iter().map(|u| &u.account_id));
    let first = accounts.next();
    if report.accounts_scanned > 1
        || !report.incomplete_accounts.is_empty()
        || !report.inactive_accounts.is_empty()
        || accounts.any(|a| Some(a) != first)
    {
        format!("{account_id} · {region}")
    } else {
        region.to_string()
    }
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
        table.set_header(vec![
            "Function",
            "Last\ninvoked",
            "Modified",
            "Triggers",
            "PC\nbilled",
            "Role",
        ]);
        for f in &report.unused {
            table.add_row(vec![
                cell(format!(
                    "{}\n{}",
                    f.name,
                    place(report, &f.account_id, &f.region)
                )),
                cell(idle_cell(f)),
                cell(
                    f.last_modified
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "?".into()),
                ),
                cell(f.triggers.len()),
                cell(billed_text(f)),
                cell(role_text(f)),
            ]);
        }
        let _ = writeln!(text, "{table}");
        details(&mut text, report, options);
    }
    if !report.unknown.is_empty() {
        heading(
            &mut text,
            &format!(
                "Unknown: {} function(s) whose invocation metrics are missing",
                report.unknown.len()
            ),
            options,
        );
        let mut table = new_table(options);
        table.set_header(vec!["Function", "Region", "Why"]);
        for u in &report.unknown {
            table.add_row(vec![
                cell(&u.name),
                cell(place(report, &u.account_id, &u.region)),
                cell(&u.reason),
            ]);
        }
        let _ = writeln!(text, "{table}");
    }
    if !report.incomplete_accounts.is_empty() {
        heading(
            &mut text,
            &format!(
                "Not scanned: {} account(s), their functions neither used nor unused",
                report.incomplete_accounts.len()
            ),
            options,
        );
        let mut table = new_table(options);
        table.set_header(vec!["Account", "Why"]);
        for a in &report.incomplete_accounts {
            table.add_row(vec![cell(&a.account_id), cell(&a.reason)]);
        }
        let _ = writeln!(text, "{table}");
    }
    if let Some(line) = super::org::inactive_line(&report.inactive_accounts) {
        text.push('\n');
        paragraph(&mut text, &line, options);
    }
    text
}

/// What keeps each idle function alive or billed: its triggers and the functions sharing its role.
fn details(text: &mut String, report: &UnusedReport, options: &RenderOptions) {
    heading(text, "Still attached", options);
    for f in &report.unused {
        paragraph(
            text,
            &format!("{} ({}):", f.name, place(report, &f.account_id, &f.region)),
            options,
        );
        let mut lines = trigger_lines(f);
        if lines.is_empty() {
            lines.push("no trigger".into());
        }
        if !f.role_shared_with.is_empty() {
            lines.push(format!(
                "role {} also used by {}",
                f.role_arn,
                f.role_shared_with.join(", ")
            ));
        }
        for line in lines {
            bullet(text, &line, options);
        }
    }
    text.push('\n');
    paragraph(
        text,
        "PC billed: provisioned concurrency (executions @ qualifier) still charged while the function is idle. \
         Role shared: other functions use the same execution role (listed above), so delete the role only with \
         the last of them.",
        options,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_posture_checks::report::InactiveAccount;

    /// An organisation's listing says the accounts `--org` left out as not ACTIVE: one line in the table, a list in
    /// the JSON (valid against the schema); the functions of a single scanned account then show their account.
    #[test]
    fn the_accounts_left_out_as_not_active_are_one_line_and_one_field() {
        let config = lambda_posture_checks::config::ValidConfig::default();
        let mut report =
            lambda_posture_checks::unused::analyze(&crate::render::sample::inventory(), &config);
        let options = RenderOptions {
            color: false,
            width: 300,
        };
        let text = |report: &UnusedReport| {
            String::from_utf8(render(ListFormat::Table, report, &options).unwrap()).unwrap()
        };
        assert!(!text(&report).contains("not ACTIVE"));
        let json = render(ListFormat::Json, &report, &options).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(json.get("inactive_accounts").is_none(), "absent when none");
        report.inactive_accounts = vec![
            InactiveAccount::new("222222222222", "SUSPENDED"),
            InactiveAccount::new("333333333333", "CLOSED\u{1b}[2J"),
        ];
        let table = text(&report);
        assert_eq!(
            table
                .lines()
                .filter(|l| l.starts_with("Not scanned (not ACTIVE in AWS Organizations"))
                .collect::<Vec<_>>(),
            ["Not scanned (not ACTIVE in AWS Organizations; --org scans ACTIVE and PENDING_CLOSURE accounts): 222222222222 SUSPENDED, \
              333333333333 CLOSED<U+001B>[2J."],
            "{table}"
        );
        assert!(!table.contains('\u{1b}'));
        let json = render(ListFormat::Json, &report, &options).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["inactive_accounts"][0]["account_id"], "222222222222");
        assert_eq!(json["inactive_accounts"][0]["state"], "SUSPENDED");
        assert_eq!(
            json["inactive_accounts"][0]["reason"],
            InactiveAccount::REASON
        );
        json["inactive_accounts"].as_array_mut().unwrap().pop();
        let errors = crate::render::json::tests::schema_errors("unused.schema.json", &json);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
