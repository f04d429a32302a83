//! Command-line interface: clap derive; the help text lives in these doc comments.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use lambda_posture_checks::compliance::Framework;
use lambda_posture_checks::finding::Severity;

use crate::render::{ListFormat, ReportFormat};

/// Audit the security posture of every AWS Lambda function in an account.
///
/// Collects every function in every region (read-only API calls), scores each one against the checks of the
/// catalogue (`lambda-posture checks`), and reports for people (table, HTML) and machines (JSON, CSV, SARIF, ASFF,
/// OCSF).
#[derive(Debug, Parser)]
#[command(
    name = "lambda-posture",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Configuration file (severity overrides, disabled checks, thresholds, trusted accounts, suppressions).
    /// Default: ./lambda-posture.toml when it exists.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "LAMBDA_POSTURE_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// When to colour the output: auto colours a terminal unless NO_COLOR is set; always also colours a pipe or
    /// a file (and wins over NO_COLOR); never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto
    )]
    pub color: ColorWhen,

    /// Never colour the output: the same as --color never (the NO_COLOR environment variable does the same).
    #[arg(long, global = true, conflicts_with = "color")]
    pub no_color: bool,

    /// Log what the run does to standard error: -v retries, throttles, gaps and the timing of each phase (debug),
    /// -vv every step (trace), -vvv also the AWS SDK's own warnings and information. RUST_LOG, when set, replaces
    /// this (e.g. RUST_LOG=lambda_posture=debug). With logging on, no progress bar.
    #[arg(long, short, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No progress bar, even on a terminal.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Largest input file (inventory, report, configuration) read, in MiB; a larger one is refused before it is
    /// read whole.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "LAMBDA_POSTURE_MAX_INPUT_MIB",
        default_value_t = crate::input::DEFAULT_MAX_INPUT_MIB,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576)
    )]
    pub max_input_mib: u64,
}

/// The exit codes of `crate::exit`, shown after `--help` (a test there checks every code is listed).
pub const EXIT_CODES: &str = "\
Exit codes:
  0    complete, no failing finding at or above --fail-on
  1    a failing finding at or above --fail-on (diff: a new one)
  2    error: bad flag, file or configuration, no credentials, endpoint down
  3    incomplete: some data could not be collected (the gaps are listed);
       organisation scan, merge: some account could not be scanned (listed);
       unused: the usage of some function is unknown;
       securityhub import: some finding was not imported
  130  interrupted (SIGINT, Ctrl-C): no output file written
  143  terminated (SIGTERM): no output file written";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect (or load) an inventory, evaluate every check, and render the report.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// List functions with no invocation in the lookback, idle longest first.
    #[command(after_help = EXIT_CODES)]
    Unused(UnusedArgs),
    /// Compare two JSON reports by stable finding id: new, resolved and unchanged findings.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// Merge the folders of organisation scans (each shard's --output-dir) into one report: every DIR/accounts/<id>/,
    /// the same bytes as one scan of all the accounts. Exit code 3 when an account could not be scanned (listed).
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
    /// List every check: id, severity, title (json: also its group and documentation URL).
    Checks(ChecksArgs),
    /// Print the documentation of one check.
    Explain {
        /// Check id, e.g. lambda-public-invoke.
        id: String,
    },
    /// Print the least-privilege IAM policy the scanner itself needs in each account it scans (the member role's
    /// policy); with --org, the scanning principal's policy for an organisation scan.
    Permissions(PermissionsArgs),
    /// AWS Security Hub: import findings (the only command that writes to AWS).
    #[command(subcommand)]
    Securityhub(SecurityhubCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish), e.g.
    /// `lambda-posture completions bash > ~/.local/share/bash-completion/completions/lambda-posture`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `lambda-posture man > lambda-posture.1 && man ./lambda-posture.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum SecurityhubCommand {
    /// Send the findings of `scan --format asff` to Security Hub (BatchImportFindings), each in its own region, in
    /// batches within the API's limits; with --previous, archive the findings the previous import had and FILE has
    /// not; with --resolved, those a `diff --format json` resolved. Needs `securityhub:BatchImportFindings` (and
    /// sts:GetCallerIdentity). Exit code 3 when some finding was not imported (each is listed with its reason).
    #[command(after_help = EXIT_CODES)]
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The ASFF findings to import (`scan --format asff --output FILE`).
    pub file: PathBuf,
    /// The ASFF file of the previous import: its findings missing from FILE are archived (RecordState ARCHIVED).
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// The output of `diff --format json OLD.json NEW.json`: its resolved findings are archived.
    #[arg(long, value_name = "DIFF.json")]
    pub resolved: Option<PathBuf>,
    /// Named profile from the AWS config files (default: the standard credential chain).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Seconds one attempt of one API call may take before it is abandoned and retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub attempt_timeout: f64,
}

