//! Property test (issue 12): hostile account data in every string field of the demo inventory, extreme numbers,
//! deep nesting and huge sizes, evaluated in-process and rendered in every format, `unused` and `diff`; hostile text
//! in every free-text value of a configuration (every format) and in any string of a report (`diff`); every output
//! must stay safe and valid: no raw control, bidi or invisible character in the human outputs, JSON/SARIF/ASFF that
//! parse, ASFF within Security Hub's limits, CSV formula cells neutralised, HTML escaped; a refused inventory gets one
//! clean error line. Cases are bounded (PROPTEST_CASES, default 64) so the file runs in under a minute (55 s on
//! two shared cores).
use std::sync::OnceLock;

use lambda_posture_checks::config::ValidConfig;
use lambda_posture_checks::diff::{self, ReportSnapshot};
use lambda_posture_checks::inventory::Inventory;
use lambda_posture_checks::{engine, unused};
use proptest::prelude::*;
use serde_json::{json, Value};

use lambda_posture::render::{self, ListFormat, RenderOptions, ReportFormat};

const OPTIONS: RenderOptions = RenderOptions {
    color: false,
    width: 100,
};

fn demo() -> &'static Value {
    static DEMO: OnceLock<Value> = OnceLock::new();
    DEMO.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mocks/demo-account.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// JSON pointers to every string, number and map in the demo's accounts (what an account owner can set or we read).
struct Targets {
    strings: Vec<String>,
    numbers: Vec<String>,
    maps: Vec<String>,
    /// Policy documents (JSON objects inside the inventory).
    documents: Vec<String>,
}

fn targets() -> &'static Targets {
    static TARGETS: OnceLock<Targets> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let mut t = Targets {
            strings: Vec::new(),
            numbers: Vec::new(),
            maps: Vec::new(),
            documents: Vec::new(),
        };
        fn walk(v: &Value, at: String, t: &mut Targets) {
            match v {
                Value::String(_) => t.strings.push(at),
                Value::Number(_) => t.numbers.push(at),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, format!("{at}/{i}"), t);
                    }
                }
                Value::Object(map) => {
                    if at.ends_with("/tags") || at.ends_with("/roles") {
                        t.maps.push(at.clone());
                    }
                    if at.ends_with("/document") || at.ends_with("/trust_policy") {
                        t.documents.push(at.clone());
                    }
                    for (k, item) in map {
                        walk(
                            item,
                            format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                            t,
                        );
                    }
                }
                _ => {}
            }
        }
        walk(&demo()["accounts"], "/accounts".into(), &mut t);
        t.numbers.push("/lookback_days".into());
        t
    })
}

/// Characters that hide or disguise text, markup, spreadsheet formula starts.
const NASTY: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}]0;pwned\u{7}",
    "\u{9b}31m",
    "\r",
    "\u{0}",
    "\u{7f}",
    "\u{202E}",
    "\u{202A}",
    "\u{2066}",
    "\u{2069}",
    "\u{200B}",
    "\u{200D}",
    "\u{200F}",
    "\u{2028}",
    "\u{2029}",
    "\u{FEFF}",
    "\u{061C}",
    "\u{2060}",
    "\u{E0041}",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "&amp;",
    "]]>",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "{{resolve:x}}",
    "${jndi:ldap://x}",
    "%s%n",
    "\\",
    "\"",
    "'",
    "`",
    "é\u{301}",
    "\u{1F600}",
    // blank: Security Hub refuses a blank string anywhere in a finding
    " ",
];

/// A few hostile pieces run together.
fn short_payload() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(NASTY).prop_map(str::to_string),
        2 => "[a-zA-Z0-9:/._-]{0,12}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|p| p.concat())
}

