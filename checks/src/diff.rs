//! Diff of two JSON reports by stable finding id: new, resolved and unchanged findings, to sync tickets.
//!
//! Reads only the fields it needs, so reports of any schema version up to the current one compare. A finding
//! absent from the newer report is resolved; the resolution says whether it was fixed, or whether the newer scan
//! simply did not look (check not run, function gone or not scanned), so a ticket is not closed for the wrong reason.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::finding::{Severity, Status};
use crate::report::REPORT_SCHEMA_VERSION;

/// Version of the `diff --format json` shape (see `schema/diff.schema.json`).
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// A finding as a diff sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffFinding {
    /// The stable finding id both reports are matched by.
    pub id: String,
    /// The check that reported it.
    pub check_id: String,
    /// The check's title.
    pub title: String,
    /// Its severity in that report.
    pub severity: Severity,
    /// Its status in that report (fail, unknown, muted…).
    pub status: Status,
    /// The account of the resource.
    pub account_id: String,
    /// The region of the function it was found on.
    pub region: String,
    /// The resource at fault: the function, or an alias, role or layer of it.
    pub resource_arn: String,
    /// That resource's name.
    pub resource_name: String,
    /// What the check found, in one sentence.
    pub message: String,
    /// The function the finding belongs to; empty in reports that predate the field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub function_arn: String,
    /// The function's owner tags, to route the ticket.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owner_tags: BTreeMap<String, String>,
    /// Link to the check's documentation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc_url: String,
}

/// What a diff reads of a report file.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportSnapshot {
    /// The report's `schema_version`.
    pub schema_version: u32,
    /// The lambda-posture version that wrote it.
    pub tool_version: String,
    /// When its inventory was collected.
    pub collected_at: DateTime<Utc>,
    /// Ids of the checks the scan ran; empty in older reports (every check assumed run).
    #[serde(default)]
    pub checks_run: Vec<String>,
    /// The functions the scan covered; empty in older reports (every function assumed present).
    #[serde(default)]
    pub functions: Vec<FunctionRef>,
    /// Its findings.
    pub findings: Vec<DiffFinding>,
    /// The accounts the scan covered; empty in hand-made reports (every account assumed scanned).
    #[serde(default)]
    pub accounts: Vec<AccountRef>,
    /// Organisation scan: the accounts that could not be scanned.
    #[serde(default)]
    pub incomplete_accounts: Vec<AccountRef>,
}

/// An account a report names.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountRef {
    /// The 12-digit account id.
    pub account_id: String,
}

/// A function a report covered.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionRef {
    /// The function ARN.
    pub arn: String,
}

/// Why a report file cannot be compared; one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The file is not JSON.
    #[error("{path}: not valid JSON: {}", crate::inventory::one_line(.message))]
    Json {
        /// The file.
        path: String,
        /// The parser's error.
        message: String,
    },
    /// JSON, but not a lambda-posture report.
    #[error("{path}: not a lambda-posture JSON report (`scan --format json`): {}", crate::inventory::one_line(.message))]
    NotAReport {
        /// The file.
        path: String,
        /// What is missing or wrong.
        message: String,
    },
    /// A report from a newer lambda-posture.
    #[error("{path}: schema_version {found} is newer than this lambda-posture understands ({REPORT_SCHEMA_VERSION}); upgrade lambda-posture")]
    NewerSchema {
        /// The file.
        path: String,
        /// Its `schema_version`.
        found: u64,
    },
    /// Two findings share an id.
    #[error("{path}: `findings[{index}].id`: finding id `{id}` appears twice (also at findings[{first}]); a report lists each finding once")]
    DuplicateId {
        /// The file.
        path: String,
        /// The repeated finding id.
        id: String,
        /// Index of its second appearance in `findings`.
        index: usize,
        /// Index of its first appearance.
        first: usize,
    },
    #[error(
        "{path}: `{at}`: key `{key}` appears twice (a repeated key would hide one of its values)"
    )]
    /// An object repeats a key.
    RepeatedKey {
        /// The file.
        path: String,
        /// JSON path of the object.
        at: String,
        /// The repeated key.
        key: String,
    },
}

