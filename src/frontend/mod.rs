//! Front ends: each turns one file's bytes into the language-neutral [`FileIr`]; binaries
//! yield what their headers say.
//!
//! Front ends see only the text they are given: they never read files, and never look at
//! other files. Cross-file knowledge is the model's job.

pub mod binary;
pub mod c;
pub mod registry;
pub mod rust;
mod scopes;
pub mod text_names;

use crate::discover::FileKind;
use crate::model::ir::FileIr;

/// A lowered file: its IR, and its text as shown in snippets (spans index into it). The text
/// is the file's bytes when they are UTF-8; a UTF-16 file's text is its decoded content,
/// which a fix edits and encodes back the same way.
pub struct Lowered {
    pub text: String,
    pub ir: FileIr,
    /// Parts of the file that could not be analysed, one line each; the rest of it was.
    pub errors: Vec<String>,
}

/// Lowers a file of the given kind from its bytes as read. Each front end decodes its own
/// encodings.
pub fn lower(kind: FileKind, bytes: Vec<u8>) -> Result<Lowered, String> {
    match kind {
        FileKind::Rust => utf8(bytes).and_then(|text| {
            let (ir, errors) = rust::lower(&text)?;
            Ok(Lowered { text, ir, errors })
        }),
        FileKind::C => c::lower(c::Dialect::C, bytes),
        FileKind::Cpp => c::lower(c::Dialect::Cpp, bytes),
        FileKind::Idl => c::lower(c::Dialect::Idl, bytes),
        FileKind::Registry(format) => registry::lower(format, bytes).map(|(text, ir)| Lowered {
            text,
            ir,
            errors: Vec::new(),
        }),
        FileKind::Binary => binary::lower(&bytes),
    }
}

/// The text [`lower`] gives these bytes, without lowering them again (a binary's text is the
/// line describing the headers its IR records); `None` when lowering them fails before any
/// text is made.
pub fn text_of(kind: FileKind, bytes: &[u8], ir: &FileIr) -> Option<String> {
    match kind {
        FileKind::Rust => std::str::from_utf8(bytes).ok().map(str::to_owned),
        FileKind::C | FileKind::Cpp | FileKind::Idl => c::decode(bytes.to_vec()).ok(),
        FileKind::Registry(_) => registry::text::decode(bytes.to_vec()).ok(),
        FileKind::Binary => ir.binary.as_ref().map(binary::text),
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}
