//! Registry writes and COM activations in Rust code: the Win32 registry functions (windows-sys,
//! windows, winapi) and the `winreg` crate's `RegKey` methods, lowered to the same registry
//! entries the registry-script front ends produce.
//!
//! Key paths and values are followed as far as they are literal: string literals, `w!`/`s!`
//! and friends, `concat!`, `format!` with literal or constant arguments, the file's `const`
//! and `static` text, and locals bound to any of these. Key handles are followed through
//! locals (`let (key, _) = hkcr.create_subkey(..)?`, `RegCreateKeyExW(.., &mut hkey, ..)`),
//! keeping the view their flags chose.

use std::collections::HashMap;

use syn::{BinOp, Expr, ImplItem, Item, Lit, Member, Pat};

use super::cfg::attrs_cond;
use super::lower::{Lowerer, last_segment, span_of};
use crate::frontend::registry::api::{CallArgs, KeyRef, activation_api, registry_api};
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;
use crate::model::ir::{
    BodyId, ClsidRef, ComActivation, Flags, Guid, GuidConst, LocalId, RegistryAction, RegistryRoot,
};
use crate::source::Span;

/// Constants defined through other constants are followed this deep.
const MAX_TEXT_DEPTH: usize = 16;

#[derive(Clone, Debug)]
enum Held {
    Text(MappedText),
    Key(KeyRef),
}

/// What the registry extraction remembers while the file is lowered.
#[derive(Default)]
pub(super) struct State {
    /// The file's `const` and `static` text, by name.
    consts: HashMap<String, MappedText>,
    /// What locals hold, by body and local.
    locals: HashMap<(BodyId, LocalId), Held>,
}

/// Records the file's text and GUID constants before bodies are lowered, so that uses
/// before the declaration resolve too.
pub(super) fn collect_consts(l: &mut Lowerer, items: &[Item]) {
    for item in items {
        match item {
            Item::Const(c) => constant(l, &c.ident.to_string(), &c.expr, &c.attrs),
            Item::Static(s) => constant(l, &s.ident.to_string(), &s.expr, &s.attrs),
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_consts(l, items);
                }
            }
            Item::Impl(imp) => {
                for impl_item in &imp.items {
                    if let ImplItem::Const(c) = impl_item {
                        constant(l, &c.ident.to_string(), &c.expr, &c.attrs);
                    }
                }
            }
            _ => {}
        }
    }
}

fn constant(l: &mut Lowerer, name: &str, init: &Expr, attrs: &[syn::Attribute]) {
    if let Some(guid) = guid_of(init) {
        let cond = l.current_cond().and(attrs_cond(attrs));
        l.ir.guids.push(GuidConst {
            name: name.to_string(),
            guid,
            cond,
        });
    } else if let Some(text) = definite_text(l, init) {
        l.registry.consts.insert(name.to_string(), text);
    }
}

/// `let x = <init>`: remembers the text or key the local now holds, for registry calls and
/// library loads alike.
pub(super) fn bind_local(l: &mut Lowerer, pat: &Pat, init: &Expr) {
    let ident = match pat {
        Pat::Ident(p) => Some(&p.ident),
        Pat::Type(pt) => match &*pt.pat {
            Pat::Ident(p) => Some(&p.ident),
            _ => None,
        },
        // `let (key, _disposition) = hkcr.create_subkey(..)?`
        Pat::Tuple(t) => match t.elems.first() {
            Some(Pat::Ident(p)) => Some(&p.ident),
            _ => None,
        },
        _ => None,
    };
    let Some(ident) = ident else {
        return;
    };
    let Some(id) = l.lookup(&ident.to_string()) else {
        return;
    };
    let held = match key_of(l, init, 0) {
        Some(key) => Held::Key(key),
        None => match recorded_text(l, init) {
            Some(text) if !text.is_unknown() => Held::Text(text),
            _ => return,
        },
    };
    let body = l.current_body();
    l.registry.locals.insert((body, id), held);
}

