//! What an organisation scan's directory was collected with (`DIR/scan.json`: the version and the flags that decide
//! what an inventory holds), so `--resume` (and a shard sharing the directory) with other flags is refused before any
//! AWS call instead of mixing inventories of other regions or lookback windows into one report, and `merge` refuses
//! directories collected differently.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::collect::CollectOptions;

/// The file, in the organisation scan's directory.
pub const SETTINGS: &str = "scan.json";

/// The version and collection flags every inventory of a directory shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The lambda-posture version that collects.
    pub tool_version: String,
    /// `--regions`, sorted and de-duplicated; `None`: every region enabled in each account.
    pub regions: Option<Vec<String>>,
    /// `--lookback-days`.
    pub lookback_days: u32,
    /// `--scan-code`.
    pub scan_code: bool,
    /// `--thorough`.
    pub thorough: bool,
}

impl Settings {
    /// This run's settings; an unknown `--regions` value is refused here, before anything is written.
    pub fn of(options: &CollectOptions) -> anyhow::Result<Settings> {
        let regions = match &options.regions {
            Some(regions) => Some(crate::collect::account::validate_regions(regions)?),
            None => None,
        };
        Ok(Settings {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            regions,
            lookback_days: options.lookback_days,
            scan_code: options.scan_code,
            thorough: options.thorough,
        })
    }

    /// The first difference between `self` (the directory's) and `other`, as the two sides' words.
    fn difference(&self, other: &Settings) -> Option<(String, String)> {
        let flag = |on: bool, name: &str| {
            if on {
                name.to_string()
            } else {
                format!("no {name}")
            }
        };
        let regions = |r: &Option<Vec<String>>| match r {
            Some(list) => format!("--regions {}", list.join(",")),
            None => "every enabled region (no --regions)".to_string(),
        };
        let pairs = [
            (
                format!("lambda-posture {}", self.tool_version),
                format!("lambda-posture {}", other.tool_version),
            ),
            (regions(&self.regions), regions(&other.regions)),
            (
                format!("--lookback-days {}", self.lookback_days),
                format!("--lookback-days {}", other.lookback_days),
            ),
            (
                flag(self.scan_code, "--scan-code"),
                flag(other.scan_code, "--scan-code"),
            ),
            (
                flag(self.thorough, "--thorough"),
                flag(other.thorough, "--thorough"),
            ),
        ];
        pairs.into_iter().find(|(a, b)| a != b)
    }
}

/// The settings recorded in `dir`, if any.
fn read(dir: &Path, max_input_mib: u64) -> anyhow::Result<Option<Settings>> {
    let path = dir.join(SETTINGS);
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::input::read_text(&path, "scan settings", max_input_mib)?;
    let settings = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not the settings of an organisation scan: {}",
            path.display(),
            crate::render::printable_line(&e.to_string())
        )
    })?;
    Ok(Some(settings))
}

/// Before an organisation scan collects into `dir`: record `mine` there when the directory has no settings yet, else
/// refuse (a one-line error) when they differ from the ones recorded — `--resume` would report inventories of other
/// regions, another lookback or another version as one scan. Several shards may claim one directory at once: the
/// first to create the file wins, the others compare with it.
pub fn claim(dir: &Path, mine: &Settings, max_input_mib: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    let recorded = match read(dir, max_input_mib)? {
        Some(recorded) => recorded,
        None if create(dir, mine)? => return Ok(()),
        // another copy created it first
        None => read(dir, max_input_mib)?.context("the settings file vanished")?,
    };
    compare(dir, &recorded, mine)
}

/// [`claim`]'s refusal, without writing anything: called before the first AWS call, so a resume with other flags
/// stops at once, and a run refused for another reason leaves no file behind.
pub fn check(dir: &Path, mine: &Settings, max_input_mib: u64) -> anyhow::Result<()> {
    match read(dir, max_input_mib)? {
        Some(recorded) => compare(dir, &recorded, mine),
        None => Ok(()),
    }
}

fn compare(dir: &Path, recorded: &Settings, mine: &Settings) -> anyhow::Result<()> {
    match recorded.difference(mine) {
        None => Ok(()),
        Some((theirs, ours)) => anyhow::bail!(
            "{}: its accounts were collected with {theirs}, this run has {ours}: resume with the same version and \
             collection flags, or scan into a new directory",
            dir.display()
        ),
    }
}

/// Write `settings` to `dir/scan.json` unless it exists: whether it was written.
fn create(dir: &Path, settings: &Settings) -> anyhow::Result<bool> {
    let path = dir.join(SETTINGS);
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot create a file", dir.display()))?;
    serde_json::to_writer_pretty(&mut temp, settings)?;
    temp.write_all(b"\n")?;
    temp.as_file().sync_all()?;
    match temp.persist_noclobber(&path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error).with_context(|| format!("{}: cannot write", path.display())),
    }
}

