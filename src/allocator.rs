//! The process allocator: mimalloc, for Rust and for tree-sitter alike.
//!
//! Parsing allocates and frees millions of small nodes from every worker thread at once; the
//! C library's allocator spent a third of a run on that, mimalloc a fraction of it. Fuzzing
//! builds (`--cfg fuzzing`) keep the C library's allocator, which the address sanitizer
//! watches.

#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Called first thing in `main`. With transparent huge pages, every fresh piece of the heap
/// is a 2 MiB page zeroed on first touch, and freed memory is held in 2 MiB units: for this
/// allocation pattern (many files, each parsed into short-lived trees) that cost a tenth of
/// the peak memory (426 MB against 373 MB on the mingw-w64 headers) and time in page zeroing.
pub fn configure() {
    #[cfg(all(target_os = "linux", not(fuzzing)))]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process; its result
    // does not matter (a kernel without the option leaves things as they were).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Makes tree-sitter allocate through mimalloc too. It must run before the first tree-sitter
/// object exists, so that nothing allocated by one allocator is freed by the other; every
/// parser is made after it.
pub fn share_with_tree_sitter() {
    #[cfg(not(fuzzing))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
            // SAFETY: no tree-sitter object exists yet (see above), and the four functions
            // are one consistent allocator.
            unsafe {
                tree_sitter::set_allocator(
                    Some(mi_malloc),
                    Some(mi_calloc),
                    Some(mi_realloc),
                    Some(mi_free),
                );
            }
        });
    }
}
