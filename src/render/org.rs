//! The organisation part of the terminal report: one row per account, worst first, in place of the one-account
//! summary when a report covers several accounts (or names accounts that could not be scanned).

use std::cmp::Reverse;
use std::fmt::Write as _;

use comfy_table::{Attribute, Cell};
use lambda_posture_checks::finding::Severity;
use lambda_posture_checks::report::{AccountSummary, InactiveAccount, Report};

use super::table::{cell, gaps_line, grade_color, heading, new_table, paragraph};
use super::RenderOptions;

/// Whether `report` is an organisation's: several accounts, or some that could not be scanned or were left out.
pub fn is_organisation(report: &Report) -> bool {
    report.accounts.len() > 1
        || !report.incomplete_accounts.is_empty()
        || !report.inactive_accounts.is_empty()
}

/// The one line naming the accounts `--org` left out as not ACTIVE, with their state
/// (`Not scanned (not ACTIVE in AWS Organizations): 222222222222 SUSPENDED, …`), if any; the table and the `unused`
/// listing say it, as plain text (made printable where it is written).
pub fn inactive_line(inactive: &[InactiveAccount]) -> Option<String> {
    if inactive.is_empty() {
        return None;
    }
    let list: Vec<String> = inactive
        .iter()
        .map(|a| format!("{} {}", a.account_id, a.state))
        .collect();
    Some(format!(
        "Not scanned (not ACTIVE in AWS Organizations; {}): {}.",
        InactiveAccount::SCOPE,
        list.join(", ")
    ))
}

/// Where a function is, for a table row: its region, and in an organisation's report also its account.
pub fn place(report: &Report, account_id: &str, region: &str) -> String {
    if is_organisation(report) {
        format!("{account_id} · {region}")
    } else {
        region.to_string()
    }
}

/// Worst first: the worst grade, then the most failing findings from the most severe down, then the most failed
/// calls, then by id.
fn worst_first(a: &AccountSummary) -> impl Ord + '_ {
    let failing: Vec<Reverse<usize>> = Severity::ALL
        .iter()
        .map(|s| Reverse(a.failures_by_severity.get(s).copied().unwrap_or(0)))
        .collect();
    (
        Reverse(a.grade),
        failing,
        Reverse(a.gaps.len()),
        &a.account_id,
    )
}

/// The scanned accounts of `report`, worst first.
pub fn accounts_worst_first(report: &Report) -> Vec<&AccountSummary> {
    let mut accounts: Vec<&AccountSummary> = report.accounts.iter().collect();
    accounts.sort_by(|a, b| worst_first(a).cmp(&worst_first(b)));
    accounts
}

/// Failing findings per severity, the severities that have some, one per line ("none" without any).
fn failing_lines(account: &AccountSummary) -> String {
    let lines: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            let n = account.failures_by_severity.get(s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {s}"))
        })
        .collect();
    if lines.is_empty() {
        "none".to_string()
    } else {
        lines.join("\n")
    }
}

