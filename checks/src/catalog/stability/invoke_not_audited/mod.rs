//! invoke-not-audited: no CloudTrail trail or event data store records the function's `Invoke` data events.

mod selectors;

use serde_json::{json, Value};

use crate::check::{gap_reason, Check, FunctionContext, Outcome};
use crate::finding::Severity;
use crate::inventory::cloudtrail::{CloudTrail, Selectors};
use crate::inventory::{Account, Function};

pub const CHECK: Check = Check {
    id: "invoke-not-audited",
    title: "Invocations not recorded by CloudTrail",
    severity: Severity::Low,
    docs: include_str!("README.md"),
    compliance: include_str!("compliance.json"),
    evaluate,
};

/// What CloudTrail does with the function's Invoke events.
#[derive(Debug, PartialEq)]
pub enum Audit {
    /// This trail or event data store records them.
    Recorded {
        kind: &'static str,
        name: String,
        arn: String,
    },
    /// None does; each one considered, with why not.
    NotRecorded(Vec<Value>),
    /// None of those read does, but some could not be read: why.
    Unreadable(String),
}

/// Whether a trail or event data store with these selectors records the Invoke events of the function `arn`.
fn recorded_by(selectors: &Selectors, arn: &str) -> Result<(), String> {
    selectors::records_invokes(&selectors.basic, &selectors.advanced, arn)
}

/// Who records the Invoke events of `function`, according to `cloudtrail` (and the account's gaps). An Invoke record
/// names the function by its unqualified ARN (`resources[].ARN`), whichever alias or version the caller named: the
/// selectors are judged against `function.arn`.
pub fn audit(account: &Account, cloudtrail: &CloudTrail, function: &Function) -> Audit {
    let arn = function.arn.as_str();
    let region = function.region.as_str();
    let mut considered = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut consider = |kind: &str, name: &str, arn: &str, why: String| {
        considered.push(json!({"kind": kind, "name": name, "arn": arn, "why": why}));
    };
    for trail in &cloudtrail.trails {
        if !trail.multi_region && trail.home_region != region {
            consider(
                "trail",
                &trail.name,
                &trail.arn,
                format!(
                    "records events of its home region {} only",
                    trail.home_region
                ),
            );
            continue;
        }
        let Some(selectors) = &trail.selectors else {
            unreadable.push(format!(
                "the event selectors of trail {} could not be read",
                trail.arn
            ));
            continue;
        };
        if let Err(why) = recorded_by(selectors, arn) {
            consider("trail", &trail.name, &trail.arn, why);
            continue;
        }
        match trail.logging {
            Some(true) => {
                return Audit::Recorded {
                    kind: "trail",
                    name: trail.name.clone(),
                    arn: trail.arn.clone(),
                }
            }
            Some(false) => consider(
                "trail",
                &trail.name,
                &trail.arn,
                "its selectors would record Invoke events, but it is not logging (stopped)".into(),
            ),
            None => unreadable.push(format!(
                "the status of trail {} could not be read",
                trail.arn
            )),
        }
    }
    for store in &cloudtrail.event_data_stores {
        let Some(details) = &store.details else {
            unreadable.push(format!("event data store {} could not be read", store.arn));
            continue;
        };
        if !details.multi_region && store.region != region {
            consider(
                "event data store",
                &store.name,
                &store.arn,
                format!("records events of its region {} only", store.region),
            );
            continue;
        }
        let selectors = Selectors {
            basic: Vec::new(),
            advanced: details.advanced.clone(),
        };
        if let Err(why) = recorded_by(&selectors, arn) {
            consider("event data store", &store.name, &store.arn, why);
            continue;
        }
        if details.status == "ENABLED" {
            return Audit::Recorded {
                kind: "event data store",
                name: store.name.clone(),
                arn: store.arn.clone(),
            };
        }
        consider(
            "event data store",
            &store.name,
            &store.arn,
            format!(
                "its selectors would record Invoke events, but its status is {:?}, not ENABLED",
                details.status
            ),
        );
    }
    // A region whose trails could not be listed, or any region whose event data stores could not be (a multi-region
    // store records every region), may hide the one that records the function.
    let listing_gaps = account.gaps.iter().filter(|g| {
        g.service == "cloudtrail"
            && ((g.operation == "DescribeTrails"
                && g.region.as_deref().is_none_or(|r| r == region))
                || g.operation == "ListEventDataStores")
    });
    unreadable.splice(0..0, listing_gaps.map(gap_reason));
    match unreadable.into_iter().next() {
        Some(first) => Audit::Unreadable(first),
        None => Audit::NotRecorded(considered),
    }
}

