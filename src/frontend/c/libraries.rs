//! Libraries C and C++ code loads and links: `LoadLibrary*` and `LoadPackagedLibrary` calls with
//! their flags, and `#pragma comment(lib, "...")`. Names are followed through string literals
//! (`"..."`, `L"..."`, raw strings, concatenation), `TEXT("...")`/`_T("...")`, `#define`s,
//! `const` variables and locals initialised from text; path strings in function bodies are kept
//! for the rules that look at folders near a load.
//!
//! Preprocessor lines reach the parser as raw text, so the values of `#define`s and the
//! arguments of `#pragma`s are read by a small scanner of C tokens here.

use std::collections::HashMap;

use tree_sitter::Node;

use super::literal::LITERAL_PREFIXES;
use super::lower::{Lowerer, named_children, parse_int, span};
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;
use crate::model::ir::{
    BodyId, LinkKind, LinkSite, LoadFlag, LoadSite, LocalId, PathLiteral, TextConst,
};
use crate::source::Span;

/// What is known about locals that hold load flags (what they hold otherwise is in
/// [`super::registry::State`]).
#[derive(Default)]
pub(super) struct KnownLocals {
    flags: HashMap<(BodyId, LocalId), Vec<LoadFlag>>,
}

/// Text and flags are followed this deep into an expression (`a | b | c ...` chains nest as
/// deep as they are long); deeper parts are unknown.
const MAX_DEPTH: usize = 64;

/// The text of a string literal token (`"a\\b"`, `L"x"`, `u8"x"`, `R"d(raw)d"`), escapes
/// decoded; `None` when the token is not a complete literal.
fn decode_literal(token: &str) -> Option<String> {
    super::literal::c_literal(token, 0)?.known()
}

/// A token of a preprocessor line, with its byte range in the file.
#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Punct(char),
    Other,
}

/// The tokens of a `#define` value or `#pragma` argument that starts at `base` in the file.
fn tokens(text: &str, base: usize) -> Vec<(Token, Span)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_whitespace()
            || (b == b'\\' && bytes.get(i + 1).is_some_and(|c| c.is_ascii_whitespace()))
        {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            break;
        }
        if text[i..].starts_with("/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2);
            continue;
        }
        let token = if b.is_ascii_alphabetic() || b == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if bytes.get(i) == Some(&b'"') && LITERAL_PREFIXES.contains(&&text[start..i]) {
                i = string_end(text, i, text[start..i].ends_with('R'));
                decode_literal(&text[start..i]).map_or(Token::Other, Token::Text)
            } else {
                Token::Ident(text[start..i].to_string())
            }
        } else if b == b'"' {
            i = string_end(text, i, false);
            decode_literal(&text[start..i]).map_or(Token::Other, Token::Text)
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            Token::Other
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            Token::Punct(char::from(b))
        };
        out.push((token, Span::new(base + start, base + i)));
    }
    out
}

/// Past the string literal whose opening quote is at `quote` (raw strings included).
fn string_end(text: &str, quote: usize, raw: bool) -> usize {
    if raw {
        let delimiter = text[quote + 1..].split('(').next().unwrap_or("");
        let closer = format!("){delimiter}\"");
        return text[quote..]
            .find(&closer)
            .map_or(text.len(), |p| quote + p + closer.len());
    }
    let bytes = text.as_bytes();
    let mut j = quote + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    text.len()
}

/// Reads text from preprocessor tokens: literals, `TEXT(...)`, parentheses and macro names.
struct TokenText<'a> {
    tokens: &'a [(Token, Span)],
    pos: usize,
}

