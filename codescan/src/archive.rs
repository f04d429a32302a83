//! Walking one zip package: entry by entry with bounded buffers, nested zips and jars one level deep (spooled to a
//! temp file), binaries skipped by content, caps on unzipped bytes, entries and compression ratio.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use zip::result::ZipError;
use zip::ZipArchive;

use super::text::{self, is_binary, SNIFF_BYTES};
use super::{PackageScan, Settings};

/// Below this declared size an entry is never suspected of being a zip bomb, whatever its ratio.
const BOMB_MIN_BYTES: u64 = 1024 * 1024;

/// Scan a zip package spooled to `file`. Problems (caps hit, corrupt entries) are recorded in the result, never
/// dropped: a package with a problem is not "scanned completely". Findings come sorted by path and line.
pub fn scan_zip(file: File, settings: &Settings) -> PackageScan {
    let mut scan = PackageScan::default();
    let mut walk = Walk {
        settings,
        budget: settings.limits.max_unzipped_bytes,
        scan: &mut scan,
    };
    if let Err(problem) = walk.archive(file, None) {
        walk.scan.problems.push(problem);
    }
    scan.findings.sort();
    scan
}

struct Walk<'a> {
    settings: &'a Settings,
    /// Unzipped bytes still allowed for this package (nested archives included).
    budget: u64,
    scan: &'a mut PackageScan,
}

/// Why the walk of the whole package stopped.
type Stop = String;

impl Walk<'_> {
    /// Every entry of one archive; `outer` is the nested archive's path in the package, `None` for the package.
    fn archive(&mut self, mut file: File, outer: Option<&str>) -> Result<(), Stop> {
        let settings = self.settings;
        let limits = &settings.limits;
        let here = |message: String| match outer {
            Some(o) => format!("{o}: {message}"),
            None => message,
        };
        let entries =
            entry_count(&mut file).map_err(|e| here(format!("not a valid zip archive ({e})")))?;
        if entries > limits.max_entries {
            return Err(here(format!(
                "{entries} entries, over the cap of {}",
                limits.max_entries
            )));
        }
        let mut zip = ZipArchive::new(BufReader::new(file))
            .map_err(|e| here(format!("corrupt archive: {e}")))?;
        if let Some(total) = zip
            .decompressed_size()
            .filter(|t| *t > u128::from(limits.max_unzipped_bytes))
        {
            return Err(here(format!(
                "declares {} unzipped, over the cap of {} (Lambda's own limit is 250 MB)",
                mib(total as u64),
                mib(limits.max_unzipped_bytes)
            )));
        }
        for index in 0..zip.len() {
            let entry = match zip.by_index(index) {
                Ok(entry) => entry,
                Err(ZipError::UnsupportedArchive(why)) => {
                    self.scan
                        .problems
                        .push(here(format!("entry {index}: {why}; not scanned")));
                    continue;
                }
                Err(e) => {
                    self.scan
                        .problems
                        .push(here(format!("entry {index}: corrupt ({e}); not scanned")));
                    continue;
                }
            };
            if entry.is_dir() || entry.is_symlink() {
                continue;
            }
            let inner = clean_name(entry.name_raw());
            let path = match outer {
                Some(o) => format!("{o}!{inner}"),
                None => inner.clone(),
            };
            if settings.ignores.skips_path(&path, &inner) {
                self.scan.files_ignored += 1;
                continue;
            }
            if entry.encrypted() {
                self.scan
                    .problems
                    .push(format!("{path}: encrypted; not scanned"));
                continue;
            }
            let (size, compressed) = (entry.size(), entry.compressed_size());
            if size > BOMB_MIN_BYTES && size / compressed.max(1) > limits.max_ratio {
                self.scan.problems.push(format!(
                    "{path}: compression ratio {}:1 over the cap of {}:1 (zip bomb?); not scanned",
                    size / compressed.max(1),
                    limits.max_ratio
                ));
                continue;
            }
            if let Err(problem) = self.entry(entry, &path, outer.is_some()) {
                self.scan.problems.push(problem);
            }
            if self.budget == 0 {
                return Err(format!(
                    "unzips to more than {}: scan stopped at {path}",
                    mib(limits.max_unzipped_bytes)
                ));
            }
        }
        Ok(())
    }

    /// One file: a nested archive, a binary (skipped), or text (scanned).
    fn entry(&mut self, mut entry: impl Read, path: &str, nested: bool) -> Result<(), String> {
        let corrupt = |e: io::Error| format!("{path}: corrupt ({e}); not scanned");
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut entry)
            .take(SNIFF_BYTES.min(self.budget as usize) as u64)
            .read_to_end(&mut head)
            .map_err(corrupt)?;
        self.spend(head.len() as u64);
        if head.starts_with(b"PK\x03\x04") {
            if nested {
                return Err(format!(
                    "{path}: archive nested two levels deep; not opened"
                ));
            }
            let spooled = self.spool(head, entry).map_err(corrupt)?;
            return match spooled {
                Some(file) => self.archive(file, Some(path)).or_else(|problem| {
                    self.scan.problems.push(problem);
                    Ok(())
                }),
                None => Ok(()),
            };
        }
        if is_binary(&head) {
            self.scan.files_binary += 1;
            return Ok(());
        }
        let settings = self.settings;
        let limits = &settings.limits;
        let max_bytes = limits.max_file_bytes.min(self.budget + head.len() as u64);
        let found = text::scan_text_file(
            head,
            &mut entry,
            path,
            max_bytes,
            limits.windows,
            settings.detect,
            &settings.ignores,
        )
        .map_err(corrupt)?;
        self.spend(found.bytes_read.saturating_sub(SNIFF_BYTES as u64));
        self.scan.files_scanned += 1;
        self.scan.findings.extend(found.findings);
        if found.truncated && max_bytes == limits.max_file_bytes {
            return Err(format!(
                "{path}: larger than {}; only its beginning was scanned",
                mib(limits.max_file_bytes)
            ));
        }
        Ok(())
    }

    /// Copy a nested archive to a temp file (the zip central directory needs seeking), within the budget.
    fn spool(&mut self, head: Vec<u8>, rest: impl Read) -> io::Result<Option<File>> {
        let mut file = tempfile::tempfile()?;
        let copied = io::copy(
            &mut head.as_slice().chain(rest).take(self.budget + 1),
            &mut file,
        )?;
        self.spend(copied.saturating_sub(SNIFF_BYTES as u64));
        if self.budget == 0 {
            return Ok(None);
        }
        file.seek(SeekFrom::Start(0))?;
        Ok(Some(file))
    }

    fn spend(&mut self, bytes: u64) {
        self.budget = self.budget.saturating_sub(bytes);
    }
}

