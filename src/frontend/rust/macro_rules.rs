//! The crate's `macro_rules!` macros, expanded where they are invoked: a crate that declares
//! its bindings (`my_bindings! { "user32"; GetWindowLongW(HWND, i32) -> isize }`), structs or
//! casts through a macro is checked like one that writes them out.
//!
//! Matching follows rustc: arms are tried in order, fragments (`$x:ty`, `$e:expr`, …) are
//! parsed by syn, repetitions (`$(…),*`) repeat while their body matches. What the invocation
//! wrote keeps its spans; what the macro adds takes the span of the macro's name at the
//! invocation, where a finding in it is reported (and no fix edits). Expansion depth and output
//! size are bounded, so a recursive or exponential macro costs little.
//!
//! A file's own definitions come first; then those other files of its package make (the
//! engine collects them before lowering: `macros.rs` behind `#[macro_use] mod macros;`,
//! `#[macro_export]`ed ones), except a name defined differently in two files, which is left
//! unexpanded rather than guessed.

use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};

/// Expansions nested deeper than this (a macro whose output invokes macros) are not expanded.
pub const MAX_EXPANSION_DEPTH: usize = 16;
/// An expansion producing more tokens than this is dropped.
const MAX_OUTPUT_TOKENS: usize = 200_000;

/// One `macro_rules!` definition: its arms, in order.
pub struct MacroRules {
    arms: Vec<(Vec<Matcher>, Vec<Piece>)>,
}

enum Matcher {
    Token(TokenTree),
    Group(Delimiter, Vec<Matcher>),
    Fragment(String, String),
    Repeat(Vec<Matcher>, Option<TokenTree>, char),
}

/// A piece of a transcriber.
enum Piece {
    Token(TokenTree),
    Group(Delimiter, Vec<Piece>),
    Var(String),
    Repeat(Vec<Piece>, Option<TokenTree>),
}

enum Bound {
    One(TokenStream),
    Seq(Vec<Bound>),
}

/// What each fragment of an arm matched, by name; arms bind few names, so a list is quickest.
type Bindings<'m> = Vec<(&'m str, Bound)>;

/// The definitions of `macro_rules! name { … }` among these items and their inline modules.
pub fn collect(items: &[syn::Item], into: &mut HashMap<String, Rc<MacroRules>>) {
    for item in items {
        match item {
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                if let (Some(name), Some(rules)) =
                    (&m.ident, parse_definition(m.mac.tokens.clone()))
                {
                    into.insert(name.to_string(), Rc::new(rules));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, into);
                }
            }
            _ => {}
        }
    }
}

/// The `macro_rules!` definitions among these tokens and those of their inline modules, each
/// as its name and the text of its body, for other files of the crate to expand.
pub fn definitions_in(tokens: TokenStream, into: &mut Vec<(String, String)>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "macro_rules" => {
                if let (
                    Some(TokenTree::Punct(bang)),
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Group(body)),
                ) = (trees.get(i + 1), trees.get(i + 2), trees.get(i + 3))
                    && bang.as_char() == '!'
                {
                    into.push((name.to_string(), body.stream().to_string()));
                }
            }
            // `mod a { … }`: its macros are textually in the file too.
            TokenTree::Group(group)
                if group.delimiter() == Delimiter::Brace
                    && i >= 2
                    && matches!(&trees[i - 2], TokenTree::Ident(m) if m == "mod") =>
            {
                definitions_in(group.stream(), into);
            }
            _ => {}
        }
    }
}

/// A definition another file of the crate made, from the text of its body.
pub fn parse_foreign(body: &str) -> Option<MacroRules> {
    parse_definition(body.parse().ok()?)
}

fn parse_definition(body: TokenStream) -> Option<MacroRules> {
    let mut arms = Vec::new();
    let mut tokens = body.into_iter().peekable();
    while let Some(matcher) = tokens.next() {
        let TokenTree::Group(matcher) = matcher else {
            return None;
        };
        // `=>`
        for expected in ['=', '>'] {
            match tokens.next() {
                Some(TokenTree::Punct(p)) if p.as_char() == expected => {}
                _ => return None,
            }
        }
        let Some(TokenTree::Group(transcriber)) = tokens.next() else {
            return None;
        };
        arms.push((matchers(matcher.stream())?, pieces(transcriber.stream())?));
        if matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            tokens.next();
        }
    }
    Some(MacroRules { arms })
}

