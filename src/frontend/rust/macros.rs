//! Macro invocations. Bindings declare most of their items inside macros (`link!`, winapi's
//! `STRUCT!`/`DECLARE_HANDLE!`/`FN!`/`ENUM!`), and user code casts inside `println!` and
//! friends, so macro bodies are parsed as whatever they can be: items, expressions, statements.
//! Tokens keep their original spans, so findings inside macros point at the real text.

use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Macro, Signature, Token};

use super::lower::{Expect, Lowerer, last_segment, span_of};
use super::macro_rules::MAX_EXPANSION_DEPTH;
use crate::knowledge::{library_key, names};
use crate::model::ir::{FnKind, TypeAlias, TypeRef, Value};

/// A macro in item position.
pub(super) fn item_macro(lowerer: &mut Lowerer, mac: &Macro) {
    let name = last_segment(&mac.path);
    match name.as_str() {
        // windows_link::link!("kernel32.dll" "system" fn CreateFileW(...) -> HANDLE)
        "link" => {
            if let Ok((library, sig)) = link_signature.parse2(mac.tokens.clone()) {
                lowerer.with_library(library, |l| l.fn_decl(&sig, FnKind::Foreign, None));
            }
        }
        // winapi: DECLARE_HANDLE!{HWND, HWND__}
        "DECLARE_HANDLE" => {
            if let Ok((name, target)) = two_idents.parse2(mac.tokens.clone()) {
                alias(
                    lowerer,
                    mac,
                    &name,
                    TypeRef::Pointer(Box::new(TypeRef::Named(target.to_string()))),
                );
            }
        }
        // winapi: FN!{stdcall WNDPROC(...) -> LRESULT}
        "FN" => {
            if let Ok((_, name)) = two_idents.parse2(mac.tokens.clone()) {
                alias(lowerer, mac, &name, TypeRef::FnPtr);
            }
        }
        // winapi: ENUM!{enum NAME { ... }} declares NAME as a u32 alias
        "ENUM" => {
            if let Ok((_, name)) = two_idents.parse2(mac.tokens.clone()) {
                alias(lowerer, mac, &name, TypeRef::named("u32"));
            }
        }
        _ if lowerer.macro_rules.contains_key(&name) => expand_items(lowerer, mac, &name),
        // Items passed to another file's macro are read as written, so that fixes can edit
        // them (winapi's `STRUCT!{struct POINT { x: LONG, y: LONG, }}`); anything else it is
        // given is expanded.
        _ => {
            if could_be_items(&mac.tokens)
                && let Ok(file) = syn::parse2::<syn::File>(mac.tokens.clone())
            {
                let first_new = lowerer.ir.structs.len();
                lowerer.items(&file.items);
                // winapi's STRUCT!/UNION! add `#[repr(C)]` themselves.
                if matches!(name.as_str(), "STRUCT" | "UNION") {
                    for decl in &mut lowerer.ir.structs[first_new..] {
                        decl.c_layout = true;
                    }
                }
            } else if lowerer.has_macro(&name) {
                expand_items(lowerer, mac, &name);
            }
        }
    }
}

/// Whether these tokens may be items: not when they start with `@` (the internal rules of a
/// recursive macro) or a literal, which no item can.
fn could_be_items(tokens: &proc_macro2::TokenStream) -> bool {
    match tokens.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Punct(p)) => p.as_char() != '@',
        Some(proc_macro2::TokenTree::Literal(_)) => false,
        _ => true,
    }
}

fn expand_items(lowerer: &mut Lowerer, mac: &Macro, name: &str) {
    if let Some(expansion) = expand(lowerer, mac, name)
        && let Ok(file) = syn::parse2::<syn::File>(expansion)
    {
        in_expansion(lowerer, |l| l.items(&file.items));
    }
}

