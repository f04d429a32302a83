//! Ctrl-C (SIGINT) and SIGTERM, wherever the process is (collecting, evaluating, rendering, writing): the temporary
//! files being written are removed, one line says so on stderr, and the process exits at once with 130 or 143.
//!
//! Output files are committed (renamed into place) under the same lock the handler takes, so a signal sees either
//! no output at all (exit 130/143) or every output of the command complete (the signal is then ignored and the
//! command ends with its own exit code); never a half-written or temporary file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Exit code after SIGINT (128 + 2).
pub const SIGINT_EXIT: u8 = 130;
/// Exit code after SIGTERM (128 + 15).
pub const SIGTERM_EXIT: u8 = 143;

/// The temporary files being written, whether the command's outputs were already committed, and where output went
/// that cannot be taken back (standard output, a device or a pipe).
struct Pending {
    temp_files: Vec<PathBuf>,
    committed: bool,
    sent_to: Option<String>,
    /// Some files that are parts of the result are in place ([`commit_part`]: an organisation scan's accounts).
    parts_kept: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temp_files: Vec::new(),
    committed: false,
    sent_to: None,
    parts_kept: false,
});

fn pending() -> MutexGuard<'static, Pending> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Handle SIGINT and SIGTERM from now on, on a thread of their own (so a long synchronous evaluation cannot delay
/// them). Returns once the handlers are in place.
pub fn install() -> std::io::Result<()> {
    let (ready, is_ready) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => return drop(ready.send(Err(e))),
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let (mut interrupt, mut terminate) = match (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) {
                    (Ok(i), Ok(t)) => (i, t),
                    (Err(e), _) | (_, Err(e)) => return drop(ready.send(Err(e))),
                };
                let _ = ready.send(Ok(()));
                let mut signals_after_commit = 0;
                loop {
                    let code = tokio::select! {
                        _ = interrupt.recv() => SIGINT_EXIT,
                        _ = terminate.recv() => SIGTERM_EXIT,
                    };
                    // Once every output is in place the command has done its work and is returning its own exit
                    // code: 130/143 always means "nothing was written". A second signal still stops it at once.
                    if pending().committed && signals_after_commit == 0 {
                        signals_after_commit += 1;
                        continue;
                    }
                    stop(code)
                }
            })
        })?;
    is_ready
        .recv()
        .unwrap_or_else(|_| Err(std::io::Error::other("the signal thread did not start")))
}

/// Remove the temporary files and exit, holding the lock so no output can be committed any more.
fn stop(code: u8) -> ! {
    let pending = pending();
    for path in &pending.temp_files {
        let _ = std::fs::remove_file(path);
    }
    match &pending.sent_to {
        _ if pending.committed => eprintln!("interrupted: the output was already complete"),
        // what a terminal, a pipe or a device received cannot be taken back: say so rather than "nothing"
        Some(what) => eprintln!(
            "interrupted: no file was written; {} may hold part of the output",
            crate::render::printable_line(what)
        ),
        None if pending.parts_kept => eprintln!(
            "interrupted: the report was not written; the accounts already complete are kept (--resume DIR continues)"
        ),
        None => eprintln!("interrupted: nothing was written"),
    }
    std::process::exit(i32::from(code))
}

/// From now on output goes to `what` (standard output, a device, a pipe), where a signal cannot take it back: the
/// handler's last line says so.
pub fn sending_to(what: &str) {
    pending().sent_to = Some(what.to_string());
}

/// A temporary file in `dir`, removed by the signal handler if a signal comes before it is committed.
pub fn temp_file_in(dir: &Path) -> std::io::Result<TrackedTemp> {
    let mut pending = pending();
    let file = tempfile::NamedTempFile::new_in(dir)?;
    pending.temp_files.push(file.path().to_path_buf());
    Ok(TrackedTemp { file: Some(file) })
}

/// A temporary file the signal handler knows about; dropping it deletes it.
pub struct TrackedTemp {
    file: Option<tempfile::NamedTempFile>,
}

impl TrackedTemp {
    pub fn file(&mut self) -> &mut tempfile::NamedTempFile {
        self.file.as_mut().expect("a tracked file until committed")
    }
}

impl Drop for TrackedTemp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut pending = pending();
            pending.temp_files.retain(|p| p != file.path());
            drop(file); // deletes it
        }
    }
}

/// Whether `path` exists and is a device, pipe or socket (`/dev/null`, `/dev/stdout`, a FIFO), after symlinks.
fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Renaming over a device would replace the device itself with a regular file (run as root, `--output /dev/null`
/// once turned the machine's /dev/null into a file that every later reader of it read): the complete content is
/// written into it instead, and the temporary file removed when `temp` drops. `opened` runs once the destination is
/// open (a FIFO's open waits for its reader), before the first byte is written.
fn copy_into(
    temp: &tempfile::NamedTempFile,
    destination: &Path,
    opened: impl FnOnce(),
) -> anyhow::Result<()> {
    let write = || -> std::io::Result<u64> {
        let mut sink = std::fs::OpenOptions::new().write(true).open(destination)?;
        opened();
        std::io::copy(&mut temp.reopen()?, &mut sink)
    };
    write().map(drop).map_err(|e| {
        anyhow::Error::new(e).context(format!("{}: cannot write", destination.display()))
    })
}

/// Put every output in place: devices and pipes written into first ([`write_into_devices`]), then every
/// temporary file renamed onto its destination, all under the lock: a signal comes before all of them or after.
pub fn commit_all(files: Vec<(TrackedTemp, PathBuf)>) -> anyhow::Result<()> {
    let files = write_into_devices(files)?;
    let mut pending = pending();
    rename_all(&mut pending, files)?;
    pending.committed = true;
    Ok(())
}

/// Like [`commit_all`], for files that are one part of a longer command's result (an account's folder in an
/// organisation scan): a signal after them still stops the command at once, and they stay.
pub fn commit_part(files: Vec<(TrackedTemp, PathBuf)>) -> anyhow::Result<()> {
    let mut pending = pending();
    rename_all(&mut pending, files)?;
    pending.parts_kept = true;
    Ok(())
}

fn rename_all(pending: &mut Pending, files: Vec<(TrackedTemp, PathBuf)>) -> anyhow::Result<()> {
    for (mut temp, destination) in files {
        let file = temp.file.take().expect("a tracked file until committed");
        pending.temp_files.retain(|p| p != file.path());
        if is_special_file(&destination) {
            copy_into(&file, &destination, || {})?;
            continue;
        }
        if let Err(e) = file.persist(&destination) {
            return Err(anyhow::Error::new(e.error).context(format!(
                "{}: cannot replace the file",
                destination.display()
            )));
        }
    }
    Ok(())
}

/// Write the outputs bound for a device or pipe into it, first and without the lock: opening a FIFO waits for its
/// reader and writing waits for the reader to keep up, and a signal must still end the run meanwhile (removing the
/// temporary files). Returns the other outputs, to be renamed into place.
fn write_into_devices(
    files: Vec<(TrackedTemp, PathBuf)>,
) -> anyhow::Result<Vec<(TrackedTemp, PathBuf)>> {
    let (devices, files): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(_, destination)| is_special_file(destination));
    for (temp, destination) in devices {
        let file = temp.file.as_ref().expect("a tracked file until committed");
        copy_into(file, &destination, || {
            sending_to(&destination.display().to_string())
        })?;
        drop(temp); // deletes the temporary file
    }
    Ok(files)
}
