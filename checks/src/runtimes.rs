//! The dated table of every Lambda managed runtime identifier (`data/runtimes.json`): deprecation and block dates.
//!
//! The table is data, not code: it is parsed once, checked by the tests below (sorted, dated, complete) and read by
//! the `runtime-deprecated` check and by the docs. Dates are compared with the scan date, never the wall clock.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;

const TABLE_JSON: &str = include_str!("../data/runtimes.json");

/// The whole table with its provenance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeTable {
    /// What the table is, in one line.
    pub title: String,
    /// The AWS page the table reproduces.
    pub source: String,
    /// When the table was compiled from the source pages.
    pub taken: NaiveDate,
    /// How it was compiled and what it leaves out.
    pub notes: Vec<String>,
    /// Sorted by identifier.
    pub runtimes: Vec<Runtime>,
}

/// One runtime identifier and its lifecycle dates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// The `Runtime` value of the Lambda API, e.g. `python3.12`.
    pub identifier: String,
    /// Its name for people, e.g. `Python 3.12`.
    pub name: String,
    /// The operating system it runs on, e.g. `Amazon Linux 2023`.
    pub os: String,
    /// `None`: AWS has not scheduled a deprecation.
    pub deprecation: Option<NaiveDate>,
    /// From this day functions using the runtime can no longer be created.
    pub block_create: Option<NaiveDate>,
    /// From this day functions using the runtime can no longer be updated.
    pub block_update: Option<NaiveDate>,
    /// Offered only as a container base image (no `.zip` runtime).
    #[serde(default)]
    pub container_only: bool,
    /// The page the dates were read from.
    pub source: String,
    /// A remark on the dates (e.g. why one is missing).
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a runtime stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// No deprecation scheduled, or further away than the warning window.
    Supported,
    /// Deprecated in `days_left` days (within the warning window).
    Deprecating {
        /// The deprecation day.
        on: NaiveDate,
        /// Days from the scan date to it.
        days_left: i64,
    },
    /// Deprecated since `since` (inclusive).
    Deprecated {
        /// The deprecation day.
        since: NaiveDate,
    },
}

/// The table, parsed once. Panics only if the embedded file is malformed, which the tests below rule out.
pub fn table() -> &'static RuntimeTable {
    static TABLE: OnceLock<RuntimeTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(TABLE_JSON).expect("checks/data/runtimes.json is valid")
    })
}

/// The runtime with this identifier (exact, case-sensitive as the Lambda API returns it).
pub fn lookup(identifier: &str) -> Option<&'static Runtime> {
    let runtimes = &table().runtimes;
    runtimes
        .binary_search_by(|r| r.identifier.as_str().cmp(identifier))
        .ok()
        .map(|i| &runtimes[i])
}

impl Runtime {
    /// The runtime's lifecycle on `today`, warning `warning_days` ahead of the deprecation date.
    pub fn lifecycle(&self, today: NaiveDate, warning_days: u32) -> Lifecycle {
        let Some(on) = self.deprecation else {
            return Lifecycle::Supported;
        };
        let days_left = (on - today).num_days();
        if days_left <= 0 {
            Lifecycle::Deprecated { since: on }
        } else if days_left <= i64::from(warning_days) {
            Lifecycle::Deprecating { on, days_left }
        } else {
            Lifecycle::Supported
        }
    }

    /// Whether updating a function that uses this runtime is already blocked on `today`.
    pub fn updates_blocked(&self, today: NaiveDate) -> bool {
        self.block_update.is_some_and(|d| d <= today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Runtime` enum value of the Lambda API (botocore / aws-sdk `lambda` model, 2026) plus the identifiers of
    /// container-only .NET runtimes. A new identifier in the API must be added to the table.
    const API_RUNTIMES: &[&str] = &[
        "nodejs",
        "nodejs4.3",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "nodejs12.x",
        "nodejs14.x",
        "nodejs16.x",
        "nodejs18.x",
        "nodejs20.x",
        "nodejs22.x",
        "nodejs24.x",
        "nodejs4.3-edge",
        "java8",
        "java8.al2",
        "java11",
        "java17",
        "java21",
        "java25",
        "java8.al2023",
        "java11.al2023",
        "java17.al2023",
        "python2.7",
        "python3.6",
        "python3.7",
        "python3.8",
        "python3.9",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
        "python3.14",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "dotnet6",
        "dotnet8",
        "dotnet10",
        "go1.x",
        "ruby2.5",
        "ruby2.7",
        "ruby3.2",
        "ruby3.3",
        "ruby3.4",
        "ruby4.0",
        "provided",
        "provided.al2",
        "provided.al2023",
        "dotnet5.0",
        "dotnet7",
        "dotnet9",
    ];

    #[test]
    fn table_is_sorted_by_identifier_without_duplicates() {
        let ids: Vec<&str> = table()
            .runtimes
            .iter()
            .map(|r| r.identifier.as_str())
            .collect();
        for pair in ids.windows(2) {
            assert!(
                pair[0] < pair[1],
                "runtimes.json is not sorted: `{}` before `{}`",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn table_is_dated_and_every_row_is_consistent() {
        let t = table();
        assert!(
            t.taken >= NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            "table date {} looks wrong",
            t.taken
        );
        assert!(t.source.starts_with("https://docs.aws.amazon.com/lambda/"));
        for r in &t.runtimes {
            assert!(
                r.source.starts_with("https://docs.aws.amazon.com/lambda/"),
                "{}: source {}",
                r.identifier,
                r.source
            );
            assert!(
                !r.name.is_empty() && !r.os.is_empty(),
                "{}: name and os are required",
                r.identifier
            );
            if let (Some(dep), Some(create)) = (r.deprecation, r.block_create) {
                assert!(
                    dep <= create,
                    "{}: block create before deprecation",
                    r.identifier
                );
            }
            if let (Some(create), Some(update)) = (r.block_create, r.block_update) {
                assert!(
                    create <= update,
                    "{}: block update before block create",
                    r.identifier
                );
            }
            if r.deprecation.is_none() {
                assert!(
                    r.block_create.is_none() && r.block_update.is_none(),
                    "{}: block date without deprecation",
                    r.identifier
                );
            }
            if r.container_only {
                assert!(
                    r.block_create.is_none(),
                    "{}: container-only runtimes have no block dates",
                    r.identifier
                );
            }
        }
    }

    #[test]
    fn table_lists_every_runtime_of_the_lambda_api() {
        let missing: Vec<&&str> = API_RUNTIMES
            .iter()
            .filter(|id| lookup(id).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "runtimes missing from runtimes.json: {missing:?}"
        );
    }

    #[test]
    fn lifecycle_uses_the_given_day() {
        let py39 = lookup("python3.9").unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            py39.lifecycle(d(2025, 12, 15), 180),
            Lifecycle::Deprecated {
                since: d(2025, 12, 15)
            }
        );
        assert_eq!(
            py39.lifecycle(d(2025, 12, 14), 180),
            Lifecycle::Deprecating {
                on: d(2025, 12, 15),
                days_left: 1
            }
        );
        assert_eq!(py39.lifecycle(d(2025, 6, 1), 180), Lifecycle::Supported);
        assert!(py39.updates_blocked(d(2026, 3, 9)) && !py39.updates_blocked(d(2026, 3, 8)));
        assert_eq!(
            lookup("python3.15").unwrap().lifecycle(d(2030, 1, 1), 180),
            Lifecycle::Supported
        );
        assert!(lookup("cobol85").is_none());
    }
}
