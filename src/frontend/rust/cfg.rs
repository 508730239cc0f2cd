//! `#[cfg(...)]` attributes and `cfg!(...)` arguments as [`Cond`]s.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Token};

use crate::model::cfg::Cond;

/// The condition all `#[cfg]` attributes in the list impose (`cfg_attr` is not a condition).
pub fn attrs_cond(attrs: &[Attribute]) -> Cond {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::List(list) if list.path.is_ident("cfg") => Some(parse_cond(list.tokens.clone())),
            _ => None,
        })
        .fold(Cond::TRUE, Cond::and)
}

/// Where an out-of-line module's file is, by condition: `#[path = "p"]` everywhere, each
/// `#[cfg_attr(pred, path = "p")]` where its predicate holds, and the default place (`None`)
/// where no attribute applies.
pub fn module_paths(attrs: &[Attribute]) -> Vec<(Cond, Option<String>)> {
    let path_value = |meta: &Meta| match meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    };
    let mut paths = Vec::new();
    let mut elsewhere = Cond::FALSE;
    for attr in attrs {
        if let Some(path) = path_value(&attr.meta) {
            return vec![(Cond::TRUE, Some(path))];
        }
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        if !list.path.is_ident("cfg_attr") {
            continue;
        }
        let Ok(parts) = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone())
        else {
            continue;
        };
        let mut parts = parts.into_iter();
        let Some(predicate) = parts.next() else {
            continue;
        };
        if let Some(path) = parts.find_map(|meta| path_value(&meta)) {
            let holds = cfg_meta_cond(&predicate).and(elsewhere.negate());
            elsewhere = elsewhere.or(holds);
            paths.push((holds, Some(path)));
        }
    }
    paths.push((elsewhere.negate(), None));
    paths
}

/// A cfg predicate that syn read as an attribute's meta item.
fn cfg_meta_cond(meta: &Meta) -> Cond {
    parse_cond(quote::ToTokens::to_token_stream(meta))
}

/// Parses a cfg predicate; a malformed one is unknown, which keeps the code live.
pub fn parse_cond(tokens: TokenStream) -> Cond {
    predicate
        .parse2(tokens)
        .unwrap_or_else(|_| Cond::pred("?", None))
}

fn predicate(input: ParseStream) -> syn::Result<Cond> {
    let name: Ident = input.parse()?;
    let key = name.to_string();
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let items = content.parse_terminated(predicate, Token![,])?;
        let mut items: Vec<Cond> = items.into_iter().collect();
        return Ok(match key.as_str() {
            "all" => Cond::all(items),
            "any" => Cond::any(items),
            "not" if items.len() == 1 => items.remove(0).negate(),
            _ => Cond::pred(&key, None),
        });
    }
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        return Ok(Cond::pred(&key, Some(&value.value())));
    }
    Ok(Cond::pred(&key, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn parses_nested_predicates() {
        let cond = parse_cond(quote!(all(windows, not(target_pointer_width = "64"))));
        assert_eq!(
            cond,
            Cond::pred("windows", None)
                .and(Cond::pred("target_pointer_width", Some("64")).negate())
        );
        assert_eq!(parse_cond(quote!(= nonsense)), Cond::pred("?", None));
    }
}