/// A call of a path: the Win32 registry functions and COM activation.
pub(super) fn call(l: &mut Lowerer, call: &syn::ExprCall, callee: &str) {
    let args: Vec<&Expr> = call.args.iter().collect();
    let span = span_of(call);
    if let Some(api) = registry_api(callee) {
        let (recorded, key) = api.lower(&Args { l, args: &args }, span, l.current_cond());
        l.ir.record_registry_call(recorded);
        if let Some(out) = api.out_key.and_then(|i| args.get(i))
            && let Some(id) = out_local(l, out)
        {
            let body = l.current_body();
            l.registry.locals.insert((body, id), Held::Key(key));
        }
    }
    if let Some(api) = activation_api(callee)
        && let (Some(clsid), Some(context)) = (args.get(api.clsid), args.get(api.context))
    {
        let clsid = clsid_of(clsid);
        let context = flags_of(context);
        let cond = l.current_cond();
        l.ir.activations.push(ComActivation {
            api: callee.to_string(),
            clsid,
            context,
            span,
            cond,
        });
    }
}

/// A method call: the `winreg` crate's `RegKey` methods, on a receiver known to be a key.
pub(super) fn method_call(l: &mut Lowerer, m: &syn::ExprMethodCall) {
    let method = m.method.to_string();
    let args: Vec<&Expr> = m.args.iter().collect();
    let span = span_of(m);
    let action = match method.as_str() {
        name if name.starts_with("open_subkey") => RegistryAction::Open,
        name if name.starts_with("create_subkey") => RegistryAction::Write,
        name if name.starts_with("delete_subkey") => RegistryAction::Delete,
        "set_value" | "set_raw_value" => RegistryAction::Write,
        "delete_value" => RegistryAction::Delete,
        _ => return,
    };
    let Some(receiver) = key_of(l, &m.receiver, 0) else {
        return;
    };
    if method.contains("subkey") {
        let path = args.first().map_or_else(MappedText::unknown, |arg| {
            text_of(l, arg).unwrap_or_else(MappedText::unknown)
        });
        let flags = method
            .ends_with("_with_flags")
            .then(|| args.last().map(|arg| flags_of(arg)))
            .flatten();
        let key = receiver.child(path, flags.as_ref());
        emit(l, &key, action, None, span);
        return;
    }
    let Some(name) = args.first().and_then(|arg| text_of(l, arg)) else {
        return;
    };
    let data = (method == "set_value")
        .then(|| args.get(1).and_then(|arg| text_of(l, arg)))
        .flatten();
    emit(l, &receiver, action, Some((name, data)), span);
}

/// A call's arguments, read through the file's constants and locals.
struct Args<'a> {
    l: &'a Lowerer,
    args: &'a [&'a Expr],
}

impl CallArgs for Args<'_> {
    fn has(&self, index: usize) -> bool {
        index < self.args.len()
    }

    fn key(&self, index: usize) -> Option<KeyRef> {
        key_of(self.l, self.args.get(index)?, 0)
    }

    fn text(&self, index: usize) -> Option<MappedText> {
        text_of(self.l, self.args.get(index)?)
    }

    fn is_null(&self, index: usize) -> bool {
        self.args.get(index).is_some_and(|arg| is_null(arg))
    }

    fn flags(&self, index: usize) -> Option<Flags> {
        self.args.get(index).map(|arg| flags_of(arg))
    }
}

fn emit(
    l: &mut Lowerer,
    key: &KeyRef,
    action: RegistryAction,
    value: Option<(MappedText, Option<MappedText>)>,
    span: Span,
) {
    let cond = l.current_cond();
    l.ir.record_registry_call(key.call(action, value, span, cond));
}

/// `&mut hkey`, `addr_of_mut!(hkey)`: the local an out-parameter writes.
fn out_local(l: &Lowerer, expr: &Expr) -> Option<LocalId> {
    match expr {
        Expr::Reference(r) => out_local(l, &r.expr),
        Expr::RawAddr(r) => out_local(l, &r.expr),
        Expr::Paren(p) => out_local(l, &p.expr),
        Expr::Cast(c) => out_local(l, &c.expr),
        Expr::Path(p) if p.path.segments.len() == 1 => {
            l.lookup(&p.path.segments[0].ident.to_string())
        }
        Expr::Macro(m) if last_segment(&m.mac.path) == "addr_of_mut" => {
            out_local(l, &syn::parse2::<Expr>(m.mac.tokens.clone()).ok()?)
        }
        _ => None,
    }
}

fn is_null(expr: &Expr) -> bool {
    match expr {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => matches!(last_segment(&p.path).as_str(), "null" | "null_mut"),
            _ => false,
        },
        Expr::Path(p) => last_segment(&p.path) == "None",
        Expr::Cast(c) => is_null(&c.expr),
        Expr::Lit(lit) => matches!(&lit.lit, Lit::Int(i) if i.base10_digits() == "0"),
        _ => false,
    }
}

