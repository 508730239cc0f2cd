//! The process allocator: mimalloc, for Rust and for tree-sitter alike.
//!
//! Parsing allocates and frees millions of small nodes from every worker thread at once; the
//! C library's allocator spent a third of a run on that, mimalloc a fraction of it. Fuzzing
//! builds (`--cfg fuzzing`) keep the C library's allocator, which the address sanitizer
//! watches.

#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