fn is_dollar(tree: &TokenTree) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == '$')
}

/// The separator and operator after `$( … )`: `*`, `+` or `?`, optionally after one token.
fn repetition_tail(
    tokens: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
) -> Option<(Option<TokenTree>, char)> {
    let op_of = |tree: &TokenTree| match tree {
        TokenTree::Punct(p) if matches!(p.as_char(), '*' | '+' | '?') => Some(p.as_char()),
        _ => None,
    };
    let first = tokens.next()?;
    if let Some(op) = op_of(&first) {
        return Some((None, op));
    }
    let op = op_of(&tokens.next()?)?;
    Some((Some(first), op))
}

fn matchers(stream: TokenStream) -> Option<Vec<Matcher>> {
    let mut out = Vec::new();
    let mut tokens = stream.into_iter().peekable();
    while let Some(tree) = tokens.next() {
        if is_dollar(&tree) {
            match tokens.next()? {
                TokenTree::Ident(name) => {
                    let colon = tokens.next()?;
                    if !matches!(&colon, TokenTree::Punct(p) if p.as_char() == ':') {
                        return None;
                    }
                    let TokenTree::Ident(kind) = tokens.next()? else {
                        return None;
                    };
                    out.push(Matcher::Fragment(name.to_string(), kind.to_string()));
                }
                TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => {
                    let inner = matchers(group.stream())?;
                    let (separator, op) = repetition_tail(&mut tokens)?;
                    out.push(Matcher::Repeat(inner, separator, op));
                }
                _ => return None,
            }
            continue;
        }
        match tree {
            TokenTree::Group(group) => {
                out.push(Matcher::Group(group.delimiter(), matchers(group.stream())?));
            }
            other => out.push(Matcher::Token(other)),
        }
    }
    Some(out)
}

fn pieces(stream: TokenStream) -> Option<Vec<Piece>> {
    let mut out = Vec::new();
    let mut tokens = stream.into_iter().peekable();
    while let Some(tree) = tokens.next() {
        if is_dollar(&tree) {
            match tokens.peek() {
                Some(TokenTree::Ident(name)) => {
                    let name = name.to_string();
                    tokens.next();
                    out.push(if name == "crate" {
                        Piece::Token(TokenTree::Ident(Ident::new("crate", Span::call_site())))
                    } else {
                        Piece::Var(name)
                    });
                    continue;
                }
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                    let inner = pieces(group.stream())?;
                    tokens.next();
                    let (separator, _) = repetition_tail(&mut tokens)?;
                    out.push(Piece::Repeat(inner, separator));
                    continue;
                }
                _ => {}
            }
        }
        match tree {
            TokenTree::Group(group) => {
                out.push(Piece::Group(group.delimiter(), pieces(group.stream())?));
            }
            other => out.push(Piece::Token(other)),
        }
    }
    Some(out)
}

impl MacroRules {
    /// The expansion of an invocation with these tokens, the macro's own tokens spanned at
    /// `at`; `None` when no arm matches or the output is too large.
    pub fn expand(&self, input: &TokenStream, at: Span) -> Option<TokenStream> {
        // One token buffer for all arms: each is tried on a fork of it.
        let (index, bindings) = (|stream: ParseStream| {
            let matched = self
                .arms
                .iter()
                .enumerate()
                .find_map(|(index, (matcher, _))| {
                    let fork = stream.fork();
                    let mut bindings = Bindings::new();
                    (match_all(&fork, matcher, &mut bindings).is_ok() && fork.is_empty())
                        .then_some((index, bindings))
                });
            stream.parse::<TokenStream>()?;
            matched.ok_or_else(|| stream.error("no arm matches"))
        })
        .parse2(input.clone())
        .ok()?;
        let mut out = Vec::new();
        let scope: Scope = bindings
            .iter()
            .map(|(name, bound)| (*name, bound))
            .collect();
        transcribe(&self.arms[index].1, &[scope], at, &mut out)?;
        Some(out.into_iter().collect())
    }
}

