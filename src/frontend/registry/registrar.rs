//! ATL registrar scripts (`.rgs`): nested key blocks under a root key, with `NoRemove`,
//! `ForceRemove` and `Delete`, `val` values and `s`/`d`/`b`/`m` data. Replacements such as
//! `%MODULE%` are kept as written. Tokens are separated by whitespace, as the registrar
//! reads them; `//` starts a comment.

use super::text::line_of;
use crate::model::cfg::Cond;
use crate::model::ir::{
    FileIr, KeySegment, RegistryAction, RegistryEntry, RegistryRoot, RegistryValue, RegistryView,
};
use crate::source::Span;

/// Deeper key nesting than this is refused: real scripts nest a handful of levels, and each
/// entry carries the path of keys above it.
const MAX_NESTING: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Equals,
    /// A word or a quoted string: its text, and the segment it names in place.
    Word {
        text: String,
        segment: KeySegment,
    },
}

struct Lexed {
    token: Token,
    span: Span,
}

fn tokenize(text: &str) -> Result<Vec<Lexed>, String> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let ch = rest.chars().next().unwrap_or(' ');
        if ch.is_whitespace() || ch == '\u{feff}' {
            i += ch.len_utf8();
            continue;
        }
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
            continue;
        }
        if ch == '\'' {
            let (value, len) = quoted(rest)
                .ok_or_else(|| format!("line {}: unterminated quoted string", line_of(text, i)))?;
            let inner = Span::new(i + 1, i + len - 1);
            // A name with doubled quotes is not written as is: no rename in place.
            let span = (inner.len() == value.len()).then_some(inner);
            tokens.push(Lexed {
                token: Token::Word {
                    segment: KeySegment {
                        name: Some(value.clone()),
                        span,
                    },
                    text: value,
                },
                span: Span::new(i, i + len),
            });
            i += len;
            continue;
        }
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..len];
        if word.chars().all(|c| c == '{' || c == '}') {
            for (k, brace) in word.char_indices() {
                let token = if brace == '{' {
                    Token::Open
                } else {
                    Token::Close
                };
                tokens.push(Lexed {
                    token,
                    span: Span::new(i + k, i + k + 1),
                });
            }
        } else if word == "=" {
            tokens.push(Lexed {
                token: Token::Equals,
                span: Span::new(i, i + 1),
            });
        } else {
            tokens.push(Lexed {
                token: Token::Word {
                    text: word.to_string(),
                    segment: KeySegment {
                        name: Some(word.to_string()),
                        span: Some(Span::new(i, i + len)),
                    },
                },
                span: Span::new(i, i + len),
            });
        }
        i += len;
    }
    Ok(tokens)
}

/// A `'...'` string with `''` for a quote: its text and its length in bytes, quotes included.
fn quoted(text: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, ch)) = chars.next() {
        if ch == '\'' {
            if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            return Some((out, i + 1));
        }
        out.push(ch);
    }
    None
}

struct Frame {
    segment: KeySegment,
    /// Where the block's `{` is, for the error when it is never closed.
    open: usize,
    deleted: bool,
}

