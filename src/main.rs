//! lambda-posture: entry point. Parses the command line, runs the command, maps the outcome to an exit code.
//! The only place that uses anyhow.

mod cli;
mod codescan;
mod collect;
mod commands;
mod memory;
mod output;
mod render;
mod securityhub;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// Exit codes (documented in the README).
pub mod exit {
    /// Scan complete, no failing finding at or above --fail-on.
    pub const CLEAN: u8 = 0;
    /// Failing findings at or above --fail-on.
    pub const FINDINGS: u8 = 1;
    /// Error: bad input, no credentials, unreachable endpoint…
    pub const ERROR: u8 = 2;
    /// The scan completed but some data could not be collected (see the gaps); nothing at or above --fail-on.
    pub const INCOMPLETE: u8 = 3;
    /// Interrupted (Ctrl-C): no output file was written.
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = commands::run(cli) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    // Do not wait for in-flight requests after an interrupt or an error.
    runtime.shutdown_background();
    match outcome {
        Some(Ok(code)) => ExitCode::from(code),
        Some(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::ERROR)
        }
        None => {
            eprintln!("interrupted: nothing was written");
            ExitCode::from(exit::INTERRUPTED)
        }
    }
}
