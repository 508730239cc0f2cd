//! The Rust front end: syn parses the file, including the bodies of the macros that bindings
//! and user code hide declarations and casts in, and [`lower`] reduces it to IR.

mod cfg;
mod libraries;
mod lower;
mod macros;

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

use crate::model::ir::FileIr;

/// Deeper bracket nesting than this is refused before syn sees it: real code stays far below,
/// and syn's recursive descent would need a stack proportional to the depth.
const MAX_NESTING: usize = 256;

pub fn lower(text: &str) -> Result<FileIr, String> {
    let prepared = blank_preamble(text);
    let result = parse_and_lower(&prepared);
    // Spans live in a thread-local source map that would otherwise grow with every file.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn parse_and_lower(text: &str) -> Result<FileIr, String> {
    let tokens = TokenStream::from_str(text).map_err(|e| {
        let at = e.span().start();
        format!("could not parse Rust at {}:{}: {e}", at.line, at.column + 1)
    })?;
    let depth = nesting_depth(&tokens);
    if depth > MAX_NESTING {
        return Err(format!(
            "nesting is {depth} levels deep (more than {MAX_NESTING}); file skipped"
        ));
    }
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        let at = e.span().start();
        format!("could not parse Rust at {}:{}: {e}", at.line, at.column + 1)
    })?;
    Ok(lower::lower_file(&file))
}

/// A byte-order mark and a `#!` interpreter line are not Rust tokens; they are replaced by
/// spaces of the same length so that every span still points into the original bytes.
fn blank_preamble(text: &str) -> std::borrow::Cow<'_, str> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[bom..];
    let shebang = if rest.starts_with("#!") && !rest.starts_with("#![") {
        rest.find('\n').unwrap_or(rest.len())
    } else {
        0
    };
    if bom + shebang == 0 {
        return text.into();
    }
    let mut blanked = " ".repeat(bom + shebang);
    blanked.push_str(&text[bom + shebang..]);
    blanked.into()
}

fn nesting_depth(tokens: &TokenStream) -> usize {
    let mut deepest = 0;
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(group)) => {
                stack.push(group.stream().into_iter());
                deepest = deepest.max(stack.len() - 1);
                if deepest > MAX_NESTING {
                    break;
                }
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_keeps_offsets() {
        let text = "\u{feff}#!/usr/bin/env run\nfn main() {}";
        let blanked = blank_preamble(text);
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.ends_with("\nfn main() {}"));
        assert!(lower(text).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 20_000;
        let text = format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let err = lower(&text).unwrap_err();
        assert!(err.contains("nesting"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_position() {
        let err = lower("fn f() {\n  let = ;\n}").unwrap_err();
        assert!(err.contains("at 2:"), "{err}");
    }
}
