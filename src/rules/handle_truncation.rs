//! `handle-truncation`: a pointer or pointer-sized handle narrowed to a 32-bit (or smaller) integer,
//! by a cast or (in C) implicitly; and, in C and C++, a field or parameter named like a handle
//! but declared with a 32-bit type.


use super::{Checker, Rule, target_list};
use crate::diagnostic::{Applicability, Edit, Finding, Fix, Level};
use crate::model::Origin;
use crate::model::cfg::Cond;
use crate::model::ir::{ConversionTarget, Language, Slot, TypeRef, Value};
use crate::model::ty::{HandleKind, IntTy, Ty};
use crate::source::{FileId, Span};
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "handle-truncation",
    check,
};

fn check(cx: &mut Checker) {
    conversions(cx);
    if matches!(cx.semantic.file.language, Language::C | Language::Cpp) {
        handle_named_declarations(cx);
    }
}

/// A C field or parameter that this file's stores or calls fill with handles or pointers:
/// reported at its declaration, where the fix goes (in this file or a header of the run),
/// with the stores as labels.
struct DeclarationStores {
    /// The declaring file, when it is another file of the run.
    file: Option<FileId>,
    type_span: Span,
    /// The declared type as written.
    written: String,
    what: String,
    stores: Vec<(Span, String)>,
    level: Level,
    /// The handle type stored, when every store stores the same one: the declaration's fix.
    handle: Option<Option<String>>,
    targets: String,
}

