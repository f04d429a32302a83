//! Merging an organisation scan: the per-account folders (`DIR/accounts/<id>/`) read back one account at a time into
//! one report, the same bytes as the report of one inventory holding every account; also the `unused` listing.
//!
//! Memory: one account's report at a time plus the per-account summaries. Each account's functions and findings,
//! already sorted in its report, are spilled to an anonymous temporary file as JSON lines; the merged lists are a
//! k-way merge of those runs with the report's own order ([`finding_order`], [`function_order`]), so the result is
//! the order one evaluation of all accounts gives. `--format json` streams the merge into the output; the other
//! formats render a merged [`Report`] held in memory, refused above [`MAX_FINDINGS_IN_MEMORY`] findings.
//!
//! What cannot be equal field by field, and the rule used instead (the single-machine organisation scan goes through
//! this same merge, so it and `merge` of its shards write the same bytes):
//! - `collected_at`: each account has its own; the merged report says the earliest (a report is as old as its
//!   oldest data).
//! - `tool_version`, `lookback_days`, `schema_version`: must agree (inventories of one version and flags), else a
//!   one-line error naming both reports.
//! - `checks_run`: every check that ran in some account, in catalogue order (as one evaluation decides: an opt-in
//!   check runs when one account asked for its input); `checks_not_run`: the others. An account with functions that
//!   did not run a check another account ran was scanned with other flags or configuration: refused.
//! - `suppressions`: the entries must be the same in every report; `matched` is summed; the state is `expired` when
//!   expired as of some account's scan date, else `active` when it matched something, else `unmatched`.
//! - Accounts that could not be scanned (`error.txt`, or no inventory at all) are listed in `incomplete_accounts`.
//! - Accounts `--org` left out as not ACTIVE are listed in `inactive_accounts`: the scan's own list, or for `merge`
//!   the union of the lists its shards recorded (every shard lists the same organisation); an earlier scan's folder
//!   of one is not merged (`shards::Missing::stale`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use lambda_posture_checks::catalog;
use lambda_posture_checks::compliance::FrameworkSummary;
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::finding::Severity;
use lambda_posture_checks::inventory::Inventory;
use lambda_posture_checks::report::{
    finding_order, function_order, CheckNotRun, InactiveAccount, IncompleteAccount, Report,
};
use lambda_posture_checks::suppress::{SuppressionState, SuppressionUse};
use lambda_posture_checks::unused::{self, UnusedReport};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::exit;
use crate::render::{self, ListFormat, RenderOptions, ReportFormat};

/// Most findings a merged report may have to be rendered in a format other than JSON (held in memory whole, as a
/// single-account scan holds its report); above it, `--format json` (streamed) is the way.
pub const MAX_FINDINGS_IN_MEMORY: usize = 500_000;

/// Stream the merged report of `account_dirs` (each a `DIR/accounts/<id>` folder), naming the accounts `--org` left
/// out as not ACTIVE (`inactive`), to `output` (`None`: standard output) in `format`. Prints one line per incomplete
/// account on standard error and returns the exit code: 1 when a failing finding of any account reaches `fail_on`,
/// else 3 when an account is incomplete or has gaps, else 0 (an account not ACTIVE changes nothing: nothing can be
/// scanned there, and a closed account stays SUSPENDED for 90 days).
pub fn write_merged(
    account_dirs: &[PathBuf],
    inactive: &[InactiveAccount],
    format: ReportFormat,
    options: &RenderOptions,
    fail_on: Option<Severity>,
    output: Option<&Path>,
    max_input_mib: u64,
) -> anyhow::Result<u8> {
    let mut merge = Merge::read(account_dirs, max_input_mib)?;
    merge.skeleton.inactive_accounts = inactive.to_vec();
    crate::output::emit_with(output, |w| merge.write(format, options, w))?;
    report_incomplete(&merge.skeleton.incomplete_accounts);
    Ok(merge.exit_code(fail_on))
}

