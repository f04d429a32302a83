//! The subcommands: load configuration and inventory, evaluate, render, and decide the exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use lambda_posture_checks::catalog;
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::diff::{self, ReportSnapshot};
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::{Severity, Status};
use lambda_posture_checks::inventory::Inventory;
use lambda_posture_checks::report::{InactiveAccount, Report};
use lambda_posture_checks::unused;

use crate::cli::{
    ChecksArgs, Cli, ColorWhen, Command, DiffArgs, ImportArgs, OrgArgs, OutputArgs, ScanArgs,
    SecurityhubCommand, SourceArgs, UnusedArgs,
};
use crate::collect::{self, CollectOptions, Rates};
use crate::exit;
use crate::output;
use crate::render::{self, RenderOptions};
use crate::securityhub;

pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Scan(args) => scan(&cli, args).await,
        Command::Unused(args) => unused(&cli, args).await,
        Command::Diff(args) => diff(&cli, args),
        Command::Merge(args) => merge(&cli, args),
        Command::Checks(args) => checks(&cli, args),
        Command::Explain { id } => {
            let check = catalog::find(id).with_context(|| {
                format!("unknown check id `{id}` (see `lambda-posture checks`)")
            })?;
            let text = format!("{}{}", check.docs, render::controls_section(check));
            output::emit(None, text.as_bytes())?;
            Ok(exit::CLEAN)
        }
        Command::Permissions(args) => {
            let policy = if args.org {
                collect::permissions::org_policy_json(&args.role_name)?
            } else {
                collect::permissions::policy_json()
            };
            output::emit(None, policy.as_bytes())?;
            Ok(exit::CLEAN)
        }
        Command::Securityhub(SecurityhubCommand::Import(args)) => {
            securityhub_import(&cli, args).await
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "lambda-posture",
                &mut script,
            );
            output::emit(None, &script)?;
            Ok(exit::CLEAN)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
            output::emit(None, &page)?;
            Ok(exit::CLEAN)
        }
    }
}

/// `checks`: the catalogue as a table, or as JSON (id, title, severity, group, documentation URL) for scripts.
fn checks(cli: &Cli, args: &ChecksArgs) -> anyhow::Result<u8> {
    let options = render_options(cli.color_when(), None);
    let bytes = render::checks_list(args.format.into(), args.framework, &options)?;
    output::emit(None, &bytes)?;
    Ok(exit::CLEAN)
}

/// `securityhub import`: 0 when Security Hub took every finding, 3 when some were not imported (listed).
async fn securityhub_import(cli: &Cli, args: &ImportArgs) -> anyhow::Result<u8> {
    let attempt_timeout = seconds("--attempt-timeout", args.attempt_timeout)?;
    let options = securityhub::ImportOptions {
        file: args.file.clone(),
        previous: args.previous.clone(),
        resolved: args.resolved.clone(),
        profile: args.profile.clone(),
        attempt_timeout,
        max_input_mib: cli.max_input_mib,
    };
    let outcomes = securityhub::import(&options).await?;
    // finding ids and failure reasons come from the file and from AWS: shown, never obeyed, on the terminal
    let summary = render::printable(&securityhub::summary(&args.file, &outcomes));
    output::emit(None, summary.as_bytes())?;
    let complete = outcomes.values().all(|o| o.failures.is_empty());
    Ok(if complete {
        exit::CLEAN
    } else {
        exit::INCOMPLETE
    })
}