pub fn lower(text: &str) -> Result<FileIr, String> {
    let tokens = tokenize(text)?;
    let mut ir = FileIr::default();
    let mut root: Option<RegistryRoot> = None;
    // The keys enclosing the current position, below the root.
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_open: Option<usize> = None;
    // The last key statement, which a following `{` opens.
    let mut pending: Option<(KeySegment, bool)> = None;
    let mut i = 0;
    let line = |span: Span| line_of(text, span.start);
    while i < tokens.len() {
        let lexed = &tokens[i];
        i += 1;
        match &lexed.token {
            Token::Open => {
                if root_open.is_none() {
                    if root.is_none() {
                        return Err(format!(
                            "line {}: `{{` before a root key such as HKCR",
                            line(lexed.span)
                        ));
                    }
                    root_open = Some(lexed.span.start);
                    continue;
                }
                let Some((segment, deleted)) = pending.take() else {
                    return Err(format!(
                        "line {}: `{{` without a key name before it",
                        line(lexed.span)
                    ));
                };
                if stack.len() >= MAX_NESTING {
                    return Err(format!(
                        "line {}: keys nested deeper than {MAX_NESTING} levels",
                        line(lexed.span)
                    ));
                }
                stack.push(Frame {
                    segment,
                    open: lexed.span.start,
                    deleted,
                });
            }
            Token::Close => {
                pending = None;
                if stack.pop().is_none() {
                    if root_open.take().is_none() {
                        return Err(format!(
                            "line {}: `}}` without a matching `{{`",
                            line(lexed.span)
                        ));
                    }
                    root = None;
                }
            }
            Token::Equals => {
                return Err(format!(
                    "line {}: `=` without a name before it",
                    line(lexed.span)
                ));
            }
            Token::Word { text: word, .. } if root_open.is_none() => {
                if root.is_some() {
                    return Err(format!(
                        "line {}: expected `{{` after the root key",
                        line(lexed.span)
                    ));
                }
                root = Some(RegistryRoot::parse(word).ok_or_else(|| {
                    format!("line {}: unknown root key `{word}`", line(lexed.span))
                })?);
            }
            Token::Word { .. } => {
                let root = root.unwrap_or(RegistryRoot::Unknown);
                let statement = statement(&tokens, i - 1, text)?;
                i = statement.next;
                let parent_deleted = stack.iter().any(|f| f.deleted);
                let mut key: Vec<KeySegment> = stack.iter().map(|f| f.segment.clone()).collect();
                let span = Span::new(lexed.span.start, statement.end);
                let action = if statement.delete || parent_deleted {
                    RegistryAction::Delete
                } else {
                    RegistryAction::Write
                };
                let make = |key: Vec<KeySegment>, value: Option<RegistryValue>| RegistryEntry {
                    root,
                    key,
                    value,
                    action,
                    view: RegistryView::Module,
                    view_span: None,
                    span,
                    cond: Cond::TRUE,
                };
                if statement.is_value {
                    ir.registry.push(make(
                        key,
                        Some(RegistryValue {
                            name: statement.name.name.clone().unwrap_or_default(),
                            data: statement.data,
                            span,
                        }),
                    ));
                    continue;
                }
                key.push(statement.name.clone());
                ir.registry.push(make(key.clone(), None));
                if statement.has_default {
                    ir.registry.push(make(
                        key,
                        Some(RegistryValue {
                            name: String::new(),
                            data: statement.data,
                            span,
                        }),
                    ));
                }
                pending = Some((statement.name, statement.delete || parent_deleted));
            }
        }
    }
    if let Some(frame) = stack.last() {
        return Err(format!(
            "line {}: `{{` is never closed",
            line_of(text, frame.open)
        ));
    }
    if let Some(open) = root_open {
        return Err(format!(
            "line {}: `{{` is never closed",
            line_of(text, open)
        ));
    }
    Ok(ir)
}

struct Statement {
    name: KeySegment,
    is_value: bool,
    delete: bool,
    has_default: bool,
    /// The data's text, for string data.
    data: Option<String>,
    end: usize,
    next: usize,
}