/// A short payload, or one repeated into tens of kilobytes.
fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => short_payload(),
        1 => (prop::sample::select(NASTY), 1000usize..20000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

#[derive(Debug, Clone)]
enum Change {
    /// Set the string at a pointer.
    Text(usize, String),
    /// Add a key to a map (tags, roles).
    Key(usize, String),
    /// Set a number to an extreme value.
    Number(usize, Value),
    /// List a function a second time (must be refused, never reported twice).
    Duplicate(usize),
    /// Replace a policy document's statement with JSON nested `depth` deep (arrays in a condition).
    Nested(usize, usize),
}

fn change() -> impl Strategy<Value = Change> {
    let t = targets();
    let extreme = prop::sample::select(vec![
        json!(0),
        json!(-1),
        json!(i32::MAX),
        json!(i32::MIN),
        json!(u32::MAX),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
    ]);
    prop_oneof![
        6 => (0..t.strings.len(), payload()).prop_map(|(i, p)| Change::Text(i, p)),
        2 => (0..t.maps.len(), payload()).prop_map(|(i, p)| Change::Key(i, p)),
        2 => (0..t.numbers.len(), extreme).prop_map(|(i, v)| Change::Number(i, v)),
        1 => (0..64usize).prop_map(Change::Duplicate),
        1 => (0..t.documents.len(), prop::sample::select(vec![20usize, 126, 127, 129, 1000])).prop_map(|(i, d)| Change::Nested(i, d)),
    ]
}

fn apply(inventory: &mut Value, change: &Change) {
    let t = targets();
    match change {
        Change::Text(i, p) => {
            if let Some(v) = inventory.pointer_mut(&t.strings[*i]) {
                *v = Value::String(p.clone());
            }
        }
        Change::Key(i, p) => {
            if let Some(Value::Object(map)) = inventory.pointer_mut(&t.maps[*i]) {
                let value = map.values().next().cloned().unwrap_or(json!("v"));
                map.insert(p.clone(), value);
            }
        }
        Change::Number(i, n) => {
            if let Some(v) = inventory.pointer_mut(&t.numbers[*i]) {
                *v = n.clone();
            }
        }
        Change::Duplicate(i) => {
            let functions = inventory["accounts"][0]["functions"]
                .as_array_mut()
                .unwrap();
            let copy = functions[i % functions.len()].clone();
            functions.push(copy);
        }
        Change::Nested(i, depth) => {
            if let Some(v) = inventory.pointer_mut(&t.documents[*i]) {
                let mut nested = json!("x");
                for _ in 0..*depth {
                    nested = json!([nested]);
                }
                *v = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                    "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": nested}}}]});
            }
        }
    }
}

/// The characters no human output may carry raw (the oracle: independent of `render::is_hidden`).
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{061C}' | '\u{E0000}'..='\u{E007F}')
}

fn assert_human_safe(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| hidden(c)) {
        panic!("{what}: raw U+{:04X} in the output", u32::from(c));
    }
}

fn assert_formats_safe(inventory: &Inventory, payloads: &[String]) {
    assert_formats_safe_with(inventory, &ValidConfig::default(), payloads)
}

fn assert_formats_safe_with(inventory: &Inventory, config: &ValidConfig, payloads: &[String]) {
    let report = engine::evaluate(inventory, config);
    // the planted tags, were they copied unescaped (the renderer's own markup never has them)
    let markup: Vec<&str> = ["<script>alert(1)", "<img src=x onerror"]
        .into_iter()
        .filter(|tag| payloads.iter().any(|p| p.contains(tag)))
        .collect();
    for format in ReportFormat::ALL {
        let mut out = Vec::new();
        render::render_to(format, &report, &OPTIONS, &mut out).unwrap();
        let text = String::from_utf8(out).expect("UTF-8 output");
        let name = format.name();
        match name {
            "table" => assert_human_safe("table", &text),
            "csv" => {
                let mut reader = ::csv::ReaderBuilder::new().from_reader(text.as_bytes());
                for row in reader.records() {
                    for cell in row.expect("valid CSV").iter() {
                        assert!(
                            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                            "CSV cell left as a formula: {cell:?}"
                        );
                    }
                }
            }
            "html" => {
                for tag in &markup {
                    assert!(!text.contains(tag), "raw markup in HTML: {tag:?}");
                }
                // a browser obeys a bidi override as a terminal does
                assert_human_safe("html", &text);
            }
            _ => {
                let value: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                if name == "asff" {
                    for finding in value.as_array().unwrap() {
                        let violations = render::asff::limit_violations(finding);
                        assert!(violations.is_empty(), "ASFF over a limit: {violations:?}");
                        let violations = security_hub_violations(finding);
                        assert!(
                            violations.is_empty(),
                            "ASFF refused by Security Hub: {violations:?}"
                        );
                    }
                }
            }
        }
    }
    let unused = unused::analyze(inventory, config);
    let table = render::unused::render(ListFormat::Table, &unused, &OPTIONS).unwrap();
    assert_human_safe("unused", &String::from_utf8(table).unwrap());
    let json = render::unused::render(ListFormat::Json, &unused, &OPTIONS).unwrap();
    serde_json::from_slice::<Value>(&json).expect("unused JSON");
    // diff: the hostile report against the demo's own
    let mut json = Vec::new();
    render::render_to(ReportFormat::Json, &report, &OPTIONS, &mut json).unwrap();
    let new = ReportSnapshot::from_json("new.json", std::str::from_utf8(&json).unwrap()).unwrap();
    assert_diff_safe(baseline(), &new);
}

