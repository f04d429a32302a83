//! GitHub code scanning's upload rules for SARIF, as its "SARIF support for code scanning" page documents them
//! (docs.github.com, code-security/reference/code-scanning/sarif-files/sarif-support): the properties it requires,
//! its upload limits, and what it does with fingerprints and `security-severity`. The OASIS schema says whether a
//! file is SARIF; this says whether GitHub takes it and turns each result into a useful alert.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Write};

use serde_json::Value;

/// Upload limits (the page's "Upload limits" table): past these the upload is refused.
pub const MAX_RUNS: usize = 20;
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
pub const MAX_RULES_PER_RUN: usize = 25_000;
pub const MAX_TOOL_EXTENSIONS: usize = 100;
pub const MAX_LOCATIONS_PER_RESULT: usize = 1_000;
pub const MAX_THREAD_FLOW_LOCATIONS: usize = 10_000;
pub const MAX_TAGS_PER_RULE: usize = 20;
/// `reportingDescriptor.fullDescription.text`: longer descriptions are refused.
pub const MAX_FULL_DESCRIPTION: usize = 1_024;
/// "For each gzip-compressed SARIF file, SARIF upload supports a maximum size of 10 MB": read as 10,000,000 bytes,
/// the stricter meaning.
pub const MAX_GZIP_BYTES: usize = 10_000_000;
/// The levels a result or a rule's default configuration may have.
pub const LEVELS: [&str; 4] = ["none", "note", "warning", "error"];

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.trim().is_empty())
}

/// The upload-size rule, on the file as written: refused when it is over [`MAX_GZIP_BYTES`] gzip-compressed. Measured
/// as a zip of it (DEFLATE at the default level, gzip's own; the zip's headers make it an upper bound of the gzip).
pub fn upload_size_errors(file: &[u8]) -> Vec<String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(file.len() > u32::MAX as usize);
    zip.start_file("results.sarif", options).unwrap();
    zip.write_all(file).unwrap();
    let compressed = zip.finish().unwrap().into_inner().len();
    if compressed > MAX_GZIP_BYTES {
        vec![format!(
            "the file is {compressed} bytes gzip-compressed (at most {MAX_GZIP_BYTES})"
        )]
    } else {
        Vec::new()
    }
}

