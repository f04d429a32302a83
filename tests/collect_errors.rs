//! Bad input and unusable environments: one-line error on stderr, exit 2, no panic, nothing on stdout.

mod support;

use std::net::TcpListener;

use support::cli::{self, assert_one_line_error};
use support::emulator;

#[test]
fn unknown_region_names_the_flag_and_the_value() {
    let (code, stdout, stderr) = cli::capture(
        cli::isolated()
            .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", emulator::SECRET_KEY)
            .args(["scan", "--regions", "us-east-1,mars-north-1"]),
    );
    assert_one_line_error(code, &stdout, &stderr, &["--regions", "mars-north-1"]);
}

#[test]
fn no_credentials() {
    let (code, stdout, stderr) =
        cli::capture(cli::isolated().env("AWS_REGION", emulator::REGION).args([
            "scan",
            "--regions",
            "us-east-1",
        ]));
    assert_one_line_error(code, &stdout, &stderr, &["credentials"]);
}

#[test]
fn unknown_profile() {
    let (code, stdout, stderr) = cli::capture(cli::isolated().args([
        "scan",
        "--profile",
        "no-such-profile",
        "--regions",
        "us-east-1",
    ]));
    assert_one_line_error(code, &stdout, &stderr, &["credentials", "no-such-profile"]);
}

#[test]
fn unreachable_endpoint() {
    // A port that was just free and is now closed: connection refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = cli::capture(
        cli::isolated()
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", emulator::SECRET_KEY)
            .env("AWS_REGION", emulator::REGION)
            .args(["scan", "--regions", "us-east-1"]),
    );
    assert_one_line_error(
        code,
        &stdout,
        &stderr,
        &["sts:GetCallerIdentity", "cannot reach"],
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "fails fast: {:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_rate() {
    let (code, stdout, stderr) = cli::capture(
        cli::isolated()
            .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", emulator::SECRET_KEY)
            .args(["scan", "--regions", "us-east-1", "--get-policy-rate", "0"]),
    );
    assert_one_line_error(code, &stdout, &stderr, &["--get-policy-rate"]);
}
