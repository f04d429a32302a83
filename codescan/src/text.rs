//! Text files: binary detection by content, and scanning a file of any size in bounded windows of whole lines.

use std::collections::BTreeSet;
use std::io::Read;

use super::{Detect, Finding, Ignores};

/// Bytes looked at to tell text from binary.
pub const SNIFF_BYTES: usize = 8 * 1024;

/// Text or binary, judged on the first bytes: a NUL byte, or more than 10% of bytes that are not UTF-8, is binary.
pub fn is_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let mut invalid = 0usize;
    let mut chunks = head.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        // An incomplete character cut off by the sniff window is not evidence of binary content.
        let cut_at_end = chunks.peek().is_none()
            && chunk.invalid().len() < 4
            && is_truncated_utf8(chunk.invalid());
        if !cut_at_end {
            invalid += chunk.invalid().len();
        }
    }
    invalid * 10 > head.len()
}

fn is_truncated_utf8(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|b| *b >= 0xC0)
}

/// How one text file is read: window size and how much of the previous window is read again.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    /// Bytes handed to the detector at once (whole lines, except for a single longer line).
    pub window: usize,
    /// Bytes of whole lines at the end of a window scanned again with the next one, so that multi-line secrets
    /// (a PEM private key) cut by a window boundary are still seen whole.
    pub overlap: usize,
}

impl Windows {
    pub const STANDARD: Windows = Windows {
        window: 1024 * 1024,
        overlap: 16 * 1024,
    };
}

/// What scanning one text file found.
pub struct TextScan {
    pub findings: Vec<Finding>,
    /// Bytes read from the file (at most `max_bytes`).
    pub bytes_read: u64,
    /// True when the file is longer than `max_bytes` and only its beginning was scanned.
    pub truncated: bool,
}

/// Scan one text file: `head` (already read) followed by the rest of `reader`, at most `max_bytes` in all, never
/// holding more than one window in memory.
pub fn scan_text_file(
    head: Vec<u8>,
    reader: &mut dyn Read,
    path: &str,
    max_bytes: u64,
    windows: Windows,
    detect: Detect,
    ignores: &Ignores,
) -> std::io::Result<TextScan> {
    let mut buf = head;
    buf.truncate(usize::try_from(max_bytes).unwrap_or(usize::MAX));
    let mut bytes_read = buf.len() as u64;
    let mut first_line: u32 = 1;
    let mut seen: BTreeSet<(u32, String)> = BTreeSet::new();
    let mut findings = Vec::new();
    {
        let mut limited = (&mut *reader).take(max_bytes - bytes_read);
        loop {
            let wanted = windows.window.saturating_sub(buf.len());
            bytes_read += (&mut limited).take(wanted as u64).read_to_end(&mut buf)? as u64;
            let at_end = buf.len() < windows.window;
            let cut = if at_end { buf.len() } else { window_end(&buf) };
            let text = String::from_utf8_lossy(&buf[..cut]);
            let lines: Option<Vec<&str>> =
                ignores.has_value_patterns().then(|| text.lines().collect());
            for hit in detect(&text) {
                let line = first_line + hit.line.saturating_sub(1);
                let on_line = lines
                    .as_ref()
                    .and_then(|l| l.get(hit.line.saturating_sub(1) as usize));
                if on_line.is_some_and(|l| ignores.skips_line(l))
                    || !seen.insert((line, hit.rule_id.clone()))
                {
                    continue;
                }
                findings.push(Finding {
                    path: path.to_string(),
                    line,
                    rule_id: hit.rule_id,
                    masked_preview: hit.masked_preview,
                });
            }
            if at_end {
                break;
            }
            let keep_from = overlap_start(&buf[..cut], windows.overlap);
            first_line += count_lines(&buf[..keep_from]);
            buf.drain(..keep_from);
        }
    }
    let truncated = bytes_read >= max_bytes && has_more(reader)?;
    findings.sort_by(|a, b| (a.line, &a.rule_id).cmp(&(b.line, &b.rule_id)));
    Ok(TextScan {
        findings,
        bytes_read,
        truncated,
    })
}