/// Everything in `sarif` that GitHub code scanning refuses or cannot use, one line each (empty: uploadable).
pub fn github_errors(sarif: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if sarif["version"] != "2.1.0" {
        errors.push(format!(
            "version: {} (GitHub takes SARIF 2.1.0 only)",
            sarif["version"]
        ));
    }
    let Some(runs) = sarif["runs"].as_array() else {
        errors.push("runs: missing (required, may be empty)".into());
        return errors;
    };
    if runs.len() > MAX_RUNS {
        errors.push(format!(
            "runs: {} (at most {MAX_RUNS} per file)",
            runs.len()
        ));
    }
    for (r, run) in runs.iter().enumerate() {
        let at = format!("runs[{r}]");
        let driver = &run["tool"]["driver"];
        if text(&driver["name"]).is_none() {
            errors.push(format!("{at}.tool.driver.name: required"));
        }
        if run["tool"]["extensions"].as_array().map_or(0, Vec::len) > MAX_TOOL_EXTENSIONS {
            errors.push(format!(
                "{at}.tool.extensions: more than {MAX_TOOL_EXTENSIONS}"
            ));
        }
        let rules = driver["rules"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if rules.len() > MAX_RULES_PER_RUN {
            errors.push(format!(
                "{at}: {} rules (at most {MAX_RULES_PER_RUN})",
                rules.len()
            ));
        }
        let mut rule_ids: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let rat = format!("{at}.tool.driver.rules[{i}]");
            match text(&rule["id"]) {
                Some(id) => {
                    if rule_ids.insert(id, i).is_some() {
                        errors.push(format!("{rat}.id: `{id}` appears twice"));
                    }
                }
                None => errors.push(format!("{rat}.id: required")),
            }
            if text(&rule["shortDescription"]["text"]).is_none() {
                errors.push(format!("{rat}.shortDescription.text: required"));
            }
            match text(&rule["fullDescription"]["text"]) {
                None => errors.push(format!("{rat}.fullDescription.text: required")),
                Some(t) if t.chars().count() > MAX_FULL_DESCRIPTION => errors.push(format!(
                    "{rat}.fullDescription.text: {} characters (at most {MAX_FULL_DESCRIPTION})",
                    t.chars().count()
                )),
                Some(_) => {}
            }
            if text(&rule["help"]["text"]).is_none() {
                errors.push(format!("{rat}.help.text: required"));
            }
            let level = &rule["defaultConfiguration"]["level"];
            if !level.is_null() && !LEVELS.contains(&level.as_str().unwrap_or("")) {
                errors.push(format!("{rat}.defaultConfiguration.level: {level}"));
            }
            let tags: Vec<&str> = rule["properties"]["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if tags.len() > MAX_TAGS_PER_RULE {
                errors.push(format!(
                    "{rat}.properties.tags: {} (at most {MAX_TAGS_PER_RULE})",
                    tags.len()
                ));
            }
            let severity = &rule["properties"]["security-severity"];
            if !severity.is_null() {
                // A number in a string, above 0.0 (a score of 0.0 gives no severity) and at most 10.0; it is read
                // only for security rules.
                match severity.as_str().and_then(|s| s.parse::<f64>().ok()) {
                    Some(score) if score > 0.0 && score <= 10.0 => {}
                    _ => errors.push(format!(
                        "{rat}.properties.security-severity: {severity} (a string holding a number in (0.0, 10.0])"
                    )),
                }
                if !tags.contains(&"security") {
                    errors.push(format!(
                        "{rat}: security-severity without the `security` tag is ignored"
                    ));
                }
            }
        }
        let results = run["results"].as_array();
        if results.is_none() {
            errors.push(format!("{at}.results: required"));
        }
        let results = results.map(Vec::as_slice).unwrap_or(&[]);
        if results.len() > MAX_RESULTS_PER_RUN {
            errors.push(format!(
                "{at}: {} results (at most {MAX_RESULTS_PER_RUN})",
                results.len()
            ));
        }
        let mut alerts: HashSet<(String, String, String)> = HashSet::new();
        for (i, result) in results.iter().enumerate() {
            let rat = format!("{at}.results[{i}]");
            match text(&result["ruleId"]) {
                None => errors.push(format!("{rat}.ruleId: required")),
                Some(id) if !rule_ids.contains_key(id) => {
                    errors.push(format!("{rat}.ruleId: `{id}` is not in tool.driver.rules"))
                }
                Some(id) => {
                    if let Some(index) = result["ruleIndex"].as_u64() {
                        if rule_ids[id] != index as usize {
                            errors.push(format!(
                                "{rat}.ruleIndex: {index} is not the index of `{id}`"
                            ));
                        }
                    }
                }
            }
            if text(&result["message"]["text"]).is_none() {
                errors.push(format!("{rat}.message.text: required"));
            }
            let level = &result["level"];
            if !level.is_null() && !LEVELS.contains(&level.as_str().unwrap_or("")) {
                errors.push(format!("{rat}.level: {level}"));
            }
            let locations = result["locations"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if locations.is_empty() {
                errors.push(format!(
                    "{rat}.locations: required (one physical location at least)"
                ));
            }
            if locations.len() > MAX_LOCATIONS_PER_RESULT {
                errors.push(format!(
                    "{rat}.locations: {} (at most {MAX_LOCATIONS_PER_RESULT})",
                    locations.len()
                ));
            }
            for (l, location) in locations.iter().enumerate() {
                let lat = format!("{rat}.locations[{l}].physicalLocation");
                let physical = &location["physicalLocation"];
                match text(&physical["artifactLocation"]["uri"]) {
                    None => errors.push(format!("{lat}.artifactLocation.uri: required")),
                    Some(uri) => {
                        if uri.starts_with('/')
                            || uri.contains(char::is_whitespace)
                            || uri.contains("..")
                        {
                            errors.push(format!("{lat}.artifactLocation.uri: `{uri}` is not a relative path of the repository"));
                        }
                    }
                }
                if physical["region"]["startLine"]
                    .as_u64()
                    .is_none_or(|l| l < 1)
                {
                    errors.push(format!("{lat}.region.startLine: required (1 or more)"));
                }
            }
            let flows: usize = result["codeFlows"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["threadFlows"].as_array().into_iter().flatten())
                .map(|t| t["locations"].as_array().map_or(0, Vec::len))
                .sum();
            if flows > MAX_THREAD_FLOW_LOCATIONS {
                errors.push(format!("{rat}.codeFlows: {flows} thread flow locations (at most {MAX_THREAD_FLOW_LOCATIONS})"));
            }
            // GitHub matches results across runs by rule, file and `primaryLocationLineHash`: without it alerts are
            // re-created on every upload through the API, and two results with the same three merge into one alert.
            match text(&result["partialFingerprints"]["primaryLocationLineHash"]) {
                None => errors.push(format!(
                    "{rat}.partialFingerprints.primaryLocationLineHash: required for stable alerts"
                )),
                Some(hash) => {
                    let key = (
                        result["ruleId"].as_str().unwrap_or_default().to_string(),
                        locations
                            .first()
                            .and_then(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
                            .unwrap_or_default()
                            .to_string(),
                        hash.to_string(),
                    );
                    if !alerts.insert(key.clone()) {
                        errors.push(format!("{rat}: same rule, file and line hash as an earlier result ({key:?}): one alert for both"));
                    }
                }
            }
        }
    }
    errors
}
