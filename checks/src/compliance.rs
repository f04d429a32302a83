//! Compliance mapping: the frameworks we map to, the controls each check evidences (its `compliance.json`, parsed and
//! validated here), and a report's pass/fail summary per control of one framework (`scan --framework`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog;
use crate::check::Check;
use crate::finding::Status;
use crate::report::Report;

/// A compliance framework whose control ids the checks' `compliance.json` files name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    /// AWS Foundational Security Best Practices: Security Hub's control ids (`Lambda.1`, `IAM.1`).
    AwsFsbp,
    /// CIS Amazon Web Services Foundations Benchmark (`1.16`).
    CisAws,
    /// NIST SP 800-53 Revision 5 (`AC-3`, `AC-3(7)`).
    Nist80053R5,
    /// PCI DSS v4.0.1 (`7.2.1`).
    PciDssV4,
}

impl Framework {
    /// Every framework, in the order of the files and of every output.
    pub const ALL: [Framework; 4] = [
        Framework::AwsFsbp,
        Framework::CisAws,
        Framework::Nist80053R5,
        Framework::PciDssV4,
    ];

    /// The key in `compliance.json`, the JSON outputs and `--framework`.
    pub fn id(self) -> &'static str {
        match self {
            Framework::AwsFsbp => "aws-fsbp",
            Framework::CisAws => "cis-aws",
            Framework::Nist80053R5 => "nist-800-53-r5",
            Framework::PciDssV4 => "pci-dss-v4",
        }
    }

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            Framework::AwsFsbp => "AWS Foundational Security Best Practices",
            Framework::CisAws => "CIS Amazon Web Services Foundations Benchmark",
            Framework::Nist80053R5 => "NIST SP 800-53",
            Framework::PciDssV4 => "PCI DSS",
        }
    }

    /// The version the mapping follows.
    pub fn version(self) -> &'static str {
        match self {
            Framework::AwsFsbp => "v1.0.0",
            Framework::CisAws => "v3.0.0",
            Framework::Nist80053R5 => "Revision 5",
            Framework::PciDssV4 => "v4.0.1",
        }
    }

    /// The framework of a `--framework` / file key.
    pub fn from_id(id: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The ids of every framework, comma-separated (for error messages).
    pub fn ids() -> String {
        Framework::ALL.map(Framework::id).join(", ")
    }

    /// A control written as Security Hub writes the requirements a control is related to (ASFF
    /// `Compliance.RelatedRequirements`): `NIST.800-53.r5 AC-3`, `PCI DSS v4.0.1/7.2.1`,
    /// `CIS AWS Foundations Benchmark v3.0.0/1.16`. `None` for FSBP, whose ids are Security Hub controls, not
    /// requirements.
    pub fn related_requirement(self, control: &str) -> Option<String> {
        match self {
            Framework::AwsFsbp => None,
            Framework::CisAws => Some(format!("CIS AWS Foundations Benchmark v3.0.0/{control}")),
            Framework::Nist80053R5 => Some(format!("NIST.800-53.r5 {control}")),
            Framework::PciDssV4 => Some(format!("PCI DSS v4.0.1/{control}")),
        }
    }

    /// Whether `id` has the shape of a control id of this framework: `Lambda.1` / `IAM.21` (FSBP), `1.16` (CIS),
    /// `AC-3` / `AC-3(7)` (NIST), `7.2.1` / `7.2.5.1` (PCI DSS).
    pub fn is_control_id(self, id: &str) -> bool {
        let number = |s: &str| {
            !s.is_empty()
                && s.len() <= 3
                && s.bytes().all(|b| b.is_ascii_digit())
                && !s.starts_with('0')
        };
        let dotted = |s: &str, min: usize, max: usize| {
            let parts: Vec<&str> = s.split('.').collect();
            (min..=max).contains(&parts.len()) && parts.iter().all(|p| number(p))
        };
        match self {
            Framework::AwsFsbp => id.split_once('.').is_some_and(|(service, n)| {
                service.starts_with(|c: char| c.is_ascii_uppercase())
                    && service.bytes().all(|b| b.is_ascii_alphanumeric())
                    && number(n)
            }),
            Framework::CisAws => dotted(id, 2, 3),
            Framework::PciDssV4 => dotted(id, 2, 4),
            Framework::Nist80053R5 => {
                let (base, enhancement) = match id.strip_suffix(')').and_then(|s| s.split_once('('))
                {
                    Some((base, n)) => (base, Some(n)),
                    None => (id, None),
                };
                base.split_once('-').is_some_and(|(family, n)| {
                    family.len() == 2 && family.bytes().all(|b| b.is_ascii_uppercase()) && number(n)
                }) && enhancement.is_none_or(number)
            }
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Framework, String> {
        Framework::from_id(s).ok_or_else(|| {
            format!(
                "unknown framework `{s}` (expected one of {})",
                Framework::ids()
            )
        })
    }
}

/// The controls of each framework a check evidences (frameworks without one left out): what a finding carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Controls(BTreeMap<Framework, Vec<String>>);

impl Controls {
    /// The controls of `framework` (empty when none).
    pub fn of(&self, framework: Framework) -> &[String] {
        self.0.get(&framework).map_or(&[], Vec::as_slice)
    }

    /// Whether no framework has a control here.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every framework with its controls, in framework order.
    pub fn iter(&self) -> impl Iterator<Item = (Framework, &[String])> {
        self.0.iter().map(|(f, c)| (*f, c.as_slice()))
    }

    /// The controls as Security Hub words related requirements (FSBP left out), in framework order.
    pub fn related_requirements(&self) -> Vec<String> {
        self.iter()
            .flat_map(|(f, controls)| {
                controls
                    .iter()
                    .filter_map(move |c| f.related_requirement(c))
            })
            .collect()
    }
}

impl Serialize for Controls {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(f, c)| (f.id(), c)))
    }
}