fn evaluate(ctx: &FunctionContext) -> Vec<Outcome> {
    let Some(cloudtrail) = &ctx.account.cloudtrail else {
        return vec![Outcome::unknown("CloudTrail was not read in this scan")];
    };
    let verdict = audit(ctx.account, cloudtrail, ctx.function);
    match verdict {
        Audit::Recorded { .. } => vec![],
        Audit::Unreadable(why) => vec![Outcome::unknown(format!(
            "no trail or event data store the scan could read records the function's Invoke events, and {why}"
        ))],
        Audit::NotRecorded(considered) => {
            let summary = if considered.is_empty() {
                "the account has no trail or event data store".to_string()
            } else {
                let n = considered.len();
                let what = if n == 1 { "trail or event data store" } else { "trails or event data stores" };
                format!("{n} {what} considered, none records them (see evidence)")
            };
            vec![Outcome::fail(
                format!(
                    "No CloudTrail trail or event data store records this function's Invoke events: {summary}; \
                     who invoked it cannot be told afterwards"
                ),
                json!({ "considered": considered }),
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::cloudtrail::{
        AdvancedSelector, EventDataStore, EventDataStoreDetails, FieldSelector, Trail,
    };
    use crate::inventory::Gap;

    const F: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders";

    fn function() -> Function {
        Function {
            arn: F.into(),
            name: "orders".into(),
            region: "us-east-1".into(),
            ..Function::default()
        }
    }

    fn lambda_all() -> Vec<AdvancedSelector> {
        let field = |name: &str, value: &str| FieldSelector {
            field: name.into(),
            equals: vec![value.into()],
            ..FieldSelector::default()
        };
        vec![AdvancedSelector {
            name: None,
            field_selectors: vec![
                field("eventCategory", "Data"),
                field("resources.type", "AWS::Lambda::Function"),
            ],
        }]
    }

    fn trail(name: &str, logging: Option<bool>, advanced: Vec<AdvancedSelector>) -> Trail {
        Trail {
            arn: format!("arn:aws:cloudtrail:eu-west-1:123456789012:trail/{name}"),
            name: name.into(),
            home_region: "eu-west-1".into(),
            multi_region: true,
            organization: false,
            logging,
            selectors: Some(Selectors {
                basic: vec![],
                advanced,
            }),
        }
    }

    #[test]
    fn a_logging_multi_region_trail_homed_elsewhere_records_the_function() {
        let cloudtrail = CloudTrail {
            trails: vec![
                trail("stopped", Some(false), lambda_all()),
                trail("audit", Some(true), lambda_all()),
            ],
            event_data_stores: vec![],
        };
        let audit = audit(&Account::default(), &cloudtrail, &function());
        assert!(
            matches!(audit, Audit::Recorded { kind: "trail", ref name, .. } if name == "audit"),
            "{audit:?}"
        );
    }

    #[test]
    fn a_stopped_trail_does_not_record_and_says_so() {
        let cloudtrail = CloudTrail {
            trails: vec![trail("stopped", Some(false), lambda_all())],
            event_data_stores: vec![],
        };
        let Audit::NotRecorded(considered) = audit(&Account::default(), &cloudtrail, &function())
        else {
            panic!("recorded")
        };
        assert!(considered[0]["why"]
            .as_str()
            .unwrap()
            .contains("not logging"));
    }

    #[test]
    fn an_enabled_store_records_and_a_failed_listing_makes_the_rest_unknown() {
        let store = |status: &str| EventDataStore {
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/e1".into(),
            name: "lake".into(),
            region: "us-east-1".into(),
            details: Some(EventDataStoreDetails {
                status: status.into(),
                multi_region: false,
                organization: false,
                advanced: lambda_all(),
            }),
        };
        let mut cloudtrail = CloudTrail {
            trails: vec![],
            event_data_stores: vec![store("ENABLED")],
        };
        let account = Account {
            gaps: vec![Gap {
                service: "cloudtrail".into(),
                operation: "ListEventDataStores".into(),
                region: Some("eu-west-1".into()),
                ..Gap::default()
            }],
            ..Account::default()
        };
        assert!(matches!(
            audit(&account, &cloudtrail, &function()),
            Audit::Recorded {
                kind: "event data store",
                ..
            }
        ));
        cloudtrail.event_data_stores = vec![store("STOPPED_INGESTION")];
        assert!(matches!(
            audit(&account, &cloudtrail, &function()),
            Audit::Unreadable(_)
        ));
        assert!(matches!(
            audit(&Account::default(), &cloudtrail, &function()),
            Audit::NotRecorded(_)
        ));
    }
}
