//! lambda-posture: entry point. Parses the command line, runs the command, maps the outcome to an exit code.
//! Every error ends here as one sanitised `error:` line and exit code 2: a command's anyhow error with its context
//! chain, or one of the few that can happen before a command runs.

mod cli;
mod collect;
mod commands;
mod input;
mod interrupt;
mod logging;
mod memory;
mod org;
mod output;
mod securityhub;

use std::process::ExitCode;

use clap::Parser;
// The renderers are the library target (src/lib.rs); `crate::render` names them here as everywhere in the binary.
use lambda_posture::render;

use crate::cli::Cli;

/// Exit codes (documented in the README and, as [`cli::EXIT_CODES`], after `--help`).
pub mod exit {
    /// Scan complete, no failing finding at or above --fail-on.
    pub const CLEAN: u8 = 0;
    /// Failing findings at or above --fail-on.
    pub const FINDINGS: u8 = 1;
    /// Error: bad input, no credentials, unreachable endpoint…
    pub const ERROR: u8 = 2;
    /// The scan completed but some data could not be collected (see the gaps); nothing at or above --fail-on.
    pub const INCOMPLETE: u8 = 3;
    /// Interrupted by Ctrl-C (SIGINT): no output file was written ([`crate::interrupt`]).
    pub const INTERRUPTED: u8 = crate::interrupt::SIGINT_EXIT;
    /// Terminated by SIGTERM: no output file was written.
    pub const TERMINATED: u8 = crate::interrupt::SIGTERM_EXIT;

    #[cfg(test)]
    mod tests {
        #[test]
        fn help_lists_every_exit_code() {
            for code in [
                super::CLEAN,
                super::FINDINGS,
                super::ERROR,
                super::INCOMPLETE,
                super::INTERRUPTED,
                super::TERMINATED,
            ] {
                assert!(
                    crate::cli::EXIT_CODES
                        .lines()
                        .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                    "{code} missing from cli::EXIT_CODES"
                );
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version: printed as clap renders them
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("{}", usage_error(&e));
            return ExitCode::from(exit::ERROR);
        }
    };
    if let Err(e) = logging::init(&cli) {
        eprintln!("error: {}", render::printable_line(&e));
        return ExitCode::from(exit::ERROR);
    }
    if let Err(e) = interrupt::install() {
        eprintln!("error: cannot handle Ctrl-C and SIGTERM: {e}");
        return ExitCode::from(exit::ERROR);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    // Ctrl-C and SIGTERM end the process from their own thread, wherever it is (src/interrupt.rs).
    let outcome = runtime.block_on(commands::run(cli));
    // Do not wait for in-flight requests after an error.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Messages quote names, keys and values from files and accounts we do not control: one line, and no
            // character that could rewrite the terminal or disguise the text.
            eprintln!("error: {}", render::printable_line(&format!("{e:#}")));
            ExitCode::from(exit::ERROR)
        }
    }
}

/// A usage error on one line: clap's message with its possible values and tip, without the usage block. Clap quotes
/// what was typed, which may come from a script fed with account data: through the sanitiser.
fn usage_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .split("\n\n")
        .filter(|p| !p.starts_with("Usage:") && !p.starts_with("For more information"))
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!(
        "{} (see --help)",
        render::printable_line(&message.join(" "))
    )
}
