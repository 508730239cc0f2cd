//! Constants written as one literal (`pub const WM_PAINT: u32 = 15u32;`), read from tokens.
//!
//! Binding crates are mostly such lines: nearly half of windows-sys's bytes. All the IR keeps of
//! one is its name and type (a literal number is no text, GUID, call or conversion), so
//! building syn's tree for it is wasted work. Top-level items of exactly this shape, with no
//! attribute but doc comments, are taken out of the token stream before syn parses the rest;
//! everything else goes to syn untouched, spans and all.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// `const NAME: TYPE = literal;`, by name and type.
pub struct PlainConst {
    pub name: String,
    pub ty: String,
}

/// Splits the file's top-level tokens into the plain constants and the rest, for syn.
pub fn take_plain_consts(tokens: TokenStream) -> (Vec<PlainConst>, TokenStream) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut consts = Vec::new();
    let mut rest = Vec::with_capacity(trees.len());
    let mut at = 0;
    let mut item_start = true;
    while at < trees.len() {
        if item_start && let Some((plain, len)) = plain_const(&trees[at..]) {
            consts.push(plain);
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
    (consts, rest.into_iter().collect())
}

/// The plain constant that `trees` starts with, and how many trees it spans.
fn plain_const(trees: &[TokenTree]) -> Option<(PlainConst, usize)> {
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
        if matches!(&trees.get(at), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            at += 1;
        }
    }
    let [
        TokenTree::Ident(keyword),
        TokenTree::Ident(name),
        TokenTree::Punct(colon),
        TokenTree::Ident(ty),
        TokenTree::Punct(equals),
        rest @ ..,
    ] = &trees[at..]
    else {
        return None;
    };
    if keyword != "const"
        || name == "_"
        || colon.as_char() != ':'
        || colon.spacing() != Spacing::Alone
        || equals.as_char() != '='
        || equals.spacing() != Spacing::Alone
    {
        return None;
    }
    at += 5;
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
    at += usize::from(negated) + 2;
    let plain = PlainConst {
        name: name.to_string(),
        ty: ty.to_string(),
    };
    Some((plain, at))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn split(text: &str) -> (Vec<(String, String)>, String) {
        let (consts, rest) = take_plain_consts(TokenStream::from_str(text).unwrap());
        let consts = consts.into_iter().map(|c| (c.name, c.ty)).collect();
        (consts, rest.to_string())
    }

    #[test]
    fn plain_constants_are_taken_and_everything_else_kept() {
        let (consts, rest) = split(
            "/// Docs.\npub const A: u32 = 15u32;\npub(crate) const B: DWORD = -1;\n\
             const C: bool = true;\nfn f() {}\nconst D: f64 = 1.5;",
        );
        assert_eq!(
            consts,
            [("A", "u32"), ("B", "DWORD"), ("C", "bool"), ("D", "f64")]
                .map(|(n, t)| (n.to_string(), t.to_string()))
        );
        assert_eq!(rest, "fn f () { }");
    }

    #[test]
    fn anything_but_a_plain_literal_goes_to_syn() {
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
            "impl S { const A: u32 = 1; }",
        ] {
            let (consts, rest) = split(text);
            assert!(consts.is_empty(), "{text}");
            assert_eq!(rest, TokenStream::from_str(text).unwrap().to_string());
        }
    }

    #[test]
    fn only_item_starts_are_considered() {
        // An item starts after a `;` or a `{ ... }` at the top level.
        let (consts, rest) = split("struct S {} const A: u32 = 1; type T = u8; const B: u8 = 2;");
        assert_eq!(consts.len(), 2);
        assert_eq!(rest, "struct S { } type T = u8 ;");
    }
}