fn match_all<'m>(
    input: ParseStream,
    matchers: &'m [Matcher],
    bindings: &mut Bindings<'m>,
) -> syn::Result<()> {
    for matcher in matchers {
        match matcher {
            Matcher::Token(expected) => {
                let found: TokenTree = input.parse()?;
                if !same_token(&found, expected) {
                    return Err(input.error("another token"));
                }
            }
            Matcher::Group(delimiter, inner) => {
                let content;
                match delimiter {
                    Delimiter::Parenthesis => {
                        syn::parenthesized!(content in input);
                    }
                    Delimiter::Brace => {
                        syn::braced!(content in input);
                    }
                    Delimiter::Bracket => {
                        syn::bracketed!(content in input);
                    }
                    Delimiter::None => return Err(input.error("an invisible group")),
                }
                match_all(&content, inner, bindings)?;
                if !content.is_empty() {
                    return Err(content.error("more tokens in the group"));
                }
            }
            Matcher::Fragment(name, kind) => {
                let tokens = fragment(input, kind)?;
                bindings.push((name, Bound::One(tokens)));
            }
            Matcher::Repeat(inner, separator, op) => {
                let mut repetitions: Vec<Bindings> = Vec::new();
                loop {
                    if *op == '?' && !repetitions.is_empty() {
                        break;
                    }
                    let fork = input.fork();
                    let mut one = Bindings::new();
                    if input.is_empty() || match_all(&fork, inner, &mut one).is_err() {
                        break;
                    }
                    input.advance_to(&fork);
                    repetitions.push(one);
                    if let Some(separator) = separator {
                        let next = input.fork();
                        match next.parse::<TokenTree>() {
                            Ok(tree) if same_token(&tree, separator) => {
                                input.advance_to(&next);
                            }
                            _ => break,
                        }
                    }
                }
                if *op == '+' && repetitions.is_empty() {
                    return Err(input.error("expected at least one repetition"));
                }
                let mut names = Vec::new();
                fragment_names(inner, &mut names);
                for name in names {
                    let each = repetitions
                        .iter_mut()
                        .filter_map(|one| {
                            let at = one.iter().position(|(bound_name, _)| *bound_name == name)?;
                            Some(one.swap_remove(at).1)
                        })
                        .collect();
                    bindings.push((name, Bound::Seq(each)));
                }
            }
        }
    }
    Ok(())
}

/// Whether an input token is the one a matcher wrote; groups are matched by their contents.
fn same_token(found: &TokenTree, expected: &TokenTree) -> bool {
    match (found, expected) {
        (TokenTree::Ident(found), TokenTree::Ident(expected)) => found == expected,
        (TokenTree::Punct(found), TokenTree::Punct(expected)) => {
            found.as_char() == expected.as_char()
        }
        (TokenTree::Literal(found), TokenTree::Literal(expected)) => {
            found.to_string() == expected.to_string()
        }
        _ => false,
    }
}

fn fragment_names<'m>(matchers: &'m [Matcher], out: &mut Vec<&'m str>) {
    for matcher in matchers {
        match matcher {
            Matcher::Fragment(name, _) => out.push(name),
            Matcher::Group(_, inner) | Matcher::Repeat(inner, _, _) => fragment_names(inner, out),
            Matcher::Token(_) => {}
        }
    }
}