/// The `unused` listing of `account_dirs`: each account's inventory analysed in turn (`config` as for `unused`), the
/// lists merged in their order, naming the accounts left out as not ACTIVE (`inactive`). Exit code 3 when the usage
/// of some function is unknown or an account is incomplete.
pub fn write_merged_unused(
    account_dirs: &[PathBuf],
    inactive: &[InactiveAccount],
    format: ListFormat,
    options: &RenderOptions,
    config: &ValidConfig,
    output: Option<&Path>,
    max_input_mib: u64,
) -> anyhow::Result<u8> {
    let mut report = merged_unused(account_dirs, config, max_input_mib)?;
    report.inactive_accounts = inactive.to_vec();
    let bytes = render::unused::render(format, &report, options)?;
    crate::output::emit(output, &bytes)?;
    report_incomplete(&report.incomplete_accounts);
    Ok(
        if report.unknown.is_empty() && report.incomplete_accounts.is_empty() {
            exit::CLEAN
        } else {
            exit::INCOMPLETE
        },
    )
}

/// `merge DIR...`: the account folders `DIR/accounts/<id>` of every DIR, by account id; an account found twice is
/// an error naming both folders.
pub fn account_dirs_of(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let accounts = dir.join(super::scan::ACCOUNTS);
        let entries = std::fs::read_dir(&accounts).with_context(|| {
            format!(
                "{}: cannot list it (not the --output-dir of an organisation scan?)",
                accounts.display()
            )
        })?;
        for entry in entries {
            let entry = entry.with_context(|| format!("{}: cannot list it", accounts.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with('.') || !path.is_dir() {
                continue;
            }
            if !is_account_id(&name) {
                anyhow::bail!(
                    "{}: not an account folder (its name must be a 12-digit account id)",
                    path.display()
                );
            }
            if let Some(first) = found.insert(name.clone(), path.clone()) {
                anyhow::bail!(
                    "account {name} is in two folders: {} and {} (merge each account once)",
                    first.display(),
                    path.display()
                );
            }
        }
    }
    Ok(found.into_values().collect())
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Stderr: one line per account that could not be scanned.
fn report_incomplete(incomplete: &[IncompleteAccount]) {
    for account in incomplete {
        eprintln!(
            "incomplete: account {}: {}",
            account.account_id,
            render::printable_line(&account.reason)
        );
    }
}

/// A scanned account's folder: its `inventory.json` and `report.json`.
struct Scanned {
    id: String,
    inventory: PathBuf,
    report: PathBuf,
}

/// The account folders in account-id order (an id present twice refused): the scanned ones, and the others with
/// why. An inventory means scanned (it is written last); else the `error.txt` line says why not; with neither the
/// account's scan never finished.
fn survey(
    account_dirs: &[PathBuf],
    max_input_mib: u64,
) -> anyhow::Result<(Vec<Scanned>, Vec<IncompleteAccount>)> {
    let mut scanned = Vec::new();
    let mut incomplete = Vec::new();
    for dir in sorted_dirs(account_dirs)? {
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| is_account_id(n))
            .with_context(|| {
                format!(
                    "{}: not an account folder (its name must be a 12-digit account id)",
                    dir.display()
                )
            })?;
        let (inventory, report, error) = (
            dir.join("inventory.json"),
            dir.join("report.json"),
            dir.join("error.txt"),
        );
        if inventory.is_file() {
            if !report.is_file() {
                anyhow::bail!(
                    "{}: missing next to the account's inventory.json (run the scan again with --resume to \
                     re-evaluate it)",
                    report.display()
                );
            }
            scanned.push(Scanned {
                id,
                inventory,
                report,
            });
            continue;
        }
        let reason = if error.is_file() {
            let text = crate::input::read_text(&error, "error", max_input_mib)?;
            match text.lines().map(str::trim).find(|l| !l.is_empty()) {
                Some(line) => line.to_string(),
                None => "could not be scanned (error.txt is empty)".to_string(),
            }
        } else {
            "not scanned: no inventory.json or error.txt (interrupted? run the scan again with --resume)"
                .to_string()
        };
        incomplete.push(IncompleteAccount {
            account_id: id,
            reason,
        });
    }
    Ok((scanned, incomplete))
}

/// The account folders sorted by account id, refusing an id present twice.
fn sorted_dirs(account_dirs: &[PathBuf]) -> anyhow::Result<Vec<&PathBuf>> {
    let mut dirs: Vec<&PathBuf> = account_dirs.iter().collect();
    dirs.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for pair in dirs.windows(2) {
        if pair[0].file_name() == pair[1].file_name() {
            anyhow::bail!(
                "account {} is in two folders: {} and {} (merge each account once)",
                pair[0].file_name().unwrap_or_default().to_string_lossy(),
                pair[0].display(),
                pair[1].display()
            );
        }
    }
    Ok(dirs)
}

/// The merged report, read: everything but the functions and findings in `skeleton`, those spilled.
pub struct Merge {
    /// The merged report with empty `functions` and `findings`.
    skeleton: Report,
    functions: Spill,
    findings: Spill,
}

/// What each check did across the accounts read so far.
#[derive(Default)]
struct CheckUse {
    /// An account that ran it.
    ran_in: Option<String>,
    /// An account with functions that did not run it, and why.
    not_run_in: Option<(String, String)>,
    /// Why the first account that did not run it did not.
    reason: Option<String>,
}

impl Merge {
    /// Read the reports of `account_dirs`, one at a time in account-id order.
    pub fn read(account_dirs: &[PathBuf], max_input_mib: u64) -> anyhow::Result<Merge> {
        let mut functions = Spill::new()?;
        let mut findings = Spill::new()?;
        let mut skeleton: Option<Report> = None;
        let mut first_path = PathBuf::new();
        let mut checks: BTreeMap<String, CheckUse> = BTreeMap::new();
        let (scanned, incomplete) = survey(account_dirs, max_input_mib)?;
        for Scanned {
            id, report: path, ..
        } in scanned
        {
            let name = path.display().to_string();
            let text = crate::input::read_text(&path, "report", max_input_mib)?;
            let mut report: Report = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{name}: not a lambda-posture JSON report: {}",
                    render::printable_line(&e.to_string())
                )
            })?;
            drop(text);
            if report.accounts.len() != 1 || report.accounts[0].account_id != id {
                anyhow::bail!(
                    "{name}: holds account(s) {} but its folder is account {id}",
                    report
                        .accounts
                        .iter()
                        .map(|a| a.account_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            functions.push_run(&report.functions)?;
            findings.push_run(&report.findings)?;
            report.functions = Vec::new();
            report.findings = Vec::new();
            let has_functions = report.accounts[0].functions_scanned > 0;
            for check in &report.checks_run {
                let used = checks.entry(check.clone()).or_default();
                used.ran_in.get_or_insert_with(|| id.clone());
            }
            for check in &report.checks_not_run {
                let used = checks.entry(check.check_id.clone()).or_default();
                used.reason.get_or_insert_with(|| check.reason.clone());
                if has_functions && used.not_run_in.is_none() {
                    used.not_run_in = Some((id.clone(), check.reason.clone()));
                }
            }
            match &mut skeleton {
                None => {
                    skeleton = Some(report);
                    first_path = path;
                }
                Some(merged) => combine(merged, &first_path, report, &path)?,
            }
        }
        let mut skeleton = match skeleton {
            Some(report) => report,
            None if incomplete.is_empty() => {
                anyhow::bail!("no account to merge: no accounts/<id>/ folder was found")
            }
            None => empty_report(),
        };
        let (checks_run, checks_not_run) = checks_of(checks)?;
        if let Some(framework) = &mut skeleton.framework {
            framework.settle(&checks_run);
        }
        skeleton.checks_run = checks_run;
        skeleton.checks_not_run = checks_not_run;
        skeleton.incomplete_accounts = incomplete;
        Ok(Merge {
            skeleton,
            functions,
            findings,
        })
    }

    /// The exit code: 1 when a failing finding reaches `fail_on`, else 3 when incomplete, else 0.
    pub fn exit_code(&self, fail_on: Option<Severity>) -> u8 {
        let failing = fail_on.is_some_and(|threshold| {
            self.skeleton.accounts.iter().any(|a| {
                a.failures_by_severity
                    .iter()
                    .any(|(severity, count)| *severity >= threshold && *count > 0)
            })
        });
        if failing {
            exit::FINDINGS
        } else if self.skeleton.incomplete() {
            exit::INCOMPLETE
        } else {
            exit::CLEAN
        }
    }

    /// Write the merged report in `format`.
    pub fn write(
        &self,
        format: ReportFormat,
        options: &RenderOptions,
        out: &mut dyn Write,
    ) -> anyhow::Result<()> {
        if format == ReportFormat::Json {
            return self.write_json(out);
        }
        render::render_to(format, &self.report()?, options, out)
    }

    /// The whole merged report in memory (formats other than JSON), within [`MAX_FINDINGS_IN_MEMORY`].
    pub fn report(&self) -> anyhow::Result<Report> {
        if self.findings.len > MAX_FINDINGS_IN_MEMORY {
            anyhow::bail!(
                "the merged report has {} findings, more than the {MAX_FINDINGS_IN_MEMORY} a report in another \
                 format than json is built from in memory: use --format json (streamed), or merge fewer accounts",
                self.findings.len
            );
        }
        Ok(Report {
            functions: self
                .functions
                .merged(function_order)
                .collect::<anyhow::Result<_>>()?,
            findings: self
                .findings
                .merged(finding_order)
                .collect::<anyhow::Result<_>>()?,
            ..self.skeleton.clone()
        })
    }

    /// The JSON report, streamed: the skeleton's pretty JSON with its empty `functions` and `findings` arrays
    /// replaced by the merged runs, each record indented as the whole report's serialisation indents it.
    fn write_json(&self, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut text = Vec::new();
        let plain = RenderOptions {
            color: false,
            width: render::DEFAULT_WIDTH,
        };
        render::render_to(ReportFormat::Json, &self.skeleton, &plain, &mut text)?;
        let text = String::from_utf8(text)?;
        let (head, rest) = split_once_at(&text, "\n  \"functions\": []")?;
        let (middle, tail) = split_once_at(rest, "\n  \"findings\": []")?;
        out.write_all(head.as_bytes())?;
        out.write_all(b"\n  \"functions\": ")?;
        write_array(self.functions.merged(function_order), out)?;
        out.write_all(middle.as_bytes())?;
        out.write_all(b"\n  \"findings\": ")?;
        write_array(self.findings.merged(finding_order), out)?;
        out.write_all(tail.as_bytes())?;
        Ok(())
    }
}

/// `text` before and after `marker` (which must be there).
fn split_once_at<'a>(text: &'a str, marker: &str) -> anyhow::Result<(&'a str, &'a str)> {
    text.find(marker)
        .map(|at| (&text[..at], &text[at + marker.len()..]))
        .with_context(|| format!("internal: `{}` not in the report's JSON", marker.trim()))
}

