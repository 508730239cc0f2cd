//! A file's text and the mapping from byte offsets to the line/column positions users see.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::suppress::ALLOW_MARK;

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
    /// The text, once it is asked for when the file is kept compressed.
    text: OnceLock<Arc<str>>,
    /// The text, LZ4-compressed, until it is asked for.
    compressed: Option<Box<[u8]>>,
    /// Whether the text holds `ptrwidth:`, as every allow comment does.
    mentions_ptrwidth: bool,
    /// Built on the first position asked for: most files of a run never report one.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        SourceFile {
            path,
            display,
            mentions_ptrwidth: text.contains(ALLOW_MARK),
            text: OnceLock::from(text),
            compressed: None,
            line_starts: OnceLock::new(),
        }
    }

    /// A file whose text is kept compressed until a report, a fix or an allow comment needs
    /// it. Every file's text is kept for the whole run, and few are ever shown: compressed,
    /// the Windows headers' 62 MB take a fifth of that.
    pub fn compressed(path: PathBuf, display: String, text: &str) -> Self {
        SourceFile {
            path,
            display,
            mentions_ptrwidth: text.contains(ALLOW_MARK),
            text: OnceLock::new(),
            compressed: Some(lz4_flex::compress_prepend_size(text.as_bytes()).into()),
            line_starts: OnceLock::new(),
        }
    }

    pub fn text(&self) -> &Arc<str> {
        self.text.get_or_init(|| {
            let bytes = self
                .compressed
                .as_deref()
                .and_then(|compressed| lz4_flex::decompress_size_prepended(compressed).ok())
                .unwrap_or_default();
            // The bytes are the text that was compressed, so they are UTF-8.
            String::from_utf8(bytes).unwrap_or_default().into()
        })
    }

    /// Whether the text may hold an allow comment: without `ptrwidth:` it holds none, and
    /// a file with nothing to report need not be decompressed to know it.
    pub fn mentions_ptrwidth(&self) -> bool {
        self.mentions_ptrwidth
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr_newlines(self.text().as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// The position of a byte offset; offsets past the end clamp to the end, and offsets inside
    /// a multi-byte character count as that character.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text().len());
        let line_starts = self.line_starts();
        let line_index = line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = line_starts[line_index];
        // The standard library's character count is the fast one (it is built optimised even
        // into a debug build); a report asks for positions far into long lines many times.
        let text = self.text();
        let mut boundary = offset;
        while !text.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let column = text[line_start..boundary].chars().count() + usize::from(boundary < offset);
        Position {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The 1-based line of a byte offset, found without counting its column.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text().len());
        self.line_starts().partition_point(|&start| start <= offset)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let line_starts = self.line_starts();
        let Some(&start) = line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = line_starts.get(line).copied().unwrap_or(self.text().len());
        self.text()[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The byte range of a 1-based line, with its line terminator; empty past the end.
    pub fn line_span(&self, line: usize) -> Span {
        let line_starts = self.line_starts();
        let end_of_text = self.text().len();
        let start = line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(end_of_text);
        let end = line_starts.get(line).copied().unwrap_or(end_of_text);
        Span::new(start, end)
    }

    /// The offset where a 1-based line starts; the end of the text past its last line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_span(line).start
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text().get(span.start..span.end).unwrap_or("")
    }
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
    fn a_compressed_file_reads_as_the_plain_one() {
        let text = "fn f() {}\n// ptrwidth: allow(handle-truncation)\nlet é = 1;\n".repeat(50);
        let plain = file(&text);
        let compressed = SourceFile::compressed(PathBuf::from("a.rs"), "a.rs".into(), &text);
        assert_eq!(compressed.text().as_ref(), text);
        assert!(compressed.mentions_ptrwidth() && plain.mentions_ptrwidth());
        for offset in [0, 1, 10, 60, text.len() / 2, text.len()] {
            assert_eq!(compressed.position(offset), plain.position(offset));
        }
        assert_eq!(compressed.line_text(3), plain.line_text(3));
        let quiet = SourceFile::compressed(PathBuf::from("b.rs"), "b.rs".into(), "fn g() {}");
        assert!(!quiet.mentions_ptrwidth());
        assert_eq!(quiet.text().as_ref(), "fn g() {}");
    }

    #[test]
    fn positions_count_unicode_scalars() {
        let f = file("ab\n// é x\nlast");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        let x = f.text().find('x').unwrap();
        assert_eq!(f.position(x), Position { line: 2, column: 6 });
        assert_eq!(f.position(1000), Position { line: 3, column: 5 });
        assert_eq!(f.line_text(2), "// é x");
        assert_eq!((f.line_of(0), f.line_of(3), f.line_of(1000)), (1, 2, 3));
        assert_eq!(f.line_text(9), "");
    }
}
