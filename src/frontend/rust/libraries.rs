//! Libraries the code loads and links: `LoadLibrary*` and libloading calls, `#[link]`
//! attributes, and the `cargo:rustc-link-*` lines a build script prints. Their names are
//! followed through literals, the `windows` crates' string macros, `encode_utf16`, `concat!`,
//! `format!`, `Path::join`, `CARGO_MANIFEST_DIR`, constants and `let` bindings.
//!
//! Build scripts choose libraries by the target they build for at run time
//! (`env::var("CARGO_CFG_TARGET_ARCH")`), so comparisons of those variables become conditions
//! like `#[cfg]`s.

use std::cell::Cell;
use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::{
    Attribute, BinOp, Expr, ExprCall, ExprMatch, Lit, LitStr, Macro, Meta, Pat, Token, UnOp,
};

use super::cfg::parse_cond;
use super::lower::{Lowerer, last_segment, span_of};
use super::registry;
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;
use crate::model::cfg::Cond;
use crate::model::ir::{
    BodyId, LinkKind, LinkSite, LoadFlag, LoadSite, LocalId, PathLiteral, TextConst,
};
use crate::source::Span;

/// What is known about `let` bindings that hold text, load flags or an environment variable.
#[derive(Default)]
pub(super) struct KnownLocals {
    flags: HashMap<(BodyId, LocalId), Vec<LoadFlag>>,
    env: HashMap<(BodyId, LocalId), String>,
    /// How deep the evaluation below is into the expression it started from.
    depth: Cell<usize>,
}

/// Text, flags and conditions are followed this deep into an expression (`a | b | c ...`
/// chains nest as deep as they are long); deeper parts are unknown.
const MAX_DEPTH: usize = 64;

/// A string literal, also under `Ok(..)`/`Some(..)`.
fn str_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Call(call) if call.args.len() == 1 => match &*call.func {
            Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some") => {
                str_literal(&call.args[0])
            }
            _ => None,
        },
        Expr::Paren(p) => str_literal(&p.expr),
        Expr::Reference(r) => str_literal(&r.expr),
        _ => None,
    }
}

/// The literal a pattern matches (`"x86"`, `Ok("x86")`), for `match` arms.
fn pattern_literals(pat: &Pat) -> Option<Vec<String>> {
    match pat {
        Pat::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(vec![s.value()]),
            _ => None,
        },
        Pat::Or(or) => {
            let mut all = Vec::new();
            for case in &or.cases {
                all.extend(pattern_literals(case)?);
            }
            Some(all)
        }
        Pat::TupleStruct(t) if t.elems.len() == 1 => pattern_literals(&t.elems[0]),
        Pat::Paren(p) => pattern_literals(&p.pat),
        _ => None,
    }
}

/// What `env::var(name) == value` says about the target: Cargo sets `CARGO_CFG_<KEY>` to
/// each cfg value of the target, and `TARGET` to its triple.
fn env_cond(name: &str, value: &str) -> Option<Cond> {
    if let Some(key) = name.strip_prefix("CARGO_CFG_") {
        return Some(Cond::pred(&key.to_ascii_lowercase(), Some(value)));
    }
    (name == "TARGET").then(|| triple_fragment_cond(value, true))?
}

/// What a piece of a target triple says: `target.contains("x86_64")`, `starts_with("i686")`.
fn triple_fragment_cond(fragment: &str, whole: bool) -> Option<Cond> {
    let arch = |a: &str| Cond::pred("target_arch", Some(a));
    let env = |e: &str| Cond::pred("target_env", Some(e));
    let first = fragment.split('-').next().unwrap_or(fragment);
    let arch_cond = match first {
        "x86_64" | "amd64" => Some(arch("x86_64")),
        "i686" | "i586" | "i386" => Some(arch("x86")),
        "x86" if !whole => Some(Cond::any([arch("x86"), arch("x86_64")])),
        "aarch64" => Some(arch("aarch64")),
        "arm64ec" => Some(arch("arm64ec")),
        "thumbv7a" => Some(arch("arm")),
        "msvc" => Some(env("msvc")),
        "gnu" => Some(Cond::any([env("gnu"), env("gnullvm")])),
        _ => None,
    }?;
    let env_cond = match fragment.rsplit('-').next() {
        Some(e @ ("msvc" | "gnu" | "gnullvm")) if whole && fragment.contains('-') => Some(env(e)),
        _ => None,
    };
    Some(match env_cond {
        Some(env_cond) => arch_cond.and(env_cond),
        None => arch_cond,
    })
}

