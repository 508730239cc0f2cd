//! `ffi-width-mismatch`: a binding whose integer or pointer widths disagree with Windows.
//!
//! Three shapes: a Rust `extern` declaration whose parameters (their number, widths, structs
//! passed by value) or return width disagree with the real prototype, a Rust `#[repr(C)]`
//! struct whose field widths disagree with the C struct of the same name in the tree (else
//! with the Win32 struct of that name), and a type alias (in any language) that gives a
//! Windows or C type name (`size_t`, `ULONG_PTR`, `LONG`, `c_long`) a width it does not have on
//! Windows, typically bindgen output generated on an LP64 system. Calls are checked against the
//! bindings they call, the tree's or a `-sys` dependency's: an `i64` passed where the binding
//! takes `c_long` compiles on Linux and not for Windows.
//!
//! The real prototype comes from the first source in [`PROTOTYPE_SOURCES`] that knows the
//! function: the C and C++ headers of the linted tree (a `-sys` crate's `include/`), then the
//! table of every Win32 function.

use super::{Checker, Rule};
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::knowledge::{ApiFn, ApiType, library_key};
use crate::model::cfg::Cond;
use crate::model::ir::{CallSite, ConversionTarget, FnDecl, FnKind, Language, StructDecl, TypeRef};
use crate::model::ty::{IntBits, Ty};
use crate::model::{CDecl, Semantic};
use crate::source::{FileId, Span};
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "ffi-width-mismatch",
    check,
};

/// A declared type that disagrees with the real one on some targets.
struct Mismatch {
    span: Span,
    what: String,
    expected: String,
    /// (target triple, declared width, expected width)
    widths: Vec<(String, u32, u32)>,
    replacement: Option<String>,
    /// Where the real declaration is, and what it says there.
    declared_at: Option<(FileId, Span, String)>,
    /// What the label says instead of the widths, for a mismatch of shape (a struct passed by
    /// value against a pointer).
    shape: Option<String>,
}

/// A source of real prototypes: the mismatches of a bound function, or `None` when the source
/// does not know the function.
type PrototypeSource = fn(&Checker, &FnDecl, &[&Target]) -> Option<Vec<Mismatch>>;

/// Tried in order; the first that knows a function decides.
const PROTOTYPE_SOURCES: &[PrototypeSource] = &[header_prototype, win32_prototype];

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    let targets = &semantic.targets();
    if semantic.file.language == Language::Rust {
        for decl in &semantic.file.functions {
            if decl.kind != FnKind::Foreign {
                continue;
            }
            if let Some(finding) = arity_mismatch(cx, decl, targets) {
                cx.report(finding);
                continue;
            }
            let mismatches = PROTOTYPE_SOURCES
                .iter()
                .find_map(|source| source(cx, decl, targets))
                .unwrap_or_default();
            for mismatch in mismatches {
                report(cx, mismatch);
            }
        }
        for call in &semantic.file.calls {
            if let Some(finding) = lp64_argument(cx, call, targets) {
                cx.report(finding);
            }
        }
        for decl in semantic.file.structs.iter().filter(|s| s.c_layout) {
            let mismatches = struct_mismatches(cx, decl, targets)
                .or_else(|| win32_struct_mismatches(cx, decl, targets))
                .unwrap_or_default();
            for mismatch in mismatches {
                report(cx, mismatch);
            }
        }
    }
    let c_family = semantic.file.language.is_c_family();
    for alias in &semantic.file.aliases {
        let Some(windows) = semantic.knowledge().type_named(&alias.name) else {
            continue;
        };
        let mut mismatch = Mismatch {
            span: alias.ty_span,
            what: format!("`{}`", alias.name),
            expected: describe(&windows),
            widths: Vec::new(),
            replacement: if c_family { None } else { rust_type_for(&windows) },
            declared_at: None,
            shape: None,
        };
        for target in targets.iter().filter(|t| alias.cond.is_live(t)) {
            let declared = semantic.resolve(&alias.ty, target).width(target.pointer_width);
            let expected = windows.width(target.pointer_width);
            if let (Some(declared), Some(expected)) = (declared, expected)
                && declared != expected
            {
                mismatch.widths.push((target.triple.clone(), declared, expected));
            }
        }
        if !mismatch.widths.is_empty() {
            report(cx, mismatch);
        }
    }
}

