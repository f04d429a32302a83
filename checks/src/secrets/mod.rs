//! The secret detector: classifies environment variable values at collection time (so values are never stored) and
//! finds hard-coded credentials in source text (`--scan-code`).
//!
//! Rules are data (`checks/data/secret-rules.toml`, embedded): each has an id, a description, a regex, an optional
//! validator and positive and negative examples that a unit test runs. Two kinds:
//! - token rules find a credential with a recognisable shape anywhere (AWS key ids, private key blocks, JWTs,
//!   GitHub/GitLab/Slack/Stripe/npm/PyPI/OpenAI/Google/SendGrid/Twilio tokens, URLs and connection strings with
//!   passwords…);
//! - named rules look at a value only under a secret-like name (`DB_PASSWORD`, `apiKey`, `aws_secret_access_key`):
//!   the AWS secret access key and the generic password / high-entropy rules.
//!
//! Before and around the rules, filters drop what other scanners are blamed for: placeholders (`changeme`,
//! `${VAR}`, `{{…}}`, `<your-key>`, `xxx`, AWS's `AKIAIOSFODNN7EXAMPLE`), secret-store references (ARNs, `{{resolve:…}}`,
//! parameter paths), booleans, numbers, paths, UUIDs, URLs without credentials, hostnames, dates, versions, base64 of
//! text, code identifiers. The host of a URL never decides: a password to `db.internal.example` or `127.0.0.1` is
//! still a password.
//!
//! Nothing here keeps or prints a value: results carry rule ids and [`mask`]ed previews only, and no type holding a
//! value derives `Debug`.

/// A regex compiled once, on first use.
macro_rules! regex {
    ($re:expr) => {{
        static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        RE.get_or_init(|| regex::Regex::new($re).expect("valid built-in regex"))
    }};
}

mod entropy;
mod names;
mod rules;
mod text;
mod validators;
mod values;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod testgen;

use serde::Serialize;

use crate::inventory::{EnvVar, SecretDetection, ValueKind};

pub use names::is_secret_name;

/// A credential found in a text: where, which rule, and a masked preview. Never the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TextHit {
    /// 1-based line where the credential starts.
    pub line: u32,
    /// The rule that matched.
    pub rule_id: String,
    /// The credential masked: a few leading characters and its length, never enough to use it.
    pub masked_preview: String,
}

/// Classify one environment variable at collection time: the value's kind and length and what the rules found in
/// it. The value itself is not kept.
///
/// A value the rules recognise as a credential is a [`ValueKind::Literal`] whatever its shape (a Slack webhook is a
/// URL, yet a secret). Besides `Placeholder`'s documented meaning, shapes that no credential has (URLs without
/// credentials, hostnames, e-mail and IP addresses, dates, versions, ARNs of ordinary resources) are `Placeholder`
/// too; paths and names of secrets (`/prod/db/password`, `payments-api-secret`) and KMS ciphertexts are
/// `SecretReference`.
pub fn classify_env_var(name: &str, value: &str) -> EnvVar {
    let mut value_kind = values::value_kind(value);
    let detections =
        if value_kind == ValueKind::Empty || values::is_explicit_reference(value.trim()) {
            Vec::new()
        } else {
            detect_in_value(name, value)
        };
    if !detections.is_empty() {
        value_kind = ValueKind::Literal;
    }
    EnvVar {
        name: name.to_string(),
        value_kind,
        value_length: value.chars().count(),
        detections,
    }
}

/// Classify all the environment variables of one function. Same as [`classify_env_var`] on each, plus one thing a
/// single variable cannot show: a 40-character base64 value in a variable next to one holding an AWS access key id
/// is that key's secret access key, whatever its name (`BACKUP_KEY_ID` + `BACKUP_KEY2`).
pub fn classify_environment<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<EnvVar> {
    let vars: Vec<(&str, &str)> = vars.into_iter().collect();
    let mut classified: Vec<EnvVar> = vars
        .iter()
        .map(|(name, value)| classify_env_var(name, value))
        .collect();
    let has_key_id = classified.iter().any(|v| {
        v.detections
            .iter()
            .any(|d| d.rule_id == "aws-access-key-id")
    });
    if !has_key_id {
        return classified;
    }
    for (var, (_, value)) in classified.iter_mut().zip(&vars) {
        if let Some(detection) = text::aws_secret_value(value.trim()) {
            var.detections
                .retain(|d| d.rule_id != "generic-secret" && d.rule_id != detection.rule_id);
            var.detections.insert(0, detection);
            var.value_kind = ValueKind::Literal;
        }
    }
    classified
}

/// What the rules find in one value held by `name`: token rules and assignments inside it (a JSON value, a
/// connection string) plus the named rules on the whole value. One detection per rule.
fn detect_in_value(name: &str, value: &str) -> Vec<SecretDetection> {
    let trimmed = value.trim();
    let offset = value.len() - value.trim_start().len();
    let mut hits = text::find_all(value);
    for mut hit in rules::find_named(name, trimmed) {
        hit.span = hit.span.start + offset..hit.span.end + offset;
        hits.push(hit);
    }
    let mut detections: Vec<SecretDetection> = Vec::new();
    for hit in text::settle(hits) {
        if !detections.iter().any(|d| d.rule_id == hit.rule.id) {
            detections.push(SecretDetection {
                rule_id: hit.rule.id.clone(),
                description: hit.rule.description.clone(),
                masked_preview: hit.preview,
            });
        }
    }
    detections
}

