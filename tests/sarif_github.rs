//! SARIF that GitHub code scanning accepts: the demo's SARIF against the OASIS SARIF 2.1.0 schema
//! (`schema/sarif-schema-2.1.0.json`) and against GitHub's documented upload rules (`support/github_sarif.rs`), the
//! checker itself refusing what GitHub refuses, and the physical location each result gets.

mod support;

use lambda_posture_checks::arn::Arn;
use serde_json::{json, Value};

use support::github_sarif::{self, github_errors};
use support::{cli::*, report::*, *};

fn demo_sarif_of(inventory: &std::path::Path) -> Value {
    let out = scan(inventory, &["--format", "sarif"]);
    assert!([0, 3].contains(&code(&out)), "{}", stderr(&out));
    let size = github_sarif::upload_size_errors(&out.stdout);
    assert!(size.is_empty(), "{size:?}");
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn demo_sarif() -> Value {
    demo_sarif_of(&demo_path())
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().expect("results")
}

#[test]
fn the_demo_sarif_passes_the_oasis_schema_and_githubs_upload_rules() {
    let sarif = demo_sarif();
    let schema = schema_errors("sarif-schema-2.1.0.json", &sarif);
    assert!(schema.is_empty(), "OASIS SARIF 2.1.0 schema: {schema:#?}");
    let github = github_errors(&sarif);
    assert!(github.is_empty(), "GitHub code scanning: {github:#?}");
    let results = results(&sarif);
    assert!(results.len() > 200, "every finding is a result");
    // Every demo function is plain (no IaC tags): each result is filed under its function's stable URI.
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let arn = Arn::parse(r["properties"]["functionArn"].as_str().unwrap()).unwrap();
        let name = arn.function_name().unwrap();
        let region = r["properties"]["region"].as_str().unwrap();
        assert_eq!(uri, format!("aws/123456789012/{region}/lambda/{name}"));
        let id = r["properties"]["findingId"].as_str().unwrap();
        assert_eq!(
            r["partialFingerprints"]["primaryLocationLineHash"],
            format!("{}:1", id.trim_start_matches("LP-"))
        );
    }
    // Info rules carry no security-severity (0.0 would give no severity): they show at their level.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let info = rules
        .iter()
        .filter(|r| r["defaultConfiguration"]["level"] == "note")
        .count();
    assert!(info > 0);
    assert!(rules
        .iter()
        .all(|r| r["properties"]["security-severity"] != "0.0"));
}

#[test]
fn unknown_results_and_gaps_pass_the_oasis_schema_and_githubs_upload_rules() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = demo_sarif_of(&demo_with_iam_denied(dir.path()));
    let schema = schema_errors("sarif-schema-2.1.0.json", &sarif);
    assert!(schema.is_empty(), "OASIS SARIF 2.1.0 schema: {schema:#?}");
    let github = github_errors(&sarif);
    assert!(github.is_empty(), "GitHub code scanning: {github:#?}");
    let unknown = results(&sarif)
        .iter()
        .filter(|r| r["properties"]["status"] == "unknown")
        .count();
    assert!(unknown > 0, "IAM denied makes the role checks Unknown");
}

