//! Items whose IR needs no syntax tree, read from tokens: constants written as one literal
//! (`pub const WM_PAINT: u32 = 15u32;`) and aliases of one named type (`pub type BOOL = i32;`).
//!
//! Binding crates are mostly such lines: over half of windows-sys's bytes. All the IR keeps of
//! a plain constant is its name and type (a literal number is no text, GUID, call or
//! conversion), and of a plain alias its name, the type's name and their spans, so building
//! syn's tree for them is wasted work. Top-level items of exactly these shapes, with no
//! attribute but doc comments, are taken out of the token stream before syn parses the rest;
//! everything else goes to syn untouched, spans and all.

use proc_macro2::{Delimiter, Ident, Spacing, Span as TokenSpan, TokenStream, TokenTree};

use crate::source::Span;

pub enum PlainItem {
    /// `const NAME: TYPE = literal;`, and where it starts.
    Const {
        name: String,
        ty: String,
        start: usize,
    },
    /// `type NAME = TYPE;`, with the span of the whole item (doc comments included, as syn's)
    /// and of the type.
    Alias {
        name: String,
        ty: String,
        span: Span,
        ty_span: Span,
    },
}

impl PlainItem {
    /// Where the item starts (its doc comments included, as syn's spans do).
    pub fn start(&self) -> usize {
        match self {
            PlainItem::Const { start, .. } => *start,
            PlainItem::Alias { span, .. } => span.start,
        }
    }
}

/// Splits the file's top-level tokens into the plain items and the rest, for syn.
pub fn take_plain_items(tokens: TokenStream) -> (Vec<PlainItem>, TokenStream) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut plain = Vec::new();
    let mut rest = Vec::with_capacity(trees.len());
    let mut at = 0;
    let mut item_start = true;
    while at < trees.len() {
        if item_start && let Some((item, len)) = plain_item(&trees[at..]) {
            plain.push(item);
            at += len;
            continue;
        }
        let tree = &trees[at];
        // An item ends at a `;` or a `{ ... }` at the top level; an attribute is no item.
        item_start = match tree {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
            _ => false,
        };
        rest.push(tree.clone());
        at += 1;
    }
    (plain, rest.into_iter().collect())
}

/// The plain item that `trees` starts with, and how many trees it spans.
fn plain_item(trees: &[TokenTree]) -> Option<(PlainItem, usize)> {
    let mut at = 0;
    // Doc comments only: any other attribute (`#[cfg]`) may change what the item means.
    while let [TokenTree::Punct(hash), TokenTree::Group(attribute), ..] = &trees[at..] {
        if hash.as_char() != '#' || attribute.delimiter() != Delimiter::Bracket {
            break;
        }
        let is_doc = matches!(
            attribute.stream().into_iter().next(),
            Some(TokenTree::Ident(name)) if name == "doc"
        );
        if !is_doc {
            return None;
        }
        at += 2;
    }
    if matches!(&trees.get(at), Some(TokenTree::Ident(i)) if i == "pub") {
        at += 1;
        if let Some(TokenTree::Group(group)) = trees.get(at)
            && group.delimiter() == Delimiter::Parenthesis
        {
            // `pub(crate)`, `pub(super)`, `pub(in path)`; `pub()` is no Rust.
            if group.stream().is_empty() {
                return None;
            }
            at += 1;
        }
    }
    let (item, len) = match trees.get(at) {
        Some(TokenTree::Ident(keyword)) if keyword == "const" => {
            plain_const(&trees[at + 1..], trees[0].span().byte_range().start)?
        }
        Some(TokenTree::Ident(keyword)) if keyword == "type" => {
            let (name, ty, len) = plain_alias(&trees[at + 1..])?;
            let end = trees[at + len].span();
            let item = PlainItem::Alias {
                name: name.to_string(),
                ty: ty.to_string(),
                span: span_between(trees[0].span(), end),
                ty_span: span_between(ty.span(), ty.span()),
            };
            (item, len)
        }
        _ => return None,
    };
    Some((item, at + 1 + len))
}