/// `diff` of two reports, both ways: a table with no raw hidden character, JSON that parses.
fn assert_diff_safe(old: &ReportSnapshot, new: &ReportSnapshot) {
    for (a, b) in [(old, new), (new, old)] {
        let result = diff::diff("old.json", a, "new.json", b);
        let table = render::diff::render(ListFormat::Table, &result, &OPTIONS).unwrap();
        assert_human_safe("diff", &String::from_utf8(table).unwrap());
        let json = render::diff::render(ListFormat::Json, &result, &OPTIONS).unwrap();
        serde_json::from_slice::<Value>(&json).expect("diff JSON");
    }
}

/// Security Hub's limits on every string the ASFF renderer writes, from its API reference (AwsSecurityFinding,
/// Resource, Recommendation; <https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html>):
/// the maximum length in UTF-16 code units, `None` where it sets none. The oracle of the ASFF output, written apart
/// from the renderer's own table: a string at a path not listed here fails the test (a new field must be looked up).
/// `*` is every element of an array or every value of a map.
const SECURITY_HUB: &[(&str, Option<usize>)] = &[
    ("SchemaVersion", None),
    ("Id", Some(512)),
    ("ProductArn", Some(2048)),
    ("GeneratorId", Some(512)),
    ("AwsAccountId", Some(12)),
    ("Region", Some(16)),
    ("Types.*", None),
    ("CreatedAt", None),
    ("UpdatedAt", None),
    ("Severity.Label", None),
    ("Severity.Original", None),
    ("FindingProviderFields.Severity.Label", None),
    ("FindingProviderFields.Severity.Original", None),
    ("FindingProviderFields.Types.*", None),
    ("Title", Some(256)),
    ("Description", Some(1024)),
    ("Remediation.Recommendation.Text", Some(512)),
    ("Remediation.Recommendation.Url", None),
    ("SourceUrl", None),
    // FieldMap: at most 50 entries, keys of at most 128
    ("ProductFields.*", Some(2048)),
    ("Resources.*.Type", Some(256)),
    ("Resources.*.Id", None),
    ("Resources.*.Partition", None),
    ("Resources.*.Region", Some(16)),
    // AWS tag limits: at most 50, keys of at most 128
    ("Resources.*.Tags.*", Some(256)),
    ("Compliance.Status", None),
    // API reference, Compliance: at most 32 items
    ("Compliance.RelatedRequirements.*", Some(256)),
    ("Workflow.Status", None),
    ("RecordState", None),
];

