//! One test per escalation path: granted exactly its steps (and `iam:PassRole` of a stronger role that trusts the
//! service), the role is reported with that path; without any one step, or passing only a weaker role, it is not.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::paths::{Path, PATHS};
use super::CHECK;
use crate::check::{FunctionContext, Outcome};
use crate::config::ValidConfig;
use crate::inventory::Account;
use crate::memo::Memo;

const ACCOUNT: &str = "123456789012";

fn role(name: &str, trusted: &str, actions: &[&str], resource: &str) -> Value {
    json!({
        "arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        "name": name,
        "trust_policy": { "Version": "2012-10-17", "Statement": [
            { "Effect": "Allow", "Principal": { "Service": trusted }, "Action": "sts:AssumeRole" }] },
        "inline_policies": [{ "name": "p", "document": { "Version": "2012-10-17", "Statement": [
            { "Effect": "Allow", "Action": actions, "Resource": resource }] } }],
    })
}

/// An account whose function `fn` runs as `fn-role` with `actions` on `*` (and `iam:PassRole` of `target-role`, which
/// trusts `service` and holds `target_actions`).
fn account(actions: &[&str], service: &str, target_actions: &[&str]) -> Account {
    let mut fn_role = role("fn-role", "lambda.amazonaws.com", actions, "*");
    fn_role["inline_policies"][0]["document"]["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "Effect": "Allow", "Action": "iam:PassRole",
                      "Resource": format!("arn:aws:iam::{ACCOUNT}:role/target-role") }));
    let target = role("target-role", service, target_actions, "*");
    serde_json::from_value(json!({
        "account_id": ACCOUNT,
        "regions": ["us-east-1"],
        "functions": [{ "arn": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"), "name": "fn",
                        "region": "us-east-1", "role_arn": fn_role["arn"] }],
        "roles": { fn_role["arn"].as_str().unwrap(): fn_role, target["arn"].as_str().unwrap(): target },
    }))
    .unwrap()
}

/// The path ids the check reports for `fn`; `None` when it says Unknown.
fn reported(account: &Account) -> Option<Vec<String>> {
    let config = ValidConfig::default();
    let memo = Memo::new(account);
    let ctx = FunctionContext {
        account,
        function: &account.functions[0],
        config: &config,
        today: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        lookback_days: 90,
        memo: &memo,
    };
    let mut ids = Vec::new();
    for outcome in (CHECK.evaluate)(&ctx) {
        match outcome {
            Outcome::Fail(failure) => {
                let evidence = failure.evidence.value();
                for path in evidence["paths"].as_array().unwrap() {
                    ids.push(path["path"].as_str().unwrap().to_string());
                }
            }
            Outcome::Unknown { .. } => return None,
        }
    }
    Some(ids)
}

fn steps(path: &Path) -> Vec<&'static str> {
    path.steps.iter().map(|(action, _)| *action).collect()
}

#[test]
fn every_path_is_found_through_its_steps_and_a_stronger_passed_role() {
    for path in PATHS {
        let service = path.pass_to.unwrap_or("lambda.amazonaws.com");
        let found = reported(&account(&steps(path), service, &["*"])).unwrap();
        assert!(
            found.iter().any(|id| id == path.id),
            "{}: not found in {found:?}",
            path.id
        );
    }
}

#[test]
fn no_path_without_one_of_its_steps() {
    for path in PATHS {
        let service = path.pass_to.unwrap_or("lambda.amazonaws.com");
        let all = steps(path);
        for missing in &all {
            let rest: Vec<&str> = all.iter().copied().filter(|a| a != missing).collect();
            let found = reported(&account(&rest, service, &["*"])).unwrap_or_default();
            assert!(
                !found.iter().any(|id| id == path.id),
                "{}: found without {missing}",
                path.id
            );
        }
    }
}

#[test]
fn passing_a_weaker_role_or_one_that_does_not_trust_the_service_is_no_path() {
    for path in PATHS.iter().filter(|p| p.pass_to.is_some()) {
        let service = path.pass_to.unwrap();
        // The target may do only what the judged role may already do.
        let weaker = reported(&account(&steps(path), service, &steps(path)[..1])).unwrap();
        assert!(
            !weaker.iter().any(|id| id == path.id),
            "{}: weaker role passed",
            path.id
        );
        let untrusting = reported(&account(&steps(path), "states.amazonaws.com", &["*"])).unwrap();
        assert!(
            !untrusting.iter().any(|id| id == path.id),
            "{}: role not trusting {service}",
            path.id
        );
    }
}

#[test]
fn a_passed_role_outside_the_inventory_is_unknown() {
    let mut account = account(
        &["lambda:CreateFunction", "lambda:InvokeFunction"],
        "lambda.amazonaws.com",
        &["*"],
    );
    account.roles.retain(|arn, _| arn.ends_with("/fn-role"));
    assert_eq!(reported(&account), None);
}
