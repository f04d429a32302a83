//! The process and the machine's memory: handing what the collection freed back to the operating system before the
//! evaluation allocates its own, and how much memory the process may use — the machine's physical memory, or less
//! under a control group's limit (a container: a Kubernetes pod, an AWS Batch or ECS task) — to size the organisation
//! scan.

/// The collectors run on the async runtime's worker threads, and glibc gives each thread its own malloc arena: what
/// they free stays mapped in those arenas, where the evaluation (on the main thread) cannot reuse it, and counts in
/// the process's resident memory until it exits. Trimming every arena once, between collection and evaluation, makes
/// the scan's peak the inventory plus the report instead of the collection's garbage plus the report (for 10,000
/// functions, see docs/performance.md). Elsewhere (musl, macOS, Windows) the allocator is left to do as it does.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the kernel; it has no precondition.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The machine's physical memory in bytes, where the platform says (Linux and other Unix systems); `None` elsewhere.
pub fn physical_memory() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: sysconf only reads system configuration values; it has no precondition.
        let (pages, page_size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && page_size > 0 {
            return u64::try_from(pages)
                .ok()?
                .checked_mul(u64::try_from(page_size).ok()?);
        }
        None
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The memory this process may use: the machine's physical memory, or the memory limit of its control group when
/// lower (a container's limit: sysconf still reports the host's memory inside it); `None` when neither can be read.
pub fn available_memory() -> Option<u64> {
    let limit = cgroup_limit(
        &std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default(),
        |path| std::fs::read_to_string(path).ok(),
    );
    match (physical_memory(), limit) {
        (Some(physical), Some(limit)) => Some(physical.min(limit)),
        (physical, limit) => physical.or(limit),
    }
}

/// The lowest memory limit on the way from this process's control group (`self_cgroup`: the text of
/// /proc/self/cgroup) up to the root of the hierarchy, cgroup v2 (`memory.max`, `max` = none) or v1
/// (`memory.limit_in_bytes`, a value near 2^63 = none), reading files with `read`. Inside a container with its own
/// cgroup namespace the process's path is `/` and its limit is at the mount point.
fn cgroup_limit(self_cgroup: &str, read: impl Fn(&str) -> Option<String>) -> Option<u64> {
    let mut lowest: Option<u64> = None;
    let mut consider = |text: Option<String>| {
        let value = text
            .as_deref()
            .map(str::trim)
            .and_then(|t| t.parse::<u64>().ok());
        // v1 says "no limit" with the largest page-aligned i64
        if let Some(bytes) = value.filter(|b| *b < 1 << 62) {
            lowest = Some(lowest.map_or(bytes, |l| l.min(bytes)));
        }
    };
    for line in self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (root, file) = if id == "0" && controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
        } else {
            continue;
        };
        // the process's group and every ancestor: a limit anywhere above bounds it too
        let mut dir = path.trim_end_matches('/').to_string();
        loop {
            consider(read(&format!("{root}{dir}/{file}")));
            match dir.rfind('/') {
                Some(cut) => dir.truncate(cut),
                None => break,
            }
        }
    }
    lowest
}

#[cfg(test)]
mod tests {
    use super::cgroup_limit;

    fn files(entries: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let entries: Vec<(String, String)> = entries
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        move |path| {
            entries
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.clone())
        }
    }

    #[test]
    fn a_cgroup_v2_limit_bounds_the_memory_here_or_above() {
        // a container with its own cgroup namespace: the limit at the mount point
        let pod = files(&[("/sys/fs/cgroup/memory.max", "1073741824\n")]);
        assert_eq!(cgroup_limit("0::/\n", pod), Some(1 << 30));
        // no namespace: the process's group, and its parent's lower limit
        let nested = files(&[
            ("/sys/fs/cgroup/kubepods/pod1/c1/memory.max", "max\n"),
            ("/sys/fs/cgroup/kubepods/pod1/memory.max", "536870912\n"),
            ("/sys/fs/cgroup/kubepods/memory.max", "max\n"),
        ]);
        assert_eq!(
            cgroup_limit("0::/kubepods/pod1/c1\n", nested),
            Some(512 << 20)
        );
        let unlimited = files(&[("/sys/fs/cgroup/memory.max", "max\n")]);
        assert_eq!(cgroup_limit("0::/\n", unlimited), None);
    }

    #[test]
    fn a_cgroup_v1_limit_bounds_the_memory_and_its_no_limit_value_does_not() {
        let self_cgroup = "4:memory:/docker/abc\n3:cpuset:/\n0::/\n";
        let limited = files(&[
            (
                "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
                "2147483648",
            ),
            (
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "9223372036854771712",
            ),
        ]);
        assert_eq!(cgroup_limit(self_cgroup, limited), Some(2 << 30));
        let unlimited = files(&[(
            "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
            "9223372036854771712",
        )]);
        assert_eq!(cgroup_limit(self_cgroup, unlimited), None);
        assert_eq!(cgroup_limit("", files(&[])), None);
        assert_eq!(cgroup_limit("garbage\n", files(&[])), None);
    }

    #[test]
    fn this_machine_reports_its_physical_memory() {
        let bytes = super::physical_memory().expect("a Unix machine says how much memory it has");
        assert!(bytes >= 64 << 20, "{bytes} bytes");
        let available = super::available_memory().unwrap();
        assert!(
            available <= bytes && available >= 64 << 20,
            "{available} bytes"
        );
    }
}