/// Where the inventory comes from: AWS (default) or a saved file.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Evaluate a saved inventory instead of calling AWS (offline; no credentials needed).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["save_inventory", "regions", "profile", "thorough"])]
    pub inventory: Option<PathBuf>,

    /// Also write the collected inventory to FILE (atomically), for later offline runs with --inventory.
    #[arg(long, value_name = "FILE")]
    pub save_inventory: Option<PathBuf>,

    /// Regions to scan, comma-separated (default: every region where Lambda is available and enabled).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Option<Vec<String>>,

    /// Named profile from the AWS config files (default: the standard credential chain).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,

    /// Days of CloudWatch history to read per function (1 to 455).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=455))]
    pub lookback_days: u32,

    /// Lambda GetFunction calls per second per region (AWS quota: 100; the default leaves 5% to others).
    #[arg(long, value_name = "PER_SEC", default_value_t = 95.0)]
    pub get_function_rate: f64,

    /// Lambda GetPolicy calls per second per region (AWS quota: 15; the default leaves 5% to others).
    #[arg(long, value_name = "PER_SEC", default_value_t = 14.25)]
    pub get_policy_rate: f64,

    /// Other Lambda control-plane calls per second per region (AWS shared quota: 15; the default leaves 5% to
    /// others).
    #[arg(long, value_name = "PER_SEC", default_value_t = 14.25)]
    pub control_plane_rate: f64,

    /// Scale every API rate the scan uses (Lambda, IAM, CloudWatch) by this fraction, e.g. 0.5 to leave half of
    /// the quotas to your own deploys and tools while the scan runs.
    #[arg(long, value_name = "FRACTION", default_value_t = 1.0)]
    pub max_rate: f64,

    /// Multiply every quota the scan assumes by this factor: for an emulated AWS running with `--time-scale F`
    /// (mocks/README.md), or an account whose quotas were raised.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, hide = true)]
    pub quota_scale: f64,

    /// Seconds one attempt of one API call may take before it is abandoned and retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    pub attempt_timeout: f64,

    /// Scan deployment packages and layers for hard-coded secrets (downloads every package once).
    #[arg(long)]
    pub scan_code: bool,

    /// Make every per-function call, also those whose answer is known without asking, and read the resource policy
    /// of every published version (by default: the live ones and the newest five of each function). Slower on
    /// accounts with many versions; see "Scan modes" in the README.
    #[arg(long)]
    pub thorough: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Write the report to FILE (atomically) instead of standard output (`-`: standard output). Never an input.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with code 1 when a failing finding has this severity or worse.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Run only the checks that evidence a control of this framework, and summarise the report by its controls
    /// (failed, unknown or passed per control, in the table, HTML and JSON; an organisation scan sums its accounts).
    #[arg(long, value_name = "NAME", value_parser = framework_parser())]
    pub framework: Option<Framework>,
    /// Last: its help heading would otherwise carry over to the flags after it.
    #[command(flatten)]
    pub org: OrgArgs,
}

/// `--framework NAME`: one of the framework ids (completed, listed by --help and in the one-line error).
fn framework_parser() -> impl clap::builder::TypedValueParser<Value = Framework> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Framework::ALL.map(|f| {
        clap::builder::PossibleValue::new(f.id()).help(format!("{} {}", f.name(), f.version()))
    }))
    .map(|id: String| Framework::from_id(&id).expect("a possible value is a framework id"))
}

/// The flags that turn a scan into an organisation scan (README "Organisation scan").
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Organisation scan")]
#[group(skip)]
#[command(group(clap::ArgGroup::new("account_source").multiple(true).args(["org", "accounts", "accounts_file"])))]
pub struct OrgArgs {
    /// Scan every usable member account of the organization, ACTIVE or PENDING_CLOSURE (organizations:ListAccounts,
    /// from the management account or a delegated administrator).
    #[arg(long, conflicts_with_all = ["inventory", "save_inventory"])]
    pub org: bool,

