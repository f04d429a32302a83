//! Diagnostics on standard error: `tracing` events filtered by `-v` or `RUST_LOG`, every line through the sanitiser.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;

use crate::cli::Cli;

/// Whether more than warnings is logged (then the progress bar stays off: the two would interleave on stderr).
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Our own crates: what `-v` turns up. The SDK's logs only come with `-vvv` or `RUST_LOG`.
const OURS: [&str; 3] = [
    "lambda_posture",
    "lambda_posture_checks",
    "lambda_posture_codescan",
];

/// Install the subscriber: `RUST_LOG` when set (a bad one is an error naming it), else the level `-v` asks for.
pub fn init(cli: &Cli) -> Result<(), String> {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let directives = match &from_env {
        Some(value) => value.clone(),
        None => directives(cli.verbose),
    };
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| format!("RUST_LOG: cannot parse `{directives}`: {e}"))?;
    VERBOSE.store(from_env.is_some() || cli.verbose > 0, Ordering::Relaxed);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Line(Vec::new()))
        // our own escape sequences would be shown as <U+001B> by the sanitiser: none
        .with_ansi(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}

/// Whether `-v` or `RUST_LOG` asked for more than warnings.
pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// The filter for `-v` repeated `count` times: warnings by default, then debug, trace, and the SDK's own logs.
fn directives(count: u8) -> String {
    let (ours, others) = match count {
        0 => ("warn", "off"),
        1 => ("debug", "off"),
        2 => ("trace", "off"),
        _ => ("trace", "info"),
    };
    let mut directives = vec![others.to_string()];
    directives.extend(OURS.iter().map(|krate| format!("{krate}={ours}")));
    directives.join(",")
}

/// One event, buffered and written as one line when dropped: fields carry names, ARNs and errors from the account
/// (attacker-controlled), so control, bidi and invisible characters are shown as `<U+XXXX>` and a line break cannot
/// forge a second log line.
struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let _ = std::io::stderr().write_all(sanitised(&self.0).as_bytes());
    }
}

/// The event's text on one printable line, ending with a line break.
fn sanitised(event: &[u8]) -> String {
    let text = String::from_utf8_lossy(event);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    format!("{}\n", crate::render::printable_line(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_turns_up_our_crates_and_only_then_the_sdk() {
        assert_eq!(
            directives(0),
            "off,lambda_posture=warn,lambda_posture_checks=warn,lambda_posture_codescan=warn"
        );
        assert_eq!(
            directives(1),
            "off,lambda_posture=debug,lambda_posture_checks=debug,lambda_posture_codescan=debug"
        );
        assert!(directives(3).starts_with("info,"));
        for count in 0..=4 {
            assert!(EnvFilter::builder().parse(directives(count)).is_ok());
        }
    }

    #[test]
    fn an_event_is_one_printable_line() {
        let line = sanitised(b"DEBUG role=evil\x1b[2J\nFORGED line\xe2\x80\xae\n");
        assert_eq!(
            line,
            "DEBUG role=evil<U+001B>[2J<U+000A>FORGED line<U+202E>\n"
        );
    }
}