/// Every way one ASFF finding breaks [`SECURITY_HUB`], or has a blank string or map key (every string of the format
/// is a `NonEmptyString`, pattern `.*\S.*`: one blank value fails the whole BatchImportFindings request).
fn security_hub_violations(finding: &Value) -> Vec<String> {
    fn walk(value: &Value, path: String, out: &mut Vec<String>) {
        let child = |key: &str| match path.as_str() {
            "" => key.to_string(),
            _ => format!("{path}.{key}"),
        };
        match value {
            Value::String(text) => {
                match SECURITY_HUB.iter().find(|(p, _)| *p == path) {
                    None => out.push(format!("{path}: not a field of Security Hub's table")),
                    Some((_, Some(max))) if text.encode_utf16().count() > *max => {
                        out.push(format!("{path}: longer than {max}"))
                    }
                    Some(_) => {}
                }
                if text.trim().is_empty() {
                    out.push(format!("{path}: blank"));
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, child("*"), out)),
            Value::Object(map) if path == "ProductFields" || path.ends_with(".Tags") => {
                if map.len() > 50 {
                    out.push(format!("{path}: {} entries", map.len()));
                }
                for (key, item) in map {
                    if key.encode_utf16().count() > 128 || key.trim().is_empty() {
                        out.push(format!("{path}: key {key:?}"));
                    }
                    walk(item, child("*"), out);
                }
            }
            Value::Object(map) => map
                .iter()
                .for_each(|(key, item)| walk(item, child(key), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(finding, String::new(), &mut out);
    out
}

fn demo_inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| Inventory::from_json("demo", &demo().to_string()).unwrap())
}

/// The demo's JSON report, as `scan --format json` writes it.
fn baseline_json() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let report = engine::evaluate(demo_inventory(), &ValidConfig::default());
        let mut json = Vec::new();
        render::render_to(ReportFormat::Json, &report, &OPTIONS, &mut json).unwrap();
        serde_json::from_slice(&json).unwrap()
    })
}

fn baseline() -> &'static ReportSnapshot {
    static BASELINE: OnceLock<ReportSnapshot> = OnceLock::new();
    BASELINE.get_or_init(|| {
        ReportSnapshot::from_json("old.json", &baseline_json().to_string()).unwrap()
    })
}

/// JSON pointers to every string of the demo's report.
fn report_strings() -> &'static Vec<String> {
    static STRINGS: OnceLock<Vec<String>> = OnceLock::new();
    STRINGS.get_or_init(|| {
        fn walk(v: &Value, at: String, out: &mut Vec<String>) {
            match v {
                Value::String(_) => out.push(at),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, format!("{at}/{i}"), out);
                    }
                }
                Value::Object(map) => {
                    for (k, item) in map {
                        walk(
                            item,
                            format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                            out,
                        );
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(baseline_json(), String::new(), &mut out);
        out
    })
}

