//! The catalogue's contract: every check of the registry (`catalog::all()`, the one list of check ids) is there once
//! under a kebab-case id, with docs and pass/fail cases that behave. The ids are shipped: `docs/CHECKS.md`, generated
//! from the registry, shows a renamed or removed id in review.
//!
//! Case files live in `src/catalog/<group>/<check_id>/cases/`. The prefix of the file name is the expectation:
//! `pass-*.json` (no finding), `fail-*.json` (at least one failure), `unknown-*.json` (Unknown, no failure).
//! A case is `{ "description", "scan_date"?, "lookback_days"?, "config"?, "account": {…}, "function"? }`; the check
//! runs on the named function (default: every function of the account). Failures are snapshotted with insta.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use lambda_posture_checks::catalog;
use lambda_posture_checks::check::FunctionContext;
use lambda_posture_checks::compliance::{self, Framework};
use lambda_posture_checks::config::Config;
use lambda_posture_checks::engine::run_check;
use lambda_posture_checks::finding::{Finding, Status};
use lambda_posture_checks::inventory::Account;
use lambda_posture_checks::memo::Memo;
use serde::Deserialize;

const HEADINGS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## How to fix",
    "## Example",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    scan_date: Option<NaiveDate>,
    lookback_days: Option<u32>,
    #[serde(default)]
    config: Config,
    account: Account,
    function: Option<String>,
}

fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/catalog")
}

/// The folder of a check: `src/catalog/<group>/<id with underscores>/`.
fn check_dir(id: &str) -> Option<PathBuf> {
    let module = id.replace('-', "_");
    std::fs::read_dir(catalog_dir())
        .ok()?
        .flatten()
        .map(|group| group.path().join(&module))
        .find(|p| p.is_dir())
}

