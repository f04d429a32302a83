//! Which accounts each copy of an organisation scan set out to scan (`DIR/shards/<I>-of-<N>.json`: its shard and the
//! whole account list it was cut from), so `merge` names the accounts no copy reached — a shard that never ran, one
//! stopped before it created an account's folder, or copies that listed different organisations (`--org` answered
//! differently because an account joined or left between them) — instead of reporting fewer accounts as complete.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use lambda_posture_checks::report::InactiveAccount;
use serde::{Deserialize, Serialize};

use super::accounts::{self, Shard};

/// The folder, in the organisation scan's directory.
pub const SHARDS: &str = "shards";

/// What one copy set out to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// 0-based; 0 of 1 without `--shard`.
    pub index: usize,
    pub count: usize,
    /// Every account of the scan, sorted, after `--exclude-accounts`: the list the shards are cut from.
    pub accounts: Vec<String>,
    /// The organization's accounts `--org` left out for their state (not ACTIVE): id and state, said again by `merge`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_active: Vec<(String, String)>,
}

impl Plan {
    fn file_name(index: usize, count: usize) -> String {
        format!("{index}-of-{count}.json")
    }

    /// The accounts this copy scans.
    pub fn share(&self) -> Vec<String> {
        accounts::select(
            self.accounts.clone(),
            &[],
            Some(Shard {
                index: self.index,
                count: self.count,
            }),
        )
    }
}

/// Record the plan of this copy in `dir` (replacing the one an earlier run of the same shard wrote). Plans of another
/// shard count are an earlier scan's, split otherwise (the directory resumed with fewer or more copies): removed, so
/// they cannot make `merge` refuse the directory; this scan's copies cover every account again.
pub fn record(
    dir: &Path,
    shard: Option<Shard>,
    all: &[String],
    not_active: &[(String, String)],
) -> anyhow::Result<()> {
    let shard = shard.unwrap_or(Shard { index: 0, count: 1 });
    let plan = Plan {
        index: shard.index,
        count: shard.count,
        accounts: all.to_vec(),
        not_active: not_active.to_vec(),
    };
    let folder = dir.join(SHARDS);
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("{}: cannot create the folder", folder.display()))?;
    let suffix = format!("-of-{}.json", plan.count);
    for entry in std::fs::read_dir(&folder)
        .with_context(|| format!("{}: cannot list it", folder.display()))?
    {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.contains("-of-") && n.ends_with(".json") && !n.ends_with(&suffix))
        {
            std::fs::remove_file(&path)
                .with_context(|| format!("{}: cannot remove", path.display()))?;
        }
    }
    let path = folder.join(Plan::file_name(plan.index, plan.count));
    crate::output::prepare(&path, |w| {
        serde_json::to_writer(&mut *w, &plan)?;
        Ok(w.write_all(b"\n")?)
    })?
    .commit_part()
}

/// Every plan recorded in `dirs`, with where it was read.
fn read_all(dirs: &[PathBuf], max_input_mib: u64) -> anyhow::Result<Vec<(PathBuf, Plan)>> {
    let mut plans = Vec::new();
    for dir in dirs {
        let folder = dir.join(SHARDS);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue; // a directory of an older version, or assembled by hand: nothing planned
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let text = crate::input::read_text(&path, "shard plan", max_input_mib)?;
            let plan: Plan = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: not a shard plan of an organisation scan: {}",
                    path.display(),
                    crate::render::printable_line(&e.to_string())
                )
            })?;
            let expected = Plan::file_name(plan.index, plan.count);
            if plan.index >= plan.count
                || path.file_name().is_none_or(|n| n != expected.as_str())
                || plan
                    .accounts
                    .iter()
                    .any(|a| accounts::parse_account_id(a).is_err())
                || plan.not_active.iter().any(|(a, state)| {
                    accounts::parse_account_id(a).is_err()
                        || !super::members::is_recorded_state(state)
                })
            {
                anyhow::bail!(
                    "{}: not a shard plan of an organisation scan",
                    path.display()
                );
            }
            plans.push((path, plan));
        }
    }
    Ok(plans)
}

