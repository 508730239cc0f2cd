//! Registry writes and COM activations in C and C++ code: the Win32 registry functions and
//! `CoCreateInstance`/`CoGetClassObject`, lowered to the same registry entries, activations
//! and GUID constants the Rust front end and the registry scripts produce.
//!
//! Key paths and values are followed as far as they are literal: string literals (`L"..."`,
//! raw strings, `TEXT("...")`/`_T("...")`), adjacent literals, the file's `#define`s and
//! constant strings, locals initialised or assigned from any of these, and buffers filled by
//! `wsprintf`-style formatting, `wcscpy`/`wcscat` and `StringFromGUID2`. Key handles are
//! followed through locals and `&hKey` out-parameters, keeping the view their flags chose.
//! Classes are named by `DEFINE_GUID`, `static const CLSID x = {...}`, `__declspec(uuid(..))`
//! and MIDL `coclass` blocks.

use std::collections::HashMap;

use tree_sitter::Node;

use super::buffers::fill_buffer;
pub(super) use super::guids::{coclass, guid_macros};
use super::guids::{guid_initializer, is_guid_type};
use super::literal::{LITERAL_PREFIXES, c_literal, literal_end};
use super::lower::{Lowerer, last_name, named_children, parse_int, span};
use super::text::cast_operand;
use crate::frontend::registry::api::{CallArgs, KeyRef, activation_api, registry_api};
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;
use crate::model::ir::{
    BodyId, ClsidRef, ComActivation, Flags, GuidConst, LocalId, RegistryRoot, TypeRef,
};

/// Constants defined through other constants, and expressions, are followed this deep.
pub(super) const MAX_TEXT_DEPTH: usize = 16;

#[derive(Clone, Debug)]
pub(super) enum Held {
    Text(MappedText),
    Key(KeyRef),
    Class(ClsidRef),
    Flags(Flags),
}

/// What the registry extraction remembers while the file is lowered.
#[derive(Default)]
pub(super) struct State {
    /// `#define`s and file-scope constants holding text, by name.
    texts: HashMap<String, MappedText>,
    /// `#define`s holding flags (`#define SAM (KEY_WRITE | KEY_WOW64_32KEY)`), by name.
    flags: HashMap<String, Flags>,
    /// What locals hold, by body and local.
    pub(super) locals: HashMap<(BodyId, LocalId), Held>,
}

impl State {
    fn local(&self, l: &Lowerer, name: &str) -> Option<Option<&Held>> {
        let id = l.lookup(name)?;
        Some(self.locals.get(&(l.body, id)))
    }
}

/// The class an expression names: `&CLSID_Widget`, `__uuidof(Widget)`, a local GUID.
pub(super) fn clsid_of(l: &Lowerer, node: Node, depth: usize) -> ClsidRef {
    if depth > MAX_TEXT_DEPTH {
        return ClsidRef::Unknown;
    }
    let next = depth + 1;
    match node.kind() {
        "pointer_expression" | "parenthesized_expression" | "cast_expression" => {
            match inner(node) {
                Some(inner) => clsid_of(l, inner, next),
                None => ClsidRef::Unknown,
            }
        }
        "identifier" => {
            let name = l.text_of(node);
            match l.registry.local(l, name) {
                Some(Some(Held::Class(class))) => class.clone(),
                Some(_) => ClsidRef::Unknown,
                None => ClsidRef::Named(name.to_string()),
            }
        }
        "qualified_identifier" => last_name(node).map_or(ClsidRef::Unknown, |name| {
            ClsidRef::Named(l.text_of(name).to_string())
        }),
        "call_expression" if cast_operand(l, node).is_some() => {
            cast_operand(l, node).map_or(ClsidRef::Unknown, |n| clsid_of(l, n, next))
        }
        "call_expression" => {
            let function = node.child_by_field_name("function");
            let args = node
                .child_by_field_name("arguments")
                .map(named_children)
                .unwrap_or_default();
            match (function.map(|f| l.text_of(f)), args.as_slice()) {
                (Some("__uuidof"), [class]) => match class.kind() {
                    "identifier" | "type_identifier" | "type_descriptor" => {
                        ClsidRef::Named(l.text_of(*class).trim().to_string())
                    }
                    _ => ClsidRef::Unknown,
                },
                _ => ClsidRef::Unknown,
            }
        }
        _ => ClsidRef::Unknown,
    }
}

