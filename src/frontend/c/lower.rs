//! Lowers a tree-sitter C/C++ tree (of a prepared file) to IR: typedefs, `DECLARE_HANDLE` and
//! `#define` aliases, structs, prototypes, interfaces, and function bodies reduced to value flow,
//! with C's explicit and implicit conversions and its calls. Each declaration carries the
//! `#if` condition in force where it starts.

use rustc_hash::FxHashMap as HashMap;

use tree_sitter::Node;

use super::libraries::KnownLocals;
use super::macros::MacroTable;
use super::prepare::Prepared;
use super::registry;
use crate::frontend::scopes::Scopes;
use crate::model::cfg::Cond;
use crate::model::ir::{
    Arg, Attribute, Body, BodyId, CallSite, ConstDecl, Conversion, ConversionTarget, FileIr,
    FnDecl, FnKind, Interface, Language, LocalId, Param, Slot, StructDecl, TypeAlias, TypeRef,
    Value,
};
use crate::source::Span;

/// Declarations nested deeper than this (namespaces, `extern "C"` blocks, structs in structs,
/// `#if` groups, blocks in bodies) are skipped: it bounds the recursion whatever the input.
pub const MAX_NESTING: usize = 256;

/// Expressions nested deeper than this are summarised as unknown (and the file listed).
pub const MAX_EXPR_DEPTH: usize = 128;

pub(super) const CASTS: &[&str] = &[
    "static_cast",
    "reinterpret_cast",
    "const_cast",
    "dynamic_cast",
    "safe_cast",
];

pub struct Output {
    pub ir: FileIr,
    /// Some declarations were too deeply nested to lower.
    pub truncated: bool,
    /// Some expressions were too deeply nested to lower.
    pub deep_expressions: bool,
}

pub fn lower(
    root: Node,
    text: &str,
    prepared: &Prepared,
    language: Language,
    table: &MacroTable,
) -> Output {
    let mut ir = FileIr {
        language,
        ..FileIr::default()
    };
    // Body 0 holds the initialisers of file-scope variables.
    ir.bodies.push(Body::default());
    let mut lowerer = Lowerer {
        text,
        prepared,
        table,
        ir,
        body: 0,
        scopes: Scopes::default(),
        local_type_spans: Vec::new(),
        globals: HashMap::default(),
        ret_span: None,
        expr_depth: 0,
        truncated: false,
        deep_expressions: false,
        known: KnownLocals::default(),
        registry: registry::State::default(),
    };
    registry::guid_macros(&mut lowerer);
    lowerer.items(root, None, 0);
    Output {
        ir: lowerer.ir,
        truncated: lowerer.truncated,
        deep_expressions: lowerer.deep_expressions,
    }
}

/// A declarator applied to its base type.
struct Declared<'t> {
    name: Option<(String, Span)>,
    ty: TypeRef,
    /// For a function: its parameter list and return type.
    function: Option<(Node<'t>, TypeRef)>,
}

pub(super) struct Lowerer<'t> {
    pub(super) text: &'t str,
    pub(super) prepared: &'t Prepared,
    table: &'t MacroTable,
    pub(super) ir: FileIr,
    pub(super) body: BodyId,
    scopes: Scopes,
    /// The declared type's span of each local of the current body.
    local_type_spans: Vec<Option<Span>>,
    /// File-scope variables: their type and where it is written.
    globals: HashMap<String, (TypeRef, Span)>,
    /// The current function's return type as written.
    ret_span: Option<Span>,
    expr_depth: usize,
    truncated: bool,
    deep_expressions: bool,
    pub(super) known: KnownLocals,
    pub(super) registry: registry::State,
}

pub(super) fn span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

/// A declarator and its initialiser: `x = 1` is `x` and `1`; a bare `x` has none.
fn split_initializer(declarator: Node<'_>) -> (Node<'_>, Option<Node<'_>>) {
    match declarator.kind() {
        "init_declarator" => (
            declarator
                .child_by_field_name("declarator")
                .unwrap_or(declarator),
            declarator.child_by_field_name("value"),
        ),
        _ => (declarator, None),
    }
}

/// The named children less comments, which the grammar puts anywhere (between a call's
/// arguments too, where they would shift every index after them).
pub(super) fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    node.named_children(&mut node.walk())
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// What an `#if` group holds, through every `#elif` and `#else` after it, without the
/// conditions. The grammar nests each branch in the one before it; walking the chain in a loop
/// keeps a chain of any length at the depth of its group.
fn preproc_branches<'t>(group: Node<'t>) -> Vec<Node<'t>> {
    let mut parts = Vec::new();
    let mut branch = Some(group);
    while let Some(current) = branch {
        branch = current.child_by_field_name("alternative");
        let condition = current
            .child_by_field_name("condition")
            .or_else(|| current.child_by_field_name("name"));
        parts.extend(
            named_children(current)
                .into_iter()
                .filter(|&child| Some(child) != branch && Some(child) != condition),
        );
    }
    parts
}

fn children_by_field<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    node.children_by_field_name(field, &mut node.walk())
        .collect()
}

