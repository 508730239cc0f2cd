//! Reading a file: its bytes, its text, and the mapping from byte offsets to the line/column
//! positions users see; what could not be read is a [`FileError`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Files larger than this are skipped unless the project says otherwise: no real source file
/// is this big, and reading one whole would cost more memory than the rest of the run.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

impl FileError {
    pub fn new(path: &Path, message: String) -> Self {
        FileError {
            path: display_path(path),
            message,
        }
    }
}

/// Reads a regular file whole, refusing it if it is over `limit` bytes.
///
/// A FIFO would block until a writer comes and a device (`/dev/zero`) never ends, so only
/// regular files are read: the path's type is checked before opening it (opening a FIFO
/// blocks), and the opened handle's after, in case the path was swapped in between. A
/// pseudo-file (`/proc/self/pagemap`) says it holds 0 bytes and yields gigabytes, so what is
/// read is bounded by the size the handle reports, and a file that yields more is refused.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;

    let not_regular = || "not a regular file".to_string();
    if !std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .is_file()
    {
        return Err(not_regular());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO swapped in after the check above returns at once instead of blocking; a
    // regular file reads the same with or without the flag.
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut file = options.open(path).map_err(|e| e.to_string())?;
    let metadata = file.metadata().map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let size = metadata.len();
    if size > limit {
        return Err(format!("file is {size} bytes, over the {limit}-byte limit"));
    }
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(usize::try_from(size).unwrap_or(usize::MAX))
        .map_err(|e| e.to_string())?;
    file.by_ref()
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    // Some pseudo-files refuse reads of fewer than 8 bytes, so the probe for more is not 1 byte.
    let mut probe = [0; 64];
    let more = loop {
        match file.read(&mut probe) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
            Ok(read) => break read > 0,
        }
    };
    if more {
        return Err(format!(
            "file yields more than its size says ({size} bytes): it is growing, or is not an ordinary file"
        ));
    }
    Ok(bytes)
}

/// Paths are shown relative to the current directory when under it.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads a file of settings (configuration, baseline): a regular file of at most `limit` bytes
/// of UTF-8, so that a FIFO or device in its place is an error instead of a hang.
pub fn read_settings(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_bytes(path, limit).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8 ({e})", path.display()))
}

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
    /// False when the text is known to hold no allow comment.
    may_hold_allows: bool,
    /// Built on the first position asked for: most files of a run never report one.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A file whose text is kept as it is: reading it for allow comments costs nothing.
    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        SourceFile {
            path,
            display,
            may_hold_allows: true,
            text: OnceLock::from(text),
            compressed: None,
            line_starts: OnceLock::new(),
        }
    }

    /// A file whose text is kept compressed until a report, a fix or an allow comment needs
    /// it. Every file's text is kept for the whole run, and few are ever shown: compressed,
    /// the Windows headers' 62 MB take a fifth of that. `may_hold_allows` is false when the
    /// text holds no allow comment, so that suppression need not decompress it to know.
    pub fn compressed(path: PathBuf, display: String, text: &str, may_hold_allows: bool) -> Self {
        SourceFile {
            path,
            display,
            may_hold_allows,
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

    /// Whether the text may hold an allow comment.
    pub fn may_hold_allows(&self) -> bool {
        self.may_hold_allows
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
        let compressed = SourceFile::compressed(PathBuf::from("a.rs"), "a.rs".into(), &text, true);
        assert_eq!(compressed.text().as_ref(), text);
        assert!(compressed.may_hold_allows() && plain.may_hold_allows());
        for offset in [0, 1, 10, 60, text.len() / 2, text.len()] {
            assert_eq!(compressed.position(offset), plain.position(offset));
        }
        assert_eq!(compressed.line_text(3), plain.line_text(3));
        let quiet =
            SourceFile::compressed(PathBuf::from("b.rs"), "b.rs".into(), "fn g() {}", false);
        assert!(!quiet.may_hold_allows());
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
