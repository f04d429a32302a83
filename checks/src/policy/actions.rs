//! The bundled table of IAM actions, their access levels and resource types (from AWS's Service Authorization
//! Reference).
//!
//! Source, version and date: `checks/data/README.md`; regenerate with `checks/data/scripts/regenerate-iam-actions.py`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::wildcard;

const TABLE: &str = include_str!("../../data/iam-actions.tsv");

/// The access level of an action, as the Service Authorization Reference classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum AccessLevel {
    /// Lists resources (`s3:ListBucket`).
    List,
    /// Reads data or configuration (`s3:GetObject`).
    Read,
    /// Tagging-only actions (the reference also marks them Write).
    Tagging,
    /// Creates, changes or deletes resources (`s3:PutObject`).
    Write,
    /// Actions that change who may do what (the reference also marks them Write).
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
}

impl AccessLevel {
    /// Write, tagging and permissions-management actions: everything that changes something.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            AccessLevel::Write | AccessLevel::Tagging | AccessLevel::PermissionsManagement
        )
    }

    /// The level as the Service Authorization Reference writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }

    fn from_code(code: &str) -> Option<AccessLevel> {
        Some(match code {
            "L" => AccessLevel::List,
            "R" => AccessLevel::Read,
            "T" => AccessLevel::Tagging,
            "W" => AccessLevel::Write,
            "P" => AccessLevel::PermissionsManagement,
            _ => return None,
        })
    }
}

struct Table {
    /// `service:Action` as AWS spells it, grouped by service.
    actions: Vec<(&'static str, AccessLevel)>,
    /// The resource types of each action (same positions): `name*` (required) or `name`, comma-separated; empty when
    /// it supports none.
    resource_types: Vec<&'static str>,
    /// Lower-cased name → position in `actions`.
    by_name: HashMap<String, usize>,
    /// Name as the table spells it → position in `actions` (the common case, looked up without lower-casing).
    by_spelling: HashMap<&'static str, usize>,
    /// Lower-case service prefix → range in `actions`, in table order.
    services: Vec<(&'static str, std::ops::Range<usize>)>,
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        let mut actions = Vec::new();
        let mut resource_types = Vec::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let mut columns = line.split('\t');
            let (Some(name), Some(code), Some(types)) =
                (columns.next(), columns.next(), columns.next())
            else {
                panic!("iam-actions.tsv: `service:Action<TAB>level<TAB>resource types` lines, not {line:?}");
            };
            let level =
                AccessLevel::from_code(code).expect("iam-actions.tsv: level is one of L R W P T");
            actions.push((name, level));
            resource_types.push(types);
        }
        let by_name = actions
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_ascii_lowercase(), i))
            .collect();
        let by_spelling = actions
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (*name, i))
            .collect();
        let mut services: Vec<(&'static str, std::ops::Range<usize>)> = Vec::new();
        for (i, (name, _)) in actions.iter().enumerate() {
            let service = name.split_once(':').map_or(*name, |(s, _)| s);
            match services.last_mut() {
                Some((last, range)) if *last == service => range.end = i + 1,
                _ => services.push((service, i..i + 1)),
            }
        }
        Table {
            actions,
            resource_types,
            by_name,
            by_spelling,
            services,
        }
    })
}

/// The access level of an action (`s3:GetObject`, any case); `None` for an action the table does not know.
pub fn access_level(action: &str) -> Option<AccessLevel> {
    position(action).map(|i| table().actions[i].1)
}

/// Whether a known action (any case) supports at least one resource type; `Some(false)` means AWS authorises it only
/// on `Resource: "*"`. `None` for an action the table does not know.
pub fn has_resource_types(action: &str) -> Option<bool> {
    position(action).map(|i| !table().resource_types[i].is_empty())
}

/// The canonical spelling of a known action (`S3:getobject` → `s3:GetObject`).
pub fn canonical(action: &str) -> Option<&'static str> {
    position(action).map(|i| table().actions[i].0)
}

/// The position of a known action (any case) in the table.
fn position(action: &str) -> Option<usize> {
    let table = table();
    match table.by_spelling.get(action) {
        Some(&i) => Some(i),
        None => table.by_name.get(&action.to_ascii_lowercase()).copied(),
    }
}

/// Every known action an action pattern matches (`s3:Get*`, `*`, `iam:?assRole`), case-insensitively, in table
/// order. A pattern naming no known action yields nothing.
pub fn expand(pattern: &str) -> impl Iterator<Item = &'static str> {
    expand_with_levels(pattern).map(|(name, _)| name)
}