/// Splits a token stream at its top-level commas.
fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut chunks = vec![TokenStream::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => chunks.push(TokenStream::new()),
            _ => chunks.last_mut().expect("one chunk").extend([token]),
        }
    }
    chunks.retain(|c| !c.is_empty());
    chunks
}

impl Lowerer {
    fn local_key(&self, name: &str) -> Option<(BodyId, LocalId)> {
        Some((self.current_body(), self.lookup(name)?))
    }

    /// Runs `f` one level deeper, or returns `deeper()` past the depth limit.
    fn nested<T>(&self, deeper: impl FnOnce() -> T, f: impl FnOnce() -> T) -> T {
        let depth = self.known.depth.get();
        if depth >= MAX_DEPTH {
            return deeper();
        }
        self.known.depth.set(depth + 1);
        let result = f();
        self.known.depth.set(depth);
        result
    }

    /// The text an expression evaluates to, as far as it can be known without running it: a
    /// name that is not a local is a constant the model looks up for each target.
    pub(super) fn text_of(&self, expr: &Expr) -> MappedText {
        super::text::text_of(self, expr, &|path| registry::named_text(self, path))
            .unwrap_or_else(MappedText::unknown)
    }

    /// The flags of a load as written: `A | B`, `0x2`, `LOAD_LIBRARY_FLAGS(2)`, a binding.
    fn flags_of(&self, expr: &Expr) -> Vec<LoadFlag> {
        self.nested(|| vec![LoadFlag::Unknown], || self.flags_at(expr))
    }