/// `merge DIR...`: the directories that record settings must record the same (a directory without them is taken as
/// it is: its reports are still compared one by one).
pub fn same_across(dirs: &[PathBuf], max_input_mib: u64) -> anyhow::Result<()> {
    let mut first: Option<(&PathBuf, Settings)> = None;
    for dir in dirs {
        let Some(settings) = read(dir, max_input_mib)? else {
            continue;
        };
        match &first {
            None => first = Some((dir, settings)),
            Some((first_dir, recorded)) => {
                if let Some((theirs, ours)) = recorded.difference(&settings) {
                    anyhow::bail!(
                        "{}: collected with {ours}, but {} with {theirs}: merge the directories of scans run with \
                         the same version and collection flags",
                        dir.display(),
                        first_dir.display()
                    );
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(regions: Option<&[&str]>, lookback_days: u32) -> Settings {
        Settings {
            tool_version: "0.1.0".into(),
            regions: regions.map(|r| r.iter().map(|s| s.to_string()).collect()),
            lookback_days,
            scan_code: false,
            thorough: false,
        }
    }

    #[test]
    fn the_first_claim_records_the_settings_the_same_ones_are_accepted_again() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mine = settings(Some(&["us-east-1"]), 90);
        claim(&out, &mine, 1).unwrap();
        assert_eq!(read(&out, 1).unwrap(), Some(mine.clone()));
        claim(&out, &mine, 1).unwrap();
        let names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [SETTINGS], "no temporary file left");
    }

    #[test]
    fn other_collection_flags_are_refused_on_one_line_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        claim(dir.path(), &settings(Some(&["us-east-1"]), 90), 1).unwrap();
        let refused = |mine: Settings| claim(dir.path(), &mine, 1).unwrap_err().to_string();
        let e = refused(settings(Some(&["eu-west-1", "us-east-1"]), 90));
        assert!(
            e.ends_with(
                ": its accounts were collected with --regions us-east-1, this run has --regions eu-west-1,us-east-1: \
                 resume with the same version and collection flags, or scan into a new directory"
            ),
            "{e}"
        );
        assert!(!e.contains('\n'));
        assert!(refused(settings(None, 90))
            .contains("this run has every enabled region (no --regions)"));
        assert!(refused(settings(Some(&["us-east-1"]), 30))
            .contains("collected with --lookback-days 90, this run has --lookback-days 30"));
        let mut code = settings(Some(&["us-east-1"]), 90);
        code.scan_code = true;
        assert!(refused(code).contains("collected with no --scan-code, this run has --scan-code"));
        let mut newer = settings(Some(&["us-east-1"]), 90);
        newer.tool_version = "0.2.0".into();
        assert!(refused(newer)
            .contains("collected with lambda-posture 0.1.0, this run has lambda-posture 0.2.0"));
    }

    #[test]
    fn check_refuses_the_same_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        check(&out, &settings(None, 90), 1).unwrap();
        assert!(!out.exists(), "nothing written");
        claim(&out, &settings(None, 90), 1).unwrap();
        check(&out, &settings(None, 90), 1).unwrap();
        let e = check(&out, &settings(None, 30), 1).unwrap_err().to_string();
        assert!(
            e.contains("--lookback-days 90, this run has --lookback-days 30"),
            "{e}"
        );
    }

    #[test]
    fn a_damaged_settings_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS), "{\"tool_version\": ").unwrap();
        let e = claim(dir.path(), &settings(None, 90), 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("scan.json: not the settings of an organisation scan"),
            "{e}"
        );
    }

    #[test]
    fn merge_refuses_directories_collected_differently() {
        let root = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = ["a", "b", "c"]
            .iter()
            .map(|n| root.path().join(n))
            .collect();
        claim(&dirs[0], &settings(Some(&["us-east-1"]), 90), 1).unwrap();
        std::fs::create_dir_all(&dirs[1]).unwrap(); // no settings: not compared
        claim(&dirs[2], &settings(Some(&["us-east-1"]), 90), 1).unwrap();
        same_across(&dirs, 1).unwrap();
        std::fs::remove_file(dirs[2].join(SETTINGS)).unwrap();
        claim(&dirs[2], &settings(Some(&["us-east-1"]), 30), 1).unwrap();
        let e = same_across(&dirs, 1).unwrap_err().to_string();
        assert!(
            e.contains("collected with --lookback-days 30, but")
                && e.contains("with --lookback-days 90"),
            "{e}"
        );
    }
}