impl<'de> Deserialize<'de> for Controls {
    /// A report's `compliance` object; a framework this version does not know (a newer report's) is left out.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Controls, D::Error> {
        let map = BTreeMap::<String, Vec<String>>::deserialize(deserializer)?;
        Ok(Controls(
            map.into_iter()
                .filter_map(|(k, v)| Some((Framework::from_id(&k)?, v)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        ))
    }
}

/// A check's `compliance.json`, parsed and validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// The controls it evidences.
    pub controls: Controls,
    /// Why the mapping is what it is, when it needs a reason.
    pub notes: Option<String>,
}

/// The optional key of `compliance.json` besides one key per framework.
const NOTES: &str = "notes";

impl Mapping {
    /// Parse a `compliance.json`: one key per framework, each a list (empty: no control of that framework) of
    /// well-formed, distinct control ids, and optionally `notes`; anything else is an error naming it.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(object) = value else {
            return Err("not a JSON object".into());
        };
        if let Some(key) = object
            .keys()
            .find(|k| *k != NOTES && Framework::from_id(k).is_none())
        {
            return Err(format!(
                "unknown key `{key}` (expected {} and optionally `{NOTES}`)",
                Framework::ids()
            ));
        }
        let mut controls = BTreeMap::new();
        for framework in Framework::ALL {
            let list = object
                .get(framework.id())
                .ok_or_else(|| {
                    format!("`{framework}` is missing (an empty list says: no control)")
                })?
                .as_array()
                .ok_or_else(|| format!("`{framework}` is not a list"))?;
            let mut ids = Vec::new();
            for item in list {
                let id = item
                    .as_str()
                    .filter(|id| framework.is_control_id(id))
                    .ok_or_else(|| {
                        format!("`{framework}`: {item} is not a {framework} control id")
                    })?;
                if ids.iter().any(|known| known == id) {
                    return Err(format!("`{framework}`: `{id}` is listed twice"));
                }
                ids.push(id.to_string());
            }
            if !ids.is_empty() {
                controls.insert(framework, ids);
            }
        }
        let notes = match object.get(NOTES) {
            None => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(_) => return Err(format!("`{NOTES}` is not a non-empty string")),
        };
        Ok(Mapping {
            controls: Controls(controls),
            notes,
        })
    }
}