/// A macro in expression or statement position.
pub(super) fn expr_macro(lowerer: &mut Lowerer, mac: &Macro, expect: &Expect) -> Value {
    let name = last_segment(&mac.path);
    match name.as_str() {
        "cfg" => Value::Unknown,
        // The `windows` crate declares the raw function inside the wrapper that calls it.
        "link" => {
            item_macro(lowerer, mac);
            Value::Unknown
        }
        // String literal macros (`w!`, `s!`, `h!`...) produce pointers to static text.
        string if names().rust.string_macros.contains(string) => {
            if let Ok(literal) = syn::parse2::<LitStr>(mac.tokens.clone()) {
                lowerer.remember_path_literal(&literal.value(), span_of(&literal));
            }
            Value::Text
        }
        "addr_of" | "addr_of_mut" => match syn::parse2::<Expr>(mac.tokens.clone()) {
            Ok(expr) => Value::AddressOf(Box::new(lowerer.expr(&expr, &Expect::Nothing))),
            Err(_) => Value::Unknown,
        },
        _ if lowerer.has_macro(&name) => {
            let Some(expansion) = expand(lowerer, mac, &name) else {
                return Value::Unknown;
            };
            in_expansion(lowerer, |l| {
                if let Ok(expr) = syn::parse2::<Expr>(expansion.clone()) {
                    l.expr(&expr, expect)
                } else if let Ok(stmts) = syn::Block::parse_within.parse2(expansion.clone()) {
                    l.stmts(&stmts, expect)
                } else {
                    if let Ok(file) = syn::parse2::<syn::File>(expansion) {
                        l.items(&file.items);
                    }
                    Value::Unknown
                }
            })
        }
        _ => {
            if name == "println" || name == "print" {
                lowerer.build_script_output(mac);
            }
            let exprs = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone());
            match exprs {
                Ok(exprs) => {
                    let mut last = Value::Unknown;
                    for expr in &exprs {
                        last = lowerer.expr(expr, &Expect::Nothing);
                    }
                    // Only a single-expression macro passes its value through (`dbg!(x)`).
                    if exprs.len() == 1 {
                        last
                    } else {
                        Value::Unknown
                    }
                }
                Err(_) => {
                    if let Ok(stmts) = syn::Block::parse_within.parse2(mac.tokens.clone()) {
                        lowerer.stmts(&stmts, expect);
                    } else if let Ok(file) = syn::parse2::<syn::File>(mac.tokens.clone()) {
                        lowerer.items(&file.items);
                    }
                    Value::Unknown
                }
            }
        }
    }
}

/// The expansion of an invocation of one of the file's `macro_rules!` macros, recorded as an
/// expansion (no fix edits it); `None` past the depth bound or when no arm matches.
fn expand(lowerer: &mut Lowerer, mac: &Macro, name: &str) -> Option<proc_macro2::TokenStream> {
    if lowerer.expansion_depth >= MAX_EXPANSION_DEPTH {
        return None;
    }
    let rules = lowerer.macro_rules.get(name)?.clone();
    let at = mac.path.segments.last()?.ident.span();
    let expansion = rules.expand(&mac.tokens, at)?;
    lowerer
        .ir
        .expansions
        .push((span_of(mac), format!("{name}!")));
    Some(expansion)
}

fn in_expansion<R>(lowerer: &mut Lowerer, f: impl FnOnce(&mut Lowerer) -> R) -> R {
    lowerer.expansion_depth += 1;
    let result = f(lowerer);
    lowerer.expansion_depth -= 1;
    result
}

fn alias(lowerer: &mut Lowerer, mac: &Macro, name: &Ident, ty: TypeRef) {
    let cond = lowerer.current_cond();
    lowerer.ir.aliases.push(TypeAlias {
        name: name.to_string(),
        ty,
        span: span_of(mac),
        ty_span: span_of(name),
        cond,
        attributes: Vec::new(),
    });
}

/// The body of a `link!`: the DLL name and ABI (and, in some versions, more literals), then an
/// optionally attributed function signature; gives the library (the first literal) and the
/// signature.
fn link_signature(input: ParseStream) -> syn::Result<(Option<String>, Signature)> {
    let mut library = None;
    while input.peek(LitStr) {
        let literal = input.parse::<LitStr>()?;
        library.get_or_insert_with(|| library_key(&literal.value()));
    }
    input.call(syn::Attribute::parse_outer)?;
    input.parse::<syn::Visibility>()?;
    let sig: Signature = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok((library, sig))
}

/// The first two identifiers of a macro body, skipping an optional keyword in front
/// (`enum NAME`, `stdcall NAME`, `HWND, HWND__`).
fn two_idents(input: ParseStream) -> syn::Result<(Ident, Ident)> {
    let first: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    let second: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    input.parse::<proc_macro2::TokenStream>()?;
    Ok((first, second))
}
