//! Lowers a syn syntax tree to IR: declarations, bodies reduced to value flow, conversions
//! and calls, each under the cfg condition that guards it.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    BinOp, Block, Expr, FnArg, ForeignItem, ImplItem, Item, Lit, Member, Pat, ReceiverKind,
    ReturnType, Signature, Stmt, Token, TraitItem, Type, UnOp, UseTree,
};

use super::CrateMacros;
use super::cfg::{attrs_cond, module_paths, parse_cond};
use super::libraries::KnownLocals;
use super::macro_rules::{self, MacroRules};
use super::macros;
use super::plain_items::PlainItem;
use super::registry;
use crate::frontend::scopes::Scopes;
use crate::model::cfg::Cond;
use crate::model::ir::{
    Arg, Body, BodyId, CallSite, ConstDecl, Conversion, ConversionTarget, FileIr, FnDecl, FnKind,
    Import, LocalId, ModuleDecl, Param, Slot, StructDecl, TypeAlias, TypeRef, Value,
};
use crate::source::Span;

/// Expressions nested deeper than this are summarised as unknown (and the file listed): it
/// bounds the recursion of lowering (and of the model's later walks) whatever the input.
pub const MAX_EXPR_DEPTH: usize = 128;

/// Lowers a file whose plain items ([`PlainItem`]) were taken out before syn parsed it. They are
/// lowered in their place among the others: the model takes the first live declaration of a
/// name, so the order of declarations is part of what a file means.
/// Also says whether some expressions were nested too deep to lower.
pub fn lower_file(
    file: &syn::File,
    plain_items: Vec<PlainItem>,
    crate_macros: Arc<CrateMacros>,
) -> (FileIr, bool) {
    let mut lowerer = Lowerer::new();
    lowerer.crate_macros = crate_macros;
    macro_rules::collect(&file.items, &mut lowerer.macro_rules);
    lowerer.with_cond(attrs_cond(&file.attrs), |l| {
        registry::collect_consts(l, &file.items);
        let mut plain_items = plain_items.into_iter().peekable();
        for item in &file.items {
            if let Some(inside) = offset_inside(item) {
                while let Some(plain) = plain_items.next_if(|plain| plain.start() < inside) {
                    l.plain_item(plain);
                }
            }
            l.item(item);
        }
        for plain in plain_items {
            l.plain_item(plain);
        }
    });
    (lowerer.ir, lowerer.deep_expressions)
}

/// Lowers a file that is one expression, as `include!` reads them where an expression goes
/// (a generated `match` table, say). Also says whether some of it was nested too deep.
pub fn lower_expression_file(expr: &Expr) -> (FileIr, bool) {
    let mut lowerer = Lowerer::new();
    lowerer.in_body(None, |l| l.expr(expr, &Expect::Nothing));
    (lowerer.ir, lowerer.deep_expressions)
}

/// The offset of a token inside an item: a plain item lies wholly before or after it, so this
/// places one among the others. Read from the item's keyword, not its whole span, which syn
/// computes by printing the whole item (slow, and recursing as deep as its expressions).
fn offset_inside(item: &Item) -> Option<usize> {
    let span = match item {
        Item::Const(i) => i.const_token.span,
        Item::Enum(i) => i.enum_token.span,
        Item::ExternCrate(i) => i.extern_token.span,
        Item::Fn(i) => i.sig.fn_token.span,
        Item::ForeignMod(i) => i.abi.extern_token.span,
        Item::Impl(i) => i.impl_token.span,
        Item::Macro(i) => i.mac.path.segments.first()?.ident.span(),
        Item::Mod(i) => i.mod_token.span,
        Item::Static(i) => i.static_token.span,
        Item::Struct(i) => i.struct_token.span,
        Item::Trait(i) => i.trait_token.span,
        Item::TraitAlias(i) => i.trait_token.span,
        Item::Type(i) => i.type_token.span,
        Item::Union(i) => i.union_token.span,
        Item::Use(i) => i.use_token.span,
        Item::Verbatim(tokens) => tokens.clone().into_iter().next()?.span(),
        _ => return None,
    };
    Some(span.byte_range().start)
}

/// What the surrounding code expects an expression's type to be, for `as _`.
#[derive(Clone)]
pub(super) enum Expect {
    Nothing,
    Type(TypeRef),
    Slot(Slot),
}

pub(super) struct Lowerer {
    pub(super) ir: FileIr,
    cond: Cond,
    body: BodyId,
    scopes: Scopes,
    /// Inside a closure, `return` leaves the closure, not the function.
    closure_depth: usize,
    expr_depth: usize,
    deep_expressions: bool,
    pub(super) registry: registry::State,
    pub(super) known: KnownLocals,
    /// The inline modules (`mod a { … }`) around the item being lowered.
    inline_modules: Vec<String>,
    /// The library the `extern` functions being lowered are imported from, when named.
    library: Option<String>,
    /// The file's `macro_rules!` macros, and how deep in their expansions lowering is.
    pub(super) macro_rules: HashMap<String, Rc<MacroRules>>,
    pub(super) expansion_depth: usize,
    /// The definitions other files of the package make, parsed into `macro_rules` when invoked.
    crate_macros: Arc<CrateMacros>,
}