/// The mapping of `check`, parsed once per process (every file is validated by the catalogue's tests; one that is
/// not valid maps nothing).
pub fn of(check: &Check) -> &'static Mapping {
    static MAPPINGS: OnceLock<HashMap<&'static str, Mapping>> = OnceLock::new();
    static NONE: OnceLock<Mapping> = OnceLock::new();
    MAPPINGS
        .get_or_init(|| {
            catalog::all()
                .iter()
                .map(|c| (c.id, Mapping::parse(c.compliance).unwrap_or_default()))
                .collect()
        })
        .get(check.id)
        .unwrap_or_else(|| NONE.get_or_init(Mapping::default))
}

/// The mapping of the check with this id (none for an id the catalogue does not have).
pub fn of_id(check_id: &str) -> Option<&'static Mapping> {
    catalog::find(check_id).map(of)
}

/// Whether `check` evidences a control of `framework`.
pub fn maps(check: &Check, framework: Framework) -> bool {
    !of(check).controls.of(framework).is_empty()
}

/// The FSBP controls this catalogue claims to evidence (README "Compliance frameworks"): each must be mapped by
/// some check.
pub const CLAIMED_FSBP: &[&str] = &[
    "Lambda.1",
    "Lambda.2",
    "Lambda.5",
    "IAM.1",
    "IAM.21",
    "APIGateway.4",
    "APIGateway.8",
];

/// Orders control ids naturally: numbers by value (`Lambda.2` before `Lambda.10`, `AC-3` before `AC-3(7)` before
/// `AC-21`).
pub fn natural_order(a: &str, b: &str) -> Ordering {
    fn pieces(s: &str) -> Vec<(u8, u64, &str)> {
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 {
                let (n, tail) = rest.split_at(digits);
                out.push((0, n.parse().unwrap_or(u64::MAX), n));
                rest = tail;
            } else {
                let text =
                    rest.len() - rest.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
                let (t, tail) = rest.split_at(text);
                out.push((1, 0, t));
                rest = tail;
            }
        }
        out
    }
    pieces(a).cmp(&pieces(b)).then_with(|| a.cmp(b))
}

/// Where a control stands on the functions of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlStatus {
    /// Some function fails one of its checks.
    Failed,
    /// None fails, but some function's check could not decide, or one of its checks did not run.
    Unknown,
    /// Every function passes every one of its checks.
    Passed,
    /// None of its checks ran, or the report has no function.
    NoData,
}

impl ControlStatus {
    /// The word the outputs show.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Failed => "FAILED",
            ControlStatus::Unknown => "UNKNOWN",
            ControlStatus::Passed => "PASSED",
            ControlStatus::NoData => "NO_DATA",
        }
    }
}

/// One control of a framework summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlSummary {
    /// The control id (`Lambda.1`).
    pub control: String,
    /// FAILED, UNKNOWN, PASSED or NO_DATA.
    pub status: ControlStatus,
    /// The checks that evidence it (the catalogue's order).
    pub checks: Vec<String>,
    /// Those of its checks that did not run (disabled, or not asked for): the control is then not PASSED.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks_not_run: Vec<String>,
    /// Functions none of its checks fails or is unknown on.
    pub functions_passed: usize,
    /// Functions one of its checks fails on.
    pub functions_failed: usize,
    /// Functions none fails on but one could not decide on.
    pub functions_unknown: usize,
    /// Findings of its checks muted by suppressions (accepted: they do not fail the control).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings_muted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A report summarised by the controls of one framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkSummary {
    /// The framework's id (`aws-fsbp`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The version mapped.
    pub version: String,
    /// Every control some check of the catalogue maps, naturally sorted.
    pub controls: Vec<ControlSummary>,
}