/// Parses one fragment of this kind and gives back the tokens it spans, as written. An
/// expression stays one operand wherever it is put (an invisible group), as in rustc.
fn fragment(input: ParseStream, kind: &str) -> syn::Result<TokenStream> {
    let begin = input.cursor();
    if let Some(tree) = lone_operand(input, kind) {
        return Ok(tree.into());
    }
    match kind {
        "ident" => {
            input.call(<Ident as syn::ext::IdentExt>::parse_any)?;
        }
        "tt" => {
            input.parse::<TokenTree>()?;
        }
        "lifetime" => {
            input.parse::<syn::Lifetime>()?;
        }
        "literal" => {
            input.parse::<syn::Lit>()?;
        }
        "ty" => {
            input.parse::<syn::Type>()?;
        }
        "path" => {
            input.parse::<syn::Path>()?;
        }
        "pat" => {
            syn::Pat::parse_multi(input)?;
        }
        "pat_param" => {
            syn::Pat::parse_single(input)?;
        }
        "block" => {
            input.parse::<syn::Block>()?;
        }
        "item" => {
            input.parse::<syn::Item>()?;
        }
        "stmt" => {
            input.parse::<syn::Stmt>()?;
        }
        "vis" => {
            input.parse::<syn::Visibility>()?;
        }
        "meta" => {
            input.parse::<syn::Meta>()?;
        }
        "expr" | "expr_2021" => {
            input.parse::<syn::Expr>()?;
            let trees = trees_between(begin, input.cursor())
                .ok_or_else(|| input.error("an expression ending inside a group"))?;
            let span = match (trees.first(), trees.last()) {
                (Some(first), Some(last)) => first.span().join(last.span()).unwrap_or(first.span()),
                _ => Span::call_site(),
            };
            let mut group = Group::new(Delimiter::None, trees.into_iter().collect());
            group.set_span(span);
            return Ok(TokenTree::Group(group).into());
        }
        _ => return Err(input.error("unknown fragment kind")),
    }
    trees_between(begin, input.cursor())
        .map(|trees| trees.into_iter().collect())
        .ok_or_else(|| input.error("a fragment ending inside a group"))
}

/// A literal or a plain name that is a whole `expr` or `ty` fragment by itself (it ends the
/// input, or a `,` or `;` follows): most fragments are, and syn need not parse them. An
/// expression of one token needs no invisible group.
fn lone_operand(input: ParseStream, kind: &str) -> Option<TokenTree> {
    let (tree, next) = input.cursor().token_tree()?;
    let fits = match (&tree, kind) {
        (TokenTree::Literal(_), "expr" | "expr_2021") => true,
        (TokenTree::Ident(_), "expr" | "expr_2021" | "ty") => input.peek(syn::Ident),
        _ => false,
    };
    let ends =
        next.eof() || matches!(next.punct(), Some((p, _)) if matches!(p.as_char(), ',' | ';'));
    if !(fits && ends) {
        return None;
    }
    input.parse::<TokenTree>().ok()
}

/// The token trees from `begin` up to `end`, which the parser reached at the same level of
/// nesting; `None` if it did not.
fn trees_between(begin: syn::buffer::Cursor, end: syn::buffer::Cursor) -> Option<Vec<TokenTree>> {
    let mut trees = Vec::new();
    let mut cursor = begin;
    while cursor != end {
        let (tree, next) = cursor.token_tree()?;
        trees.push(tree);
        cursor = next;
    }
    Some(trees)
}

/// The names a transcriber can use at one level of repetition, each to what it stands for.
type Scope<'a> = Vec<(&'a str, &'a Bound)>;

/// `scopes` are searched innermost (last) first: a repetition binds each of its variables to
/// one element, without copying the rest.
fn transcribe(
    pieces: &[Piece],
    scopes: &[Scope],
    at: Span,
    out: &mut Vec<TokenTree>,
) -> Option<()> {
    let lookup = |name: &str| {
        scopes.iter().rev().find_map(|scope| {
            scope
                .iter()
                .find_map(|(bound_name, bound)| (*bound_name == name).then_some(*bound))
        })
    };
    for piece in pieces {
        if out.len() > MAX_OUTPUT_TOKENS {
            return None;
        }
        match piece {
            Piece::Token(tree) => {
                let mut tree = tree.clone();
                tree.set_span(at);
                out.push(tree);
            }
            Piece::Group(delimiter, inner) => {
                let mut inside = Vec::new();
                transcribe(inner, scopes, at, &mut inside)?;
                let mut group = Group::new(*delimiter, inside.into_iter().collect());
                group.set_span(at);
                out.push(TokenTree::Group(group));
            }
            Piece::Var(name) => match lookup(name) {
                Some(Bound::One(tokens)) => out.extend(tokens.clone()),
                Some(Bound::Seq(_)) => return None,
                // Not a fragment of this arm: `$x` of a macro the expansion defines.
                None => {
                    let mut dollar =
                        TokenTree::Punct(proc_macro2::Punct::new('$', proc_macro2::Spacing::Alone));
                    dollar.set_span(at);
                    out.push(dollar);
                    out.push(TokenTree::Ident(Ident::new(name, at)));
                }
            },
            Piece::Repeat(inner, separator) => {
                let mut names = Vec::new();
                piece_names(inner, &mut names);
                let sequences: Vec<(&str, &Vec<Bound>)> = names
                    .iter()
                    .filter_map(|name| match lookup(name) {
                        Some(Bound::Seq(each)) => Some((*name, each)),
                        _ => None,
                    })
                    .collect();
                let count = sequences.first()?.1.len();
                if sequences.iter().any(|(_, each)| each.len() != count) {
                    return None;
                }
                let mut inner_scopes = scopes.to_vec();
                inner_scopes.push(Vec::with_capacity(sequences.len()));
                for index in 0..count {
                    if index > 0
                        && let Some(separator) = separator
                    {
                        let mut separator = separator.clone();
                        separator.set_span(at);
                        out.push(separator);
                    }
                    let innermost = inner_scopes.last_mut()?;
                    innermost.clear();
                    innermost.extend(sequences.iter().map(|(name, each)| (*name, &each[index])));
                    transcribe(inner, &inner_scopes, at, out)?;
                }
            }
        }
    }
    Some(())
}

