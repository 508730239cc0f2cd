//! The process allocator: mimalloc, for Rust and for tree-sitter alike.
//!
//! Parsing allocates and frees millions of small nodes from every worker thread at once; the
//! C library's allocator spent a third of a run on that, mimalloc a fraction of it. Fuzzing
//! builds (the `system-allocator` feature) keep the C library's allocator, which the address
//! sanitizer watches.

#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Called first thing in `main`: makes tree-sitter allocate through mimalloc too, and on
/// Linux turns transparent huge pages off for the process. With them, every fresh piece of
/// the heap is a 2 MiB page zeroed on first touch and freed memory is held in 2 MiB units:
/// for this allocation pattern (many files, each parsed into short-lived trees) that cost a
/// tenth of the peak memory (426 MB against 373 MB on the mingw-w64 headers).
///
/// # Safety
///
/// No tree-sitter object may exist yet: one allocated by the C library's `malloc` would be
/// freed by mimalloc.
pub unsafe fn configure() {
    #[cfg(not(feature = "system-allocator"))]
    // SAFETY: the caller guarantees no tree-sitter object exists, and the four functions are
    // one consistent allocator.
    unsafe {
        use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
        tree_sitter::set_allocator(
            Some(mi_malloc),
            Some(mi_calloc),
            Some(mi_realloc),
            Some(mi_free),
        );
    }
    #[cfg(all(target_os = "linux", not(feature = "system-allocator")))]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process (inherited by the commands
    // it runs); a kernel without it leaves things as they were.
    unsafe {
        let off: libc::c_ulong = 1;
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            off,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}