/// What `merge` must report beyond the account folders it found.
#[derive(Debug, Default, PartialEq)]
pub struct Missing {
    /// Accounts some copy was to scan (or no copy took) that have no folder: each is incomplete.
    pub accounts: BTreeSet<String>,
    /// One line each: a shard that did not run, copies that listed different accounts, an account left out as not
    /// ACTIVE.
    pub notes: Vec<String>,
    /// The accounts `--org` left out as not ACTIVE, as the plans recorded them (sorted, once each: see
    /// [`super::members::one_per_account`]; one a plan also lists, or whose folder is there, is reported as scanned or
    /// incomplete instead).
    pub inactive: Vec<(String, String)>,
    /// Account folders present that no plan lists, of accounts the plans say are not ACTIVE now: left by an earlier
    /// scan into the directory, not merged (the scan that recorded the plans reports them left out, not scanned).
    pub stale: Vec<String>,
}

/// The accounts planned in `dirs` that `found` (the account folders present) lacks, and why. No plan: nothing.
/// Plans of different shard counts cannot be one scan: an error.
pub fn missing(
    dirs: &[PathBuf],
    found: &BTreeSet<String>,
    max_input_mib: u64,
) -> anyhow::Result<Missing> {
    let plans = read_all(dirs, max_input_mib)?;
    let Some((first_path, first)) = plans.first() else {
        return Ok(Missing::default());
    };
    let count = first.count;
    if let Some((path, other)) = plans.iter().find(|(_, p)| p.count != count) {
        anyhow::bail!(
            "{} is shard {}/{}, but {} is shard {}/{count}: merge the shards of one scan",
            path.display(),
            other.index,
            other.count,
            first_path.display(),
            first.index
        );
    }
    let mut by_index: BTreeMap<usize, &Plan> = BTreeMap::new();
    let mut listed: BTreeSet<&String> = BTreeSet::new();
    for (_, plan) in &plans {
        by_index.entry(plan.index).or_insert(plan);
        listed.extend(&plan.accounts);
    }
    let mut out = Missing::default();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (_, plan) in &plans {
        taken.extend(plan.share());
    }
    // A shard that did not run: its share of the list the others were cut from.
    let absent: Vec<usize> = (0..count).filter(|i| !by_index.contains_key(i)).collect();
    for &index in &absent {
        let share = Plan {
            index,
            count,
            accounts: first.accounts.clone(),
            not_active: Vec::new(),
        }
        .share();
        out.notes.push(format!(
            "shard {index}/{count} did not run (no {SHARDS}/{} in the directories merged): its {} account(s) are \
             incomplete",
            Plan::file_name(index, count),
            share.len()
        ));
        taken.extend(share);
    }
    // The accounts left out as not ACTIVE (every copy lists the same, unless the organisation changed between them:
    // an account a copy listed to scan is not also said to be left out). An account the copies saw in different
    // states is left out once.
    let left_out = super::members::one_per_account(
        plans
            .iter()
            .flat_map(|(_, p)| &p.not_active)
            .filter(|(id, _)| !listed.contains(id))
            .cloned()
            .collect(),
    );
    // A folder no plan lists: left by an earlier scan into the same directory. Of an account now not ACTIVE: not
    // merged (the plans are newer, and the scan that recorded them reports it left out); else (an account that has
    // since left the organisation, or was listed then): merged as it is, and said.
    for id in found.iter().filter(|id| !listed.contains(id)) {
        match left_out.iter().find(|(left, _)| left == id) {
            Some((_, state)) => {
                out.notes.push(format!(
                    "note: account {id}: its folder is from an earlier scan, and AWS Organizations now lists it as \
                     {state}: not merged"
                ));
                out.stale.push(id.clone());
            }
            None => out.notes.push(format!(
                "note: account {id}: its folder is in no shard's plan (left by an earlier scan into this \
                 directory?): merged as it is"
            )),
        }
    }
    // Copies that listed different accounts (the organisation changed between them): an account some list holds
    // may be in no copy's share.
    let untaken: Vec<&String> = listed
        .iter()
        .copied()
        .filter(|a| !taken.contains(*a))
        .collect();
    if !untaken.is_empty() {
        out.notes.push(format!(
            "the shards listed different accounts (the organisation changed between their runs): {} account(s) \
             no shard took are incomplete; scan them with --accounts",
            untaken.len()
        ));
    }
    for (id, state) in &left_out {
        out.notes.push(super::members::not_active_line(id, state));
    }
    out.inactive = left_out;
    out.accounts.extend(untaken.into_iter().cloned());
    out.accounts.extend(taken);
    out.accounts.retain(|a| !found.contains(a));
    Ok(out)
}

