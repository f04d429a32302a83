//! The evaluated report: findings, per-function scores and per-account summaries, ready for any renderer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::compliance::FrameworkSummary;
use crate::finding::{Finding, Severity, Status};
use crate::inventory::{Gap, Inventory};
use crate::score;
use crate::suppress::SuppressionUse;

/// Version of the report's JSON shape (see `schema/report.schema.json`).
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// A scan's evaluated result: what every renderer writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The lambda-posture version that evaluated it.
    pub tool_version: String,
    /// When the inventory was collected; its date is the scan date.
    pub collected_at: DateTime<Utc>,
    /// Days of metrics history the inventory holds.
    pub lookback_days: u32,
    /// Ids of the checks that ran.
    pub checks_run: Vec<String>,
    /// The checks of the catalogue that did not run, and why (disabled, or their input was not asked for): not run
    /// is not Unknown, so they give no per-function finding.
    #[serde(default)]
    pub checks_not_run: Vec<CheckNotRun>,
    /// One summary per account.
    pub accounts: Vec<AccountSummary>,
    /// Worst first (lowest score), then by ARN.
    pub functions: Vec<FunctionSummary>,
    /// Sorted by severity (worst first), check id, resource ARN, discriminator, function ARN, finding id.
    pub findings: Vec<Finding>,
    /// Every `[[suppressions]]` entry of the config and what it did (active, expired, unmatched).
    #[serde(default)]
    pub suppressions: Vec<SuppressionUse>,
    /// Organisation scan: the accounts that could not be scanned (not entered, or collection aborted), by id; absent
    /// when there are none (a single-account report never has any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete_accounts: Vec<IncompleteAccount>,
    /// Organisation scan with `--org`: the accounts of the organization it did not scan because AWS Organizations
    /// lists them as unusable (suspended, closed, pending activation; an account pending closure still works and is
    /// scanned), by id; absent when there are none. Not findings, and not incomplete accounts: nothing can be scanned
    /// there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inactive_accounts: Vec<InactiveAccount>,
    /// `scan --framework`: the report summarised by the controls of that framework (only its checks ran); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<FrameworkSummary>,
}

/// An account of an organisation scan with no inventory, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteAccount {
    /// The 12-digit account id.
    pub account_id: String,
    /// One line: why it could not be scanned.
    pub reason: String,
}

/// Which accounts `--org` scans, as every line about the others says it (one text for [`InactiveAccount::SCOPE`] and
/// [`InactiveAccount::REASON`]).
macro_rules! org_scope {
    () => {
        "--org scans ACTIVE and PENDING_CLOSURE accounts"
    };
}

/// An account of the organization that `--org` did not scan because it is not ACTIVE in AWS Organizations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InactiveAccount {
    /// The 12-digit account id.
    pub account_id: String,
    /// Its state in AWS Organizations (`SUSPENDED`, `CLOSED`, `PENDING_ACTIVATION`), or
    /// `unknown` when ListAccounts gave none (or something else than a state word).
    pub state: String,
    /// One line: why it was not scanned ([`InactiveAccount::REASON`]).
    pub reason: String,
}

impl InactiveAccount {
    /// Which accounts `--org` scans: what the stderr line, the table, SARIF and [`InactiveAccount::REASON`] say of
    /// the others (the states themselves: `org::members::SCANNED_STATES` in the application).
    pub const SCOPE: &'static str = org_scope!();

    /// Why an account not ACTIVE is not scanned.
    pub const REASON: &'static str = concat!(
        "not ACTIVE in AWS Organizations (",
        org_scope!(),
        ": no role can be assumed in the others)"
    );

    /// The account `account_id`, in `state`.
    pub fn new(account_id: &str, state: &str) -> InactiveAccount {
        InactiveAccount {
            account_id: account_id.to_string(),
            state: state.to_string(),
            reason: InactiveAccount::REASON.to_string(),
        }
    }
}

/// The order of [`Report::findings`]: severity (worst first), check id, resource ARN, discriminator, function ARN,
/// finding id (a total order: no two findings share an id).
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (
        std::cmp::Reverse(a.severity),
        &a.check_id,
        &a.resource_arn,
        &a.discriminator,
        &a.function_arn,
        &a.id,
    )
        .cmp(&(
            std::cmp::Reverse(b.severity),
            &b.check_id,
            &b.resource_arn,
            &b.discriminator,
            &b.function_arn,
            &b.id,
        ))
}

/// The order of [`Report::functions`]: worst first (lowest score), then by ARN.
pub fn function_order(a: &FunctionSummary, b: &FunctionSummary) -> std::cmp::Ordering {
    (a.score, &a.arn).cmp(&(b.score, &b.arn))
}

/// A check of the catalogue that did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckNotRun {
    /// The check's id.
    pub check_id: String,
    /// What the user can do to run it: `run with --scan-code`, `disabled in the configuration`.
    pub reason: String,
}

/// One account's totals and grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The 12-digit account id.
    pub account_id: String,
    /// The regions scanned.
    pub regions: Vec<String>,
    /// How many functions were evaluated.
    pub functions_scanned: usize,
    /// `A` to `F`, from the mean score and the worst failure (README, Scoring).
    pub grade: char,
    /// Mean of the functions' scores.
    pub mean_score: f64,
    /// Failing findings per severity.
    pub failures_by_severity: BTreeMap<Severity, usize>,
    /// Unknown findings.
    pub unknown: usize,
    /// Findings muted by suppressions.
    pub muted: usize,
    /// Calls that failed for good: what the Unknowns come from.
    pub gaps: Vec<Gap>,
    /// What the scan's plan left unread in this account (see [`crate::plan`]); absent when it read everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_examined: Option<NotExamined>,
}

