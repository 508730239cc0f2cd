//! Front ends: each turns one file's text into the language-neutral [`FileIr`].
//!
//! Front ends see only the text they are given: they never read files, and never look at
//! other files. Cross-file knowledge is the model's job.

pub mod rust;

use crate::discover::FileKind;
use crate::model::ir::FileIr;

/// Lowers a file of the given kind; `None` when no front end handles that kind yet.
pub fn lower(kind: FileKind, text: &str) -> Option<Result<FileIr, String>> {
    match kind {
        FileKind::Rust => Some(rust::lower(text)),
        FileKind::C | FileKind::Idl | FileKind::Registry | FileKind::Binary => None,
    }
}