/// What `merge` reads beyond the account folders it found.
#[derive(Debug, Default)]
pub struct MissingDirs {
    /// A folder (that does not exist) for each account planned but absent, so each is reported incomplete.
    pub dirs: Vec<PathBuf>,
    /// The accounts `--org` left out as not ACTIVE, for the merged report.
    pub inactive: Vec<InactiveAccount>,
    /// Folders found that are not to be merged ([`Missing::stale`]).
    pub stale: Vec<PathBuf>,
}

/// `merge DIR...`: the folders to read for the accounts planned but absent from `found` (account folders, as
/// [`super::merge::account_dirs_of`] gives them): paths that do not exist, so each is reported incomplete; the
/// accounts left out as not ACTIVE; and the folders of `found` not to merge. The notes go to standard error.
pub fn missing_dirs(
    dirs: &[PathBuf],
    found: &[PathBuf],
    max_input_mib: u64,
) -> anyhow::Result<MissingDirs> {
    let Some(first) = dirs.first() else {
        return Ok(MissingDirs::default());
    };
    let name = |d: &PathBuf| d.file_name().map(|n| n.to_string_lossy().into_owned());
    let ids: BTreeSet<String> = found.iter().filter_map(name).collect();
    let missing = missing(dirs, &ids, max_input_mib)?;
    for note in &missing.notes {
        if note.starts_with("not scanned: ") || note.starts_with("note: ") {
            eprintln!("{note}");
        } else {
            eprintln!("incomplete: {note}");
        }
    }
    Ok(MissingDirs {
        dirs: missing
            .accounts
            .iter()
            .map(|id| super::scan::account_dir(first, id))
            .collect(),
        inactive: super::inactive_accounts(&missing.inactive),
        stale: found
            .iter()
            .filter(|d| name(d).is_some_and(|id| missing.stale.contains(&id)))
            .cloned()
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{:012}", i * 111)).collect()
    }

    fn found_of(dirs: &[PathBuf]) -> BTreeSet<String> {
        super::super::merge::account_dirs_of(dirs)
            .unwrap()
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    /// A shard that ran to the end: its plan and a folder per account of its share.
    fn shard_ran(dir: &Path, index: usize, count: usize, all: &[String]) {
        record(dir, Some(Shard { index, count }), all, &[]).unwrap();
        let plan = Plan {
            index,
            count,
            accounts: all.to_vec(),
            not_active: Vec::new(),
        };
        for id in plan.share() {
            std::fs::create_dir_all(dir.join("accounts").join(id)).unwrap();
        }
    }

    #[test]
    fn every_shard_done_leaves_nothing_missing() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(7);
        let dirs: Vec<PathBuf> = (0..3).map(|i| root.path().join(i.to_string())).collect();
        for (i, dir) in dirs.iter().enumerate() {
            shard_ran(dir, i, 3, &all);
        }
        let found = found_of(&dirs);
        assert_eq!(found.len(), 7);
        assert_eq!(missing(&dirs, &found, 1).unwrap(), Missing::default());
        // without --shard: 0 of 1
        let single = root.path().join("single");
        shard_ran(&single, 0, 1, &all);
        let dirs = [single];
        assert_eq!(
            missing(&dirs, &found_of(&dirs), 1).unwrap(),
            Missing::default()
        );
    }

    #[test]
    fn a_folder_no_plan_lists_is_said() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(2);
        let dir = root.path().join("out");
        shard_ran(&dir, 0, 1, &all);
        std::fs::create_dir_all(dir.join("accounts").join("999999999999")).unwrap();
        let dirs = [dir];
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        assert!(got.accounts.is_empty());
        assert_eq!(
            got.notes,
            ["note: account 999999999999: its folder is in no shard's plan (left by an earlier scan into this \
              directory?): merged as it is"]
        );
    }

    #[test]
    fn a_shard_that_did_not_run_leaves_its_share_incomplete() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(7);
        let dirs: Vec<PathBuf> = [0, 2]
            .iter()
            .map(|i| root.path().join(i.to_string()))
            .collect();
        shard_ran(&dirs[0], 0, 3, &all);
        shard_ran(&dirs[1], 2, 3, &all);
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        assert_eq!(
            got.accounts.into_iter().collect::<Vec<_>>(),
            [all[1].clone(), all[4].clone()]
        );
        assert_eq!(
            got.notes,
            ["shard 1/3 did not run (no shards/1-of-3.json in the directories merged): its 2 account(s) are \
              incomplete"]
        );
    }

    #[test]
    fn an_account_a_stopped_shard_never_reached_is_missing() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(4);
        let dir = root.path().join("out");
        record(&dir, None, &all, &[]).unwrap();
        std::fs::create_dir_all(dir.join("accounts").join(&all[0])).unwrap();
        let dirs = [dir];
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        assert_eq!(got.accounts.len(), 3);
        assert!(got.notes.is_empty());
    }

    #[test]
    fn shards_that_listed_different_organisations_name_the_accounts_no_shard_took() {
        let root = tempfile::tempdir().unwrap();
        let before = ids(4);
        // an account joined between the two shards' runs, sorting first: every position moved by one
        let mut after = before.clone();
        after.insert(0, "000000000001".to_string());
        // both write into one shared directory (as the Kubernetes and Batch deployments do)
        let dirs = vec![root.path().join("shared")];
        shard_ran(&dirs[0], 0, 2, &before); // took positions 0, 2 of `before`
        shard_ran(&dirs[0], 1, 2, &after); // took positions 1, 3 of `after`: before's 0 and 2 again
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        // nobody took before[1], before[3] or the newcomer
        assert_eq!(
            got.accounts.into_iter().collect::<Vec<_>>(),
            [
                "000000000001".to_string(),
                before[1].clone(),
                before[3].clone()
            ]
        );
        assert_eq!(got.notes.len(), 1);
        assert!(
            got.notes[0].contains("3 account(s) no shard took"),
            "{:?}",
            got.notes
        );
    }

    #[test]
    fn the_accounts_org_left_out_are_said_again_by_merge() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(2);
        let dir = root.path().join("out");
        let suspended = ("999999999999".to_string(), "SUSPENDED".to_string());
        record(&dir, None, &all, std::slice::from_ref(&suspended)).unwrap();
        for id in &all {
            std::fs::create_dir_all(dir.join("accounts").join(id)).unwrap();
        }
        let dirs = [dir];
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        assert!(got.accounts.is_empty());
        assert_eq!(
            got.notes,
            ["not scanned: account 999999999999 is SUSPENDED in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts)"]
        );
        assert_eq!(got.inactive, [suspended]);
    }

    #[test]
    fn a_folder_left_by_an_earlier_scan_of_an_account_now_not_active_is_not_merged() {
        // scanned while ACTIVE, then suspended: the resumed scan's plan leaves it out, its old folder is still there
        let root = tempfile::tempdir().unwrap();
        let all = ids(1);
        let dir = root.path().join("out");
        let suspended = ("999999999999".to_string(), "SUSPENDED".to_string());
        record(&dir, None, &all, std::slice::from_ref(&suspended)).unwrap();
        for id in [&all[0], &suspended.0] {
            std::fs::create_dir_all(dir.join("accounts").join(id)).unwrap();
        }
        let dirs = [dir];
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        // as the scan reports it: left out, not scanned
        assert_eq!(got.inactive, [suspended]);
        assert_eq!(got.stale, ["999999999999"]);
        assert!(got.accounts.is_empty());
        assert_eq!(
            got.notes,
            [
                "note: account 999999999999: its folder is from an earlier scan, and AWS Organizations now lists it \
                 as SUSPENDED: not merged",
                "not scanned: account 999999999999 is SUSPENDED in AWS Organizations (--org scans ACTIVE and PENDING_CLOSURE accounts)"
            ]
        );
    }

    #[test]
    fn an_account_the_copies_saw_in_different_states_is_left_out_once() {
        // the organisation changed between the copies' runs: 888888888888 was SUSPENDED, then CLOSED
        let root = tempfile::tempdir().unwrap();
        let all = ids(2);
        let dirs: Vec<PathBuf> = (0..2).map(|i| root.path().join(i.to_string())).collect();
        let state = |id: &str, state: &str| (id.to_string(), state.to_string());
        for (i, seen) in ["SUSPENDED", "CLOSED"].into_iter().enumerate() {
            let shard = Some(Shard { index: i, count: 2 });
            record(&dirs[i], shard, &all, &[state("888888888888", seen)]).unwrap();
        }
        let got = missing(&dirs, &BTreeSet::new(), 1).unwrap();
        assert_eq!(got.inactive, [state("888888888888", "CLOSED")]);
        let said = got.notes.iter().filter(|n| n.contains("888888888888"));
        assert_eq!(said.count(), 1, "{:?}", got.notes);
    }

    #[test]
    fn an_account_left_out_in_an_unknown_state_does_not_make_merge_refuse_the_plan() {
        // ListAccounts gave no state (or no state word): the scan records it as `unknown`, and merge reads it back.
        let root = tempfile::tempdir().unwrap();
        let all = ids(1);
        let dir = root.path().join("out");
        let unknown = ("999999999999".to_string(), "unknown".to_string());
        record(&dir, None, &all, std::slice::from_ref(&unknown)).unwrap();
        std::fs::create_dir_all(dir.join("accounts").join(&all[0])).unwrap();
        let dirs = [dir];
        let got = missing(&dirs, &found_of(&dirs), 1).unwrap();
        assert_eq!(got.inactive, [unknown]);
        // a state that is neither a state word nor `unknown` is still refused
        let hostile = root.path().join("hostile");
        record(
            &hostile,
            None,
            &all,
            &[("999999999999".into(), "unknown\u{1b}[2J".into())],
        )
        .unwrap();
        let e = missing(&[hostile], &BTreeSet::new(), 1).unwrap_err();
        assert!(e.to_string().contains("not a shard plan"), "{e}");
    }

    #[test]
    fn the_accounts_left_out_are_the_union_of_the_plans_less_those_scanned_after_all() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(3);
        let dirs: Vec<PathBuf> = (0..2).map(|i| root.path().join(i.to_string())).collect();
        let state = |id: &str, state: &str| (id.to_string(), state.to_string());
        // shard 0 saw all[2] SUSPENDED (then reinstated: shard 1 lists it to scan) and 888888888888 suspended
        let early = [
            state(&all[2], "SUSPENDED"),
            state("888888888888", "SUSPENDED"),
        ];
        let late = [
            state("888888888888", "SUSPENDED"),
            state("777777777777", "CLOSED"),
        ];
        record(
            &dirs[0],
            Some(Shard { index: 0, count: 2 }),
            &all[..2],
            &early,
        )
        .unwrap();
        record(&dirs[1], Some(Shard { index: 1, count: 2 }), &all, &late).unwrap();
        let got = missing(&dirs, &BTreeSet::new(), 1).unwrap();
        assert_eq!(
            got.inactive,
            [
                state("777777777777", "CLOSED"),
                state("888888888888", "SUSPENDED")
            ]
        );
        let said: Vec<&String> = got
            .notes
            .iter()
            .filter(|n| n.starts_with("not scanned: "))
            .collect();
        assert_eq!(said.len(), 2, "{:?}", got.notes);
        assert!(!got
            .notes
            .iter()
            .any(|n| n.contains(&all[2]) && n.contains("SUSPENDED")));
    }

    #[test]
    fn a_directory_resumed_with_another_shard_count_keeps_only_the_new_plans() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(6);
        let dir = root.path().join("shared");
        for i in 0..4 {
            shard_ran(&dir, i, 4, &all);
        }
        for i in 0..2 {
            shard_ran(&dir, i, 2, &all);
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.join(SHARDS))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["0-of-2.json", "1-of-2.json"]);
        let dirs = [dir];
        assert_eq!(
            missing(&dirs, &found_of(&dirs), 1).unwrap(),
            Missing::default()
        );
    }

    #[test]
    fn plans_of_different_shard_counts_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let all = ids(4);
        let dirs: Vec<PathBuf> = (0..2).map(|i| root.path().join(i.to_string())).collect();
        shard_ran(&dirs[0], 0, 2, &all);
        shard_ran(&dirs[1], 1, 3, &all);
        let e = missing(&dirs, &found_of(&dirs), 1).unwrap_err().to_string();
        assert!(
            e.contains("is shard 1/3, but") && e.contains("is shard 0/2"),
            "{e}"
        );
        std::fs::write(dirs[0].join(SHARDS).join("0-of-2.json"), "{}").unwrap();
        let e = missing(&dirs, &BTreeSet::new(), 1).unwrap_err().to_string();
        assert!(e.contains("0-of-2.json: not a shard plan"), "{e}");
    }
}
