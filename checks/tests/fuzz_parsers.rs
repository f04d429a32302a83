//! Bounded fuzzing of the three parsers that read files we did not write (issue 12): inventory, configuration and
//! report. Mutated bytes of real files and arbitrary JSON in place of any value must give either a value or one
//! error line naming the file, never a panic. Runs on stable (proptest); FUZZ_CASES raises the default 256 cases
//! per parser.

use lambda_posture_checks::catalog;
use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::diff::ReportSnapshot;
use lambda_posture_checks::inventory::Inventory;
use proptest::prelude::*;
use serde_json::Value;

const INVENTORY: &str = include_str!("../../mocks/demo-account.json");
const CONFIG: &str = r#"
disabled = ["tracing-off"]
trusted_accounts = ["111122223333"]
organization_id = "o-abc123def4"
owner_tags = ["owner", "team"]
[severity]
role-shared = "high"
[thresholds]
unused_days = 90
error_rate_days = 7
unused_permission_days = 90
[code_scan]
ignore_paths = [{ glob = "fixtures/**", reason = "test data" }]
ignore_values = [{ pattern = "sk_test_", reason = "Stripe test keys" }]
[[suppressions]]
check = "tracing-off"
resource = "arn:aws:lambda:eu-west-1:*"
reason = "traced by the vendor agent"
expires = 2027-03-31
"#;
const REPORT: &str = r#"{"schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z",
 "checks_run": ["tracing-off"], "functions": [{"arn": "arn:aws:lambda:us-east-1:111122223333:function:a"}],
 "findings": [{"id": "LP-1", "check_id": "tracing-off", "title": "t", "severity": "high", "status": "fail",
   "account_id": "111122223333", "region": "us-east-1", "resource_arn": "arn:aws:lambda:us-east-1:111122223333:function:a",
   "resource_name": "a", "message": "m", "owner_tags": {"team": "x"}}]}"#;

fn config() -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

/// A byte-level mutation of `text`: flip, insert, delete, duplicate a slice, or cut.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Cut(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let interesting = prop::sample::select(b"{}[]\",:0-9eE.\\ntu\x00\x1b\xff".to_vec());
    let edit = prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(at, b)| Edit::Set(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..256).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        any::<usize>().prop_map(Edit::Cut),
    ];
    prop::collection::vec(edit, 1..6)
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Set(at, b) => {
                if !bytes.is_empty() {
                    bytes[at % len] = *b
                }
            }
            Edit::Insert(at, b) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Edit::Duplicate(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                let slice = bytes[at.min(end)..end].to_vec();
                bytes.splice(end..end, slice);
            }
            Edit::Cut(at) => bytes.truncate(at % (bytes.len() + 1)),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Arbitrary JSON, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String("2026-11-01T10:00:00Z".into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `text` (a JSON document) with the `pick`-th value (in document order, the root included) replaced by `value`.
fn replace_value(text: &str, pick: usize, value: Value) -> String {
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
            Value::Object(o) => o.iter().for_each(|(k, x)| {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                )
            }),
            _ => {}
        }
        out.push(at);
    }
    let mut doc: Value = serde_json::from_str(text).unwrap();
    let mut all = Vec::new();
    pointers(&doc, String::new(), &mut all);
    if let Some(target) = doc.pointer_mut(&all[pick % all.len()]) {
        *target = value;
    }
    doc.to_string()
}

fn one_line(error: String, file: &str) {
    assert!(error.starts_with(&format!("{file}: ")), "{error}");
    assert!(!error.contains('\n'), "one line: {error}");
}

fn parse_inventory(text: &str) {
    if let Err(e) = Inventory::from_json("inv.json", text) {
        one_line(e.to_string(), "inv.json");
    }
}

fn parse_config(text: &str) {
    if let Err(e) = ValidConfig::from_toml("lp.toml", text, |id| catalog::find(id).is_some()) {
        one_line(e.to_string(), "lp.toml");
    }
}

fn parse_report(text: &str) {
    if let Err(e) = ReportSnapshot::from_json("r.json", text) {
        one_line(e.to_string(), "r.json");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn inventory_bytes(edits in edits()) {
        parse_inventory(&mutate(INVENTORY, &edits));
    }

    #[test]
    fn inventory_values(pick in any::<usize>(), value in json()) {
        parse_inventory(&replace_value(INVENTORY, pick, value));
    }

    #[test]
    fn config_bytes(edits in edits()) {
        parse_config(&mutate(CONFIG, &edits));
    }

    #[test]
    fn report_bytes(edits in edits()) {
        parse_report(&mutate(REPORT, &edits));
    }

    #[test]
    fn report_values(pick in any::<usize>(), value in json()) {
        parse_report(&replace_value(REPORT, pick, value));
    }
}
