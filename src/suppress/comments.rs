//! Where the comments of a file are, by the comment syntax of its kind. Suppression directives
//! live in comments, and every front end's language writes them differently; this scanner
//! knows just enough of each (strings, character literals) not to mistake text for a comment.

use crate::discover::{FileKind, RegistryFormat};
use crate::source::Span;

/// The comment syntax of a kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `//` and `/* */`, with `"..."` strings and `'x'` character literals (Rust, C, C++,
    /// IDL). Rust raw strings (`r#"..."#`) are understood too.
    CLike,
    /// `//` and `/* */`, with `'...'` strings in which `''` is a quote (ATL registrar scripts).
    Registrar,
    /// `;` to the end of the line, outside `"..."` (`.reg` files).
    Semicolon,
    /// `<!-- -->` outside CDATA sections and processing instructions (XML: WiX sources).
    Xml,
}

impl Syntax {
    /// The syntax of a file, or `None` for kinds without comments (binaries).
    pub fn of(kind: FileKind) -> Option<Syntax> {
        match kind {
            FileKind::Rust | FileKind::C | FileKind::Cpp | FileKind::Idl => Some(Syntax::CLike),
            FileKind::Registry(RegistryFormat::RegEdit) => Some(Syntax::Semicolon),
            FileKind::Registry(RegistryFormat::Wix) => Some(Syntax::Xml),
            FileKind::Registry(RegistryFormat::Registrar) => Some(Syntax::Registrar),
            FileKind::Binary => None,
        }
    }
}

/// One comment: its whole span (delimiters included) and the span of its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub body: Span,
}

pub fn scan(syntax: Syntax, text: &str) -> Vec<Comment> {
    match syntax {
        Syntax::CLike => scan_c_like(text),
        Syntax::Registrar => scan_registrar(text),
        Syntax::Semicolon => scan_semicolon(text),
        Syntax::Xml => scan_xml(text),
    }
}

fn scan_c_like(text: &str) -> Vec<Comment> {
    scan_slash_comments(text, |bytes, i| match bytes[i] {
        b'r' | b'b' if !continues_identifier(bytes, i) => skip_raw_string(bytes, i),
        b'"' => Some(skip_quoted(bytes, i, b'"')),
        b'\'' => Some(skip_char_literal(bytes, i)),
        _ => None,
    })
}

/// `//` and `/* */` comments; `skip_literal` says where scanning goes on after a literal that
/// starts at a byte (comment openers inside it are data), or `None` when none starts there.
fn scan_slash_comments(
    text: &str,
    skip_literal: impl Fn(&[u8], usize) -> Option<usize>,
) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = line_end(bytes, i);
                comments.push(Comment {
                    span: Span::new(i, end),
                    body: Span::new(i + 2, end),
                });
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let comment = block_comment(bytes, i);
                comments.push(comment);
                i = comment.span.end;
            }
            _ => i = skip_literal(bytes, i).unwrap_or(i + 1),
        }
    }
    comments
}

/// `/* ... */` starting at `i`, to its end or the end of the text.
fn block_comment(bytes: &[u8], i: usize) -> Comment {
    // Rust block comments nest; C's do not, but nested openers are rare in C.
    let mut depth = 1;
    let mut j = i + 2;
    while j < bytes.len() && depth > 0 {
        if bytes[j] == b'/' && bytes.get(j + 1) == Some(&b'*') {
            depth += 1;
            j += 2;
        } else if bytes[j] == b'*' && bytes.get(j + 1) == Some(&b'/') {
            depth -= 1;
            j += 2;
        } else {
            j += 1;
        }
    }
    let body_end = if depth == 0 { j - 2 } else { j };
    Comment {
        span: Span::new(i, j),
        body: Span::new(i + 2, body_end.max(i + 2)),
    }
}

fn scan_registrar(text: &str) -> Vec<Comment> {
    scan_slash_comments(text, |bytes, i| {
        // A doubled quote inside a string is a quote: skipping one string and starting the
        // next at once comes to the same thing.
        (bytes[i] == b'\'').then(|| {
            bytes[i + 1..]
                .iter()
                .position(|&b| b == b'\'')
                .map_or(bytes.len(), |p| i + p + 2)
        })
    })
}

