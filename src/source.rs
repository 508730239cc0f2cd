//! A file's text and the mapping from byte offsets to the line/column positions users see.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Index of a file in the run's file list; diagnostics refer to files by it.
pub type FileId = usize;

/// A half-open byte range `[start, end)` into a file's original bytes.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// 1-based line and column; columns count Unicode scalar values, as rustc does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

pub struct SourceFile {
    /// Where the file was read from.
    pub path: PathBuf,
    /// How the path is shown to users: relative to the current directory when under it.
    pub display: String,
    pub text: Arc<str>,
    /// Built on the first position asked for: most files of a run never report one.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        SourceFile {
            path,
            display,
            text,
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr_newlines(self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// The position of a byte offset; offsets past the end clamp to the end, and offsets inside
    /// a multi-byte character count as that character.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line_index = line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = line_starts[line_index];
        let column = self.text.as_bytes()[line_start..offset]
            .iter()
            .filter(|&&b| !is_utf8_continuation(b))
            .count();
        Position {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let line_starts = self.line_starts();
        let Some(&start) = line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, &b)| (b == b'\n').then_some(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("a.rs"), "a.rs".into(), text.into())
    }

    #[test]
    fn positions_count_unicode_scalars() {
        let f = file("ab\n// é x\nlast");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        let x = f.text.find('x').unwrap();
        assert_eq!(f.position(x), Position { line: 2, column: 6 });
        assert_eq!(f.position(1000), Position { line: 3, column: 5 });
        assert_eq!(f.line_text(2), "// é x");
        assert_eq!(f.line_text(9), "");
    }
}
