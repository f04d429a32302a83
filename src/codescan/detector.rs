//! The adapter to the secret detector of the checks crate (`lambda_posture_checks::secrets::scan_text`): the one
//! place that knows its types.
//!
//! INTERIM until the `secrets` branch lands `scan_text`: a few token rules with the same masking, so the scanner
//! can be built and tested end to end. Replace the body of [`checks_detector`] with the call below and delete
//! `interim` when merging:
//! `lambda_posture_checks::secrets::scan_text(text).into_iter().map(|h| Hit { line: h.line, rule_id: h.rule_id,
//! masked_preview: h.masked_preview }).collect()`

use super::Hit;

/// Every credential in `text`, as the checks crate's detector sees it.
pub fn checks_detector(text: &str) -> Vec<Hit> {
    interim::scan_text(text)
}

mod interim {
    use std::sync::OnceLock;

    use regex::Regex;

    use super::Hit;

    const RULES: &[(&str, &str)] = &[
        ("aws-access-key-id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("private-key", r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
        ("github-token", r"\bgh[pousr]_[0-9A-Za-z]{36}\b"),
        ("slack-token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
        ("stripe-key", r"\b[sr]k_live_[0-9A-Za-z]{20,}"),
        ("url-password", r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]{3,}@[^\s/]+"),
    ];

    fn rules() -> &'static Vec<(&'static str, Regex)> {
        static COMPILED: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
        COMPILED.get_or_init(|| RULES.iter().map(|(id, re)| (*id, Regex::new(re).expect("valid rule"))).collect())
    }

    pub fn scan_text(text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (number, line) in text.lines().enumerate() {
            for (id, re) in rules() {
                if let Some(m) = re.find(line) {
                    hits.push(Hit { line: number as u32 + 1, rule_id: id.to_string(), masked_preview: mask(m.as_str()) });
                }
            }
        }
        hits
    }

    fn mask(value: &str) -> String {
        let len = value.chars().count();
        let shown: String = value.chars().take((len / 4).min(4)).collect();
        format!("{shown}…({len} chars)")
    }
}