impl TokenText<'_> {
    fn punct(&mut self, c: char) -> bool {
        let found = matches!(self.tokens.get(self.pos), Some((Token::Punct(p), _)) if *p == c);
        if found {
            self.pos += 1;
        }
        found
    }

    fn ident(&mut self, name: &str) -> bool {
        let found = matches!(self.tokens.get(self.pos), Some((Token::Ident(i), _)) if i == name);
        if found {
            self.pos += 1;
        }
        found
    }

    /// A run of text pieces, with the span they cover; `None` when none is there.
    fn text(&mut self, depth: usize) -> Option<(MappedText, Span)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut text = MappedText::default();
        let mut covered: Option<Span> = None;
        loop {
            let start = self.pos;
            let piece = match self.tokens.get(self.pos) {
                Some((Token::Text(literal), _)) => {
                    self.pos += 1;
                    MappedText::plain(literal)
                }
                Some((Token::Ident(name), _))
                    if names().c.text_macros.contains(name)
                        && matches!(
                            self.tokens.get(self.pos + 1),
                            Some((Token::Punct('('), _))
                        ) =>
                {
                    self.pos += 2;
                    let (inner, _) = self.text(depth + 1)?;
                    if !self.punct(')') {
                        return None;
                    }
                    inner
                }
                // A call of another macro: what it expands to is not known here.
                Some((Token::Ident(_), _))
                    if matches!(self.tokens.get(self.pos + 1), Some((Token::Punct('('), _))) =>
                {
                    return None;
                }
                Some((Token::Ident(name), _)) => {
                    self.pos += 1;
                    MappedText::named(name)
                }
                Some((Token::Punct('('), _)) => {
                    self.pos += 1;
                    let (inner, _) = self.text(depth + 1)?;
                    if !self.punct(')') {
                        return None;
                    }
                    inner
                }
                _ => break,
            };
            let piece_span = Span::new(self.tokens[start].1.start, self.tokens[self.pos - 1].1.end);
            covered = Some(covered.map_or(piece_span, |c| Span::new(c.start, piece_span.end)));
            text.append(piece);
        }
        Some((text, covered?))
    }
}

impl<'t> Lowerer<'t> {
    fn local_key(&self, name: &str) -> Option<(BodyId, LocalId)> {
        Some((self.body, self.lookup(name)?))
    }

    /// The text an expression evaluates to, as far as it can be known without running it: a
    /// name that is not a local is a constant the model looks up for each target.
    fn text_value(&self, node: Node<'t>) -> MappedText {
        super::registry::recorded_text(self, node).unwrap_or_else(MappedText::unknown)
    }

