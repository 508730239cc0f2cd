//! Lowers a tree-sitter C/C++ tree (of a prepared file) to IR: typedefs, `DECLARE_HANDLE` and
//! `#define` aliases, structs, prototypes, interfaces, and function bodies reduced to value flow,
//! with C's explicit and implicit conversions and its calls. Each declaration carries the
//! `#if` condition in force where it starts.

mod bodies;
mod declarations;

use rustc_hash::FxHashMap as HashMap;

use tree_sitter::Node;

use super::libraries::KnownLocals;
use super::macros::MacroTable;
use super::prepare::Prepared;
use super::registry;
use crate::frontend::scopes::Scopes;
use crate::model::cfg::Cond;
use crate::model::ir::{
    Arg, Attribute, Body, BodyId, CallSite, ConstDecl, Conversion, ConversionTarget, FileIr,
    FnDecl, FnKind, Interface, Language, LocalId, Param, Slot, StructDecl, TypeAlias, TypeRef,
    Value,
};
use crate::source::Span;

/// Declarations nested deeper than this (namespaces, `extern "C"` blocks, structs in structs,
/// `#if` groups, blocks in bodies) are skipped: it bounds the recursion whatever the input.
pub const MAX_NESTING: usize = 256;

/// Expressions nested deeper than this are summarised as unknown (and the file listed).
pub const MAX_EXPR_DEPTH: usize = 128;

pub(super) const CASTS: &[&str] = &[
    "static_cast",
    "reinterpret_cast",
    "const_cast",
    "dynamic_cast",
    "safe_cast",
];

pub struct Output {
    pub ir: FileIr,
    /// Some declarations were too deeply nested to lower.
    pub truncated: bool,
    /// Some expressions were too deeply nested to lower.
    pub deep_expressions: bool,
}

pub fn lower(
    root: Node,
    text: &str,
    prepared: &Prepared,
    language: Language,
    table: &MacroTable,
) -> Output {
    let mut ir = FileIr {
        language,
        ..FileIr::default()
    };
    // Body 0 holds the initialisers of file-scope variables.
    ir.bodies.push(Body::default());
    let mut lowerer = Lowerer {
        text,
        prepared,
        table,
        ir,
        body: 0,
        scopes: Scopes::default(),
        local_type_spans: Vec::new(),
        globals: HashMap::default(),
        ret_span: None,
        expr_depth: 0,
        truncated: false,
        deep_expressions: false,
        known: KnownLocals::default(),
        registry: registry::State::default(),
    };
    registry::guid_macros(&mut lowerer);
    lowerer.items(root, None, 0);
    Output {
        ir: lowerer.ir,
        truncated: lowerer.truncated,
        deep_expressions: lowerer.deep_expressions,
    }
}

/// A declarator applied to its base type.
struct Declared<'t> {
    name: Option<(String, Span)>,
    ty: TypeRef,
    /// For a function: its parameter list and return type.
    function: Option<(Node<'t>, TypeRef)>,
}

pub(super) struct Lowerer<'t> {
    pub(super) text: &'t str,
    pub(super) prepared: &'t Prepared,
    table: &'t MacroTable,
    pub(super) ir: FileIr,
    pub(super) body: BodyId,
    scopes: Scopes,
    /// The declared type's span of each local of the current body.
    local_type_spans: Vec<Option<Span>>,
    /// File-scope variables: their type and where it is written.
    globals: HashMap<String, (TypeRef, Span)>,
    /// The current function's return type as written.
    ret_span: Option<Span>,
    expr_depth: usize,
    truncated: bool,
    deep_expressions: bool,
    pub(super) known: KnownLocals,
    pub(super) registry: registry::State,
}

pub(super) fn span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// A declarator and its initialiser: `x = 1` is `x` and `1`; a bare `x` has none.
fn split_initializer(declarator: Node<'_>) -> (Node<'_>, Option<Node<'_>>) {
    match declarator.kind() {
        "init_declarator" => (
            declarator
                .child_by_field_name("declarator")
                .unwrap_or(declarator),
            declarator.child_by_field_name("value"),
        ),
        _ => (declarator, None),
    }
}

