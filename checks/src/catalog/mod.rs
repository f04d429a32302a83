//! The check catalogue: every check the scanner ships, in groups; the one list of check ids, which `docs/CHECKS.md`
//! presents. Ids never change once shipped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::check::Check;

mod access;
mod data;
pub(crate) mod hygiene;
mod live_versions;
pub(crate) mod role;
pub(crate) mod stability;

/// A group of the catalogue: one section of `docs/CHECKS.md`.
pub struct Group {
    /// The folder of its checks under `src/catalog/`.
    pub folder: &'static str,
    /// The section heading: what the group's checks are about.
    pub title: &'static str,
    /// Its checks, in catalogue order.
    pub checks: &'static [&'static Check],
}

/// The groups, in catalogue order.
const GROUPS: [Group; 5] = [
    Group {
        folder: "access",
        title: "Who can invoke the function (resource policies, URLs, API Gateway)",
        checks: access::CHECKS,
    },
    Group {
        folder: "role",
        title: "What the function may do (execution role)",
        checks: role::CHECKS,
    },
    Group {
        folder: "data",
        title: "Secrets and data",
        checks: data::CHECKS,
    },
    Group {
        folder: "stability",
        title: "Stability (events are never dropped, the function is watched)",
        checks: stability::CHECKS,
    },
    Group {
        folder: "hygiene",
        title: "Hygiene and supply chain",
        checks: hygiene::CHECKS,
    },
];

/// Every group, in catalogue order.
pub fn groups() -> &'static [Group] {
    &GROUPS
}

/// Where the documentation of the checks is published (the repository's default branch).
pub const DOCS_BASE_URL: &str = "https://github.com/lambda-posture/lambda-posture/blob/main/checks";

/// Every check, in catalogue order.
pub fn all() -> &'static [&'static Check] {
    static ALL: OnceLock<Vec<&'static Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        GROUPS
            .iter()
            .flat_map(|group| group.checks.iter().copied())
            .collect()
    })
}

/// The group (catalogue folder) of a check.
pub fn group_of(id: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|group| group.checks.iter().any(|c| c.id == id))
        .map(|group| group.folder)
}

/// Path of a check's README inside the `checks` crate: `src/catalog/<group>/<id_with_underscores>/README.md`.
pub fn doc_path(id: &str) -> Option<String> {
    group_of(id).map(|group| format!("src/catalog/{group}/{}/README.md", id.replace('-', "_")))
}

/// Stable link to a check's documentation (its README in the repository); stays valid as long as the id exists.
/// Borrowed for the checks of the catalogue (written once each, whatever the number of findings).
pub fn doc_url(id: &str) -> Cow<'static, str> {
    static URLS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let urls = URLS.get_or_init(|| {
        all()
            .iter()
            .filter_map(|c| doc_path(c.id).map(|path| (c.id, format!("{DOCS_BASE_URL}/{path}"))))
            .collect()
    });
    match urls.get(id) {
        Some(url) => Cow::Borrowed(url.as_str()),
        None => Cow::Owned(format!("{DOCS_BASE_URL}/src/catalog")),
    }
}

/// Checks that run only when the configuration lists them in `enabled`: a finding on nearly every function of most
/// accounts that only some frameworks ask for (each one's README says why it is off by default).
pub const OFF_BY_DEFAULT: &[&str] = &["function-not-in-vpc", "log-group-no-cmk"];

/// Whether check `id` is off by default (runs only when the configuration's `enabled` lists it).
pub fn off_by_default(id: &str) -> bool {
    OFF_BY_DEFAULT.contains(&id)
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    all().iter().copied().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_doc_path_exists_and_every_check_has_remediation() {
        for check in all() {
            let path = doc_path(check.id).expect("every check belongs to a group");
            let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
            assert!(
                on_disk.is_file(),
                "{}: {path} does not exist, the doc link would be dead",
                check.id
            );
            assert!(doc_url(check.id).ends_with(&path));
            assert!(
                !check.remediation().is_empty(),
                "{}: empty `## How to fix`",
                check.id
            );
            assert!(
                !check.remediation().contains("\n## "),
                "{}: remediation runs into the next section",
                check.id
            );
        }
    }
}
