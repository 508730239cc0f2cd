//! Function bodies reduced to value flow: locals, C's explicit and implicit conversions, calls
//! and assignments.

use super::*;

impl<'t> Lowerer<'t> {
    pub(super) fn function_definition(&mut self, node: Node<'t>, owner: Option<&str>) {
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
            library: None,
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

    pub(in crate::frontend::c) fn lookup(&self, name: &str) -> Option<LocalId> {
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
    pub(super) fn initializer(&mut self, node: Node<'t>, ty: &TypeRef) -> Value {
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
    pub(super) fn implicit(
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
            compared: false,
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
            "field_expression" | "subscript_expression"
                if let Some((type_name, call)) = self.misread_cast_under(node) =>
            {
                // `(NTSTATUS) (req)->status`: a cast of the whole member access, which the
                // grammar reads as a member of a call, `(NTSTATUS)(req)`.
                let value = self.postfix_value(node, call);
                let ty = TypeRef::Named(self.text_of(type_name).to_string());
                let value_start = call.child_by_field_name("arguments").unwrap_or(call);
                let value_span = Span::new(value_start.start_byte(), node.end_byte());
                self.record_cast(node, value, value_span, ty, span(type_name))
            }
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
                    Value::Deref(Box::new(inner))
                }
            }
            "subscript_expression" => {
                let pointer = node
                    .child_by_field_name("argument")
                    .map_or(Value::Unknown, |a| self.expr(a));
                for index in ["index", "indices"]
                    .into_iter()
                    .filter_map(|f| node.child_by_field_name(f))
                {
                    self.expr(index);
                }
                Value::Deref(Box::new(pointer))
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
                let conversions_before = self.ir.conversions.len();
                let left_node = node.child_by_field_name("left");
                let right_node = node.child_by_field_name("right");
                let op = node
                    .child_by_field_name("operator")
                    .map_or("", |op| self.text_of(op));
                // `(UInt32)*pos`: a cast of a dereference, which the grammar reads as a product
                // since it cannot tell that `UInt32` is a type.
                if op == "*"
                    && let Some(type_name) = left_node.and_then(|l| self.parenthesised_name(l))
                    && let Some(pointer_node) = right_node
                {
                    let pointer = self.expr(pointer_node);
                    let ty = TypeRef::Named(self.text_of(type_name).to_string());
                    let value = Value::Deref(Box::new(pointer));
                    return self.record_cast(node, value, span(pointer_node), ty, span(type_name));
                }
                let left = left_node.map_or(Value::Unknown, |l| self.expr(l));
                let right = right_node.map_or(Value::Unknown, |r| self.expr(r));
                // `(unsigned)(ptrdiff_t)p & 15`: a narrowing cast of which a few low bits alone are kept
                // loses nothing, so the alignment tests of pointers are no truncation.
                if op == "&"
                    && is_low_bit_mask(&right)
                    && let Some(cast) = left_node.map(without_parentheses)
                {
                    let cast_span = span(cast);
                    let mut index = conversions_before;
                    while index < self.ir.conversions.len() {
                        if self.ir.conversions[index].span == cast_span {
                            self.ir.conversions.remove(index);
                        } else {
                            index += 1;
                        }
                    }
                }
                if op == "==" || op == "!=" {
                    for operand in [left_node, right_node].into_iter().flatten() {
                        let operand_span = span(without_parentheses(operand));
                        for conversion in &mut self.ir.conversions[conversions_before..] {
                            conversion.compared |= conversion.span == operand_span;
                        }
                    }
                }
                match op {
                    "-" => Value::Difference(Box::new(left), Box::new(right)),
                    "+" | "*" | "|" | "^" => Value::Arith(Box::new(left), Box::new(right)),
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
        self.record_cast(node, value, span(value_node), ty, to_span)
    }

    fn record_cast(
        &mut self,
        node: Node<'t>,
        value: Value,
        value_span: Span,
        ty: TypeRef,
        to_span: Span,
    ) -> Value {
        let to = ConversionTarget::Written(ty);
        self.ir.conversions.push(Conversion {
            body: self.body,
            value: value.clone(),
            to: to.clone(),
            span: span(node),
            value_span,
            to_span: Some(to_span),
            destination: None,
            cond: self.cond(node),
            implicit: false,
            compared: false,
        });
        Value::Cast(Box::new(value), to)
    }

    /// Under a chain of member accesses and subscripts, a `(T)(x)` the grammar read as a call:
    /// the type's name and the call.
    fn misread_cast_under(&self, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        let mut base = node;
        let mut links = 0;
        while matches!(base.kind(), "field_expression" | "subscript_expression") {
            base = base.child_by_field_name("argument")?;
            links += 1;
            if links > MAX_EXPR_DEPTH {
                return None;
            }
        }
        let function = base.child_by_field_name("function")?;
        let arguments = base.child_by_field_name("arguments")?;
        (base.kind() == "call_expression" && named_children(arguments).len() == 1)
            .then(|| self.parenthesised_name(function))
            .flatten()
            .map(|name| (name, base))
    }

    /// The value of a chain of member accesses and subscripts, with `call` (a misread cast)
    /// standing for its only argument.
    fn postfix_value(&mut self, node: Node<'t>, call: Node<'t>) -> Value {
        if node == call {
            return call
                .child_by_field_name("arguments")
                .and_then(|arguments| named_children(arguments).first().copied())
                .map_or(Value::Unknown, |argument| self.expr(argument));
        }
        let Some(base) = node.child_by_field_name("argument") else {
            return Value::Unknown;
        };
        let base = self.postfix_value(base, call);
        if node.kind() == "field_expression" {
            let field = node
                .child_by_field_name("field")
                .map_or("", |field| self.text_of(field));
            return Value::Field(Box::new(base), field.to_string());
        }
        for index in ["index", "indices"]
            .into_iter()
            .filter_map(|f| node.child_by_field_name(f))
        {
            self.expr(index);
        }
        Value::Deref(Box::new(base))
    }

    /// `(DWORD)` where `DWORD` is no local: a type the grammar could not tell from a value.
    fn parenthesised_name(&self, node: Node<'t>) -> Option<Node<'t>> {
        let name = node.named_child(0)?;
        (node.kind() == "parenthesized_expression"
            && node.named_child_count() == 1
            && matches!(name.kind(), "identifier" | "type_identifier")
            && self.lookup(self.text_of(name)).is_none())
        .then_some(name)
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
        // `(DWORD)(p)`: a cast the grammar reads as a call, since it cannot tell that `DWORD`
        // is a type. `(callback)(p)` through a local is a call; any other name that is no type
        // resolves to nothing, and the cast says nothing.
        if let Some(name) = self.parenthesised_name(function)
            && let [value_node] = arg_nodes.as_slice()
        {
            let ty = TypeRef::Named(self.text_of(name).to_string());
            return self.cast(node, *value_node, ty, span(name));
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
                compared: false,
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

/// The expression inside any parentheses around it.
/// A mask of a few low bits: a constant written with literals of at most 16 bits
/// (`15`, `(1 << 7) - 1`, `7 - (FLAGS & 4)`), or an alignment's `N - 1` (`ALIGN_SIZE - 1`).
fn is_low_bit_mask(mask: &Value) -> bool {
    if let Value::Difference(size, one) = mask
        && size.is_constant()
        && **one == Value::Int(1)
    {
        return true;
    }
    fn small_literals(value: &Value, any: &mut bool) -> bool {
        match value {
            Value::Int(bits) => {
                *any = true;
                (0..=0xFFFF).contains(bits)
            }
            Value::Global(_) => true,
            Value::Masked(inner) | Value::Cast(inner, _) => small_literals(inner, any),
            Value::Arith(left, right) | Value::Difference(left, right) => {
                small_literals(left, any) && small_literals(right, any)
            }
            _ => false,
        }
    }
    let mut any_literal = false;
    small_literals(mask, &mut any_literal) && any_literal
}

fn without_parentheses(mut node: Node) -> Node {
    while node.kind() == "parenthesized_expression" && node.named_child_count() == 1 {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}