    /// Scan these accounts, comma-separated 12-digit ids.
    #[arg(long, value_delimiter = ',', value_name = "ID,...", value_parser = crate::org::accounts::parse_account_id,
          conflicts_with_all = ["inventory", "save_inventory"])]
    pub accounts: Vec<String>,

    /// Scan the accounts listed in FILE: one 12-digit id per line; blank lines and `#` comments allowed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["inventory", "save_inventory"])]
    pub accounts_file: Option<PathBuf>,

    /// Leave these accounts out (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...", value_parser = crate::org::accounts::parse_account_id,
          requires = "account_source")]
    pub exclude_accounts: Vec<String>,

    /// The role assumed in each member account (the StackSet of docs/organization.md deploys it). The caller's own
    /// account is scanned with the caller's credentials.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "LambdaPostureAudit",
        requires = "account_source"
    )]
    pub role_name: String,

    /// The external id the member roles' trust policy requires (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "account_source")]
    pub external_id: Option<String>,

    /// Accounts collected at once (each with its own API quotas per region): the whole organisation takes about as
    /// long as its slowest account when all run at once; each account in flight holds its inventory in memory.
    /// Default: sized from the machine, one account per 32 MiB of physical memory (or of a container's memory
    /// limit, when lower), from 16 to 1024 (768 with 24 GiB).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024),
          requires = "account_source")]
    pub max_accounts: Option<u16>,

    /// The regional STS endpoints that enter the member accounts (sts:AssumeRole), comma-separated, used in turn,
    /// each paced on its own and slowed when it throttles. Default: the 17 regions enabled by default, whose STS is
    /// active by default (commercial partition; another partition:
    /// the caller's region). The caller's region is always the fallback: an endpoint that refuses is dropped for
    /// the run and the account is entered there. Give only the caller's region to use one endpoint.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,...",
        requires = "account_source"
    )]
    pub sts_regions: Option<Vec<String>>,

    /// Where each account's inventory.json, report.json (or error.txt) is written: DIR/accounts/<id>/.
    #[arg(
        long,
        value_name = "DIR",
        requires = "account_source",
        conflicts_with = "resume"
    )]
    pub output_dir: Option<PathBuf>,

    /// Continue an organisation scan into DIR: accounts with an inventory.json there are not collected again (their
    /// report is re-evaluated with the current configuration), the others are scanned.
    #[arg(long, value_name = "DIR", requires = "account_source")]
    pub resume: Option<PathBuf>,

    /// Scan shard I of N (0-based): the accounts whose position in the sorted list (after --exclude-accounts)
    /// modulo N is I. Run N copies with I = 0..N-1 and `merge` their directories. I may be `$NAME`: the index read
    /// from environment variable NAME (e.g. '$AWS_BATCH_JOB_ARRAY_INDEX/8' for an AWS Batch array job).
    #[arg(
        long,
        value_name = "I/N",
        requires = "account_source",
        allow_hyphen_values = true
    )]
    pub shard: Option<crate::org::accounts::Shard>,
}

impl OrgArgs {
    /// Whether these flags ask for an organisation scan.
    pub fn is_org_scan(&self) -> bool {
        self.org || !self.accounts.is_empty() || self.accounts_file.is_some()
    }
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// Print the policy of the principal that runs an organisation scan: the read-only actions (its own account is
    /// scanned directly), organizations:ListAccounts and sts:AssumeRole on the member role.
    #[arg(long)]
    pub org: bool,
    /// The member role's name (with --org).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "LambdaPostureAudit",
        requires = "org"
    )]
    pub role_name: String,
}

#[derive(Debug, Args)]
pub struct UnusedArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = UnusedFormat::Table)]
    pub format: UnusedFormat,
    /// Write to FILE (atomically) instead of standard output (`-`: standard output). Never an input.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Last: its help heading would otherwise carry over to the flags after it.
    #[command(flatten)]
    pub org: OrgArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older JSON report (`scan --format json`).
    pub old: PathBuf,
    /// The newer JSON report.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write to FILE (atomically) instead of standard output (`-`: standard output). Never an input.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with code 1 when a NEW failing finding has this severity or worse (gate a change on what it adds).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of organisation scans (`scan --output-dir DIR`, e.g. one per shard); an account found in two
    /// of them is an error.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Merge the `unused` listing instead (each account's inventory.json analysed): --format table or json.
    #[arg(long, conflicts_with = "fail_on")]
    pub unused: bool,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ChecksFormat::Table)]
    pub format: ChecksFormat,
    /// Only the checks that evidence a control of this framework, with those controls.
    #[arg(long, value_name = "NAME", value_parser = framework_parser())]
    pub framework: Option<Framework>,
}

/// The `--format` of a listing subcommand: a table or JSON, anything else refused while the command line is parsed
/// (before any AWS call). One type per subcommand, so that each can take another format without the others
/// accepting it; each converts to the renderer's [`ListFormat`].
macro_rules! table_or_json {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
        pub enum $name {
            /// Terminal tables for people.
            Table,
            /// JSON for machines.
            Json,
        }

        impl From<$name> for ListFormat {
            fn from(format: $name) -> ListFormat {
                match format {
                    $name::Table => ListFormat::Table,
                    $name::Json => ListFormat::Json,
                }
            }
        }
    };
}