/// The expression under any parentheses and invisible groups: `(x as T)` is the cast.
fn without_parens(mut expr: &Expr) -> &Expr {
    loop {
        match expr {
            Expr::Paren(p) => expr = &p.expr,
            Expr::Group(g) => expr = &g.expr,
            _ => return expr,
        }
    }
}

pub(super) fn span_of(node: &impl Spanned) -> Span {
    let range = node.span().byte_range();
    Span::new(range.start, range.end)
}

pub(super) fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

impl Lowerer {
    fn new() -> Self {
        let mut ir = FileIr::default();
        // Body 0 holds the initialisers of constants and statics.
        ir.bodies.push(Body::default());
        Lowerer {
            ir,
            cond: Cond::TRUE,
            body: 0,
            scopes: Scopes::default(),
            closure_depth: 0,
            expr_depth: 0,
            deep_expressions: false,
            registry: registry::State::default(),
            known: KnownLocals::default(),
            inline_modules: Vec::new(),
            library: None,
            macro_rules: HashMap::new(),
            expansion_depth: 0,
            crate_macros: Arc::default(),
        }
    }

    /// Whether a `macro_rules!` macro of this name is known: the file's own, else another
    /// file's of the package (parsed now, once).
    pub(super) fn has_macro(&mut self, name: &str) -> bool {
        if self.macro_rules.contains_key(name) {
            return true;
        }
        let Some(rules) = self
            .crate_macros
            .get(name)
            .and_then(|body| macro_rules::parse_foreign(body))
        else {
            return false;
        };
        self.macro_rules.insert(name.to_string(), Rc::new(rules));
        true
    }

    pub(super) fn current_cond(&self) -> Cond {
        self.cond
    }

    pub(super) fn current_body(&self) -> BodyId {
        self.body
    }

    pub(super) fn with_cond<R>(&mut self, cond: Cond, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = self.cond;
        self.cond = saved.and(cond);
        let result = f(self);
        self.cond = saved;
        result
    }

    /// Runs `f` with the `extern` functions it declares imported from `library`.
    pub(super) fn with_library<R>(
        &mut self,
        library: Option<String>,
        f: impl FnOnce(&mut Self) -> R,
    ) -> R {
        let saved = std::mem::replace(&mut self.library, library);
        let result = f(self);
        self.library = saved;
        result
    }

    /// Runs `f` in a fresh body (a function), restoring the enclosing one afterwards.
    fn in_body<R>(&mut self, ret: Option<TypeRef>, f: impl FnOnce(&mut Self) -> R) -> (BodyId, R) {
        let id = self.ir.bodies.len();
        self.ir.bodies.push(Body {
            ret,
            ..Body::default()
        });
        let saved_body = std::mem::replace(&mut self.body, id);
        let saved_scopes = std::mem::take(&mut self.scopes);
        let saved_closures = std::mem::replace(&mut self.closure_depth, 0);
        let result = f(self);
        self.body = saved_body;
        self.scopes = saved_scopes;
        self.closure_depth = saved_closures;
        (id, result)
    }

