//! `securityhub import`: the one command that writes to AWS. Sends the ASFF findings of `scan --format asff` to
//! AWS Security Hub's BatchImportFindings in each finding's own region, in batches within the API's limits (100
//! findings, 6 MB a request, 240 KB a finding, 10 requests a second), retrying throttles and server errors;
//! archives (`RecordState: ARCHIVED`) what the previous import had and this one no longer has, or what `diff`
//! resolved; and reports every finding Security Hub did not take, with its reason.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use lambda_posture_checks::diff::{Diff, Resolution};
use lambda_posture_checks::finding::Finding;
use serde_json::{json, Value};

use crate::collect::account;
use crate::collect::error::ErrorClass;
use crate::collect::pacing::{Pacer, RetryPolicy};
use crate::collect::raw::{RawClient, RawOperation, RawRequest};
use crate::collect::Rates;
use crate::render::asff;

/// The IAM action this command needs (the scanner's own policy, `lambda-posture permissions`, is read-only).
pub const REQUIRED_ACTIONS: &[&str] = &["securityhub:BatchImportFindings"];
const IMPORT: RawOperation = RawOperation::new("securityhub", "BatchImportFindings");

/// BatchImportFindings limits ("Guidelines for using the BatchImportFindings API", Security Hub partner guide).
pub const MAX_FINDINGS_PER_BATCH: usize = 100;
/// 6 MB per request (read as 6,000,000 bytes, the stricter meaning), less room for the `{"Findings":[…]}` envelope.
pub const MAX_BATCH_BYTES: usize = 6_000_000 - 1024;
pub const MAX_FINDING_BYTES: usize = 240 * 1024;
/// 10 requests per second per account and region.
const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Per-finding failures worth sending again (Security Hub was busy, not the finding wrong), and how often.
const RETRYABLE_FINDING_CODES: &[&str] = &[
    "InternalException",
    "InternalFailure",
    "ServiceUnavailable",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
];
const FINDING_ROUNDS: usize = 3;
/// Answers that refuse every import in the region (Security Hub not enabled there, the region not enabled for the
/// account): the region's other batches are not sent.
const REGION_REFUSED_CODES: &[&str] = &[
    "InvalidAccessException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
];

/// What `securityhub import` was asked.
pub struct ImportOptions {
    pub file: PathBuf,
    pub previous: Option<PathBuf>,
    /// `diff --format json` output whose resolved findings are archived.
    pub resolved: Option<PathBuf>,
    pub profile: Option<String>,
    pub attempt_timeout: Duration,
    /// `--max-input-mib`: the largest file read.
    pub max_input_mib: u64,
}

/// One finding Security Hub did not import, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: String,
    pub region: String,
    pub code: String,
    pub message: String,
}

/// What happened in one region.
#[derive(Debug, Default)]
pub struct RegionOutcome {
    pub sent: usize,
    pub archived: usize,
    pub batches: usize,
    pub failures: Vec<Failure>,
}

/// One finding to send: its id, region, account, and serialised JSON.
struct Outgoing {
    id: String,
    account: String,
    json: String,
}

/// The ASFF findings of `path`: a JSON array of objects, each with a string `Id`, `AwsAccountId` and `Region`.
fn read_findings(path: &Path, max_input_mib: u64) -> anyhow::Result<Vec<Value>> {
    let name = path.display();
    let text = crate::input::read_text(path, "ASFF", max_input_mib)?;
    let value: Value = serde_json::from_str(&text).with_context(|| {
        format!("{name}: not JSON (expected the output of `scan --format asff`)")
    })?;
    let Value::Array(findings) = value else {
        anyhow::bail!(
            "{name}: not a JSON array of ASFF findings (the output of `scan --format asff`)"
        );
    };
    let mut seen = HashSet::new();
    for (i, f) in findings.iter().enumerate() {
        for key in ["Id", "AwsAccountId", "Region"] {
            if f[key].as_str().is_none_or(str::is_empty) {
                anyhow::bail!("{name}: finding {i}: `{key}` is missing or not a string");
            }
        }
        let region = f["Region"].as_str().unwrap_or_default();
        if !is_region_name(region) {
            anyhow::bail!("{name}: finding {i}: `Region` `{region}` is not a region name");
        }
        if !seen.insert(f["Id"].as_str().unwrap_or_default()) {
            anyhow::bail!("{name}: finding {i}: `Id` {} appears twice", f["Id"]);
        }
    }
    Ok(findings)
}