/// After `const`: `NAME: TYPE = literal;`, for an item that starts at `start`.
fn plain_const(trees: &[TokenTree], start: usize) -> Option<(PlainItem, usize)> {
    let [
        TokenTree::Ident(name),
        TokenTree::Punct(colon),
        TokenTree::Ident(ty),
        TokenTree::Punct(equals),
        rest @ ..,
    ] = trees
    else {
        return None;
    };
    // `_` as a name or a type is for syn to read (or refuse).
    if name == "_" || ty == "_" || !is_alone(colon, ':') || !is_alone(equals, '=') {
        return None;
    }
    let negated = matches!(rest.first(), Some(TokenTree::Punct(p)) if p.as_char() == '-');
    let value = &rest[usize::from(negated)..];
    let [literal, TokenTree::Punct(semicolon), ..] = value else {
        return None;
    };
    let is_number = match literal {
        TokenTree::Literal(literal) => literal
            .to_string()
            .starts_with(|c: char| c.is_ascii_digit()),
        TokenTree::Ident(word) => !negated && (word == "true" || word == "false"),
        _ => false,
    };
    if !is_number || semicolon.as_char() != ';' {
        return None;
    }
    let item = PlainItem::Const {
        name: name.to_string(),
        ty: ty.to_string(),
        start,
    };
    Some((item, 4 + usize::from(negated) + 2))
}

/// After `type`: `NAME = TYPE;`, with the number of trees it spans, the `;` included.
fn plain_alias(trees: &[TokenTree]) -> Option<(&Ident, &Ident, usize)> {
    let [
        TokenTree::Ident(name),
        TokenTree::Punct(equals),
        TokenTree::Ident(ty),
        TokenTree::Punct(semicolon),
        ..,
    ] = trees
    else {
        return None;
    };
    // `dyn`, `impl` and the like begin longer types; a keyword is never a type's whole name.
    let keyword = matches!(
        ty.to_string().as_str(),
        "dyn" | "impl" | "fn" | "unsafe" | "extern" | "_"
    );
    if keyword || !is_alone(equals, '=') || semicolon.as_char() != ';' {
        return None;
    }
    Some((name, ty, 4))
}

fn is_alone(punct: &proc_macro2::Punct, c: char) -> bool {
    punct.as_char() == c && punct.spacing() == Spacing::Alone
}

fn span_between(first: TokenSpan, last: TokenSpan) -> Span {
    Span::new(first.byte_range().start, last.byte_range().end)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn split(text: &str) -> (Vec<String>, String) {
        let (items, rest) = take_plain_items(TokenStream::from_str(text).unwrap());
        let items = items
            .into_iter()
            .map(|item| match item {
                PlainItem::Const { name, ty, .. } => format!("const {name}: {ty}"),
                PlainItem::Alias {
                    name,
                    ty,
                    span,
                    ty_span,
                } => format!(
                    "type {name} = {ty} at {}..{}, {}..{}",
                    span.start, span.end, ty_span.start, ty_span.end
                ),
            })
            .collect();
        (items, rest.to_string())
    }

    #[test]
    fn plain_items_are_taken_and_everything_else_kept() {
        let (items, rest) = split(
            "/// Docs.\npub const A: u32 = 15u32;\npub(crate) const B: DWORD = -1;\n\
             const C: bool = true;\nfn f() {}\nconst D: f64 = 1.5;\n/// An alias.\npub type E = u32;",
        );
        assert_eq!(
            items,
            [
                "const A: u32",
                "const B: DWORD",
                "const C: bool",
                "const D: f64",
                "type E = u32 at 120..151, 147..150",
            ]
        );
        assert_eq!(rest, "fn f () { }");
    }

    #[test]
    fn anything_else_goes_to_syn() {
        for text in [
            "#[cfg(windows)] const A: u32 = 1;",
            "const A: HWND = 0 as HWND;",
            "const A: &str = \"kernel32.dll\";",
            "const A: u32 = B;",
            "const A: u32 = 1 + 2;",
            "const A: windows::HWND = 1;",
            "const A: Option<u32> = 1;",
            "const fn f() -> u32 { 1 }",
            "static A: u32 = 1;",
            "const _: u32 = 1;",
            "const A: bool = -true;",
            "impl S { const A: u32 = 1; type T = u8; }",
            "#[cfg(windows)] type A = u32;",
            "type A = *mut c_void;",
            "type A = core::ffi::c_void;",
            "type A<T> = Vec<T>;",
            "type A = Option<u32>;",
            "type A = dyn Fn();",
            "type A = fn();",
            "type A;",
            "type A = _;",
            "const A: _ = 1;",
            "pub() type A = B;",
        ] {
            let (items, rest) = split(text);
            assert!(items.is_empty(), "{text}");
            assert_eq!(rest, TokenStream::from_str(text).unwrap().to_string());
        }
    }

    #[test]
    fn only_item_starts_are_considered() {
        // An item starts after a `;` or a `{ ... }` at the top level.
        let (items, rest) = split("struct S {} const A: u32 = 1; use x::y; type T = u8;");
        assert_eq!(items.len(), 2);
        assert_eq!(rest, "struct S { } use x :: y ;");
    }
}