    fn in_scope<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.scopes.open();
        let result = f(self);
        self.scopes.close();
        result
    }

    fn body_mut(&mut self) -> &mut Body {
        &mut self.ir.bodies[self.body]
    }

    fn bind(&mut self, name: String, ty: Option<TypeRef>, value: Value) -> LocalId {
        let body = &mut self.ir.bodies[self.body];
        self.scopes.bind(body, name, ty, value)
    }

    pub(super) fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.lookup(name)
    }

    // ---- items ----

    fn plain_item(&mut self, item: PlainItem) {
        match item {
            PlainItem::Const { name, ty, .. } => self.ir.consts.push(ConstDecl {
                name,
                ty: TypeRef::Named(ty),
                cond: self.cond,
            }),
            PlainItem::Alias {
                name,
                ty,
                span,
                ty_span,
            } => self.ir.aliases.push(TypeAlias {
                name,
                ty: TypeRef::Named(ty),
                span,
                ty_span,
                cond: self.cond,
                attributes: Vec::new(),
            }),
        }
    }

    pub(super) fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Fn(f) => self.with_cond(attrs_cond(&f.attrs), |l| {
                l.defined_fn(&f.sig, &f.block, None);
            }),
            Item::ForeignMod(m) => self.with_cond(attrs_cond(&m.attrs), |l| {
                let library = l.link_attributes(&m.attrs);
                l.with_library(library, |l| {
                    for foreign in &m.items {
                        l.foreign_item(foreign);
                    }
                });
            }),
            Item::Type(t) => self.with_cond(attrs_cond(&t.attrs), |l| {
                l.ir.aliases.push(TypeAlias {
                    name: t.ident.to_string(),
                    ty: typeref(&t.ty),
                    span: span_of(item),
                    ty_span: span_of(&t.ty),
                    cond: l.cond,
                    attributes: Vec::new(),
                });
            }),
            Item::Struct(s) => self.with_cond(attrs_cond(&s.attrs), |l| {
                let fields = s
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let name = f.ident.as_ref().map_or(i.to_string(), |n| n.to_string());
                        (name, typeref(&f.ty), span_of(&f.ty))
                    })
                    .collect();
                l.struct_decl(&s.ident, fields, repr_c(&s.attrs));
            }),
            Item::Union(u) => self.with_cond(attrs_cond(&u.attrs), |l| {
                let fields = u
                    .fields
                    .named
                    .iter()
                    .filter_map(|f| {
                        Some((
                            f.ident.as_ref()?.to_string(),
                            typeref(&f.ty),
                            span_of(&f.ty),
                        ))
                    })
                    .collect();
                l.struct_decl(&u.ident, fields, repr_c(&u.attrs));
            }),
            Item::Enum(e) => self.with_cond(attrs_cond(&e.attrs), |l| {
                l.struct_decl(&e.ident, Vec::new(), false);
                for variant in &e.variants {
                    if let Some((_, discriminant)) = &variant.discriminant {
                        l.expr(discriminant, &Expect::Nothing);
                    }
                }
            }),
            Item::Const(c) => self.with_cond(attrs_cond(&c.attrs), |l| {
                l.global_value(c.ident.to_string(), &c.ty, &c.expr);
            }),
            Item::Static(s) => self.with_cond(attrs_cond(&s.attrs), |l| {
                l.global_value(s.ident.to_string(), &s.ty, &s.expr);
            }),
            Item::Impl(imp) => self.with_cond(attrs_cond(&imp.attrs), |l| {
                let self_name = match &*imp.self_ty {
                    Type::Path(p) => Some(last_segment(&p.path)),
                    _ => None,
                };
                for impl_item in &imp.items {
                    match impl_item {
                        ImplItem::Fn(f) => l.with_cond(attrs_cond(&f.attrs), |l| {
                            l.defined_fn(&f.sig, &f.block, self_name.as_deref());
                        }),
                        ImplItem::Const(c) => l.with_cond(attrs_cond(&c.attrs), |l| {
                            l.global_value(c.ident.to_string(), &c.ty, &c.expr);
                        }),
                        ImplItem::Macro(m) => l.with_cond(attrs_cond(&m.attrs), |l| {
                            macros::item_macro(l, &m.mac);
                        }),
                        _ => {}
                    }
                }
            }),
            Item::Trait(t) => self.with_cond(attrs_cond(&t.attrs), |l| {
                for trait_item in &t.items {
                    if let TraitItem::Fn(f) = trait_item
                        && let Some(block) = &f.default
                    {
                        l.with_cond(attrs_cond(&f.attrs), |l| {
                            l.defined_fn(&f.sig, block, Some(&t.ident.to_string()));
                        });
                    }
                }
            }),
            Item::Mod(m) => self.with_cond(attrs_cond(&m.attrs), |l| {
                let name = m.ident.to_string();
                match &m.content {
                    Some((_, items)) => {
                        l.inline_modules.push(name);
                        l.items(items);
                        l.inline_modules.pop();
                    }
                    None => l.ir.modules.push(ModuleDecl {
                        name,
                        inline: l.inline_modules.clone(),
                        paths: module_paths(&m.attrs),
                        cond: l.cond,
                    }),
                }
            }),
            Item::Macro(m) => self.with_cond(attrs_cond(&m.attrs), |l| {
                // `macro_rules! name { ... }` holds patterns, not code.
                if m.ident.is_none() {
                    macros::item_macro(l, &m.mac);
                }
            }),
            Item::Use(u) => self.with_cond(attrs_cond(&u.attrs), |l| {
                flatten_use(&u.tree, &mut Vec::new(), &mut l.ir.imports);
            }),
            _ => {}
        }
    }

    fn struct_decl(
        &mut self,
        name: &syn::Ident,
        fields: Vec<(String, TypeRef, Span)>,
        c_layout: bool,
    ) {
        let (fields, field_spans) = fields
            .into_iter()
            .map(|(name, ty, span)| ((name, ty), span))
            .unzip();
        self.ir.structs.push(StructDecl {
            name: name.to_string(),
            fields,
            field_spans,
            name_span: span_of(name),
            c_layout,
            cond: self.cond,
        });
    }

    fn global_value(&mut self, name: String, ty: &Type, init: &Expr) {
        let ty = typeref(ty);
        self.remember_text_const(name.clone(), init);
        self.ir.consts.push(ConstDecl {
            name,
            ty: ty.clone(),
            cond: self.cond,
        });
        let saved = std::mem::replace(&mut self.body, 0);
        self.expr(init, &Expect::Type(ty));
        self.body = saved;
    }

    pub(super) fn foreign_item(&mut self, item: &ForeignItem) {
        match item {
            ForeignItem::Fn(f) => self.with_cond(attrs_cond(&f.attrs), |l| {
                l.fn_decl(&f.sig, FnKind::Foreign, None);
            }),
            ForeignItem::Static(s) => self.with_cond(attrs_cond(&s.attrs), |l| {
                l.ir.consts.push(ConstDecl {
                    name: s.ident.to_string(),
                    ty: typeref(&s.ty),
                    cond: l.cond,
                });
            }),
            ForeignItem::Macro(m) => self.with_cond(attrs_cond(&m.attrs), |l| {
                macros::item_macro(l, &m.mac);
            }),
            _ => {}
        }
    }

    /// Records a function's signature; methods are named `Type::method`, as calls spell them.
    pub(super) fn fn_decl(&mut self, sig: &Signature, kind: FnKind, self_ty: Option<&str>) {
        let params = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(pat) => Some(Param {
                    name: pat_name(&pat.pat).unwrap_or_default(),
                    ty: typeref(&pat.ty),
                    ty_span: span_of(&pat.ty),
                    attributes: Vec::new(),
                }),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let (ret, ret_span) = match &sig.output {
            ReturnType::Type(_, ty) => (Some(typeref(ty)), span_of(ty)),
            ReturnType::Default => (None, span_of(&sig.paren_token.span.close())),
        };
        let name = match self_ty {
            Some(owner) => format!("{owner}::{}", sig.ident),
            None => sig.ident.to_string(),
        };
        let library = self.library.clone().filter(|_| kind == FnKind::Foreign);
        self.ir.functions.push(FnDecl {
            name,
            kind,
            params,
            ret,
            ret_span,
            name_span: span_of(&sig.ident),
            cond: self.cond,
            attributes: Vec::new(),
            library,
        });
    }

    fn defined_fn(&mut self, sig: &Signature, block: &Block, self_ty: Option<&str>) {
        let ret = match &sig.output {
            ReturnType::Type(_, ty) => Some(typeref(ty)),
            ReturnType::Default => None,
        };
        let (body, ()) = self.in_body(ret.clone(), |l| {
            for input in &sig.inputs {
                match input {
                    FnArg::Typed(pat) => {
                        l.bind_pattern(&pat.pat, Some(typeref(&pat.ty)), Value::Unknown)
                    }
                    FnArg::Receiver(receiver) => {
                        let ty = self_ty.map(TypeRef::named).map(|ty| match &receiver.kind {
                            ReceiverKind::Value => ty,
                            ReceiverKind::Reference(..) => TypeRef::Reference(Box::new(ty)),
                            ReceiverKind::Typed(_, written) => match written.as_ref() {
                                Type::Reference(_) => TypeRef::Reference(Box::new(ty)),
                                Type::Ptr(_) => TypeRef::Pointer(Box::new(ty)),
                                // `Box<Self>`, `Rc<Self>`, `Pin<&mut Self>`: a smart pointer.
                                _ => TypeRef::Other,
                            },
                            _ => TypeRef::Other,
                        });
                        l.bind("self".to_string(), ty, Value::Unknown);
                    }
                }
            }
            let expect = ret.clone().map_or(Expect::Nothing, Expect::Type);
            let tail = l.block(block, &expect);
            l.body_mut().returns.push(tail);
        });
        self.fn_decl(sig, FnKind::Defined(body), self_ty);
    }

    // ---- statements ----

    fn block(&mut self, block: &Block, expect: &Expect) -> Value {
        self.in_scope(|l| l.stmts(&block.stmts, expect))
    }

    pub(super) fn stmts(&mut self, stmts: &[Stmt], expect: &Expect) -> Value {
        let mut tail = Value::Unknown;
        for (i, stmt) in stmts.iter().enumerate() {
            let is_last = i + 1 == stmts.len();
            tail = Value::Unknown;
            match stmt {
                Stmt::Local(local) => self.with_cond(attrs_cond(&local.attrs), |l| {
                    let declared = match &local.pat {
                        Pat::Type(pt) => Some(typeref(&pt.ty)),
                        _ => None,
                    };
                    let value = match &local.init {
                        Some(init) => {
                            let expect = declared.clone().map_or(Expect::Nothing, Expect::Type);
                            let value = l.expr(&init.expr, &expect);
                            if let Some((_, diverge)) = &init.diverge {
                                l.expr(diverge, &Expect::Nothing);
                            }
                            value
                        }
                        None => Value::Unknown,
                    };
                    l.bind_pattern(&local.pat, declared, value);
                    if let Some(init) = &local.init {
                        registry::bind_local(l, &local.pat, &init.expr);
                        l.remember_local(&local.pat, &init.expr);
                    }
                }),
                Stmt::Item(item) => self.item(item),
                Stmt::Expr(expr, semi) => {
                    let expect = if is_last && semi.is_none() {
                        expect
                    } else {
                        &Expect::Nothing
                    };
                    let value =
                        self.with_cond(attrs_cond(expr_attrs(expr)), |l| l.expr(expr, expect));
                    if semi.is_none() {
                        tail = value;
                    }
                }
                Stmt::Macro(m) => {
                    tail = self.with_cond(attrs_cond(&m.attrs), |l| {
                        macros::expr_macro(l, &m.mac, &Expect::Nothing)
                    });
                }
            }
        }
        tail
    }

    /// Binds the names a pattern introduces; tuple patterns take the matching element.
    fn bind_pattern(&mut self, pat: &Pat, ty: Option<TypeRef>, value: Value) {
        match pat {
            Pat::Ident(p) => {
                if let Some((_, sub)) = &p.subpat {
                    self.bind_pattern(sub, None, Value::Unknown);
                }
                self.bind(p.ident.to_string(), ty, value);
            }
            Pat::Type(pt) => self.bind_pattern(&pt.pat, ty, value),
            Pat::Guard(g) => {
                self.bind_pattern(&g.pat, ty, value);
                self.expr(&g.guard, &Expect::Nothing);
            }
            Pat::Paren(p) => self.bind_pattern(&p.pat, ty, value),
            Pat::Tuple(t) => {
                for (i, elem) in t.elems.iter().enumerate() {
                    let elem_value = Value::Field(Box::new(value.clone()), i.to_string());
                    self.bind_pattern(elem, None, elem_value);
                }
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, None, Value::Unknown),
            Pat::TupleStruct(t) => {
                let wrapper = matches!(last_segment(&t.path).as_str(), "Some" | "Ok");
                for (i, elem) in t.elems.iter().enumerate() {
                    // The model sees through `Option` and `Result` (as through `unwrap` and
                    // `?`): `Some(v)` binds the value itself; `Wrapper(v)` its field.
                    let elem_value = match (wrapper, t.elems.len()) {
                        (true, 1) => value.clone(),
                        _ => Value::Field(Box::new(value.clone()), i.to_string()),
                    };
                    self.bind_pattern(elem, None, elem_value);
                }
            }
            Pat::Struct(s) => {
                for field in &s.fields {
                    self.bind_pattern(&field.pat, None, Value::Unknown);
                }
            }
            Pat::Slice(s) => {
                for elem in &s.elems {
                    self.bind_pattern(elem, None, Value::Unknown);
                }
            }
            Pat::Or(o) => {
                if let Some(first) = o.cases.first() {
                    self.bind_pattern(first, None, Value::Unknown);
                }
            }
            _ => {}
        }
    }

    // ---- expressions ----

    /// An `if` and its `else if`s: a chain of branches is a sequence, lowered in a loop at the
    /// depth of its first `if` so that its length costs no nesting. Each branch is compiled
    /// only where the `cfg!()` conditions of the branches before it do not hold.
    fn if_chain(&mut self, first: &syn::ExprIf, expect: &Expect) {
        let mut earlier_fail = Cond::TRUE;
        let mut branch = first;
        loop {
            let branch_cond =
                cfg_macro_cond(&branch.cond).or_else(|| self.runtime_target_cond(&branch.cond));
            self.with_cond(earlier_fail, |l| {
                l.expr(&branch.cond, &Expect::Nothing);
                l.with_cond(branch_cond.unwrap_or_default(), |l| {
                    l.block(&branch.then_branch, expect)
                });
            });
            earlier_fail = earlier_fail.and(branch_cond.map_or(Cond::TRUE, Cond::negate));
            match branch.else_branch.as_ref().map(|(_, e)| &**e) {
                Some(Expr::If(next)) => branch = next,
                Some(last) => {
                    self.with_cond(earlier_fail, |l| l.expr(last, expect));
                    break;
                }
                None => break,
            }
        }
    }

    pub(super) fn expr(&mut self, expr: &Expr, expect: &Expect) -> Value {
        if self.expr_depth >= MAX_EXPR_DEPTH {
            self.deep_expressions = true;
            return Value::Unknown;
        }
        self.expr_depth += 1;
        let value = self.expr_inner(expr, expect);
        self.expr_depth -= 1;
        value
    }

    fn expr_inner(&mut self, expr: &Expr, expect: &Expect) -> Value {
        match expr {
            Expr::Cast(cast) => {
                let value = self.expr(&cast.expr, &Expect::Nothing);
                let written = typeref(&cast.ty);
                let (to, to_span) = if written == TypeRef::Infer {
                    let to = match expect {
                        Expect::Type(ty) => ConversionTarget::Written(ty.clone()),
                        Expect::Slot(slot) => ConversionTarget::Inferred(slot.clone()),
                        Expect::Nothing => ConversionTarget::Unknown,
                    };
                    (to, None)
                } else {
                    (ConversionTarget::Written(written), Some(span_of(&cast.ty)))
                };
                let destination = match expect {
                    Expect::Slot(slot) => Some(slot.clone()),
                    _ => None,
                };
                self.ir.conversions.push(Conversion {
                    body: self.body,
                    value: value.clone(),
                    to: to.clone(),
                    span: span_of(expr),
                    value_span: span_of(&cast.expr),
                    to_span,
                    destination,
                    cond: self.cond,
                    implicit: false,
                    compared: false,
                });
                Value::Cast(Box::new(value), to)
            }
            Expr::Paren(p) => self.expr(&p.expr, expect),
            Expr::Group(g) => self.expr(&g.expr, expect),
            Expr::Lit(lit) => match &lit.lit {
                Lit::Int(int) => int
                    .base10_parse::<i128>()
                    .map_or(Value::Unknown, Value::Int),
                Lit::Str(s) => {
                    self.remember_path_literal(&s.value(), span_of(s));
                    Value::Text
                }
                Lit::ByteStr(_) | Lit::CStr(_) => Value::Text,
                _ => Value::Unknown,
            },
            Expr::Unary(u) => {
                let inner = self.expr(&u.expr, &Expect::Nothing);
                match (&u.op, inner) {
                    (UnOp::Neg(_), Value::Int(n)) => Value::Int(-n),
                    (UnOp::Neg(_), inner) => inner,
                    (UnOp::Deref(_), inner) => Value::Deref(Box::new(inner)),
                    _ => Value::Unknown,
                }
            }
            Expr::Binary(b) => {
                let conversions_before = self.ir.conversions.len();
                let left = self.expr(&b.left, &Expect::Nothing);
                let right = self.expr(&b.right, &Expect::Nothing);
                if matches!(b.op, BinOp::Eq(_) | BinOp::Ne(_)) {
                    // Only casts are looked at: a span is computed from the tokens it covers.
                    let operands: Vec<Span> = [&b.left, &b.right]
                        .into_iter()
                        .map(|operand| without_parens(operand))
                        .filter(|operand| matches!(operand, Expr::Cast(_)))
                        .map(span_of)
                        .collect();
                    for conversion in &mut self.ir.conversions[conversions_before..] {
                        conversion.compared |= operands.contains(&conversion.span);
                    }
                }
                match b.op {
                    BinOp::Add(_)
                    | BinOp::Sub(_)
                    | BinOp::Mul(_)
                    | BinOp::BitOr(_)
                    | BinOp::BitXor(_) => Value::Arith(Box::new(left), Box::new(right)),
                    BinOp::BitAnd(_)
                    | BinOp::Shr(_)
                    | BinOp::Shl(_)
                    | BinOp::Rem(_)
                    | BinOp::Div(_) => Value::Masked(Box::new(left)),
                    _ => Value::Unknown,
                }
            }
            Expr::Path(p) => {
                let path = &p.path;
                if path.segments.len() == 1
                    && p.qself.is_none()
                    && let Some(id) = self.lookup(&path.segments[0].ident.to_string())
                {
                    return Value::Local(id);
                }
                Value::Global(last_segment(path))
            }
            Expr::Call(call) => self.call(expr, call),
            Expr::MethodCall(m) => {
                let receiver = self.expr(&m.receiver, &Expect::Nothing);
                for arg in &m.args {
                    self.expr(arg, &Expect::Nothing);
                }
                registry::method_call(self, m);
                Value::Method(Box::new(receiver), m.method.to_string())
            }
            Expr::Field(f) => {
                let base = self.expr(&f.base, &Expect::Nothing);
                Value::Field(Box::new(base), member_name(&f.member))
            }
            Expr::Tuple(t) => Value::Tuple(
                t.elems
                    .iter()
                    .map(|e| self.expr(e, &Expect::Nothing))
                    .collect(),
            ),
            Expr::Reference(r) => {
                let inner = self.expr(&r.expr, &Expect::Nothing);
                Value::AddressOf(Box::new(inner))
            }
            Expr::RawAddr(r) => {
                let inner = self.expr(&r.expr, &Expect::Nothing);
                Value::AddressOf(Box::new(inner))
            }
            Expr::Struct(s) => {
                let ty = last_segment(&s.path);
                for field in &s.fields {
                    let slot = Slot::Field {
                        ty: ty.clone(),
                        field: member_name(&field.member),
                    };
                    self.expr(&field.expr, &Expect::Slot(slot));
                }
                if let Some(rest) = &s.rest {
                    self.expr(rest, &Expect::Nothing);
                }
                Value::Unknown
            }
            Expr::Block(b) => self.block(&b.block, expect),
            Expr::Unsafe(u) => self.block(&u.block, expect),
            Expr::Const(c) => self.block(&c.block, expect),
            Expr::If(i) => {
                self.if_chain(i, expect);
                Value::Unknown
            }
            Expr::Match(m) => {
                let scrutinee = self.expr(&m.expr, &Expect::Nothing);
                let conds = self.match_arm_conds(m).unwrap_or_default();
                let mut results = Vec::new();
                for (i, arm) in m.arms.iter().enumerate() {
                    let cond = conds.get(i).cloned().unwrap_or_default();
                    let result = self.with_cond(cond, |l| {
                        l.in_scope(|l| {
                            l.bind_pattern(&arm.pat, None, scrutinee.clone());
                            l.expr(&arm.body, expect)
                        })
                    });
                    if !matches!(result, Value::Unknown) {
                        results.push(result);
                    }
                }
                // `match r { Ok(v) => v, Err(_) => return }`: the one arm that gives a value
                // (the others diverge) is the match's value; of several, none is known to be.
                match <[Value; 1]>::try_from(results) {
                    Ok([result]) => result,
                    Err(_) => Value::Unknown,
                }
            }
            Expr::Let(l) => {
                let value = self.expr(&l.expr, &Expect::Nothing);
                self.bind_pattern(&l.pat, None, value);
                Value::Unknown
            }
            Expr::While(w) => {
                self.expr(&w.cond, &Expect::Nothing);
                self.block(&w.body, &Expect::Nothing);
                Value::Unknown
            }
            Expr::Loop(lp) => {
                self.block(&lp.body, &Expect::Nothing);
                Value::Unknown
            }
            Expr::ForLoop(f) => {
                self.expr(&f.expr, &Expect::Nothing);
                self.in_scope(|l| {
                    l.bind_pattern(&f.pat, None, Value::Unknown);
                    l.block(&f.body, &Expect::Nothing);
                });
                Value::Unknown
            }
            Expr::Closure(c) => {
                self.closure_depth += 1;
                self.in_scope(|l| {
                    for input in &c.inputs {
                        let ty = match input {
                            Pat::Type(pt) => Some(typeref(&pt.ty)),
                            _ => None,
                        };
                        l.bind_pattern(input, ty, Value::Unknown);
                    }
                    l.expr(&c.body, &Expect::Nothing);
                });
                self.closure_depth -= 1;
                Value::Unknown
            }
            Expr::Return(r) => {
                if let Some(value) = &r.expr {
                    let ret = self.body_mut().ret.clone();
                    let expect = ret.map_or(Expect::Nothing, Expect::Type);
                    let value = self.expr(value, &expect);
                    if self.closure_depth == 0 {
                        self.body_mut().returns.push(value);
                    }
                }
                Value::Unknown
            }
            Expr::Assign(a) => {
                self.assign(&a.left, &a.right);
                Value::Unknown
            }
            Expr::Macro(m) => macros::expr_macro(self, &m.mac, expect),
            Expr::Try(t) => self.expr(&t.expr, expect),
            Expr::Await(a) => self.expr(&a.base, expect),
            Expr::Index(i) => {
                self.expr(&i.expr, &Expect::Nothing);
                self.expr(&i.index, &Expect::Nothing);
                Value::Unknown
            }
            Expr::Array(a) => {
                for elem in &a.elems {
                    self.expr(elem, &Expect::Nothing);
                }
                Value::Unknown
            }
            Expr::Repeat(r) => {
                self.expr(&r.expr, &Expect::Nothing);
                Value::Unknown
            }
            Expr::Range(r) => {
                for end in [&r.start, &r.end].into_iter().flatten() {
                    self.expr(end, &Expect::Nothing);
                }
                Value::Unknown
            }
            Expr::Break(b) => {
                if let Some(value) = &b.expr {
                    self.expr(value, &Expect::Nothing);
                }
                Value::Unknown
            }
            Expr::Async(a) => {
                self.block(&a.block, &Expect::Nothing);
                Value::Unknown
            }
            Expr::TryBlock(t) => {
                self.block(&t.block, &Expect::Nothing);
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    fn call(&mut self, expr: &Expr, call: &syn::ExprCall) -> Value {
        let Expr::Path(func) = &*call.func else {
            self.expr(&call.func, &Expect::Nothing);
            for arg in &call.args {
                self.expr(arg, &Expect::Nothing);
            }
            return Value::Unknown;
        };
        let segments = &func.path.segments;
        let callee = last_segment(&func.path);
        let qualifier = segments
            .len()
            .checked_sub(2)
            .map(|i| segments[i].ident.to_string());
        let args: Vec<Arg> = call
            .args
            .iter()
            .enumerate()
            .map(|(index, arg)| {
                let slot = Slot::Arg {
                    callee: callee.clone(),
                    index,
                    arity: call.args.len(),
                };
                Arg {
                    value: self.expr(arg, &Expect::Slot(slot)),
                    span: span_of(arg),
                    name_span: path_tail_span(arg),
                }
            })
            .collect();
        self.library_call(qualifier.as_deref(), &callee, call, span_of(expr));
        let values = args.iter().map(|a| a.value.clone()).collect();
        registry::call(self, call, &callee);
        self.ir.calls.push(CallSite {
            body: self.body,
            callee: callee.clone(),
            callee_span: segments.last().map_or(span_of(expr), |s| span_of(&s.ident)),
            qualified: segments.len() > 1,
            args,
            span: span_of(expr),
            cond: self.cond,
        });
        Value::Call {
            qualifier,
            callee,
            args: values,
        }
    }

    fn assign(&mut self, left: &Expr, right: &Expr) {
        let target = match left {
            Expr::Path(p) if p.path.segments.len() == 1 => self
                .lookup(&p.path.segments[0].ident.to_string())
                .map(|id| (id, None)),
            Expr::Field(f) => match &*f.base {
                Expr::Path(p) if p.path.segments.len() == 1 => self
                    .lookup(&p.path.segments[0].ident.to_string())
                    .map(|id| (id, Some(member_name(&f.member)))),
                _ => None,
            },
            _ => None,
        };
        let Some((local, field)) = target else {
            self.expr(left, &Expect::Nothing);
            self.expr(right, &Expect::Nothing);
            return;
        };
        let declared = self.ir.bodies[self.body].locals[local].ty.clone();
        let expect = match (&field, declared) {
            (None, Some(ty)) => Expect::Type(ty),
            (Some(field), Some(ty)) => match ty.pointee_name() {
                Some(ty) => Expect::Slot(Slot::Field {
                    ty: ty.to_string(),
                    field: field.clone(),
                }),
                None => Expect::Nothing,
            },
            _ => Expect::Nothing,
        };
        let value = self.expr(right, &expect);
        let body = self.body_mut();
        match field {
            None => body.locals[local].values.push(value),
            Some(field) => body.field_stores.push((local, field, value)),
        }
    }
}

/// `cfg!(pred)` or `!cfg!(pred)` as an `if` condition.
fn cfg_macro_cond(cond: &Expr) -> Option<Cond> {
    match cond {
        Expr::Macro(m) if m.mac.path.is_ident("cfg") => Some(parse_cond(m.mac.tokens.clone())),
        Expr::Unary(u) if matches!(u.op, UnOp::Not(_)) => cfg_macro_cond(&u.expr).map(Cond::negate),
        Expr::Paren(p) => cfg_macro_cond(&p.expr),
        _ => None,
    }
}

/// `#[repr(C)]`, alone or with `packed`/`align`.
fn repr_c(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("repr")
            && attr
                .parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
                .is_ok_and(|metas| metas.iter().any(|m| m.path().is_ident("C")))
    })
}

