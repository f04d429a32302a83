//! A hostile API loses nothing: with the scanner paced three times faster than the emulator's quota buckets (the
//! Lambda control-plane and GetPolicy buckets throttle), and 5xx answers, connection resets and stalled connections injected on every service, the
//! inventory equals the fault-free one (collection time aside) and has no gap.

mod support;

use lambda_posture_checks::inventory::Inventory;
use serde_json::{json, Value};

use support::{cli, emulator};

const REGIONS: &str = "us-east-1,eu-west-1";
/// The emulator's quotas are AWS's times this (a faster test; a bucket's burst is one second of its rate, so the
/// account must need several seconds of calls for the buckets to throttle); the scanner is told the same when it
/// must not be throttled, and three times as much when it must.
const TIME_SCALE: &str = "2";
const THREE_TIMES_TOO_FAST: &str = "6";
/// A stalled call is held this long, then reset: longer than the scanner's attempt timeout below.
const STALL_SECONDS: &str = "6";

/// `scan --save-inventory` with extra flags: exit code, inventory, stderr.
fn scan(emulator: &emulator::Emulator, name: &str, extra: &[&str]) -> (i32, Inventory, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let inventory_path = dir.path().join(format!("{name}.json"));
    let mut cmd = emulator.lambda_posture();
    cmd.args([
        "scan",
        "--quiet",
        "--regions",
        REGIONS,
        "--format",
        "json",
        "--output",
    ])
    .arg(dir.path().join("report.json"))
    .arg("--save-inventory")
    .arg(&inventory_path)
    .args(extra);
    let (code, _stdout, stderr) = cli::capture(&mut cmd);
    let text = std::fs::read_to_string(&inventory_path)
        .unwrap_or_else(|e| panic!("{name}: no inventory ({e}); exit {code}; stderr: {stderr}"));
    let inventory = Inventory::from_json(name, &text).expect("valid inventory");
    (code, inventory, stderr)
}

/// Background faults on every service, plus a few sure ones so that each kind happens at least once.
fn hostile_rules() -> Value {
    let mut rules = vec![
        json!({"service": "lambda", "operation": "GetFunction", "error": "Stall", "count": 1}),
        json!({"service": "lambda", "operation": "ListAliases", "error": "Stall", "count": 1}),
        json!({"service": "lambda", "operation": "ListFunctions", "error": "Reset", "count": 2}),
        json!({"service": "lambda", "operation": "GetPolicy", "error": "InternalError", "count": 3}),
        json!({"service": "cloudwatch", "operation": "GetMetricData", "error": "Reset", "count": 1}),
        json!({"service": "iam", "operation": "GetAccountAuthorizationDetails", "error": "InternalError", "count": 1}),
    ];
    for service in ["lambda", "iam", "cloudwatch", "sts"] {
        rules.push(json!({"service": service, "error": "InternalError", "probability": 0.03}));
        rules.push(json!({"service": service, "error": "Reset", "probability": 0.02}));
        rules.push(json!({"service": service, "error": "Throttling", "probability": 0.02}));
        rules.push(json!({"service": service, "error": "Stall", "probability": 0.002}));
    }
    Value::Array(rules)
}

/// Sum of a statistic over every operation of the emulator's stats.
fn total(stats: &Value, pick: impl Fn(&Value) -> u64) -> u64 {
    stats["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(pick)
        .sum()
}

#[test]
fn throttling_5xx_resets_and_stalls_lose_nothing() {
    let emulator = emulator::Emulator::start(&[
        "--quotas",
        "on",
        "--time-scale",
        TIME_SCALE,
        "--latency-ms",
        "5",
        "--stall-seconds",
        STALL_SECONDS,
        "--seed",
        "11",
    ]);
    let planted = emulator.seed_scale(60, REGIONS);

    let (code, clean, stderr) = scan(&emulator, "clean", &["--quota-scale", TIME_SCALE]);
    assert_eq!(code, 0, "a fault-free scan is complete: {stderr}");
    let account = &clean.accounts[0];
    assert!(account.gaps.is_empty(), "{:#?}", account.gaps);
    assert_eq!(
        account.functions.len(),
        planted["functions"].as_array().unwrap().len()
    );

    emulator.clear_stats();
    emulator.set_faults(hostile_rules());
    let (code, hostile, stderr) = scan(
        &emulator,
        "hostile",
        &[
            "--quota-scale",
            THREE_TIMES_TOO_FAST,
            "--attempt-timeout",
            "3",
        ],
    );
    let stats = emulator.stats();
    let rules = emulator.admin("GET", "/_lp/faults", None);
    emulator.clear_faults();
    assert_eq!(code, 0, "complete despite the faults: {stderr}");
    assert!(
        hostile.accounts[0].gaps.is_empty(),
        "{:#?}",
        hostile.accounts[0].gaps
    );

    // The faults really happened.
    for rule in rules["rules"].as_array().expect("rules") {
        if let Some(count) = rule["count"].as_u64() {
            assert_eq!(
                rule["used"].as_u64(),
                Some(count),
                "rule not exhausted: {rule}"
            );
        }
    }
    let throttled = total(&stats, |op| op["throttled"].as_u64().unwrap_or(0));
    assert!(
        throttled > 20,
        "the quota buckets throttled only {throttled} calls"
    );
    for kind in ["InternalError", "Reset", "Stall", "Throttling"] {
        let n = total(&stats, |op| op["faults"][kind].as_u64().unwrap_or(0));
        assert!(n > 0, "no {kind} was injected: {stats}");
    }

    // Nothing lost or changed: the same inventory but for the collection time.
    let mut hostile = hostile;
    hostile.collected_at = clean.collected_at;
    assert_eq!(
        hostile.accounts[0].functions.len(),
        clean.accounts[0].functions.len()
    );
    for (got, want) in hostile.accounts[0]
        .functions
        .iter()
        .zip(&clean.accounts[0].functions)
    {
        assert_eq!(got, want, "function {} differs", want.name);
    }
    assert_eq!(hostile, clean);
}
