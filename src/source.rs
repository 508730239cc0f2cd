//! Reading a file: its bytes, its text and encoding (one decoder for every source), and the
//! mapping from byte offsets to the line/column positions users see; what could not be read
//! is a [`FileError`].

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

/// How a file's bytes hold its text, so that text written back is stored the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; a byte-order mark stays in the text, as U+FEFF.
    Utf8,
    /// UTF-16 after a byte-order mark, which the text leaves out.
    Utf16 { big_endian: bool },
    /// A legacy code page the file does not name, read one character per byte.
    SingleByte,
}

impl Encoding {
    /// The bytes that hold `text` in this encoding.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            // Fixes insert identifiers, which every code page spells in ASCII.
            Encoding::SingleByte => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Encoding::Utf16 { big_endian } => std::iter::once(0xFEFF_u16)
                .chain(text.encode_utf16())
                .flat_map(|unit| {
                    if big_endian {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    }
                })
                .collect(),
        }
    }
}

/// A file's text, and how its bytes hold it.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: Encoding,
    /// Where UTF-16 does not decode exactly; the text holds U+FFFD for what could not be read.
    pub damage: Option<Damage>,
}

/// UTF-16 that does not decode exactly, at its first fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// A lone surrogate on this 1-based line.
    LoneSurrogate { line: usize },
    /// An odd number of bytes: the last is half a code unit, after this line.
    OddLength { line: usize },
}

/// Bytes that are not text: a NUL among the first bytes of a file without a UTF-16 mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotText {
    /// The 1-based line of the first NUL.
    pub line: usize,
    /// Whether every second byte is NUL: UTF-16 saved without its mark.
    pub utf16_without_mark: bool,
}

/// Decodes a source file: UTF-16 after a byte-order mark, else UTF-8 as is, else one character
/// per byte (Windows sources are often in a legacy code page). A NUL among the first `probe`
/// bytes of a file without a UTF-16 mark makes it [`NotText`].
pub fn decode(bytes: Vec<u8>, probe: usize) -> Result<Decoded, NotText> {
    let big_endian = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(false),
        Some([0xFE, 0xFF]) => Some(true),
        _ => None,
    };
    if let Some(big_endian) = big_endian {
        let (text, damage) = decode_utf16(&bytes[2..], big_endian);
        return Ok(Decoded {
            text,
            encoding: Encoding::Utf16 { big_endian },
            damage,
        });
    }
    let head = &bytes[..bytes.len().min(probe)];
    if let Some(nul) = head.iter().position(|&b| b == 0) {
        return Err(NotText {
            line: 1 + head[..nul].iter().filter(|&&b| b == b'\n').count(),
            utf16_without_mark: head.len() >= 4
                && head
                    .chunks_exact(2)
                    .all(|pair| pair[1] == 0 && pair[0] != 0),
        });
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            encoding: Encoding::Utf8,
            damage: None,
        },
        Err(e) => Decoded {
            text: e.into_bytes().iter().map(|&b| char::from(b)).collect(),
            encoding: Encoding::SingleByte,
            damage: None,
        },
    })
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> (String, Option<Damage>) {
    let units = bytes.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let line_at_end = |text: &str| 1 + text.matches('\n').count();
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut damage = None;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(ch) => text.push(ch),
            Err(_) => {
                damage.get_or_insert_with(|| Damage::LoneSurrogate {
                    line: line_at_end(&text),
                });
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    if bytes.len() % 2 == 1 && damage.is_none() {
        damage = Some(Damage::OddLength {
            line: line_at_end(&text),
        });
    }
    (text, damage)
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

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        Encoding::Utf16 { big_endian }.encode(text)
    }

    #[test]
    fn each_encoding_decodes_and_encodes_back() {
        let cases: [(Vec<u8>, &str, Encoding); 5] = [
            (b"k=1\r\n".to_vec(), "k=1\r\n", Encoding::Utf8),
            (b"\xEF\xBB\xBFk\n".to_vec(), "\u{feff}k\n", Encoding::Utf8),
            (
                b"Gr\xf6\xdfe\n".to_vec(),
                "Gr\u{f6}\u{df}e\n",
                Encoding::SingleByte,
            ),
            (
                utf16("k=\u{e9}\n", false),
                "k=\u{e9}\n",
                Encoding::Utf16 { big_endian: false },
            ),
            (
                utf16("k=\u{e9}\n", true),
                "k=\u{e9}\n",
                Encoding::Utf16 { big_endian: true },
            ),
        ];
        for (bytes, text, encoding) in cases {
            let decoded = decode(bytes.clone(), 512).unwrap();
            assert_eq!((decoded.text.as_str(), decoded.encoding), (text, encoding));
            assert_eq!(decoded.damage, None);
            assert_eq!(encoding.encode(text), bytes);
        }
    }

    #[test]
    fn utf16_that_does_not_decode_exactly_says_where() {
        let mut lone = utf16("a\nb\n", false);
        lone.extend([0x00, 0xD8, b'c', 0]);
        let decoded = decode(lone, 0).unwrap();
        assert_eq!(decoded.text, "a\nb\n\u{fffd}c");
        assert_eq!(decoded.damage, Some(Damage::LoneSurrogate { line: 3 }));
        let mut odd = utf16("a\n", true);
        odd.push(b'x');
        let decoded = decode(odd, 0).unwrap();
        assert_eq!(decoded.text, "a\n");
        assert_eq!(decoded.damage, Some(Damage::OddLength { line: 2 }));
    }

    #[test]
    fn nul_bytes_near_the_start_are_not_text() {
        let no_mark: Vec<u8> = "k=1\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            decode(no_mark.clone(), 512),
            Err(NotText {
                line: 1,
                utf16_without_mark: true
            })
        );
        assert_eq!(
            decode(b"a\nb\n\0".to_vec(), 512),
            Err(NotText {
                line: 3,
                utf16_without_mark: false
            })
        );
        // Past the probe, a NUL is a character like any other.
        assert_eq!(decode(b"ab\0".to_vec(), 2).unwrap().text, "ab\0");
        assert_eq!(decode(no_mark, 0).unwrap().encoding, Encoding::Utf8);
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
