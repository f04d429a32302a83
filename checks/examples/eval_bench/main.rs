//! Evaluation benchmark: `engine::evaluate` over a synthetic account of many functions sharing few roles.
//!
//! `cargo run --release -p lambda-posture-checks --example eval_bench [-- --functions N --roles M --by-check]`
//! prints the time, the findings by status and a digest of the report (equal digests: the same findings), and with
//! `--by-check` the time each check takes over every function. On Linux it prints the CPU time of the evaluation too:
//! on a shared machine the wall time also counts the time other processes held the cores.

mod generate;

use std::time::{Duration, Instant};

use lambda_posture_checks::config::Config;
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::Status;
use sha2::{Digest, Sha256};

struct Args {
    functions: usize,
    roles: usize,
    by_check: bool,
}

fn args() -> Args {
    let mut args = Args {
        functions: 10_000,
        roles: 500,
        by_check: false,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut number = || {
            words
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a number after --functions / --roles")
        };
        match word.as_str() {
            "--functions" => args.functions = number(),
            "--roles" => args.roles = number(),
            "--by-check" => args.by_check = true,
            other => panic!("unknown argument {other}: --functions N, --roles M, --by-check"),
        }
    }
    args
}

fn main() {
    let args = args();
    let started = Instant::now();
    let inventory = generate::inventory(args.functions, args.roles);
    println!(
        "generated {} functions, {} roles in {:.2?}",
        args.functions,
        args.roles,
        started.elapsed()
    );

    let config = Config::default();
    let started = Instant::now();
    let cpu_started = cpu_time();
    let report = engine::evaluate(&inventory, &config);
    let elapsed = started.elapsed();
    let cpu = cpu_time().zip(cpu_started).map(|(end, start)| end - start);
    let count = |status: Status| {
        report
            .findings
            .iter()
            .filter(|f| f.status == status)
            .count()
    };
    println!(
        "evaluate: {elapsed:.2?}{} ({:.0} µs per function): {} findings ({} fail, {} unknown)",
        cpu.map(|cpu| format!(", CPU {cpu:.2?}"))
            .unwrap_or_default(),
        elapsed.as_micros() as f64 / args.functions.max(1) as f64,
        report.findings.len(),
        count(Status::Fail),
        count(Status::Unknown),
    );
    let digest = Sha256::digest(serde_json::to_vec(&report).expect("reports serialise"));
    println!(
        "report digest: {}",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );

    if args.by_check {
        by_check(&inventory, &config);
    }
}

/// Each check alone over the whole inventory, slowest first (CPU time where known).
fn by_check(inventory: &lambda_posture_checks::inventory::Inventory, config: &Config) {
    let mut times: Vec<(&str, Duration)> = lambda_posture_checks::catalog::all()
        .iter()
        .map(|check| {
            let only = Config {
                disabled: lambda_posture_checks::catalog::all()
                    .iter()
                    .filter(|c| c.id != check.id)
                    .map(|c| c.id.to_string())
                    .collect(),
                ..config.clone()
            };
            let started = Instant::now();
            let cpu_started = cpu_time();
            engine::evaluate(inventory, &only);
            // CPU time where known: steadier than the wall clock on a shared machine.
            let time = cpu_time()
                .zip(cpu_started)
                .map_or_else(|| started.elapsed(), |(end, start)| end - start);
            (check.id, time)
        })
        .collect();
    times.sort_by_key(|(_, time)| std::cmp::Reverse(*time));
    for (id, time) in times {
        println!("  {time:>10.2?}  {id}");
    }
}

/// The CPU time this thread has used (Linux: the first field of /proc/thread-self/schedstat, in nanoseconds).
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}
