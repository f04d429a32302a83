//! Writing results: atomically to a file (temp file + rename in the same folder), or to standard output.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Write to `path` so that readers see either the old file or the complete new one, never a half: `write` fills a
/// temporary file in the same folder through a buffer (a large document goes straight to disk, never whole in
/// memory), which then replaces `path`.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    prepare(path, write)?.commit()
}

/// A complete, synced temporary file waiting to replace its destination ([`Prepared::commit`], or
/// [`commit_all`] for several outputs of one command at once); dropped uncommitted, it is deleted.
pub struct Prepared {
    temp: crate::interrupt::TrackedTemp,
    path: PathBuf,
}

impl Prepared {
    pub fn commit(self) -> anyhow::Result<()> {
        commit_all(vec![self])
    }

    /// Replace the destination with the file, as one part of a longer command's result (an account of an
    /// organisation scan): a later Ctrl-C still stops the command, and this file stays.
    pub fn commit_part(self) -> anyhow::Result<()> {
        crate::interrupt::commit_part(vec![(self.temp, self.path)])
    }
}

/// Replace every destination with its prepared file, as one step as far as a signal can tell.
pub fn commit_all(files: Vec<Prepared>) -> anyhow::Result<()> {
    crate::interrupt::commit_all(files.into_iter().map(|p| (p.temp, p.path)).collect())
}

/// Fill a temporary file next to `path` with what `write` produces, and sync it; nothing replaces `path` yet.
pub fn prepare(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<Prepared> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = crate::interrupt::temp_file_in(dir).with_context(|| {
        format!(
            "{}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    {
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, temp.file().as_file_mut());
        write(&mut writer)
            .and_then(|()| Ok(writer.flush()?))
            .with_context(|| format!("{}: write failed", path.display()))?;
    }
    temp.file()
        .as_file()
        .sync_all()
        .with_context(|| format!("{}: sync failed", path.display()))?;
    Ok(Prepared {
        temp,
        path: path.to_path_buf(),
    })
}

/// Send rendered bytes to `path` (atomically) or to standard output.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    emit_with(path, |w| Ok(w.write_all(bytes)?))
}

/// Like [`emit`], the content written by `write` as it is produced (through a buffer).
pub fn emit_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(path) => write_atomically_with(path, write),
        None => {
            crate::interrupt::sending_to("standard output");
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match write(&mut stdout).and_then(|()| Ok(stdout.flush()?)) {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if is_broken_pipe(&e) => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}

/// Whether writing failed because the reader went away (directly, or inside a serialiser's error).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = match (
            cause.downcast_ref::<std::io::Error>(),
            cause.downcast_ref::<serde_json::Error>(),
        ) {
            (Some(io), _) => Some(io.kind()),
            (None, Some(json)) => json.io_error_kind(),
            _ => None,
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomically_with(&path, |w| Ok(w.write_all(b"first")?)).unwrap();
        write_atomically_with(&path, |w| Ok(w.write_all(b"second")?)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }

    #[test]
    fn a_pipe_or_device_is_written_into_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not installed");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomically_with(&fifo, |w| Ok(w.write_all(b"report")?)).unwrap();
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(
            kind.is_fifo(),
            "the pipe is still a pipe, not a file renamed over it"
        );
        assert_eq!(reader.join().unwrap(), b"report");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }

    #[test]
    fn names_the_file_when_the_folder_is_missing() {
        let err = write_atomically_with(Path::new("/nonexistent-dir/x.json"), |w| {
            Ok(w.write_all(b"x")?)
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent-dir/x.json"));
    }
}