impl<'t> Lowerer<'t> {
    pub(super) fn text_of(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    pub(super) fn cond(&self, node: Node) -> Cond {
        self.prepared.cond_at(node.start_byte())
    }

    /// `[start, end)` less trailing blanks (blanked macros included).
    fn trimmed(&self, start: usize, end: usize) -> Span {
        let bytes = self.text.as_bytes();
        let mut end = end.max(start);
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        Span::new(start, end)
    }

    // ---- declarations ----

    fn items(&mut self, node: Node<'t>, owner: Option<&str>, depth: usize) {
        self.items_of(named_children(node), owner, depth);
    }

    fn items_of(&mut self, nodes: Vec<Node<'t>>, owner: Option<&str>, depth: usize) {
        if depth > MAX_NESTING {
            self.truncated = true;
            return;
        }
        for child in nodes {
            self.item(child, owner, depth + 1);
        }
    }

    fn item(&mut self, node: Node<'t>, owner: Option<&str>, depth: usize) {
        match node.kind() {
            "function_definition" => self.function_definition(node, owner),
            "declaration" | "field_declaration" => self.declaration(node, owner, depth),
            "type_definition" => self.type_definition(node, depth),
            "struct_specifier" | "union_specifier" | "class_specifier" => {
                self.struct_specifier(node, None, depth);
            }
            "enum_specifier" => {
                self.enum_specifier(node);
            }
            "preproc_def" => self.define(node),
            "preproc_call" => self.pragma(node),
            "expression_statement" => self.declaring_macro(node),
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef"
            | "preproc_else" => {
                self.items_of(preproc_branches(node), owner, depth);
            }
            "linkage_specification" | "declaration_list" | "template_declaration" | "ERROR" => {
                self.items(node, owner, depth)
            }
            "namespace_definition" => {
                if let Some(body) = node.child_by_field_name("body") {
                    self.items(body, owner, depth);
                }
            }
            _ => {}
        }
    }

    /// `DECLARE_HANDLE(HWND);` at file scope.
    fn declaring_macro(&mut self, node: Node<'t>) {
        let Some(call) = node
            .named_child(0)
            .filter(|c| c.kind() == "call_expression")
        else {
            return;
        };
        let (Some(function), Some(args)) = (
            call.child_by_field_name("function"),
            call.child_by_field_name("arguments"),
        ) else {
            return;
        };
        if !self.table.declares_handle(self.text_of(function)) {
            return;
        }
        let Some(name) = args.named_child(0).filter(|n| n.kind() == "identifier") else {
            return;
        };
        let name_text = self.text_of(name).to_string();
        self.ir.aliases.push(TypeAlias {
            ty: TypeRef::Pointer(Box::new(TypeRef::Named(format!("{name_text}__")))),
            name: name_text,
            span: span(node),
            ty_span: span(name),
            cond: self.cond(node),
            attributes: Vec::new(),
        });
    }

    /// `#define NAME TYPE` where the value reads as a type: an alias (`#define PHANDLE HANDLE *`).
    fn define(&mut self, node: Node<'t>) {
        let (Some(name), Some(value)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("value"),
        ) else {
            return;
        };
        self.define_text(node, self.text_of(name), value);
        registry::define(self, self.text_of(name), value);
        let Some(ty) = type_from_text(self.text_of(value)) else {
            return;
        };
        let value_span = span(value);
        let start =
            value_span.start + (self.text_of(value).len() - self.text_of(value).trim_start().len());
        self.ir.aliases.push(TypeAlias {
            name: self.text_of(name).to_string(),
            ty,
            span: span(node),
            ty_span: self.trimmed(start, value_span.end),
            cond: self.cond(node),
            attributes: Vec::new(),
        });
    }

    fn type_definition(&mut self, node: Node<'t>, depth: usize) {
        let declarators = children_by_field(node, "declarator");
        let Some(type_node) = node.child_by_field_name("type") else {
            return;
        };
        let first_name = declarators
            .first()
            .and_then(|d| self.declarator(*d, TypeRef::Other, false).name)
            .map(|(name, _)| name);
        let base = self.base_type(type_node, first_name.as_deref(), depth);
        let attributes: Vec<Attribute> = self
            .prepared
            .attributes_within(node.start_byte(), type_node.start_byte())
            .cloned()
            .collect();
        let cond = self.cond(node);
        for declarator in declarators {
            let declared = self.declarator(declarator, base.clone(), false);
            let Some((name, name_span)) = declared.name else {
                continue;
            };
            let ty = if declared.function.is_some() {
                TypeRef::FnPtr
            } else {
                declared.ty
            };
            self.ir.aliases.push(TypeAlias {
                name,
                ty,
                span: span(node),
                ty_span: self.trimmed(type_node.start_byte(), name_span.start),
                cond,
                attributes: attributes.clone(),
            });
        }
    }

    /// A declaration at file scope or in a struct: prototypes, fields, variables.
    fn declaration(&mut self, node: Node<'t>, owner: Option<&str>, depth: usize) {
        let Some(type_node) = node.child_by_field_name("type") else {
            return;
        };
        let base = self.base_type(type_node, None, depth);
        let cond = self.cond(node);
        let constant = named_children(node).iter().any(|child| {
            child.kind() == "type_qualifier"
                && matches!(self.text_of(*child), "const" | "constexpr")
        });
        for declarator in children_by_field(node, "declarator") {
            let (inner, value) = split_initializer(declarator);
            let declared = self.declarator(inner, base.clone(), false);
            let Some((name, name_span)) = declared.name else {
                continue;
            };
            let ty_span = self.trimmed(type_node.start_byte(), name_span.start);
            if let Some((params, ret)) = declared.function {
                let name = qualified(owner, name);
                self.function_decl(
                    node,
                    name,
                    name_span,
                    params,
                    ret,
                    ty_span,
                    FnKind::Foreign,
                    cond,
                );
                continue;
            }
            if owner.is_some() {
                // A data member: struct_specifier collects those itself.
                continue;
            }
            if constant && let Some(value) = value {
                self.remember_text_const(name.clone(), value);
            }
            self.globals
                .insert(name.clone(), (declared.ty.clone(), ty_span));
            if let Some(value) = value {
                registry::global(self, &name, &declared.ty, value);
            }
            self.ir.consts.push(ConstDecl {
                name,
                ty: declared.ty.clone(),
                cond,
            });
            if let Some(value) = value {
                let saved = std::mem::replace(&mut self.body, 0);
                let lowered = self.initializer(value, &declared.ty);
                self.implicit(
                    &lowered,
                    ConversionTarget::Written(declared.ty.clone()),
                    value,
                    Some(ty_span),
                );
                self.body = saved;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn function_decl(
        &mut self,
        node: Node<'t>,
        name: String,
        name_span: Span,
        params: Node<'t>,
        ret: TypeRef,
        ret_span: Span,
        kind: FnKind,
        cond: Cond,
    ) {
        let params = self.params(params);
        self.ir.functions.push(FnDecl {
            name,
            kind,
            params,
            ret: (ret != TypeRef::Unit).then_some(ret),
            ret_span,
            name_span,
            cond,
            attributes: self.prepared.attributes_before(node.start_byte()).to_vec(),
        });
    }

    fn params(&mut self, list: Node<'t>) -> Vec<Param> {
        let mut params = Vec::new();
        for param in named_children(list) {
            if !matches!(
                param.kind(),
                "parameter_declaration" | "optional_parameter_declaration"
            ) {
                continue;
            }
            let Some(type_node) = param.child_by_field_name("type") else {
                continue;
            };
            let base = self.base_type(type_node, None, 0);
            let declarator = param.child_by_field_name("declarator");
            let declared = match declarator {
                Some(d) => self.declarator(d, base, true),
                None => Declared {
                    name: None,
                    ty: base,
                    function: None,
                },
            };
            // `f(void)` has no parameters.
            if declared.ty == TypeRef::Unit && declared.name.is_none() {
                continue;
            }
            let ty = if declared.function.is_some() {
                TypeRef::FnPtr
            } else {
                declared.ty
            };
            let end = declared
                .name
                .as_ref()
                .map_or(param.end_byte(), |(_, s)| s.start);
            params.push(Param {
                name: declared.name.map(|(n, _)| n).unwrap_or_default(),
                ty,
                ty_span: self.trimmed(param.start_byte(), end),
                attributes: self.prepared.attributes_before(param.start_byte()).to_vec(),
            });
        }
        params
    }

    /// The type a declaration's specifier names. A struct with a body is declared on the way;
    /// `name_hint` names an anonymous one (`typedef struct { ... } NAME;`).
    fn base_type(&mut self, node: Node<'t>, name_hint: Option<&str>, depth: usize) -> TypeRef {
        match node.kind() {
            "primitive_type" => primitive(self.text_of(node)),
            "type_identifier" => TypeRef::Named(self.text_of(node).to_string()),
            "sized_type_specifier" => {
                let words: Vec<&str> = self.text_of(node).split_whitespace().collect();
                sized_type(&words)
            }
            "struct_specifier" | "union_specifier" | "class_specifier" => self
                .struct_specifier(node, name_hint, depth)
                .map_or(TypeRef::Other, TypeRef::Named),
            "enum_specifier" => self.enum_specifier(node),
            "qualified_type_identifier" => node
                .child_by_field_name("name")
                .map_or(TypeRef::Other, |name| {
                    self.base_type(name, name_hint, depth)
                }),
            "placeholder_type_specifier" => TypeRef::Infer,
            _ => TypeRef::Other,
        }
    }

    fn enum_specifier(&mut self, node: Node<'t>) -> TypeRef {
        // An enumeration has the width of `int` (MSVC and mingw alike).
        if let (Some(name), Some(_)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) {
            self.ir.aliases.push(TypeAlias {
                name: self.text_of(name).to_string(),
                ty: TypeRef::named("int"),
                span: span(node),
                ty_span: span(name),
                cond: self.cond(node),
                attributes: Vec::new(),
            });
        }
        TypeRef::named("int")
    }

    /// Declares a struct, union or class with a body (or a MIDL interface); returns its name.
    fn struct_specifier(
        &mut self,
        node: Node<'t>,
        name_hint: Option<&str>,
        depth: usize,
    ) -> Option<String> {
        let name_node = node.child_by_field_name("name");
        let name = match name_node {
            Some(n) => Some(last_segment(self.text_of(n)).to_string()),
            None => name_hint.map(str::to_string),
        };
        let body = node.child_by_field_name("body")?;
        let name = name?;
        if depth > MAX_NESTING {
            self.truncated = true;
            return Some(name);
        }
        let name_span = name_node.map_or(span(node), span);
        if let Some(container) = self.prepared.containers.get(&node.start_byte()) {
            if container.interface {
                self.ir.interfaces.push(Interface {
                    name: name.clone(),
                    attributes: container.attributes.clone(),
                    name_span,
                    cond: self.cond(node),
                });
                self.members(body, &name, &mut Vec::new(), depth);
            } else {
                registry::coclass(self, &name, &container.attributes, node);
            }
            return Some(name);
        }
        let mut fields = Vec::new();
        self.members(body, &name, &mut fields, depth);
        let (fields, field_spans) = fields.into_iter().unzip();
        self.ir.structs.push(StructDecl {
            name: name.clone(),
            fields,
            field_spans,
            name_span,
            c_layout: true,
            cond: self.cond(node),
        });
        Some(name)
    }

    /// The members of a struct body: data fields are collected, methods declared.
    fn members(
        &mut self,
        body: Node<'t>,
        owner: &str,
        fields: &mut Vec<((String, TypeRef), Span)>,
        depth: usize,
    ) {
        let members = match body.kind() {
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef"
            | "preproc_else" => preproc_branches(body),
            _ => named_children(body),
        };
        for member in members {
            match member.kind() {
                "field_declaration" => {
                    let Some(type_node) = member.child_by_field_name("type") else {
                        continue;
                    };
                    let base = self.base_type(type_node, None, depth + 1);
                    let declarators = children_by_field(member, "declarator");
                    // An anonymous struct or union member: its fields are the parent's.
                    if declarators.is_empty()
                        && matches!(type_node.kind(), "struct_specifier" | "union_specifier")
                        && type_node.child_by_field_name("name").is_none()
                        && let Some(inner) = type_node.child_by_field_name("body")
                    {
                        self.members(inner, owner, fields, depth + 1);
                        continue;
                    }
                    for declarator in declarators {
                        let declared = self.declarator(declarator, base.clone(), false);
                        let Some((name, name_span)) = declared.name else {
                            continue;
                        };
                        let ty_span = self.trimmed(type_node.start_byte(), name_span.start);
                        match declared.function {
                            Some((params, ret)) => {
                                let cond = self.cond(member);
                                self.function_decl(
                                    member,
                                    format!("{owner}::{name}"),
                                    name_span,
                                    params,
                                    ret,
                                    ty_span,
                                    FnKind::Foreign,
                                    cond,
                                );
                            }
                            None => fields.push(((name, declared.ty), ty_span)),
                        }
                    }
                }
                "function_definition" => self.function_definition(member, Some(owner)),
                "declaration" => self.declaration(member, Some(owner), depth + 1),
                "preproc_if"
                | "preproc_ifdef"
                | "preproc_elif"
                | "preproc_elifdef"
                | "preproc_else"
                | "field_declaration_list"
                | "ERROR" => {
                    if depth > MAX_NESTING {
                        self.truncated = true;
                    } else {
                        self.members(member, owner, fields, depth + 1);
                    }
                }
                "template_declaration" => self.items(member, Some(owner), depth + 1),
                _ => {}
            }
        }
    }

    /// Applies a declarator to its base type: pointers, functions, arrays, parentheses.
    fn declarator(&self, node: Node<'t>, base: TypeRef, parameter: bool) -> Declared<'t> {
        let mut ty = base;
        let mut function: Option<(Node<'t>, TypeRef)> = None;
        let mut current = Some(node);
        let mut name = None;
        while let Some(node) = current {
            current = None;
            match node.kind() {
                "pointer_declarator" | "abstract_pointer_declarator" => {
                    ty = if function.take().is_some() {
                        TypeRef::FnPtr
                    } else {
                        TypeRef::Pointer(Box::new(ty))
                    };
                    current = node.child_by_field_name("declarator");
                }
                // A C++ reference is another name for a value of its type, not a pointer.
                "reference_declarator" | "abstract_reference_declarator" => {
                    current = node.named_child(0);
                }
                "function_declarator" | "abstract_function_declarator" => {
                    match (function.is_some(), node.child_by_field_name("parameters")) {
                        (false, Some(params)) => {
                            function = Some((params, std::mem::replace(&mut ty, TypeRef::FnPtr)));
                        }
                        _ => ty = TypeRef::Other,
                    }
                    current = node.child_by_field_name("declarator");
                }
                "array_declarator" | "abstract_array_declarator" => {
                    ty = if parameter {
                        TypeRef::Pointer(Box::new(ty))
                    } else {
                        TypeRef::Other
                    };
                    current = node.child_by_field_name("declarator");
                }
                "parenthesized_declarator"
                | "abstract_parenthesized_declarator"
                | "attributed_declarator" => current = node.named_child(0),
                "init_declarator" => current = node.child_by_field_name("declarator"),
                "identifier" | "field_identifier" | "type_identifier" | "primitive_type"
                | "destructor_name" | "operator_name" => {
                    name = Some((self.text_of(node).to_string(), span(node)));
                }
                "qualified_identifier" => {
                    let text: String = self.text_of(node).split_whitespace().collect();
                    name = Some((text, span(node)));
                }
                _ => {}
            }
        }
        Declared { name, ty, function }
    }

    // ---- function bodies ----

    fn function_definition(&mut self, node: Node<'t>, owner: Option<&str>) {
        let Some(declarator) = node.child_by_field_name("declarator") else {
            return;
        };
        let base = match node.child_by_field_name("type") {
            Some(t) => self.base_type(t, None, 0),
            None => TypeRef::Unit,
        };
        let declared = self.declarator(declarator, base, false);
        let (Some((name, name_span)), Some((params_node, ret))) =
            (declared.name, declared.function)
        else {
            return;
        };
        let type_start = node
            .child_by_field_name("type")
            .map_or(name_span.start, |t| t.start_byte());
        let ret_span = self.trimmed(type_start, name_span.start);
        let class = match owner {
            Some(owner) => Some(owner.to_string()),
            None => name.rsplit_once("::").map(|(class, _)| class.to_string()),
        };
        let name = qualified(owner, name);
        let params = self.params(params_node);
        let ret = (ret != TypeRef::Unit).then_some(ret);
        let body_id = self.ir.bodies.len();
        self.ir.bodies.push(Body {
            ret: ret.clone(),
            ..Body::default()
        });
        let saved_body = std::mem::replace(&mut self.body, body_id);
        let saved_scopes = std::mem::take(&mut self.scopes);
        let saved_spans = std::mem::take(&mut self.local_type_spans);
        let saved_ret = self.ret_span.replace(ret_span);
        if let Some(class) = class {
            self.bind(
                "this".to_string(),
                Some(TypeRef::Pointer(Box::new(TypeRef::Named(class)))),
                Value::Unknown,
                None,
            );
        }
        for param in &params {
            if !param.name.is_empty() {
                self.bind(
                    param.name.clone(),
                    Some(param.ty.clone()),
                    Value::Unknown,
                    Some(param.ty_span),
                );
            }
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.statement(body, 0);
        }
        self.body = saved_body;
        self.scopes = saved_scopes;
        self.local_type_spans = saved_spans;
        self.ret_span = saved_ret;
        self.ir.functions.push(FnDecl {
            name,
            kind: FnKind::Defined(body_id),
            params,
            ret,
            ret_span,
            name_span,
            cond: self.cond(node),
            attributes: Vec::new(),
        });
    }

    fn bind(
        &mut self,
        name: String,
        ty: Option<TypeRef>,
        value: Value,
        ty_span: Option<Span>,
    ) -> LocalId {
        self.local_type_spans.push(ty_span);
        let body = &mut self.ir.bodies[self.body];
        self.scopes.bind(body, name, ty, value)
    }

    pub(super) fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.lookup(name)
    }

    fn statement(&mut self, node: Node<'t>, depth: usize) {
        if depth > MAX_NESTING {
            self.truncated = true;
            return;
        }
        match node.kind() {
            "compound_statement" => {
                self.scopes.open();
                for child in named_children(node) {
                    self.statement(child, depth + 1);
                }
                self.scopes.close();
            }
            "declaration" => self.local_declaration(node),
            "return_statement" => {
                if let Some(value_node) = node.named_child(0) {
                    let value = self.expr(value_node);
                    if let Some(ret) = self.ir.bodies[self.body].ret.clone() {
                        self.implicit(
                            &value,
                            ConversionTarget::Written(ret),
                            value_node,
                            self.ret_span,
                        );
                    }
                    self.ir.bodies[self.body].returns.push(value);
                }
            }
            "expression_statement" => {
                if let Some(expr) = node.named_child(0) {
                    self.expr(expr);
                }
            }
            "for_statement" | "for_range_loop" => {
                self.scopes.open();
                for child in named_children(node) {
                    self.statement(child, depth + 1);
                }
                self.scopes.close();
            }
            "if_statement" => self.if_chain(node, depth),
            "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef"
            | "preproc_else" => {
                for child in preproc_branches(node) {
                    self.statement(child, depth + 1);
                }
            }
            "while_statement" | "do_statement" | "switch_statement" | "case_statement"
            | "labeled_statement" | "else_clause" | "condition_clause" | "try_statement"
            | "catch_clause" | "seh_try_statement" | "seh_except_clause" | "seh_finally_clause"
            | "ERROR" => {
                for child in named_children(node) {
                    self.statement(child, depth + 1);
                }
            }
            "type_definition" => self.type_definition(node, depth),
            "preproc_call" => self.pragma(node),
            "preproc_def" => self.define(node),
            "comment"
            | "break_statement"
            | "continue_statement"
            | "goto_statement"
            | "statement_identifier"
            | "preproc_function_def"
            | "preproc_include" => {}
            _ => {
                self.expr(node);
            }
        }
    }

    /// An `if` and its `else if`s: a chain of branches is a sequence, lowered in a loop at the
    /// depth of its first `if` so that its length costs no nesting.
    fn if_chain(&mut self, node: Node<'t>, depth: usize) {
        let mut branch = Some(node);
        while let Some(current) = branch.take() {
            let alternative = current.child_by_field_name("alternative");
            for child in named_children(current) {
                if Some(child) != alternative {
                    self.statement(child, depth + 1);
                }
            }
            let Some(alternative) = alternative else {
                break;
            };
            match named_children(alternative).as_slice() {
                [next] if next.kind() == "if_statement" => branch = Some(*next),
                _ => self.statement(alternative, depth + 1),
            }
        }
    }

    fn local_declaration(&mut self, node: Node<'t>) {
        let Some(type_node) = node.child_by_field_name("type") else {
            return;
        };
        let base = self.base_type(type_node, None, 0);
        for declarator in children_by_field(node, "declarator") {
            let (inner, value_node) = split_initializer(declarator);
            let declared = self.declarator(inner, base.clone(), false);
            let Some((name, name_span)) = declared.name else {
                continue;
            };
            if declared.function.is_some() {
                continue;
            }
            let ty_span = self.trimmed(type_node.start_byte(), name_span.start);
            let ty = (declared.ty != TypeRef::Infer).then_some(declared.ty);
            let value = match (value_node, &ty) {
                (Some(v), Some(ty)) => {
                    let value = self.initializer(v, ty);
                    self.implicit(
                        &value,
                        ConversionTarget::Written(ty.clone()),
                        v,
                        Some(ty_span),
                    );
                    value
                }
                (Some(v), None) => self.expr(v),
                (None, _) => Value::Unknown,
            };
            let id = self.bind(name, ty.clone(), value, Some(ty_span));
            if let Some(value_node) = value_node {
                self.remember_local(id, value_node);
                registry::bind_local(self, id, ty.as_ref(), value_node);
            }
        }
    }

    /// An initialiser: an expression, or a brace list whose designated fields are slots.
    fn initializer(&mut self, node: Node<'t>, ty: &TypeRef) -> Value {
        if node.kind() != "initializer_list" {
            return self.expr(node);
        }
        for item in named_children(node) {
            if item.kind() != "initializer_pair" {
                self.expr(item);
                continue;
            }
            let field = children_by_field(item, "designator")
                .last()
                .and_then(|d| d.named_child(0))
                .map(|n| self.text_of(n).to_string());
            let Some(value_node) = item.child_by_field_name("value") else {
                continue;
            };
            let value = self.expr(value_node);
            if let (Some(field), Some(struct_name)) = (field, ty.pointee_name()) {
                let slot = Slot::Field {
                    ty: struct_name.to_string(),
                    field,
                };
                self.implicit(&value, ConversionTarget::Inferred(slot), value_node, None);
            }
        }
        Value::Unknown
    }

    /// Records an implicit conversion of a value flowing into a typed place.
    fn implicit(
        &mut self,
        value: &Value,
        to: ConversionTarget,
        node: Node<'t>,
        to_span: Option<Span>,
    ) {
        if matches!(value, Value::Unknown | Value::Int(_) | Value::Text) {
            return;
        }
        let destination = match &to {
            ConversionTarget::Inferred(slot) => Some(slot.clone()),
            _ => None,
        };
        self.ir.conversions.push(Conversion {
            body: self.body,
            value: value.clone(),
            to,
            span: span(node),
            value_span: span(node),
            to_span,
            destination,
            cond: self.cond(node),
            implicit: true,
        });
    }

    // ---- expressions ----

    fn expr(&mut self, node: Node<'t>) -> Value {
        if self.expr_depth >= MAX_EXPR_DEPTH {
            self.deep_expressions = true;
            return Value::Unknown;
        }
        self.expr_depth += 1;
        let value = self.expr_inner(node);
        self.expr_depth -= 1;
        value
    }

    fn expr_inner(&mut self, node: Node<'t>) -> Value {
        match node.kind() {
            "parenthesized_expression" => node
                .named_child(0)
                .map_or(Value::Unknown, |inner| self.expr(inner)),
            "identifier" => {
                let name = self.text_of(node);
                match self.lookup(name) {
                    Some(id) => Value::Local(id),
                    None if name == "NULL" => Value::Int(0),
                    None => Value::Global(name.to_string()),
                }
            }
            "this" => self.lookup("this").map_or(Value::Unknown, Value::Local),
            "null" | "nullptr" => Value::Int(0),
            "number_literal" => parse_int(self.text_of(node)).map_or(Value::Unknown, Value::Int),
            "string_literal" | "concatenated_string" | "raw_string_literal" => {
                self.remember_path_literal(node);
                Value::Text
            }
            "cast_expression" => {
                let (Some(type_node), Some(value_node)) = (
                    node.child_by_field_name("type"),
                    node.child_by_field_name("value"),
                ) else {
                    return Value::Unknown;
                };
                let ty = self.type_descriptor(type_node);
                self.cast(node, value_node, ty, span(type_node))
            }
            "call_expression" => self.call(node),
            "field_expression" => {
                let (Some(base), Some(field)) = (
                    node.child_by_field_name("argument"),
                    node.child_by_field_name("field"),
                ) else {
                    return Value::Unknown;
                };
                let base = self.expr(base);
                Value::Field(Box::new(base), self.text_of(field).to_string())
            }
            "pointer_expression" => {
                let inner = node
                    .child_by_field_name("argument")
                    .map_or(Value::Unknown, |a| self.expr(a));
                let is_address = node
                    .child_by_field_name("operator")
                    .is_some_and(|op| self.text_of(op) == "&");
                if is_address {
                    Value::AddressOf(Box::new(inner))
                } else {
                    Value::Unknown
                }
            }
            "unary_expression" => {
                let inner = node
                    .child_by_field_name("argument")
                    .map_or(Value::Unknown, |a| self.expr(a));
                let op = node
                    .child_by_field_name("operator")
                    .map_or("", |op| self.text_of(op));
                match (op, inner) {
                    ("-", Value::Int(n)) => Value::Int(-n),
                    ("-" | "+", inner) => inner,
                    _ => Value::Unknown,
                }
            }
            "binary_expression" => {
                let left = node
                    .child_by_field_name("left")
                    .map_or(Value::Unknown, |l| self.expr(l));
                let right = node
                    .child_by_field_name("right")
                    .map_or(Value::Unknown, |r| self.expr(r));
                let op = node
                    .child_by_field_name("operator")
                    .map_or("", |op| self.text_of(op));
                match op {
                    "+" | "-" | "*" | "|" | "^" => Value::Arith(Box::new(left), Box::new(right)),
                    "&" | ">>" | "<<" | "%" | "/" => Value::Masked(Box::new(left)),
                    _ => Value::Unknown,
                }
            }
            "assignment_expression" => {
                self.assignment(node);
                Value::Unknown
            }
            "comma_expression" => {
                if let Some(left) = node.child_by_field_name("left") {
                    self.expr(left);
                }
                node.child_by_field_name("right")
                    .map_or(Value::Unknown, |r| self.expr(r))
            }
            "sizeof_expression"
            | "alignof_expression"
            | "offsetof_expression"
            | "lambda_expression"
            | "char_literal"
            | "true"
            | "false" => Value::Unknown,
            "initializer_list" => self.initializer(node, &TypeRef::Other),
            _ => {
                for child in named_children(node) {
                    self.expr(child);
                }
                Value::Unknown
            }
        }
    }

    fn type_descriptor(&mut self, node: Node<'t>) -> TypeRef {
        let base = node
            .child_by_field_name("type")
            .map_or(TypeRef::Other, |t| self.base_type(t, None, 0));
        match node.child_by_field_name("declarator") {
            Some(declarator) => {
                let declared = self.declarator(declarator, base, false);
                if declared.function.is_some() {
                    TypeRef::FnPtr
                } else {
                    declared.ty
                }
            }
            None => base,
        }
    }

    fn cast(&mut self, node: Node<'t>, value_node: Node<'t>, ty: TypeRef, to_span: Span) -> Value {
        let value = self.expr(value_node);
        let to = ConversionTarget::Written(ty);
        self.ir.conversions.push(Conversion {
            body: self.body,
            value: value.clone(),
            to: to.clone(),
            span: span(node),
            value_span: span(value_node),
            to_span: Some(to_span),
            destination: None,
            cond: self.cond(node),
            implicit: false,
        });
        Value::Cast(Box::new(value), to)
    }

    fn call(&mut self, node: Node<'t>) -> Value {
        let (Some(function), Some(arguments)) = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        ) else {
            return Value::Unknown;
        };
        let arg_nodes = named_children(arguments);
        // static_cast<DWORD>(h) and its kin.
        if function.kind() == "template_function"
            && let Some(name) = function.child_by_field_name("name")
            && CASTS.contains(&self.text_of(name))
            && let Some(type_node) = function
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
            && let Some(&value_node) = arg_nodes.first()
        {
            let ty = self.type_descriptor(type_node);
            return self.cast(node, value_node, ty, span(type_node));
        }
        let (callee_node, qualifier) = match function.kind() {
            "identifier" | "primitive_type" => (Some(function), None),
            "qualified_identifier" => {
                let scope = function
                    .child_by_field_name("scope")
                    .map(|s| self.text_of(s).to_string());
                (last_name(function), scope)
            }
            // `obj->Method(...)`, `This->lpVtbl->Method(...)`: a method, which the model would
            // confuse with a free function of the same name (`GetWindow`, `GetErrorInfo`).
            "field_expression" => {
                self.method_call(function, &arg_nodes);
                self.expr(function);
                for &arg in &arg_nodes {
                    self.expr(arg);
                }
                registry::method_call(self, function, &arg_nodes, node);
                return Value::Unknown;
            }
            "template_function" => (function.child_by_field_name("name"), None),
            _ => {
                self.expr(function);
                (None, None)
            }
        };
        let Some(callee_node) = callee_node else {
            for arg in arg_nodes {
                self.expr(arg);
            }
            return Value::Unknown;
        };
        let callee = self.text_of(callee_node).to_string();
        // C++ `DWORD(h)` is a cast when `DWORD` names a type; the model decides which it is.
        let functional_cast = self.ir.language == Language::Cpp
            && arg_nodes.len() == 1
            && matches!(function.kind(), "identifier" | "primitive_type");
        let mut args = Vec::with_capacity(arg_nodes.len());
        for (index, arg) in arg_nodes.iter().enumerate() {
            let value = self.expr(*arg);
            if !functional_cast {
                let slot = Slot::Arg {
                    callee: callee.clone(),
                    index,
                    arity: arg_nodes.len(),
                };
                self.implicit(&value, ConversionTarget::Inferred(slot), *arg, None);
            }
            args.push(Arg {
                value,
                span: span(*arg),
                name_span: self.name_span(*arg),
            });
        }
        self.library_call(&callee, node, &arg_nodes);
        registry::call(self, &callee, &arg_nodes, node);
        let values: Vec<Value> = args.iter().map(|a| a.value.clone()).collect();
        if functional_cast {
            let ty = match function.kind() {
                "primitive_type" => primitive(&callee),
                _ => TypeRef::Named(callee.clone()),
            };
            self.ir.conversions.push(Conversion {
                body: self.body,
                value: values[0].clone(),
                to: ConversionTarget::Written(ty),
                span: span(node),
                value_span: args[0].span,
                to_span: Some(span(function)),
                destination: None,
                cond: self.cond(node),
                implicit: false,
            });
        }
        self.ir.calls.push(CallSite {
            body: self.body,
            callee: callee.clone(),
            callee_span: span(callee_node),
            qualified: qualifier.is_some(),
            args,
            span: span(node),
            cond: self.cond(node),
        });
        Value::Call {
            qualifier,
            callee,
            args: values,
        }
    }

    /// The identifier an argument names, through casts and parentheses (a constant a fix renames).
    fn name_span(&self, node: Node<'t>) -> Option<Span> {
        // A loop, not recursion: the parentheses may be nested arbitrarily deep.
        let mut current = node;
        loop {
            current = match current.kind() {
                "identifier" => return Some(span(current)),
                "parenthesized_expression" => current.named_child(0)?,
                "cast_expression" => current.child_by_field_name("value")?,
                _ => return None,
            };
        }
    }

    fn assignment(&mut self, node: Node<'t>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let value = self.expr(right);
        self.forget_written(left);
        let plain = node
            .child_by_field_name("operator")
            .is_none_or(|op| self.text_of(op) == "=");
        if !plain {
            self.expr(left);
            return;
        }
        match left.kind() {
            "identifier" => {
                let name = self.text_of(left);
                if let Some(id) = self.lookup(name) {
                    let local = &self.ir.bodies[self.body].locals[id];
                    if let Some(ty) = local.ty.clone() {
                        let to_span = self.local_type_spans.get(id).copied().flatten();
                        self.implicit(&value, ConversionTarget::Written(ty), right, to_span);
                    }
                    self.ir.bodies[self.body].locals[id].values.push(value);
                    registry::assign(self, id, right);
                } else if let Some((ty, ty_span)) = self.globals.get(name).cloned() {
                    self.implicit(&value, ConversionTarget::Written(ty), right, Some(ty_span));
                }
            }
            "field_expression" => {
                let (Some(base), Some(field)) = (
                    left.child_by_field_name("argument"),
                    left.child_by_field_name("field"),
                ) else {
                    return;
                };
                let field = self.text_of(field).to_string();
                let local = match base.kind() {
                    "identifier" => self.lookup(self.text_of(base)),
                    "this" => self.lookup("this"),
                    _ => None,
                };
                let Some(id) = local else {
                    self.expr(base);
                    return;
                };
                let struct_name = self.ir.bodies[self.body].locals[id]
                    .ty
                    .as_ref()
                    .and_then(TypeRef::pointee_name)
                    .map(str::to_string);
                if let Some(struct_name) = struct_name {
                    let slot = Slot::Field {
                        ty: struct_name,
                        field: field.clone(),
                    };
                    self.implicit(&value, ConversionTarget::Inferred(slot), right, None);
                }
                self.ir.bodies[self.body]
                    .field_stores
                    .push((id, field, value));
            }
            _ => {
                self.expr(left);
            }
        }
    }
}

fn qualified(owner: Option<&str>, name: String) -> String {
    match owner {
        Some(owner) => format!("{owner}::{name}"),
        None => name,
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name).trim()
}

/// The innermost name of a qualified identifier (`a::b::c` → `c`).
pub(super) fn last_name(node: Node) -> Option<Node> {
    let mut current = node;
    while current.kind() == "qualified_identifier" {
        current = current.child_by_field_name("name")?;
    }
    Some(current)
}

/// A primitive type keyword: `void` is the unit type, the rest keep their C names, which the
/// knowledge tables know.
fn primitive(text: &str) -> TypeRef {
    match text {
        "void" => TypeRef::Unit,
        other => TypeRef::Named(other.to_string()),
    }
}

/// `unsigned long int`, `long long`, `unsigned __int64`, ... as one canonical name.
fn sized_type(words: &[&str]) -> TypeRef {
    let unsigned = words.contains(&"unsigned");
    let longs = words.iter().filter(|w| **w == "long").count();
    let short = words.contains(&"short");
    let base = words
        .iter()
        .find(|w| {
            !matches!(
                **w,
                "unsigned" | "signed" | "long" | "short" | "int" | "const" | "volatile"
            )
        })
        .copied();
    let name = match base {
        Some("double" | "float") => return TypeRef::Other,
        Some("char") if unsigned => "unsigned char".to_string(),
        Some("char") if words.contains(&"signed") => "signed char".to_string(),
        Some(base) if unsigned => format!("unsigned {base}"),
        Some(base) => base.to_string(),
        None => {
            let size = match (short, longs) {
                (true, _) => "short",
                (false, 0) => "int",
                (false, 1) => "long",
                (false, _) => "long long",
            };
            match (unsigned, size) {
                (true, "int") => "unsigned".to_string(),
                (true, size) => format!("unsigned {size}"),
                (false, size) => size.to_string(),
            }
        }
    };
    TypeRef::Named(name)
}

/// The type a `#define` value spells, if it reads as one: `HANDLE`, `unsigned long`, `void *`.
fn type_from_text(text: &str) -> Option<TypeRef> {
    let text = text.trim();
    let core = text.trim_end_matches(['*', ' ', '\t']);
    let words: Vec<&str> = core.split_whitespace().collect();
    let is_word = |w: &&str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if words.is_empty() || !words.iter().all(is_word) {
        return None;
    }
    let mut ty = match words.as_slice() {
        [single] => primitive(single),
        several
            if several.iter().all(|w| {
                matches!(
                    *w,
                    "unsigned" | "signed" | "long" | "short" | "int" | "char"
                )
            }) =>
        {
            sized_type(several)
        }
        _ => return None,
    };
    for _ in text[core.len()..].matches('*') {
        ty = TypeRef::Pointer(Box::new(ty));
    }
    Some(ty)
}

/// A C integer literal: decimal, hex, octal or binary, with `u`/`l` suffixes.
pub(super) fn parse_int(text: &str) -> Option<i128> {
    let digits = text
        .trim_end_matches(['u', 'U', 'l', 'L', 'z', 'Z'])
        .replace('\'', "");
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        i128::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()
    } else {
        digits.parse().ok()
    }
}