impl ReportSnapshot {
    /// Parse a JSON report, checking that it is one and that its version is understood. Read twice, never held as a
    /// `serde_json::Value` (a report of 10,000 functions would take gigabytes).
    pub fn from_json(path: &str, text: &str) -> Result<ReportSnapshot, DiffError> {
        /// What tells a report: serde skips every other field without allocating.
        #[derive(Deserialize)]
        struct Shape {
            schema_version: Option<Value>,
            findings: Option<serde::de::IgnoredAny>,
        }
        let not_a_report = |message: String| DiffError::NotAReport {
            path: path.into(),
            message,
        };
        match crate::json_text::is_object(text) {
            Ok(true) => {}
            Ok(false) => return Err(not_a_report("not a JSON object".into())),
            Err(e) => {
                return Err(DiffError::Json {
                    path: path.into(),
                    message: e.to_string(),
                })
            }
        }
        let shape: Shape = serde_json::from_str(text).map_err(|e| not_a_report(e.to_string()))?;
        if shape.findings.is_none() {
            return Err(not_a_report("no `findings`".into()));
        }
        match shape.schema_version.as_ref().and_then(Value::as_u64) {
            None => return Err(not_a_report("no `schema_version`".into())),
            Some(0) => {
                return Err(not_a_report(
                    "`schema_version` 0 (versions start at 1)".into(),
                ))
            }
            Some(v) if v > REPORT_SCHEMA_VERSION as u64 => {
                return Err(DiffError::NewerSchema {
                    path: path.into(),
                    found: v,
                })
            }
            Some(_) => {}
        }
        let report: ReportSnapshot =
            serde_json::from_str(text).map_err(|e| not_a_report(e.to_string()))?;
        if let Some((at, key)) = crate::inventory::validate::repeated_key(text) {
            return Err(DiffError::RepeatedKey {
                path: path.into(),
                at,
                key,
            });
        }
        // Findings are compared by id: a repeated id would silently hide one of them.
        let mut first_seen: std::collections::HashMap<&str, usize> = Default::default();
        for (index, finding) in report.findings.iter().enumerate() {
            if let Some(&first) = first_seen.get(finding.id.as_str()) {
                return Err(DiffError::DuplicateId {
                    path: path.into(),
                    id: finding.id.clone(),
                    index,
                    first,
                });
            }
            first_seen.insert(&finding.id, index);
        }
        Ok(report)
    }
}

/// Where one side of the diff came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The report file as given on the command line.
    pub path: String,
    /// The lambda-posture version that wrote it.
    pub tool_version: String,
    /// When its inventory was collected.
    pub collected_at: DateTime<Utc>,
    /// How many findings it holds.
    pub findings: usize,
}

/// Why a finding of the older report is absent from the newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// The check ran on the function again and no longer finds the problem.
    Fixed,
    /// The newer scan did not run the check (disabled, or an older catalogue).
    CheckNotRun,
    /// The function is not in the newer report (deleted, or its region not scanned).
    FunctionGone,
    /// The function's account is not in the newer report, or it could not be scanned (organisation scan): nothing
    /// is known, the finding may well still be there.
    AccountNotScanned,
}

/// One finding in a diff, with what changed about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// The finding (for unchanged ones, as the newer report has it).
    #[serde(flatten)]
    pub finding: DiffFinding,
    /// For unchanged findings whose status changed (e.g. fail → muted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<Status>,
    /// For unchanged findings whose severity changed (config override, check update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    /// For resolved findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

/// How many findings fall in each list of a diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffSummary {
    /// Findings in the newer report only.
    pub new: usize,
    /// Findings in the older report only.
    pub resolved: usize,
    /// Findings in both.
    pub unchanged: usize,
    /// Unchanged findings whose status or severity changed.
    pub changed: usize,
}

/// The comparison of two reports (`diff --format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The older report.
    pub old: Side,
    /// The newer report.
    pub new: Side,
    /// The counts of each list.
    pub summary: DiffSummary,
    /// In the newer report only. Each list: worst severity first, then check id, resource ARN, id.
    pub new_findings: Vec<DiffEntry>,
    /// In the older report only.
    pub resolved_findings: Vec<DiffEntry>,
    /// In both (the newer report's version of the finding).
    pub unchanged_findings: Vec<DiffEntry>,
}