/// A top-level array of the pretty report: `[]`, or each item on its own lines indented by four spaces.
fn write_array<T: Serialize>(
    items: impl Iterator<Item = anyhow::Result<T>>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut empty = true;
    let mut buffer = Vec::new();
    for item in items {
        out.write_all(if empty { b"[\n    " } else { b",\n    " })?;
        empty = false;
        buffer.clear();
        serde_json::to_writer_pretty(&mut buffer, &item?)?;
        // JSON strings escape line breaks: every raw newline is the layout's.
        for (i, line) in buffer.split(|b| *b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n    ")?;
            }
            out.write_all(line)?;
        }
    }
    out.write_all(if empty { b"[]" } else { b"\n  ]" })?;
    Ok(())
}

/// A merged report of no scanned account (every account incomplete).
fn empty_report() -> Report {
    Report {
        schema_version: lambda_posture_checks::report::REPORT_SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        collected_at: DateTime::<Utc>::UNIX_EPOCH,
        lookback_days: 0,
        checks_run: Vec::new(),
        checks_not_run: Vec::new(),
        accounts: Vec::new(),
        functions: Vec::new(),
        findings: Vec::new(),
        suppressions: Vec::new(),
        incomplete_accounts: Vec::new(),
        inactive_accounts: Vec::new(),
        framework: None,
    }
}

