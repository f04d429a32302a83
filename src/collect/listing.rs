//! The region's function listing: `ListFunctions(FunctionVersion=ALL)` pages grouped into functions with their
//! published versions — one region-wide listing instead of a `ListVersionsByFunction` per function in the shared
//! 15/s control-plane bucket — fetched a few pages ahead of the per-function work so that it never waits for a page.
//! Each page goes ahead of the per-function calls queued in that bucket ([`super::pacing::Pacer::call_ahead`]): the
//! pages are sequential (each needs the previous page's marker) and every per-function call waits for one, so a page
//! that waited its turn behind the calls of the functions in flight would stall them all — on an account with
//! hundreds of versions per function the listing is hundreds of pages.

use std::collections::HashSet;

use aws_sdk_lambda::types::{FunctionConfiguration, FunctionVersion};
use aws_sdk_lambda::Client;
use lambda_posture_checks::arn::unqualified;
use tokio::sync::mpsc;

use super::pacing::{Bucket, Call};
use super::progress::RegionProgress;
use super::Ctx;

/// ListFunctions page size (the API maximum).
const PAGE: i32 = 50;
/// Listing entries fetched ahead of the per-function work (four pages).
pub const AHEAD: usize = 200;

/// One listed function.
pub struct Listed {
    /// The unqualified (`$LATEST`) entry.
    pub config: FunctionConfiguration,
    /// Published version numbers, in numeric order.
    pub versions: Vec<String>,
    /// The configurations of those versions as listed (what each locked in when published).
    pub version_configs: Vec<FunctionConfiguration>,
    /// False when the listing failed before it could show all of this function's versions: ask
    /// `ListVersionsByFunction` for them instead.
    pub versions_complete: bool,
}

/// What the page fetcher hands over.
pub enum Entry {
    Function(Box<FunctionConfiguration>),
    /// A page could not be read (recorded as a gap); nothing follows.
    Failed,
}

/// Fetch every page into `sender` (at most [`AHEAD`] entries waiting), recording a failed page as a gap.
pub async fn fetch(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    progress: &RegionProgress,
    sender: mpsc::Sender<Entry>,
) {
    let mut marker: Option<String> = None;
    loop {
        let asked = std::time::Instant::now();
        let result = ctx
            .pacer
            .call_ahead(
                Call::lambda("ListFunctions", region, Bucket::LambdaControlPlane),
                || {
                    client
                        .list_functions()
                        .function_version(FunctionVersion::All)
                        .max_items(PAGE)
                        .set_marker(marker.clone())
                        .send()
                },
            )
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                ctx.gaps.record(&e, None);
                let _ = sender.send(Entry::Failed).await;
                return;
            }
        };
        let next = out
            .next_marker()
            .filter(|m| !m.is_empty() && marker.as_deref() != Some(*m))
            .map(str::to_string);
        let entries = out.functions.unwrap_or_default();
        tracing::debug!(
            region,
            entries = entries.len(),
            ms = asked.elapsed().as_millis() as u64,
            "ListFunctions page"
        );
        progress.found(entries.iter().filter(|e| is_latest(e)).count() as u64);
        for entry in entries {
            if sender.send(Entry::Function(Box::new(entry))).await.is_err() {
                return;
            }
        }
        match next {
            Some(next) => marker = Some(next),
            None => return,
        }
    }
}

/// Turns listing entries into functions. A function's entries are consecutive (the listing is ordered by name), so
/// a function is complete when the next one starts; a version met after its function was handed over (an order we
/// never saw) is kept in [`Grouper::late`] and added afterwards.
#[derive(Default)]
pub struct Grouper {
    current: Option<Partial>,
    handed_over: HashSet<String>,
    /// (function ARN, version) listed after the function was handed over.
    pub late: Vec<(String, String)>,
}

struct Partial {
    arn: String,
    config: Option<FunctionConfiguration>,
    versions: Vec<String>,
    version_configs: Vec<FunctionConfiguration>,
}

impl Grouper {
    /// Take one entry; a function when this entry shows that the previous one is complete.
    pub fn push(&mut self, entry: FunctionConfiguration) -> Option<Listed> {
        let arn = unqualified(entry.function_arn().unwrap_or_default()).to_string();
        if self.handed_over.contains(&arn) {
            if let Some(version) = version_number(&entry) {
                self.late.push((arn, version));
            }
            return None;
        }
        let done = match &self.current {
            Some(current) if current.arn == arn => None,
            _ => self.take(true),
        };
        let current = self.current.get_or_insert_with(|| Partial {
            arn,
            config: None,
            versions: Vec::new(),
            version_configs: Vec::new(),
        });
        match version_number(&entry) {
            Some(version) => {
                current.versions.push(version);
                if current.config.is_none() {
                    current.config = Some(entry.clone());
                }
                current.version_configs.push(entry);
            }
            None => current.config = Some(entry),
        }
        done
    }

