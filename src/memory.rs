//! The process and the machine's memory: handing what the collection freed back to the operating system before the
//! evaluation allocates its own, and how much physical memory the machine has (to size the organisation scan).

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

#[cfg(test)]
mod tests {
    #[test]
    fn this_machine_reports_its_physical_memory() {
        let bytes = super::physical_memory().expect("a Unix machine says how much memory it has");
        assert!(bytes >= 64 << 20, "{bytes} bytes");
    }
}
