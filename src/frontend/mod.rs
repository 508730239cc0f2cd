//! Front ends: each turns one file's bytes into the language-neutral [`FileIr`]; binaries
//! yield what their headers say.
//!
//! Front ends see only the text they are given: they never read files, and never look at
//! other files. Cross-file knowledge is the model's job.
//!
//! - `rust/`: syn, after `plain_items.rs` has taken the top-level `const NAME: TYPE = literal;`
//!   and `type NAME = TYPE;` items (over half of a binding crate) out of the token stream;
//!   macro bodies (`link!`, winapi's `STRUCT!`/`DECLARE_HANDLE!`/`FN!`/`ENUM!`, `println!`-style
//!   macros) are parsed too, and `#[cfg]`/`cfg!()` and build scripts' `CARGO_CFG_*`/`TARGET`
//!   checks become conditions.
//! - `c/`: C, C++ and MIDL. `pp/` runs the directives of translation units (for `units/`);
//!   `prepare.rs` blanks the code no target compiles and the calling-convention, export and SAL
//!   macros of `rules/data/c-macros.toml`, rewrites MIDL into C and gives each part of the file
//!   its build condition (a lone file's or MIDL's from its `#if`s alone);
//!   tree-sitter's C grammar (C++ for C++ files, and for headers where C++ syntax shows) parses
//!   the result once, with one parser per worker thread; `lower.rs` turns declarations and
//!   bodies into IR. A file that parses in part is analysed in part and listed under `errors`.
//! - `scopes.rs`: the block-by-block names of a body's locals, which both code front ends
//!   resolve against.
//! - `registry/`: `.reg` scripts (UTF-16, UTF-8 or a code page), ATL `.rgs` scripts and WiX
//!   sources (roxmltree), and the registry API table and the lowering of one registry call that
//!   the code front ends share.
//! - `binary.rs`: PE/COFF headers, read with the `object` crate.

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
/// Lowers one file of `kind`; `unit` is what the translation units of a C or C++ file say
/// of it (see [`c::lower`]).
pub fn lower(
    kind: FileKind,
    bytes: Vec<u8>,
    unit: Option<&c::UnitView>,
) -> Result<Lowered, String> {
    lower_in_package(kind, bytes, unit, &std::sync::Arc::default())
}

/// [`lower`], with the `macro_rules!` definitions of the other Rust files of the package.
pub fn lower_in_package(
    kind: FileKind,
    bytes: Vec<u8>,
    unit: Option<&c::UnitView>,
    macros: &std::sync::Arc<rust::CrateMacros>,
) -> Result<Lowered, String> {
    match kind {
        FileKind::Rust => utf8(bytes).and_then(|text| {
            let (ir, errors) = rust::lower_in_package(&text, macros)?;
            Ok(Lowered { text, ir, errors })
        }),
        FileKind::C => c::lower(c::Dialect::C, bytes, unit),
        FileKind::Cpp => c::lower(c::Dialect::Cpp, bytes, unit),
        FileKind::Idl => c::lower(c::Dialect::Idl, bytes, None),
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