/// `[NoRemove|ForceRemove|Delete] [val] Name [= type data]`, starting at token `start`.
fn statement(tokens: &[Lexed], start: usize, text: &str) -> Result<Statement, String> {
    let word = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::Word { text, segment }) => Some((text.as_str(), segment)),
        _ => None,
    };
    let at = |i: usize| {
        line_of(
            text,
            tokens
                .get(i)
                .or(tokens.last())
                .map_or(text.len(), |t| t.span.start),
        )
    };
    let mut i = start;
    let mut delete = false;
    let mut is_value = false;
    while let Some((keyword, _)) = word(i) {
        match keyword.to_ascii_lowercase().as_str() {
            "noremove" | "forceremove" if word(i + 1).is_some() => {}
            "delete" if word(i + 1).is_some() => delete = true,
            "val" if word(i + 1).is_some() => is_value = true,
            _ => break,
        }
        i += 1;
    }
    let Some((_, name)) = word(i) else {
        return Err(format!("line {}: expected a key or value name", at(i)));
    };
    let name = name.clone();
    let mut end = tokens[i].span.end;
    i += 1;
    let mut has_default = false;
    let mut data = None;
    if matches!(tokens.get(i).map(|t| &t.token), Some(Token::Equals)) {
        let Some((kind, _)) = word(i + 1) else {
            return Err(format!(
                "line {}: expected s, d, b or m after `=`",
                at(i + 1)
            ));
        };
        let kind = kind.to_ascii_lowercase();
        if !matches!(kind.as_str(), "s" | "d" | "b" | "m") {
            return Err(format!(
                "line {}: unknown value type `{kind}`: expected s, d, b or m",
                at(i + 1)
            ));
        }
        let Some((value, _)) = word(i + 2) else {
            return Err(format!("line {}: expected the value's data", at(i + 2)));
        };
        has_default = true;
        data = (kind == "s").then(|| value.to_string());
        end = tokens[i + 2].span.end;
        i += 3;
    } else if is_value {
        return Err(format!("line {}: expected `=` after the value name", at(i)));
    }
    Ok(Statement {
        name,
        is_value,
        delete,
        has_default,
        data,
        end,
        next: i,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "HKCR\n{\n\tNoRemove CLSID\n\t{\n\t\tForceRemove {5E0C1B2A-0000-4000-8000-00000000ABCD} = s 'Widget'\n\t\t{\n\t\t\t'InprocServer32' = s '%MODULE%'\n\t\t\t{\n\t\t\t\tval ThreadingModel = s 'Apartment' // comment\n\t\t\t}\n\t\t}\n\t}\n}\n";

    #[test]
    fn nested_keys_and_values() {
        let ir = lower(SCRIPT).unwrap();
        let names: Vec<String> = ir
            .registry
            .iter()
            .map(|e| {
                let mut path: Vec<String> = e.key.iter().map(|s| s.name.clone().unwrap()).collect();
                if let Some(v) = &e.value {
                    path.push(format!("={}:{:?}", v.name, v.data));
                }
                path.join("\\")
            })
            .collect();
        assert_eq!(names[0], "CLSID");
        assert!(names.contains(&"CLSID\\{5E0C1B2A-0000-4000-8000-00000000ABCD}\\InprocServer32\\=:Some(\"%MODULE%\")".to_string()));
        assert!(
            names
                .iter()
                .any(|n| n.ends_with("=ThreadingModel:Some(\"Apartment\")"))
        );
        let inproc = &ir.registry[3].key[2];
        let span = inproc.span.unwrap();
        assert_eq!(&SCRIPT[span.start..span.end], "InprocServer32");
    }

    #[test]
    fn unbalanced_braces_name_their_line() {
        let unclosed = SCRIPT.trim_end().trim_end_matches('}');
        assert!(lower(unclosed).unwrap_err().contains("line 2"));
        assert!(lower("HKCR\n{\n}\n}\n").unwrap_err().contains("line 4"));
        assert!(lower("HKCR\n{\n 'x\n}\n").unwrap_err().contains("line 3"));
        assert!(lower("HKXX\n{\n}\n").unwrap_err().contains("line 1"));
        assert!(
            lower("HKCR\n{\n val X\n}\n")
                .unwrap_err()
                .contains("line 4")
        );
        let deep = format!("HKCR\n{{\n{}", "k\n{\n".repeat(100_000));
        assert!(lower(&deep).unwrap_err().contains("deeper"));
    }
}
