//! `handle-in-int-ptr`: in MIDL, a handle carried across the RPC/COM boundary in a type that is
//! 32 bits on the wire (`DWORD`, `ULONG`, `long`, and the `__int3264` family: `INT_PTR`,
//! `UINT_PTR`, `LONG_PTR`, `ULONG_PTR`, `DWORD_PTR`), and the `__int3264` family anywhere in an
//! `[oleautomation]` or `[dual]` interface.

use super::{Checker, Rule};
use crate::diagnostic::Finding;
use crate::model::Semantic;
use crate::model::ir::{Attribute, FnDecl, Language, TypeRef, has_attribute};
use crate::model::ty::{HandleRepr, IntBits, Ty};
use crate::source::Span;
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "handle-in-int-ptr",
    check,
};

/// How a declared type travels.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// `__int3264` underneath: pointer-sized in memory, 32 bits on the wire.
    Int3264,
    /// A 32-bit (or narrower) integer.
    Narrow,
}

struct WireType {
    wire: Wire,
    /// The type names the declaration resolves through say it is a handle (`HCONTEXT`, `SOCKET`).
    handle_type: bool,
}

const HELP: &str = "a machine-local handle that crosses the 32/64-bit RPC boundary belongs in `HANDLE_PTR`, which travels \
    with all 64 bits from 64-bit code and needs no mapping; a server-side object belongs in a context handle (RPC) or an \
    interface pointer (DCOM). Retyping a parameter of a published interface breaks wire compatibility: add a new method \
    (and bump the minor version) or derive a new interface instead";

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    if semantic.file.language != Language::Idl {
        return;
    }
    let mut findings = Vec::new();
    for decl in &semantic.file.functions {
        let Some(target) = cx.live_64bit_targets(&decl.cond).first().copied() else {
            continue;
        };
        method(cx, decl, target, &mut findings);
    }
    for decl in &semantic.file.structs {
        let Some(target) = cx.live_64bit_targets(&decl.cond).first().copied() else {
            continue;
        };
        for ((name, ty), span) in decl.fields.iter().zip(&decl.field_spans) {
            if let Some(wire) = wire_type(semantic, ty, target)
                && (wire.handle_type
                    || semantic
                        .knowledge()
                        .named_like_handle(name, matches!(ty, TypeRef::Pointer(_))))
            {
                findings.push(handle_finding(cx, *span, &format!("field `{name}` of `{}`", decl.name), wire));
            }
        }
    }
    for finding in findings {
        cx.report(finding);
    }
}

fn method(cx: &Checker, decl: &FnDecl, target: &Target, findings: &mut Vec<Finding>) {
    let semantic = cx.semantic;
    let midl = &semantic.knowledge().names.midl;
    let interface = decl
        .name
        .split_once("::")
        .and_then(|(owner, _)| semantic.file.interfaces.iter().find(|i| i.name == owner));
    let interface_attributes: &[Attribute] = interface.map_or(&[], |i| &i.attributes);
    // `[local]` interfaces and methods never cross a process boundary.
    if has_attribute(interface_attributes, "local")
        || has_attribute(&decl.attributes, "local")
        || midl.mapped.iter().any(|m| has_attribute(&decl.attributes, m))
    {
        return;
    }
    let automation = midl
        .automation
        .iter()
        .find(|a| has_attribute(interface_attributes, a));
    let returned = decl.ret.as_ref().map(|ty| (ty, decl.ret_span, format!("the return type of `{}`", decl.name), ""));
    let params = decl
        .params
        .iter()
        .filter(|p| !midl.mapped.iter().any(|m| has_attribute(&p.attributes, m)))
        .map(|p| (&p.ty, p.ty_span, format!("parameter `{}` of `{}`", p.name, decl.name), p.name.as_str()));
    for (ty, span, what, name) in returned.into_iter().chain(params) {
        let Some(wire) = wire_type(semantic, ty, target) else {
            continue;
        };
        let named = !name.is_empty()
            && semantic
                .knowledge()
                .named_like_handle(name, matches!(ty, TypeRef::Pointer(_)));
        if wire.handle_type || named {
            findings.push(handle_finding(cx, span, &what, wire));
        } else if let (Some(attribute), Wire::Int3264) = (automation, wire.wire) {
            let written = cx.text(span);
            findings.push(
                Finding::new(
                    span,
                    format!("{what} is `{written}`, an `__int3264` type, in the [{attribute}] interface `{}`", interface.map_or("", |i| i.name.as_str())),
                )
                .label("pointer-sized in memory, 32 bits on the wire; not an OLE Automation type")
                .help(
                    "OLE Automation interfaces and type libraries cannot carry `__int3264` types (`INT_PTR`, `UINT_PTR`, `LONG_PTR`, \
                     `ULONG_PTR`, `DWORD_PTR`): use `hyper`/`__int64` for values that need 64 bits, `long` for 32-bit ones. \
                     Retyping a parameter of a published interface breaks wire compatibility: add a new method or a new interface \
                     version instead",
                ),
            );
        }
    }
}

fn handle_finding(cx: &Checker, span: Span, what: &str, wire: WireType) -> Finding {
    let written = cx.text(span);
    let (message, label) = match wire.wire {
        Wire::Int3264 => (
            format!("{what} carries a handle in `{written}`, which is 32 bits on the wire"),
            "pointer-sized in memory, truncated to 32 bits when marshalled from 64-bit code",
        ),
        Wire::Narrow => (
            format!("{what} carries a handle in `{written}`, a 32-bit integer"),
            "truncates a 64-bit handle before it is even marshalled",
        ),
    };
    let judged = if wire.handle_type { "" } else { " (judged from the name)" };
    Finding::new(span, message)
        .label(format!("{label}{judged}"))
        .help(HELP)
}

/// How a declared type travels, if it is an integer that loses a 64-bit handle; `None` for
/// pointers, full-width types (`HANDLE_PTR`, `hyper`) and types with their own marshalling.
fn wire_type(semantic: &Semantic, ty: &TypeRef, target: &Target) -> Option<WireType> {
    let knowledge = semantic.knowledge();
    // An `[out]` pointer carries its pointee.
    let ty = match ty {
        TypeRef::Pointer(inner) => inner,
        other => other,
    };
    let mut names = Vec::new();
    let mut current = ty;
    for _ in 0..32 {
        let TypeRef::Named(name) = current else {
            break;
        };
        if knowledge.full_width_on_wire.contains(name.as_str()) {
            return None;
        }
        names.push(name.as_str());
        let Some(alias) = semantic.alias_decl(name, target) else {
            break;
        };
        if knowledge.names.midl.mapped.iter().any(|m| has_attribute(&alias.attributes, m)) {
            return None;
        }
        current = &alias.ty;
    }
    let resolved = semantic.resolve(ty, target);
    let wire = match &resolved {
        Ty::Int(int) if int.bits == IntBits::Pointer => Wire::Int3264,
        Ty::Int(int) if int.width(target.pointer_width) <= 32 => Wire::Narrow,
        Ty::Handle(handle) if handle.repr != HandleRepr::Pointer => Wire::Int3264,
        _ => return None,
    };
    let handle_type = matches!(resolved, Ty::Handle(_))
        || names.iter().any(|name| {
            knowledge.handle_names.is_handle_type(name)
                && !knowledge.integers.contains_key(*name)
                && !knowledge.narrow_handles.contains_key(*name)
        });
    Some(WireType { wire, handle_type })
}
