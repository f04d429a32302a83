//! The organisation scan's collection: accounts collected concurrently (at most `--max-accounts` at once, each with
//! quota schedules of its own), each evaluated and written to `DIR/accounts/<id>/` as soon as it completes, then
//! freed; `--resume` re-evaluates the accounts already collected there instead of collecting them again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use futures::StreamExt;
use lambda_posture_checks::compliance::Framework;
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;
use lambda_posture_checks::inventory::Inventory;
use tracing::Instrument;

use super::enter::{self, Caller, Role};
use crate::collect::pacing::{Pacer, RetryPolicy};
use crate::collect::{self, CollectOptions};
use crate::output;
use crate::render::{self, RenderOptions, ReportFormat};

/// The account's complete inventory; its presence means the account is done (written last).
pub const INVENTORY: &str = "inventory.json";
/// The folder of an organisation scan's directory that holds one folder per account.
pub const ACCOUNTS: &str = "accounts";
/// The account's report: `scan --inventory inventory.json --format json`.
pub const REPORT: &str = "report.json";
/// One line: why the account could not be scanned.
pub const ERROR: &str = "error.txt";

/// What an organisation scan collects, where, and how.
pub struct Plan {
    /// `--output-dir` or `--resume`.
    pub dir: PathBuf,
    /// `--resume`: an account with an inventory in `dir` is not collected again.
    pub resume: bool,
    /// The selected accounts, sorted.
    pub accounts: Vec<String>,
    pub role: Role,
    pub max_accounts: usize,
    /// Every account's collection options (no per-region progress bars: one bar counts the accounts).
    pub collect: CollectOptions,
    pub config: Arc<ValidConfig>,
    /// `--framework`: every account's report runs that framework's checks and is summarised by its controls.
    pub framework: Option<Framework>,
    pub max_input_mib: u64,
    /// A bar counting the accounts done, on stderr.
    pub progress: bool,
}

/// `DIR/accounts/<id>`.
pub fn account_dir(dir: &Path, account: &str) -> PathBuf {
    dir.join(ACCOUNTS).join(account)
}

/// What became of one account.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Collected,
    /// Its inventory was already there (`--resume`): only the report was evaluated again.
    Resumed,
    /// Not scanned, with the reason written to `error.txt`.
    Incomplete(String),
}

