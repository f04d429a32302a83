//! Which accounts an organisation scan covers: account ids from flags and files, exclusions, and the shard's share.

use std::path::Path;
use std::str::FromStr;

/// Whether `text` is an AWS account id: exactly 12 ASCII digits.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// What a refused value looks like in a message: at most 40 characters (a line may be a whole paragraph).
fn shown(text: &str) -> String {
    let mut shown: String = text.chars().take(40).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// One account id of `--accounts` or `--exclude-accounts` (clap's value parser).
pub fn parse_account_id(text: &str) -> Result<String, String> {
    let id = text.trim();
    if is_account_id(id) {
        Ok(id.to_string())
    } else {
        Err(format!("`{}` is not a 12-digit AWS account id", shown(id)))
    }
}

/// The account ids of an `--accounts-file`: one per line (LF or CRLF; a leading byte order mark ignored); blank lines
/// and `#` comments (whole line or after the id) allowed. A malformed line is a one-line error naming the file and the
/// line.
pub fn parse_accounts_file(path: &Path, text: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    // a UTF-8 byte order mark (Windows editors, PowerShell) is not part of the first line
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        let value = line.split('#').next().unwrap_or_default().trim();
        if value.is_empty() {
            continue;
        }
        if !is_account_id(value) {
            anyhow::bail!(
                "--accounts-file {}: line {}: `{}` is not a 12-digit AWS account id",
                path.display(),
                index + 1,
                shown(value)
            );
        }
        ids.push(value.to_string());
    }
    Ok(ids)
}

/// `--shard I/N`: the accounts whose position in the sorted, de-duplicated list satisfies `position % N == I`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// The most shards a scan can be split into.
pub const MAX_SHARDS: usize = 10_000;

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        Shard::parse(text, |name| std::env::var(name).ok())
    }
}

impl Shard {
    /// `I/N`, where I may be `$NAME`: the index in the environment variable NAME (`env` looks it up), for job
    /// runners that give each copy its index only there and run the image's entrypoint without a shell (AWS Batch's
    /// `$AWS_BATCH_JOB_ARRAY_INDEX`).
    fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let wrong = || {
            format!(
                "`{}` is not I/N (0-based shard I of N, e.g. 0/4)",
                shown(text)
            )
        };
        let (index, count) = text.split_once('/').ok_or_else(wrong)?;
        let number = |s: &str| -> Result<usize, String> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong());
            }
            s.parse().map_err(|_| wrong())
        };
        let index = match index.strip_prefix('$') {
            None => number(index)?,
            Some(name) => {
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return Err(wrong());
                }
                let value = env(name).ok_or_else(|| {
                    format!(
                        "`{}`: the environment variable {} is not set",
                        shown(text),
                        shown(name)
                    )
                })?;
                number(&value).map_err(|_| {
                    format!(
                        "`{}`: {} is `{}`, not a shard index",
                        shown(text),
                        shown(name),
                        shown(&value)
                    )
                })?
            }
        };
        let count = number(count)?;
        if !(1..=MAX_SHARDS).contains(&count) {
            return Err(format!(
                "`{}`: N must be between 1 and {MAX_SHARDS}",
                shown(text)
            ));
        }
        if index >= count {
            return Err(format!(
                "`{}`: I must be below N (shards are numbered from 0 to N-1)",
                shown(text)
            ));
        }
        Ok(Shard { index, count })
    }
}

