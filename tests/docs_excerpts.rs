//! The report samples in docs/reports.md (and the README's) are regenerated from the recorded demo inventory and
//! compared, so they cannot drift from the binary's output. Rewrite them with
//! `LP_UPDATE_DOCS=1 cargo test --test docs_excerpts`.
//!
//! A sample is a fenced block right under a marker line `<!-- generated: ARGS | SELECTOR -->`. ARGS are the arguments
//! of `lambda-posture` (split on spaces, run with `NO_COLOR=1` into a pipe) from the repository root; `diff` samples
//! run where `old.json` (the demo's report) and `new.json` (the demo with DIFF_FIXED's tracing turned on and
//! DIFF_DELETED deleted) are. SELECTOR cuts the output down to an excerpt:
//! - `head N` (the first N lines) and `from N TEXT` (N lines from the first one that starts with TEXT), several
//!   separated by ` ; ` and joined by a `…` line;
//! - `json [items=N] [items.KEY=N]… [chars=N] [elide=KEY]…`: the JSON output, pretty-printed, with every array cut to
//!   its first N items (default 1; `items.KEY` for the arrays under KEY) followed by `"…"`, every string longer than
//!   `chars` cut and ended with `…`, and the value of every KEY in `elide` replaced by `"…"`.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// The documents with generated samples, and how many each has at least.
const DOCS: &[(&str, usize)] = &[("docs/reports.md", 2), ("README.md", 1)];
const MARKER_START: &str = "<!-- generated: ";
const MARKER_END: &str = " -->";
const ELLIPSIS: &str = "…";
const DEMO: &str = "mocks/demo-account.json";
/// The change the `diff` samples show: one function fixed (tracing turned on), one deleted.
const DIFF_FIXED: &str = "search-indexer";
const DIFF_DELETED: &str = "notify-slack";

#[test]
fn report_samples_match_the_demo() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (doc_name, at_least) in DOCS {
        let path = root.join(doc_name);
        let doc = std::fs::read_to_string(&path).unwrap();
        let (regenerated, stale) = regenerate(doc_name, &doc, root);
        assert!(
            regenerated.len() >= *at_least,
            "no generated sample found in {doc_name}"
        );
        if std::env::var_os("LP_UPDATE_DOCS").is_some_and(|v| !v.is_empty()) {
            std::fs::write(&path, rebuild(&doc, &regenerated)).unwrap();
            continue;
        }
        assert!(
            stale.is_empty(),
            "{doc_name}: the samples under {stale:?} differ from the binary's output on the demo; \
             rewrite them with `LP_UPDATE_DOCS=1 cargo test --test docs_excerpts` and review the diff"
        );
    }
}

/// One generated block: the line range of its body in the document and the body it should have.
struct Sample {
    body_lines: std::ops::Range<usize>,
    expected: String,
}

/// Every marked sample of the document, regenerated, and the markers whose body differs.
fn regenerate(doc_name: &str, doc: &str, root: &Path) -> (Vec<Sample>, Vec<String>) {
    let lines: Vec<&str> = doc.lines().collect();
    let mut samples = Vec::new();
    let mut stale = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(spec) = line
            .strip_prefix(MARKER_START)
            .and_then(|l| l.strip_suffix(MARKER_END))
        else {
            continue;
        };
        let open = lines.get(i + 1).copied().unwrap_or_default();
        assert!(
            open.starts_with("```"),
            "{doc_name}:{}: a generated marker must be followed by a fence",
            i + 1
        );
        let close = (i + 2..lines.len())
            .find(|&j| lines[j] == "```")
            .unwrap_or_else(|| panic!("{doc_name}:{}: unclosed fence", i + 2));
        let expected = excerpt(spec, root);
        if lines[i + 2..close].join("\n") != expected {
            stale.push(spec.to_string());
        }
        samples.push(Sample {
            body_lines: i + 2..close,
            expected,
        });
    }
    (samples, stale)
}

/// The document with each sample's body replaced by its regenerated text.
fn rebuild(doc: &str, samples: &[Sample]) -> String {
    let lines: Vec<&str> = doc.lines().collect();
    let mut out = Vec::new();
    let mut next = 0;
    for sample in samples {
        out.extend(
            lines[next..sample.body_lines.start]
                .iter()
                .map(|l| l.to_string()),
        );
        out.push(sample.expected.clone());
        next = sample.body_lines.end;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    out.join("\n") + "\n"
}

/// Runs the marker's command and applies its selector.
fn excerpt(spec: &str, root: &Path) -> String {
    let (args, selector) = spec
        .split_once(" | ")
        .unwrap_or_else(|| panic!("marker `{spec}` has no `| SELECTOR`"));
    // `diff` runs where `old.json` and `new.json` are: the demo's report and the report of a changed demo.
    let diff_dir = args.starts_with("diff ").then(|| diff_reports(root));
    let output = Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
        .args(args.split_whitespace())
        .current_dir(diff_dir.as_ref().map_or(root, |d| d.path()))
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "`lambda-posture {args}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(options) = selector.strip_prefix("json") {
        let cut = Cut::parse(options.split_whitespace());
        let mut value: Json = serde_json::from_str(&stdout).unwrap();
        cut.apply(&mut value, None);
        return serde_json::to_string_pretty(&value).unwrap();
    }
    let lines: Vec<&str> = stdout.lines().collect();
    let pieces: Vec<String> = selector
        .split(" ; ")
        .map(|piece| {
            lines_of(&lines, piece)
                .unwrap_or_else(|| panic!("marker `{spec}`: bad selector `{piece}`"))
        })
        .collect();
    pieces.join(&format!("\n{ELLIPSIS}\n"))
}

