//! The process allocator: mimalloc, for Rust and for tree-sitter alike.
//!
//! Parsing allocates and frees millions of small nodes from every worker thread at once; the
//! C library's allocator spent a third of a run on that, mimalloc a fraction of it. Fuzzing
//! builds (`--cfg fuzzing`) keep the C library's allocator, which the address sanitizer
//! watches.

#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the same slot in v2 and v3).
#[cfg(not(fuzzing))]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Called first thing in `main`. A run is short and its memory only grows until the end of
/// reading, so memory freed between files is better kept than handed back to the kernel:
/// with transparent huge pages, each page taken back again costs a 2 MiB zeroing fault
/// (half the faults and a fifth of the time of a run over windows-sys went to that).
pub fn configure() {
    #[cfg(not(fuzzing))]
    // SAFETY: sets a process-wide option, which mimalloc allows at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
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