/// [`expand`], with each action's access level.
pub fn expand_with_levels(pattern: &str) -> impl Iterator<Item = (&'static str, AccessLevel)> {
    let table = table();
    let candidates: &'static [(&'static str, AccessLevel)] = match pattern.split_once(':') {
        Some((service, _)) if !wildcard::has_wildcard(service) => {
            match table
                .services
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case(service))
            {
                Some((_, range)) => &table.actions[range.clone()],
                None => &[],
            }
        }
        _ => &table.actions,
    };
    let pattern = pattern.to_string();
    candidates
        .iter()
        .filter(move |(name, _)| wildcard::matches(&pattern, name, true))
        .copied()
}

/// Every service prefix of the table (`s3`, `iam`, …), sorted.
pub fn services() -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = table().services.iter().map(|(s, _)| *s).collect();
    names.sort_unstable();
    names.into_iter()
}

/// Whether `service` is a prefix the table knows (case-insensitive).
pub fn is_known_service(service: &str) -> bool {
    table()
        .services
        .iter()
        .any(|(s, _)| s.eq_ignore_ascii_case(service))
}

/// The service prefix of an action or action pattern, lower-cased (`S3:GetObject` → `s3`); `None` for `*`.
pub fn service_of(action: &str) -> Option<String> {
    action
        .split_once(':')
        .map(|(service, _)| service.to_ascii_lowercase())
}

/// Number of actions in the table.
pub fn len() -> usize {
    table().actions.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_well_known_actions() {
        assert_eq!(access_level("s3:GetObject"), Some(AccessLevel::Read));
        assert_eq!(access_level("S3:GETOBJECT"), Some(AccessLevel::Read));
        assert_eq!(access_level("s3:ListBucket"), Some(AccessLevel::List));
        assert_eq!(access_level("s3:PutObject"), Some(AccessLevel::Write));
        assert_eq!(access_level("s3:DeleteObject"), Some(AccessLevel::Write));
        assert_eq!(
            access_level("s3:PutBucketPolicy"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(
            access_level("iam:AttachRolePolicy"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(access_level("iam:TagRole"), Some(AccessLevel::Tagging));
        assert_eq!(access_level("iam:PassRole"), Some(AccessLevel::Write));
        assert_eq!(
            access_level("lambda:InvokeFunction"),
            Some(AccessLevel::Write)
        );
        assert_eq!(access_level("logs:PutLogEvents"), Some(AccessLevel::Write));
        assert_eq!(
            access_level("secretsmanager:GetSecretValue"),
            Some(AccessLevel::Read)
        );
        assert_eq!(access_level("s3:NoSuchAction"), None);
        assert_eq!(access_level("s3:Get*"), None);
        assert!(AccessLevel::PermissionsManagement.is_write() && !AccessLevel::Read.is_write());
    }

    #[test]
    fn resource_types_of_well_known_actions() {
        assert_eq!(has_resource_types("s3:GetObject"), Some(true));
        assert_eq!(has_resource_types("ec2:CreateNetworkInterface"), Some(true));
        assert_eq!(
            has_resource_types("ec2:DescribeNetworkInterfaces"),
            Some(false)
        );
        assert_eq!(has_resource_types("xray:PutTraceSegments"), Some(false));
        assert_eq!(has_resource_types("SQS:deletemessage"), Some(true));
        assert_eq!(has_resource_types("s3:NoSuchAction"), None);
    }

    #[test]
    fn expands_wildcards_case_insensitively() {
        let gets: Vec<_> = expand("s3:get*").collect();
        assert!(gets.contains(&"s3:GetObject") && gets.contains(&"s3:GetBucketPolicy"));
        assert!(gets.iter().all(|a| a.starts_with("s3:Get")));
        assert_eq!(
            expand("iam:?assRole").collect::<Vec<_>>(),
            vec!["iam:PassRole"]
        );
        assert_eq!(expand("*").count(), len());
        assert!(expand("*:GetObject").any(|a| a == "s3:GetObject"));
        assert_eq!(expand("nosuchservice:*").count(), 0);
        assert_eq!(
            expand("lambda:InvokeFunction").collect::<Vec<_>>(),
            vec!["lambda:InvokeFunction"]
        );
        assert!(len() > 15_000, "the table looks truncated: {}", len());
    }

    #[test]
    fn services_and_prefixes() {
        let all: Vec<_> = services().collect();
        assert!(all.contains(&"s3") && all.contains(&"lambda") && all.contains(&"iam"));
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(service_of("S3:GetObject").as_deref(), Some("s3"));
        assert_eq!(service_of("*"), None);
        assert!(is_known_service("DynamoDB") && !is_known_service("nope"));
        assert_eq!(
            canonical("lambda:invokefunction"),
            Some("lambda:InvokeFunction")
        );
    }
}