/// The C or C++ prototype of the same name in the tree, with as many parameters.
fn header_prototype(cx: &Checker, decl: &FnDecl, targets: &[&Target]) -> Option<Vec<Mismatch>> {
    let model = cx.semantic.model;
    let (file, c_decl) = model.c_declarations(&decl.name).find_map(|(file, d)| match d {
        CDecl::Function(f) if f.params.len() == decl.params.len() => Some((file, f)),
        _ => None,
    })?;
    let c_view = model.semantic_of(file);
    let rust: Vec<(Option<&TypeRef>, Span)> = std::iter::once((decl.ret.as_ref(), decl.ret_span))
        .chain(decl.params.iter().map(|p| (Some(&p.ty), p.ty_span)))
        .collect();
    let c: Vec<(Option<&TypeRef>, Span)> = std::iter::once((c_decl.ret.as_ref(), c_decl.ret_span))
        .chain(c_decl.params.iter().map(|p| (Some(&p.ty), p.ty_span)))
        .collect();
    let mut found = Vec::new();
    for (position, ((rust_ty, span), (c_ty, c_span))) in rust.into_iter().zip(c).enumerate() {
        let what = if position == 0 {
            format!("the return type of `{}`", decl.name)
        } else {
            format!("parameter `{}` of `{}`", decl.params[position - 1].name, decl.name)
        };
        let c_ty = c_ty.unwrap_or(&TypeRef::Unit);
        // A missing Rust return type ignores the result, which is harmless at the ABI level.
        let Some(rust_ty) = rust_ty else {
            continue;
        };
        if let Some(mismatch) = compare(cx, &c_view, (rust_ty, span), (c_ty, c_span), file, what, &decl.cond, &c_decl.cond, targets) {
            found.push(mismatch);
        }
    }
    Some(found)
}

/// A Rust `#[repr(C)]` struct against the C struct of the same name (or typedef name).
/// `None` when the tree has no such C struct.
fn struct_mismatches(cx: &Checker, decl: &StructDecl, targets: &[&Target]) -> Option<Vec<Mismatch>> {
    let model = cx.semantic.model;
    let (file, c_struct) = c_struct_named(cx, &decl.name, targets)?;
    let c_view = model.semantic_of(file);
    let by_name = decl
        .fields
        .iter()
        .any(|(name, _)| c_struct.fields.iter().any(|(c_name, _)| c_name == name));
    if !by_name && decl.fields.len() != c_struct.fields.len() {
        return Some(Vec::new());
    }
    let mut found = Vec::new();
    for (index, ((name, ty), span)) in decl.fields.iter().zip(&decl.field_spans).enumerate() {
        let c_index = if by_name {
            c_struct.fields.iter().position(|(c_name, _)| c_name == name)
        } else {
            Some(index)
        };
        let Some(c_index) = c_index else {
            continue;
        };
        let c_ty = &c_struct.fields[c_index].1;
        let c_span = c_struct.field_spans.get(c_index).copied().unwrap_or(c_struct.name_span);
        let what = format!("field `{name}` of `{}`", decl.name);
        if let Some(mismatch) = compare(cx, &c_view, (ty, *span), (c_ty, c_span), file, what, &decl.cond, &c_struct.cond, targets) {
            found.push(mismatch);
        }
    }
    Some(found)
}

