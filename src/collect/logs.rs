//! CloudWatch Logs, one region: the log group of every function (`LoggingConfig.LogGroup`, or `/aws/lambda/<name>`):
//! whether it exists, its retention and its KMS key.
//!
//! DescribeLogGroups with `logGroupIdentifiers` (the group names, 50 a request: the API's maximum), signed by hand
//! (see [`super::raw`]): the CloudWatch Logs SDK crate would add build time for this one call. So the region costs
//! ⌈distinct groups / 50⌉ calls, not one per function and not a listing of every group of the region (accounts keep
//! thousands of groups). A group the answer does not hold does not exist. A failed request is a region-wide gap
//! (checks say Unknown), and its groups get no entry. Paced in its own bucket ([`Bucket::Logs`]).

use std::collections::{BTreeMap, BTreeSet};

use lambda_posture_checks::check::Place;
use lambda_posture_checks::inventory::{log_group_arn, Function, LogGroup};
use serde::Deserialize;
use serde_json::json;

use super::error::CallError;
use super::pacing::Bucket;
use super::raw::{json_call, RawClient, RawOperation};
use super::Ctx;

const DESCRIBE_LOG_GROUPS: RawOperation = RawOperation::new("logs", "DescribeLogGroups");
/// Names per request: `logGroupIdentifiers` takes at most 50.
const NAMES_PER_REQUEST: usize = 50;
/// Pages of one request we follow at most (50 names give one page; a runaway token loop stops here).
const MAX_PAGES: usize = 20;

/// The log groups of `functions` (all of one region), keyed by [`log_group_arn`]. Groups of a failed request are
/// left out, and the failure is recorded as a region-wide gap.
pub async fn collect(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
    functions: &[Function],
) -> BTreeMap<String, LogGroup> {
    // name -> key, every distinct group of the region's functions
    let wanted: BTreeMap<String, String> = functions
        .iter()
        .map(|f| {
            let place = Place::of(f);
            let name = f.log_group();
            let key = log_group_arn(place.partition, region, place.account, &name);
            (name, key)
        })
        .collect();
    let names: Vec<&String> = wanted.keys().collect();
    let mut groups = BTreeMap::new();
    for chunk in names.chunks(NAMES_PER_REQUEST) {
        match describe(ctx, raw, region, chunk).await {
            Ok(found) => {
                for name in chunk {
                    let group = found.get(name.as_str()).cloned().unwrap_or_default();
                    groups.insert(wanted[name.as_str()].clone(), group);
                }
            }
            Err(e) => ctx.gaps.record(&e, None),
        }
    }
    groups
}

/// Name -> what DescribeLogGroups says of it (`exists: true`), for the groups of `names` that exist.
async fn describe(
    ctx: &Ctx,
    raw: &RawClient,
    region: &str,
    names: &[&String],
) -> Result<BTreeMap<String, LogGroup>, CallError> {
    let wanted: BTreeSet<&str> = names.iter().map(|n| n.as_str()).collect();
    let mut found = BTreeMap::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = json!({ "logGroupIdentifiers": names });
        if let Some(token) = &token {
            body["nextToken"] = json!(token);
        }
        let page: Page = json_call(
            &ctx.pacer,
            raw,
            DESCRIBE_LOG_GROUPS,
            region,
            Bucket::Logs,
            "Logs_20140328",
            &body,
        )
        .await?;
        for group in page.log_groups {
            // Only the names asked for: an answer about another group proves nothing about ours.
            if wanted.contains(group.log_group_name.as_str()) {
                found.insert(group.log_group_name.clone(), group.into_inventory());
            }
        }
        match page.next_token {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                token = Some(next)
            }
            _ => return Ok(found),
        }
    }
    Err(DESCRIBE_LOG_GROUPS.failure(
        region,
        format!("more than {MAX_PAGES} pages for {} log groups", names.len()),
    ))
}

/// One DescribeLogGroups answer (the fields we read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    log_groups: Vec<Answer>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    log_group_name: String,
    retention_in_days: Option<u32>,
    kms_key_id: Option<String>,
    log_group_class: Option<String>,
}

impl Answer {
    fn into_inventory(self) -> LogGroup {
        LogGroup {
            exists: true,
            // 0 is not a retention AWS sets; absent means never expires.
            retention_days: self.retention_in_days.filter(|d| *d > 0),
            kms_key_id: self.kms_key_id.filter(|k| !k.is_empty()),
            class: self.log_group_class.filter(|c| !c.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_retention_key_and_class_and_never_expiring_is_none() {
        let page: Page = serde_json::from_str(
            r#"{"logGroups": [
                {"logGroupName": "/aws/lambda/a", "retentionInDays": 14, "arn": "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/a:*",
                 "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "logGroupClass": "STANDARD", "storedBytes": 3},
                {"logGroupName": "/aws/lambda/b"}
            ], "nextToken": "t"}"#,
        )
        .unwrap();
        assert_eq!(page.next_token.as_deref(), Some("t"));
        let groups: Vec<LogGroup> = page
            .log_groups
            .into_iter()
            .map(Answer::into_inventory)
            .collect();
        assert_eq!(
            groups,
            [
                LogGroup {
                    exists: true,
                    retention_days: Some(14),
                    kms_key_id: Some("arn:aws:kms:us-east-1:1:key/k".into()),
                    class: Some("STANDARD".into()),
                },
                LogGroup {
                    exists: true,
                    ..LogGroup::default()
                }
            ]
        );
        let empty: Page = serde_json::from_str("{}").unwrap();
        assert!(empty.log_groups.is_empty() && empty.next_token.is_none());
    }
}
