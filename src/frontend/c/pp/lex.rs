//! Preprocessing tokens of one directive line or macro body, and the directive lines of a file.

use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ident,
    Number,
    Str,
    Char,
    Punct,
}

/// A preprocessing token. `hide` names the macros whose expansion produced it, which are not
/// expanded again inside it.
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub text: Rc<str>,
    pub space_before: bool,
    pub hide: Rc<[Rc<str>]>,
}

impl Token {
    pub fn is(&self, text: &str) -> bool {
        &*self.text == text
    }

    pub fn is_ident(&self) -> bool {
        self.kind == Kind::Ident
    }
}

/// C's and C++'s punctuators of more than one character, longest first; code is expanded
/// token by token, so none may be split (`|=` is not `| =`). The digraph `<:` is left out:
/// C++ reads `<::` as `<` `::`, and Windows code writes no digraphs.
const PUNCTS: [&str; 29] = [
    "%:%:", "...", "<<=", ">>=", "->*", "<=>", "##", "%:", "&&", "||", "==", "!=", "<=", ">=",
    "<<", ">>", "->", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "::", ".*",
];

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

pub(super) fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// The end of a quoted literal starting at `start` (its quote), stopping at the line's end.
pub(super) fn literal_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'\n' {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    i.min(bytes.len())
}

/// Splits a directive's or body's text (comments already removed) into tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut space = false;
    let empty: Rc<[Rc<str>]> = Rc::from(Vec::new());
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        let start = i;
        let kind = if is_ident_start(b) {
            // An encoding prefix makes a literal: L"x", u8"x", U'x'.
            while i < bytes.len() && is_ident_char(bytes[i]) {
                i += 1;
            }
            let prefix = &text[start..i];
            if i < bytes.len()
                && (bytes[i] == b'"' || bytes[i] == b'\'')
                && matches!(prefix, "L" | "u" | "U" | "u8")
            {
                let quote = bytes[i];
                i = literal_end(bytes, i);
                if quote == b'"' { Kind::Str } else { Kind::Char }
            } else {
                Kind::Ident
            }
        } else if b.is_ascii_digit()
            || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < bytes.len() {
                let c = bytes[i];
                let exponent =
                    matches!(c, b'+' | b'-') && matches!(bytes[i - 1], b'e' | b'E' | b'p' | b'P');
                if is_ident_char(c)
                    || c == b'.'
                    || exponent
                    || (c == b'\'' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
                {
                    i += 1;
                } else {
                    break;
                }
            }
            Kind::Number
        } else if b == b'"' || b == b'\'' {
            i = literal_end(bytes, i);
            if b == b'"' { Kind::Str } else { Kind::Char }
        } else {
            let rest = &text[i..];
            let len = PUNCTS.iter().find(|p| rest.starts_with(*p)).map_or_else(
                || rest.chars().next().map_or(1, char::len_utf8),
                |p| p.len(),
            );
            i += len;
            Kind::Punct
        };
        let mut spelled = &text[start..i.min(text.len())];
        // Digraphs of `#` and `##` stand for them.
        if kind == Kind::Punct {
            spelled = match spelled {
                "%:" => "#",
                "%:%:" => "##",
                other => other,
            };
        }
        tokens.push(Token {
            kind,
            text: Rc::from(spelled),
            space_before: space,
            hide: empty.clone(),
        });
        space = false;
    }
    tokens
}

/// A directive line: where it is in the file, its name and what follows it.
#[derive(Clone, Debug)]
pub struct Line {
    /// The offset of the `#`'s line start and of the line's end (before its newline).
    pub start: usize,
    pub end: usize,
    pub name: Box<str>,
    /// What follows the name, with comments and continuations removed.
    pub rest: Box<str>,
}

/// The directive lines of a text, and whether code lies outside every conditional group.
pub fn directive_lines(text: &str) -> (Vec<Line>, bool) {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut i = 0;
    let mut line_start = 0;
    let mut at_line_start = true;
    let mut depth: usize = 0;
    let mut code_outside = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            i += 1;
            line_start = i;
            at_line_start = true;
            continue;
        }
        if b == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = line_comment_end(bytes, i);
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = block_comment_end(bytes, i);
            continue;
        }
        if at_line_start && (b == b'#' || (b == b'%' && bytes.get(i + 1) == Some(&b':'))) {
            let (line, end) = directive_at(text, line_start, i + if b == b'#' { 1 } else { 2 });
            match &*line.name {
                "if" | "ifdef" | "ifndef" => depth += 1,
                "endif" => depth = depth.saturating_sub(1),
                _ => {}
            }
            lines.push(line);
            i = end;
            continue;
        }
        at_line_start = false;
        if depth == 0 {
            code_outside = true;
        }
        if b == b'"' || b == b'\'' {
            if b == b'\'' && i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
                // A digit separator (1'000), not a character literal.
                i += 1;
                continue;
            }
            if b == b'"' && i > 0 && bytes[i - 1] == b'R' {
                i = raw_string_end(bytes, i);
                continue;
            }
            i = literal_end(bytes, i);
            continue;
        }
        i += 1;
    }
    (lines, code_outside)
}

fn line_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else {
            i += 1;
        }
    }
    i
}

fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 2;
    while i + 1 < bytes.len() {
        if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            return i + 2;
        }
        i += 1;
    }
    bytes.len()
}

/// `R"delim( ... )delim"`: the end past its closing quote.
fn raw_string_end(bytes: &[u8], quote: usize) -> usize {
    let mut i = quote + 1;
    while i < bytes.len() && i - quote <= 17 && bytes[i] != b'(' {
        if matches!(bytes[i], b' ' | b'\\' | b')' | b'\n' | b'"') {
            return literal_end(bytes, quote);
        }
        i += 1;
    }
    if bytes.get(i) != Some(&b'(') {
        return literal_end(bytes, quote);
    }
    let mut closing = Vec::with_capacity(i - quote + 1);
    closing.push(b')');
    closing.extend_from_slice(&bytes[quote + 1..i]);
    closing.push(b'"');
    bytes[i..]
        .windows(closing.len())
        .position(|w| w == closing.as_slice())
        .map_or(bytes.len(), |at| i + at + closing.len())
}

/// The directive whose text starts after its `#` at `after_hash`; its end (the newline).
fn directive_at(text: &str, line_start: usize, after_hash: usize) -> (Line, usize) {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = after_hash;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            break;
        }
        if b == b'\\'
            && (bytes.get(i + 1) == Some(&b'\n')
                || (bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n')))
        {
            i += if bytes[i + 1] == b'\r' { 3 } else { 2 };
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = line_comment_end(bytes, i);
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = block_comment_end(bytes, i);
            out.push(' ');
            continue;
        }
        if b == b'"' || b == b'\'' {
            let end = literal_end(bytes, i);
            out.push_str(&text[i..end]);
            i = end;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    let trimmed = out.trim_start();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    let (name, rest) = trimmed.split_at(name_len);
    let line = Line {
        start: line_start,
        end: i,
        name: name.into(),
        rest: rest.trim().trim_end_matches('\r').into(),
    };
    (line, i)
}