/// The key an expression stands for: a predefined root, a local holding a key, or a key
/// opened from one.
fn key_of(l: &Lowerer, expr: &Expr, depth: usize) -> Option<KeyRef> {
    if depth > MAX_TEXT_DEPTH {
        return None;
    }
    let next = depth + 1;
    match expr {
        Expr::Paren(p) => key_of(l, &p.expr, next),
        Expr::Group(g) => key_of(l, &g.expr, next),
        Expr::Reference(r) => key_of(l, &r.expr, next),
        Expr::Try(t) => key_of(l, &t.expr, next),
        Expr::Cast(c) => key_of(l, &c.expr, next),
        Expr::Field(f) if matches!(&f.member, Member::Unnamed(i) if i.index == 0) => {
            key_of(l, &f.base, next)
        }
        Expr::Path(p) => {
            if p.path.segments.len() == 1
                && let Some(id) = l.lookup(&p.path.segments[0].ident.to_string())
            {
                return match l.registry.locals.get(&(l.current_body(), id)) {
                    Some(Held::Key(key)) => Some(key.clone()),
                    _ => None,
                };
            }
            let root = RegistryRoot::parse(&last_segment(&p.path))
                .filter(|_| last_segment(&p.path).starts_with("HKEY_"))?;
            Some(KeyRef::root(root))
        }
        // `RegKey::predef(HKEY_CLASSES_ROOT)`
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if last_segment(&p.path) == "predef" && c.args.len() == 1 => {
                key_of(l, &c.args[0], next)
            }
            _ => None,
        },
        Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if names().rust.key_methods.contains(&method) {
                return key_of(l, &m.receiver, next);
            }
            if !(method.starts_with("open_subkey") || method.starts_with("create_subkey")) {
                return None;
            }
            let parent = key_of(l, &m.receiver, next)?;
            let path = m
                .args
                .first()
                .and_then(|arg| text_of(l, arg))
                .unwrap_or_else(MappedText::unknown);
            let flags = method
                .ends_with("_with_flags")
                .then(|| m.args.last().map(flags_of))
                .flatten();
            Some(parent.child(path, flags.as_ref()))
        }
        _ => None,
    }
}

/// What a path names: a local's text, from the one store of what locals hold, or a constant
/// by name. `None` for a local holding something other than text.
pub(super) fn named_text(l: &Lowerer, path: &syn::Path) -> Option<MappedText> {
    if path.segments.len() == 1
        && let Some(id) = l.lookup(&path.segments[0].ident.to_string())
    {
        return match l.registry.locals.get(&(l.current_body(), id)) {
            Some(Held::Text(text)) => Some(text.clone()),
            _ => None,
        };
    }
    Some(MappedText::named(&last_segment(path)))
}

/// The text of an expression as the IR records it: constants by name, for the model to look
/// up on each target.
fn recorded_text(l: &Lowerer, expr: &Expr) -> Option<MappedText> {
    super::text::text_of(l, expr, &|path| named_text(l, path))
}

/// The text of an expression, with the file's own constants filled in (so that a key name
/// they hold can be renamed where it is written); others are left for the model.
fn text_of(l: &Lowerer, expr: &Expr) -> Option<MappedText> {
    recorded_text(l, expr).map(|text| text.substituted(|name| l.registry.consts.get(name)))
}

/// The text of an expression that is text here: not a name this file does not define, which
/// may as well be a number or a flag.
fn definite_text(l: &Lowerer, expr: &Expr) -> Option<MappedText> {
    text_of(l, expr).filter(|text| !text.is_bare_name())
}

/// Flags combined with `|`: the constants named and the literal bits.
fn flags_of(expr: &Expr) -> Flags {
    let mut flags = Flags {
        span: span_of(expr),
        ..Flags::default()
    };
    collect_flags(expr, &mut flags, 0);
    flags
}