/// Compare two reports by stable finding id.
pub fn diff<'a>(
    old_path: &str,
    old: &'a ReportSnapshot,
    new_path: &str,
    new: &'a ReportSnapshot,
) -> Diff {
    let by_id = |r: &'a ReportSnapshot| -> BTreeMap<&'a str, &'a DiffFinding> {
        r.findings.iter().map(|f| (f.id.as_str(), f)).collect()
    };
    let (old_ids, new_ids) = (by_id(old), by_id(new));
    let checks_run: BTreeSet<&str> = new.checks_run.iter().map(String::as_str).collect();
    let functions: BTreeSet<&str> = new.functions.iter().map(|f| f.arn.as_str()).collect();
    let scanned: BTreeSet<&str> = new.accounts.iter().map(|a| a.account_id.as_str()).collect();
    let not_scanned: BTreeSet<&str> = new
        .incomplete_accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let entry = |finding: &DiffFinding| DiffEntry {
        finding: finding.clone(),
        previous_status: None,
        previous_severity: None,
        resolution: None,
    };
    let mut new_findings = Vec::new();
    let mut unchanged_findings = Vec::new();
    for (id, finding) in &new_ids {
        match old_ids.get(id) {
            None => new_findings.push(entry(finding)),
            Some(before) => unchanged_findings.push(DiffEntry {
                previous_status: (before.status != finding.status).then_some(before.status),
                previous_severity: (before.severity != finding.severity).then_some(before.severity),
                ..entry(finding)
            }),
        }
    }
    let resolved_findings: Vec<DiffEntry> = old_ids
        .iter()
        .filter(|(id, _)| !new_ids.contains_key(*id))
        .map(|(_, finding)| {
            let function = if finding.function_arn.is_empty() {
                &finding.resource_arn
            } else {
                &finding.function_arn
            };
            let account = finding.account_id.as_str();
            let resolution = if not_scanned.contains(account)
                || (!scanned.is_empty() && !scanned.contains(account))
            {
                Resolution::AccountNotScanned
            } else if !checks_run.is_empty() && !checks_run.contains(finding.check_id.as_str()) {
                Resolution::CheckNotRun
            } else if !functions.is_empty() && !functions.contains(function.as_str()) {
                Resolution::FunctionGone
            } else {
                Resolution::Fixed
            };
            DiffEntry {
                resolution: Some(resolution),
                ..entry(finding)
            }
        })
        .collect();
    let side = |path: &str, r: &ReportSnapshot| Side {
        path: path.into(),
        tool_version: r.tool_version.clone(),
        collected_at: r.collected_at,
        findings: r.findings.len(),
    };
    let mut result = Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        old: side(old_path, old),
        new: side(new_path, new),
        summary: DiffSummary {
            new: new_findings.len(),
            resolved: resolved_findings.len(),
            unchanged: unchanged_findings.len(),
            changed: unchanged_findings
                .iter()
                .filter(|e| e.previous_status.is_some() || e.previous_severity.is_some())
                .count(),
        },
        new_findings,
        resolved_findings,
        unchanged_findings,
    };
    for list in [
        &mut result.new_findings,
        &mut result.resolved_findings,
        &mut result.unchanged_findings,
    ] {
        list.sort_by(|a, b| {
            let key = |e: &DiffEntry| {
                (
                    std::cmp::Reverse(e.finding.severity),
                    e.finding.check_id.clone(),
                    e.finding.resource_arn.clone(),
                    e.finding.id.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(id: &str, check: &str, function: &str, status: &str) -> Value {
        json!({
            "id": id, "check_id": check, "title": "t", "severity": "high", "status": status,
            "account_id": "111122223333", "region": "us-east-1",
            "resource_arn": format!("arn:aws:lambda:us-east-1:111122223333:function:{function}"),
            "function_arn": format!("arn:aws:lambda:us-east-1:111122223333:function:{function}"),
            "resource_name": function, "message": "m", "evidence": null
        })
    }

    fn report(findings: Vec<Value>, checks: &[&str], functions: &[&str]) -> ReportSnapshot {
        let text = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z", "lookback_days": 90,
            "checks_run": checks,
            "functions": functions.iter().map(|f| json!({"arn": format!("arn:aws:lambda:us-east-1:111122223333:function:{f}")})).collect::<Vec<_>>(),
            "findings": findings, "accounts": []
        })
        .to_string();
        ReportSnapshot::from_json("r.json", &text).unwrap()
    }

    #[test]
    fn a_report_listing_a_finding_id_twice_is_refused_naming_it() {
        let text = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z",
            "findings": [finding("LP-1", "tracing-off", "a", "fail"), finding("LP-2", "tracing-off", "b", "fail"),
                         finding("LP-1", "tracing-off", "c", "fail")]
        })
        .to_string();
        let e = ReportSnapshot::from_json("r.json", &text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "r.json: `findings[2].id`: finding id `LP-1` appears twice (also at findings[0]); a report lists each finding once"
        );
    }

    #[test]
    fn a_report_repeating_a_key_is_refused_naming_it() {
        let text = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-01T10:00:00Z",
            "findings": [finding("LP-1", "tracing-off", "a", "fail")]
        })
        .to_string()
        .replace(
            r#""status":"fail""#,
            r#""status":"fail","owner_tags":{"team":"a","team":"b"}"#,
        );
        let e = ReportSnapshot::from_json("r.json", &text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "r.json: `findings[0].owner_tags`: key `team` appears twice (a repeated key would hide one of its values)"
        );
    }

    #[test]
    fn classifies_by_stable_id_and_explains_resolutions() {
        let old = report(
            vec![
                finding("LP-1", "tracing-off", "a", "fail"),
                finding("LP-2", "tracing-off", "b", "fail"),
                finding("LP-3", "role-shared", "a", "fail"),
                finding("LP-4", "tracing-off", "gone", "fail"),
                finding("LP-5", "tracing-off", "c", "fail"),
            ],
            &["tracing-off", "role-shared"],
            &["a", "b", "c", "gone"],
        );
        let new = report(
            vec![
                finding("LP-1", "tracing-off", "a", "fail"),
                finding("LP-5", "tracing-off", "c", "muted"),
                finding("LP-9", "tracing-off", "d", "fail"),
            ],
            &["tracing-off"],
            &["a", "b", "c", "d"],
        );
        let d = diff("old.json", &old, "new.json", &new);
        let ids = |list: &[DiffEntry]| {
            list.iter()
                .map(|e| e.finding.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&d.new_findings), ["LP-9"]);
        assert_eq!(ids(&d.unchanged_findings), ["LP-1", "LP-5"]);
        assert_eq!(d.unchanged_findings[1].previous_status, Some(Status::Fail));
        let resolutions: Vec<(String, Option<Resolution>)> = d
            .resolved_findings
            .iter()
            .map(|e| (e.finding.id.clone(), e.resolution))
            .collect();
        assert_eq!(
            resolutions,
            [
                ("LP-3".to_string(), Some(Resolution::CheckNotRun)),
                ("LP-2".to_string(), Some(Resolution::Fixed)),
                ("LP-4".to_string(), Some(Resolution::FunctionGone)),
            ]
        );
        assert_eq!(
            d.summary,
            DiffSummary {
                new: 1,
                resolved: 3,
                unchanged: 2,
                changed: 1
            }
        );
    }

    #[test]
    fn a_finding_of_an_account_the_newer_scan_did_not_cover_is_not_called_fixed() {
        let in_account = |id: &str, account: &str| {
            let mut f = finding(id, "tracing-off", id, "fail");
            f["account_id"] = account.into();
            f
        };
        let old = report(
            vec![
                in_account("LP-a", "111111111111"),
                in_account("LP-b", "222222222222"),
                in_account("LP-c", "333333333333"),
            ],
            &["tracing-off"],
            &["LP-a", "LP-b", "LP-c"],
        );
        let text = json!({
            "schema_version": 1, "tool_version": "0.1.0", "collected_at": "2026-11-02T10:00:00Z",
            "checks_run": ["tracing-off"],
            "functions": [{"arn": "arn:aws:lambda:us-east-1:111122223333:function:LP-a"}],
            "findings": [],
            "accounts": [{"account_id": "111111111111"}],
            "incomplete_accounts": [{"account_id": "222222222222", "reason": "role refused"}]
        })
        .to_string();
        let new = ReportSnapshot::from_json("new.json", &text).unwrap();
        let d = diff("old.json", &old, "new.json", &new);
        let resolutions: Vec<(&str, Option<Resolution>)> = d
            .resolved_findings
            .iter()
            .map(|e| (e.finding.id.as_str(), e.resolution))
            .collect();
        assert_eq!(
            resolutions,
            [
                ("LP-a", Some(Resolution::Fixed)),
                ("LP-b", Some(Resolution::AccountNotScanned)),
                ("LP-c", Some(Resolution::AccountNotScanned)),
            ]
        );
    }

    #[test]
    fn bad_files_give_one_line_errors_naming_the_file() {
        let e = ReportSnapshot::from_json("old.json", "{ not json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("old.json: not valid JSON") && !e.contains('\n'),
            "{e}"
        );
        let e = ReportSnapshot::from_json("inv.json", r#"{"schema_version": 1, "accounts": []}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("inv.json: not a lambda-posture JSON report") && e.contains("findings"),
            "{e}"
        );
        let e = ReportSnapshot::from_json("list.json", "[1, 2]")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "list.json: not a lambda-posture JSON report (`scan --format json`): not a JSON object"
        );
        let e = ReportSnapshot::from_json("n.json", r#"{"schema_version": 99, "findings": []}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("n.json: schema_version 99 is newer"), "{e}");
        let e = ReportSnapshot::from_json("z.json", r#"{"schema_version": 0, "findings": []}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("z.json") && e.contains("`schema_version` 0"),
            "{e}"
        );
        let e = ReportSnapshot::from_json(
            "x.json",
            r#"{"schema_version": 1, "findings": [{"id": 3}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("x.json: not a lambda-posture JSON report") && !e.contains('\n'),
            "{e}"
        );
    }
}