/// The named children less comments, which the grammar puts anywhere (between a call's
/// arguments too, where they would shift every index after them).
pub(super) fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    node.named_children(&mut node.walk())
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// What an `#if` group holds, through every `#elif` and `#else` after it, without the
/// conditions. The grammar nests each branch in the one before it; walking the chain in a loop
/// keeps a chain of any length at the depth of its group.
fn preproc_branches<'t>(group: Node<'t>) -> Vec<Node<'t>> {
    let mut parts = Vec::new();
    let mut branch = Some(group);
    while let Some(current) = branch {
        branch = current.child_by_field_name("alternative");
        let condition = current
            .child_by_field_name("condition")
            .or_else(|| current.child_by_field_name("name"));
        parts.extend(
            named_children(current)
                .into_iter()
                .filter(|&child| Some(child) != branch && Some(child) != condition),
        );
    }
    parts
}

fn children_by_field<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    node.children_by_field_name(field, &mut node.walk())
        .collect()
}

impl<'t> Lowerer<'t> {
    pub(super) fn text_of(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    pub(super) fn cond(&self, node: Node) -> Cond {
        self.prepared.cond_at(node.start_byte())
    }

    /// `[start, end)` less trailing blanks (blanked macros included).
    fn trimmed(&self, start: usize, end: usize) -> Span {
        let bytes = self.text.as_bytes();
        let mut end = end.max(start);
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        Span::new(start, end)
    }
}

fn qualified(owner: Option<&str>, name: String) -> String {
    match owner {
        Some(owner) => format!("{owner}::{name}"),
        None => name,
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name).trim()
}

/// The innermost name of a qualified identifier (`a::b::c` → `c`).
pub(super) fn last_name(node: Node) -> Option<Node> {
    let mut current = node;
    while current.kind() == "qualified_identifier" {
        current = current.child_by_field_name("name")?;
    }
    Some(current)
}

/// A primitive type keyword: `void` is the unit type, the rest keep their C names, which the
/// knowledge tables know.
fn primitive(text: &str) -> TypeRef {
    match text {
        "void" => TypeRef::Unit,
        other => TypeRef::Named(other.to_string()),
    }
}

/// `unsigned long int`, `long long`, `unsigned __int64`, ... as one canonical name.
fn sized_type(words: &[&str]) -> TypeRef {
    let unsigned = words.contains(&"unsigned");
    let longs = words.iter().filter(|w| **w == "long").count();
    let short = words.contains(&"short");
    let base = words
        .iter()
        .find(|w| {
            !matches!(
                **w,
                "unsigned" | "signed" | "long" | "short" | "int" | "const" | "volatile"
            )
        })
        .copied();
    let name = match base {
        Some("double" | "float") => return TypeRef::Other,
        Some("char") if unsigned => "unsigned char".to_string(),
        Some("char") if words.contains(&"signed") => "signed char".to_string(),
        Some(base) if unsigned => format!("unsigned {base}"),
        Some(base) => base.to_string(),
        None => {
            let size = match (short, longs) {
                (true, _) => "short",
                (false, 0) => "int",
                (false, 1) => "long",
                (false, _) => "long long",
            };
            match (unsigned, size) {
                (true, "int") => "unsigned".to_string(),
                (true, size) => format!("unsigned {size}"),
                (false, size) => size.to_string(),
            }
        }
    };
    TypeRef::Named(name)
}

/// The type a `#define` value spells, if it reads as one: `HANDLE`, `unsigned long`, `void *`.
fn type_from_text(text: &str) -> Option<TypeRef> {
    let text = text.trim();
    let core = text.trim_end_matches(['*', ' ', '\t']);
    let words: Vec<&str> = core.split_whitespace().collect();
    let is_word = |w: &&str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if words.is_empty() || !words.iter().all(is_word) {
        return None;
    }
    let mut ty = match words.as_slice() {
        [single] => primitive(single),
        several
            if several.iter().all(|w| {
                matches!(
                    *w,
                    "unsigned" | "signed" | "long" | "short" | "int" | "char"
                )
            }) =>
        {
            sized_type(several)
        }
        _ => return None,
    };
    for _ in text[core.len()..].matches('*') {
        ty = TypeRef::Pointer(Box::new(ty));
    }
    Some(ty)
}

/// A C integer literal: decimal, hex, octal or binary, with `u`/`l` suffixes.
pub(super) fn parse_int(text: &str) -> Option<i128> {
    let digits = text
        .trim_end_matches(['u', 'U', 'l', 'L', 'z', 'Z'])
        .replace('\'', "");
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        i128::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()
    } else {
        digits.parse().ok()
    }
}