/// A Rust `#[repr(C)]` struct named like a Win32 struct (a hand-written `MSG` or `NMHDR`)
/// against the Win32 definition. Fields are matched by name, ignoring case and underscores
/// (`w_param` is `wParam`) when most names match, else by position when the counts agree:
/// a struct that shares only its name with Windows is left alone.
fn win32_struct_mismatches(cx: &Checker, decl: &StructDecl, targets: &[&Target]) -> Option<Vec<Mismatch>> {
    let semantic = cx.semantic;
    let knowledge = semantic.knowledge();
    let thirty_two_bit_layout = decl
        .name
        .split('_')
        .any(|word| word.ends_with("32") && word != "WIN32");
    // Fields by their index in `decl.fields`.
    let mut found: Vec<Option<Mismatch>> = decl.fields.iter().map(|_| None).collect();
    let mut names: Option<Vec<String>> = None;
    for target in targets.iter().filter(|t| decl.cond.is_live(t)) {
        let width = target.pointer_width;
        let real = knowledge.struct_fields(&decl.name, width)?;
        let names = names.get_or_insert_with(|| decl.fields.iter().map(|(name, _)| folded(name)).collect());
        let real_names: Vec<String> = real.iter().map(|(name, _)| folded(name)).collect();
        let by_name: Vec<Option<usize>> =
            names.iter().map(|name| real_names.iter().position(|real| real == name)).collect();
        let named = by_name.iter().flatten().count();
        let positional = named * 2 <= decl.fields.len();
        if positional && decl.fields.len() != real.len() {
            return Some(Vec::new());
        }
        for (index, ((name, ty), span)) in decl.fields.iter().zip(&decl.field_spans).enumerate() {
            let Some(real_index) = (if positional { Some(index) } else { by_name[index] }) else {
                continue;
            };
            let (real_name, real_ty) = &real[real_index];
            let expected = semantic.api_type(real_ty);
            let (Some(declared_width), Some(expected_width)) =
                (semantic.resolve(ty, target).width(width), expected.width(width))
            else {
                continue;
            };
            // The WOW64 layouts (`OBJECT_ATTRIBUTES32`, `…_DIRECT32`) hold `POINTER_32`
            // pointers, which windows-sys's table records as full pointers.
            if declared_width == expected_width || (thirty_two_bit_layout && expected.is_pointer_like()) {
                continue;
            }
            let entry = found[index].get_or_insert_with(|| Mismatch {
                span: *span,
                what: format!("field `{name}` of `{}`", decl.name),
                expected: if real_name == name {
                    api_spelling(real_ty, &expected)
                } else {
                    format!("{} for `{real_name}`", api_spelling(real_ty, &expected))
                },
                widths: Vec::new(),
                replacement: rust_type_for(&expected),
                declared_at: None,
                shape: None,
            });
            entry.widths.push((target.triple.clone(), declared_width, expected_width));
        }
    }
    Some(found.into_iter().flatten().collect())
}

/// A field or parameter name as names are compared across spellings: `w_param`, `wParam` and
/// `wparam` are one.
fn folded(name: &str) -> String {
    name.replace('_', "").to_ascii_lowercase()
}

/// The C struct a name stands for in the tree: a struct of that name, or a typedef of one.
fn c_struct_named<'a>(cx: &Checker<'a>, name: &str, targets: &[&Target]) -> Option<(FileId, &'a StructDecl)> {
    let model = cx.semantic.model;
    for (file, decl) in model.c_declarations(name) {
        match decl {
            CDecl::Struct(s) => return Some((file, s)),
            CDecl::Alias(_) => {
                let view = model.semantic_of(file);
                let target = targets.first()?;
                let found = view.struct_through_aliases(name, target)?;
                let file = model
                    .c_declarations(&found.name)
                    .find(|(_, d)| matches!(d, CDecl::Struct(s) if std::ptr::eq(*s, found)))
                    .map_or(file, |(f, _)| f);
                return Some((file, found));
            }
            CDecl::Function(_) => {}
        }
    }
    None
}