/// Fold the header and summaries of `next` (its functions and findings spilled) into `merged`.
fn combine(merged: &mut Report, first: &Path, next: Report, path: &Path) -> anyhow::Result<()> {
    let disagree = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "{}: {what} {b}, but {} has {a}: merge the reports of scans run with the same version, flags and \
             configuration",
            path.display(),
            first.display()
        )
    };
    if next.schema_version != merged.schema_version {
        return Err(disagree(
            "schema_version",
            &merged.schema_version,
            &next.schema_version,
        ));
    }
    if next.tool_version != merged.tool_version {
        return Err(disagree(
            "tool_version",
            &merged.tool_version,
            &next.tool_version,
        ));
    }
    if next.lookback_days != merged.lookback_days {
        return Err(disagree(
            "lookback_days",
            &merged.lookback_days,
            &next.lookback_days,
        ));
    }
    let framework = |f: Option<&FrameworkSummary>| {
        f.map_or("no --framework".to_string(), |f| {
            format!("--framework {} ({} {})", f.id, f.name, f.version)
        })
    };
    match (&mut merged.framework, &next.framework) {
        (None, None) => {}
        (Some(mine), Some(theirs))
            if (&mine.id, &mine.version) == (&theirs.id, &theirs.version) =>
        {
            mine.absorb(theirs)
                .map_err(|differs| disagree("has", &"the mapping of this version", &differs))?
        }
        (mine, theirs) => {
            return Err(disagree(
                "was scanned with",
                &framework(mine.as_ref()),
                &framework(theirs.as_ref()),
            ))
        }
    }
    merged.collected_at = merged.collected_at.min(next.collected_at);
    merge_suppressions(&mut merged.suppressions, next.suppressions)
        .map_err(|()| disagree("[[suppressions]] differ", &"others", &"its own"))?;
    merged.accounts.extend(next.accounts);
    Ok(())
}