/// `us-east-1`, `cn-north-1`, `us-gov-west-1`: lower-case words and a number joined by dashes (it becomes part of a
/// host name).
fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// The findings of `previous` that `current` no longer has, as archived updates (`RecordState: ARCHIVED`, updated
/// now so Security Hub takes the update over the stored finding). Findings already archived stay as they are.
fn archived(previous: Vec<Value>, current: &[Value], now: &str) -> Vec<Value> {
    let ids: HashSet<&str> = current.iter().filter_map(|f| f["Id"].as_str()).collect();
    previous
        .into_iter()
        .filter(|f| {
            !ids.contains(f["Id"].as_str().unwrap_or_default()) && f["RecordState"] != "ARCHIVED"
        })
        .map(|mut f| {
            f["RecordState"] = "ARCHIVED".into();
            f["UpdatedAt"] = now.into();
            f
        })
        .collect()
}

/// The findings a `diff --format json` output lists as resolved, as archived ASFF updates dated `now`.
fn resolved_in_diff(path: &Path, now: &str, max_input_mib: u64) -> anyhow::Result<Vec<Value>> {
    let name = path.display();
    let text = crate::input::read_text(path, "diff", max_input_mib)?;
    let diff: Diff = serde_json::from_str(&text)
        .with_context(|| format!("{name}: not the output of `diff --format json`"))?;
    diff.resolved_findings
        .iter()
        // an account the newer scan did not cover or enter: nothing is known, its findings stay active
        .filter(|entry| entry.resolution != Some(Resolution::AccountNotScanned))
        .map(|entry| {
            let mut fields = serde_json::to_value(&entry.finding)?;
            fields["evidence"] = json!({});
            let finding: Finding = serde_json::from_value(fields)
                .with_context(|| format!("{name}: resolved finding {}", entry.finding.id))?;
            let mut asff = asff::finding(&finding, now);
            asff["RecordState"] = "ARCHIVED".into();
            Ok(asff)
        })
        .collect()
}