fn collect_flags(expr: &Expr, flags: &mut Flags, depth: usize) {
    if depth > MAX_TEXT_DEPTH {
        flags.opaque = true;
        return;
    }
    let next = depth + 1;
    match expr {
        Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_)) => {
            collect_flags(&b.left, flags, next);
            collect_flags(&b.right, flags, next);
        }
        Expr::Paren(p) => collect_flags(&p.expr, flags, next),
        Expr::Group(g) => collect_flags(&g.expr, flags, next),
        Expr::Cast(c) => collect_flags(&c.expr, flags, next),
        // `CLSCTX_INPROC_SERVER.0` in the `windows` crate's newtypes.
        Expr::Field(f) => collect_flags(&f.base, flags, next),
        Expr::Path(p) => flags.names.push(last_segment(&p.path)),
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => match i.base10_parse::<u64>() {
                Ok(bits) => flags.bits |= bits,
                Err(_) => flags.opaque = true,
            },
            _ => flags.opaque = true,
        },
        // `REG_SAM_FLAGS(KEY_READ.0 | KEY_WOW64_32KEY.0)`
        Expr::Call(c) if c.args.len() == 1 => collect_flags(&c.args[0], flags, next),
        _ => flags.opaque = true,
    }
}

/// The class a CLSID argument names.
fn clsid_of(expr: &Expr) -> ClsidRef {
    match expr {
        Expr::Reference(r) => clsid_of(&r.expr),
        Expr::Paren(p) => clsid_of(&p.expr),
        Expr::Group(g) => clsid_of(&g.expr),
        Expr::Path(p) => ClsidRef::Named(last_segment(&p.path)),
        other => guid_of(other).map_or(ClsidRef::Unknown, ClsidRef::Guid),
    }
}

/// A GUID written as a constant expression: `GUID::from_u128(0x..)`, `GUID::from_values(..)`,
/// `GUID::from("..")`, or a `GUID { data1, data2, data3, data4 }` literal.
fn guid_of(expr: &Expr) -> Option<Guid> {
    match expr {
        Expr::Paren(p) => guid_of(&p.expr),
        Expr::Group(g) => guid_of(&g.expr),
        Expr::Reference(r) => guid_of(&r.expr),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let args: Vec<&Expr> = c.args.iter().collect();
            match (last_segment(&p.path).as_str(), args.as_slice()) {
                ("from_u128", [value]) => int(value).map(Guid),
                ("from" | "try_from", [Expr::Lit(lit)]) => match &lit.lit {
                    Lit::Str(s) => Guid::parse(&s.value()),
                    _ => None,
                },
                ("from_values", [d1, d2, d3, d4]) => fields(d1, d2, d3, d4),
                _ => None,
            }
        }
        Expr::Struct(s) if last_segment(&s.path) == "GUID" => {
            let field = |name: &str| {
                s.fields.iter().find_map(|f| match &f.member {
                    Member::Named(ident) if ident == name => Some(&f.expr),
                    _ => None,
                })
            };
            fields(
                field("data1")?,
                field("data2")?,
                field("data3")?,
                field("data4")?,
            )
        }
        _ => None,
    }
}

fn fields(d1: &Expr, d2: &Expr, d3: &Expr, d4: &Expr) -> Option<Guid> {
    let Expr::Array(bytes) = d4 else {
        return None;
    };
    let bytes: Vec<u8> = bytes
        .elems
        .iter()
        .map(|e| int(e).and_then(|v| u8::try_from(v).ok()))
        .collect::<Option<_>>()?;
    Some(Guid::from_fields(
        u32::try_from(int(d1)?).ok()?,
        u16::try_from(int(d2)?).ok()?,
        u16::try_from(int(d3)?).ok()?,
        bytes.try_into().ok()?,
    ))
}