/// One Rust type against its C declaration on every reference target both are built for.
#[allow(clippy::too_many_arguments)]
fn compare(
    cx: &Checker,
    c_view: &Semantic,
    (rust_ty, span): (&TypeRef, Span),
    (c_ty, c_span): (&TypeRef, Span),
    c_file: FileId,
    what: String,
    rust_cond: &Cond,
    c_cond: &Cond,
    targets: &[&Target],
) -> Option<Mismatch> {
    let mut mismatch: Option<Mismatch> = None;
    for target in targets.iter().filter(|t| rust_cond.is_live(t) && c_cond.is_live(t)) {
        let width = target.pointer_width;
        let real = c_view.resolve(c_ty, target);
        let (Some(declared), Some(expected)) = (
            cx.semantic.resolve(rust_ty, target).width(width),
            real.width(width),
        ) else {
            continue;
        };
        if declared == expected {
            continue;
        }
        let spelled = c_spelling(c_ty);
        let entry = mismatch.get_or_insert_with(|| Mismatch {
            span,
            what: what.clone(),
            expected: format!("`{spelled}` ({})", describe(&real)),
            widths: Vec::new(),
            replacement: rust_binding_for(c_ty, &real),
            declared_at: Some((c_file, c_span, format!("declared `{spelled}` here"))),
            shape: None,
        });
        entry.widths.push((target.triple.clone(), declared, expected));
    }
    mismatch
}

/// A C type as a reader would write it, from its IR.
fn c_spelling(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Pointer(inner) => format!("{} *", c_spelling(inner)),
        TypeRef::Reference(inner) => format!("{} &", c_spelling(inner)),
        TypeRef::FnPtr => "a function pointer".to_string(),
        TypeRef::Unit => "void".to_string(),
        TypeRef::Infer | TypeRef::Other => "its type".to_string(),
    }
}

/// The Rust type that binds a C type on Windows.
fn rust_binding_for(c_ty: &TypeRef, real: &Ty) -> Option<String> {
    match c_ty {
        TypeRef::Named(name) if name == "long" => return Some("core::ffi::c_long".to_string()),
        TypeRef::Named(name) if name == "unsigned long" => {
            return Some("core::ffi::c_ulong".to_string());
        }
        TypeRef::Pointer(_) => return Some("*mut core::ffi::c_void".to_string()),
        _ => {}
    }
    match real {
        Ty::Handle(handle) => Some(handle.name.clone()),
        other => rust_type_for(other),
    }
}

/// A binding of a Win32 function with another number of parameters than Windows declares:
/// from the first missing or extra one on, every argument is read from the wrong register or
/// stack slot, and on x86 `stdcall` the callee pops the wrong number of bytes. The tree's own
/// C prototype, when it has one, decides instead.
fn arity_mismatch(cx: &Checker, decl: &FnDecl, targets: &[&Target]) -> Option<Finding> {
    let semantic = cx.semantic;
    let target = targets.iter().find(|t| decl.cond.is_live(t))?;
    let rows = win32_rows(semantic, decl, target.pointer_width);
    let real = rows.first()?;
    // Another library may export a function of the same name that windows-sys does not
    // know (DirectSound's `GetDeviceID(pGuidSrc, pGuidDest)` beside tbs.dll's four
    // parameters): a binding that shares no parameter name with Windows' is taken for such a
    // function, unless Windows' takes none.
    let shares_a_name = decl
        .params
        .iter()
        .any(|p| real.params.iter().any(|(name, _)| folded(name) == folded(&p.name)));
    if !(shares_a_name || real.params.is_empty())
        || rows.iter().any(|row| row.params.len() == decl.params.len())
        || semantic
            .model
            .c_declarations(&decl.name)
            .any(|(_, d)| matches!(d, CDecl::Function(_)))
    {
        return None;
    }
    let params: Vec<String> = real
        .params
        .iter()
        .map(|(name, ty)| format!("{name}: {}", ty.name.as_deref().unwrap_or(&ty.class)))
        .collect();
    let count = |n: usize| format!("{n} parameter{}", if n == 1 { "" } else { "s" });
    Some(
        Finding::new(
            decl.name_span,
            format!(
                "`{}` takes {} on Windows, but is declared with {}",
                decl.name,
                count(real.params.len()),
                count(decl.params.len())
            ),
        )
        .label(format!("Windows: `{}({})`", decl.name, params.join(", ")))
        .help(
            "from the first missing or extra parameter on, each argument is read from the wrong \
             register or stack slot (and on x86 the callee pops the wrong number of bytes): declare \
             the parameters Windows declares, or use the binding windows-sys has",
        ),
    )
}

