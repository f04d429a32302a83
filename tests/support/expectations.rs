//! Comparing an evaluated report of the demo account with what the seeder planted (`mocks/demo-expectations.json`).

use std::collections::{BTreeMap, BTreeSet};

use lambda_posture_checks::finding::Status;
use lambda_posture_checks::report::Report;
use serde::Deserialize;

use super::root;

#[derive(Deserialize)]
pub struct Expectations {
    pub account_id: String,
    pub regions: Vec<String>,
    pub functions: BTreeMap<String, serde_json::Value>,
    pub checks: BTreeMap<String, CheckExpectation>,
    /// The checks off by default that the expectations assume enabled.
    #[serde(default)]
    pub enabled: Vec<String>,
}

impl Expectations {
    /// The configuration the expectations assume: the default one, with the checks off by default enabled.
    pub fn config(&self) -> lambda_posture_checks::config::ValidConfig {
        lambda_posture_checks::config::Config {
            enabled: self.enabled.clone(),
            ..Default::default()
        }
        .validate("demo-expectations.json", |id| {
            lambda_posture_checks::catalog::find(id).is_some()
        })
        .expect("the expectations' configuration is valid")
    }
}

#[derive(Deserialize)]
pub struct CheckExpectation {
    pub fail: Vec<String>,
    pub pass_examples: Vec<String>,
    #[serde(default)]
    pub unknown: Vec<String>,
}

pub fn load() -> Expectations {
    let path = root().join("mocks/demo-expectations.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read demo-expectations.json"))
        .expect("parse expectations")
}

/// Every (check, function) failure the seeder planted is reported, and nothing else fails; Unknowns are exactly the
/// planned ones. Checks listed in `skip` are left out (e.g. code-secret without --scan-code).
pub fn assert_report_matches(report: &Report, expected: &Expectations, skip: &[&str]) {
    let mut problems = Vec::new();
    for (check, exp) in &expected.checks {
        if skip.contains(&check.as_str()) {
            continue;
        }
        let with_status = |status: Status| -> BTreeSet<String> {
            report
                .findings
                .iter()
                .filter(|f| &f.check_id == check && f.status == status)
                .map(|f| f.resource_name.to_string())
                .collect()
        };
        let failing = with_status(Status::Fail);
        let unknown = with_status(Status::Unknown);
        let want_fail: BTreeSet<String> = exp.fail.iter().cloned().collect();
        let want_unknown: BTreeSet<String> = exp.unknown.iter().cloned().collect();
        if failing != want_fail {
            problems.push(format!(
                "{check}: missing failures {:?}, unexpected failures {:?}",
                want_fail.difference(&failing).collect::<Vec<_>>(),
                failing.difference(&want_fail).collect::<Vec<_>>()
            ));
        }
        if unknown != want_unknown {
            problems.push(format!(
                "{check}: missing unknowns {:?}, unexpected unknowns {:?}",
                want_unknown.difference(&unknown).collect::<Vec<_>>(),
                unknown.difference(&want_unknown).collect::<Vec<_>>()
            ));
        }
        for name in &exp.pass_examples {
            if failing.contains(name) || unknown.contains(name) {
                problems.push(format!("{check}: {name} should pass"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "report differs from what the seeder planted:\n{}",
        problems.join("\n")
    );
}
