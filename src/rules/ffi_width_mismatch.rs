//! `ffi-width-mismatch`: a binding whose integer or pointer widths disagree with Windows.
//!
//! Two shapes: an `extern` declaration of a known Win32 function with a parameter or return
//! type of the wrong width, and a type alias that gives a Windows or C type name (`size_t`,
//! `ULONG_PTR`, `LONG`, `c_long`) a width it does not have on Windows, typically bindgen
//! output generated on an LP64 system.

use super::{Checker, Rule};
use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::knowledge::ApiType;
use crate::model::ir::{FnDecl, FnKind, TypeRef};
use crate::model::ty::Ty;
use crate::source::Span;
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
}

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    let targets = semantic.model.targets;
    for decl in &semantic.file.functions {
        if decl.kind == FnKind::Foreign {
            for mismatch in function_mismatches(cx, decl, targets) {
                report(cx, mismatch);
            }
        }
    }
    for alias in &semantic.file.aliases {
        let Some(windows) = semantic.knowledge().type_named(&alias.name) else {
            continue;
        };
        let mut mismatch = Mismatch {
            span: alias.ty_span,
            what: format!("`{}`", alias.name),
            expected: describe(&windows),
            widths: Vec::new(),
            replacement: rust_type_for(&windows),
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

fn function_mismatches(cx: &Checker, decl: &FnDecl, targets: &[Target]) -> Vec<Mismatch> {
    let semantic = cx.semantic;
    let knowledge = semantic.knowledge();
    // Position 0 is the return type, then the parameters.
    let mut found: Vec<Option<Mismatch>> = (0..=decl.params.len()).map(|_| None).collect();
    for target in targets.iter().filter(|t| decl.cond.is_live(t)) {
        let width = target.pointer_width;
        let rows: Vec<_> = knowledge
            .api_declarations(&decl.name, width)
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
            let declared_width = semantic.resolve(ty, target).width(width);
            let expected: Vec<&ApiType> = rows
                .iter()
                .map(|row| if position == 0 { &row.ret } else { &row.params[position - 1].1 })
                .collect();
            let expected_widths: Vec<Option<u32>> = expected
                .iter()
                .map(|ty| semantic.api_type(ty).width(width))
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
                what: if position == 0 {
                    format!("the return type of `{}`", decl.name)
                } else {
                    format!("parameter `{}` of `{}`", decl.params[position - 1].name, decl.name)
                },
                expected: api_spelling(expected[0], &real),
                widths: Vec::new(),
                replacement: rust_type_for(&real),
            });
            entry.widths.push((target.triple.clone(), declared_width, expected_width));
        }
    }
    found.into_iter().flatten().collect()
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
    let details: Vec<String> = mismatch
        .widths
        .iter()
        .map(|(triple, declared, expected)| format!("{declared} bits here, {expected} on {triple}"))
        .collect();
    let written = cx.text(mismatch.span).to_string();
    let mut finding = Finding::new(
        mismatch.span,
        format!("{} is declared as `{written}`, but Windows has {}", mismatch.what, mismatch.expected),
    )
    .label(details.join("; "))
    .help(
        "Windows is LLP64: `long`/`c_long`/`LONG`/`DWORD` are 32 bits and pointers, handles, `size_t` and the `*_PTR` types are pointer-sized; \
         a binding generated on Linux (LP64) gets `long` and `size_t` wrong. Use `core::ffi::c_long` for `long`, `usize`/`isize` for pointer-sized integers, and pointer or handle types for pointers",
    );
    if let Some(replacement) = mismatch.replacement {
        finding = finding.fix(Fix {
            message: format!("declare it as `{replacement}`"),
            applicability: Applicability::MaybeIncorrect,
            edits: vec![Edit {
                file: cx.file,
                span: mismatch.span,
                replacement,
            }],
        });
    }
    cx.report(finding);
}
