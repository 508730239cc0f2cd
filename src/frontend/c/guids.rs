//! The GUIDs C, C++ and MIDL name classes and interfaces with: `DEFINE_GUID` and its
//! relatives, `__declspec(uuid(..))`, `static const CLSID x = {...}` and MIDL `coclass` blocks.

use tree_sitter::Node;

use super::lower::{Lowerer, named_children, parse_int};
use super::registry::{MAX_TEXT_DEPTH, inner};
use crate::frontend::text_names::names;
use crate::model::ir::{Attribute, Guid, GuidConst, TypeRef};

/// Blanked macros whose arguments name a GUID: the preparing pass keeps their arguments.
pub(super) const GUID_MACROS: &[&str] = &[
    "DEFINE_GUID",
    "DEFINE_OLEGUID",
    "MIDL_DEFINE_GUID",
    "__declspec",
    "_declspec",
    "DECLSPEC_UUID",
];

/// The GUIDs named by the file's `DEFINE_GUID`s and `__declspec(uuid(..))` declarations.
pub(super) fn guid_macros(l: &mut Lowerer) {
    let prepared = l.prepared;
    for call in &prepared.guid_macros {
        let args: Vec<&str> = call.args.split(',').map(str::trim).collect();
        let named = match (call.name.as_str(), args.as_slice()) {
            ("DEFINE_GUID", [name, fields @ ..]) => guid_fields(fields).map(|g| (*name, g)),
            ("MIDL_DEFINE_GUID", [_, name, fields @ ..]) => guid_fields(fields).map(|g| (*name, g)),
            // OLE's own GUIDs: `{l-w1-w2-C000-000000000046}`.
            ("DEFINE_OLEGUID", [name, l, w1, w2]) => {
                let mut fields = vec![*l, *w1, *w2, "0xC0"];
                fields.extend(["0"; 6]);
                fields.push("0x46");
                guid_fields(&fields).map(|g| (*name, g))
            }
            ("__declspec" | "_declspec", _) if call.args.trim_start().starts_with("uuid") => {
                declared_after(l.text, call.end).zip(quoted_guid(&call.args))
            }
            ("DECLSPEC_UUID", _) => declared_after(l.text, call.end).zip(quoted_guid(&call.args)),
            _ => None,
        };
        if let Some((name, guid)) = named.filter(|(name, _)| is_identifier(name)) {
            l.ir.guids.push(GuidConst {
                name: name.to_string(),
                guid,
                cond: prepared.cond_at(call.start),
            });
        }
    }
}

/// A MIDL `coclass` with a `uuid` attribute: MIDL names its CLSID `CLSID_<name>`, and C++
/// code names it `__uuidof(<name>)`.
pub(super) fn coclass(l: &mut Lowerer, name: &str, attributes: &[Attribute], node: Node) {
    let Some(guid) = attributes
        .iter()
        .find(|a| a.name == "uuid")
        .and_then(|a| Guid::parse(a.args.trim().trim_matches('"')))
    else {
        return;
    };
    for name in [format!("CLSID_{name}"), name.to_string()] {
        l.ir.guids.push(GuidConst {
            name,
            guid,
            cond: l.cond(node),
        });
    }
}

/// `l, w1, w2, b0, ..., b7` as written in `DEFINE_GUID`.
fn guid_fields(fields: &[&str]) -> Option<Guid> {
    let values: Vec<u128> = fields
        .iter()
        .map(|f| parse_int(f).and_then(|v| u128::try_from(v).ok()))
        .collect::<Option<_>>()?;
    from_values(&values)
}

fn from_values(values: &[u128]) -> Option<Guid> {
    let [d1, d2, d3, bytes @ ..] = values else {
        return None;
    };
    let bytes: Vec<u8> = bytes
        .iter()
        .map(|&b| u8::try_from(b).ok())
        .collect::<Option<_>>()?;
    Some(Guid::from_fields(
        u32::try_from(*d1).ok()?,
        u16::try_from(*d2).ok()?,
        u16::try_from(*d3).ok()?,
        bytes.try_into().ok()?,
    ))
}

/// The first quoted GUID in a macro's arguments: `uuid("...")`, `"..."`.
fn quoted_guid(args: &str) -> Option<Guid> {
    let open = args.find('"')?;
    let close = open + 1 + args[open + 1..].find('"')?;
    Guid::parse(&args[open + 1..close])
}

/// The name a declaration declares after a blanked `__declspec(uuid(..))`:
/// `struct __declspec(uuid("...")) Widget;`, `class DECLSPEC_UUID("...") Widget;`.
fn declared_after(text: &str, offset: usize) -> Option<&str> {
    let mut rest = text.get(offset..)?;
    loop {
        rest = rest.trim_start();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        match word {
            "" => return None,
            "struct" | "class" | "union" | "interface" | "__interface" => rest = &rest[len..],
            name => return Some(name),
        }
    }
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn is_guid_type(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Named(name) if names().c.guid_types.contains(name))
}

/// `{0x5e0c1b2a, 0x7f3d, 0x4c61, {0x9a, 0x52, ...}}`, braces around the bytes optional.
pub(super) fn guid_initializer(l: &Lowerer, node: Node) -> Option<Guid> {
    fn numbers(
        l: &Lowerer,
        node: Node,
        out: &mut Vec<u128>,
        lists: usize,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_TEXT_DEPTH {
            return None;
        }
        match node.kind() {
            "initializer_list" if lists < 2 => {
                for child in named_children(node) {
                    numbers(l, child, out, lists + 1, depth + 1)?;
                }
                Some(())
            }
            "number_literal" => {
                out.push(u128::try_from(parse_int(l.text_of(node))?).ok()?);
                Some(())
            }
            "cast_expression" | "parenthesized_expression" => {
                numbers(l, inner(node)?, out, lists, depth + 1)
            }
            _ => None,
        }
    }
    if node.kind() != "initializer_list" {
        return None;
    }
    let mut values = Vec::new();
    numbers(l, node, &mut values, 0, 0)?;
    from_values(&values)
}