/// A directory with `old.json`, the demo's JSON report, and `new.json`, the report after a change: DIFF_FIXED's
/// tracing turned on and DIFF_DELETED deleted.
fn diff_reports(root: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let demo = root.join(DEMO);
    let mut inventory: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo).unwrap()).unwrap();
    let functions = inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap();
    let count = functions.len();
    functions.retain(|f| f["name"] != DIFF_DELETED);
    assert_eq!(
        functions.len(),
        count - 1,
        "{DIFF_DELETED} is not in the demo"
    );
    let fixed = functions
        .iter_mut()
        .find(|f| f["name"] == DIFF_FIXED)
        .expect("DIFF_FIXED is in the demo");
    fixed["tracing_mode"] = "Active".into();
    let changed = dir.path().join("changed-inventory.json");
    std::fs::write(&changed, serde_json::to_string(&inventory).unwrap()).unwrap();
    for (inventory, report) in [
        (demo.as_path(), "old.json"),
        (changed.as_path(), "new.json"),
    ] {
        let status = Command::new(env!("CARGO_BIN_EXE_lambda-posture"))
            .args([
                "scan",
                "--format",
                "json",
                "--output",
                report,
                "--inventory",
            ])
            .arg(inventory)
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "scan of {} failed", inventory.display());
    }
    dir
}

/// `head N` (the first N lines) or `from N TEXT` (N lines from the first one starting with TEXT) of the output.
fn lines_of(lines: &[&str], piece: &str) -> Option<String> {
    let mut words = piece.splitn(3, ' ');
    let (verb, n) = (words.next()?, words.next()?.parse::<usize>().ok()?);
    let start = match (verb, words.next()) {
        ("head", None) => 0,
        ("from", Some(text)) => lines.iter().position(|l| l.starts_with(text))?,
        _ => return None,
    };
    Some(
        lines[start..]
            .iter()
            .take(n)
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// How a JSON output is cut down to an excerpt.
struct Cut {
    items: usize,
    items_by_key: HashMap<String, usize>,
    chars: usize,
    elide: Vec<String>,
}

impl Cut {
    fn parse<'a>(words: impl Iterator<Item = &'a str>) -> Cut {
        let mut cut = Cut {
            items: 1,
            items_by_key: HashMap::new(),
            chars: usize::MAX,
            elide: Vec::new(),
        };
        for word in words {
            let (key, value) = word
                .split_once('=')
                .unwrap_or_else(|| panic!("json option `{word}`: KEY=VALUE"));
            let number = || {
                value
                    .parse::<usize>()
                    .unwrap_or_else(|_| panic!("json option `{word}`: not a number"))
            };
            match key {
                "items" => cut.items = number(),
                "chars" => cut.chars = number(),
                "elide" => cut.elide.push(value.to_string()),
                _ => match key.strip_prefix("items.") {
                    Some(array) => {
                        cut.items_by_key.insert(array.to_string(), number());
                    }
                    None => panic!("json option `{word}`: unknown"),
                },
            }
        }
        cut
    }

    /// Cuts `value`, found under `key` (None at the top level).
    fn apply(&self, value: &mut Json, key: Option<&str>) {
        match value {
            Json::Array(items) => {
                let keep = key
                    .and_then(|k| self.items_by_key.get(k))
                    .copied()
                    .unwrap_or(self.items);
                if items.len() > keep {
                    items.truncate(keep);
                    items.push(Json::ellipsis());
                }
                for item in items.iter_mut().take(keep) {
                    self.apply(item, key);
                }
            }
            Json::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if self.elide.iter().any(|e| e == k) {
                        *v = Json::ellipsis();
                    } else {
                        self.apply(v, Some(k));
                    }
                }
            }
            Json::Scalar(serde_json::Value::String(s)) if s.chars().count() > self.chars => {
                *s = s.chars().take(self.chars).collect::<String>() + ELLIPSIS;
            }
            Json::Scalar(_) => {}
        }
    }
}

/// A JSON value that keeps its keys in the order the report wrote them (serde_json's `Value` sorts them).
enum Json {
    Scalar(serde_json::Value),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn ellipsis() -> Json {
        Json::Scalar(serde_json::Value::String(ELLIPSIS.to_string()))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Scalar(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Scalar(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Scalar(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Scalar(v.into()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Scalar(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Scalar(serde_json::Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Json::Object(entries))
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Scalar(v) => v.serialize(serializer),
            Json::Array(items) => serializer.collect_seq(items),
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}
