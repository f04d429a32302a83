//! The user's files: read within a size limit (failing early on binary data such as `/dev/zero`), and never
//! overwritten by an output (same file by identity: device and inode, so hard links and symlinks count).

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Default `--max-input-mib`: far above any real inventory (a 10,000-function inventory is tens of MiB).
pub const DEFAULT_MAX_INPUT_MIB: u64 = 1024;

/// The text of `path` (`what`: "inventory", "config", "report"), refused when larger than `limit_mib` MiB or not
/// text. A regular file's size is checked before reading; a pipe or device is read at most to the limit.
pub fn read_text(path: &Path, what: &str, limit_mib: u64) -> anyhow::Result<String> {
    let limit = limit_mib.saturating_mul(1 << 20);
    let name = path.display();
    // "an inventory file", "an ASFF file", "a report file"
    let a = if what.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    let too_large = || {
        anyhow::anyhow!(
            "{name}: the {what} file is larger than {limit_mib} MiB; raise --max-input-mib (or LAMBDA_POSTURE_MAX_INPUT_MIB) if it is real"
        )
    };
    let mut file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("{name}: cannot read the {what} file: {e}"))?;
    let metadata = file
        .metadata()
        .map_err(|e| anyhow::anyhow!("{name}: cannot read the {what} file: {e}"))?;
    if metadata.is_dir() {
        anyhow::bail!("{name}: cannot read the {what} file: it is a directory");
    }
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => anyhow::bail!("{name}: cannot read the {what} file: {e}"),
        };
        // JSON and TOML never hold a NUL byte: binary data (or /dev/zero) is refused at its first chunk.
        if let Some(at) = chunk[..n].iter().position(|&b| b == 0) {
            anyhow::bail!(
                "{name}: not a text file (a NUL byte at offset {}); expected {a} {what} file",
                bytes.len() + at
            );
        }
        if (bytes.len() + n) as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name}: not UTF-8 text (invalid byte at offset {}); expected {a} {what} file",
            e.utf8_error().valid_up_to()
        )
    })
}

/// What makes two paths the same file: device and inode when it exists, else its resolved folder and name.
#[derive(PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
}

fn identity(path: &Path) -> Option<Identity> {
    if let Ok(metadata) = std::fs::metadata(path) {
        return Some(Identity::Inode(metadata.dev(), metadata.ino()));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(Identity::Path(
        std::fs::canonicalize(folder).ok()?.join(path.file_name()?),
    ))
}

/// Refuse when an output (flag, path) is the same file as an input or as another output.
pub fn refuse_overwriting(
    outputs: &[(&str, &Path)],
    inputs: &[(&str, &Path)],
) -> anyhow::Result<()> {
    for (i, (flag, output)) in outputs.iter().enumerate() {
        let Some(id) = identity(output) else { continue };
        let others = inputs.iter().map(|other| (other, "an input")).chain(
            outputs[i + 1..]
                .iter()
                .map(|other| (other, "another output")),
        );
        for ((other_flag, other), role) in others {
            if identity(other).as_ref() == Some(&id) {
                anyhow::bail!(
                    "{flag}: `{}` is the same file as {other_flag} `{}`; refusing to overwrite {role}",
                    output.display(),
                    other.display()
                );
            }
        }
    }
    Ok(())
}

/// Refuse an output file that would lie inside `folder` (which the run fills with files of its own, such as an
/// organisation scan's account folders): the paths are compared after resolving symbolic links, `.` and `..` of the
/// part that exists, so `./d/accounts/x` and a link to `d` are caught before either exists.
pub fn refuse_output_inside(
    flag: &str,
    output: &Path,
    folder: &Path,
    what: &str,
) -> anyhow::Result<()> {
    if resolved(output).starts_with(resolved(folder)) {
        anyhow::bail!(
            "{flag}: `{}` is inside `{}`, {what}; write it elsewhere",
            output.display(),
            folder.display()
        );
    }
    Ok(())
}

/// `path` made absolute: its longest existing ancestor canonicalized (links, `.`, `..` resolved), the rest appended
/// with `.` dropped and `..` taken back.
fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let mut base = loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            break canonical;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last.as_os_str().to_os_string());
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                base.pop();
            }
            Some(Component::CurDir) | None => {}
            Some(_) => base.push(part),
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_inside_a_folder_the_run_fills_is_refused_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let org = dir.path().join("org");
        std::fs::create_dir(&org).unwrap();
        let accounts = org.join("accounts");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&org, &link).unwrap();
        for inside in [
            accounts.join("111111111111/report.json"),
            org.join("./accounts/x.json"),
            org.join("other/../accounts/x.json"),
            link.join("accounts/111111111111/report.json"),
        ] {
            let e = refuse_output_inside(
                "--output",
                &inside,
                &accounts,
                "where each account's files go",
            )
            .unwrap_err();
            assert!(e.to_string().starts_with("--output: `"), "{e}");
        }
        for outside in [
            org.join("report.json"),
            org.join("accounts-report.json"),
            dir.path().join("r.json"),
        ] {
            refuse_output_inside(
                "--output",
                &outside,
                &accounts,
                "where each account's files go",
            )
            .unwrap();
        }
    }

    #[test]
    fn binary_and_oversized_input_fail_early_with_the_reason() {
        let e = read_text(Path::new("/dev/zero"), "inventory", 1).unwrap_err();
        assert!(
            format!("{e:#}").contains("not a text file (a NUL byte at offset 0)"),
            "{e:#}"
        );
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; (1 << 20) + 1]).unwrap();
        let e = read_text(&big, "inventory", 1).unwrap_err();
        assert!(format!("{e:#}").contains("larger than 1 MiB"), "{e:#}");
        assert_eq!(
            read_text(&big, "inventory", 2).unwrap().len(),
            (1 << 20) + 1
        );
    }

    #[test]
    fn an_output_on_an_input_is_refused_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("inv.json");
        std::fs::write(&input, "{}").unwrap();
        let hard = dir.path().join("hard.json");
        std::fs::hard_link(&input, &hard).unwrap();
        let soft = dir.path().join("soft.json");
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        let dotted = dir.path().join(".").join("inv.json");
        for output in [&input, &hard, &soft, &dotted] {
            let e = refuse_overwriting(&[("--output", output)], &[("--inventory", &input)])
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("--output: `") && e.contains("refusing to overwrite an input"),
                "{e}"
            );
        }
        let fresh = dir.path().join("report.json");
        refuse_overwriting(&[("--output", &fresh)], &[("--inventory", &input)]).unwrap();
        let e = refuse_overwriting(
            &[
                ("--output", &fresh),
                ("--save-inventory", &dir.path().join("./report.json")),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("refusing to overwrite another output"), "{e}");
    }
}