/// Every credential in a source or config file: multi-line private keys, tokens, `key = "value"` assignments in
/// many languages, .env, JSON, YAML. One hit per line and rule, sorted by line.
pub fn scan_text(text: &str) -> Vec<TextHit> {
    let lines = text::LineIndex::new(text);
    let mut hits: Vec<TextHit> = text::find_all(text)
        .into_iter()
        .map(|hit| TextHit {
            line: lines.line_of(hit.span.start),
            rule_id: hit.rule.id.clone(),
            masked_preview: hit.preview,
        })
        .collect();
    hits.sort();
    hits.dedup_by(|a, b| a.line == b.line && a.rule_id == b.rule_id);
    hits
}

/// A preview that cannot be used to recover a secret: at most 4 leading characters, never more than a quarter of
/// the value, plus its length (`AKIA…(20 chars)`).
pub fn mask(value: &str) -> String {
    let len = value.chars().count();
    let shown: String = value.chars().take((len / 4).min(4)).collect();
    format!("{shown}…({len} chars)")
}

/// Whether `preview` has the shape [`mask`] produces. Checks use it before printing a preview read from an
/// inventory file, which may have been written by something else.
pub fn is_masked(preview: &str) -> bool {
    let Some(caps) = regex!(r"^(?P<shown>[^…]*)…\((?P<len>\d+) chars\)$").captures(preview)
    else {
        return false;
    };
    let shown = caps["shown"].chars().count();
    let len: usize = caps["len"].parse().unwrap_or(0);
    shown <= 4 && shown <= len / 4
}

/// The description of a rule (`github-token` → "GitHub token (…)"), for messages about stored findings.
pub fn rule_description(rule_id: &str) -> Option<&'static str> {
    rules::all()
        .iter()
        .find(|r| r.id == rule_id)
        .map(|r| r.description.as_str())
}

/// Ids and descriptions of every rule, in file order (for documentation and `--list-rules` style output).
pub fn rule_ids() -> Vec<(&'static str, &'static str)> {
    rules::all()
        .iter()
        .map(|r| (r.id.as_str(), r.description.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_shows_at_most_four_chars_and_a_quarter() {
        assert_eq!(mask("AKIAABCDEFGHIJKLMNOP"), "AKIA…(20 chars)");
        assert_eq!(mask("abcdefgh"), "ab…(8 chars)");
        assert_eq!(mask("abc"), "…(3 chars)");
        assert_eq!(mask(""), "…(0 chars)");
        assert_eq!(mask("ÄÖÜßäöüé"), "ÄÖ…(8 chars)");
        for v in ["a", "abcd", "abcdefghijklmnopqrstuvwxyz0123456789"] {
            assert!(is_masked(&mask(v)), "{v}");
        }
        assert!(!is_masked("hunter2hunter2"));
        assert!(!is_masked("abcdefgh…(8 chars)"));
    }

    #[test]
    fn classify_keeps_no_value_and_no_value_in_debug() {
        let value = testgen::expand("ghp_[[an:36]]");
        let var = classify_env_var("GITHUB_TOKEN", &value);
        assert_eq!(var.value_kind, ValueKind::Literal);
        assert_eq!(var.value_length, 40);
        assert_eq!(var.detections.len(), 1);
        assert_eq!(var.detections[0].rule_id, "github-token");
        assert_eq!(var.detections[0].masked_preview, "ghp_…(40 chars)");
        let debug = format!("{var:?}");
        let json = serde_json::to_string(&var).unwrap();
        assert!(!debug.contains(&value[4..]) && !json.contains(&value[4..]));
    }

    #[test]
    fn env_values_by_kind() {
        assert_eq!(
            classify_env_var("DB_PASSWORD", "").value_kind,
            ValueKind::Empty
        );
        assert_eq!(
            classify_env_var("DB_PASSWORD", "changeme").value_kind,
            ValueKind::Placeholder
        );
        let reference = classify_env_var(
            "DB_SECRET_ARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123",
        );
        assert_eq!(reference.value_kind, ValueKind::SecretReference);
        assert!(reference.detections.is_empty());
        let webhook =
            testgen::expand("https://hooks.slack.com/services/T[[AN:10]]/B[[AN:10]]/[[an:24]]");
        let var = classify_env_var("ALERTS", &webhook);
        assert_eq!(var.value_kind, ValueKind::Literal);
        assert_eq!(var.detections[0].rule_id, "slack-webhook");
    }

    #[test]
    fn a_secret_key_next_to_a_key_id_is_found_whatever_its_name() {
        let key_id = testgen::expand("AKIA[[b32:16]]");
        let secret = testgen::expand("[[b64:40]]");
        let hash = testgen::expand_seeded("[[b64:40]]", "not next to a key id");
        let vars = classify_environment([
            ("BACKUP_KEY_ID", key_id.as_str()),
            ("BACKUP_KEY2", secret.as_str()),
            ("REGION", "eu-west-1"),
        ]);
        assert_eq!(vars[1].detections[0].rule_id, "aws-secret-access-key");
        assert_eq!(vars[1].value_kind, ValueKind::Literal);
        assert!(vars[2].detections.is_empty());
        let alone = classify_environment([("BACKUP_KEY2", hash.as_str())]);
        assert!(
            alone[0].detections.is_empty(),
            "without a key id, a 40-character value under a plain name is not a secret"
        );
    }

    #[test]
    fn text_hits_have_lines_and_no_duplicates() {
        let key = format!("AKIA{}", "QWERTYUIOPASDFGH");
        let text = format!("line one\n[default]\naws_access_key_id = {key}\nregion = us-east-1\n");
        let hits = scan_text(&text);
        assert_eq!(
            hits,
            vec![TextHit {
                line: 3,
                rule_id: "aws-access-key-id".into(),
                masked_preview: "AKIA…(20 chars)".into()
            }]
        );
    }
}