/// Findings of one region cut into request bodies of at most [`MAX_FINDINGS_PER_BATCH`] findings and
/// [`MAX_BATCH_BYTES`] bytes, in order; a finding over [`MAX_FINDING_BYTES`] goes in no batch and is a failure.
fn batches<'a>(findings: &[&'a Outgoing], region: &str) -> (Vec<Vec<&'a Outgoing>>, Vec<Failure>) {
    let (mut all, mut too_large) = (Vec::new(), Vec::new());
    let (mut batch, mut bytes): (Vec<&Outgoing>, usize) = (Vec::new(), 0);
    for f in findings {
        if f.json.len() > MAX_FINDING_BYTES {
            too_large.push(Failure {
                id: f.id.clone(),
                region: region.to_string(),
                code: "FindingTooLarge".into(),
                message: format!(
                    "{} bytes, over Security Hub's {} KB per finding",
                    f.json.len(),
                    MAX_FINDING_BYTES / 1024
                ),
            });
            continue;
        }
        if batch.len() == MAX_FINDINGS_PER_BATCH || bytes + f.json.len() + 1 > MAX_BATCH_BYTES {
            all.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        bytes += f.json.len() + 1;
        batch.push(*f);
    }
    if !batch.is_empty() {
        all.push(batch);
    }
    (all, too_large)
}

fn body(batch: &[&Outgoing]) -> Vec<u8> {
    let joined: Vec<&str> = batch.iter().map(|f| f.json.as_str()).collect();
    format!("{{\"Findings\":[{}]}}", joined.join(",")).into_bytes()
}

/// Import `options.file` (and archive what `options.previous` had and it has not); the outcome per region.
pub async fn import(options: &ImportOptions) -> anyhow::Result<BTreeMap<String, RegionOutcome>> {
    let current = read_findings(&options.file, options.max_input_mib)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut to_archive = match &options.previous {
        Some(path) => archived(read_findings(path, options.max_input_mib)?, &current, &now),
        None => Vec::new(),
    };
    if let Some(path) = &options.resolved {
        let mut ids: HashSet<String> = current
            .iter()
            .chain(&to_archive)
            .filter_map(|f| f["Id"].as_str().map(str::to_string))
            .collect();
        // A finding the diff resolved but FILE still has (a later scan found it again) stays active.
        let resolved = resolved_in_diff(path, &now, options.max_input_mib)?;
        to_archive.extend(
            resolved
                .into_iter()
                .filter(|f| ids.insert(f["Id"].as_str().unwrap_or_default().to_string())),
        );
    }
    let archived_ids: HashSet<String> = to_archive
        .iter()
        .filter_map(|f| f["Id"].as_str().map(str::to_string))
        .collect();
    let mut by_region: BTreeMap<String, Vec<Outgoing>> = BTreeMap::new();
    for f in current.iter().chain(&to_archive) {
        by_region
            .entry(f["Region"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(Outgoing {
                id: f["Id"].as_str().unwrap_or_default().to_string(),
                account: f["AwsAccountId"].as_str().unwrap_or_default().to_string(),
                json: f.to_string(),
            });
    }
    drop((current, to_archive));

    let home = by_region.keys().next().map(String::as_str);
    let http = crate::collect::http::Http::new();
    let sdk = account::load_sdk_config(
        options.profile.as_deref(),
        home,
        options.attempt_timeout,
        &http,
    )
    .await;
    let pacer = Pacer::new(&Rates {
        get_function: 1.0,
        get_policy: 1.0,
        control_plane: 1.0,
        others: 1.0,
    })?;
    let caller = account::identify(&sdk, &pacer, options.profile.as_deref()).await?;
    let client = RawClient::new(&sdk, &http);
    let regions = by_region.iter().map(|(region, findings)| {
        let (client, pacer, caller, archived_ids) =
            (&client, &pacer, &caller.account_id, &archived_ids);
        async move {
            let outcome =
                import_region(client, pacer, region, findings, caller, archived_ids).await;
            (region.clone(), outcome)
        }
    });
    Ok(futures::future::join_all(regions)
        .await
        .into_iter()
        .collect())
}

/// Send one region's findings, batch after batch, no faster than Security Hub's rate.
async fn import_region(
    client: &RawClient,
    pacer: &Pacer,
    region: &str,
    findings: &[Outgoing],
    caller: &str,
    archived_ids: &HashSet<String>,
) -> RegionOutcome {
    let mut outcome = RegionOutcome::default();
    let failure = |f: &Outgoing, code: &str, message: String| Failure {
        id: f.id.clone(),
        region: region.to_string(),
        code: code.to_string(),
        message,
    };
    // BatchImportFindings must be called by the account of each finding.
    let mut pending: Vec<&Outgoing> = Vec::new();
    for f in findings {
        if f.account == caller {
            pending.push(f);
        } else {
            outcome.failures.push(failure(
                f,
                "OtherAccount",
                format!("belongs to account {}: import it with that account's credentials (the caller is {caller})", f.account),
            ));
        }
    }
    let url = format!("{}/findings/import", client.endpoint(IMPORT, region));
    let call = IMPORT.call(region);
    let mut last_call: Option<Instant> = None;
    for round in 1..=FINDING_ROUNDS {
        let (batches, too_large) = batches(&pending, region);
        outcome.failures.extend(too_large);
        let mut retry: Vec<&Outgoing> = Vec::new();
        let mut batches = batches.into_iter();
        for batch in batches.by_ref() {
            if let Some(t) = last_call {
                tokio::time::sleep_until((t + MIN_INTERVAL).into()).await;
            }
            let request = RawRequest {
                method: "POST",
                region: region.to_string(),
                headers: vec![("content-type", "application/json".into())],
                body: body(&batch),
            };
            outcome.batches += 1;
            let answer = pacer
                .call_with(call, RetryPolicy::STANDARD, || {
                    last_call = Some(Instant::now());
                    client.send(IMPORT, &url, &request)
                })
                .await;
            let response = match answer {
                Ok(r) => r,
                Err(mut e) => {
                    if e.class == ErrorClass::AccessDenied {
                        e.message = format!(
                            "{} (the caller needs {})",
                            e.message,
                            REQUIRED_ACTIONS.join(", ")
                        );
                    }
                    let reason = e.code.clone().unwrap_or_else(|| "RequestFailed".into());
                    // The message names the code already ("Code: message"): said once is enough.
                    if let Some(message) = e.message.strip_prefix(&format!("{reason}: ")) {
                        e.message = message.to_string();
                    }
                    outcome
                        .failures
                        .extend(batch.iter().map(|f| failure(f, &reason, e.message.clone())));
                    if e.class == ErrorClass::AccessDenied || e.has_code(REGION_REFUSED_CODES) {
                        // The next request would fail the same way (no permission, Security Hub not enabled).
                        for rest in batches.by_ref() {
                            outcome.failures.extend(
                                rest.iter().map(|f| failure(f, &reason, e.message.clone())),
                            );
                        }
                        break;
                    }
                    continue;
                }
            };
            let answer: Value = serde_json::from_slice(&response.body).unwrap_or_default();
            let mut failed: BTreeMap<&str, (String, String)> = BTreeMap::new();
            for f in answer["FailedFindings"].as_array().into_iter().flatten() {
                let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                if let Some(id) = f["Id"].as_str() {
                    failed.insert(id, (text("ErrorCode"), text("ErrorMessage")));
                }
            }
            let reported = answer["FailedCount"]
                .as_u64()
                .unwrap_or(failed.len() as u64) as usize;
            for &f in &batch {
                match failed.get(f.id.as_str()) {
                    Some((code, _))
                        if round < FINDING_ROUNDS
                            && RETRYABLE_FINDING_CODES.contains(&code.as_str()) =>
                    {
                        retry.push(f)
                    }
                    Some((code, message)) => {
                        outcome.failures.push(failure(f, code, message.clone()))
                    }
                    None => {
                        outcome.sent += 1;
                        outcome.archived += usize::from(archived_ids.contains(&f.id));
                    }
                }
            }
            if reported > failed.len() {
                tracing::warn!(
                    region,
                    reported,
                    listed = failed.len(),
                    "FailedCount above the failures listed"
                );
            }
        }
        if retry.is_empty() {
            break;
        }
        pending = retry;
    }
    outcome
}

/// The report of an import: one line per region, then every failure.
pub fn summary(file: &Path, outcomes: &BTreeMap<String, RegionOutcome>) -> String {
    let mut out = format!("Security Hub import of {}\n", file.display());
    for (region, o) in outcomes {
        out += &format!(
            "{region}: {} imported ({} of them archived) in {} request(s), {} failed\n",
            o.sent,
            o.archived,
            o.batches,
            o.failures.len()
        );
    }
    let failures: Vec<&Failure> = outcomes.values().flat_map(|o| &o.failures).collect();
    if !failures.is_empty() {
        out += &format!("Not imported ({}):\n", failures.len());
        for f in failures {
            out += &format!(
                "  {} ({}): {}: {}\n",
                f.id,
                f.region,
                f.code,
                crate::collect::error::one_line(&f.message)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(id: usize, bytes: usize) -> Outgoing {
        Outgoing {
            id: format!("LP-{id}"),
            account: "111122223333".into(),
            json: "x".repeat(bytes),
        }
    }

    #[test]
    fn batches_hold_at_most_100_findings_and_6_mb() {
        let small: Vec<Outgoing> = (0..250).map(|i| outgoing(i, 1000)).collect();
        let refs: Vec<&Outgoing> = small.iter().collect();
        let (cut, too_large) = batches(&refs, "us-east-1");
        assert_eq!(cut.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert!(too_large.is_empty());

        let large: Vec<Outgoing> = (0..100).map(|i| outgoing(i, 200 * 1024)).collect();
        let refs: Vec<&Outgoing> = large.iter().collect();
        let (cut, _) = batches(&refs, "us-east-1");
        assert!(
            cut.len() >= 4,
            "100 findings of 200 KB take several requests"
        );
        for b in &cut {
            assert!(body(b).len() <= MAX_BATCH_BYTES + 64, "{}", body(b).len());
        }
        assert_eq!(cut.iter().map(Vec::len).sum::<usize>(), 100, "nothing lost");

        let huge = [outgoing(1, MAX_FINDING_BYTES + 1)];
        let refs: Vec<&Outgoing> = huge.iter().collect();
        let (cut, too_large) = batches(&refs, "eu-west-1");
        assert!(cut.is_empty());
        assert_eq!(too_large[0].code, "FindingTooLarge");
    }

    #[test]
    fn what_the_previous_import_had_and_this_one_has_not_is_archived() {
        let f = |id: &str, state: &str| serde_json::json!({ "Id": id, "RecordState": state, "UpdatedAt": "old" });
        let previous = vec![f("a", "ACTIVE"), f("b", "ACTIVE"), f("c", "ARCHIVED")];
        let current = vec![f("a", "ACTIVE")];
        let gone = archived(previous, &current, "now");
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["Id"], "b");
        assert_eq!(gone[0]["RecordState"], "ARCHIVED");
        assert_eq!(gone[0]["UpdatedAt"], "now");
    }

    #[test]
    fn the_documented_permission_is_the_operation_called() {
        assert_eq!(
            REQUIRED_ACTIONS,
            [format!("{}:{}", IMPORT.service, IMPORT.operation)]
        );
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reports.md"),
        )
        .unwrap();
        for action in REQUIRED_ACTIONS {
            assert!(
                docs.contains(&format!("\"{action}\"")),
                "docs/reports.md gives {action}"
            );
        }
    }

    #[test]
    fn region_names_are_checked_before_they_become_host_names() {
        assert!(
            is_region_name("us-east-1")
                && is_region_name("us-gov-west-1")
                && is_region_name("cn-north-1")
        );
        for bad in ["", "us-east", "evil.com/x-1", "US-EAST-1", "us--1", "a-b-c"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
