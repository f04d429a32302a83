//! The organization's member accounts: organizations:ListAccounts (paged), called with the caller's credentials on
//! the partition's Organizations endpoint, signed by hand like DescribeOrganization; the usable ones (ACTIVE, and
//! PENDING_CLOSURE: "The account remains functional and can still be used to access AWS services while the closure
//! request is processed", Organizations user guide, "Monitor the state of your AWS accounts") are scanned, the others
//! (suspended, closed, pending activation: "unusable", same page) are named with their state.

use aws_config::SdkConfig;
use lambda_posture_checks::report::InactiveAccount;
use serde_json::json;

use crate::collect::http::Http;
use crate::collect::organization::endpoint_region;
use crate::collect::pacing::Pacer;
use crate::collect::raw::{RawClient, RawOperation, RawRequest};

const LIST_ACCOUNTS: RawOperation = RawOperation::new("organizations", "ListAccounts");

/// The states of the accounts `--org` scans: usable ones.
pub const SCANNED_STATES: [&str; 2] = ["ACTIVE", "PENDING_CLOSURE"];

/// The accounts of the organization: those to scan, and those that cannot be (unusable), in the order listed.
#[derive(Debug, Default, PartialEq)]
pub struct Members {
    /// The ids of the accounts in one of [`SCANNED_STATES`] (the management account included).
    pub active: Vec<String>,
    /// The other accounts: id and state (`SUSPENDED`, `CLOSED`, `PENDING_ACTIVATION`, or `unknown` when the answer
    /// gives none).
    pub inactive: Vec<(String, String)>,
}

/// The line saying `--org` left account `id` out for its state (standard error, at the scan and at `merge`).
pub fn not_active_line(id: &str, state: &str) -> String {
    let scope = InactiveAccount::SCOPE;
    format!("not scanned: account {id} is {state} in AWS Organizations ({scope})")
}

/// One page of a ListAccounts answer: its accounts, and the token of the next page.
#[derive(Debug, PartialEq)]
struct Page {
    members: Members,
    next_token: Option<String>,
}

/// Every account of the caller's organization, ACTIVE or not, in the order listed.
pub async fn list(
    sdk: &SdkConfig,
    http: &Http,
    pacer: &Pacer,
    partition: &str,
) -> anyhow::Result<Members> {
    let op = LIST_ACCOUNTS;
    let raw = RawClient::new(sdk, http);
    let region = endpoint_region(partition);
    let url = format!("{}/", raw.endpoint(op, region));
    let mut members = Members::default();
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
        members.active.extend(page.members.active);
        members.inactive.extend(page.members.inactive);
        match page.next_token {
            // a token seen before would page for ever
            Some(next) if !seen_tokens.insert(next.clone()) => anyhow::bail!(
                "--org: {}:{}: the answer repeats a NextToken",
                op.service,
                op.operation
            ),
            Some(next) => token = Some(next),
            None => return Ok(members),
        }
    }
}

/// The accounts and next token of one answer. An account's state is `State` (PENDING_ACTIVATION, ACTIVE,
/// SUSPENDED, PENDING_CLOSURE, CLOSED), or the older `Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) when `State` is
/// absent: AWS retires `Status` in favour of `State`.
fn parse_page(body: &[u8]) -> Result<Page, String> {
    let answer: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let accounts = answer["Accounts"]
        .as_array()
        .ok_or("the answer has no Accounts list")?;
    let mut members = Members::default();
    for account in accounts {
        let id = account["Id"].as_str().unwrap_or_default();
        let id = super::accounts::parse_account_id(id).map_err(|e| format!("an account: {e}"))?;
        match account["State"].as_str().or(account["Status"].as_str()) {
            Some(state) if SCANNED_STATES.contains(&state) => members.active.push(id),
            // the state is AWS's text, shown to the user: only a plain word of it
            Some(state) if is_state_word(state) => members.inactive.push((id, state.to_string())),
            _ => members.inactive.push((id, UNKNOWN_STATE.to_string())),
        }
    }
    let next_token = answer["NextToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok(Page {
        members,
        next_token,
    })
}

/// The state said of an account ListAccounts gave no state word for.
pub const UNKNOWN_STATE: &str = "unknown";

/// Whether `state` looks like an Organizations account state (`PENDING_CLOSURE`): 1 to 32 of A-Z and `_`.
pub fn is_state_word(state: &str) -> bool {
    (1..=32).contains(&state.len()) && state.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// Sorted by account id, one entry per account: an account seen in several states (the organisation changed while
/// ListAccounts was paged, or between the runs of a scan's copies) keeps the first in alphabetical order (a state
/// word before [`UNKNOWN_STATE`]), so no account is counted twice.
pub fn one_per_account(mut accounts: Vec<(String, String)>) -> Vec<(String, String)> {
    accounts.sort();
    accounts.dedup_by(|later, first| later.0 == first.0);
    accounts
}

/// Whether `state` is one the scan records for an account left out: a state word, or [`UNKNOWN_STATE`].
pub fn is_recorded_state(state: &str) -> bool {
    state == UNKNOWN_STATE || is_state_word(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_every_line_says_org_scans_is_the_states_it_scans() {
        let scope = InactiveAccount::SCOPE;
        assert!(SCANNED_STATES.iter().all(|s| scope.contains(s)), "{scope}");
        assert_eq!(
            scope.matches(" and ").count() + 1,
            SCANNED_STATES.len(),
            "{scope}"
        );
        assert!(InactiveAccount::REASON.contains(scope));
    }

    #[test]
    fn usable_accounts_are_scanned_the_others_kept_with_their_state_and_the_token_is_kept() {
        let body = br#"{"Accounts":[
            {"Id":"111111111111","Status":"ACTIVE","Name":"management"},
            {"Id":"222222222222","Status":"SUSPENDED"},
            {"Id":"333333333333","Status":"PENDING_CLOSURE"},
            {"Id":"444444444444","State":"ACTIVE","Status":"ACTIVE"},
            {"Id":"555555555555","State":"CLOSED","Status":"ACTIVE"},
            {"Id":"666666666666","State":"PENDING_ACTIVATION"},
            {"Id":"777777777777"},
            {"Id":"888888888888","State":"\u001b[2Jnope"},
            {"Id":"999999999999","State":"PENDING_CLOSURE","Status":"PENDING_CLOSURE"}
        ],"NextToken":"page-2"}"#;
        let state = |id: &str, state: &str| (id.to_string(), state.to_string());
        assert_eq!(
            parse_page(body).unwrap(),
            Page {
                members: Members {
                    // a closure requested but not processed yet: "The account remains functional"
                    active: vec![
                        "111111111111".into(),
                        "333333333333".into(),
                        "444444444444".into(),
                        "999999999999".into(),
                    ],
                    inactive: vec![
                        state("222222222222", "SUSPENDED"),
                        state("555555555555", "CLOSED"),
                        state("666666666666", "PENDING_ACTIVATION"),
                        state("777777777777", "unknown"),
                        state("888888888888", "unknown"),
                    ],
                },
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
