//! The Rust front end: syn parses the file, including the bodies of the macros that bindings
//! and user code hide declarations and casts in, and [`lower`] reduces it to IR.

mod cfg;
mod libraries;
mod lower;
mod macro_rules;
mod macros;
mod plain_items;
mod registry;
mod text;

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

use crate::model::ir::FileIr;

/// Deeper bracket nesting than this is refused before syn sees it: real code stays far below,
/// and syn's recursive descent would need a stack proportional to the depth.
const MAX_NESTING: usize = 256;

/// The `macro_rules!` definitions other files of a package make, by name: the text of each
/// one's body.
pub type CrateMacros = std::collections::HashMap<String, String>;

/// The `macro_rules!` definitions of a file, for the other files of its package: its name and
/// the text of its body each. Cheap for a file that defines none.
pub fn macro_definitions(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if !text.contains("macro_rules") {
        return found;
    }
    if let Ok(tokens) = TokenStream::from_str(&blank_preamble(text))
        && nesting_depth(&tokens) <= MAX_NESTING
    {
        macro_rules::definitions_in(tokens, &mut found);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    found
}

/// The file's IR, and the parts of it that could not be analysed, one line each.
pub fn lower(text: &str) -> Result<(FileIr, Vec<String>), String> {
    lower_in_package(text, &std::sync::Arc::default())
}

/// [`lower`], with the `macro_rules!` definitions of the other files of the file's package.
pub fn lower_in_package(
    text: &str,
    macros: &std::sync::Arc<CrateMacros>,
) -> Result<(FileIr, Vec<String>), String> {
    let prepared = blank_preamble(text);
    let result = parse_and_lower(&prepared, macros);
    // Spans live in a thread-local source map that would otherwise grow with every file.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn parse_and_lower(
    text: &str,
    macros: &std::sync::Arc<CrateMacros>,
) -> Result<(FileIr, Vec<String>), String> {
    let tokens = TokenStream::from_str(text).map_err(|e| {
        let at = e.span().start();
        format!("could not parse Rust at {}:{}: {e}", at.line, at.column + 1)
    })?;
    let depth = nesting_depth(&tokens);
    if depth > MAX_NESTING {
        return Err(format!(
            "nesting is over {MAX_NESTING} levels deep; file skipped"
        ));
    }
    let (plain_items, rest) = plain_items::take_plain_items(tokens);
    let (ir, deep_expressions) = match syn::parse2::<syn::File>(rest) {
        Ok(file) => lower::lower_file(&file, plain_items, macros.clone()),
        // Tokenised again rather than kept: this is rare, and a copy of every file's tokens
        // would cost every run.
        Err(error) => match syn::parse_str::<syn::Expr>(text) {
            Ok(expr) => lower::lower_expression_file(&expr),
            Err(_) => {
                let at = error.span().start();
                return Err(format!(
                    "could not parse Rust at {}:{}: {error}",
                    at.line,
                    at.column + 1
                ));
            }
        },
    };
    let errors = if deep_expressions {
        vec![format!(
            "expressions nested deeper than {} levels were not analysed",
            lower::MAX_EXPR_DEPTH
        )]
    } else {
        Vec::new()
    };
    Ok((ir, errors))
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

/// An upper bound on how deep syn will recurse: bracket groups, plus within each group the
/// longest run of prefix operators (`&&&x`, `*const *const T`, `!!!x`, `|| || x`, `return
/// return x`) and the deepest `<` nesting between statements, each of which syn parses by
/// recursing once per step.
fn nesting_depth(tokens: &TokenStream) -> usize {
    let mut deepest = 0;
    // One frame per open group: its token iterator, the group depth, the current prefix run
    // and the current angle-bracket depth.
    let mut stack = vec![(tokens.clone().into_iter(), 0usize, 0usize, 0usize)];
    while let Some((iter, depth, prefix_run, angles)) = stack.last_mut() {
        let Some(token) = iter.next() else {
            stack.pop();
            continue;
        };
        let group_depth = *depth;
        match &token {
            TokenTree::Group(group) => {
                *prefix_run = 0;
                stack.push((group.stream().into_iter(), group_depth + 1, 0, 0));
                deepest = deepest.max(group_depth + 1);
            }
            TokenTree::Punct(punct) => match punct.as_char() {
                '&' | '*' | '!' | '-' | '|' => *prefix_run += 1,
                '<' => *angles += 1,
                '>' => *angles = angles.saturating_sub(1),
                // Statement and list boundaries end any generic nesting; comparisons before
                // them must not add up.
                ';' | ',' | '=' => {
                    *prefix_run = 0;
                    *angles = 0;
                }
                _ => *prefix_run = 0,
            },
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                match word.as_str() {
                    "return" | "break" | "yield" | "box" => *prefix_run += 1,
                    "const" | "mut" | "dyn" | "move" | "impl" | "raw" => {}
                    _ => *prefix_run = 0,
                }
            }
            TokenTree::Literal(_) => *prefix_run = 0,
        }
        if let Some((_, depth, prefix_run, angles)) = stack.last() {
            deepest = deepest.max(depth + prefix_run.max(angles));
        }
        if deepest > MAX_NESTING {
            break;
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_items_lower_as_syn_would_lower_them() {
        let text = "#![cfg(target_pointer_width = \"64\")]\n\
                    /// Docs.\n\
                    pub const A: DWORD = 1;\n\
                    #[cfg(feature = \"x\")] pub const B: u32 = 2;\n\
                    pub const C: HWND = 0 as HWND;\n\
                    pub(crate) const D: i64 = -0x10;\n\
                    /// An alias.\n\
                    pub type E = u32;\n\
                    type F = *mut u8;\n\
                    mod inner { pub type E = i64; }\n\
                    pub const G: u8 = 1;\n\
                    #[cfg(feature = \"y\")] type E = u16;\n";
        let (fast, _) = lower(text).unwrap();
        let tokens = TokenStream::from_str(text).unwrap();
        let whole: syn::File = syn::parse2(tokens).unwrap();
        let (slow, _) = lower::lower_file(&whole, Vec::new(), Default::default());
        proc_macro2::extra::invalidate_current_thread_spans();
        // In the same order too: the first live declaration of a name is the one that counts.
        let consts = |ir: &FileIr| format!("{:?}", ir.consts);
        let aliases = |ir: &FileIr| format!("{:?}", ir.aliases);
        assert_eq!(fast.consts.len(), 5);
        assert_eq!(fast.aliases.len(), 4);
        assert_eq!(consts(&fast), consts(&slow));
        assert_eq!(aliases(&fast), aliases(&slow));
        assert_eq!(format!("{:?}", fast.bodies), format!("{:?}", slow.bodies));
    }

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
    fn deep_nesting_without_brackets_is_refused_too() {
        for (prefix, tail) in [
            ("&", "u8"),
            ("*const ", "u8"),
            ("Vec<", "u8"),
            ("|| ", "1"),
            ("!", "x"),
        ] {
            let text = format!("pub type T = {}{tail};", prefix.repeat(20_000));
            assert!(lower(&text).unwrap_err().contains("nesting"), "{prefix}");
        }
        // Ordinary code with many comparisons and references stays well below the limit.
        let ordinary = "fn f(a: &&u8) -> bool { a < &&1 && !(a > &&2) || -1 < 0 }\n".repeat(500);
        assert!(lower(&ordinary).is_ok());
    }

    #[test]
    fn syntax_errors_name_the_position() {
        let err = lower("fn f() {\n  let = ;\n}").unwrap_err();
        assert!(err.contains("at 2:"), "{err}");
    }

    /// 50 casts under a 2,000-term `#[cfg(any(...))]` lower to an IR no larger than under a
    /// one-term one: a condition costs the same whatever its length.
    #[test]
    fn a_long_cfg_costs_no_more_than_a_short_one() {
        let functions: String = (0..50)
            .map(|i| format!("    pub fn f{i}(p: *mut u8) -> u32 {{ p as u32 }}\n"))
            .collect();
        let size = |cfg: &str| {
            let text = format!("#[cfg(any({cfg}))]\npub mod m {{\n{functions}}}\n");
            let (ir, errors) = lower(&text).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(ir.conversions.len(), 50);
            postcard::to_stdvec(&ir).unwrap().len()
        };
        let terms: String = (1..2000).map(|i| format!(", feature = \"f{i}\"")).collect();
        let short = size("target_pointer_width = \"64\"");
        let long = size(&format!("target_pointer_width = \"64\"{terms}"));
        assert!(long < 2 * short, "{long} bytes against {short}");
    }
}