    /// The flags of a load as written: `A | B`, `0x2`, a cast, a local holding them.
    fn flags_value(&self, node: Node<'t>, depth: usize) -> Vec<LoadFlag> {
        if depth > MAX_DEPTH {
            return vec![LoadFlag::Unknown];
        }
        match node.kind() {
            "binary_expression"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|op| self.text_of(op) == "|") =>
            {
                let mut flags = Vec::new();
                for side in ["left", "right"] {
                    flags.extend(
                        node.child_by_field_name(side)
                            .map_or(vec![LoadFlag::Unknown], |n| self.flags_value(n, depth + 1)),
                    );
                }
                flags
            }
            "number_literal" => parse_int(self.text_of(node))
                .and_then(|bits| u64::try_from(bits).ok())
                .map_or(vec![LoadFlag::Unknown], |bits| vec![LoadFlag::Bits(bits)]),
            "identifier" => {
                let name = self.text_of(node);
                match self.local_key(name) {
                    Some(key) => self
                        .known
                        .flags
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| vec![LoadFlag::Unknown]),
                    None if name == "NULL" => vec![LoadFlag::Bits(0)],
                    None => vec![LoadFlag::Named(name.to_string())],
                }
            }
            "parenthesized_expression" => node
                .named_child(0)
                .map_or(vec![LoadFlag::Unknown], |n| self.flags_value(n, depth + 1)),
            "cast_expression" => node
                .child_by_field_name("value")
                .map_or(vec![LoadFlag::Unknown], |n| self.flags_value(n, depth + 1)),
            _ => vec![LoadFlag::Unknown],
        }
    }

    /// Records what a new local holds, for later loads that use it.
    pub(super) fn remember_local(&mut self, id: LocalId, init: Node<'t>) {
        let key = (self.body, id);
        let flags = self.flags_value(init, 0);
        if flags != [LoadFlag::Unknown] {
            self.known.flags.insert(key, flags);
        }
    }

    /// A local assigned again, or handed to code that may write into it, no longer holds
    /// what it was initialised with: `name = ...`, `name += ...`, `&name`.
    pub(super) fn forget_written(&mut self, node: Node<'t>) {
        let mut current = node;
        while matches!(
            current.kind(),
            "pointer_expression" | "parenthesized_expression"
        ) {
            match current
                .child_by_field_name("argument")
                .or_else(|| current.named_child(0))
            {
                Some(inner) => current = inner,
                None => return,
            }
        }
        if current.kind() == "identifier"
            && let Some(id) = self.lookup(self.text_of(current))
        {
            let key = (self.body, id);
            self.registry.locals.remove(&key);
            self.known.flags.remove(&key);
        }
    }

    /// `path.append(...)`: a method other than a read-only one may change its object's text.
    pub(super) fn method_call(&mut self, function: Node<'t>, args: &[Node<'t>]) {
        let method = function
            .child_by_field_name("field")
            .map_or("", |f| self.text_of(f));
        if !(names().c.read_only_methods.contains(method) && args.is_empty())
            && let Some(receiver) = function.child_by_field_name("argument")
        {
            self.forget_written(receiver);
        }
    }

    /// A file-scope `const` variable holding text.
    pub(super) fn remember_text_const(&mut self, name: String, init: Node<'t>) {
        let value = self.text_value(init);
        if value.has_known_part() {
            let cond = self.cond(init);
            self.ir.text_consts.push(TextConst { name, value, cond });
        }
    }

    /// `#define NAME L"..."`, `#define NAME TEXT("...")`, `#define NAME DIR "x.dll"`.
    pub(super) fn define_text(&mut self, node: Node<'t>, name: &str, value: Node<'t>) {
        let text = self.text_of(value);
        if !text.contains('"') {
            return;
        }
        let tokens = tokens(text, value.start_byte());
        let mut reader = TokenText {
            tokens: &tokens,
            pos: 0,
        };
        let Some((value, _)) = reader.text(0) else {
            return;
        };
        // A literal, even an empty one (`#define X DIR ""`), says the macro holds text.
        let literal = tokens
            .iter()
            .any(|(token, _)| matches!(token, Token::Text(_)));
        if reader.pos == tokens.len() && literal {
            let cond = self.cond(node);
            self.ir.text_consts.push(TextConst {
                name: name.to_string(),
                value,
                cond,
            });
        }
    }

    /// `#pragma comment(lib, "name")`: an import library the linker is asked for.
    pub(super) fn pragma(&mut self, node: Node<'t>) {
        let (Some(directive), Some(argument)) = (
            node.child_by_field_name("directive"),
            node.child_by_field_name("argument"),
        ) else {
            return;
        };
        if self.text_of(directive).trim_start_matches('#').trim() != "pragma" {
            return;
        }
        let tokens = tokens(self.text_of(argument), argument.start_byte());
        let mut reader = TokenText {
            tokens: &tokens,
            pos: 0,
        };
        if !(reader.ident("comment")
            && reader.punct('(')
            && reader.ident("lib")
            && reader.punct(','))
        {
            return;
        }
        let Some((name, name_span)) = reader.text(0) else {
            return;
        };
        if !reader.punct(')') {
            return;
        }
        let cond = self.cond(node);
        self.ir.links.push(LinkSite {
            kind: LinkKind::Import,
            name,
            span: name_span,
            cond,
        });
    }

    /// A string literal in a function body that looks like a path.
    pub(super) fn remember_path_literal(&mut self, node: Node<'t>) {
        if self.body == 0 {
            return;
        }
        let pieces: Vec<(String, Span)> = match self.text_value(node).known() {
            Some(text) => vec![(text, span(node))],
            // Pieces around a macro name are separate paths.
            _ => named_children(node)
                .into_iter()
                .filter_map(|part| {
                    decode_literal(self.text_of(part)).map(|text| (text, span(part)))
                })
                .collect(),
        };
        for (text, span) in pieces {
            if text.contains('\\') || text.contains('/') {
                let cond = self.cond(node);
                self.ir.path_literals.push(PathLiteral {
                    body: self.body,
                    text,
                    span,
                    cond,
                });
            }
        }
    }

    /// A call of `callee`: a library load is recorded; a buffer it may write into is
    /// forgotten.
    pub(super) fn library_call(&mut self, callee: &str, node: Node<'t>, args: &[Node<'t>]) {
        let flags_index = match callee {
            "LoadLibraryA" | "LoadLibraryW" | "LoadLibrary" | "LoadPackagedLibrary" => None,
            "LoadLibraryExA" | "LoadLibraryExW" | "LoadLibraryEx" => Some(2),
            _ => return,
        };
        let Some(&name_arg) = args.first() else {
            return;
        };
        let flags = flags_index
            .and_then(|i| args.get(i))
            .map_or_else(Vec::new, |&arg| self.flags_value(arg, 0));
        let site = LoadSite {
            body: self.body,
            api: callee.to_string(),
            name: self.text_value(name_arg),
            name_span: span(name_arg),
            flags,
            span: span(node),
            cond: self.cond(node),
        };
        self.ir.loads.push(site);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_decode_escapes_prefixes_and_raw_strings() {
        assert_eq!(decode_literal(r#""a\\b.dll""#).as_deref(), Some(r"a\b.dll"));
        assert_eq!(
            decode_literal(r#"L"C:\\x\x41\101\u0042""#).as_deref(),
            Some(r"C:\xAAB")
        );
        assert_eq!(decode_literal(r#"u8"x\"y""#).as_deref(), Some("x\"y"));
        assert_eq!(
            decode_literal(r#"LR"(C:\raw)""#).as_deref(),
            Some(r"C:\raw")
        );
        assert_eq!(decode_literal(r#"R"d(a)"b)d""#).as_deref(), Some(r#"a)"b"#));
        assert_eq!(decode_literal(r#""open"#), None);
    }

    #[test]
    fn preprocessor_text_is_tokenised() {
        let text = r#"TEXT("a\\b") /* c */ DIR L"x.dll" // tail"#;
        let tokens = tokens(text, 10);
        let kinds: Vec<&Token> = tokens.iter().map(|(t, _)| t).collect();
        assert_eq!(
            kinds,
            [
                &Token::Ident("TEXT".into()),
                &Token::Punct('('),
                &Token::Text(r"a\b".into()),
                &Token::Punct(')'),
                &Token::Ident("DIR".into()),
                &Token::Text("x.dll".into()),
            ]
        );
        assert_eq!(tokens[2].1, Span::new(15, 21));
        let mut reader = TokenText {
            tokens: &tokens,
            pos: 0,
        };
        let (value, covered) = reader.text(0).unwrap();
        let mut expected = MappedText::plain(r"a\b");
        expected.append(MappedText::named("DIR"));
        expected.append(MappedText::plain("x.dll"));
        assert_eq!(value, expected);
        assert_eq!(covered, Span::new(10, 10 + text.find(" //").unwrap()));
    }

    /// `#define PROGID_EventSystem OLESTR("EventSystem.EventSystem")` (eventsys.h): library
    /// names see text through the same macros as registry keys.
    #[test]
    fn defines_see_through_olestr() {
        let lowered = crate::frontend::c::lower(
            crate::frontend::c::Dialect::C,
            b"#define PLUGIN OLESTR(\"plugin.dll\")\n".to_vec(),
            None,
        )
        .unwrap();
        let consts: Vec<(&str, MappedText)> = lowered
            .ir
            .text_consts
            .iter()
            .map(|c| (c.name.as_str(), c.value.without_spans()))
            .collect();
        assert_eq!(consts, [("PLUGIN", MappedText::plain("plugin.dll"))]);
    }
}