fn expr_attrs(expr: &Expr) -> &[syn::Attribute] {
    match expr {
        Expr::Block(b) => &b.attrs,
        Expr::Unsafe(u) => &u.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::MethodCall(m) => &m.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Assign(a) => &a.attrs,
        _ => &[],
    }
}

fn member_name(member: &Member) -> String {
    match member {
        Member::Named(ident) => ident.to_string(),
        Member::Unnamed(index) => index.index.to_string(),
    }
}

/// The span of the last segment when an argument is a plain path (a constant a fix may rename).
fn path_tail_span(arg: &Expr) -> Option<Span> {
    match arg {
        Expr::Path(p) => p.path.segments.last().map(|s| span_of(&s.ident)),
        Expr::Cast(c) => path_tail_span(&c.expr),
        Expr::Paren(p) => path_tail_span(&p.expr),
        _ => None,
    }
}

fn pat_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) => Some(p.ident.to_string()),
        Pat::Type(pt) => pat_name(&pt.pat),
        _ => None,
    }
}

/// A type as written; `Option<fn>`, `Option<&T>` and `NonNull<T>` are the nullable pointers
/// FFI code uses, so they count as pointers.
pub(super) fn typeref(ty: &Type) -> TypeRef {
    match ty {
        Type::Path(p) => {
            let Some(segment) = p.path.segments.last() else {
                return TypeRef::Other;
            };
            let name = segment.ident.to_string();
            let first_arg = match &segment.arguments {
                syn::PathArguments::AngleBracketed(args) => {
                    args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                }
                _ => None,
            };
            match (name.as_str(), first_arg) {
                // The value inside, as `unwrap` and `?` give it (and `Option<&T>` and
                // `Option<fn()>` are that pointer in memory).
                ("Option" | "Result", Some(inner)) => typeref(inner),
                ("NonNull", Some(inner)) => TypeRef::Pointer(Box::new(typeref(inner))),
                _ => TypeRef::Named(name),
            }
        }
        Type::Ptr(p) => TypeRef::Pointer(Box::new(typeref(&p.elem))),
        Type::Reference(r) => TypeRef::Reference(Box::new(typeref(&r.elem))),
        Type::FnPtr(_) => TypeRef::FnPtr,
        Type::Tuple(t) if t.elems.is_empty() => TypeRef::Unit,
        Type::Never(_) => TypeRef::Unit,
        Type::Infer(_) => TypeRef::Infer,
        Type::Paren(p) => typeref(&p.elem),
        Type::Group(g) => typeref(&g.elem),
        _ => TypeRef::Other,
    }
}

fn flatten_use(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Import>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => out.push(Import {
            module: prefix.clone(),
            name: Some(n.ident.to_string()),
            rename: None,
        }),
        UseTree::Rename(r) => out.push(Import {
            module: prefix.clone(),
            name: Some(r.ident.to_string()),
            rename: Some(r.rename.to_string()),
        }),
        UseTree::Glob(_) => out.push(Import {
            module: prefix.clone(),
            name: None,
            rename: None,
        }),
        UseTree::Group(g) => {
            for item in &g.items {
                flatten_use(item, prefix, out);
            }
        }
    }
}