fn conversions(cx: &mut Checker) {
    let semantic = cx.semantic;
    let mut declarations: Vec<DeclarationStores> = Vec::new();
    for conversion in &semantic.file.conversions {
        if semantic.is_helper_body(conversion.body) {
            continue;
        }
        // `LOWORD(hkl as u32)`: only part of the value is wanted.
        if let Some(Slot::Arg { callee, .. }) = &conversion.destination
            && semantic.knowledge().mask_functions.contains(semantic.canonical(callee))
        {
            continue;
        }
        let body = &semantic.file.bodies[conversion.body];
        let cpp_implicit = conversion.implicit && semantic.file.language == Language::Cpp;
        let mut first: Option<(Origin, IntTy, u32, bool)> = None;
        let mut affected: Vec<&Target> = Vec::new();
        for target in cx.live_64bit_targets(&conversion.cond) {
            let Some(int) = semantic.conversion_target(&conversion.to, target).as_int() else {
                continue;
            };
            let width = int.width(target.pointer_width);
            if width >= target.pointer_width {
                continue;
            }
            let info = semantic.value_info(body, &conversion.value, target);
            // C++ converts no pointer to an integer implicitly: such a conversion means the
            // call or name was bound to the wrong declaration (a member, an overload).
            if cpp_implicit && info.ty.is_pointer_like() {
                continue;
            }
            let Some(origin) = info.origin else {
                continue;
            };
            // `(UInt32)(SizeT)p`: the pointer made a pointer-sized integer first, then narrowed,
            // as `PtrToUlong` does: the low bits are wanted (an offset modulo 2^32, a hash).
            // Rust needs no such step to narrow (`p as u32` compiles), so says nothing by it.
            let through_pointer_sized = !conversion.implicit
                && semantic.file.language.is_c_family()
                && matches!(&conversion.value, Value::Cast(_, inner)
                    if semantic.conversion_target(inner, target).as_int()
                        .is_some_and(|int| int.width(target.pointer_width) >= target.pointer_width));
            first.get_or_insert((origin, int, width, through_pointer_sized));
            affected.push(target);
        }
        let Some((origin, int, width, through_pointer_sized)) = first else {
            continue;
        };
        if semantic.file.language.is_c_family()
            && conversion.implicit
            && let ConversionTarget::Inferred(slot) = &conversion.to
            && let Some(target) = affected.first()
            && let Some(Declared { file, type_span, written, what, verb }) =
                declared_at(cx, slot, target)
        {
            let handle = affected.first().and_then(|target| {
                match semantic.value_info(body, &conversion.value, target).ty {
                    Ty::Handle(handle) => Some(handle.name),
                    _ => None,
                }
            });
            let entry = match declarations
                .iter_mut()
                .position(|d| d.file == file && d.type_span == type_span)
            {
                Some(i) => &mut declarations[i],
                None => {
                    declarations.push(DeclarationStores {
                        file,
                        type_span,
                        written,
                        what,
                        stores: Vec::new(),
                        level: Level::Warning,
                        handle: None,
                        targets: target_list(&affected),
                    });
                    declarations.last_mut().expect("just pushed")
                }
            };
            if origin.kind == HandleKind::Address {
                entry.level = Level::Error;
            }
            entry.handle = match &entry.handle {
                None => Some(handle),
                Some(known) if *known == handle => Some(handle),
                Some(_) => Some(None),
            };
            entry
                .stores
                .push((conversion.span, format!("a {} is {verb} here", origin.description)));
            continue;
        }
        let bits = format!("`{}{width}`", if int.signed { "i" } else { "u" });
        let to_span = cx.written(conversion.to_span);
        let written = match (cx.written_type(conversion), &conversion.to) {
            (Some(written), _) => format!("`{written}`"),
            (None, ConversionTarget::Inferred(Slot::Field { field, .. })) if conversion.implicit => {
                format!("field `{field}` ({bits})")
            }
            (None, ConversionTarget::Inferred(Slot::Arg { callee, index, .. })) if conversion.implicit => {
                format!("argument {} of `{callee}` ({bits})", index + 1)
            }
            (None, _) => format!("{bits} (inferred)"),
        };
        let wide = to_span
            .map(|span| semantic.knowledge().pointer_sized_spelling(semantic.file.language, cx.text(span), int));
        let wide_name = wide.clone().unwrap_or_else(|| int.pointer_sized_name().to_string());
        let level = match origin.kind {
            HandleKind::Address if !through_pointer_sized => Level::Error,
            _ => Level::Warning,
        };
        let help = match origin.kind {
            HandleKind::Address if through_pointer_sized => format!(
                "this {} was made a pointer-sized integer and then narrowed, which keeps its low 32 bits on purpose: \
                 right for an offset computed modulo 2^32 or a hash, wrong if the value is ever turned back into an address; \
                 then keep it in `{wide_name}`",
                origin.description,
            ),
            HandleKind::Address => format!(
                "this {} is an address that can lie above 4 GiB on 64-bit Windows: keep it in its own type or in `{wide_name}`",
                origin.description,
            ),
            HandleKind::Shared => format!(
                "Windows keeps only the low 32 bits of this {} significant between 32- and 64-bit processes, so narrowing may be deliberate; \
                 if so, do it in one helper named for the intent (like C's `HandleToULong`), otherwise keep the value in `{wide_name}`",
                origin.description,
            ),
        };
        let verb = if conversion.implicit {
            "implicitly converted"
        } else {
            "truncated"
        };
        let mut finding = Finding::new(
            conversion.span,
            format!("{} {verb} to {written}", origin.description),
        )
        .level(level)
        .label(format!(
            "{width} bits on {}, where pointers are 64",
            target_list(&affected)
        ))
        .help(help);
        if let (Some(span), Some(wide)) = (to_span, wide) {
            let message = format!("convert to `{wide}` instead");
            let edit = cx.edit(span, wide);
            finding = finding.fix(Fix::single(message, Applicability::MaybeIncorrect, edit));
        }
        cx.report(finding);
    }
    for field in declarations {
        let written = &field.written;
        let stored = match &field.handle {
            Some(Some(handle)) => format!("`{handle}` handles"),
            _ => "handles or pointers".to_string(),
        };
        let mut finding = Finding::new(
            field.type_span,
            format!("{} holds {stored} but is declared `{written}`, a 32-bit integer", field.what),
        )
        .level(field.level)
        .label(format!("32 bits on {}, where pointers are 64", field.targets))
        .help("declare it with the type stored in it, and what is stored keeps its bits");
        for (span, message) in &field.stores {
            finding = finding.secondary(cx.file, *span, message.clone());
        }
        let declaring = field.file.unwrap_or(cx.file);
        if let Some(Some(handle)) = field.handle {
            let message = format!("declare it `{handle}`");
            let edit = Edit {
                file: declaring,
                span: field.type_span,
                replacement: handle,
            };
            finding = finding.fix(Fix::single(message, Applicability::MaybeIncorrect, edit));
        }
        cx.report_in(declaring, finding);
    }
}

/// Where the field or parameter a conversion flows into is declared.
struct Declared {
    /// Another file of the run; `None`: this one.
    file: Option<FileId>,
    type_span: Span,
    written: String,
    what: String,
    verb: &'static str,
}