/// A configuration whose every free-text value is a payload: owner tag keys, a suppression muting every finding
/// (its reason reaches every format), an expired one and one matching nothing (both listed in the table), and a
/// code-scan ignore rule. Strings are written as JSON strings, which are valid TOML basic strings.
fn hostile_config(p: &[String; 6]) -> String {
    let q = |s: &String| serde_json::to_string(s).unwrap();
    format!(
        "owner_tags = [{}, \"team\"]\n\
         [[suppressions]]\nresource = \"*\"\nreason = {}\n\
         [[suppressions]]\ncheck = \"tracing-off\"\nreason = {}\nexpires = 2020-01-01\n\
         [[suppressions]]\nresource = {}\ntag = {}\nreason = \"nothing\"\n\
         [code_scan]\nignore_paths = [{{ glob = \"vendor/**\", reason = {} }}]\n",
        q(&p[0]),
        q(&p[1]),
        q(&p[2]),
        q(&p[3]),
        q(&p[4]),
        q(&p[5]),
    )
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_format_stays_safe_and_valid_on_hostile_account_data(changes in prop::collection::vec(change(), 1..6)) {
        let mut value = demo().clone();
        // duplicates last, so no later change can make the copy differ from its original
        let (copies, edits): (Vec<&Change>, Vec<&Change>) =
            changes.iter().partition(|c| matches!(c, Change::Duplicate(_)));
        for c in edits.into_iter().chain(copies) {
            apply(&mut value, c);
        }
        let payloads: Vec<String> = changes.iter().filter_map(|c| match c {
            Change::Text(_, p) | Change::Key(_, p) => Some(p.clone()),
            _ => None,
        }).collect();
        let duplicated = changes.iter().any(|c| matches!(c, Change::Duplicate(_)));
        match Inventory::from_json("hostile.json", &value.to_string()) {
            Ok(inventory) => {
                prop_assert!(!duplicated, "an inventory listing a function twice was accepted");
                assert_formats_safe(&inventory, &payloads)
            }
            Err(e) => {
                // refused: one clean line, as main prints it
                let line = render::printable_line(&e.to_string());
                assert_human_safe("error", &line);
                prop_assert!(line.starts_with("hostile.json: "), "{}", line);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// Configurations we did not write: hostile text in every free-text value, through every format.
    #[test]
    fn every_format_stays_safe_and_valid_on_a_hostile_configuration(
        // short: the muting reason is copied into every finding of every format (size is the inventory's test)
        p in [short_payload(), short_payload(), short_payload(), short_payload(), short_payload(), short_payload()]
    ) {
        let text = hostile_config(&p);
        match ValidConfig::from_toml("lp.toml", &text, |id| lambda_posture_checks::catalog::find(id).is_some()) {
            Ok(config) => assert_formats_safe_with(demo_inventory(), &config, &p),
            Err(e) => {
                let line = render::printable_line(&e.to_string());
                assert_human_safe("error", &line);
                prop_assert!(line.starts_with("lp.toml: "), "{}", line);
            }
        }
    }

    /// Reports we did not write: hostile text in any of their strings, through `diff` both ways.
    #[test]
    fn diff_stays_safe_and_valid_on_a_hostile_report(
        edits in prop::collection::vec((any::<prop::sample::Index>(), payload()), 1..6)
    ) {
        let mut value = baseline_json().clone();
        let strings = report_strings();
        for (index, p) in &edits {
            if let Some(v) = value.pointer_mut(&strings[index.index(strings.len())]) {
                *v = Value::String(p.clone());
            }
        }
        match ReportSnapshot::from_json("report.json", &value.to_string()) {
            Ok(report) => assert_diff_safe(baseline(), &report),
            Err(e) => {
                let line = render::printable_line(&e.to_string());
                assert_human_safe("error", &line);
                prop_assert!(line.starts_with("report.json: "), "{}", line);
            }
        }
    }
}

#[test]
fn the_demo_itself_renders_safely() {
    let inventory = Inventory::from_json("demo", &demo().to_string()).unwrap();
    assert_formats_safe(&inventory, &[]);
}

#[test]
fn a_thousand_copies_of_a_function_name_payload_in_every_string_field_at_once() {
    // every string field hostile in the same inventory (not one at a time)
    let mut value = demo().clone();
    let payload = "\u{202E}\u{1b}[31m<b>=1</b>\u{200B}";
    for (i, at) in targets().strings.iter().enumerate() {
        if let Some(v) = value.pointer_mut(at) {
            *v = Value::String(format!("{payload}{i}"));
        }
    }
    match Inventory::from_json("all.json", &value.to_string()) {
        Ok(inventory) => assert_formats_safe(&inventory, &[payload.to_string()]),
        Err(e) => assert_human_safe("error", &render::printable_line(&e.to_string())),
    }
}

#[test]
fn blank_tag_values_stay_importable_to_security_hub() {
    // AWS allows an empty tag value (`team=""`); Security Hub refuses a blank string anywhere in a finding
    let mut value = demo().clone();
    let mut blanked = 0;
    for (i, at) in targets().strings.iter().enumerate() {
        if at.contains("/tags/") {
            if let Some(v) = value.pointer_mut(at) {
                *v = Value::String(if i % 2 == 0 { "" } else { " \t" }.to_string());
                blanked += 1;
            }
        }
    }
    assert!(blanked > 0, "the demo has tags");
    let inventory = Inventory::from_json("blank.json", &value.to_string()).unwrap();
    let report = engine::evaluate(&inventory, &ValidConfig::default());
    let mut out = Vec::new();
    render::render_to(ReportFormat::Asff, &report, &OPTIONS, &mut out).unwrap();
    let findings: Vec<Value> = serde_json::from_slice(&out).unwrap();
    assert!(!findings.is_empty());
    for finding in &findings {
        assert_eq!(security_hub_violations(finding), Vec::<String>::new());
    }
}
