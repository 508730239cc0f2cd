//! C and C++ string literals decoded: prefixes, escapes and raw strings, each character mapped
//! to where it is written.

use std::iter::Peekable;
use std::str::CharIndices;

use crate::frontend::registry::text::{EscapeChars, MappedText, unescape_with};

/// The prefixes a string literal may carry (`L"..."`, `u8"..."`, `LR"(...)"`).
pub(super) const LITERAL_PREFIXES: &[&str] = &["L", "u", "U", "u8", "R", "LR", "uR", "UR", "u8R"];

/// Past the literal starting at `start` (its prefix included), or `None` when it does not end.
pub(super) fn literal_end(text: &str, start: usize) -> Option<usize> {
    let quote = start + text[start..].find('"')?;
    if text[start..quote].ends_with('R') {
        let open = quote + 1 + text[quote + 1..].find('(')?;
        let closing = format!("){}\"", &text[quote + 1..open]);
        return Some(open + text[open..].find(&closing)? + closing.len());
    }
    let bytes = text.as_bytes();
    let mut i = quote + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A C or C++ string literal's text, each character mapped to where it is written (an escape
/// maps to the whole escape sequence).
pub(super) fn c_literal(token: &str, start: usize) -> Option<MappedText> {
    let quote = token.find('"')?;
    let prefix = &token[..quote];
    if !prefix.is_empty() && !LITERAL_PREFIXES.contains(&prefix) {
        return None;
    }
    if prefix.ends_with('R') {
        let open = quote + 1 + token[quote + 1..].find('(')?;
        let delimiter = &token[quote + 1..open];
        let close = token.rfind(&format!("){delimiter}\""))?;
        return Some(MappedText::written(
            token.get(open + 1..close)?,
            start + open + 1,
        ));
    }
    let content = token[quote + 1..].strip_suffix('"')?;
    Some(unescape_with(content, start + quote + 1, c_escape))
}

/// The character a C escape stands for, given the character after the backslash.
fn c_escape(kind: char, chars: &mut EscapeChars) -> Option<char> {
    match kind {
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'v' => Some('\u{b}'),
        '\\' | '\'' | '"' | '?' => Some(kind),
        'x' => char::from_u32(digits(chars, 16, 8).0),
        'u' => char::from_u32(digits(chars, 16, 4).0),
        'U' => char::from_u32(digits(chars, 16, 8).0),
        '0'..='7' => {
            let (rest, count) = digits(chars, 8, 2);
            let first = kind.to_digit(8).unwrap_or_default();
            char::from_u32(first * 8u32.pow(count) + rest)
        }
        // A line continuation: the backslash and the line break vanish.
        '\n' => None,
        '\r' => {
            if chars.peek().is_some_and(|(_, c)| *c == '\n') {
                chars.next();
            }
            None
        }
        _ => None,
    }
}

/// Up to `max` digits of `radix`: their value and how many there were.
fn digits(chars: &mut Peekable<CharIndices>, radix: u32, max: u32) -> (u32, u32) {
    let mut value = 0u32;
    let mut count = 0;
    while count < max
        && let Some(digit) = chars.peek().and_then(|(_, c)| c.to_digit(radix))
    {
        value = value.saturating_mul(radix).saturating_add(digit);
        count += 1;
        chars.next();
    }
    (value, count)
}
