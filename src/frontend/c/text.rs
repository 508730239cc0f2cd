//! The text a C or C++ expression holds, as far as the file writes it: the one reader of text
//! expressions, for registry keys and values as for library names and paths.

use tree_sitter::Node;

use super::literal::c_literal;
use super::lower::{CASTS, Lowerer, named_children};
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;

/// Expressions are followed this deep; deeper parts are unknown.
const MAX_DEPTH: usize = 64;

/// The text of an expression: literals (adjacent ones joined), parentheses, casts, the macros
/// and methods that pass text through (`TEXT(..)`, `s.c_str()`), and names, whose text `name`
/// gives (`None`: a local holding something other than text). Parts only known at run time
/// are unknown; `None` when the expression is not text at all.
pub(super) fn text_of(
    l: &Lowerer,
    node: Node,
    name: &dyn Fn(&str) -> Option<MappedText>,
) -> Option<MappedText> {
    text_at(l, node, name, 0)
}

fn text_at(
    l: &Lowerer,
    node: Node,
    name: &dyn Fn(&str) -> Option<MappedText>,
    depth: usize,
) -> Option<MappedText> {
    if depth > MAX_DEPTH {
        return None;
    }
    let only_child = |node: Node| match named_children(node).as_slice() {
        [one] => text_at(l, *one, name, depth + 1),
        _ => None,
    };
    match node.kind() {
        "string_literal" | "raw_string_literal" => c_literal(l.text_of(node), node.start_byte()),
        "concatenated_string" => {
            let mut text = MappedText::default();
            for part in named_children(node) {
                text.append(text_at(l, part, name, depth + 1).unwrap_or_else(MappedText::unknown));
            }
            Some(text)
        }
        "parenthesized_expression" | "argument_list" | "initializer_list" => only_child(node),
        "cast_expression" => text_at(l, node.child_by_field_name("value")?, name, depth + 1),
        "identifier" => name(l.text_of(node)),
        "call_expression" => {
            if let Some(operand) = cast_operand(l, node) {
                return text_at(l, operand, name, depth + 1);
            }
            let function = node.child_by_field_name("function")?;
            let args = node.child_by_field_name("arguments")?;
            let passes_text = match function.kind() {
                "identifier" => names().c.text_macros.contains(l.text_of(function)),
                "field_expression" => {
                    let method = function
                        .child_by_field_name("field")
                        .map_or("", |f| l.text_of(f));
                    if names().c.same_text_methods.contains(method)
                        && named_children(args).is_empty()
                    {
                        let receiver = function.child_by_field_name("argument")?;
                        return text_at(l, receiver, name, depth + 1);
                    }
                    false
                }
                _ => false,
            };
            if passes_text { only_child(args) } else { None }
        }
        _ => None,
    }
}

/// The operand of a cast written as a call: `static_cast<T>(x)`, and `(T)(x)`, which the C++
/// grammar reads as a call of `(T)`.
pub(super) fn cast_operand<'t>(l: &Lowerer, node: Node<'t>) -> Option<Node<'t>> {
    let function = node.child_by_field_name("function")?;
    let is_cast = match function.kind() {
        "template_function" => function
            .child_by_field_name("name")
            .is_some_and(|n| CASTS.contains(&l.text_of(n))),
        "parenthesized_expression" => function
            .named_child(0)
            .is_some_and(|n| matches!(n.kind(), "identifier" | "type_descriptor")),
        _ => false,
    };
    match named_children(node.child_by_field_name("arguments")?).as_slice() {
        [operand] if is_cast => Some(*operand),
        _ => None,
    }
}
