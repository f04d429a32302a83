//! Organisation scan: the accounts to scan, entering each by its role, collecting them concurrently into an output
//! directory (one folder per account, resumable, shardable), then the merged report.

pub mod accounts;
pub mod enter;
pub mod members;
pub mod merge;
pub mod scan;

use std::path::PathBuf;
use std::sync::Arc;

use lambda_posture_checks::config::ValidConfig;

use crate::cli::{Cli, OrgArgs, SourceArgs};
use crate::collect::pacing::Pacer;

/// Collect every selected account into its folder under `--output-dir` (or `--resume`); the folders, in account
/// order, for the merged report. Errors (exit 2): bad flags or files, no caller credentials, `--org` refused, an
/// output folder that cannot be written. An account that cannot be scanned is not an error: it has its error.txt.
pub async fn collect_into_dir(
    cli: &Cli,
    source: &SourceArgs,
    org: &OrgArgs,
    config: &ValidConfig,
) -> anyhow::Result<Vec<PathBuf>> {
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
    let mut options = crate::commands::collect_options(source, config, false)?;
    let progress = !cli.quiet && options.progress;
    options.progress = false;
    let sdk = crate::collect::caller_sdk_config(&options).await?;
    let pacer = Pacer::new(&options.rates)?;
    let identity =
        crate::collect::account::identify(&sdk, &pacer, options.profile.as_deref()).await?;
    if org.org {
        listed.extend(members::active_accounts(&sdk, &pacer, &identity.partition).await?);
    }
    if listed.is_empty() {
        anyhow::bail!("no account to scan: --accounts, --accounts-file and --org list none");
    }
    let all = accounts::select(listed, &org.exclude_accounts, None);
    if all.is_empty() {
        anyhow::bail!("no account to scan: --exclude-accounts excludes every listed account");
    }
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
        max_accounts: usize::from(org.max_accounts),
        collect: options,
        config: Arc::new(config.clone()),
        max_input_mib: cli.max_input_mib,
        progress,
    };
    let caller = enter::Caller { identity, sdk };
    scan::run(&plan, &caller, &pacer).await
}