table_or_json!(
    /// The formats of `unused`.
    UnusedFormat
);
table_or_json!(
    /// The formats of `diff`.
    DiffFormat
);
table_or_json!(
    /// The formats of `checks`.
    ChecksFormat
);

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colour, even a pipe or a file.
    Always,
    /// Never colour.
    Never,
}

impl Cli {
    /// `--color`, with `--no-color` meaning `never`.
    pub fn color_when(&self) -> ColorWhen {
        if self.no_color {
            ColorWhen::Never
        } else {
            self.color
        }
    }
}

/// The formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Terminal tables for people.
    Table,
    /// The versioned JSON report (schema/report.schema.json).
    Json,
    /// One row per finding, for spreadsheets.
    Csv,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// AWS Security Finding Format, ready for Security Hub BatchImportFindings.
    Asff,
    /// OCSF 1.6.0 Detection Finding events (class 2004): a JSON array, one event per finding.
    Ocsf,
    /// One self-contained HTML page.
    Html,
}

impl From<ScanFormat> for ReportFormat {
    fn from(format: ScanFormat) -> ReportFormat {
        match format {
            ScanFormat::Table => ReportFormat::Table,
            ScanFormat::Json => ReportFormat::Json,
            ScanFormat::Csv => ReportFormat::Csv,
            ScanFormat::Sarif => ReportFormat::Sarif,
            ScanFormat::Asff => ReportFormat::Asff,
            ScanFormat::Ocsf => ReportFormat::Ocsf,
            ScanFormat::Html => ReportFormat::Html,
        }
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan --format NAME` renders the report format of that name, and every report format can be asked for.
    #[test]
    fn scan_formats_are_the_report_formats() {
        let converted: Vec<(String, ReportFormat)> = ScanFormat::value_variants()
            .iter()
            .map(|f| {
                let name = f.to_possible_value().unwrap().get_name().to_string();
                (name, ReportFormat::from(*f))
            })
            .collect();
        let expected: Vec<(String, ReportFormat)> = ReportFormat::ALL
            .iter()
            .map(|f| (f.name().to_string(), *f))
            .collect();
        assert_eq!(converted, expected);
    }

    /// The organisation flags: an account source turns a scan into an organisation scan; the others need one; none
    /// goes with an offline inventory.
    #[test]
    fn organisation_flags_need_an_account_source_and_no_inventory() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["lambda-posture"], args].concat());
        let org = |cli: Cli| match cli.command {
            Command::Scan(args) => args.org,
            Command::Unused(args) => args.org,
            _ => unreachable!(),
        };
        let both = org(parse(&[
            "scan",
            "--org",
            "--accounts",
            "111111111111,222222222222",
            "--output-dir",
            "d",
        ])
        .unwrap());
        assert!(both.is_org_scan());
        assert_eq!(both.accounts, ["111111111111", "222222222222"]);
        assert_eq!(
            (both.role_name.as_str(), both.max_accounts),
            ("LambdaPostureAudit", None)
        );
        let file = org(parse(&[
            "unused",
            "--accounts-file",
            "a.txt",
            "--resume",
            "d",
            "--shard",
            "1/4",
        ])
        .unwrap());
        assert!(file.is_org_scan());
        assert!(!org(parse(&["scan"]).unwrap()).is_org_scan());
        for alone in [
            &["scan", "--output-dir", "d"][..],
            &["scan", "--shard", "0/2"],
            &["scan", "--role-name", "R"],
            &["unused", "--exclude-accounts", "111111111111"],
            &["scan", "--max-accounts", "4"],
        ] {
            let e = parse(alone).unwrap_err().to_string();
            assert!(
                e.contains("--org") && e.contains("--accounts"),
                "{alone:?}: {e}"
            );
        }
        for refused in [
            &["scan", "--org", "--inventory", "inv.json"][..],
            &[
                "scan",
                "--accounts",
                "111111111111",
                "--save-inventory",
                "inv.json",
            ],
            &["scan", "--org", "--output-dir", "a", "--resume", "b"],
            &["scan", "--org", "--max-accounts", "0"],
            &["scan", "--org", "--max-accounts", "1025"],
            &["scan", "--accounts", "11111111111"],
            &["scan", "--org", "--shard", "2/2"],
        ] {
            assert!(parse(refused).is_err(), "{refused:?} accepted");
        }
        // A negative index is the shard's error, not clap's "unexpected argument '-1'".
        let e = parse(&["scan", "--org", "--shard", "-1/2"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`-1/2` is not I/N"), "{e}");
    }
}