/// The Win32 API table's prototype, for the functions it has.
fn win32_prototype(cx: &Checker, decl: &FnDecl, targets: &[&Target]) -> Option<Vec<Mismatch>> {
    targets
        .iter()
        .any(|t| !win32_rows(cx.semantic, decl, t.pointer_width).is_empty())
        .then(|| function_mismatches(cx, decl, targets))
}

/// The Win32 declarations a binding stands for on a target of this pointer width: those of
/// the library it imports the function from, when it names a DLL the table knows.
fn win32_rows<'k>(semantic: &Semantic<'k>, decl: &FnDecl, pointer_width: u32) -> Vec<&'k ApiFn> {
    let knowledge = semantic.knowledge();
    let library = decl.library.as_deref().filter(|lib| knowledge.is_dll(lib));
    knowledge
        .api_declarations(&decl.name, pointer_width)
        .filter(|row| library.is_none_or(|lib| library_key(&row.dll) == lib))
        .collect()
}

fn function_mismatches(cx: &Checker, decl: &FnDecl, targets: &[&Target]) -> Vec<Mismatch> {
    let semantic = cx.semantic;
    // Position 0 is the return type, then the parameters.
    let mut found: Vec<Option<Mismatch>> = (0..=decl.params.len()).map(|_| None).collect();
    for target in targets.iter().filter(|t| decl.cond.is_live(t)) {
        let width = target.pointer_width;
        let rows: Vec<_> = win32_rows(semantic, decl, width)
            .into_iter()
            .filter(|row| row.params.len() == decl.params.len())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let declared: Vec<(Option<&TypeRef>, Span)> = std::iter::once((decl.ret.as_ref(), decl.ret_span))
            .chain(decl.params.iter().map(|p| (Some(&p.ty), p.ty_span)))
            .collect();
        for (position, (ty, span)) in declared.into_iter().enumerate() {
            // A missing return type ignores the result, which is harmless at the ABI level.
            let Some(ty) = ty else {
                continue;
            };
            let declared_ty = passed_as(semantic, semantic.resolve(ty, target), target);
            let declared_width = declared_ty.width(width);
            let expected: Vec<&ApiType> = rows
                .iter()
                .map(|row| if position == 0 { &row.ret } else { &row.params[position - 1].1 })
                .collect();
            if let Some(shape) = shape_mismatch(semantic, &declared_ty, &expected, target) {
                found[position].get_or_insert_with(|| Mismatch {
                    span,
                    what: what_of(decl, position),
                    expected: api_spelling(expected[0], &semantic.api_type(expected[0])),
                    widths: Vec::new(),
                    replacement: None,
                    declared_at: None,
                    shape: Some(shape),
                });
                continue;
            }
            let expected_widths: Vec<Option<u32>> = expected
                .iter()
                .map(|ty| passed_as(semantic, semantic.api_type(ty), target).width(width))
                .collect();
            let Some(declared_width) = declared_width else {
                continue;
            };
            if expected_widths.iter().any(|w| w.is_none() || *w == Some(declared_width)) {
                continue;
            }
            let real = semantic.api_type(expected[0]);
            let expected_width = expected_widths[0].unwrap_or_default();
            let entry = found[position].get_or_insert_with(|| Mismatch {
                span,
                what: what_of(decl, position),
                expected: api_spelling(expected[0], &real),
                widths: Vec::new(),
                replacement: rust_type_for(&real),
                declared_at: None,
                shape: None,
            });
            entry.widths.push((target.triple.clone(), declared_width, expected_width));
        }
    }
    found.into_iter().flatten().collect()
}

/// "the return type of `F`" (position 0) or "parameter `p` of `F`".
fn what_of(decl: &FnDecl, position: usize) -> String {
    match position.checked_sub(1).and_then(|i| decl.params.get(i)) {
        None => format!("the return type of `{}`", decl.name),
        Some(param) => format!("parameter `{}` of `{}`", param.name, decl.name),
    }
}