/// The checks of the catalogue that evidence a control of `framework`, in catalogue order.
pub fn checks_of(framework: Framework) -> Vec<&'static Check> {
    catalog::all()
        .iter()
        .copied()
        .filter(|c| maps(c, framework))
        .collect()
}

/// `report` summarised by the controls of `framework`: per control, its checks and how many functions pass, fail or
/// are unknown on them. A function's findings are those naming its account, region and name (as for its score). A
/// failing finding that covers other checks' problems (role-admin-access's `evidence.also_covers`: those checks leave
/// its statements to it) fails their controls on that function too.
pub fn summarize(report: &Report, framework: Framework) -> FrameworkSummary {
    let ran: BTreeSet<&str> = report.checks_run.iter().map(String::as_str).collect();
    // Per check: the functions it fails / is unknown on, and its muted findings.
    #[derive(Default)]
    struct Outcomes<'a> {
        failed: BTreeSet<(&'a str, &'a str, &'a str)>,
        unknown: BTreeSet<(&'a str, &'a str, &'a str)>,
        muted: usize,
    }
    let mut by_check: HashMap<&'static str, Outcomes> = HashMap::new();
    for f in &report.findings {
        let key = (&*f.account_id, &*f.region, &*f.resource_name);
        let Some(check) = catalog::find(&f.check_id) else {
            continue;
        };
        let outcomes = by_check.entry(check.id).or_default();
        match f.status {
            Status::Fail => {
                outcomes.failed.insert(key);
                // One problem, one finding: the checks a finding says it covers leave its statements to it, so it
                // fails their controls too (role-admin-access's `evidence.also_covers`).
                for covered in also_covers(f) {
                    by_check.entry(covered).or_default().failed.insert(key);
                }
            }
            Status::Unknown => {
                outcomes.unknown.insert(key);
            }
            Status::Muted => outcomes.muted += 1,
        }
    }
    let mut controls: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for check in checks_of(framework) {
        for control in of(check).controls.of(framework) {
            controls.entry(control).or_default().push(check);
        }
    }
    let functions = report.functions.len();
    let mut summaries: Vec<ControlSummary> = controls
        .into_iter()
        .map(|(control, checks)| {
            let mut failed = BTreeSet::new();
            let mut unknown = BTreeSet::new();
            let mut muted = 0;
            for check in &checks {
                if let Some(o) = by_check.get(check.id) {
                    failed.extend(o.failed.iter().copied());
                    unknown.extend(o.unknown.iter().copied());
                    muted += o.muted;
                }
            }
            let unknown = unknown.difference(&failed).count();
            let failed = failed.len();
            let checks_not_run: Vec<String> = checks
                .iter()
                .filter(|c| !ran.contains(c.id))
                .map(|c| c.id.to_string())
                .collect();
            let status = control_status(
                failed,
                unknown,
                functions,
                checks_not_run.len(),
                checks.len(),
            );
            ControlSummary {
                control: control.to_string(),
                status,
                checks: checks.iter().map(|c| c.id.to_string()).collect(),
                checks_not_run,
                functions_passed: functions.saturating_sub(failed + unknown),
                functions_failed: failed,
                functions_unknown: unknown,
                findings_muted: muted,
            }
        })
        .collect();
    summaries.sort_by(|a, b| natural_order(&a.control, &b.control));
    FrameworkSummary {
        id: framework.id().to_string(),
        name: framework.name().to_string(),
        version: framework.version().to_string(),
        controls: summaries,
    }
}

/// A control's status from how many functions fail and are unknown on it, among `functions`, and how many of its
/// `checks` did not run (the rules of [`ControlStatus`]).
fn control_status(
    failed: usize,
    unknown: usize,
    functions: usize,
    checks_not_run: usize,
    checks: usize,
) -> ControlStatus {
    if failed > 0 {
        ControlStatus::Failed
    } else if functions == 0 || checks_not_run == checks {
        ControlStatus::NoData
    } else if unknown > 0 || checks_not_run > 0 {
        ControlStatus::Unknown
    } else {
        ControlStatus::Passed
    }
}

impl FrameworkSummary {
    /// Add the counts of `other`, the summary of other accounts by the same framework (an organisation's reports
    /// merged); `Err` names what differs. Call [`FrameworkSummary::settle`] once every account is in.
    pub fn absorb(&mut self, other: &FrameworkSummary) -> Result<(), String> {
        if (&self.id, &self.version) != (&other.id, &other.version) {
            return Err(format!("a summary by {} {}", other.id, other.version));
        }
        let same_controls = self.controls.len() == other.controls.len()
            && self
                .controls
                .iter()
                .zip(&other.controls)
                .all(|(a, b)| (&a.control, &a.checks) == (&b.control, &b.checks));
        if !same_controls {
            return Err(format!(
                "{} controls mapped to other checks (another version of lambda-posture)",
                other.id
            ));
        }
        for (mine, theirs) in self.controls.iter_mut().zip(&other.controls) {
            mine.functions_passed += theirs.functions_passed;
            mine.functions_failed += theirs.functions_failed;
            mine.functions_unknown += theirs.functions_unknown;
            mine.findings_muted += theirs.findings_muted;
        }
        Ok(())
    }

    /// The controls' checks not run and statuses again, once the reports of every account are absorbed:
    /// `checks_run` is the merged report's (a check runs where it ran in some account).
    pub fn settle(&mut self, checks_run: &[String]) {
        for control in &mut self.controls {
            control.checks_not_run = control
                .checks
                .iter()
                .filter(|c| !checks_run.contains(c))
                .cloned()
                .collect();
            let functions =
                control.functions_passed + control.functions_failed + control.functions_unknown;
            control.status = control_status(
                control.functions_failed,
                control.functions_unknown,
                functions,
                control.checks_not_run.len(),
                control.checks.len(),
            );
        }
    }
}

/// The checks of the catalogue a finding says it also covers (`evidence.also_covers`), if any.
fn also_covers(f: &crate::finding::Finding) -> Vec<&'static str> {
    if !f.evidence.as_json().contains("\"also_covers\"") {
        return Vec::new();
    }
    f.evidence.value()["also_covers"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| catalog::find(id.as_str()?))
                .map(|c| c.id)
                .collect()
        })
        .unwrap_or_default()
}

