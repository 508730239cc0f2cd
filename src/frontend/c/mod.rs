//! The C, C++ and MIDL front end: tree-sitter's C and C++ grammars parse the file after
//! [`prepare`] has blanked the code no target compiles (the regions its translation units
//! found, with [`pp`]) and the macros the grammars cannot see through, and turned MIDL into C;
//! [`lower`] reduces the tree to IR. Windows types come from the knowledge tables, and what
//! the tree declares is seen by the model through the units' includes.

mod buffers;
mod condition;
mod guids;
mod libraries;
mod literal;
mod lower;
mod macros;
pub mod pp;
mod prepare;
mod registry;
mod text;

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::Lowered;
use crate::model::cfg::Regions;
use crate::model::ir::Language;
use crate::model::visibility::FileSet;
use crate::source::{self, Encoding, Span};
pub use prepare::Dialect;
use prepare::Prepared;

/// What a file's translation units say of it.
pub struct UnitView<'u> {
    /// What they compile of it on each target.
    pub regions: &'u Regions,
    /// The tree's macros as they define them, expanded in its code.
    pub macros: &'u pp::Definitions,
    /// The files its units read, by their index in `macros`: only their macros are seen.
    pub seen: &'u FileSet,
    /// Its own index there: its own definitions hold from where they are written.
    pub file: u32,
}

/// What the SDK headers define as macros, for the preprocessor: the constants table under the
/// `[sdk]` section of `c-macros.toml` (versions, include guards, function-like macros), and
/// the name of each function's `…A`/`…W` pair.
pub fn sdk_macros() -> Result<pp::SdkMacros, String> {
    let sdk = &macros::table()?.sdk;
    let constants = crate::knowledge::sdk_constants()
        .filter(|(name, _)| !sdk.values.contains_key(*name))
        .map(|(name, value)| (name.to_string(), value));
    let values = sdk
        .values
        .iter()
        .map(|(name, value)| (name.clone(), Some(*value)));
    let names = sdk
        .guards
        .iter()
        .chain(&sdk.functions)
        .map(|name| (name.clone(), None));
    let unicode = crate::knowledge::sdk_unicode_macros().map(|name| (name.to_string(), None));
    Ok(
        pp::SdkMacros::new(constants.chain(values).chain(names).chain(unicode))
            .with_definitions(sdk.definitions.iter().map(String::as_str)),
    )
}

/// Bytes of a file that mark it as binary rather than text.
const BINARY_PROBE_BYTES: usize = 8 * 1024;

struct Parsers {
    c: Parser,
    cpp: Parser,
}

thread_local! {
    /// One parser per grammar and worker thread, reused for every file the thread reads.
    static PARSERS: RefCell<Option<Parsers>> = const { RefCell::new(None) };
}

/// Lowers one file; `unit` is what its translation units compile of it on each target and the
/// macros they define, when the file was preprocessed as part of them.
pub fn lower(dialect: Dialect, bytes: Vec<u8>, unit: Option<&UnitView>) -> Result<Lowered, String> {
    let table = macros::table()?;
    let text = decode(bytes)?;
    let prepared = prepare::prepare(text.as_bytes(), dialect, table, unit);
    let cpp = match dialect {
        Dialect::C => prepared.cpp,
        Dialect::Cpp => true,
        Dialect::Idl => false,
    };
    let language = match dialect {
        Dialect::Idl => Language::Idl,
        _ if cpp => Language::Cpp,
        _ => Language::C,
    };
    let tree = parse(&prepared.text, cpp)?;
    let prepared_text = std::str::from_utf8(&prepared.text)
        .map_err(|e| format!("internal error: prepared text is not UTF-8 ({e})"))?;
    let mut ir = lower::lower(tree.root_node(), prepared_text, &prepared, language, table);
    if !prepared.invocations.is_empty() {
        ir.ir.map_spans(&|span| prepared.span(span.start, span.end));
        ir.ir.expansions = prepared
            .invocations
            .iter()
            .map(|(range, name)| (Span::new(range.start, range.end), name.clone()))
            .collect();
    }
    let mut errors = Vec::new();
    if let Some(problem) = syntax_errors(tree.root_node(), &text, &prepared, language) {
        errors.push(problem);
    }
    if ir.truncated {
        errors.push(format!(
            "declarations nested deeper than {} levels were skipped",
            lower::MAX_NESTING
        ));
    }
    if ir.deep_expressions {
        errors.push(format!(
            "expressions nested deeper than {} levels were not analysed",
            lower::MAX_EXPR_DEPTH
        ));
    }
    Ok(Lowered {
        text,
        ir: ir.ir,
        errors,
    })
}

fn parse(text: &[u8], cpp: bool) -> Result<Tree, String> {
    PARSERS.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut c = Parser::new();
            c.set_language(&tree_sitter_c::LANGUAGE.into())
                .map_err(|e| format!("internal error: C grammar: {e}"))?;
            let mut cpp = Parser::new();
            cpp.set_language(&tree_sitter_cpp::LANGUAGE.into())
                .map_err(|e| format!("internal error: C++ grammar: {e}"))?;
            *slot = Some(Parsers { c, cpp });
        }
        let parsers = slot.as_mut().expect("parsers were just created");
        let parser = if cpp {
            &mut parsers.cpp
        } else {
            &mut parsers.c
        };
        parser
            .parse(text, None)
            .ok_or_else(|| "the C parser gave up on this file".to_string())
    })
}

/// The file's text as [`source::decode`] reads it, with UTF-16 that does not decode exactly
/// read as far as it goes and a UTF-8 byte-order mark read as three spaces (it is not C, and
/// the spaces keep the offsets).
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let decoded = source::decode(bytes, BINARY_PROBE_BYTES)
        .map_err(|_| "binary data (NUL bytes), not C/C++ source".to_string())?;
    let mut text = decoded.text;
    if decoded.encoding == Encoding::Utf8 && text.starts_with('\u{feff}') {
        text.replace_range(..3, "   ");
    }
    Ok(text)
}

/// One line for `errors` when the parser had to recover from syntax it did not understand.
fn syntax_errors(
    root: Node,
    text: &str,
    prepared: &Prepared,
    language: Language,
) -> Option<String> {
    if !root.has_error() {
        return None;
    }
    let mut count = 0usize;
    let mut first: Option<usize> = None;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
            first = Some(first.map_or(node.start_byte(), |f| f.min(node.start_byte())));
            continue;
        }
        if node.has_error() {
            stack.extend(node.children(&mut node.walk()));
        }
    }
    let offset = prepared.map.original(first?, false);
    let line = text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let what = match language {
        Language::Idl => "MIDL",
        Language::Cpp => "C++",
        _ => "C",
    };
    Some(format!(
        "{what} syntax not understood in {count} place{} (first on line {line}); the rest of the file was analysed",
        if count == 1 { "" } else { "s" }
    ))
}

#[cfg(test)]
mod tests;