/// The accounts table: first the accounts that could not be scanned (nothing is known of them: never a pass), then
/// the scanned ones worst first.
pub fn accounts_section(text: &mut String, report: &Report, options: &RenderOptions) {
    let functions: usize = report.accounts.iter().map(|a| a.functions_scanned).sum();
    let mut title = format!(
        "Accounts, worst first: {} scanned ({functions} functions)",
        report.accounts.len()
    );
    if !report.incomplete_accounts.is_empty() {
        let _ = write!(
            title,
            ", {} could not be scanned",
            report.incomplete_accounts.len()
        );
    }
    heading(text, &title, options);
    let mut table = new_table(options);
    table.set_header(vec!["Account", "Grade", "Functions", "Failing", "Gaps"]);
    for account in &report.incomplete_accounts {
        table.add_row(vec![
            cell(&account.account_id),
            cell("?"),
            cell("-"),
            cell("-"),
            cell(format!("not scanned: {}", account.reason)),
        ]);
    }
    for account in accounts_worst_first(report) {
        let grade = cell(account.grade);
        let grade: Cell = if options.color {
            grade
                .fg(grade_color(account.grade))
                .add_attribute(Attribute::Bold)
        } else {
            grade
        };
        let mut gaps = gaps_line(account);
        if let Some(not_examined) = &account.not_examined {
            let _ = write!(gaps, "; {}", not_examined.line());
        }
        table.add_row(vec![
            cell(format!(
                "{}\n{}",
                account.account_id,
                account.regions.join(", ")
            )),
            grade,
            cell(account.functions_scanned),
            cell(failing_lines(account)),
            cell(gaps),
        ]);
    }
    let _ = writeln!(text, "{table}");
    if let Some(line) = inactive_line(&report.inactive_accounts) {
        paragraph(text, &line, options);
    }
    paragraph(
        text,
        "Grade: A to F from the mean function score and the worst failure (README, Scoring); ? = not scanned.",
        options,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;
    use lambda_posture_checks::report::IncompleteAccount;

    fn table(report: &Report) -> String {
        let mut out = Vec::new();
        crate::render::render_to(
            crate::render::ReportFormat::Table,
            report,
            &RenderOptions {
                color: false,
                width: 100,
            },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_account_keeps_its_summary_and_an_organisation_lists_accounts_worst_first() {
        let one = sample::report();
        assert!(!is_organisation(&one));
        assert!(!table(&one).contains("Accounts, worst first"));
        let mut org = one.clone();
        let mut clean = org.accounts[0].clone();
        clean.account_id = "000000000001".into();
        clean.grade = 'A';
        clean.failures_by_severity.clear();
        clean.gaps.clear();
        let mut worse = org.accounts[0].clone();
        worse.account_id = "999999999999".into();
        worse.grade = 'F';
        org.accounts.insert(0, clean);
        org.accounts.push(worse);
        org.incomplete_accounts.push(IncompleteAccount {
            account_id: "555555555555".into(),
            reason: "sts:AssumeRole refused".into(),
        });
        let text = table(&org);
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
        };
        assert!(at("Accounts, worst first: 3 scanned") < at("555555555555"));
        assert!(at("555555555555") < at("999999999999"), "{text}");
        assert!(
            at("999999999999") < at(&one.accounts[0].account_id),
            "{text}"
        );
        assert!(
            at(&one.accounts[0].account_id) < at("000000000001"),
            "{text}"
        );
        assert!(
            text.contains("not scanned: sts:AssumeRole refused"),
            "{text}"
        );
        assert!(
            !text.contains("Functions scanned"),
            "no per-account box in an organisation's table"
        );
        assert_eq!(
            place(&org, "999999999999", "eu-west-1"),
            "999999999999 · eu-west-1"
        );
        assert_eq!(place(&one, "999999999999", "eu-west-1"), "eu-west-1");
    }

    #[test]
    fn the_accounts_left_out_as_not_active_make_an_organisations_report_and_are_one_line() {
        use lambda_posture_checks::report::InactiveAccount;
        assert_eq!(inactive_line(&[]), None);
        let mut one = sample::report();
        one.inactive_accounts
            .push(InactiveAccount::new("222222222222", "SUSPENDED"));
        assert!(is_organisation(&one));
        assert_eq!(
            place(&one, "999999999999", "eu-west-1"),
            "999999999999 · eu-west-1"
        );
        one.inactive_accounts
            .push(InactiveAccount::new("333333333333", "unknown"));
        assert_eq!(
            inactive_line(&one.inactive_accounts).unwrap(),
            "Not scanned (not ACTIVE in AWS Organizations; --org scans ACTIVE and PENDING_CLOSURE accounts): 222222222222 SUSPENDED, \
             333333333333 unknown."
        );
        let text = table(&one);
        assert!(text.contains("Accounts, worst first: 1 scanned"), "{text}");
        assert!(text.contains("333333333333 unknown."), "{text}");
    }
}