/// Where a full window ends: after its last newline, or (one line longer than the window) at its last character
/// boundary.
fn window_end(buf: &[u8]) -> usize {
    match buf.iter().rposition(|b| *b == b'\n') {
        Some(i) => i + 1,
        None => char_boundary(buf, buf.len() - 1).max(1),
    }
}

/// Start of what is scanned again with the next window: the first line that starts in the last `overlap` bytes,
/// or, inside a single line longer than that, the last `overlap` bytes themselves. Always > 0, so windows advance.
fn overlap_start(window: &[u8], overlap: usize) -> usize {
    let from = window.len().saturating_sub(overlap).max(1);
    match window[from - 1..].iter().position(|b| *b == b'\n') {
        Some(i) => from + i,
        None => char_boundary(window, from).max(1),
    }
}

/// The start of the character at `at` (UTF-8 continuation bytes are skipped backwards).
fn char_boundary(buf: &[u8], mut at: usize) -> usize {
    while at > 0 && at < buf.len() && (buf[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

fn count_lines(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|b| **b == b'\n').count() as u32
}

fn has_more(reader: &mut dyn Read) -> std::io::Result<bool> {
    let mut one = [0u8; 1];
    Ok(reader.read(&mut one)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{detect_fake, FAKE_KEY};

    #[test]
    fn binary_is_judged_by_content() {
        assert!(is_binary(b"\x7fELF\x02\x01\x01\x00\x00"));
        assert!(is_binary(&[
            0xca, 0xfe, 0xba, 0xbe, 0xff, 0xfe, 0x80, 0x81, b'a', b'b'
        ]));
        assert!(!is_binary(b"plain text\nwith lines\n"));
        assert!(!is_binary("caf\u{e9} na\u{ef}ve \u{2014} text".as_bytes()));
        let mut cut = "x".repeat(10).into_bytes();
        cut.extend_from_slice(&"\u{e9}".as_bytes()[..1]);
        assert!(
            !is_binary(&cut),
            "a character cut by the sniff window is not binary"
        );
        assert!(!is_binary(b""));
    }

    fn scan(text: &str, max: u64, windows: Windows) -> TextScan {
        let bytes = text.as_bytes();
        let head = bytes[..bytes.len().min(10)].to_vec();
        let mut rest = &bytes[head.len()..];
        scan_text_file(
            head,
            &mut rest,
            "f.txt",
            max,
            windows,
            detect_fake,
            &Ignores::none(),
        )
        .unwrap()
    }

    #[test]
    fn findings_keep_their_line_across_windows() {
        let mut text = String::new();
        for i in 1..=400 {
            if i % 100 == 0 {
                text.push_str(&format!("key = \"{FAKE_KEY}\"\n"));
            } else {
                text.push_str(&format!("let line_{i} = {i};\n"));
            }
        }
        let small = Windows {
            window: 700,
            overlap: 100,
        };
        let lines: Vec<u32> = scan(&text, u64::MAX, small)
            .findings
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, vec![100, 200, 300, 400]);
        let whole: Vec<u32> = scan(&text, u64::MAX, Windows::STANDARD)
            .findings
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, whole);
    }

    #[test]
    fn a_line_longer_than_the_window_is_scanned_in_pieces() {
        let text = format!("{}{FAKE_KEY}{}\n", "a".repeat(5000), "b".repeat(5000));
        let found = scan(
            &text,
            u64::MAX,
            Windows {
                window: 1000,
                overlap: 100,
            },
        );
        assert_eq!(found.findings.len(), 1, "found once, at line 1");
        assert_eq!(found.findings[0].line, 1);
    }

    #[test]
    fn files_over_the_cap_are_truncated_and_say_so() {
        let text = format!("{}\nkey = \"{FAKE_KEY}\"\n", "x".repeat(3000));
        let capped = scan(&text, 1000, Windows::STANDARD);
        assert!(capped.truncated && capped.findings.is_empty() && capped.bytes_read == 1000);
        let whole = scan(&text, text.len() as u64, Windows::STANDARD);
        assert!(!whole.truncated && whole.findings.len() == 1);
    }
}
