//! Finding credentials in a text: token rules anywhere, named rules on the `key = "value"` assignments of many
//! languages and config formats (.env, YAML, JSON, TOML, INI, properties, XML), and an AWS secret access key on the
//! lines next to an access key id. Overlapping generic findings give way to specific ones.

use regex::Captures;

use super::rules::{self, Hit};
use super::validators;
use crate::inventory::SecretDetection;

/// Every credential in `text`, sorted by position, without duplicates.
pub fn find_all(text: &str) -> Vec<Hit> {
    let mut hits = rules::find_anywhere(text);
    for (key, start, end) in assignments(text) {
        for mut hit in rules::find_named(key, &text[start..end]) {
            hit.span = hit.span.start + start..hit.span.end + start;
            hits.push(hit);
        }
    }
    aws_secrets_next_to_key_ids(text, &mut hits);
    settle(hits)
}

/// Drop exact duplicates, and generic hits overlapping a specific hit or an earlier generic rule's hit (a password
/// is reported as `generic-password`, not also as `generic-secret`); sort by position.
pub fn settle(mut hits: Vec<Hit>) -> Vec<Hit> {
    let winners: Vec<(std::ops::Range<usize>, bool, usize)> = hits
        .iter()
        .map(|h| (h.span.clone(), h.rule.generic, h.rule.order))
        .collect();
    hits.retain(|h| {
        !h.rule.generic
            || !winners.iter().any(|(span, generic, order)| {
                let overlaps = span.start < h.span.end && h.span.start < span.end;
                overlaps && (!generic || *order < h.rule.order)
            })
    });
    hits.sort_by(|a, b| (a.span.start, &a.rule.id).cmp(&(b.span.start, &b.rule.id)));
    hits.dedup_by(|a, b| a.rule.id == b.rule.id && a.span == b.span);
    hits
}

/// `(key, value start, value end)` of every assignment found in `text`.
fn assignments(text: &str) -> Vec<(&str, usize, usize)> {
    let mut found = Vec::new();
    quoted_assignments(text, &mut found);
    for caps in regex!(
        r#"(?m)^[ \t]*(?:(?:export|ENV|ARG|set|SET)[ \t]+)?(?:-[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*[=:][ \t]*(?P<value>[^\s"'`#;,(){}\[\]<>]+)[ \t]*(?:[#;].*)?\r?$"#
    )
    .captures_iter(text)
    {
        push_capture(&caps, &mut found);
    }
    for caps in regex!(
        r"<(?P<key>[A-Za-z_][\w.\-]*)>(?P<value>[^<\s]{1,512})</(?P<close>[A-Za-z_][\w.\-]*)>"
    )
    .captures_iter(text)
    {
        if caps["key"] == caps["close"] {
            push_capture(&caps, &mut found);
        }
    }
    found
}

fn push_capture<'t>(caps: &Captures<'t>, found: &mut Vec<(&'t str, usize, usize)>) {
    if let (Some(key), Some(value)) = (caps.name("key"), caps.name("value")) {
        found.push((key.as_str(), value.start(), value.end()));
    }
}

/// `key = "value"`, `"key": 'value'`, `key := "value"`, `:key => "value"`, `key="value"` in code, JSON, YAML, TOML:
/// the value runs to the matching quote on the same line (backslash escapes skipped).
fn quoted_assignments<'t>(text: &'t str, found: &mut Vec<(&'t str, usize, usize)>) {
    let opener = regex!(
        r#"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["'`]?[ \t]*(?:=>|:=|\?\?=|\|\|=|=|:)[ \t]*[rRbBuUfF]{0,2}(?P<quote>["'`])"#
    );
    let mut pos = 0;
    while let Some(caps) = opener.captures_at(text, pos) {
        let (Some(key), Some(quote)) = (caps.name("key"), caps.name("quote")) else {
            break;
        };
        let start = quote.end();
        match closing_quote(text, start, quote.as_str().as_bytes()[0]) {
            Some(end) => {
                found.push((key.as_str(), start, end));
                pos = end + 1;
            }
            None => pos = start,
        }
    }
}

fn closing_quote(text: &str, start: usize, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A 40-character base64 value within two lines of an AWS access key id is its secret access key (CSV credential
/// exports, `credentials` files with unusual key names, code passing both positionally).
fn aws_secrets_next_to_key_ids(text: &str, hits: &mut Vec<Hit>) {
    let rule = rules::by_id("aws-secret-access-key");
    let key_ids: Vec<usize> = hits
        .iter()
        .filter(|h| h.rule.id == "aws-access-key-id")
        .map(|h| h.span.start)
        .collect();
    let candidate =
        regex!(r"(?:^|[^A-Za-z0-9/+=])(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)");
    for at in key_ids {
        let window_start = nth_line_boundary_before(text, at, 3);
        let window_end = nth_line_boundary_after(text, at, 3);
        let window = &text[window_start..window_end];
        for caps in candidate.captures_iter(window) {
            if let Some(confirmed) = validators::confirm(rule.validator, &caps, window) {
                let span = confirmed.span.start + window_start..confirmed.span.end + window_start;
                hits.push(Hit {
                    rule,
                    span,
                    preview: confirmed.preview,
                });
            }
        }
    }
}

/// The AWS secret access key a whole value is, if it is one (40 base64 characters, random-looking).
pub fn aws_secret_value(value: &str) -> Option<SecretDetection> {
    let rule = rules::by_id("aws-secret-access-key");
    let caps = regex!(r"^(?P<secret>[A-Za-z0-9/+]{40})$").captures(value)?;
    let confirmed = validators::confirm(rule.validator, &caps, value)?;
    Some(SecretDetection {
        rule_id: rule.id.clone(),
        description: rule.description.clone(),
        masked_preview: confirmed.preview,
    })
}

fn nth_line_boundary_before(text: &str, at: usize, lines: usize) -> usize {
    let mut start = at;
    for _ in 0..lines {
        match text[..start].rfind('\n') {
            Some(i) => start = i,
            None => return 0,
        }
    }
    start + 1
}

fn nth_line_boundary_after(text: &str, at: usize, lines: usize) -> usize {
    let mut end = at;
    for _ in 0..lines {
        match text[end..].find('\n') {
            Some(i) => end += i + 1,
            None => return text.len(),
        }
    }
    end
}

/// 1-based line numbers of byte offsets.
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    pub fn line_of(&self, offset: usize) -> u32 {
        let line = self.newlines.partition_point(|&nl| nl < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}