/// Scan every account of the plan into its folder; the folders, in account order. Only a failure to write the
/// output directory stops the scan; an account that cannot be entered or collected has its `error.txt`.
pub async fn run(plan: &Plan, caller: &Caller, pacer: &Pacer) -> anyhow::Result<Vec<PathBuf>> {
    let accounts_dir = plan.dir.join(ACCOUNTS);
    std::fs::create_dir_all(&accounts_dir)
        .with_context(|| format!("{}: cannot create the folder", accounts_dir.display()))?;
    let bar = crate::collect::progress::counter(
        plan.progress,
        plan.accounts.len(),
        "accounts [{bar:30}] {pos}/{len} {elapsed}",
    );
    let mut outcomes = futures::stream::iter(&plan.accounts)
        .map(|account| {
            // every log line of the account's collection names it
            let span = tracing::warn_span!("account", id = %account);
            async move {
                let started = std::time::Instant::now();
                let outcome = scan_account(plan, caller, pacer, account).await;
                (account, started.elapsed(), outcome)
            }
            .instrument(span)
        })
        .buffer_unordered(plan.max_accounts);
    while let Some((account, elapsed, outcome)) = outcomes.next().await {
        let outcome = outcome?;
        let elapsed_ms = elapsed.as_millis() as u64;
        match &outcome {
            Outcome::Incomplete(reason) => {
                tracing::info!(account, elapsed_ms, reason, "account incomplete")
            }
            done => tracing::info!(account, elapsed_ms, outcome = ?done, "account done"),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    tracing::info!(endpoints = ?caller.sts.rotation.in_use(), "STS endpoints still in use at the end");
    Ok(plan
        .accounts
        .iter()
        .map(|a| account_dir(&plan.dir, a))
        .collect())
}

/// One account: re-evaluated from its inventory (`--resume`), or entered, collected, evaluated and written.
async fn scan_account(
    plan: &Plan,
    caller: &Caller,
    pacer: &Pacer,
    account: &str,
) -> anyhow::Result<Outcome> {
    let dir = account_dir(&plan.dir, account);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    let inventory_path = dir.join(INVENTORY);
    if plan.resume && inventory_path.is_file() {
        let (path, id, limit) = (
            inventory_path.clone(),
            account.to_string(),
            plan.max_input_mib,
        );
        match tokio::task::spawn_blocking(move || read_saved(&path, &id, limit)).await? {
            Ok(inventory) => {
                let (dir, config, framework) =
                    (dir.clone(), Arc::clone(&plan.config), plan.framework);
                tokio::task::spawn_blocking(move || {
                    remove_if_present(&dir.join(ERROR))?;
                    write_report(&dir, &inventory, &config, framework)
                })
                .await??;
                return Ok(Outcome::Resumed);
            }
            // Written atomically, a saved inventory is whole or absent: one that does not read was changed since
            // (a disk fault, a hand edit). It is kept aside for whoever looks, and the account is collected again,
            // rather than ending the scan of every other account.
            Err(reason) => eprintln!("{}", set_aside(&inventory_path, &reason)?),
        }
    }
    // Nothing of an earlier run may stand for this one.
    for stale in [ERROR, REPORT, INVENTORY] {
        remove_if_present(&dir.join(stale))?;
    }
    match collect_account(plan, caller, pacer, account).await {
        Ok(inventory) => {
            let (config, framework) = (Arc::clone(&plan.config), plan.framework);
            tokio::task::spawn_blocking(move || write_account(&dir, inventory, &config, framework))
                .await??;
            Ok(Outcome::Collected)
        }
        Err(reason) => {
            let line = format!("{}\n", render::printable_line(&reason));
            output::prepare(&dir.join(ERROR), |w| Ok(w.write_all(line.as_bytes())?))?
                .commit_part()?;
            Ok(Outcome::Incomplete(reason))
        }
    }
}

/// The account's inventory, or the one-line reason it could not be scanned: the role could not be assumed, the
/// collection stopped (no credentials, the account unreachable), or its credentials stopped working on the way (the
/// caller's expired, the account was suspended): its gaps would then stand for data never asked for. That last is
/// asked of STS once the collection ends, whatever it found: a revoked session answers Lambda with the code of a
/// region not enabled, so an account suspended before its listing would otherwise look complete and empty.
async fn collect_account(
    plan: &Plan,
    caller: &Caller,
    pacer: &Pacer,
    account: &str,
) -> Result<Inventory, String> {
    let sdk = enter::enter(caller, pacer, account, &plan.role).await?;
    let inventory =
        collect::collect_account(&sdk, &caller.http, &plan.collect, RetryPolicy::STANDARD)
            .await
            .map_err(|e| format!("collection stopped: {e}"))?;
    let found = inventory
        .accounts
        .first()
        .map_or("", |a| a.account_id.as_str());
    if found != account {
        return Err(format!(
            "the role's credentials are for account `{found}`, not {account}"
        ));
    }
    collect::account::identify_with(&sdk, pacer, None, RetryPolicy::STANDARD)
        .await
        .map_err(|e| {
            format!("collection stopped: the account's credentials no longer work: {e}")
        })?;
    Ok(inventory)
}

/// Evaluate `inventory`, then write its report and, last, the inventory itself; both are freed before returning.
fn write_account(
    dir: &Path,
    inventory: Inventory,
    config: &ValidConfig,
    framework: Option<Framework>,
) -> anyhow::Result<()> {
    write_report(dir, &inventory, config, framework)?;
    output::prepare(&dir.join(INVENTORY), |w| {
        Ok(serde_json::to_writer_pretty(w, &inventory)?)
    })?
    .commit_part()?;
    drop(inventory);
    crate::memory::release_freed_memory();
    Ok(())
}

/// `--resume`: the saved inventory of `account`, to be evaluated again with the current configuration. One that
/// does not parse, or holds another account than its folder's, is an error.
fn read_saved(path: &Path, account: &str, max_input_mib: u64) -> anyhow::Result<Inventory> {
    let text = crate::input::read_text(path, "inventory", max_input_mib)?;
    let inventory = Inventory::from_json(&path.display().to_string(), &text)?;
    let held: Vec<&str> = inventory
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    anyhow::ensure!(
        held == [account],
        "it holds account(s) {:?}, not {account} alone",
        held
    );
    Ok(inventory)
}

/// Renames an unreadable saved inventory to `inventory.json.unreadable` (replacing an earlier one) and returns the
/// line that says so.
fn set_aside(path: &Path, reason: &anyhow::Error) -> anyhow::Result<String> {
    let aside = path.with_extension("json.unreadable");
    std::fs::rename(path, &aside)
        .with_context(|| format!("{}: cannot move aside", path.display()))?;
    Ok(render::printable_line(&format!(
        "note: {}: {reason:#}; moved to {} and the account collected again",
        path.display(),
        aside.display()
    )))
}

/// `report.json`: the bytes `scan --inventory inventory.json --format json [--framework NAME]` writes.
fn write_report(
    dir: &Path,
    inventory: &Inventory,
    config: &ValidConfig,
    framework: Option<Framework>,
) -> anyhow::Result<()> {
    let report = match framework {
        Some(framework) => engine::evaluate_framework(inventory, config, framework),
        None => engine::evaluate(inventory, config),
    };
    let options = RenderOptions {
        color: false,
        width: render::DEFAULT_WIDTH,
    };
    output::prepare(&dir.join(REPORT), |w| {
        render::render_to(ReportFormat::Json, &report, &options, w)
    })?
    .commit_part()
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::account::Identity;
    use crate::collect::Rates;

    fn demo() -> (String, Inventory) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/demo-account.json");
        let text = std::fs::read_to_string(&path).unwrap();
        (text.clone(), Inventory::from_json("demo", &text).unwrap())
    }

    fn plan(dir: &Path, accounts: &[&str], resume: bool) -> Plan {
        let rates = Rates {
            get_function: 1.0,
            get_policy: 1.0,
            control_plane: 1.0,
            others: 1.0,
        };
        Plan {
            dir: dir.to_path_buf(),
            resume,
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            role: Role {
                name: "LambdaPostureAudit".into(),
                external_id: None,
            },
            max_accounts: 2,
            collect: CollectOptions {
                regions: Some(vec!["us-east-1".into()]),
                profile: None,
                lookback_days: 90,
                rates,
                progress: false,
                scan_code: false,
                thorough: false,
                code_scan: ValidConfig::default().code_scan,
                attempt_timeout: std::time::Duration::from_millis(200),
            },
            config: Arc::new(ValidConfig::default()),
            framework: None,
            max_input_mib: 64,
            progress: false,
        }
    }

    /// A caller whose every AWS call fails at once (no credentials, an endpoint nobody listens on).
    fn offline_caller() -> Caller {
        let http = crate::collect::http::Http::new();
        let sdk = aws_config::SdkConfig::builder()
            .http_client(http.clone())
            .endpoint_url("http://127.0.0.1:9")
            .region(aws_config::Region::new("us-east-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        Caller {
            identity: Identity {
                account_id: "999999999999".into(),
                partition: "aws".into(),
            },
            sts: crate::org::sts::Endpoints::new(&sdk, vec!["us-east-1".into()]),
            sdk,
            http,
        }
    }

    /// The JSON report `scan --inventory` writes for `inventory`.
    fn json_report(inventory: &Inventory) -> Vec<u8> {
        let report = engine::evaluate(inventory, &ValidConfig::default());
        let mut bytes = Vec::new();
        let options = RenderOptions {
            color: false,
            width: render::DEFAULT_WIDTH,
        };
        render::render_to(ReportFormat::Json, &report, &options, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn an_account_is_written_report_first_and_its_inventory_reads_back_to_the_same_report() {
        let (_, inventory) = demo();
        let expected = json_report(&inventory);
        let dir = tempfile::tempdir().unwrap();
        write_account(dir.path(), inventory, &ValidConfig::default(), None).unwrap();
        assert_eq!(std::fs::read(dir.path().join(REPORT)).unwrap(), expected);
        let text = std::fs::read_to_string(dir.path().join(INVENTORY)).unwrap();
        let back = Inventory::from_json("back", &text).unwrap();
        assert_eq!(
            json_report(&back),
            expected,
            "scan --inventory inventory.json gives report.json"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }

    #[tokio::test]
    async fn resume_evaluates_a_collected_account_again_and_never_calls_aws_for_it() {
        let (text, inventory) = demo();
        let done = inventory.accounts[0].account_id.clone();
        let missing = "222222222222";
        let root = tempfile::tempdir().unwrap();
        let dir = account_dir(root.path(), &done);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(INVENTORY), &text).unwrap();
        std::fs::write(dir.join(REPORT), "stale").unwrap();
        std::fs::write(dir.join(ERROR), "stale\n").unwrap();
        let plan = plan(root.path(), &[&done, missing], true);
        let caller = offline_caller();
        let pacer = Pacer::new(&plan.collect.rates).unwrap();
        let dirs = run(&plan, &caller, &pacer).await.unwrap();
        assert_eq!(dirs, [dir.clone(), account_dir(root.path(), missing)]);
        assert_eq!(
            std::fs::read(dir.join(REPORT)).unwrap(),
            json_report(&inventory)
        );
        assert_eq!(
            std::fs::read_to_string(dir.join(INVENTORY)).unwrap(),
            text,
            "never collected again"
        );
        assert!(!dir.join(ERROR).exists(), "the stale error is gone");
        // The other account could not be entered: its reason, on one line, and no inventory.
        let failed = account_dir(root.path(), missing);
        let reason = std::fs::read_to_string(failed.join(ERROR)).unwrap();
        assert!(
            reason.starts_with(
                "cannot assume arn:aws:iam::222222222222:role/LambdaPostureAudit: sts:AssumeRole"
            ),
            "{reason}"
        );
        assert_eq!(reason.lines().count(), 1);
        assert!(!failed.join(INVENTORY).exists() && !failed.join(REPORT).exists());
    }

    #[tokio::test]
    async fn without_resume_an_account_is_scanned_again_and_its_old_files_go() {
        let (text, inventory) = demo();
        let account = inventory.accounts[0].account_id.clone();
        let root = tempfile::tempdir().unwrap();
        let dir = account_dir(root.path(), &account);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(INVENTORY), &text).unwrap();
        std::fs::write(dir.join(REPORT), "old").unwrap();
        let plan = plan(root.path(), &[&account], false);
        let mut caller = offline_caller();
        // the caller's own account: scanned with the caller's (unusable) credentials, no AssumeRole
        caller.identity.account_id = account.clone();
        let pacer = Pacer::new(&plan.collect.rates).unwrap();
        run(&plan, &caller, &pacer).await.unwrap();
        let reason = std::fs::read_to_string(dir.join(ERROR)).unwrap();
        assert!(reason.starts_with("collection stopped: "), "{reason}");
        assert!(!dir.join(INVENTORY).exists() && !dir.join(REPORT).exists());
    }
}