async fn scan(cli: &Cli, args: &ScanArgs) -> anyhow::Result<u8> {
    let output = file_target(args.output.output.as_deref());
    refuse_overwriting_inputs(cli, &args.source, output, &org_inputs(&args.org))?;
    refuse_output_in_account_folders(output, &args.org)?;
    let config = load_config(cli.config.as_deref(), cli.max_input_mib)?;
    if args.org.is_org_scan() {
        let collected =
            crate::org::collect_into_dir(cli, &args.source, &args.org, &config, args.framework)
                .await?;
        return write_merged_report(
            cli,
            &args.output,
            &collected.dirs,
            &collected.inactive,
            output,
        );
    }
    let (inventory, saved) = load_or_collect(&args.source, cli, &config).await?;
    let started = Instant::now();
    let report = match args.framework {
        Some(framework) => engine::evaluate_framework(&inventory, &config, framework),
        None => engine::evaluate(&inventory, &config),
    };
    tracing::debug!(
        findings = report.findings.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "checks evaluated"
    );
    // The report has what it needs: free the inventory before rendering (peak memory on large accounts).
    drop(inventory);
    let options = render_options(cli.color_when(), output);
    let format: render::ReportFormat = args.output.format.into();
    let render = |w: &mut dyn std::io::Write| {
        let started = Instant::now();
        render::render_to(format, &report, &options, w)?;
        tracing::debug!(
            format = %format.name(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "report rendered"
        );
        Ok(())
    };
    // Every file of the run (saved inventory, report) replaces its destination only once all are complete.
    match output {
        Some(path) => output::commit_all(
            saved
                .into_iter()
                .chain([output::prepare(path, render)?])
                .collect(),
        )?,
        None => {
            output::emit_with(None, render)?;
            saved.map(output::Prepared::commit).transpose()?;
        }
    }
    Ok(exit_code(&report, args.output.fail_on))
}

/// `unused`: 0, or 3 when the usage of some function is unknown (its metrics could not be read).
async fn unused(cli: &Cli, args: &UnusedArgs) -> anyhow::Result<u8> {
    let output = file_target(args.output.as_deref());
    refuse_overwriting_inputs(cli, &args.source, output, &org_inputs(&args.org))?;
    refuse_output_in_account_folders(output, &args.org)?;
    let config = load_config(cli.config.as_deref(), cli.max_input_mib)?;
    if args.org.is_org_scan() {
        let collected =
            crate::org::collect_into_dir(cli, &args.source, &args.org, &config, None).await?;
        let options = render_options(cli.color_when(), output);
        return crate::org::merge::write_merged_unused(
            &collected.dirs,
            &collected.inactive,
            args.format.into(),
            &options,
            &config,
            output,
            cli.max_input_mib,
        );
    }
    let (inventory, saved) = load_or_collect(&args.source, cli, &config).await?;
    let report = unused::analyze(&inventory, &config);
    let options = render_options(cli.color_when(), output);
    let bytes = render::unused::render(args.format.into(), &report, &options)?;
    match output {
        Some(path) => output::commit_all(
            saved
                .into_iter()
                .chain([output::prepare(path, |w| Ok(w.write_all(&bytes)?))?])
                .collect(),
        )?,
        None => {
            output::emit(None, &bytes)?;
            saved.map(output::Prepared::commit).transpose()?;
        }
    }
    Ok(if report.unknown.is_empty() {
        exit::CLEAN
    } else {
        exit::INCOMPLETE
    })
}

/// `diff`: 1 when `--fail-on` is given and a new failing finding reaches it, else 0.
fn diff(cli: &Cli, args: &DiffArgs) -> anyhow::Result<u8> {
    let output = file_target(args.output.as_deref());
    if let Some(output) = output {
        let mut inputs = vec![
            ("the older report", &*args.old),
            ("the newer report", &*args.new),
        ];
        inputs.extend(cli.config.as_deref().map(|c| ("--config", c)));
        crate::input::refuse_overwriting(&[("--output", output)], &inputs)?;
    }
    let read = |path: &Path| -> anyhow::Result<ReportSnapshot> {
        let name = path.display().to_string();
        let text = crate::input::read_text(path, "report", cli.max_input_mib)?;
        Ok(ReportSnapshot::from_json(&name, &text)?)
    };
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let result = diff::diff(
        &args.old.display().to_string(),
        &old,
        &args.new.display().to_string(),
        &new,
    );
    let options = render_options(cli.color_when(), output);
    let bytes = render::diff::render(args.format.into(), &result, &options)?;
    output::emit(output, &bytes)?;
    let failing = args.fail_on.is_some_and(|threshold| {
        result
            .new_findings
            .iter()
            .any(|e| e.finding.status == Status::Fail && e.finding.severity >= threshold)
    });
    Ok(if failing { exit::FINDINGS } else { exit::CLEAN })
}

/// `merge`: the merged report (or, with --unused, the unused listing) of organisation scan folders; exit codes as
/// `scan` (and `unused`), over every account.
fn merge(cli: &Cli, args: &crate::cli::MergeArgs) -> anyhow::Result<u8> {
    use crate::cli::ScanFormat;
    let output = file_target(args.output.output.as_deref());
    let mut dirs = crate::org::merge::account_dirs_of(&args.dirs)?;
    crate::org::settings::same_across(&args.dirs, cli.max_input_mib)?;
    // the accounts a shard was to scan and never reached (or a shard that never ran): incomplete, not left out; and
    // those --org left out as not ACTIVE, as the shards recorded them (an earlier scan's folder of one: not merged)
    let missing = crate::org::shards::missing_dirs(&args.dirs, &dirs, cli.max_input_mib)?;
    dirs.retain(|dir| !missing.stale.contains(dir));
    dirs.extend(missing.dirs);
    let inactive = missing.inactive;
    if let Some(output) = output {
        // every file merge reads: each account's inventory, report and error line, and the configuration
        use crate::org::scan::{ERROR, INVENTORY, REPORT};
        let files: Vec<PathBuf> = dirs
            .iter()
            .flat_map(|dir| [INVENTORY, REPORT, ERROR].map(|name| dir.join(name)))
            .collect();
        let config = config_path(cli.config.as_deref());
        let mut inputs: Vec<(&str, &Path)> = files
            .iter()
            .map(|f| ("an account folder's", f.as_path()))
            .collect();
        inputs.extend(config.as_deref().map(|c| ("--config", c)));
        crate::input::refuse_overwriting(&[("--output", output)], &inputs)?;
    }
    if args.unused {
        let options = render_options(cli.color_when(), output);
        let format = match args.output.format {
            ScanFormat::Table => render::ListFormat::Table,
            ScanFormat::Json => render::ListFormat::Json,
            other => anyhow::bail!(
                "--format {}: merge --unused writes table or json",
                render::ReportFormat::from(other).name()
            ),
        };
        let config = load_config(cli.config.as_deref(), cli.max_input_mib)?;
        return crate::org::merge::write_merged_unused(
            &dirs,
            &inactive,
            format,
            &options,
            &config,
            output,
            cli.max_input_mib,
        );
    }
    write_merged_report(cli, &args.output, &dirs, &inactive, output)
}

/// The merged report of organisation-scan account folders (and the accounts `--org` left out as not ACTIVE), as
/// `--format`, `--output` and `--fail-on` ask.
fn write_merged_report(
    cli: &Cli,
    args: &OutputArgs,
    dirs: &[PathBuf],
    inactive: &[InactiveAccount],
    output: Option<&Path>,
) -> anyhow::Result<u8> {
    let options = render_options(cli.color_when(), output);
    crate::org::merge::write_merged(
        dirs,
        inactive,
        args.format.into(),
        &options,
        args.fail_on,
        output,
        cli.max_input_mib,
    )
}

/// 1 when a failure is at or above the threshold, else 3 when the scan was incomplete, else 0.
fn exit_code(report: &Report, fail_on: Option<Severity>) -> u8 {
    let failing = fail_on.is_some_and(|threshold| {
        report
            .findings
            .iter()
            .any(|f| f.status == Status::Fail && f.severity >= threshold)
    });
    if failing {
        exit::FINDINGS
    } else if report.incomplete() {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    }
}

/// An organisation scan writes `DIR/accounts/<id>/…`: an `--output` in there would replace an account's file (or be
/// replaced by one), so it is refused before any AWS call.
fn refuse_output_in_account_folders(output: Option<&Path>, org: &OrgArgs) -> anyhow::Result<()> {
    let (Some(output), Some(dir)) = (output, org.output_dir.as_deref().or(org.resume.as_deref()))
    else {
        return Ok(());
    };
    crate::input::refuse_output_inside(
        "--output",
        output,
        &dir.join(crate::org::scan::ACCOUNTS),
        "where the organisation scan writes each account's files",
    )
}

/// The input files of an organisation scan that `--output` must not replace.
fn org_inputs(org: &OrgArgs) -> Vec<(&str, &Path)> {
    org.accounts_file
        .as_deref()
        .map(|p| ("--accounts-file", p))
        .into_iter()
        .collect()
}

/// `--output FILE`, or `None` for standard output (no `--output`, or `--output -`).
fn file_target(output: Option<&Path>) -> Option<&Path> {
    output.filter(|p| *p != Path::new("-"))
}

/// The configuration file in use: `--config`, else `./lambda-posture.toml` when present.
fn config_path(path: Option<&Path>) -> Option<PathBuf> {
    let default = PathBuf::from("lambda-posture.toml");
    match path {
        Some(p) => Some(p.to_path_buf()),
        None if default.is_file() => Some(default),
        None => None,
    }
}

/// Refuse a run whose outputs (`--output`, `--save-inventory`) would overwrite one of its inputs or each other.
fn refuse_overwriting_inputs(
    cli: &Cli,
    source: &SourceArgs,
    output: Option<&Path>,
    extra_inputs: &[(&str, &Path)],
) -> anyhow::Result<()> {
    let outputs: Vec<(&str, &Path)> = [
        ("--output", output),
        ("--save-inventory", source.save_inventory.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path?)))
    .collect();
    let config = config_path(cli.config.as_deref());
    let mut inputs: Vec<(&str, &Path)> = extra_inputs.to_vec();
    inputs.extend(source.inventory.as_deref().map(|p| ("--inventory", p)));
    inputs.extend(config.as_deref().map(|p| ("--config", p)));
    crate::input::refuse_overwriting(&outputs, &inputs)
}