/// Where the field or parameter a conversion flows into is declared: a field in this file or
/// in a header of the run the file sees, a parameter in this file (a prototype and its
/// definition would both need the fix).
fn declared_at(cx: &Checker, slot: &Slot, target: &Target) -> Option<Declared> {
    let file = cx.semantic.file;
    match slot {
        Slot::Field { ty, field } => {
            let (elsewhere, decl) = match file.structs.iter().find(|s| &s.name == ty) {
                Some(decl) => (None, decl),
                None => cx.semantic.struct_decl_in(ty, target)?,
            };
            let index = decl.fields.iter().position(|(f, _)| f == field)?;
            let type_span = decl.field_spans.get(index).copied()?;
            let written = match (elsewhere, &decl.fields[index].1) {
                (None, _) => cx.text(type_span).to_string(),
                (Some(_), TypeRef::Named(name)) => name.clone(),
                (Some(_), _) => return None,
            };
            Some(Declared {
                file: elsewhere,
                type_span,
                written,
                what: format!("field `{field}` of `{ty}`"),
                verb: "stored",
            })
        }
        Slot::Arg {
            callee,
            index,
            arity,
        } => {
            let decl = file
                .functions
                .iter()
                .find(|f| &f.name == callee && f.params.len() == *arity)?;
            let param = decl.params.get(*index).filter(|p| !p.name.is_empty())?;
            Some(Declared {
                file: None,
                type_span: param.ty_span,
                written: cx.text(param.ty_span).to_string(),
                what: format!("parameter `{}` of `{callee}`", param.name),
                verb: "passed",
            })
        }
    }
}

/// `DWORD hWnd;`, `void Attach(ULONG hProcess)`: a handle by its name, 32 bits by its type.
fn handle_named_declarations(cx: &mut Checker) {
    let semantic = cx.semantic;
    let mut found: Vec<(Span, String, &TypeRef, &Cond, &'static str)> = Vec::new();
    for decl in &semantic.file.structs {
        for ((name, ty), span) in decl.fields.iter().zip(&decl.field_spans) {
            found.push((*span, name.clone(), ty, &decl.cond, "field"));
        }
    }
    let helpers = &semantic.knowledge().helpers;
    // `ULongToHandle(const unsigned long h)` takes the 32-bit form of a handle by design.
    for decl in semantic.file.functions.iter().filter(|f| !helpers.is_helper(&f.name)) {
        for param in &decl.params {
            found.push((param.ty_span, param.name.clone(), &param.ty, &decl.cond, "parameter"));
        }
    }
    let knowledge = semantic.knowledge();
    let names = &knowledge.handle_names;
    for (span, name, ty, cond, what) in found {
        if !knowledge.named_like_handle(&name, false) {
            continue;
        }
        // Only the plain integer types: a typedef of its own (`D3DTEXTUREHANDLE`, `HRESULT`,
        // `DPNHANDLE`) is a handle that is 32 bits by design, and a boolean never is one.
        let TypeRef::Named(written) = ty else {
            continue;
        };
        if !knowledge.integers.contains_key(written.as_str())
            || knowledge.names.booleans.contains(written.as_str())
        {
            continue;
        }
        // In an `int`, `hDest` is a height (`StretchBlt(..., int wDest, int hDest, ...)`).
        if knowledge.names.height_types.contains(written.as_str())
            && names.is_hungarian_handle(&name, false)
        {
            continue;
        }
        let targets = cx.live_64bit_targets(cond);
        let narrow: Vec<&Target> = targets
            .iter()
            .copied()
            .filter(|t| {
                semantic
                    .resolve(ty, t)
                    .as_int()
                    .is_some_and(|int| int.width(t.pointer_width) == 32)
            })
            .collect();
        if narrow.is_empty() {
            continue;
        }
        let written = cx.written(Some(span)).map_or_else(|| written.clone(), |s| cx.text(s).to_string());
        cx.report(
            Finding::new(
                span,
                format!("{what} `{name}` is named like a handle but declared `{written}`, a 32-bit integer"),
            )
            .level(Level::Warning)
            .label(format!(
                "judged from the name; 32 bits on {}, where handles are 64",
                target_list(&narrow)
            ))
            .help(
                "if it holds a handle or pointer, declare it with the handle type (`HANDLE`, `HWND`, ...) or a pointer-sized \
                 integer (`ULONG_PTR`, `HANDLE_PTR` across processes); if it holds a 32-bit value, a name without the `h`/`Handle` \
                 marker avoids the confusion",
            ),
        );
    }
}