fn int(expr: &Expr) -> Option<u128> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => i.base10_parse::<u128>().ok(),
            _ => None,
        },
        Expr::Paren(p) => int(&p.expr),
        Expr::Cast(c) => int(&c.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::ir::{ClsidRef, Guid, RegistryAction, RegistryRoot, RegistryView};

    fn lower(text: &str) -> crate::model::ir::FileIr {
        crate::frontend::rust::lower(text).unwrap().0
    }

    fn path(entry: &crate::model::ir::RegistryEntry) -> String {
        entry
            .key
            .iter()
            .map(|s| s.name.clone().unwrap_or_else(|| "?".into()))
            .collect::<Vec<_>>()
            .join("\\")
    }

    #[test]
    fn winreg_keys_follow_locals_and_flags() {
        let text = r#"
const CLSID_TEXT: &str = "{5E0C1B2A-0000-4000-8000-00000000ABCD}";
fn register(dll: &str) -> std::io::Result<()> {
    let hkcr = RegKey::predef(HKEY_CLASSES_ROOT);
    let key_path = format!("CLSID\\{}\\InprocServer", CLSID_TEXT);
    let (key, _) = hkcr.create_subkey_with_flags(&key_path, KEY_WRITE | KEY_WOW64_32KEY)?;
    key.set_value("", &dll)?;
    key.set_value("ThreadingModel", &"Both")?;
    Ok(())
}
"#;
        let ir = lower(text);
        assert_eq!(ir.registry.len(), 3);
        let created = &ir.registry[0];
        assert_eq!(created.root, RegistryRoot::ClassesRoot);
        assert_eq!(
            path(created),
            "CLSID\\{5E0C1B2A-0000-4000-8000-00000000ABCD}\\InprocServer"
        );
        let span = created.key[2].span.unwrap();
        assert_eq!(&text[span.start..span.end], "InprocServer");
        assert_eq!(created.view, RegistryView::Bits32);
        let model = ir.registry[2].value.as_ref().unwrap();
        assert_eq!(model.data.as_deref(), Some("Both"));
        assert_eq!(ir.registry[2].view, RegistryView::Bits32);
    }

    #[test]
    fn win32_calls_follow_out_parameters() {
        let text = r#"
unsafe fn register() {
    let mut hkey = core::ptr::null_mut();
    RegCreateKeyExW(HKEY_LOCAL_MACHINE, w!("SOFTWARE\\Wow6432Node\\Classes\\CLSID\\{5E0C1B2A-0000-4000-8000-00000000ABCD}\\InprocServer32"), 0, core::ptr::null(), 0, KEY_WRITE | KEY_WOW64_32KEY | KEY_WOW64_64KEY, core::ptr::null(), &mut hkey, core::ptr::null_mut());
    let path = w!("C:\\x86\\widget.dll");
    RegSetValueExW(hkey, core::ptr::null(), 0, REG_SZ, path as *const u8, 0);
    RegSetValueExW(hkey, w!("ThreadingModel"), 0, REG_SZ, w!("Apartment") as *const u8, 20);
    CoCreateInstance(&CLSID_WIDGET, core::ptr::null_mut(), CLSCTX_INPROC_SERVER, &IID_IUnknown, &mut out);
}
const CLSID_WIDGET: GUID = GUID::from_u128(0x5e0c1b2a_0000_4000_8000_00000000abcd);
"#;
        let ir = lower(text);
        let created = &ir.registry[0];
        assert_eq!(created.view, RegistryView::Both);
        assert_eq!(created.action, RegistryAction::Write);
        assert!(path(created).starts_with("SOFTWARE\\Wow6432Node\\Classes"));
        let names: Vec<_> = ir.registry[1..]
            .iter()
            .map(|e| e.value.as_ref().map(|v| (v.name.clone(), v.data.clone())))
            .collect();
        assert_eq!(
            names,
            [
                Some((String::new(), Some("C:\\x86\\widget.dll".to_string()))),
                Some(("ThreadingModel".to_string(), Some("Apartment".to_string())))
            ]
        );
        assert_eq!(ir.activations.len(), 1);
        assert_eq!(
            ir.activations[0].clsid,
            ClsidRef::Named("CLSID_WIDGET".into())
        );
        assert!(ir.activations[0].context.has("CLSCTX_INPROC_SERVER", 1));
        assert_eq!(
            ir.guids[0].guid,
            Guid::parse("{5E0C1B2A-0000-4000-8000-00000000ABCD}").unwrap()
        );
    }

    /// `hklm.open_subkey(utf16!("..."))`, `open_subkey(name.to_str()?)`: registry keys see text
    /// through the same macros and methods as library names.
    #[test]
    fn keys_see_through_the_macros_and_methods_library_names_do() {
        let text = r#"
fn f(hklm: RegKey) -> std::io::Result<()> {
    let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
    hklm.open_subkey(utf16!("SOFTWARE\\Contoso"))?;
    let name = std::ffi::OsStr::new("SOFTWARE\\Fabrikam");
    hklm.open_subkey(name.to_str().unwrap())?;
    Ok(())
}
"#;
        let paths: Vec<String> = lower(text).registry.iter().map(path).collect();
        assert_eq!(paths, ["SOFTWARE\\Contoso", "SOFTWARE\\Fabrikam"]);
    }
}