    fn flags_at(&self, expr: &Expr) -> Vec<LoadFlag> {
        match expr {
            Expr::Binary(b) if matches!(b.op, BinOp::BitOr(_)) => {
                let mut flags = self.flags_of(&b.left);
                flags.extend(self.flags_of(&b.right));
                flags
            }
            Expr::Lit(lit) => match &lit.lit {
                Lit::Int(int) => int
                    .base10_parse::<u64>()
                    .map_or(vec![LoadFlag::Unknown], |bits| vec![LoadFlag::Bits(bits)]),
                _ => vec![LoadFlag::Unknown],
            },
            Expr::Path(p) => {
                let path = &p.path;
                if path.segments.len() == 1
                    && let Some(key) = self.local_key(&path.segments[0].ident.to_string())
                {
                    return self
                        .known
                        .flags
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| vec![LoadFlag::Unknown]);
                }
                vec![LoadFlag::Named(last_segment(path))]
            }
            Expr::Paren(p) => self.flags_of(&p.expr),
            Expr::Group(g) => self.flags_of(&g.expr),
            Expr::Cast(c) => self.flags_of(&c.expr),
            Expr::Field(f) => self.flags_of(&f.base),
            Expr::Call(call) if call.args.len() == 1 => self.flags_of(&call.args[0]),
            _ => vec![LoadFlag::Unknown],
        }
    }

    /// The environment variable an expression reads: `env::var("X")`, through `unwrap`,
    /// `as_str` and bindings.
    pub(super) fn env_var_of(&self, expr: &Expr) -> Option<String> {
        self.nested(|| None, || self.env_var_at(expr))
    }

    fn env_var_at(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Call(call) if call.args.len() == 1 => {
                let Expr::Path(func) = &*call.func else {
                    return None;
                };
                let segments = &func.path.segments;
                let callee = segments.last()?.ident.to_string();
                let qualified = segments.len() >= 2 && segments[segments.len() - 2].ident == "env";
                if qualified && (callee == "var" || callee == "var_os") {
                    return str_literal(&call.args[0]);
                }
                None
            }
            Expr::MethodCall(m)
                if names()
                    .rust
                    .env_value_methods
                    .contains(&m.method.to_string()) =>
            {
                self.env_var_of(&m.receiver)
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let key = self.local_key(&p.path.segments[0].ident.to_string())?;
                self.known.env.get(&key).cloned()
            }
            Expr::Paren(p) => self.env_var_of(&p.expr),
            Expr::Group(g) => self.env_var_of(&g.expr),
            Expr::Reference(r) => self.env_var_of(&r.expr),
            Expr::Try(t) => self.env_var_of(&t.expr),
            _ => None,
        }
    }

    /// Records what a new `let` binding holds, for later loads and conditions that use it.
    pub(super) fn remember_local(&mut self, pat: &Pat, init: &Expr) {
        let name = match pat {
            Pat::Ident(p) => p.ident.to_string(),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => p.ident.to_string(),
                _ => return,
            },
            _ => return,
        };
        let Some(key) = self.local_key(&name) else {
            return;
        };
        let flags = self.flags_of(init);
        if flags != [LoadFlag::Unknown] {
            self.known.flags.insert(key, flags);
        }
        if let Some(var) = self.env_var_of(init) {
            self.known.env.insert(key, var);
        }
    }

    /// A `const` or `static` holding text.
    pub(super) fn remember_text_const(&mut self, name: String, init: &Expr) {
        let value = self.text_of(init);
        if value.has_known_part() {
            let cond = self.current_cond();
            self.ir.text_consts.push(TextConst { name, value, cond });
        }
    }

    /// A string literal in a function body that looks like a path.
    pub(super) fn remember_path_literal(&mut self, text: &str, span: Span) {
        if self.current_body() != 0 && (text.contains('\\') || text.contains('/')) {
            let cond = self.current_cond();
            self.ir.path_literals.push(PathLiteral {
                body: self.current_body(),
                text: text.to_string(),
                span,
                cond,
            });
        }
    }

    /// A call that loads a library at run time.
    pub(super) fn library_call(
        &mut self,
        qualifier: Option<&str>,
        callee: &str,
        call: &ExprCall,
        span: Span,
    ) {
        let (api, flags_index) = match (qualifier, callee) {
            (_, "LoadLibraryA" | "LoadLibraryW" | "LoadPackagedLibrary") => {
                (callee.to_string(), None)
            }
            (_, "LoadLibraryExA" | "LoadLibraryExW") => (callee.to_string(), Some(2)),
            (Some("Library"), "new") => ("Library::new".to_string(), None),
            (Some("Library"), "load_with_flags") => {
                ("Library::load_with_flags".to_string(), Some(1))
            }
            _ => return,
        };
        let Some(name_arg) = call.args.first() else {
            return;
        };
        let flags = flags_index
            .and_then(|i| call.args.iter().nth(i))
            .map_or_else(Vec::new, |e| self.flags_of(e));
        let site = LoadSite {
            body: self.current_body(),
            api,
            name: self.text_of(name_arg),
            name_span: span_of(name_arg),
            flags,
            span,
            cond: self.current_cond(),
        };
        self.ir.loads.push(site);
    }

    /// `#[link(name = "...", kind = "...")]` on an `extern` block, also inside `cfg_attr`.
    /// Gives the library an unconditional `#[link]` names, which the block's functions are
    /// imported from.
    pub(super) fn link_attributes(&mut self, attrs: &[Attribute]) -> Option<String> {
        let mut library = None;
        for attr in attrs {
            let Meta::List(list) = &attr.meta else {
                continue;
            };
            if list.path.is_ident("link") {
                let name = self.link_attribute(list, Cond::TRUE);
                library = library.or(name);
            } else if list.path.is_ident("cfg_attr") {
                let mut chunks = split_commas(list.tokens.clone()).into_iter();
                let Some(predicate) = chunks.next() else {
                    continue;
                };
                let cond = parse_cond(predicate);
                for chunk in chunks {
                    if let Ok(Meta::List(inner)) = syn::parse2::<Meta>(chunk)
                        && inner.path.is_ident("link")
                    {
                        self.link_attribute(&inner, cond);
                    }
                }
            }
        }
        library.map(|name| crate::knowledge::library_key(&name))
    }

    /// Records the link and gives the library's name as written.
    fn link_attribute(&mut self, list: &syn::MetaList, cond: Cond) -> Option<String> {
        let mut name: Option<LitStr> = None;
        let mut kind = LinkKind::Import;
        let mut framework = false;
        let parsed = list.parse_nested_meta(|meta: ParseNestedMeta| {
            if meta.path.is_ident("name") {
                name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("kind") {
                let value: LitStr = meta.value()?.parse()?;
                match value.value().as_str() {
                    "raw-dylib" => kind = LinkKind::RawDylib,
                    "static" => kind = LinkKind::Static,
                    "framework" => framework = true,
                    _ => {}
                }
            } else if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.input.parse::<TokenTree>()?;
            }
            Ok(())
        });
        if parsed.is_err() || framework {
            return None;
        }
        let name = name?;
        let cond = self.current_cond().and(cond);
        self.ir.links.push(LinkSite {
            kind,
            name: MappedText::plain(&name.value()),
            span: span_of(&name),
            cond,
        });
        Some(name.value())
    }

    /// `println!("cargo:rustc-link-lib=...")` and `cargo::rustc-link-search=...` lines.
    pub(super) fn build_script_output(&mut self, mac: &Macro) {
        let name = |path: &syn::Path| registry::named_text(self, path);
        let Some((text, span)) = super::text::format_text(self, mac.tokens.clone(), &name) else {
            return;
        };
        let first: String = text.chars().map_while(|c| c.map(|(ch, _)| ch)).collect();
        let Some(directive) = first
            .strip_prefix("cargo::")
            .or_else(|| first.strip_prefix("cargo:"))
        else {
            return;
        };
        let Some((key, value)) = directive.split_once('=') else {
            return;
        };
        let (kind, value) = match key {
            "rustc-link-search" => {
                let value = match value.split_once('=') {
                    Some(("native" | "dependency" | "crate" | "all" | "framework", dir)) => dir,
                    _ => value,
                };
                (LinkKind::SearchDir, value)
            }
            "rustc-link-lib" => {
                let (kind, name) = match value.split_once('=') {
                    Some((kind, name)) => (kind.split(':').next().unwrap_or(kind), name),
                    None => ("dylib", value),
                };
                let kind = match kind {
                    "static" => LinkKind::Static,
                    "dylib" => LinkKind::Import,
                    _ => return,
                };
                (kind, name)
            }
            _ => return,
        };
        let rest = text.after(first.chars().count());
        let value = match value.split_once(':') {
            Some((name, _rename))
                if rest.is_empty() && matches!(kind, LinkKind::Import | LinkKind::Static) =>
            {
                name
            }
            _ => value,
        };
        let mut name = MappedText::plain(value);
        name.append(rest);
        let cond = self.current_cond();
        self.ir.links.push(LinkSite {
            kind,
            name,
            span,
            cond,
        });
    }

    /// The condition an `if` puts on its branch when it compares a target variable of a build
    /// script: `env::var("CARGO_CFG_TARGET_ARCH").unwrap() == "x86"`.
    pub(super) fn runtime_target_cond(&self, expr: &Expr) -> Option<Cond> {
        self.nested(|| None, || self.runtime_target_cond_at(expr))
    }

    fn runtime_target_cond_at(&self, expr: &Expr) -> Option<Cond> {
        match expr {
            Expr::Binary(b) => match b.op {
                BinOp::Eq(_) | BinOp::Ne(_) => {
                    let (var, value) = match (str_literal(&b.left), str_literal(&b.right)) {
                        (None, Some(value)) => (self.env_var_of(&b.left)?, value),
                        (Some(value), None) => (self.env_var_of(&b.right)?, value),
                        _ => return None,
                    };
                    let cond = env_cond(&var, &value)?;
                    Some(match b.op {
                        BinOp::Ne(_) => cond.negate(),
                        _ => cond,
                    })
                }
                // The branch runs only when both hold, so a target condition on either side
                // is enough to rule it out.
                BinOp::And(_) => {
                    match (
                        self.runtime_target_cond(&b.left),
                        self.runtime_target_cond(&b.right),
                    ) {
                        (Some(l), Some(r)) => Some(l.and(r)),
                        (one, other) => one.or(other),
                    }
                }
                BinOp::Or(_) => Some(Cond::any([
                    self.runtime_target_cond(&b.left)?,
                    self.runtime_target_cond(&b.right)?,
                ])),
                _ => None,
            },
            Expr::Unary(u) if matches!(u.op, UnOp::Not(_)) => {
                self.runtime_target_cond(&u.expr).map(Cond::negate)
            }
            Expr::Paren(p) => self.runtime_target_cond(&p.expr),
            Expr::MethodCall(m) if m.args.len() == 1 => {
                let method = m.method.to_string();
                if !matches!(method.as_str(), "contains" | "starts_with") {
                    return None;
                }
                if self.env_var_of(&m.receiver)? != "TARGET" {
                    return None;
                }
                triple_fragment_cond(&str_literal(&m.args[0])?, false)
            }
            _ => None,
        }
    }

    /// The condition of each arm of a `match` on a target variable of a build script; `None`
    /// when the scrutinee is not one.
    pub(super) fn match_arm_conds(&self, m: &ExprMatch) -> Option<Vec<Cond>> {
        let var = self.env_var_of(&m.expr)?;
        // Whether an arm before a `_` matched, while their conditions are known.
        let mut previous = Some(Cond::FALSE);
        let mut conds = Vec::new();
        for arm in &m.arms {
            let (pat, guarded) = match &arm.pat {
                Pat::Guard(g) => (&*g.pat, true),
                pat => (pat, false),
            };
            let known = pattern_literals(pat).and_then(|values| {
                let alternatives: Option<Vec<Cond>> =
                    values.iter().map(|v| env_cond(&var, v)).collect();
                alternatives.map(Cond::any)
            });
            let cond = match (pat, known) {
                (_, Some(cond)) => {
                    if !guarded && let Some(previous) = &mut previous {
                        *previous = previous.or(cond);
                    }
                    cond
                }
                (Pat::Wild(_), None) => match &previous {
                    Some(previous) if !guarded => previous.negate(),
                    _ => Cond::TRUE,
                },
                _ => {
                    previous = None;
                    Cond::TRUE
                }
            };
            conds.push(cond);
        }
        Some(conds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;

    fn lower_file(text: &str) -> Result<crate::model::ir::FileIr, String> {
        super::super::lower(text).map(|(ir, _)| ir)
    }

    /// A 20,000-term `|` chain nests 20,000 deep; following it must stop, not overflow.
    #[test]
    fn long_flag_chains_are_cut_off() {
        let terms = vec!["LOAD_LIBRARY_AS_DATAFILE"; 20_000].join(" | ");
        let source = format!(
            "fn f() {{ let flags = {terms}; LoadLibraryExW(w!(\"a.dll\"), 0, flags); if flags == 1 && {terms} == 2 {{}} }}"
        );
        let handle = std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || lower_file(&source).map(|ir| ir.loads.len()))
            .unwrap();
        assert_eq!(handle.join().unwrap(), Ok(1));
    }

    fn lit(text: &str) -> MappedText {
        MappedText::plain(text)
    }

    fn concat(mut text: MappedText, then: MappedText) -> MappedText {
        text.append(then);
        text
    }

    #[test]
    fn load_names_follow_literals_macros_bindings_and_constants() {
        let ir = lower_file(
            r#"
            const PLUGIN: &str = "vendor/plugin.dll";
            fn f(dir: &Path) {
                LoadLibraryW(w!("a.dll"));
                LoadLibraryA(s!("b.dll"));
                LoadLibraryA(b"c.dll\0".as_ptr());
                let wide: Vec<u16> = "d.dll".encode_utf16().chain(std::iter::once(0)).collect();
                LoadLibraryW(PCWSTR(wide.as_ptr()));
                let name = "e.dll";
                let again = name;
                libloading::Library::new(again);
                Library::new(PLUGIN);
                Library::new(dir.join("x86").join("f.dll"));
                Library::new(format!("{}/g.dll", env!("CARGO_MANIFEST_DIR")));
                LoadLibraryW(dir);
            }
            "#,
        )
        .unwrap();
        let names: Vec<MappedText> = ir.loads.iter().map(|l| l.name.without_spans()).collect();
        let unknown_dir = |tail: &str| concat(MappedText::unknown(), lit(&format!("/x86/{tail}")));
        assert_eq!(
            names,
            [
                lit("a.dll"),
                lit("b.dll"),
                lit("c.dll\0"),
                lit("d.dll"),
                lit("e.dll"),
                MappedText::named("PLUGIN"),
                unknown_dir("f.dll"),
                concat(MappedText::package_root(), lit("/g.dll")),
                MappedText::unknown(),
            ]
        );
        assert_eq!(
            ir.text_consts[0].value.without_spans(),
            lit("vendor/plugin.dll")
        );
    }

    #[test]
    fn load_flags_are_collected() {
        let ir = lower_file(
            "fn f() {
                let flags = LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE;
                LoadLibraryExW(w!(\"a.dll\"), None, flags);
                LoadLibraryExW(w!(\"a.dll\"), 0, 0x40);
                Library::load_with_flags(\"a.dll\", LOAD_LIBRARY_FLAGS(2));
            }",
        )
        .unwrap();
        let flags: Vec<&Vec<LoadFlag>> = ir.loads.iter().map(|l| &l.flags).collect();
        assert_eq!(
            flags,
            [
                &vec![
                    LoadFlag::Named("LOAD_LIBRARY_AS_DATAFILE".into()),
                    LoadFlag::Named("LOAD_LIBRARY_AS_IMAGE_RESOURCE".into())
                ],
                &vec![LoadFlag::Bits(0x40)],
                &vec![LoadFlag::Bits(2)],
            ]
        );
    }

    #[test]
    fn link_attributes_and_build_script_lines() {
        let ir = lower_file(
            r#"
            #[link(name = "legacy", kind = "raw-dylib")]
            extern "system" { fn f(); }
            #[cfg_attr(windows, link(name = "vendor"))]
            extern "C" { fn g(); }
            fn main() {
                let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
                println!("cargo:rustc-link-search=native={}/lib/x86", dir);
                println!("cargo::rustc-link-search={dir}/lib");
                println!("cargo:rustc-link-lib=dylib=vendor:renamed");
                println!("cargo:rustc-link-lib=static:+whole-archive=core");
                println!("cargo:rerun-if-changed=build.rs");
            }
            "#,
        )
        .unwrap();
        let links: Vec<(LinkKind, MappedText)> = ir
            .links
            .iter()
            .map(|l| (l.kind, l.name.without_spans()))
            .collect();
        let root = |tail: &str| concat(MappedText::package_root(), lit(tail));
        assert_eq!(
            links,
            [
                (LinkKind::RawDylib, lit("legacy")),
                (LinkKind::Import, lit("vendor")),
                (LinkKind::SearchDir, root("/lib/x86")),
                (LinkKind::SearchDir, root("/lib")),
                (LinkKind::Import, lit("vendor")),
                (LinkKind::Static, lit("core")),
            ]
        );
    }

    #[test]
    fn build_script_target_checks_become_conditions() {
        let ir = lower_file(
            r#"
            fn main() {
                let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap();
                if arch == "x86" {
                    println!("cargo:rustc-link-search=lib/x86");
                } else {
                    println!("cargo:rustc-link-search=lib/x64");
                }
                match env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() {
                    Ok("32") => println!("cargo:rustc-link-lib=a32"),
                    _ => println!("cargo:rustc-link-lib=a64"),
                }
                if env::var("TARGET").unwrap().contains("x86_64") {
                    println!("cargo:rustc-link-lib=b64");
                }
            }
            "#,
        )
        .unwrap();
        let x86 = Target::parse("i686-pc-windows-msvc").unwrap();
        let x64 = Target::parse("x86_64-pc-windows-msvc").unwrap();
        let live = |target: &Target| -> Vec<String> {
            ir.links
                .iter()
                .filter(|l| l.cond.is_live(target))
                .map(|l| l.name.known().unwrap_or_default())
                .collect()
        };
        assert_eq!(live(&x86), ["lib/x86", "a32"]);
        assert_eq!(live(&x64), ["lib/x64", "a64", "b64"]);
    }
}