/// The accounts to scan: `listed` sorted and de-duplicated, minus `excluded`, then the shard's share (positions
/// counted in the list after exclusion, so every shard of the same list agrees).
pub fn select(mut listed: Vec<String>, excluded: &[String], shard: Option<Shard>) -> Vec<String> {
    listed.sort();
    listed.dedup();
    listed.retain(|id| !excluded.contains(id));
    match shard {
        None => listed,
        Some(shard) => listed
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % shard.count == shard.index)
            .map(|(_, id)| id)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_account_id_is_twelve_digits() {
        assert_eq!(parse_account_id(" 012345678901 ").unwrap(), "012345678901");
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "",
            "１２３４５６７８９０１２",
        ] {
            let e = parse_account_id(bad).unwrap_err();
            assert!(e.contains("is not a 12-digit AWS account id"), "{e}");
        }
    }

    #[test]
    fn an_accounts_file_allows_blank_lines_and_comments() {
        let text = "# production\n111111111111\n\n  222222222222  # payments\n#333333333333\n111111111111\n";
        let got = parse_accounts_file(Path::new("a.txt"), text).unwrap();
        assert_eq!(got, ids(&["111111111111", "222222222222", "111111111111"]));
        assert!(parse_accounts_file(Path::new("a.txt"), "")
            .unwrap()
            .is_empty());
        let windows = "\u{feff}111111111111\r\n# two\r\n222222222222\r\n";
        assert_eq!(
            parse_accounts_file(Path::new("a.txt"), windows).unwrap(),
            ids(&["111111111111", "222222222222"])
        );
        let e = parse_accounts_file(Path::new("a.txt"), "111111111111\n\u{feff}222222222222\n")
            .unwrap_err();
        assert!(
            e.to_string().contains("line 2"),
            "a mark inside the file is refused: {e}"
        );
    }

    #[test]
    fn a_malformed_line_names_the_file_and_the_line() {
        let e = parse_accounts_file(Path::new("dir/a.txt"), "111111111111\n\n22222222222x\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--accounts-file dir/a.txt: line 3: `22222222222x` is not a 12-digit AWS account id"
        );
        let long = "9".repeat(500);
        let e = parse_accounts_file(Path::new("a"), &long)
            .unwrap_err()
            .to_string();
        assert!(e.len() < 120 && e.contains("line 1"), "{e}");
        let two = parse_accounts_file(Path::new("a"), "111111111111,222222222222").unwrap_err();
        assert!(two.to_string().contains("line 1"), "{two}");
    }

    #[test]
    fn a_shard_is_i_of_n() {
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        assert_eq!("3/4".parse::<Shard>(), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(
            "9999/10000".parse::<Shard>(),
            Ok(Shard {
                index: 9999,
                count: 10000
            })
        );
        for bad in [
            "4/4",
            "1/0",
            "0/10001",
            "-1/4",
            "1",
            "a/b",
            "1/4/5",
            "+1/4",
            " 1/4",
            "",
            "99999999999999999999999/1",
        ] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_shard_index_may_come_from_an_environment_variable() {
        let env = |name: &str| match name {
            "AWS_BATCH_JOB_ARRAY_INDEX" => Some("3".to_string()),
            "EMPTY" => Some(String::new()),
            "WORD" => Some("three".to_string()),
            _ => None,
        };
        assert_eq!(
            Shard::parse("$AWS_BATCH_JOB_ARRAY_INDEX/4", env),
            Ok(Shard { index: 3, count: 4 })
        );
        let error = |text| Shard::parse(text, env).unwrap_err();
        assert_eq!(
            error("$UNSET/4"),
            "`$UNSET/4`: the environment variable UNSET is not set"
        );
        assert_eq!(
            error("$WORD/4"),
            "`$WORD/4`: WORD is `three`, not a shard index"
        );
        assert_eq!(
            error("$EMPTY/4"),
            "`$EMPTY/4`: EMPTY is ``, not a shard index"
        );
        assert!(error("$AWS_BATCH_JOB_ARRAY_INDEX/3").contains("I must be below N"));
        for bad in ["$/4", "$A-B/4", "${A}/4", "$$A/4"] {
            assert!(error(bad).contains("is not I/N"), "{bad}");
        }
    }

    #[test]
    fn selection_sorts_deduplicates_excludes_then_shards() {
        let listed = ids(&[
            "333333333333",
            "111111111111",
            "222222222222",
            "111111111111",
            "444444444444",
            "555555555555",
        ]);
        let excluded = ids(&["222222222222", "999999999999"]);
        assert_eq!(
            select(listed.clone(), &excluded, None),
            ids(&[
                "111111111111",
                "333333333333",
                "444444444444",
                "555555555555"
            ])
        );
        let shard = |index| Some(Shard { index, count: 3 });
        assert_eq!(
            select(listed.clone(), &excluded, shard(0)),
            ids(&["111111111111", "555555555555"])
        );
        assert_eq!(
            select(listed.clone(), &excluded, shard(1)),
            ids(&["333333333333"])
        );
        assert_eq!(
            select(listed.clone(), &excluded, shard(2)),
            ids(&["444444444444"])
        );
    }

    #[test]
    fn the_shards_of_a_list_cover_it_exactly_once() {
        let listed: Vec<String> = (0..97)
            .map(|i| format!("{:012}", i * 7919 % 1000))
            .collect();
        let all = select(listed.clone(), &[], None);
        for count in [1, 2, 4, 7, 96, 97, 200] {
            let mut union: Vec<String> = (0..count)
                .flat_map(|index| select(listed.clone(), &[], Some(Shard { index, count })))
                .collect();
            union.sort();
            assert_eq!(union, all, "{count} shards");
        }
    }
}