/// Add `next`'s use of the same suppression entries to `merged`; `Err` when the entries differ.
fn merge_suppressions(merged: &mut [SuppressionUse], next: Vec<SuppressionUse>) -> Result<(), ()> {
    if merged.len() != next.len() {
        return Err(());
    }
    for (m, n) in merged.iter_mut().zip(next) {
        if m.index != n.index || m.entry != n.entry {
            return Err(());
        }
        m.matched += n.matched;
        m.state = if m.state == SuppressionState::Expired || n.state == SuppressionState::Expired {
            SuppressionState::Expired
        } else if m.matched > 0 {
            SuppressionState::Active
        } else {
            SuppressionState::Unmatched
        };
    }
    Ok(())
}

/// `checks_run` and `checks_not_run` of the merged report, in catalogue order (see the module's rules).
fn checks_of(
    checks: BTreeMap<String, CheckUse>,
) -> anyhow::Result<(Vec<String>, Vec<CheckNotRun>)> {
    let position = |id: &str| catalog::all().iter().position(|c| c.id == id);
    let mut ordered: Vec<(String, CheckUse)> = checks.into_iter().collect();
    ordered.sort_by_key(|(id, _)| (position(id).unwrap_or(usize::MAX), id.clone()));
    let mut run = Vec::new();
    let mut not_run = Vec::new();
    for (id, used) in ordered {
        match (used.ran_in, used.not_run_in) {
            (Some(ran), Some((skipped, reason))) => anyhow::bail!(
                "check {id} ran in account {ran} but not in account {skipped} ({reason}): merge the reports of \
                 scans run with the same flags and configuration"
            ),
            (Some(_), None) => run.push(id),
            (None, _) => not_run.push(CheckNotRun {
                check_id: id,
                reason: used.reason.unwrap_or_default(),
            }),
        }
    }
    Ok((run, not_run))
}

