//! Handing the memory the collection freed back to the operating system before the evaluation allocates its own.

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
