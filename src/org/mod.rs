//! Organisation scan: the accounts to scan, entering each by its role, collecting them concurrently into an output
//! directory (one folder per account, resumable, shardable), then the merged report.

pub mod accounts;
pub mod enter;
pub mod members;
pub mod merge;
pub mod scan;
pub mod settings;
pub mod shards;
pub mod sts;

use std::path::PathBuf;
use std::sync::Arc;

use lambda_posture_checks::compliance::Framework;
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::report::InactiveAccount;

use crate::cli::{Cli, OrgArgs, SourceArgs};
use crate::collect::pacing::Pacer;

/// What an organisation scan collected: the account folders, and the accounts `--org` left out.
#[derive(Debug)]
pub struct Collected {
    /// The account folders, in account order, for the merged report.
    pub dirs: Vec<PathBuf>,
    /// The accounts of the organization not scanned because they are not ACTIVE, sorted (see [`not_active`]).
    pub inactive: Vec<InactiveAccount>,
}

/// Collect every selected account into its folder under `--output-dir` (or `--resume`); the folders, in account
/// order, and the accounts `--org` left out, for the merged report. Errors (exit 2): bad flags or files, no caller
/// credentials, `--org` refused, an output folder that cannot be written. An account that cannot be scanned is not
/// an error: it has its error.txt.
pub async fn collect_into_dir(
    cli: &Cli,
    source: &SourceArgs,
    org: &OrgArgs,
    config: &ValidConfig,
    framework: Option<Framework>,
) -> anyhow::Result<Collected> {
    let (dir, resume) = match (&org.output_dir, &org.resume) {
        (_, Some(dir)) => (dir.clone(), true),
        (Some(dir), None) => (dir.clone(), false),
        (None, None) => anyhow::bail!(
            "an organisation scan writes each account to a folder: give --output-dir DIR (or --resume DIR)"
        ),
    };
    enter::validate_role_name(&org.role_name)?;
    if let Some(id) = &org.external_id {
        enter::validate_external_id(id)?;
    }
    let mut listed = org.accounts.clone();
    if let Some(path) = &org.accounts_file {
        let text = crate::input::read_text(path, "accounts", cli.max_input_mib)?;
        listed.extend(accounts::parse_accounts_file(path, &text)?);
    }
    let pinned =
        match &org.sts_regions {
            Some(regions) => Some(crate::collect::account::validate_regions(regions).map_err(
                |e| anyhow::anyhow!(e.to_string().replacen("--regions", "--sts-regions", 1)),
            )?),
            None => None,
        };
    if !org.org {
        // a list that leaves nothing to scan is refused before any AWS call
        selection(listed.clone(), org)?;
    }
    let mut options = crate::commands::collect_options(source, config, false)?;
    let recorded = settings::Settings::of(&options)?;
    settings::check(&dir, &recorded, cli.max_input_mib)?;
    let progress = !cli.quiet && options.progress;
    options.progress = false;
    // one HTTP stack for the caller and every member account
    let http = crate::collect::http::Http::new();
    let sdk = crate::collect::caller_sdk_config(&options, &http).await?;
    let pacer = Pacer::new(&options.rates)?;
    let identity =
        crate::collect::account::identify(&sdk, &pacer, options.profile.as_deref()).await?;
    // every account of the organization, active or not: an exclusion naming one excluded something
    let mut known = listed.clone();
    let mut left_out = Vec::new();
    if org.org {
        let members = members::list(&sdk, &http, &pacer, &identity.partition).await?;
        left_out = not_active(&members, &listed, &org.exclude_accounts);
        for (id, state) in &left_out {
            eprintln!("{}", members::not_active_line(id, state));
        }
        known.extend(members.inactive.into_iter().map(|(id, _)| id));
        known.extend(members.active.iter().cloned());
        listed.extend(members.active);
    }
    for line in not_listed(&org.exclude_accounts, &known) {
        eprintln!("{line}");
    }
    let all = selection(listed, org)?;
    settings::claim(&dir, &recorded, cli.max_input_mib)?;
    shards::record(&dir, org.shard, &all, &left_out)?;
    let accounts = accounts::select(all, &[], org.shard);
    tracing::info!(caller = %identity.account_id, accounts = accounts.len(), dir = %dir.display(), resume,
        "organisation scan");
    let plan = scan::Plan {
        dir,
        resume,
        accounts,
        role: enter::Role {
            name: org.role_name.clone(),
            external_id: org.external_id.clone(),
        },
        max_accounts: org.max_accounts.map_or_else(
            || default_max_accounts(crate::memory::available_memory()),
            usize::from,
        ),
        collect: options,
        config: Arc::new(config.clone()),
        framework,
        max_input_mib: cli.max_input_mib,
        progress,
    };
    let home = sdk
        .region()
        .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
    let sts_regions = sts::endpoint_regions(&home, &identity.partition, pinned.as_deref());
    tracing::info!(endpoints = ?sts_regions, home, "entering the accounts through these STS endpoints");
    let caller = enter::Caller {
        sts: sts::Endpoints::new(&sdk, sts_regions),
        identity,
        sdk,
        http,
    };
    let dirs = scan::run(&plan, &caller, &pacer).await?;
    Ok(Collected {
        dirs,
        inactive: inactive_accounts(&left_out),
    })
}