fn piece_names<'p>(pieces: &'p [Piece], out: &mut Vec<&'p str>) {
    for piece in pieces {
        match piece {
            Piece::Var(name) => out.push(name),
            Piece::Group(_, inner) | Piece::Repeat(inner, _) => piece_names(inner, out),
            Piece::Token(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn expand(definition: TokenStream, input: TokenStream) -> Option<String> {
        let rules = parse_definition(definition)?;
        rules
            .expand(&input, Span::call_site())
            .map(|out| out.to_string())
    }

    #[test]
    fn fragments_and_repetitions_expand() {
        let definition = quote! {
            ($lib:literal; $($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
                #[link(name = $lib)]
                extern "system" { $(pub fn $name($(_: $arg),*) -> $ret;)* }
            };
        };
        let out = expand(
            definition,
            quote!("user32"; GetWindowLongW(HWND, i32) -> isize; GetDC(HWND) -> HDC;),
        )
        .unwrap();
        assert_eq!(
            out,
            "# [link (name = \"user32\")] extern \"system\" { pub fn GetWindowLongW (_ : HWND , _ : i32) -> isize ; pub fn GetDC (_ : HWND) -> HDC ; }"
        );
    }

    #[test]
    fn arms_are_tried_in_order_and_mismatches_expand_to_nothing() {
        let definition = quote! {
            (one $e:expr) => { $e as u32 };
            ($e:expr) => { $e as u64 };
        };
        assert_eq!(
            expand(definition.clone(), quote!(one p)).unwrap(),
            "p as u32"
        );
        assert_eq!(expand(definition, quote!(p + 1)).unwrap(), "p + 1 as u64");
        assert!(expand(quote!((a) => {}), quote!(b)).is_none());
        assert!(parse_definition(quote!((a) {})).is_none());
    }

    #[test]
    fn groups_match_only_whole_and_fragments_keep_their_tokens() {
        let definition = quote! {
            (@fn $name:ident($($p:ident: $t:ty),*) -> $r:ty) => { fn $name($($p: $t),*) -> $r; };
            (@fn $($rest:tt)*) => { other };
        };
        assert_eq!(
            expand(
                definition.clone(),
                quote!(@fn f(a: *mut c_void, b: u32) -> Vec<u8>)
            )
            .unwrap(),
            "fn f (a : * mut c_void , b : u32) -> Vec < u8 > ;"
        );
        // `(a: u32 junk)` is not the group the first arm wants, so the second arm is used.
        assert_eq!(
            expand(definition, quote!(@fn f(a: u32 junk) -> u8)).unwrap(),
            "other"
        );
    }

    #[test]
    fn output_is_bounded() {
        // Each level doubles its input; the transcriber's size check stops the growth.
        let definition = quote! { ($($t:tt)*) => { $($t)* $($t)* }; };
        let rules = parse_definition(definition).unwrap();
        let mut tokens: TokenStream = quote!(x);
        for _ in 0..40 {
            match rules.expand(&tokens, Span::call_site()) {
                Some(out) => tokens = out,
                None => return,
            }
        }
        panic!("the output kept growing");
    }
}