/// What an argument of this type is at the ABI level: a struct of one field is passed as
/// that field (windows-sys's `PRINTER_HANDLE { Value: *mut c_void }`, a Rust newtype
/// `struct Hwnd(isize)`), so it is compared as one.
fn passed_as(semantic: &Semantic, ty: Ty, target: &Target) -> Ty {
    let Ty::Struct(name) = &ty else {
        return ty;
    };
    if let Some(decl) = semantic.struct_decl(name, target) {
        return match decl.fields.as_slice() {
            [(_, field)] => semantic.resolve(field, target),
            _ => ty,
        };
    }
    match semantic
        .knowledge()
        .struct_fields(name, target.pointer_width)
        .as_deref()
    {
        Some([(_, field)]) => semantic.api_type(field),
        _ => ty,
    }
}

/// A struct passed by value where the binding passes a pointer, or the reverse: the callee
/// reads the struct's bytes where it was given an address, or an address from the struct.
fn shape_mismatch(
    semantic: &Semantic,
    declared: &Ty,
    expected: &[&ApiType],
    target: &Target,
) -> Option<String> {
    let expected: Vec<Ty> = expected
        .iter()
        .map(|ty| passed_as(semantic, semantic.api_type(ty), target))
        .collect();
    let all = |f: fn(&Ty) -> bool| expected.iter().all(f);
    match declared {
        Ty::Pointer(_) | Ty::Handle(_) if all(|t| matches!(t, Ty::Struct(_))) => Some(
            "an address here, where Windows takes the struct's bytes themselves".to_string(),
        ),
        Ty::Struct(_) if all(|t| t.is_pointer_like()) => Some(
            "the struct's bytes here, where Windows takes the address of one".to_string(),
        ),
        _ => None,
    }
}

fn api_spelling(api: &ApiType, ty: &Ty) -> String {
    match &api.name {
        Some(name) => format!("`{name}` ({})", describe(ty)),
        None => describe(ty),
    }
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Int(int) => match (int.bits, int.signed) {
            (crate::model::ty::IntBits::Fixed(n), signed) => {
                format!("a {n}-bit {} integer", if signed { "signed" } else { "unsigned" })
            }
            (crate::model::ty::IntBits::Pointer, _) => "a pointer-sized integer".to_string(),
            (crate::model::ty::IntBits::HalfPointer, _) => "a half-pointer-sized integer".to_string(),
        },
        Ty::Pointer(_) => "a pointer".to_string(),
        Ty::Handle(handle) => format!("the pointer-sized handle `{}`", handle.name),
        Ty::Struct(_) => "a struct passed by value".to_string(),
        _ => "another type".to_string(),
    }
}

/// A Rust spelling of the right type that needs no import.
fn rust_type_for(ty: &Ty) -> Option<String> {
    match ty {
        Ty::Int(int) => Some(match int.bits {
            crate::model::ty::IntBits::Fixed(n) => format!("{}{n}", if int.signed { "i" } else { "u" }),
            crate::model::ty::IntBits::Pointer => int.pointer_sized_name().to_string(),
            crate::model::ty::IntBits::HalfPointer => return None,
        }),
        Ty::Pointer(crate::model::ty::PtrKind::Data) | Ty::Handle(_) => {
            Some("*mut core::ffi::c_void".to_string())
        }
        _ => None,
    }
}

