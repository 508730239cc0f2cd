//! The tree's macros expanded in a file's code, as a compiler expands them before it parses:
//! a statement macro (`RINOK(x)` with no `;`), a keyword macro (`Z7_final`), a declaration
//! macro (`EXTERN_C_BEGIN`) would otherwise leave the grammar lost. Directive lines, comments
//! and literals are left as they are. An [`OffsetMap`] takes every offset of the expanded text
//! back to the file: outside expansions exactly, inside one to the whole invocation.

use std::ops::Range;

use super::expand::{Macros, TreeScope, defined_name};
use super::lex::{is_ident_char, is_ident_start, literal_end, tokenize};

/// Argument lists longer than this are not looked through (an unbalanced parenthesis would
/// otherwise swallow the rest of the file).
const MAX_INVOCATION_BYTES: usize = 16 * 1024;

/// Tokens one invocation's expansion may produce.
const MAX_INVOCATION_TOKENS: usize = 100_000;

/// Tokens the expansions of one file may produce in all.
const MAX_FILE_TOKENS: usize = 4_000_000;

/// One invocation and what replaced it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Replaced {
    original: Range<usize>,
    expanded: Range<usize>,
}

/// From offsets of the expanded text to offsets of the file.
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    /// In offset order.
    replaced: Vec<Replaced>,
}

impl OffsetMap {
    /// The file's offset for `offset` of the expanded text; inside an expansion, where its
    /// invocation starts, or where it ends when `offset` ends a range.
    pub fn original(&self, offset: usize, ends_range: bool) -> usize {
        let before = self.replaced.partition_point(|r| {
            if ends_range {
                r.expanded.start < offset
            } else {
                r.expanded.start <= offset
            }
        });
        let Some(replaced) = before.checked_sub(1).map(|i| &self.replaced[i]) else {
            return offset;
        };
        if offset < replaced.expanded.end {
            return if ends_range {
                replaced.original.end
            } else {
                replaced.original.start
            };
        }
        offset - replaced.expanded.end + replaced.original.end
    }
}

/// A file's code with the tree's macros expanded.
pub struct Expanded {
    pub text: Vec<u8>,
    pub map: OffsetMap,
    /// Each invocation expanded: its range in the file and the macro's name.
    pub invocations: Vec<(Range<usize>, String)>,
}

/// Expands every invocation of a macro of `tree` in the code of `text`; `None` when there is
/// none. `everywhere` tells the offsets compiled wherever the file is: a `#define` elsewhere is
/// one target's (`#ifdef _WIN64`), and its name is left unexpanded in the file from there on,
/// since one text cannot hold what each target reads.
pub fn expand_code(
    text: &[u8],
    tree: TreeScope,
    everywhere: &dyn Fn(usize) -> bool,
) -> Option<Expanded> {
    if tree.definitions.is_empty() {
        return None;
    }
    let mut macros = Macros::of_tree(tree);
    let mut out: Vec<u8> = Vec::new();
    let mut map = OffsetMap::default();
    let mut invocations = Vec::new();
    let mut copied = 0;
    let mut budget = MAX_FILE_TOKENS;
    let mut i = 0;
    let mut line_start = true;
    while i < text.len() {
        let b = text[i];
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b' => {
                i += 1;
                continue;
            }
            b'#' if line_start => {
                let end = directive_end(text, i);
                define_or_undefine(&mut macros, &text[i + 1..end], everywhere(i));
                i = end;
                continue;
            }
            _ => {}
        }
        line_start = false;
        if let Some(end) = comment_end(text, i) {
            i = end;
            continue;
        }
        if b == b'"' || b == b'\'' {
            i = literal_end(text, i);
            continue;
        }
        if b.is_ascii_digit() {
            while i < text.len() && (is_ident_char(text[i]) || text[i] == b'.') {
                i += 1;
            }
            continue;
        }
        if !is_ident_start(b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_ident_char(text[i]) {
            i += 1;
        }
        if text.get(i) == Some(&b'"') && is_raw_prefix(&text[start..i]) {
            i = raw_literal_end(text, i);
            continue;
        }
        let Ok(name) = std::str::from_utf8(&text[start..i]) else {
            continue;
        };
        let Some(takes_args) = macros.takes_args(name) else {
            continue;
        };
        if !takes_args && macros.names_literal(name) {
            continue;
        }
        let end = if takes_args {
            match args_end(text, i) {
                Some(end) => end,
                None => continue,
            }
        } else {
            i
        };
        let Some(expansion) = expand_one(&macros, &text[start..end], &mut budget) else {
            continue;
        };
        out.extend_from_slice(&text[copied..start]);
        let expanded_start = out.len();
        out.push(b' ');
        out.extend_from_slice(expansion.as_bytes());
        out.push(b' ');
        map.replaced.push(Replaced {
            original: start..end,
            expanded: expanded_start..out.len(),
        });
        invocations.push((start..end, name.to_string()));
        copied = end;
        i = end;
    }
    if invocations.is_empty() {
        return None;
    }
    out.extend_from_slice(&text[copied..]);
    Some(Expanded {
        text: out,
        map,
        invocations,
    })
}