/// The report's entries for the accounts `--org` left out (`left_out`: id and state, sorted).
pub fn inactive_accounts(left_out: &[(String, String)]) -> Vec<InactiveAccount> {
    left_out
        .iter()
        .map(|(id, state)| InactiveAccount::new(id, state))
        .collect()
}

/// The accounts of the organization `--org` leaves out because they are unusable (suspended, closed, pending
/// activation: no role can be assumed there), with their state, sorted, once each, so none is dropped
/// silently; an account also named by `--accounts`/`--accounts-file`, or also listed usable (ListAccounts paged while
/// it changed), is scanned (and reported incomplete if it cannot be), as `merge` reads the plans; one excluded by
/// `--exclude-accounts` was left out on purpose.
fn not_active(
    members: &members::Members,
    named: &[String],
    excluded: &[String],
) -> Vec<(String, String)> {
    let left_out: Vec<(String, String)> = members
        .inactive
        .iter()
        .filter(|(id, _)| {
            !named.contains(id) && !members.active.contains(id) && !excluded.contains(id)
        })
        .cloned()
        .collect();
    members::one_per_account(left_out)
}

/// The lines naming each `--exclude-accounts` id that none of `--org` (ACTIVE or not), `--accounts`,
/// `--accounts-file` listed: nothing was excluded for it (a mistyped id would otherwise leave the account meant scanned without a word).
fn not_listed(excluded: &[String], listed: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = excluded
        .iter()
        .filter(|id| !listed.contains(id))
        .map(|id| {
            format!(
                "note: --exclude-accounts {id}: not among the accounts listed, nothing excluded"
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// Physical memory per account in flight for the default `--max-accounts`: an account of a few hundred functions holds
/// a few MiB while it is collected (docs/performance.md), so this leaves room for larger ones.
const MEMORY_PER_ACCOUNT: u64 = 32 << 20;

/// The default `--max-accounts`: one account per [`MEMORY_PER_ACCOUNT`] of the machine's physical memory, from 16
/// to 1024 (16 when the memory cannot be read). Quotas are per account, so accounts in flight cost memory, not time.
fn default_max_accounts(physical_memory: Option<u64>) -> usize {
    let fit = physical_memory.map_or(0, |bytes| bytes / MEMORY_PER_ACCOUNT);
    usize::try_from(fit.clamp(16, 1024)).unwrap_or(1024)
}

/// The accounts of the scan (sorted, de-duplicated, minus exclusions: the list every shard is cut from); an error
/// when the list, or what exclusion leaves of it, is empty (a shard may be empty: fewer accounts than shards).
fn selection(listed: Vec<String>, org: &OrgArgs) -> anyhow::Result<Vec<String>> {
    if listed.is_empty() {
        anyhow::bail!("no account to scan: --accounts, --accounts-file and --org list none");
    }
    let all = accounts::select(listed, &org.exclude_accounts, None);
    if all.is_empty() {
        anyhow::bail!("no account to scan: --exclude-accounts excludes every listed account");
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Command;

    /// What `collect_into_dir` says to a command line, before any AWS call (none could succeed here).
    async fn refusal(args: &[&str], config: &ValidConfig) -> String {
        let cli = Cli::try_parse_from([&["lambda-posture", "scan"], args].concat()).unwrap();
        let Command::Scan(scan) = &cli.command else {
            unreachable!()
        };
        let e = collect_into_dir(&cli, &scan.source, &scan.org, config, None)
            .await
            .unwrap_err();
        format!("{e:#}")
    }

    #[test]
    fn the_default_bound_on_accounts_in_flight_is_sized_from_the_machines_memory() {
        const GIB: u64 = 1 << 30;
        assert_eq!(default_max_accounts(Some(24 * GIB)), 768);
        assert_eq!(default_max_accounts(Some(2 * GIB)), 64);
        assert_eq!(
            default_max_accounts(Some(GIB / 4)),
            16,
            "never fewer than 16"
        );
        assert_eq!(
            default_max_accounts(Some(1024 * GIB)),
            1024,
            "never more than the flag allows"
        );
        assert_eq!(default_max_accounts(None), 16);
    }

    #[tokio::test]
    async fn bad_organisation_input_is_one_line_before_any_aws_call() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out").display().to_string();
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, "# nobody yet\n\n").unwrap();
        let empty = empty.display().to_string();
        let config = ValidConfig::default();
        let cases: &[(&[&str], &str)] = &[
            (
                &["--accounts", "111111111111"],
                "an organisation scan writes each account to a folder: give --output-dir DIR (or --resume DIR)",
            ),
            (
                &["--accounts", "111111111111", "--output-dir", &out, "--role-name", "no spaces"],
                "--role-name: `no spaces` is not an IAM role name",
            ),
            (
                &["--accounts", "111111111111", "--output-dir", &out, "--external-id", "x"],
                "--external-id: not an STS external id",
            ),
            (
                &["--accounts", "111111111111", "--output-dir", &out, "--sts-regions", "us-east-1,mars-1"],
                "--sts-regions: unknown region `mars-1`",
            ),
            (
                &["--accounts-file", &empty, "--output-dir", &out],
                "no account to scan: --accounts, --accounts-file and --org list none",
            ),
            (
                &["--accounts", "111111111111", "--exclude-accounts", "111111111111", "--output-dir", &out],
                "no account to scan: --exclude-accounts excludes every listed account",
            ),
        ];
        for (args, expected) in cases {
            let e = refusal(args, &config).await;
            assert!(e.starts_with(expected), "{args:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(!dir.path().join("out").exists(), "nothing written");
    }

    #[test]
    fn accounts_org_leaves_out_are_named_with_their_state() {
        let inactive = [
            ("333333333333".to_string(), "PENDING_ACTIVATION".to_string()),
            ("222222222222".to_string(), "SUSPENDED".to_string()),
            ("444444444444".to_string(), "CLOSED".to_string()),
            ("555555555555".to_string(), "SUSPENDED".to_string()),
        ];
        let state = |id: &str, state: &str| (id.to_string(), state.to_string());
        let of = |inactive: &[(String, String)]| members::Members {
            active: vec!["111111111111".into()],
            inactive: inactive.to_vec(),
        };
        assert_eq!(
            not_active(
                &of(&inactive),
                &["444444444444".into()],
                &["555555555555".into()]
            ),
            [
                state("222222222222", "SUSPENDED"),
                state("333333333333", "PENDING_ACTIVATION"),
            ]
        );
        assert_eq!(
            members::not_active_line("222222222222", "SUSPENDED"),
            "not scanned: account 222222222222 is SUSPENDED in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts)"
        );
        assert!(not_active(&of(&[]), &[], &[]).is_empty());
        // an account ListAccounts gave twice, in two states (it changed while the pages were read): one entry
        let twice = [
            state("888888888888", "unknown"),
            state("888888888888", "SUSPENDED"),
            state("888888888888", "SUSPENDED"),
        ];
        assert_eq!(
            not_active(&of(&twice), &[], &[]),
            [state("888888888888", "SUSPENDED")]
        );
        // ... or once ACTIVE and once not: it is scanned (as merge reads the plan), not also said to be left out
        let both = members::Members {
            active: vec!["888888888888".into()],
            inactive: vec![state("888888888888", "SUSPENDED")],
        };
        assert!(not_active(&both, &[], &[]).is_empty());
    }

    #[test]
    fn an_exclusion_that_matches_no_listed_account_is_said() {
        let listed = ["111111111111".to_string(), "222222222222".to_string()];
        let excluded = [
            "222222222222".to_string(),
            "333333333333".to_string(),
            "333333333333".to_string(),
        ];
        assert_eq!(
            not_listed(&excluded, &listed),
            ["note: --exclude-accounts 333333333333: not among the accounts listed, nothing excluded"]
        );
        assert!(not_listed(&listed, &listed).is_empty());
    }

    #[test]
    fn a_shard_may_be_empty_the_list_may_not() {
        let org = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["lambda-posture", "scan"], args].concat()).unwrap();
            let Command::Scan(scan) = cli.command else {
                unreachable!()
            };
            scan.org
        };
        let ids = vec!["222222222222".to_string(), "111111111111".to_string()];
        let sharded = org(&["--accounts", "111111111111", "--shard", "3/4"]);
        let all = selection(ids.clone(), &sharded).unwrap();
        assert_eq!(all, ["111111111111", "222222222222"], "every shard's list");
        assert!(accounts::select(all.clone(), &[], sharded.shard).is_empty());
        let first = org(&["--accounts", "111111111111", "--shard", "0/4"]);
        assert_eq!(accounts::select(all, &[], first.shard), ["111111111111"]);
    }
}