// ---- declarations ----

/// `#define NAME value`: remembers text (`L"CLSID\\" CLSID_TEXT`) and flags
/// (`KEY_WRITE | KEY_WOW64_32KEY`).
pub(super) fn define(l: &mut Lowerer, name: &str, value: Node) {
    match define_value(l, l.text_of(value), value.start_byte()) {
        Some(Held::Text(text)) => {
            l.registry.texts.insert(name.to_string(), text);
        }
        Some(Held::Flags(flags)) => {
            l.registry.flags.insert(name.to_string(), flags);
        }
        _ => {}
    }
}

/// A `#define`'s value, read as literals and names joined by juxtaposition or `|`.
fn define_value(l: &Lowerer, text: &str, start: usize) -> Option<Held> {
    let bytes = text.as_bytes();
    let mut out = MappedText::default();
    let mut is_text = false;
    let mut flags = Flags::default();
    // Numbers and `|` make a value flags, never text.
    let mut flag_syntax = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() || b == b'\\' || b == b'(' || b == b')' {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") || text[i..].starts_with("/*") {
            break;
        }
        if b == b'|' {
            flag_syntax = true;
            i += 1;
            continue;
        }
        if b.is_ascii_digit() {
            let len = text[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
                .unwrap_or(text.len() - i);
            match parse_int(&text[i..i + len]).and_then(|v| u64::try_from(v).ok()) {
                Some(bits) => flags.bits |= bits,
                None => flags.opaque = true,
            }
            flag_syntax = true;
            i += len;
            continue;
        }
        let word_len = text[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - i);
        let word = &text[i..i + word_len];
        if b == b'"' || (LITERAL_PREFIXES.contains(&word) && bytes.get(i + word_len) == Some(&b'"'))
        {
            let end = literal_end(text, i)?;
            out.append(c_literal(&text[i..end], start + i)?);
            is_text = true;
            i = end;
            continue;
        }
        if word.is_empty() {
            return None;
        }
        if !names().c.text_macros.contains(word) {
            if let Some(known) = l.registry.texts.get(word) {
                out.append(known.clone());
                is_text = true;
            } else {
                out.append(MappedText::named(word));
                match l.registry.flags.get(word) {
                    Some(known) => merge(&mut flags, known),
                    None => flags.names.push(word.to_string()),
                }
            }
        }
        i += word_len;
    }
    if is_text && !flag_syntax {
        Some(Held::Text(out))
    } else if !is_text && (flag_syntax || !flags.names.is_empty()) {
        Some(Held::Flags(flags))
    } else {
        None
    }
}

/// A file-scope variable: a GUID constant, or text a key path may use.
pub(super) fn global(l: &mut Lowerer, name: &str, ty: &TypeRef, value: Node) {
    if is_guid_type(ty) {
        if let Some(guid) = guid_initializer(l, value) {
            let cond = l.cond(value);
            l.ir.guids.push(GuidConst {
                name: name.to_string(),
                guid,
                cond,
            });
        }
    } else if let Some(text) = definite_text(l, value) {
        l.registry.texts.insert(name.to_string(), text);
    }
}

/// `T x = <value>;` in a body: remembers the text, key, class or flags the local now holds.
pub(super) fn bind_local(l: &mut Lowerer, id: LocalId, ty: Option<&TypeRef>, value: Node) {
    if let Some(held) = held_of(l, ty, value) {
        l.registry.locals.insert((l.body, id), held);
    }
}

/// `x = <value>;`: the local now holds what the value is, or nothing known.
pub(super) fn assign(l: &mut Lowerer, id: LocalId, value: Node) {
    let ty = l.ir.bodies[l.body].locals[id].ty.clone();
    match held_of(l, ty.as_ref(), value) {
        Some(held) => l.registry.locals.insert((l.body, id), held),
        None => l.registry.locals.remove(&(l.body, id)),
    };
}

fn held_of(l: &Lowerer, ty: Option<&TypeRef>, value: Node) -> Option<Held> {
    if ty.is_some_and(is_guid_type) {
        if let Some(guid) = guid_initializer(l, value) {
            return Some(Held::Class(ClsidRef::Guid(guid)));
        }
        return match clsid_of(l, value, 0) {
            ClsidRef::Unknown => None,
            class => Some(Held::Class(class)),
        };
    }
    if let Some(key) = key_of(l, value, 0) {
        return Some(Held::Key(key));
    }
    if let Some(text) = recorded_text(l, value).filter(|text| !text.is_unknown()) {
        return Some(Held::Text(text));
    }
    let flags = flags_of(l, value);
    (!flags.opaque).then_some(Held::Flags(flags))
}

// ---- calls ----

/// A call of a named function: the registry functions, COM activation, and the functions
/// that fill a text buffer.
pub(super) fn call(l: &mut Lowerer, callee: &str, args: &[Node], node: Node) {
    let span = span(node);
    if let Some(api) = registry_api(callee) {
        let cond = l.cond(node);
        let (recorded, key) = api.lower(&Args { l, args }, span, cond);
        l.ir.record_registry_call(recorded);
        if let Some(id) = api
            .out_key
            .and_then(|i| args.get(i))
            .and_then(|out| out_local(l, *out))
        {
            l.registry.locals.insert((l.body, id), Held::Key(key));
        }
    }
    if let Some(api) = activation_api(callee) {
        activation(l, callee, args.get(api.clsid), args.get(api.context), node);
    }
    if registry_api(callee).is_none()
        && activation_api(callee).is_none()
        && !fill_buffer(l, callee, args)
    {
        forget_outputs(l, Some(callee), args);
    }
}

/// A function this module does not know may write any local whose address it is given
/// (`open_settings(&hKey)`), and a function any array it is given by name
/// (`GetModuleFileNameW(NULL, buffer, MAX_PATH)`), unless it only reads them (`wcslen(buffer)`):
/// what the local held is no longer known.
fn forget_outputs(l: &mut Lowerer, callee: Option<&str>, args: &[Node]) {
    let writes_arrays = callee.is_some_and(|callee| {
        !names().c.reading_functions.contains(callee) && !names().c.text_macros.contains(callee)
    });
    for &arg in args {
        let written = if is_address_of(l, arg) {
            out_local(l, arg)
        } else if writes_arrays && arg.kind() == "identifier" {
            l.lookup(l.text_of(arg)).filter(|&id| {
                !matches!(l.ir.bodies[l.body].locals[id].ty, Some(TypeRef::Pointer(_)))
            })
        } else {
            None
        };
        if let Some(id) = written {
            l.registry.locals.remove(&(l.body, id));
        }
    }
}

fn is_address_of(l: &Lowerer, node: Node) -> bool {
    let mut current = node;
    loop {
        current = match current.kind() {
            "pointer_expression" => {
                return current
                    .child_by_field_name("operator")
                    .is_some_and(|op| l.text_of(op) == "&");
            }
            "parenthesized_expression" | "cast_expression" => match inner(current) {
                Some(operand) => operand,
                None => return false,
            },
            "binary_expression" => return misread_address_cast(l, current).is_some(),
            _ => return false,
        };
    }
}

/// `obj.Method(..)`/`obj->Method(..)`: ATL's `CComPtr::CoCreateInstance(rclsid, outer, context)`.
pub(super) fn method_call(l: &mut Lowerer, function: Node, args: &[Node], node: Node) {
    let Some(field) = function.child_by_field_name("field") else {
        return;
    };
    if l.text_of(field) == "CoCreateInstance" {
        activation(l, "CoCreateInstance", args.first(), args.get(2), node);
    } else {
        forget_outputs(l, None, args);
    }
}

fn activation(
    l: &mut Lowerer,
    api: &str,
    clsid: Option<&Node>,
    context: Option<&Node>,
    node: Node,
) {
    let (Some(&clsid), Some(&context)) = (clsid, context) else {
        return;
    };
    let activation = ComActivation {
        api: api.to_string(),
        clsid: clsid_of(l, clsid, 0),
        context: flags_of(l, context),
        span: span(node),
        cond: l.cond(node),
    };
    l.ir.activations.push(activation);
}

/// A call's arguments, read through the file's constants and locals.
struct Args<'a, 't> {
    l: &'a Lowerer<'t>,
    args: &'a [Node<'t>],
}

impl CallArgs for Args<'_, '_> {
    fn has(&self, index: usize) -> bool {
        index < self.args.len()
    }

    fn key(&self, index: usize) -> Option<KeyRef> {
        key_of(self.l, *self.args.get(index)?, 0)
    }

    fn text(&self, index: usize) -> Option<MappedText> {
        text_of(self.l, *self.args.get(index)?)
    }

    fn is_null(&self, index: usize) -> bool {
        self.args
            .get(index)
            .is_some_and(|arg| is_null(self.l, *arg, 0))
    }

    fn flags(&self, index: usize) -> Option<Flags> {
        Some(flags_of(self.l, *self.args.get(index)?))
    }
}

/// The one operand of a wrapper: `&x`, `(x)`, `(T)x`.
pub(super) fn inner(node: Node) -> Option<Node> {
    node.child_by_field_name("argument")
        .or_else(|| node.child_by_field_name("value"))
        .or_else(|| {
            (node.kind() == "parenthesized_expression")
                .then(|| named_children(node).first().copied())
                .flatten()
        })
}

/// `(PHKEY)&hKey`, which the C grammar, not knowing `PHKEY` for a type, reads as
/// `(PHKEY) & hKey`: the operand whose address is taken.
fn misread_address_cast<'t>(l: &Lowerer, node: Node<'t>) -> Option<Node<'t>> {
    let operator = node.child_by_field_name("operator")?;
    let left = node.child_by_field_name("left")?;
    let is_type = left.kind() == "parenthesized_expression"
        && left
            .named_child(0)
            .is_some_and(|n| n.kind() == "identifier");
    (l.text_of(operator) == "&" && is_type)
        .then(|| node.child_by_field_name("right"))
        .flatten()
}

/// `&hKey`, `(PHKEY)&hKey`, a buffer `szKey`: the local a call writes.
pub(super) fn out_local(l: &Lowerer, node: Node) -> Option<LocalId> {
    out_local_at(l, node, 0)
}

fn out_local_at(l: &Lowerer, node: Node, depth: usize) -> Option<LocalId> {
    if depth > MAX_TEXT_DEPTH {
        return None;
    }
    match node.kind() {
        "pointer_expression" | "parenthesized_expression" | "cast_expression" => {
            out_local_at(l, inner(node)?, depth + 1)
        }
        "call_expression" => out_local_at(l, cast_operand(l, node)?, depth + 1),
        "binary_expression" => out_local_at(l, misread_address_cast(l, node)?, depth + 1),
        "identifier" => l.lookup(l.text_of(node)),
        _ => None,
    }
}

fn is_null(l: &Lowerer, node: Node, depth: usize) -> bool {
    if depth > MAX_TEXT_DEPTH {
        return false;
    }
    match node.kind() {
        "null" | "nullptr" => true,
        "identifier" => l.text_of(node) == "NULL",
        "number_literal" => parse_int(l.text_of(node)) == Some(0),
        "parenthesized_expression" | "cast_expression" => {
            inner(node).is_some_and(|n| is_null(l, n, depth + 1))
        }
        "call_expression" => cast_operand(l, node).is_some_and(|n| is_null(l, n, depth + 1)),
        _ => false,
    }
}

/// The key an expression stands for: a predefined root, or a local holding a key.
fn key_of(l: &Lowerer, node: Node, depth: usize) -> Option<KeyRef> {
    if depth > MAX_TEXT_DEPTH {
        return None;
    }
    match node.kind() {
        "parenthesized_expression" | "cast_expression" => key_of(l, inner(node)?, depth + 1),
        "call_expression" => key_of(l, cast_operand(l, node)?, depth + 1),
        "identifier" => {
            let name = l.text_of(node);
            match l.registry.local(l, name) {
                Some(Some(Held::Key(key))) => Some(key.clone()),
                Some(_) => None,
                None => RegistryRoot::parse(name)
                    .filter(|_| name.starts_with("HKEY_"))
                    .map(KeyRef::root),
            }
        }
        _ => None,
    }
}

/// The text of an expression as the IR records it: a local's text from the one store of
/// what locals hold, names of constants kept for the model to look up on each target.
pub(super) fn recorded_text(l: &Lowerer, node: Node) -> Option<MappedText> {
    super::text::text_of(l, node, &|name| match l.registry.local(l, name) {
        Some(Some(Held::Text(text))) => Some(text.clone()),
        Some(_) => None,
        None => Some(MappedText::named(name)),
    })
}

/// The text an expression holds, with the file's `#define`s and constants filled in (so that
/// a key name they hold can be renamed where it is written); others are left for the model.
pub(super) fn text_of(l: &Lowerer, node: Node) -> Option<MappedText> {
    recorded_text(l, node).map(|text| text.substituted(|name| l.registry.texts.get(name)))
}

/// The text of an expression that is text here: not a name this file does not define, which
/// may as well be a size or a flag.
pub(super) fn definite_text(l: &Lowerer, node: Node) -> Option<MappedText> {
    text_of(l, node).filter(|text| !text.is_bare_name())
}

/// Flags combined with `|`: the constants named and the literal bits, through the file's
/// `#define`s and locals.
fn flags_of(l: &Lowerer, node: Node) -> Flags {
    let mut flags = Flags {
        span: span(node),
        ..Flags::default()
    };
    collect_flags(l, node, &mut flags, 0);
    flags
}

fn merge(flags: &mut Flags, other: &Flags) {
    flags.names.extend(other.names.iter().cloned());
    flags.bits |= other.bits;
    flags.opaque |= other.opaque;
}

fn collect_flags(l: &Lowerer, node: Node, flags: &mut Flags, depth: usize) {
    if depth > MAX_TEXT_DEPTH {
        flags.opaque = true;
        return;
    }
    let next = depth + 1;
    match node.kind() {
        "binary_expression"
            if node
                .child_by_field_name("operator")
                .is_some_and(|op| l.text_of(op) == "|") =>
        {
            for side in ["left", "right"] {
                match node.child_by_field_name(side) {
                    Some(side) => collect_flags(l, side, flags, next),
                    None => flags.opaque = true,
                }
            }
        }
        "parenthesized_expression" | "cast_expression" => match inner(node) {
            Some(inner) => collect_flags(l, inner, flags, next),
            None => flags.opaque = true,
        },
        "identifier" => {
            let name = l.text_of(node);
            match l.registry.local(l, name) {
                Some(Some(Held::Flags(known))) => merge(flags, known),
                // A local bound to a name: whatever the name holds.
                Some(Some(Held::Text(text))) if text.is_bare_name() => {
                    let name = text.constants().next().unwrap_or_default().to_string();
                    match l.registry.flags.get(&name) {
                        Some(known) => merge(flags, known),
                        None => flags.names.push(name),
                    }
                }
                Some(_) => flags.opaque = true,
                None => match l.registry.flags.get(name) {
                    Some(known) => merge(flags, known),
                    None => flags.names.push(name.to_string()),
                },
            }
        }
        "qualified_identifier" => match last_name(node) {
            Some(name) => flags.names.push(l.text_of(name).to_string()),
            None => flags.opaque = true,
        },
        "number_literal" => match parse_int(l.text_of(node)).and_then(|v| u64::try_from(v).ok()) {
            Some(bits) => flags.bits |= bits,
            None => flags.opaque = true,
        },
        // A cast or a conversion of the flags: `(CLSCTX)(..)`, `REGSAM(..)`.
        "call_expression" => match node
            .child_by_field_name("arguments")
            .map(named_children)
            .as_deref()
        {
            Some([operand]) => collect_flags(l, *operand, flags, next),
            _ => flags.opaque = true,
        },
        _ => flags.opaque = true,
    }
}

#[cfg(test)]
mod tests {
    use crate::frontend::c::{Dialect, lower};
    use crate::model::ir::{
        ClsidRef, FileIr, Guid, RegistryAction, RegistryEntry, RegistryRoot, RegistryView,
    };

    const CLSID: &str = "{5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10}";

    fn lower_as(dialect: Dialect, text: &str) -> FileIr {
        let lowered = lower(dialect, text.as_bytes().to_vec(), None).unwrap();
        assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
        lowered.ir
    }

    fn path(entry: &RegistryEntry) -> String {
        entry
            .key
            .iter()
            .map(|s| s.name.clone().unwrap_or_else(|| "?".into()))
            .collect::<Vec<_>>()
            .join("\\")
    }

    fn value(entry: &RegistryEntry) -> Option<(String, Option<String>)> {
        entry
            .value
            .as_ref()
            .map(|v| (v.name.clone(), v.data.clone()))
    }

    #[test]
    fn literals_defines_and_out_parameters() {
        let text = r#"
#define CLSID_TEXT L"{5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10}"
#define SERVER_KEY L"CLSID\\" CLSID_TEXT L"\\InprocServer" // the key
#define VIEW (KEY_WRITE | KEY_WOW64_32KEY)
static const WCHAR kModel[] = TEXT("Apart\155ent");

STDAPI DllRegisterServer(void)
{
    HKEY hKey = NULL;
    LPCWSTR dll = L"C:\\Program Files (x86)\\Contoso\\inkwell.dll";
    if (RegCreateKeyExW(HKEY_CLASSES_ROOT, SERVER_KEY, /* reserved */ 0, NULL, REG_OPTION_NON_VOLATILE,
                        VIEW, NULL, &hKey, NULL) != ERROR_SUCCESS)
        return SELFREG_E_CLASS;
    RegSetValueExW(hKey, NULL, 0, REG_SZ, (const BYTE *)dll, 0);
    RegSetValueExW(hKey, _T("ThreadingModel"), 0, REG_SZ, (const BYTE *)kModel, sizeof(kModel));
    RegCloseKey(hKey);
    return S_OK;
}
"#;
        let ir = lower_as(Dialect::C, text);
        assert_eq!(ir.registry.len(), 3, "{:?}", ir.registry);
        let created = &ir.registry[0];
        assert_eq!(created.root, RegistryRoot::ClassesRoot);
        assert_eq!(created.action, RegistryAction::Write);
        assert_eq!(path(created), format!("CLSID\\{CLSID}\\InprocServer"));
        let server = created.key[2].span.unwrap();
        assert_eq!(&text[server.start..server.end], "InprocServer");
        assert_eq!(created.view, RegistryView::Bits32);
        let view = created.view_span.unwrap();
        assert_eq!(&text[view.start..view.end], "VIEW");
        assert_eq!(
            value(&ir.registry[1]),
            Some((
                String::new(),
                Some("C:\\Program Files (x86)\\Contoso\\inkwell.dll".into())
            ))
        );
        assert_eq!(
            value(&ir.registry[2]),
            Some(("ThreadingModel".into(), Some("Apartment".into())))
        );
        assert_eq!(ir.registry[2].view, RegistryView::Bits32);
    }

    #[test]
    fn formatted_and_copied_keys() {
        let text = r#"
DEFINE_GUID(CLSID_Inkwell, 0x5e0c1b2a, 0x7f3d, 0x4c61, 0x9a, 0x52, 0x0b, 0x7e, 0x2d, 0x4c, 0x9f, 0x10);

HRESULT Register(HKEY root)
{
    WCHAR clsid[39], key[MAX_PATH];
    HKEY hKey;
    DWORD sam = KEY_WRITE | KEY_WOW64_64KEY;
    StringFromGUID2(&CLSID_Inkwell, clsid, ARRAYSIZE(clsid));
    StringCchPrintfW(key, ARRAYSIZE(key), L"CLSID\\%s\\%ls", clsid, L"InprocServer64");
    RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, sam, NULL, &hKey, NULL);
    wcscpy_s(key, ARRAYSIZE(key), L"SOFTWARE\\Wow6432Node\\");
    wcscat(key, L"Contoso");
    RegDeleteKeyExW(HKEY_LOCAL_MACHINE, key, KEY_WOW64_32KEY | KEY_WOW64_64KEY, 0);
    RegOpenKeyExW(root, L"Software", 0, unknown_sam(), &hKey);
    RegSetValueExW(hKey, L"x", 0, REG_SZ, NULL, 0);
    return S_OK;
}
"#;
        let ir = lower_as(Dialect::C, text);
        assert_eq!(
            ir.guids[0].guid,
            Guid::parse(CLSID).unwrap(),
            "{:?}",
            ir.guids
        );
        let created = &ir.registry[0];
        assert_eq!(path(created), format!("CLSID\\{CLSID}\\InprocServer64"));
        let server = created.key[2].span.unwrap();
        assert_eq!(&text[server.start..server.end], "InprocServer64");
        assert_eq!(created.view, RegistryView::Bits64);
        let deleted = &ir.registry[1];
        assert_eq!(deleted.action, RegistryAction::Delete);
        assert_eq!(path(deleted), "SOFTWARE\\Wow6432Node\\Contoso");
        assert_eq!(deleted.view, RegistryView::Both);
        let opened = &ir.registry[2];
        assert_eq!(opened.root, RegistryRoot::Unknown);
        assert_eq!(opened.view, RegistryView::Unknown);
        assert_eq!(ir.registry[3].view, RegistryView::Unknown);
    }

    /// `wcscat(key, L"a")` 32,000 times took 10 s: each append copied the whole buffer, which
    /// grew without end. Past the cap the rest of the text is unknown, and appending to a
    /// buffer extends it in place.
    #[test]
    fn a_buffer_appended_to_thousands_of_times_is_known_up_to_a_cap() {
        let appends = "    wcscat(key, L\"a\");\n".repeat(5_000);
        let text = format!(
            "void f(void)\n{{\n    WCHAR key[64];\n    HKEY h;\n    wcscpy(key, L\"SOFTWARE\\\\\");\n{appends}\
             \x20   RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_WRITE, NULL, &h, NULL);\n}}\n"
        );
        let ir = lower_as(Dialect::C, &text);
        let key = &ir.registry[0].key;
        assert_eq!(key.len(), 2, "{key:?}");
        assert_eq!(key[0].name.as_deref(), Some("SOFTWARE"));
        assert_eq!(key[1].name, None);
    }

    #[test]
    fn locals_given_by_address_to_other_functions_are_forgotten() {
        let text = r#"
void f(void)
{
    HKEY key;
    CLSID clsid = {0x5e0c1b2a, 0x7f3d, 0x4c61, {0x9a, 0x52, 0x0b, 0x7e, 0x2d, 0x4c, 0x9f, 0x10}};
    RegCreateKeyExW(HKEY_CLASSES_ROOT, L"CLSID", 0, NULL, 0, KEY_WRITE, NULL, &key, NULL);
    CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&key);
    RegSetValueExW(key, L"a", 0, REG_SZ, NULL, 0);
    open_settings((PHKEY)&key);
    RegSetValueExW(key, L"b", 0, REG_SZ, NULL, 0);
}
"#;
        let ir = lower_as(Dialect::C, text);
        let roots: Vec<RegistryRoot> = ir.registry.iter().map(|e| e.root).collect();
        assert_eq!(
            roots,
            [
                RegistryRoot::ClassesRoot,
                RegistryRoot::ClassesRoot,
                RegistryRoot::Unknown
            ]
        );
        assert_eq!(
            ir.activations[0].clsid,
            ClsidRef::Guid(Guid::parse(CLSID).unwrap())
        );
    }

    #[test]
    fn activations_and_the_guids_that_name_classes() {
        let text = r#"
class DECLSPEC_UUID("5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10") Inkwell;
struct __declspec(uuid("{11111111-2222-3333-4444-555555555555}")) __declspec(novtable) Quill;
EXTERN_C const CLSID CLSID_Nib = {0x0d1e5a27, 0x3c4b, 0x4f8a, {0x9e, 0x61, 0x7b, 0x2c, 0x0a, 0x9d, 0x4e, 0x15}};

void Create(IUnknown **out)
{
    static const GUID local = {0x5e0c1b2a, 0x7f3d, 0x4c61, {0x9a, 0x52, 0x0b, 0x7e, 0x2d, 0x4c, 0x9f, 0x10}};
    CComPtr<IUnknown> unknown;
    ::CoCreateInstance(__uuidof(Inkwell), nullptr, CLSCTX_INPROC_SERVER, IID_PPV_ARGS(out));
    CoGetClassObject(CLSID_Nib, CLSCTX_INPROC, NULL, IID_IClassFactory, (void **)out);
    CoCreateInstance(local, NULL, (CLSCTX)(CLSCTX_INPROC_SERVER | 0x4), IID_IUnknown, (void **)out);
    unknown.CoCreateInstance(CLSID_Nib, nullptr, CLSCTX_INPROC_SERVER);
}
"#;
        let ir = lower_as(Dialect::Cpp, text);
        let guids: Vec<(&str, String)> = ir
            .guids
            .iter()
            .map(|g| (g.name.as_str(), g.guid.to_string()))
            .collect();
        assert_eq!(
            guids,
            [
                ("Inkwell", CLSID.to_string()),
                (
                    "Quill",
                    "{11111111-2222-3333-4444-555555555555}".to_string()
                ),
                (
                    "CLSID_Nib",
                    "{0D1E5A27-3C4B-4F8A-9E61-7B2C0A9D4E15}".to_string()
                ),
            ]
        );
        let activations: Vec<(&str, &ClsidRef, Vec<&str>, u64)> = ir
            .activations
            .iter()
            .map(|a| {
                (
                    a.api.as_str(),
                    &a.clsid,
                    a.context.names.iter().map(String::as_str).collect(),
                    a.context.bits,
                )
            })
            .collect();
        let named = |n: &str| ClsidRef::Named(n.to_string());
        let local = ClsidRef::Guid(Guid::parse(CLSID).unwrap());
        assert_eq!(
            activations,
            [
                (
                    "CoCreateInstance",
                    &named("Inkwell"),
                    vec!["CLSCTX_INPROC_SERVER"],
                    0
                ),
                (
                    "CoGetClassObject",
                    &named("CLSID_Nib"),
                    vec!["CLSCTX_INPROC"],
                    0
                ),
                ("CoCreateInstance", &local, vec!["CLSCTX_INPROC_SERVER"], 4),
                (
                    "CoCreateInstance",
                    &named("CLSID_Nib"),
                    vec!["CLSCTX_INPROC_SERVER"],
                    0
                ),
            ]
        );
    }

    #[test]
    fn midl_coclasses_and_generated_guids() {
        let ir = lower_as(
            Dialect::Idl,
            "[uuid(5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10)]\nlibrary InkLib {\n  [uuid(5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10)] coclass Inkwell { [default] interface IUnknown; };\n}\n",
        );
        let names: Vec<&str> = ir.guids.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["CLSID_Inkwell", "Inkwell"]);
        let ir = lower_as(
            Dialect::C,
            "MIDL_DEFINE_GUID(CLSID, CLSID_Inkwell,0x5e0c1b2a,0x7f3d,0x4c61,0x9a,0x52,0x0b,0x7e,0x2d,0x4c,0x9f,0x10);\nDEFINE_OLEGUID(IID_IUnknown, 0x00000000L, 0, 0);\n",
        );
        assert_eq!(ir.guids[0].guid, Guid::parse(CLSID).unwrap());
        assert_eq!(
            ir.guids[1].guid.to_string(),
            "{00000000-0000-0000-C000-000000000046}"
        );
    }

    #[test]
    fn escapes_and_raw_strings_map_to_their_source() {
        let text = "void f(void) { RegCreateKeyW(HKEY_CURRENT_USER, L\"A\\x42\\103\\\\D\" LR\"x(E\\F)x\", &k); }";
        let ir = lower_as(Dialect::Cpp, text);
        let entry = &ir.registry[0];
        assert_eq!(path(entry), "ABC\\DE\\F");
        let first = entry.key[0].span.unwrap();
        assert_eq!(&text[first.start..first.end], "A\\x42\\103");
        let last = entry.key[2].span.unwrap();
        assert_eq!(&text[last.start..last.end], "F");
    }
}