/// A file's own `#define` and `#undef` hold from where they are written (an X-macro defined
/// for one list and undefined after it).
fn define_or_undefine(macros: &mut Macros, directive: &[u8], everywhere: bool) {
    let line = without_comments(directive);
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix("define") {
        if !rest.starts_with([' ', '\t']) {
            return;
        }
        if everywhere {
            macros.define(rest.trim());
        } else if let Some(name) = defined_name(rest.trim()) {
            macros.forget(name);
        }
    } else if let Some(rest) = line.strip_prefix("undef") {
        macros.forget(rest.split_whitespace().next().unwrap_or(""));
    }
}

/// The invocation's expansion, tokens separated by single spaces; `None` when it cannot be
/// expanded (too large) or expands to itself.
fn expand_one(macros: &Macros, invocation: &[u8], budget: &mut usize) -> Option<String> {
    let cleaned = without_comments(invocation);
    let mut invocation_budget = MAX_INVOCATION_TOKENS.min(*budget);
    let before = invocation_budget;
    let tokens = macros
        .expand(tokenize(&cleaned), None, &mut invocation_budget)
        .ok()?;
    *budget -= before - invocation_budget;
    let mut expansion = String::new();
    for token in &tokens {
        if !expansion.is_empty() {
            expansion.push(' ');
        }
        expansion.push_str(&token.text);
    }
    (expansion.split_whitespace().ne(cleaned.split_whitespace())).then_some(expansion)
}

