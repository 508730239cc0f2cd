//! Declarations: typedefs, `DECLARE_HANDLE` and `#define` aliases, structs, prototypes and
//! interfaces, each with the `#if` condition in force where it starts.

use super::*;

impl<'t> Lowerer<'t> {
    pub(super) fn items(&mut self, node: Node<'t>, owner: Option<&str>, depth: usize) {
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
    pub(super) fn define(&mut self, node: Node<'t>) {
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

    pub(super) fn type_definition(&mut self, node: Node<'t>, depth: usize) {
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
            library: None,
        });
    }

    pub(super) fn params(&mut self, list: Node<'t>) -> Vec<Param> {
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
    pub(super) fn base_type(
        &mut self,
        node: Node<'t>,
        name_hint: Option<&str>,
        depth: usize,
    ) -> TypeRef {
        match node.kind() {
            "primitive_type" => primitive(self.text_of(node)),
            "type_identifier" => TypeRef::Named(self.text_of(node).to_string()),
            "sized_type_specifier" => {
                let words: Vec<&str> = self.text_of(node).split_whitespace().collect();
                sized_type(&words)
            }
            // `struct tag *p` names the tag's type even where no body comes with it.
            "struct_specifier" | "union_specifier" | "class_specifier" => self
                .struct_specifier(node, name_hint, depth)
                .or_else(|| {
                    node.child_by_field_name("name")
                        .map(|name| last_segment(self.text_of(name)).to_string())
                })
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
        // An enumeration has the width of `int` (MSVC and mingw alike), or of its base type.
        let mut name = node.child_by_field_name("name");
        let mut ty = node
            .child_by_field_name("base")
            .map_or(TypeRef::named("int"), |base| self.base_type(base, None, 0));
        // The grammar reads an unnamed `enum : UINT_PTR { … }` as an enum named `UINT_PTR`.
        if let Some(misread) =
            name.filter(|n| self.text_of(node)[..n.start_byte() - node.start_byte()].contains(':'))
        {
            ty = TypeRef::Named(self.text_of(misread).to_string());
            name = None;
        }
        if let (Some(name), Some(_)) = (name, node.child_by_field_name("body")) {
            self.ir.aliases.push(TypeAlias {
                name: self.text_of(name).to_string(),
                ty: ty.clone(),
                span: span(node),
                ty_span: span(name),
                cond: self.cond(node),
                attributes: Vec::new(),
            });
        }
        ty
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
    pub(super) fn declarator(
        &self,
        node: Node<'t>,
        base: TypeRef,
        parameter: bool,
    ) -> Declared<'t> {
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
}