fn report(cx: &mut Checker, mismatch: Mismatch) {
    let details: Vec<String> = match &mismatch.shape {
        Some(shape) => vec![shape.clone()],
        None => mismatch
            .widths
            .iter()
            .map(|(triple, declared, expected)| format!("{declared} bits here, {expected} on {triple}"))
            .collect(),
    };
    let written = cx.text(mismatch.span).to_string();
    let source = if mismatch.declared_at.is_some() {
        "the C declaration has"
    } else {
        "Windows has"
    };
    let mut finding = Finding::new(
        mismatch.span,
        format!("{} is declared as `{written}`, but {source} {}", mismatch.what, mismatch.expected),
    )
    .label(details.join("; "));
    finding = if mismatch.shape.is_some() {
        finding.help(
            "Windows passes a struct of this type by value (its bytes, in registers or on the \
             stack) and a pointer as an address: declare the parameter as Windows does, the struct \
             itself or a pointer to it",
        )
    } else {
        finding.help(
        "Windows is LLP64: `long`/`c_long`/`LONG`/`DWORD` are 32 bits and pointers, handles, `size_t` and the `*_PTR` types are pointer-sized; \
         a binding generated on Linux (LP64) gets `long` and `size_t` wrong. Use `core::ffi::c_long` for `long`, `usize`/`isize` for pointer-sized integers, and pointer or handle types for pointers",
        )
    };
    if let Some((file, span, message)) = mismatch.declared_at {
        finding = finding.secondary(file, span, message);
    }
    if let Some(replacement) = mismatch.replacement {
        let message = format!("declare it as `{replacement}`");
        let edit = cx.edit(mismatch.span, replacement);
        finding = finding.fix(Fix::single(message, Applicability::MaybeIncorrect, edit));
    }
    cx.report(finding);
}

/// An argument typed `i64`/`u64` for a binding's `c_long`/`c_ulong` parameter: the same type on
/// LP64 systems, where the call compiles, and not on Windows, where `c_long` is 32 bits.
fn lp64_argument(cx: &Checker, call: &CallSite, targets: &[&Target]) -> Option<Finding> {
    let semantic = cx.semantic;
    let body = semantic.file.bodies.get(call.body)?;
    for target in targets.iter().filter(|t| call.cond.is_live(t)) {
        let (decl_file, decl) = semantic.function_in(&call.callee, target)?;
        if decl.kind != FnKind::Foreign || decl.params.len() != call.args.len() {
            return None;
        }
        for (param, arg) in decl.params.iter().zip(&call.args) {
            if arg.value.is_literal() {
                continue;
            }
            let Some(long) = semantic.c_long_of(&param.ty, target) else {
                continue;
            };
            let Ty::Int(int) = semantic.value_info(body, &arg.value, target).ty else {
                continue;
            };
            if int.bits != IntBits::Fixed(64) {
                continue;
            }
            let decl_file = decl_file.unwrap_or(cx.file);
            let declared_as = match &param.ty {
                TypeRef::Named(name) if name != long => format!("`{name}` is `{long}`"),
                _ => format!("`{long}`"),
            };
            let written = cx.text(arg.span).to_string();
            let mut finding = Finding::new(
                arg.span,
                format!(
                    "`{written}` is {}, but `{}` of `{}` is `{long}`, 32 bits on {}: this call compiles on Linux and macOS, not for Windows",
                    if int.signed { "`i64`" } else { "`u64`" },
                    param.name,
                    decl.name,
                    target.triple
                ),
            )
            .label("64 bits here")
            .secondary(
                decl_file,
                param.ty_span,
                format!("{declared_as}: 32 bits on Windows"),
            )
            .help(format!(
                "convert to `core::ffi::{long}`, the binding's type on every target, and make sure the value fits in 32 bits on Windows"
            ));
            if let Some(span) = cast_type_span(cx, call, arg.span) {
                let edit = cx.edit(span, format!("core::ffi::{long}"));
                finding = finding.fix(Fix::single(
                    format!("convert to `core::ffi::{long}`"),
                    Applicability::MaybeIncorrect,
                    edit,
                ));
            }
            return Some(finding);
        }
    }
    None
}

/// Where an argument that is a written cast (`v as i64`) names its type, in the file itself.
fn cast_type_span(cx: &Checker, call: &CallSite, arg: Span) -> Option<Span> {
    let conversion = cx.semantic.file.conversions.iter().find(|c| {
        c.body == call.body && c.span == arg && matches!(c.to, ConversionTarget::Written(_))
    })?;
    cx.written(conversion.to_span)
}