    /// The last function, once the listing ended (`complete`: it ended normally, not on a failed page).
    pub fn finish(&mut self, complete: bool) -> Option<Listed> {
        self.take(complete)
    }

    fn take(&mut self, versions_complete: bool) -> Option<Listed> {
        let partial = self.current.take()?;
        self.handed_over.insert(partial.arn.clone());
        let mut versions = partial.versions;
        sort_versions(&mut versions);
        Some(Listed {
            config: partial.config?,
            versions,
            version_configs: partial.version_configs,
            versions_complete,
        })
    }
}

/// `$LATEST` (or no version field): the function itself rather than a published version.
fn is_latest(entry: &FunctionConfiguration) -> bool {
    version_number(entry).is_none()
}

pub fn version_number(entry: &FunctionConfiguration) -> Option<String> {
    entry
        .version()
        .filter(|v| *v != "$LATEST")
        .map(str::to_string)
}

/// Numeric order (`2` before `10`).
pub fn sort_versions(versions: &mut Vec<String>) {
    versions.sort_by_key(|v| version_key(v));
    versions.dedup();
}

/// A published version's place in numeric order (`2` before `10`; anything else after every number).
pub type VersionKey = (u64, String);

pub fn version_key(version: &str) -> VersionKey {
    (version.parse().unwrap_or(u64::MAX), version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

    fn entry(name: &str, version: &str) -> FunctionConfiguration {
        let arn = if version == "$LATEST" {
            format!("{ARN}{name}")
        } else {
            format!("{ARN}{name}:{version}")
        };
        FunctionConfiguration::builder()
            .function_name(name)
            .function_arn(arn)
            .version(version)
            .build()
    }

    fn names_and_versions(listed: &[Listed]) -> Vec<(String, Vec<String>, bool)> {
        listed
            .iter()
            .map(|l| {
                (
                    l.config.function_name().unwrap_or_default().to_string(),
                    l.versions.clone(),
                    l.versions_complete,
                )
            })
            .collect()
    }

    #[test]
    fn entries_group_into_functions_with_their_versions() {
        let mut grouper = Grouper::default();
        let mut listed = Vec::new();
        for e in [
            entry("a", "$LATEST"),
            entry("a", "10"),
            entry("a", "2"),
            entry("b", "$LATEST"),
            // A page boundary can fall anywhere: c's versions continue on the next page.
            entry("c", "$LATEST"),
            entry("c", "1"),
        ] {
            listed.extend(grouper.push(e));
        }
        listed.extend(grouper.push(entry("c", "2")));
        listed.extend(grouper.finish(true));
        assert_eq!(
            names_and_versions(&listed),
            [
                ("a".into(), vec!["2".into(), "10".into()], true),
                ("b".into(), vec![], true),
                ("c".into(), vec!["1".into(), "2".into()], true),
            ]
        );
        assert!(
            listed[0].config.version() == Some("$LATEST"),
            "the $LATEST entry is kept"
        );
        let configs: Vec<_> = listed[2]
            .version_configs
            .iter()
            .map(|c| c.version().unwrap_or_default())
            .collect();
        assert_eq!(
            configs,
            ["1", "2"],
            "each version's own configuration is kept"
        );
    }

    #[test]
    fn a_failed_listing_marks_the_last_function_incomplete_and_late_versions_are_kept() {
        let mut grouper = Grouper::default();
        let mut listed = Vec::new();
        for e in [
            entry("a", "1"),
            entry("a", "$LATEST"),
            entry("b", "$LATEST"),
            entry("a", "3"),
        ] {
            listed.extend(grouper.push(e));
        }
        listed.extend(grouper.finish(false));
        assert_eq!(
            names_and_versions(&listed),
            [
                ("a".into(), vec!["1".into()], true),
                ("b".into(), vec![], false)
            ]
        );
        assert_eq!(listed[0].config.version(), Some("$LATEST"));
        assert_eq!(grouper.late, [(format!("{ARN}a"), "3".to_string())]);
    }
}
