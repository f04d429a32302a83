//! `--format ocsf`: the demo's findings as OCSF 1.6.0 Detection Finding events, each valid against the shipped
//! schema (`schema/ocsf/detection_finding-1.6.0.schema.json`), and the schema generator
//! (`schema/ocsf/build_schema.py`) doing what it says on a small set of definitions.

mod support;

use std::collections::HashSet;
use std::process::Command;

use serde_json::{json, Value};

use support::{cli::*, report::*, *};

const SCHEMA: &str = "ocsf/detection_finding-1.6.0.schema.json";

fn demo_events() -> Vec<Value> {
    let out = scan(&demo_path(), &["--format", "ocsf"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let events: Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    events.as_array().expect("a JSON array").clone()
}

#[test]
fn every_demo_finding_is_one_valid_detection_finding() {
    let events = demo_events();
    let report = scan_json(&demo_path(), &[]);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(events.len(), findings.len(), "one event per finding");
    let mut ids = HashSet::new();
    for (event, finding) in events.iter().zip(findings) {
        let errors = schema_errors(SCHEMA, event);
        assert!(errors.is_empty(), "{}: {errors:#?}", finding["id"]);
        assert_eq!(event["finding_info"]["uid"], finding["id"]);
        assert_eq!(event["metadata"]["version"], "1.6.0");
        assert_eq!(
            (event["class_uid"].as_u64(), event["type_uid"].as_u64()),
            (Some(2004), Some(200401))
        );
        assert_eq!(event["cloud"]["account"]["uid"], finding["account_id"]);
        assert!(ids.insert(event["metadata"]["uid"].as_str().unwrap().to_string()));
    }
}

#[test]
fn an_unknown_finding_is_a_valid_event_that_is_not_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_with_iam_denied(dir.path());
    let out = scan(&path, &["--format", "ocsf"]);
    assert_eq!(
        code(&out),
        3,
        "a gap is an incomplete scan: {}",
        stderr(&out)
    );
    let events: Value = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let unknown = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["unmapped"]["lambda_posture"]["status"] == "unknown")
        .expect("IAM denied makes the role checks Unknown");
    assert!(schema_errors(SCHEMA, unknown).is_empty(), "{unknown:#}");
    assert_eq!(unknown["status_code"], "UNKNOWN");
    assert_eq!(unknown["is_alert"], false);
}

#[test]
fn the_schema_refuses_what_ocsf_refuses() {
    let event = demo_events().swap_remove(0);
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut e = event.clone();
        edit(&mut e);
        schema_errors(SCHEMA, &e)
    };
    assert!(
        !broken(&|e| e["class_uid"] = 2001.into()).is_empty(),
        "another class"
    );
    assert!(
        !broken(&|e| e["severity_id"] = 7.into()).is_empty(),
        "not a severity id"
    );
    assert!(
        !broken(&|e| e["not_an_ocsf_attribute"] = 1.into()).is_empty(),
        "unknown attribute"
    );
    assert!(!broken(&|e| e["finding_info"]
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k != "uid"))
    .is_empty());
    assert!(
        !broken(&|e| e["cloud"]["account"]["uid"] = 1.into()).is_empty(),
        "wrong type"
    );
    assert!(
        !broken(&|e| e["resources"][0] = json!({ "region": "x" })).is_empty(),
        "neither name nor uid"
    );
}

#[test]
fn the_generator_merges_extends_enums_profiles_and_objects() {
    let source = json!({
        "version_info": { "version": "9.9.9" },
        "categories_meta": { "attributes": { "findings": { "uid": 2 } } },
        "dictionary": {
            "types": { "attributes": {
                "string_t": {}, "integer_t": {}, "long_t": {}, "timestamp_t": { "type": "long_t" }
            } },
            "attributes": {
                "activity_id": { "type": "integer_t", "enum": { "0": {}, "99": {} } },
                "class_uid": { "type": "integer_t" }, "category_uid": { "type": "integer_t" },
                "type_uid": { "type": "long_t" }, "time": { "type": "timestamp_t" },
                "thing": { "type": "thing" }, "names": { "type": "string_t", "is_array": true },
                "uid": { "type": "string_t" }, "name": { "type": "string_t" },
                "cloud": { "type": "string_t" }, "api": { "type": "string_t" }
            }
        },
        "events": {
            "base_event": { "name": "base_event", "category": "other", "attributes": {
                "$include": ["profiles/cloud.json"],
                "activity_id": { "requirement": "required" }, "class_uid": { "requirement": "required" },
                "category_uid": {}, "type_uid": {}, "time": { "requirement": "required" }
            } },
            "finding": { "name": "finding", "extends": "base_event", "category": "findings", "attributes": {
                "activity_id": { "enum": { "1": {} } }, "thing": { "requirement": "recommended" }
            } },
            "small": { "name": "small", "extends": "finding", "uid": 7, "attributes": { "names": {} } }
        },
        "objects": {
            "_entity": { "name": "_entity", "attributes": { "name": {}, "uid": {} },
                         "constraints": { "at_least_one": ["name", "uid"] } },
            "thing": { "name": "thing", "extends": "_entity", "attributes": { "uid": { "requirement": "required" } } }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "source.json", &source);
    let schema = run_ok(
        Command::new("python3")
            .arg(root().join("schema/ocsf/build_schema.py"))
            .arg(&path)
            .args(["--class", "small", "--profile", "cloud"]),
        "build_schema.py",
    );
    let schema: Value = serde_json::from_slice(&schema).unwrap();
    let props = &schema["properties"];
    assert_eq!(props["class_uid"], json!({ "const": 2007 }));
    assert_eq!(
        props["activity_id"]["enum"],
        json!([0, 1, 99]),
        "the child's enum merged with the parent's"
    );
    assert_eq!(props["type_uid"]["enum"], json!([200700, 200701, 200799]));
    assert_eq!(
        props["names"],
        json!({ "type": "array", "items": { "type": "string" } })
    );
    assert_eq!(props["time"], json!({ "type": "integer" }));
    assert_eq!(props["thing"], json!({ "$ref": "#/$defs/thing" }));
    assert_eq!(
        schema["required"],
        json!(["activity_id", "class_uid", "cloud", "time"]),
        "cloud: the profile's"
    );
    assert_eq!(schema["additionalProperties"], false);
    let thing = &schema["$defs"]["thing"];
    assert_eq!(thing["required"], json!(["uid"]));
    assert_eq!(
        thing["anyOf"],
        json!([{ "required": ["name"] }, { "required": ["uid"] }])
    );
}
