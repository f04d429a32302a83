//! The organization's active member accounts: organizations:ListAccounts (paged), called with the caller's
//! credentials on the partition's Organizations endpoint, signed by hand like DescribeOrganization.

use aws_config::SdkConfig;
use serde_json::json;

use crate::collect::http::Http;
use crate::collect::organization::endpoint_region;
use crate::collect::pacing::Pacer;
use crate::collect::raw::{RawClient, RawOperation, RawRequest};

const LIST_ACCOUNTS: RawOperation = RawOperation::new("organizations", "ListAccounts");

/// One page of a ListAccounts answer: the ids of its active accounts, and the token of the next page.
#[derive(Debug, PartialEq)]
struct Page {
    active: Vec<String>,
    next_token: Option<String>,
}

/// Every ACTIVE account of the caller's organization (the management account included), in the order listed.
pub async fn active_accounts(
    sdk: &SdkConfig,
    http: &Http,
    pacer: &Pacer,
    partition: &str,
) -> anyhow::Result<Vec<String>> {
    let op = LIST_ACCOUNTS;
    let raw = RawClient::new(sdk, http);
    let region = endpoint_region(partition);
    let url = format!("{}/", raw.endpoint(op, region));
    let mut ids = Vec::new();
    let mut seen_tokens = std::collections::HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(t) => json!({ "NextToken": t }),
            None => json!({}),
        };
        let request = RawRequest::json(
            region,
            format!("AWSOrganizationsV20161128.{}", op.operation),
            &body,
        );
        let response = pacer
            .call(op.call(region), || raw.send(op, &url, &request))
            .await
            .map_err(|e| anyhow::anyhow!("--org: {e}"))?;
        let page = parse_page(&response.body)
            .map_err(|e| anyhow::anyhow!("--org: {}:{}: {e}", op.service, op.operation))?;
        ids.extend(page.active);
        match page.next_token {
            // a token seen before would page for ever
            Some(next) if !seen_tokens.insert(next.clone()) => anyhow::bail!(
                "--org: {}:{}: the answer repeats a NextToken",
                op.service,
                op.operation
            ),
            Some(next) => token = Some(next),
            None => return Ok(ids),
        }
    }
}

/// The active accounts and next token of one answer. An account's state is `State` (ACTIVE, SUSPENDED,
/// PENDING_CLOSURE, CLOSED…), or the older `Status` when `State` is absent.
fn parse_page(body: &[u8]) -> Result<Page, String> {
    let answer: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let accounts = answer["Accounts"]
        .as_array()
        .ok_or("the answer has no Accounts list")?;
    let mut active = Vec::new();
    for account in accounts {
        let state = account["State"].as_str().or(account["Status"].as_str());
        if state != Some("ACTIVE") {
            continue;
        }
        let id = account["Id"].as_str().unwrap_or_default();
        let id = super::accounts::parse_account_id(id).map_err(|e| format!("an account: {e}"))?;
        active.push(id);
    }
    let next_token = answer["NextToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok(Page { active, next_token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_accounts_are_listed_and_the_token_is_kept() {
        let body = br#"{"Accounts":[
            {"Id":"111111111111","Status":"ACTIVE","Name":"management"},
            {"Id":"222222222222","Status":"SUSPENDED"},
            {"Id":"333333333333","Status":"PENDING_CLOSURE"},
            {"Id":"444444444444","State":"ACTIVE","Status":"ACTIVE"},
            {"Id":"555555555555","State":"CLOSED","Status":"ACTIVE"}
        ],"NextToken":"page-2"}"#;
        assert_eq!(
            parse_page(body).unwrap(),
            Page {
                active: vec!["111111111111".into(), "444444444444".into()],
                next_token: Some("page-2".into()),
            }
        );
        let last = parse_page(br#"{"Accounts":[],"NextToken":""}"#).unwrap();
        assert_eq!(last.next_token, None);
    }

    #[test]
    fn a_malformed_answer_is_one_line() {
        assert!(parse_page(b"<html>")
            .unwrap_err()
            .starts_with("the answer is not JSON"));
        assert_eq!(
            parse_page(b"{}").unwrap_err(),
            "the answer has no Accounts list"
        );
        let e = parse_page(br#"{"Accounts":[{"Id":"12\n34","Status":"ACTIVE"}]}"#).unwrap_err();
        assert!(e.contains("is not a 12-digit AWS account id"), "{e}");
    }
}