/// The controls a finding of `check_id` carries: borrowed from the catalogue (empty for an unknown id).
pub fn controls_of(check_id: &str) -> Cow<'static, Controls> {
    match of_id(check_id) {
        Some(mapping) => Cow::Borrowed(&mapping.controls),
        None => Cow::Owned(Controls::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_are_validated_per_framework() {
        let ok = [
            (Framework::AwsFsbp, "Lambda.1"),
            (Framework::AwsFsbp, "IAM.21"),
            (Framework::CisAws, "1.16"),
            (Framework::CisAws, "4.1.2"),
            (Framework::Nist80053R5, "AC-3"),
            (Framework::Nist80053R5, "AC-3(7)"),
            (Framework::Nist80053R5, "SC-7(21)"),
            (Framework::PciDssV4, "7.2.1"),
            (Framework::PciDssV4, "7.2.5.1"),
        ];
        for (f, id) in ok {
            assert!(f.is_control_id(id), "{f} {id} refused");
        }
        let bad = [
            (Framework::AwsFsbp, "lambda.1"),
            (Framework::AwsFsbp, "Lambda1"),
            (Framework::AwsFsbp, "Lambda.01"),
            (Framework::AwsFsbp, "AC-3"),
            (Framework::CisAws, "1"),
            (Framework::CisAws, "1.16 "),
            (Framework::Nist80053R5, "AC3"),
            (Framework::Nist80053R5, "ac-3"),
            (Framework::Nist80053R5, "AC-3(7"),
            (Framework::Nist80053R5, "AC-3()"),
            (Framework::Nist80053R5, "NIST.800-53.r5 AC-3"),
            (Framework::PciDssV4, "7"),
            (Framework::PciDssV4, "v4.0.1/7.2.1"),
            (Framework::PciDssV4, "7..1"),
        ];
        for (f, id) in bad {
            assert!(!f.is_control_id(id), "{f} {id:?} accepted");
        }
    }

    #[test]
    fn a_file_needs_every_framework_and_nothing_else() {
        let good = r#"{"aws-fsbp": ["Lambda.1"], "cis-aws": [], "nist-800-53-r5": ["AC-3", "AC-3(7)"],
                       "pci-dss-v4": ["7.2.1"], "notes": "why"}"#;
        let mapping = Mapping::parse(good).unwrap();
        assert_eq!(
            mapping.controls.of(Framework::Nist80053R5),
            ["AC-3", "AC-3(7)"]
        );
        assert!(mapping.controls.of(Framework::CisAws).is_empty());
        assert_eq!(mapping.notes.as_deref(), Some("why"));
        assert_eq!(
            mapping.controls.related_requirements(),
            [
                "NIST.800-53.r5 AC-3",
                "NIST.800-53.r5 AC-3(7)",
                "PCI DSS v4.0.1/7.2.1"
            ]
        );
        for (bad, expected) in [
            (
                r#"{"aws-fsbp": [], "cis-aws": [], "nist-800-53-r5": []}"#,
                "`pci-dss-v4` is missing",
            ),
            (
                r#"{"aws-fsbp": [], "cis-aws": [], "nist-800-53-r5": [], "pci-dss-v4": [], "iso": []}"#,
                "unknown key `iso`",
            ),
            (
                r#"{"aws-fsbp": ["Lambda"], "cis-aws": [], "nist-800-53-r5": [], "pci-dss-v4": []}"#,
                "not a aws-fsbp control id",
            ),
            (
                r#"{"aws-fsbp": [], "cis-aws": [], "nist-800-53-r5": ["AC-3", "AC-3"], "pci-dss-v4": []}"#,
                "listed twice",
            ),
            (
                r#"{"aws-fsbp": "Lambda.1", "cis-aws": [], "nist-800-53-r5": [], "pci-dss-v4": []}"#,
                "not a list",
            ),
            (
                r#"{"aws-fsbp": [], "cis-aws": [], "nist-800-53-r5": [], "pci-dss-v4": [], "notes": ""}"#,
                "`notes`",
            ),
        ] {
            let e = Mapping::parse(bad).unwrap_err();
            assert!(e.contains(expected), "{bad}: {e}");
        }
    }

    #[test]
    fn controls_sort_naturally() {
        let mut ids = vec![
            "Lambda.10",
            "Lambda.2",
            "AC-21",
            "AC-3(7)",
            "AC-3",
            "7.2.5.1",
            "7.2.10",
            "7.2.5",
        ];
        ids.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            ids,
            [
                "7.2.5",
                "7.2.5.1",
                "7.2.10",
                "AC-3",
                "AC-3(7)",
                "AC-21",
                "Lambda.2",
                "Lambda.10"
            ]
        );
    }

    #[test]
    fn frameworks_parse_by_id_and_name_the_valid_ones() {
        assert_eq!(
            "nist-800-53-r5".parse::<Framework>(),
            Ok(Framework::Nist80053R5)
        );
        let e = "iso-27001".parse::<Framework>().unwrap_err();
        assert!(
            e.contains("aws-fsbp, cis-aws, nist-800-53-r5, pci-dss-v4"),
            "{e}"
        );
    }
}
