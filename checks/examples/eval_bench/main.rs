//! Evaluation benchmark: `engine::evaluate` over a synthetic account of many functions sharing few roles.
//!
//! `cargo run --release -p lambda-posture-checks --example eval_bench [-- --functions N --roles M --by-check]`
//! prints the time, the findings by status and a digest of the report (equal digests: the same findings), and with
//! `--by-check` the time each check takes over every function. On Linux it prints the CPU time of the evaluation too:
//! on a shared machine the wall time also counts the time other processes held the cores, and the peak resident
//! memory after each stage. `--inventory FILE` evaluates a saved inventory (e.g. the benchmark's, `mocks/bench.py
//! --keep DIR`) instead of a synthetic one.

mod generate;

use std::time::{Duration, Instant};

use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::engine;
use lambda_posture_checks::finding::Status;
use lambda_posture_checks::inventory::Inventory;
use sha2::{Digest, Sha256};

struct Args {
    inventory: Option<String>,
    functions: usize,
    roles: usize,
    by_check: bool,
}

fn args() -> Args {
    let mut args = Args {
        inventory: None,
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
            "--inventory" => args.inventory = Some(words.next().expect("a file after --inventory")),
            other => panic!(
                "unknown argument {other}: --functions N, --roles M, --inventory FILE, --by-check"
            ),
        }
    }
    args
}

fn main() {
    let args = args();
    let started = Instant::now();
    let inventory = match &args.inventory {
        Some(path) => {
            let text = std::fs::read_to_string(path).expect("a readable inventory file");
            Inventory::from_json(path, &text).expect("a valid inventory")
        }
        None => generate::inventory(args.functions, args.roles),
    };
    println!(
        "loaded {} functions, {} roles in {:.2?}{}",
        inventory
            .accounts
            .iter()
            .map(|a| a.functions.len())
            .sum::<usize>(),
        inventory
            .accounts
            .iter()
            .map(|a| a.roles.len())
            .sum::<usize>(),
        started.elapsed(),
        peak_memory()
    );

    let config = ValidConfig::default();
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
    println!("after evaluation{}", peak_memory());
    let mut digest = Sha256::new();
    serde_json::to_writer(DigestWriter(&mut digest), &report).expect("reports serialise");
    let digest = digest.finalize();
    println!(
        "report digest: {}{}",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        peak_memory()
    );

    if args.by_check {
        by_check(&inventory, &config);
    }
}

/// Each check alone over the whole inventory, slowest first (CPU time where known).
fn by_check(inventory: &lambda_posture_checks::inventory::Inventory, config: &ValidConfig) {
    let mut times: Vec<(&str, Duration)> = lambda_posture_checks::catalog::all()
        .iter()
        .map(|check| {
            let only = ValidConfig {
                disabled: lambda_posture_checks::catalog::all()
                    .iter()
                    .filter(|c| c.id != check.id)
                    .map(|c| c.id.to_string())
                    .collect(),
                enabled: lambda_posture_checks::catalog::OFF_BY_DEFAULT
                    .iter()
                    .filter(|id| **id == check.id)
                    .map(|id| id.to_string())
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

/// `, RSS N MB (peak M MB)` (Linux: VmRSS and VmHWM of /proc/self/status), or nothing where unknown.
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let megabytes = |key: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1000.0)
    };
    match (megabytes("VmRSS:"), megabytes("VmHWM:")) {
        (Some(now), Some(peak)) => format!(", RSS {now:.1} MB (peak {peak:.1} MB)"),
        _ => String::new(),
    }
}

/// Serialises the report into the digest without holding the JSON in memory.
struct DigestWriter<'a>(&'a mut Sha256);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