/// The merged `unused` listing (see [`write_merged_unused`]).
pub fn merged_unused(
    account_dirs: &[PathBuf],
    config: &ValidConfig,
    max_input_mib: u64,
) -> anyhow::Result<UnusedReport> {
    let mut merged: Option<(UnusedReport, PathBuf)> = None;
    let (scanned, incomplete) = survey(account_dirs, max_input_mib)?;
    for Scanned {
        inventory: path, ..
    } in scanned
    {
        let text = crate::input::read_text(&path, "inventory", max_input_mib)?;
        let inventory = Inventory::from_json(&path.display().to_string(), &text)?;
        drop(text);
        let next = unused::analyze(&inventory, config);
        drop(inventory);
        match &mut merged {
            None => merged = Some((next, path)),
            Some((report, first)) => {
                if next.tool_version != report.tool_version {
                    anyhow::bail!(
                        "{}: collected by lambda-posture {}, but {} by {}: merge inventories collected by one version",
                        path.display(),
                        next.tool_version,
                        first.display(),
                        report.tool_version
                    );
                }
                if next.lookback_days != report.lookback_days {
                    anyhow::bail!(
                        "{}: lookback_days {}, but {} has {}: merge inventories collected with the same flags",
                        path.display(),
                        next.lookback_days,
                        first.display(),
                        report.lookback_days
                    );
                }
                report.collected_at = report.collected_at.min(next.collected_at);
                report.functions_scanned += next.functions_scanned;
                report.accounts_scanned += next.accounts_scanned;
                report.unused.extend(next.unused);
                report.unknown.extend(next.unknown);
            }
        }
    }
    let mut report = match merged {
        Some((report, _)) => report,
        None if incomplete.is_empty() => {
            anyhow::bail!("no account to merge: no accounts/<id>/ folder was found")
        }
        None => {
            let empty = empty_report();
            UnusedReport {
                schema_version: unused::UNUSED_SCHEMA_VERSION,
                tool_version: empty.tool_version,
                collected_at: empty.collected_at,
                lookback_days: 0,
                threshold_days: config.thresholds.unused_days,
                functions_scanned: 0,
                accounts_scanned: 0,
                unused: Vec::new(),
                unknown: Vec::new(),
                incomplete_accounts: Vec::new(),
                inactive_accounts: Vec::new(),
            }
        }
    };
    report.unused.sort_by(unused::unused_order);
    report.unknown.sort_by(|a, b| a.arn.cmp(&b.arn));
    report.incomplete_accounts = incomplete;
    Ok(report)
}

/// Sorted runs of records (one per account) spilled to an anonymous temporary file as JSON lines.
struct Spill {
    file: File,
    /// Byte range of each run.
    runs: Vec<(u64, u64)>,
    /// Bytes written so far.
    end: u64,
    /// Records in all runs.
    len: usize,
}

/// Bytes read ahead for all the runs of a merge together (each run's share at least [`MIN_READ_AHEAD`]).
const READ_AHEAD: usize = 16 << 20;
const MIN_READ_AHEAD: usize = 4 << 10;

impl Spill {
    fn new() -> anyhow::Result<Spill> {
        Ok(Spill {
            file: tempfile::tempfile().context("cannot create a temporary file for the merge")?,
            runs: Vec::new(),
            end: 0,
            len: 0,
        })
    }