/// An entry name fit for a report: lossy UTF-8, control characters replaced.
fn clean_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

pub fn mib(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{bytes} bytes")
    }
}

/// The number of entries the end-of-central-directory record announces (zip64 aware), read before the zip crate
/// loads the whole directory into memory.
fn entry_count(file: &mut File) -> io::Result<u64> {
    let len = file.seek(SeekFrom::End(0))?;
    let tail_len = len.min(22 + 65535);
    let mut tail = vec![0u8; tail_len as usize];
    file.seek(SeekFrom::Start(len - tail_len))?;
    file.read_exact(&mut tail)?;
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| invalid("no end of central directory record"))?;
    let entries = u16::from_le_bytes([tail[eocd + 10], tail[eocd + 11]]);
    let result = if entries != u16::MAX {
        Ok(u64::from(entries))
    } else {
        // Zip64: the locator just before the record points at the zip64 end of central directory.
        let locator = eocd
            .checked_sub(20)
            .filter(|&l| tail[l..].starts_with(b"PK\x06\x07"));
        let offset =
            locator.map(|l| u64::from_le_bytes(tail[l + 8..l + 16].try_into().expect("8 bytes")));
        let offset = offset.ok_or_else(|| invalid("zip64 locator missing"))?;
        let mut record = [0u8; 40];
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut record)?;
        if !record.starts_with(b"PK\x06\x06") {
            return Err(invalid("zip64 end of central directory missing"));
        }
        Ok(u64::from_le_bytes(
            record[32..40].try_into().expect("8 bytes"),
        ))
    };
    file.seek(SeekFrom::Start(0))?;
    result
}