/// The invocation's text with comments and line breaks made spaces, as the lexer of one line
/// expects it.
fn without_comments(invocation: &[u8]) -> String {
    let mut out = Vec::with_capacity(invocation.len());
    let mut i = 0;
    while i < invocation.len() {
        if let Some(end) = comment_end(invocation, i) {
            out.push(b' ');
            i = end;
        } else if invocation[i] == b'"' || invocation[i] == b'\'' {
            let end = literal_end(invocation, i);
            out.extend_from_slice(&invocation[i..end]);
            i = end;
        } else {
            out.push(match invocation[i] {
                b'\n' | b'\r' | b'\\' => b' ',
                other => other,
            });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Past the `)` closing the argument list that starts (after blanks and comments) at `from`;
/// `None` when no `(` follows or it is not closed in bounds.
fn args_end(text: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        match text.get(i)? {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => break,
            _ => {
                i = comment_end(text, i)?;
            }
        }
    }
    let limit = (i + MAX_INVOCATION_BYTES).min(text.len());
    let mut depth = 0usize;
    while i < limit {
        if let Some(end) = comment_end(text, i) {
            i = end;
            continue;
        }
        match text[i] {
            b'"' | b'\'' => {
                i = literal_end(text, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            // A directive inside the arguments: leave the invocation to the grammar.
            b'#' if line_starts_at(text, i) => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

fn line_starts_at(text: &[u8], at: usize) -> bool {
    text[..at]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|&b| b == b' ' || b == b'\t')
}

/// Past a comment starting at `at`, if one does.
fn comment_end(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at..at + 2)? {
        b"//" => Some(
            text[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |n| at + n),
        ),
        b"/*" => Some(
            text[at + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(text.len(), |n| at + 2 + n + 2),
        ),
        _ => None,
    }
}

/// Past the directive line at `at`, its continuation lines included.
fn directive_end(text: &[u8], at: usize) -> usize {
    let mut i = at;
    while i < text.len() {
        match text[i] {
            b'\\' if text.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if text.get(i + 1..i + 3) == Some(b"\r\n") => i += 3,
            b'\n' => return i,
            _ => {
                if let Some(end) = comment_end(text, i) {
                    i = end;
                } else {
                    i += 1;
                }
            }
        }
    }
    text.len()
}

fn is_raw_prefix(prefix: &[u8]) -> bool {
    matches!(prefix, b"R" | b"LR" | b"uR" | b"UR" | b"u8R")
}

/// Past a raw string literal whose `"` is at `at`: `R"delim( … )delim"`.
fn raw_literal_end(text: &[u8], at: usize) -> usize {
    let Some(open) = text[at..].iter().take(17).position(|&b| b == b'(') else {
        return literal_end(text, at);
    };
    let mut closing = vec![b')'];
    closing.extend_from_slice(&text[at + 1..at + open]);
    closing.push(b'"');
    text[at + open..]
        .windows(closing.len())
        .position(|w| w == closing.as_slice())
        .map_or(text.len(), |n| at + open + n + closing.len())
}

#[cfg(test)]
mod tests {
    use super::super::expand::{DefinitionLines, Definitions};
    use super::*;
    use rustc_hash::FxHashMap as HashMap;

    /// Each line defined by its own file, `0`, `1`, ...
    fn tree(defines: &[&str]) -> Definitions {
        let mut lines: HashMap<Box<str>, DefinitionLines> = HashMap::default();
        for (file, line) in defines.iter().enumerate() {
            let name = defined_name(line).unwrap();
            lines
                .entry(name.into())
                .or_default()
                .push((file as u32, Some((*line).into())));
        }
        Definitions::new(lines)
    }

    fn all(definitions: &Definitions) -> TreeScope<'_> {
        TreeScope {
            definitions,
            sees: &|_| true,
            wraps_literal: &|name| name == "TEXT",
        }
    }

    #[test]
    fn invocations_are_expanded_and_offsets_map_back() {
        let tree = tree(&[
            "RINOK(x) { int r_ = (x); if (r_ != 0) return r_; }",
            "Z7_final final",
            "ALIGN (1 << 7)",
        ]);
        let text = b"int f(void) {\n  RINOK(g(ALIGN))\n  return 0; // RINOK(x)\n}\nclass C Z7_final {};\n#define Z7_final\n\"Z7_final\"";
        let expanded = expand_code(text, all(&tree), &|_| true).unwrap();
        let out = String::from_utf8(expanded.text.clone()).unwrap();
        assert!(
            out.contains("{ int r_ = ( g ( ( 1 << 7 ) ) ) ; if ( r_ != 0 ) return r_ ; }"),
            "{out}"
        );
        assert!(out.contains("// RINOK(x)"), "comments stay: {out}");
        assert!(out.contains("class C  final  {};"), "{out}");
        assert!(
            out.contains("#define Z7_final\n\"Z7_final\""),
            "directives and literals stay: {out}"
        );
        let names: Vec<&str> = expanded
            .invocations
            .iter()
            .map(|(_, n)| n.as_str())
            .collect();
        assert_eq!(names, ["RINOK", "Z7_final"]);

        let rinok = text.windows(5).position(|w| w == b"RINOK").unwrap();
        let rinok_end = rinok + "RINOK(g(ALIGN))".len();
        let map = &expanded.map;
        // Before the first expansion offsets are the same; inside, a range is the invocation.
        assert_eq!(map.original(3, false), 3);
        let inside = out.find("r_ =").unwrap();
        assert_eq!(map.original(inside, false), rinok);
        assert_eq!(map.original(inside + 2, true), rinok_end);
        // After it, offsets are shifted back.
        let ret = out.find("return 0").unwrap();
        assert_eq!(
            map.original(ret, false),
            text.windows(8).position(|w| w == b"return 0").unwrap()
        );
        let class = out.find("class").unwrap();
        assert_eq!(
            &text[map.original(class, false)..map.original(class + 5, true)],
            b"class"
        );
    }

    #[test]
    fn literal_macros_stay_for_the_front_end_and_local_definitions_hold_in_order() {
        let tree = tree(&["DLL L\"x.dll\"", "PATH L\"C:\\\\\" DLL"]);
        let text = b"f(PATH);\n#define LOCAL g()\nLOCAL;\n#undef LOCAL\nLOCAL;";
        let expanded = expand_code(text, all(&tree), &|_| true).unwrap();
        let out = String::from_utf8(expanded.text).unwrap();
        assert_eq!(
            out,
            "f(PATH);\n#define LOCAL g()\n g ( ) ;\n#undef LOCAL\nLOCAL;"
        );
        // A definition one target makes holds for none.
        let text = b"#define ONLY_SOME g()\nONLY_SOME;";
        assert!(expand_code(text, all(&tree), &|offset| offset > 0).is_none());
    }

    #[test]
    fn names_that_are_no_invocation_stay() {
        let tree = tree(&["CALL(x) call(x)", "SELF SELF"]);
        let text = b"int CALL; int y = SELF; int z = CALL (1";
        assert!(expand_code(text, all(&tree), &|_| true).is_none());
    }

    #[test]
    fn only_macros_of_files_seen_are_expanded_and_only_when_defined_one_way() {
        let tree = tree(&[
            "SafeRelease(p) release(p)",
            "ONE one()",
            "ONE two()",
            "TWO two()",
        ]);
        let text = b"void SafeRelease(int **p); int a = ONE + TWO;";
        let scope = TreeScope {
            definitions: &tree,
            sees: &|file| file != 0,
            wraps_literal: &|_| false,
        };
        let expanded = expand_code(text, scope, &|_| true).unwrap();
        let out = String::from_utf8(expanded.text).unwrap();
        assert_eq!(out, "void SafeRelease(int **p); int a = ONE +  two ( ) ;");
    }
}