#[test]
fn the_checker_refuses_what_github_refuses() {
    let good = demo_sarif();
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut sarif = good.clone();
        edit(&mut sarif);
        github_errors(&sarif)
    };
    let expect = |errors: Vec<String>, needle: &str| {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "expected `{needle}` in {errors:#?}"
        );
    };
    let run = "/runs/0";
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/results/0/locations/0"))
                .unwrap()["physicalLocation"] = Value::Null
        }),
        "artifactLocation.uri: required",
    );
    expect(
        broken(&|s| {
            *s.pointer_mut(&format!("{run}/results/0/locations"))
                .unwrap() = json!([])
        }),
        "locations: required",
    );
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/tool/driver/rules/0/fullDescription"))
                .unwrap()["text"] = "x".repeat(1025).into()
        }),
        "1025 characters",
    );
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/tool/driver/rules/0/properties"))
                .unwrap()["security-severity"] = "0.0".into()
        }),
        "security-severity",
    );
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/results/0")).unwrap()["ruleId"] = "no-such-rule".into()
        }),
        "is not in tool.driver.rules",
    );
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/results/0")).unwrap()["level"] = "critical".into()
        }),
        ".level",
    );
    // The OASIS schema refuses it too: the schema check is not a formality.
    let mut bad_level = good.clone();
    bad_level.pointer_mut(&format!("{run}/results/0")).unwrap()["level"] = "critical".into();
    assert!(!schema_errors("sarif-schema-2.1.0.json", &bad_level).is_empty());
    expect(
        broken(&|s| {
            s.pointer_mut(&format!("{run}/results/0/partialFingerprints"))
                .unwrap()["primaryLocationLineHash"] = Value::Null
        }),
        "primaryLocationLineHash: required",
    );
    expect(
        broken(&|s| {
            let first = s.pointer(&format!("{run}/results/0")).unwrap().clone();
            s.pointer_mut(&format!("{run}/results"))
                .unwrap()
                .as_array_mut()
                .unwrap()
                .push(first)
        }),
        "one alert for both",
    );
    expect(
        broken(&|s| {
            let results = s
                .pointer_mut(&format!("{run}/results"))
                .unwrap()
                .as_array_mut()
                .unwrap();
            let one = results[0].clone();
            results.resize(github_sarif::MAX_RESULTS_PER_RUN + 1, one);
        }),
        "results (at most 25000)",
    );
    expect(
        broken(&|s| {
            s["runs"] = json!(vec![
                json!({"tool": {"driver": {"name": "x"}}, "results": []});
                21
            ])
        }),
        "at most 20 per file",
    );
    // Over 10 MB once compressed: bytes that do not compress (an xorshift stream), 11 MB of them.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: Vec<u8> = (0..11_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    expect(github_sarif::upload_size_errors(&noise), "gzip-compressed");
    assert!(github_sarif::upload_size_errors(&vec![b' '; 11_000_000]).is_empty());
}

#[test]
fn a_function_tagged_with_its_iac_file_is_shown_on_that_file() {
    let mut inventory: Value =
        serde_json::from_str(&std::fs::read_to_string(demo_path()).unwrap()).unwrap();
    let functions = inventory["accounts"][0]["functions"]
        .as_array_mut()
        .unwrap();
    let tag = |f: &mut Value, key: &str, value: &str| {
        if !f["tags"].is_object() {
            f["tags"] = json!({});
        }
        f["tags"]
            .as_object_mut()
            .unwrap()
            .insert(key.into(), value.into());
    };
    let name = |f: &Value| f["name"].as_str().unwrap().to_string();
    let (tagged, hostile, stacked) = (
        name(&functions[0]),
        name(&functions[1]),
        name(&functions[2]),
    );
    tag(&mut functions[0], "git_file", "infra/functions/main tf.tf");
    tag(&mut functions[1], "git_file", "../../../etc/passwd");
    tag(
        &mut functions[2],
        "aws:cloudformation:stack-name",
        "payments-prod",
    );
    tag(
        &mut functions[2],
        "aws:cloudformation:logical-id",
        "CheckoutFunction",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_json(dir.path(), "inventory.json", &inventory);
    let sarif = demo_sarif_of(&path);
    assert!(
        github_errors(&sarif).is_empty(),
        "{:#?}",
        github_errors(&sarif)
    );
    assert!(schema_errors("sarif-schema-2.1.0.json", &sarif).is_empty());
    let of = |function: &str| -> Vec<&Value> {
        results(&sarif)
            .iter()
            .filter(|r| {
                r["properties"]["functionArn"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(":{function}"))
            })
            .collect()
    };
    let uri = |r: &Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(!of(&tagged).is_empty());
    for r in of(&tagged) {
        assert_eq!(
            uri(r),
            "infra/functions/main%20tf.tf",
            "the IaC file, percent-encoded"
        );
    }
    for r in of(&hostile) {
        assert!(
            uri(r).starts_with("aws/") && uri(r).ends_with(&format!("/lambda/{hostile}")),
            "{}",
            uri(r)
        );
    }
    for r in of(&stacked) {
        let logical = r["locations"][0]["logicalLocations"].as_array().unwrap();
        assert!(
            logical
                .iter()
                .any(|l| l["fullyQualifiedName"] == "payments-prod/CheckoutFunction"),
            "{logical:?}"
        );
    }
}