/// Where a line comment starting at `from` ends: before the line's `\n`, or its `\r\n`, which
/// belong to the line and stay when the comment is removed.
fn line_end(bytes: &[u8], from: usize) -> usize {
    let Some(p) = bytes[from..].iter().position(|&b| b == b'\n') else {
        return bytes.len();
    };
    let end = from + p;
    if end > from && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

fn continues_identifier(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// `r"..."`, `r#"..."#`, `br"..."`: the offset after the literal, when one starts at `i`.
fn skip_raw_string(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if bytes[j] == b'b' {
        j += 1;
    }
    if bytes.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = bytes[j..].iter().take_while(|&&b| b == b'#').count();
    j += hashes;
    if bytes.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < bytes.len() {
        if bytes[j] == b'"'
            && bytes[j + 1..].len() >= hashes
            && bytes[j + 1..j + 1 + hashes].iter().all(|&b| b == b'#')
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(bytes.len())
}

/// The offset after a quoted literal starting at `i`, honouring backslash escapes.
fn skip_quoted(bytes: &[u8], i: usize, quote: u8) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b if b == quote => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// A character literal (`'x'`, `'\n'`, `'é'`), or a Rust lifetime, which is not closed.
fn skip_char_literal(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i + 1) == Some(&b'\\') {
        return skip_quoted(bytes, i, b'\'');
    }
    let width = bytes
        .get(i + 1)
        .map_or(1, |&b| utf8_width(b))
        .min(bytes.len() - i - 1);
    if bytes.get(i + 1 + width) == Some(&b'\'') {
        i + 2 + width
    } else {
        i + 1
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

fn scan_semicolon(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => in_string = false,
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b';' if !in_string => {
                let end = line_end(bytes, i);
                comments.push(Comment {
                    span: Span::new(i, end),
                    body: Span::new(i + 1, end),
                });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    comments
}

/// XML comments; the text of a CDATA section or a processing instruction is data, whatever
/// it holds.
fn scan_xml(text: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find('<').map(|p| from + p) {
        let rest = &text[start..];
        let skip_to = |opener: &str, closer: &str| {
            text[start + opener.len()..]
                .find(closer)
                .map_or(text.len(), |p| start + opener.len() + p + closer.len())
        };
        from = if rest.starts_with("<!--") {
            let (body_end, end) = match text[start + 4..].find("-->") {
                Some(p) => (start + 4 + p, start + 4 + p + 3),
                None => (text.len(), text.len()),
            };
            comments.push(Comment {
                span: Span::new(start, end),
                body: Span::new(start + 4, body_end),
            });
            end
        } else if rest.starts_with("<![CDATA[") {
            skip_to("<![CDATA[", "]]>")
        } else if rest.starts_with("<?") {
            skip_to("<?", "?>")
        } else {
            start + 1
        };
    }
    comments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(syntax: Syntax, text: &str) -> Vec<String> {
        scan(syntax, text)
            .iter()
            .map(|c| text[c.body.start..c.body.end].to_string())
            .collect()
    }

    #[test]
    fn c_like_skips_strings_chars_and_lifetimes() {
        let text = "let s = \"// no\"; // yes\nlet c = '\"'; /* block */ fn f<'a>(x: &'a u8) {} // two\nlet r = r#\"/* no \"# ;";
        assert_eq!(bodies(Syntax::CLike, text), [" yes", " block ", " two"]);
    }

    #[test]
    fn nested_and_unterminated_block_comments() {
        assert_eq!(
            bodies(Syntax::CLike, "/* a /* b */ c */ x"),
            [" a /* b */ c "]
        );
        assert_eq!(bodies(Syntax::CLike, "x /* open"), [" open"]);
    }

    #[test]
    fn semicolon_comments_outside_strings() {
        let text = "\"Path\"=\"a;b\" ; note\n; whole line\n";
        assert_eq!(bodies(Syntax::Semicolon, text), [" note", " whole line"]);
    }

    #[test]
    fn xml_comments() {
        let text = "<A x=\"1\"/> <!-- one --> <B/>\n<!-- two";
        assert_eq!(bodies(Syntax::Xml, text), [" one ", " two"]);
    }

    #[test]
    fn xml_cdata_and_processing_instructions_are_data() {
        let text = "<?define a = \"<!-- no -->\" ?><A><![CDATA[ <!-- no --> ]]></A><!-- yes --><![CDATA[ open <!-- no";
        assert_eq!(bodies(Syntax::Xml, text), [" yes "]);
    }

    #[test]
    fn registrar_strings_are_not_comments() {
        let text = "X = s 'http://a/' // yes\nY = s 'it''s // no' /* two */ 'open // no";
        assert_eq!(bodies(Syntax::Registrar, text), [" yes", " two "]);
    }

    #[test]
    fn line_comments_end_before_a_crlf() {
        let text = "a // one\r\nb ; two\r\n";
        let comment = scan(Syntax::CLike, text)[0];
        assert_eq!(&text[comment.span.start..comment.span.end], "// one");
        assert_eq!(bodies(Syntax::Semicolon, text), [" two"]);
    }
}
