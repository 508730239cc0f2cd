//! Text from the linted tree made safe to print. File names, source lines, string literals and
//! archive member names are whatever their authors wrote: printed raw, an escape sequence
//! clears or rewrites the terminal, and a line break followed by `::error ...` is a workflow
//! command to a GitHub Actions runner, which reads every line a step prints.

use std::borrow::Cow;

/// Lines longer than this (in characters) are not quoted whole: a minified or generated line
/// would flood the output, once per finding on it.
pub const MAX_QUOTED_LINE: usize = 400;

/// What marks the part of a line left out of a quote.
const CUT: &str = "...";

/// Whether a character changes what a terminal shows instead of being shown: control
/// characters, and the bidirectional embeddings, overrides and isolates, which reorder the text
/// around them.
fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// One line of text (a name, a message) with every unprintable character escaped as in Rust
/// (`\n`, `\x1b`, `\u{202e}`).
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, |_, _| false, |_, _| {})
}

/// Source text with its unprintable characters escaped, except tabs and line breaks (`\n`, and
/// `\r` before `\n`), which keep their meaning.
pub fn escape_source(text: &str) -> Cow<'_, str> {
    escape_source_tracked(text, |_, _| {})
}

/// [`escape_source`], telling `grown` the byte offset (in `text`) after each escaped character
/// and by how many bytes the text has grown up to there, for offsets into it to be moved.
pub fn escape_source_tracked(text: &str, grown: impl FnMut(usize, usize)) -> Cow<'_, str> {
    escape_except(
        text,
        |c, next| c == '\t' || c == '\n' || (c == '\r' && next == Some('\n')),
        grown,
    )
}

fn escape_except(
    text: &str,
    keep: impl Fn(char, Option<char>) -> bool,
    mut grown: impl FnMut(usize, usize),
) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if is_unprintable(c) && !keep(c, chars.peek().map(|&(_, next)| next)) {
            push_escaped(&mut out, c);
            let after = at + c.len_utf8();
            grown(after, out.len() - after);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Lines that a GitHub Actions runner would take for a workflow command (`::` after any
/// leading whitespace) get a `\` before the `::`. The runner splits on `\r` as well as `\n`.
pub fn guard_commands(text: &str) -> Cow<'_, str> {
    let starts_command = |line: &str| line.trim_start().starts_with("::");
    if !text.split(['\n', '\r']).any(starts_command) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    loop {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..end];
        if starts_command(line) {
            let indent = line.len() - line.trim_start().len();
            out.push_str(&line[..indent]);
            out.push('\\');
            out.push_str(&line[indent..]);
        } else {
            out.push_str(line);
        }
        let Some(terminator) = rest[end..].chars().next() else {
            break;
        };
        out.push(terminator);
        rest = &rest[end + 1..];
    }
    Cow::Owned(out)
}

/// Text of several lines (an error message, a subcommand's output) as it may be printed: each
/// line escaped, and none a workflow command.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    match escape_source(text) {
        Cow::Borrowed(text) => guard_commands(text),
        Cow::Owned(escaped) => Cow::Owned(guard_commands(&escaped).into_owned()),
    }
}

/// A line of at most [`MAX_QUOTED_LINE`] characters around a highlighted part, with `...` where
/// text was left out on either side, and the highlight's columns (1-based, the end exclusive)
/// in it. A highlight longer than the window keeps its start.
pub fn window(
    line: &str,
    highlight_start: usize,
    highlight_end: usize,
) -> (Cow<'_, str>, usize, usize) {
    let length = line.chars().count();
    if length <= MAX_QUOTED_LINE {
        return (Cow::Borrowed(line), highlight_start, highlight_end);
    }
    let start = highlight_start.saturating_sub(1).min(length);
    let end = highlight_end.saturating_sub(1).clamp(start, length);
    let slack = MAX_QUOTED_LINE.saturating_sub(end - start);
    let first = start
        .saturating_sub(slack / 2)
        .min(length - MAX_QUOTED_LINE);
    // In an ASCII line (most long ones: minified or generated code) characters are bytes.
    let byte = |chars: usize| {
        if length == line.len() {
            chars
        } else {
            line.char_indices()
                .nth(chars)
                .map_or(line.len(), |(at, _)| at)
        }
    };
    let (first_byte, last_byte) = (byte(first), byte(first + MAX_QUOTED_LINE));
    let last = first + MAX_QUOTED_LINE;
    let mut quoted = String::with_capacity(last_byte - first_byte + 2 * CUT.len());
    let shift = if first > 0 {
        quoted.push_str(CUT);
        CUT.len()
    } else {
        0
    };
    quoted.push_str(&line[first_byte..last_byte]);
    if last < length {
        quoted.push_str(CUT);
    }
    (
        Cow::Owned(quoted),
        start - first + 1 + shift,
        end.min(last) - first + 1 + shift,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprintable_characters_are_escaped() {
        assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape("x\n::error::y\r"), "x\\n::error::y\\r");
        assert_eq!(escape("\u{9b}2J \u{202e}txt"), "\\u{9b}2J \\u{202e}txt");
        assert!(matches!(escape("plain é"), Cow::Borrowed("plain é")));
        assert_eq!(escape_source("a\tb\r\nc\rd\x07\n"), "a\tb\r\nc\\rd\\x07\n");
    }

    #[test]
    fn lines_that_would_be_workflow_commands_are_guarded() {
        assert_eq!(
            guard_commands("ok\n  ::error::x\r::warning::y\nz::w"),
            "ok\n  \\::error::x\r\\::warning::y\nz::w"
        );
        assert!(matches!(guard_commands("a ::b\n"), Cow::Borrowed(_)));
        assert_eq!(printable_lines("e\x1b\n::x"), "e\\x1b\n\\::x");
    }

    #[test]
    fn long_lines_are_quoted_around_their_highlight() {
        let line = format!("{}HIGHLIGHT{}", "a".repeat(5000), "b".repeat(5000));
        let (quoted, start, end) = window(&line, 5001, 5010);
        assert!(quoted.chars().count() <= MAX_QUOTED_LINE + 2 * CUT.len());
        assert!(quoted.starts_with(CUT) && quoted.ends_with(CUT));
        let highlighted: String = quoted.chars().skip(start - 1).take(end - start).collect();
        assert_eq!(highlighted, "HIGHLIGHT");

        let (quoted, start, end) = window(&line, 1, 3);
        assert!(!quoted.starts_with(CUT) && quoted.ends_with(CUT));
        assert_eq!((start, end), (1, 3));

        let (quoted, start, end) = window(&line, line.len() - 1, line.len() + 1);
        assert!(quoted.starts_with(CUT) && !quoted.ends_with(CUT));
        assert_eq!(&quoted[quoted.len() - 2..], "bb");
        assert_eq!(end - start, 2);
        assert_eq!(end, quoted.chars().count() + 1);

        assert!(matches!(
            window("short", 1, 2),
            (Cow::Borrowed("short"), 1, 2)
        ));
    }
}