/// Data the scan did not read by default, and the flag that reads it: never a silent pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotExamined {
    /// Published versions whose resource policy was not read (old versions nothing points at).
    pub version_policies: usize,
    /// Functions with such versions.
    pub functions: usize,
    /// The flag that reads them: `--thorough`.
    pub flag: String,
}

impl NotExamined {
    /// The account's unread data, `None` when there is none.
    fn of(account: &crate::inventory::Account) -> Option<NotExamined> {
        let (version_policies, functions) = crate::plan::unread_policies(account);
        (version_policies > 0).then(|| NotExamined {
            version_policies,
            functions,
            flag: crate::plan::THOROUGH_FLAG.to_string(),
        })
    }

    /// One line for a summary.
    pub fn line(&self) -> String {
        format!(
            "resource policies of {} old published versions of {} functions not read (no alias, event source mapping or configuration names them; {} reads them)",
            self.version_policies, self.functions, self.flag
        )
    }
}

/// One function's score and counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSummary {
    /// The function's account.
    pub account_id: String,
    /// The function's region.
    pub region: String,
    /// The function ARN.
    pub arn: String,
    /// The function name.
    pub name: String,
    /// The runtime; `None` for container images.
    pub runtime: Option<String>,
    /// 0 to 100, from its failures (README, Scoring).
    pub score: u8,
    /// Failing findings.
    pub failures: usize,
    /// Unknown findings.
    pub unknown: usize,
    /// The function's tags.
    pub tags: BTreeMap<String, String>,
}

impl Report {
    /// The report of `findings` (suppressions already applied: see [`crate::suppress::apply`]), sorted, with the
    /// scores and summaries they give.
    pub fn new(
        inventory: &Inventory,
        mut findings: Vec<Finding>,
        checks_run: Vec<String>,
        suppressions: Vec<SuppressionUse>,
    ) -> Report {
        // Unstable: no two findings have equal keys (the id ends them), and it needs no buffer of half the findings.
        findings.sort_unstable_by(finding_order);
        let mut report = Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool_version: inventory.tool_version.clone(),
            collected_at: inventory.collected_at,
            lookback_days: inventory.lookback_days,
            checks_run,
            checks_not_run: Vec::new(),
            accounts: Vec::new(),
            functions: Vec::new(),
            findings,
            suppressions,
            incomplete_accounts: Vec::new(),
            inactive_accounts: Vec::new(),
            framework: None,
        };
        report.score(inventory);
        report
    }

    /// Compute scores and summaries from the findings.
    fn score(&mut self, inventory: &Inventory) {
        let mut functions = Vec::new();
        let mut accounts = Vec::new();
        // A function's findings are those naming its account, region and name (a role finding's resource is the
        // role, its resource name the function): grouped once, in report order.
        let mut by_function: HashMap<(&str, &str, &str), Vec<&Finding>> = HashMap::new();
        for f in &self.findings {
            by_function
                .entry((&f.account_id, &f.region, &f.resource_name))
                .or_default()
                .push(f);
        }
        for account in &inventory.accounts {
            let mut scores = Vec::new();
            for function in &account.functions {
                let key = (
                    account.account_id.as_str(),
                    function.region.as_str(),
                    function.name.as_str(),
                );
                let own: &[&Finding] = by_function.get(&key).map_or(&[], Vec::as_slice);
                let score = score::function_score(own.iter().copied());
                scores.push(score);
                functions.push(FunctionSummary {
                    account_id: account.account_id.clone(),
                    region: function.region.clone(),
                    arn: function.arn.clone(),
                    name: function.name.clone(),
                    runtime: function.runtime.clone(),
                    score,
                    failures: own.iter().filter(|f| f.status == Status::Fail).count(),
                    unknown: own.iter().filter(|f| f.status == Status::Unknown).count(),
                    tags: function.tags.clone(),
                });
            }
            let of_account = || {
                self.findings
                    .iter()
                    .filter(|f| *f.account_id == *account.account_id)
            };
            let mut failures_by_severity = BTreeMap::new();
            for f in of_account().filter(|f| f.status == Status::Fail) {
                *failures_by_severity.entry(f.severity).or_insert(0) += 1;
            }
            let worst = failures_by_severity.keys().max().copied();
            let mean_score = if scores.is_empty() {
                100.0
            } else {
                scores.iter().map(|&s| s as f64).sum::<f64>() / scores.len() as f64
            };
            accounts.push(AccountSummary {
                account_id: account.account_id.clone(),
                regions: account.regions.clone(),
                functions_scanned: account.functions.len(),
                grade: score::account_grade(&scores, worst),
                mean_score: (mean_score * 10.0).round() / 10.0,
                failures_by_severity,
                unknown: of_account().filter(|f| f.status == Status::Unknown).count(),
                muted: of_account().filter(|f| f.status == Status::Muted).count(),
                gaps: account.gaps.clone(),
                not_examined: NotExamined::of(account),
            });
        }
        functions.sort_by(function_order);
        self.functions = functions;
        self.accounts = accounts;
    }

    /// The one summary line naming the checks that did not run (`not run: code-secret (run with --scan-code)`), if
    /// any did not.
    pub fn not_run_line(&self) -> Option<String> {
        if self.checks_not_run.is_empty() {
            return None;
        }
        let list: Vec<String> = self
            .checks_not_run
            .iter()
            .map(|c| format!("{} ({})", c.check_id, c.reason))
            .collect();
        Some(format!("not run: {}", list.join(", ")))
    }

    /// Whether any account had calls that failed for good, or could not be scanned at all.
    pub fn incomplete(&self) -> bool {
        !self.incomplete_accounts.is_empty() || self.accounts.iter().any(|a| !a.gaps.is_empty())
    }
}