    /// Append one sorted run.
    fn push_run<T: Serialize>(&mut self, records: &[T]) -> anyhow::Result<()> {
        let start = self.end;
        let mut bytes = Vec::new();
        for record in records {
            serde_json::to_writer(&mut bytes, record)?;
            bytes.push(b'\n');
        }
        self.file
            .write_all_at(&bytes, start)
            .context("cannot write the merge's temporary file")?;
        self.end += bytes.len() as u64;
        self.runs.push((start, self.end));
        self.len += records.len();
        Ok(())
    }

    /// Every record of every run, in `order` (each run sorted in it).
    fn merged<'a, T: DeserializeOwned + 'a>(
        &'a self,
        order: fn(&T, &T) -> Ordering,
    ) -> impl Iterator<Item = anyhow::Result<T>> + 'a {
        self.merged_reading(
            order,
            (READ_AHEAD / self.runs.len().max(1)).max(MIN_READ_AHEAD),
        )
    }

    /// [`Spill::merged`], reading `share` bytes of a run at a time.
    fn merged_reading<'a, T: DeserializeOwned + 'a>(
        &'a self,
        order: fn(&T, &T) -> Ordering,
        share: usize,
    ) -> impl Iterator<Item = anyhow::Result<T>> + 'a {
        let mut cursors: Vec<Cursor> = self
            .runs
            .iter()
            .map(|&(start, end)| Cursor::new(start, end, share))
            .collect();
        let mut heap = BinaryHeap::new();
        let mut failed: Option<anyhow::Error> = None;
        for (source, cursor) in cursors.iter_mut().enumerate() {
            match cursor.next(&self.file) {
                Ok(Some(item)) => heap.push(Head {
                    item,
                    source,
                    order,
                }),
                Ok(None) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        std::iter::from_fn(move || {
            if let Some(e) = failed.take() {
                heap.clear();
                return Some(Err(e));
            }
            let head = heap.pop()?;
            match cursors[head.source].next(&self.file) {
                Ok(Some(item)) => heap.push(Head {
                    item,
                    source: head.source,
                    order,
                }),
                Ok(None) => {}
                Err(e) => failed = Some(e),
            }
            Some(Ok(head.item))
        })
    }
}

/// A run's next record, first in the heap when it is the smallest (a min-heap on `order`).
struct Head<T> {
    item: T,
    source: usize,
    order: fn(&T, &T) -> Ordering,
}

impl<T> Ord for Head<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.order)(&other.item, &self.item).then(other.source.cmp(&self.source))
    }
}

impl<T> PartialOrd for Head<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Head<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Head<T> {}

/// Reads one run's JSON lines through a small buffer.
struct Cursor {
    /// Next byte of the file to read.
    pos: u64,
    end: u64,
    buffer: Vec<u8>,
    /// Bytes of `buffer` already parsed.
    used: usize,
    share: usize,
}

impl Cursor {
    fn new(start: u64, end: u64, share: usize) -> Cursor {
        Cursor {
            pos: start,
            end,
            buffer: Vec::new(),
            used: 0,
            share,
        }
    }

    fn next<T: DeserializeOwned>(&mut self, file: &File) -> anyhow::Result<Option<T>> {
        loop {
            if let Some(newline) = self.buffer[self.used..].iter().position(|b| *b == b'\n') {
                let line = &self.buffer[self.used..self.used + newline];
                self.used += newline + 1;
                return Ok(Some(
                    serde_json::from_slice(line)
                        .context("the merge's temporary file changed under it")?,
                ));
            }
            if self.pos >= self.end {
                return Ok(None);
            }
            self.buffer.drain(..self.used);
            self.used = 0;
            let want = self.share.min((self.end - self.pos) as usize);
            let had = self.buffer.len();
            self.buffer.resize(had + want, 0);
            file.read_exact_at(&mut self.buffer[had..], self.pos)
                .context("cannot read the merge's temporary file")?;
            self.pos += want as u64;
        }
    }
}

#[cfg(test)]
mod tests;