/// The configuration from `--config`, else `./lambda-posture.toml` when present, else the defaults.
pub fn load_config(path: Option<&Path>, max_input_mib: u64) -> anyhow::Result<ValidConfig> {
    let Some(path) = config_path(path) else {
        return Ok(ValidConfig::default());
    };
    let text = crate::input::read_text(&path, "config", max_input_mib)?;
    Ok(ValidConfig::from_toml(
        &path.display().to_string(),
        &text,
        |id| catalog::find(id).is_some(),
    )?)
}

/// Read `--inventory`, or collect from AWS; with `--save-inventory`, also the collected inventory written to a
/// temporary file, for the caller to commit with its own output.
pub async fn load_or_collect(
    source: &SourceArgs,
    cli: &Cli,
    config: &ValidConfig,
) -> anyhow::Result<(Inventory, Option<output::Prepared>)> {
    let quiet = cli.quiet;
    let started = Instant::now();
    if let Some(path) = &source.inventory {
        let text = crate::input::read_text(path, "inventory", cli.max_input_mib)?;
        let inventory = Inventory::from_json(&path.display().to_string(), &text)?;
        tracing::debug!(
            file = %path.display(),
            bytes = text.len(),
            functions = function_count(&inventory),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "inventory read"
        );
        return Ok((inventory, None));
    }
    let options = collect_options(source, config, !quiet)?;
    let inventory = collect::collect(&options).await?;
    tracing::info!(
        functions = function_count(&inventory),
        gaps = inventory
            .accounts
            .iter()
            .map(|a| a.gaps.len())
            .sum::<usize>(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "inventory collected"
    );
    let saved = match &source.save_inventory {
        Some(path) => Some(output::prepare(path, |w| {
            Ok(serde_json::to_writer_pretty(w, &inventory)?)
        })?),
        None => None,
    };
    crate::memory::release_freed_memory();
    Ok((inventory, saved))
}

/// What and how fast to collect, from the source flags (each number checked against its documented range);
/// `progress`: a progress bar when stderr is a terminal and no log is shown.
pub fn collect_options(
    source: &SourceArgs,
    config: &ValidConfig,
    progress: bool,
) -> anyhow::Result<CollectOptions> {
    in_range("--max-rate", source.max_rate, &(0.001..=1.0))?;
    in_range("--quota-scale", source.quota_scale, &(0.001..=1000.0))?;
    for (flag, rate) in [
        ("--get-function-rate", source.get_function_rate),
        ("--get-policy-rate", source.get_policy_rate),
        ("--control-plane-rate", source.control_plane_rate),
    ] {
        in_range(flag, rate, &RATE_RANGE)?;
    }
    let attempt_timeout = seconds("--attempt-timeout", source.attempt_timeout)?;
    let scale = source.max_rate * source.quota_scale;
    let options = CollectOptions {
        regions: source.regions.clone(),
        profile: source.profile.clone(),
        lookback_days: source.lookback_days,
        rates: Rates {
            get_function: source.get_function_rate * scale,
            get_policy: source.get_policy_rate * scale,
            control_plane: source.control_plane_rate * scale,
            others: scale,
        },
        // log lines and the bar would interleave on stderr
        progress: progress && !crate::logging::verbose() && std::io::stderr().is_terminal(),
        scan_code: source.scan_code,
        thorough: source.thorough,
        code_scan: config.code_scan.clone(),
        attempt_timeout,
    };
    Ok(options)
}

fn function_count(inventory: &Inventory) -> usize {
    inventory.accounts.iter().map(|a| a.functions.len()).sum()
}

/// Calls per second a rate flag accepts (README, Performance): a slower rate would wait hours between calls.
const RATE_RANGE: std::ops::RangeInclusive<f64> = 0.001..=1_000_000.0;

/// `value` of a number flag when within its documented range, else a one-line error naming the flag.
fn in_range(flag: &str, value: f64, range: &std::ops::RangeInclusive<f64>) -> anyhow::Result<f64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        // 1e300, not three hundred digits
        let shown = if value != 0.0 && !(1e-4..1e7).contains(&value.abs()) {
            format!("{value:e}")
        } else {
            value.to_string()
        };
        anyhow::bail!(
            "{flag}: {shown} is out of range: must be between {} and {}",
            range.start(),
            range.end()
        )
    }
}

/// A number of seconds from a flag (at most an hour: beyond, a duration would only hide a hung call).
fn seconds(flag: &str, value: f64) -> anyhow::Result<std::time::Duration> {
    Ok(std::time::Duration::from_secs_f64(in_range(
        flag,
        value,
        &(0.001..=3600.0),
    )?))
}

/// Colour and width for output going to `output` (a file) or standard output. Colour: with `--color auto`, only on a
/// terminal and never with NO_COLOR set (<https://no-color.org>); `--color always|never` (a command-line argument
/// overrides NO_COLOR, as no-color.org asks). Width: the terminal's on a terminal, 80 columns otherwise.
fn render_options(color: ColorWhen, output: Option<&Path>) -> RenderOptions {
    let terminal = output.is_none() && std::io::stdout().is_terminal();
    RenderOptions {
        color: match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        },
        width: if terminal {
            render::terminal_width()
        } else {
            render::DEFAULT_WIDTH
        },
    }
}