fn cases_of(id: &str) -> Vec<PathBuf> {
    let Some(dir) = check_dir(id) else {
        return vec![];
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir.join("cases"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

#[test]
fn every_catalogue_id_is_shipped_once_in_kebab_case() {
    let ids: Vec<&str> = catalog::all().iter().map(|c| c.id).collect();
    let mut seen = std::collections::BTreeSet::new();
    for id in &ids {
        assert!(seen.insert(*id), "duplicate check id {id}");
        assert!(
            !id.is_empty()
                && id.split('-').all(|part| !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "check id `{id}` is not kebab-case"
        );
    }
}

#[test]
fn every_check_has_docs_with_the_required_headings() {
    for check in catalog::all() {
        for heading in HEADINGS {
            assert!(
                check.docs.contains(heading),
                "{}: README.md lacks `{heading}`",
                check.id
            );
        }
        assert!(
            check.docs.contains("> "),
            "{}: README.md must quote the seed it comes from",
            check.id
        );
        assert!(!check.title.is_empty(), "{}: empty title", check.id);
    }
}

#[test]
fn every_check_has_pass_and_fail_cases() {
    for check in catalog::all() {
        let names: Vec<String> = cases_of(check.id)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            check_dir(check.id).is_some(),
            "{}: no folder src/catalog/<group>/{}",
            check.id,
            check.id.replace('-', "_")
        );
        assert!(
            names.iter().any(|n| n.starts_with("pass-")),
            "{}: no pass-*.json case",
            check.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("fail-")),
            "{}: no fail-*.json case",
            check.id
        );
        for name in &names {
            assert!(
                ["pass-", "fail-", "unknown-"]
                    .iter()
                    .any(|p| name.starts_with(p)),
                "{}: case {name} must start with pass-, fail- or unknown-",
                check.id
            );
        }
    }
}

fn run_case(check_id: &str, path: &Path) -> Vec<Finding> {
    let check = catalog::find(check_id).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let case: Case =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !case.description.is_empty(),
        "{}: empty description",
        path.display()
    );
    let today = case
        .scan_date
        .unwrap_or(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let mut findings = Vec::new();
    let memo = Memo::new(&case.account);
    let targets: Vec<_> = case
        .account
        .functions
        .iter()
        .filter(|f| case.function.as_ref().is_none_or(|name| &f.name == name))
        .collect();
    assert!(
        !targets.is_empty(),
        "{}: no function to evaluate",
        path.display()
    );
    let config = case
        .config
        .clone()
        .validate(&path.display().to_string(), |id| {
            catalog::find(id).is_some()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    for function in targets {
        let ctx = FunctionContext {
            account: &case.account,
            function,
            config: &config,
            today,
            lookback_days: case.lookback_days.unwrap_or(90),
            memo: &memo,
        };
        findings.extend(run_check(check, &ctx));
    }
    findings
}

#[test]
fn cases_behave_as_their_names_say() {
    let mut failures = Vec::new();
    for check in catalog::all() {
        for path in cases_of(check.id) {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let findings = run_case(check.id, &path);
            let fails = findings.iter().filter(|f| f.status == Status::Fail).count();
            let unknowns = findings
                .iter()
                .filter(|f| f.status == Status::Unknown)
                .count();
            let ok = if name.starts_with("pass-") {
                findings.is_empty()
            } else if name.starts_with("fail-") {
                fails > 0
            } else {
                unknowns > 0 && fails == 0
            };
            if !ok {
                failures.push(format!(
                    "{}/{name}: got {fails} fail, {unknowns} unknown: {:#?}",
                    check.id, findings
                ));
            }
            if !findings.is_empty() {
                insta::assert_json_snapshot!(format!("{}__{name}", check.id), findings);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "cases that misbehave:\n{}",
        failures.join("\n")
    );
}

/// Every check folder has a `compliance.json` (the file its `Check` includes) naming every framework and nothing
/// else, with well-formed control ids of each (see `compliance::Mapping::parse`).
#[test]
fn every_check_has_a_valid_compliance_mapping() {
    let mut errors = Vec::new();
    for check in catalog::all() {
        let Some(dir) = check_dir(check.id) else {
            errors.push(format!("{}: no folder", check.id));
            continue;
        };
        let path = dir.join("compliance.json");
        match std::fs::read_to_string(&path) {
            Err(e) => errors.push(format!("{}: {}: {e}", check.id, path.display())),
            Ok(text) if text != check.compliance => errors.push(format!(
                "{}: the Check does not include its folder's compliance.json",
                check.id
            )),
            Ok(_) => {
                if let Err(e) = compliance::Mapping::parse(check.compliance) {
                    errors.push(format!("{}: compliance.json: {e}", check.id));
                }
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Every FSBP control we claim to evidence (README "Compliance frameworks") is mapped by some check, and no check
/// maps an FSBP control we do not claim.
#[test]
fn every_claimed_fsbp_control_is_mapped_and_only_those() {
    let mapped: std::collections::BTreeSet<&str> = catalog::all()
        .iter()
        .flat_map(|c| compliance::of(c).controls.of(Framework::AwsFsbp))
        .map(String::as_str)
        .collect();
    for claimed in compliance::CLAIMED_FSBP {
        assert!(
            mapped.contains(claimed),
            "{claimed} is claimed but no check maps it"
        );
    }
    for id in &mapped {
        assert!(
            compliance::CLAIMED_FSBP.contains(id),
            "{id} is mapped but not in compliance::CLAIMED_FSBP (and the README)"
        );
    }
}

/// The generated part of `docs/CHECKS.md` starts after this line; what is above it is written by hand.
const CATALOGUE_MARKER: &str = "<!-- generated: the catalogue -->\n";

/// `docs/CHECKS.md` below its marker: per group, a table of its checks, then each check's "What it checks".
fn catalogue_document() -> String {
    let mut doc = String::new();
    for group in catalog::groups() {
        doc.push_str(&format!(
            "\n## {}\n\n| id | finds | default severity |\n|---|---|---|\n",
            group.title
        ));
        // A check off by default says so wherever its severity is shown.
        let severity = |check: &lambda_posture_checks::check::Check| {
            if catalog::off_by_default(check.id) {
                format!("{} (off by default)", check.severity)
            } else {
                check.severity.to_string()
            }
        };
        for check in group.checks {
            doc.push_str(&format!(
                "| [{id}](#{id}) | {} | {} |\n",
                check.title,
                severity(check),
                id = check.id
            ));
        }
        for check in group.checks {
            let readme = catalog::doc_path(check.id).expect("a check of a group has a README");
            doc.push_str(&format!(
                "\n### {}\n\n**{}** · default severity {} · [README](../checks/{readme})\n\n{}\n\n{}\n",
                check.id,
                check.title,
                severity(check),
                check.doc_section("What it checks"),
                controls_line(check)
            ));
        }
    }
    doc
}

/// The controls a check evidences, one framework after the other (`compliance.json`), for `docs/CHECKS.md`.
fn controls_line(check: &lambda_posture_checks::check::Check) -> String {
    let mapping = compliance::of(check);
    let frameworks: Vec<String> = mapping
        .controls
        .iter()
        .map(|(f, controls)| format!("{} {}: {}", f.name(), f.version(), controls.join(", ")))
        .collect();
    let mut line = if frameworks.is_empty() {
        "**Controls:** none".to_string()
    } else {
        format!("**Controls:** {}", frameworks.join(" · "))
    };
    if let Some(notes) = &mapping.notes {
        line.push_str(&format!(" — {notes}"));
    }
    line
}

#[test]
fn the_catalogue_document_is_generated_from_the_readmes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/CHECKS.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (intro, generated) = text
        .split_once(CATALOGUE_MARKER)
        .expect("docs/CHECKS.md keeps its marker line");
    let expected = catalogue_document();
    if std::env::var_os("LP_UPDATE_DOCS").is_some_and(|v| !v.is_empty()) {
        std::fs::write(&path, format!("{intro}{CATALOGUE_MARKER}{expected}")).unwrap();
        return;
    }
    assert!(
        generated == expected,
        "docs/CHECKS.md differs from the check registry and READMEs; rewrite it with \
         `LP_UPDATE_DOCS=1 cargo test -p lambda-posture-checks --test catalog` and review the diff"
    );
}
