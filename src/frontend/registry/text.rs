//! Decoding registry sources, and text that remembers where each of its characters is written.

use std::iter::Peekable;
use std::str::CharIndices;

use crate::model::ir::KeySegment;
use crate::source::{self, Damage, Span};

/// How many leading bytes are looked at to recognise UTF-16 saved without its byte-order mark.
const UTF16_PROBE_BYTES: usize = 512;

/// The text of a registry source.
///
/// UTF-16 with a byte-order mark (what regedit writes) is decoded and the mark dropped, so the
/// text holds exactly the characters of the file: lines and columns are those of the original,
/// and a fix is written back by encoding the edited text the same way. UTF-8 is kept byte for
/// byte (a UTF-8 mark included). Anything else is read one character per byte: a legacy code
/// page whose identity the file does not state.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let decoded = source::decode(bytes, UTF16_PROBE_BYTES).map_err(|not_text| {
        if not_text.utf16_without_mark {
            "UTF-16 text without a byte-order mark at line 1; save it with the mark, as regedit does"
                .to_string()
        } else {
            format!(
                "binary data (a NUL byte) at line {}, not a registry source",
                not_text.line
            )
        }
    })?;
    match decoded.damage {
        None => Ok(decoded.text),
        Some(Damage::LoneSurrogate { line }) => {
            Err(format!("invalid UTF-16 (a lone surrogate) at line {line}"))
        }
        Some(Damage::OddLength { line }) => Err(format!(
            "UTF-16 text with an odd number of bytes: truncated at line {line}"
        )),
    }
}

/// The 1-based line of a byte offset, for error messages.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Char {
        ch: char,
        at: Option<Span>,
    },
    /// Text only known at run time.
    Unknown,
}

/// Characters a [`MappedText`] keeps; what follows is unknown. No registry key path, value
/// name or DLL path is this long, and a buffer appended to in thousands of statements must not
/// grow with each of them.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Text assembled from pieces of a file (a literal, a constant, a `format!` argument), each
/// character remembering where it is written, so that a key name can be renamed in place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappedText {
    pieces: Vec<Piece>,
}

impl MappedText {
    pub fn unknown() -> MappedText {
        MappedText {
            pieces: vec![Piece::Unknown],
        }
    }

    /// Text that is not written anywhere in the file as is.
    pub fn plain(text: &str) -> MappedText {
        let mut mapped = MappedText {
            pieces: text
                .chars()
                .take(MAX_TEXT_CHARS + 1)
                .map(|ch| Piece::Char { ch, at: None })
                .collect(),
        };
        mapped.cap();
        mapped
    }

    /// Text written as is in the file, starting at byte `start`.
    pub fn written(text: &str, start: usize) -> MappedText {
        let mut mapped = MappedText {
            pieces: text
                .char_indices()
                .take(MAX_TEXT_CHARS + 1)
                .map(|(i, ch)| Piece::Char {
                    ch,
                    at: Some(Span::new(start + i, start + i + ch.len_utf8())),
                })
                .collect(),
        };
        mapped.cap();
        mapped
    }

    pub fn push(&mut self, ch: char, at: Option<Span>) {
        self.pieces.push(Piece::Char { ch, at });
        self.cap();
    }

    pub fn push_unknown(&mut self) {
        self.pieces.push(Piece::Unknown);
        self.cap();
    }

    pub fn append(&mut self, other: MappedText) {
        self.pieces.extend(other.pieces);
        self.cap();
    }

    /// Past [`MAX_TEXT_CHARS`], the text is only known at run time.
    fn cap(&mut self) {
        if self.pieces.len() > MAX_TEXT_CHARS {
            self.pieces.truncate(MAX_TEXT_CHARS);
            self.pieces.push(Piece::Unknown);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Each character with where it is written; `None` for a part only known at run time.
    pub fn chars(&self) -> impl Iterator<Item = Option<(char, Option<Span>)>> + '_ {
        self.pieces.iter().map(|piece| match piece {
            Piece::Char { ch, at } => Some((*ch, *at)),
            Piece::Unknown => None,
        })
    }

    /// Without the NUL terminators C-style strings end in.
    pub fn without_nul(mut self) -> MappedText {
        while matches!(self.pieces.last(), Some(Piece::Char { ch: '\0', .. })) {
            self.pieces.pop();
        }
        self
    }

    /// The whole text, when every part of it is known.
    pub fn known(&self) -> Option<String> {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Char { ch, .. } => Some(*ch),
                Piece::Unknown => None,
            })
            .collect()
    }

    /// The key path's segments, split at backslashes; empty segments are dropped, as the
    /// registry drops them.
    pub fn segments(&self) -> Vec<KeySegment> {
        self.split(|ch| ch == '\\')
    }

    /// The words of a list separated by whitespace (WiX's `Context="A B"`).
    pub fn split_whitespace(&self) -> Vec<KeySegment> {
        self.split(char::is_whitespace)
    }

    fn split(&self, is_separator: impl Fn(char) -> bool) -> Vec<KeySegment> {
        let mut parts = Vec::new();
        let mut current: Vec<&Piece> = Vec::new();
        for piece in &self.pieces {
            if matches!(piece, Piece::Char { ch, .. } if is_separator(*ch)) {
                if !current.is_empty() {
                    parts.push(segment(&current));
                }
                current.clear();
            } else {
                current.push(piece);
            }
        }
        if !current.is_empty() {
            parts.push(segment(&current));
        }
        parts
    }
}

fn segment(pieces: &[&Piece]) -> KeySegment {
    let mut name = String::new();
    let mut span: Option<Option<Span>> = None;
    for piece in pieces {
        match piece {
            Piece::Unknown => {
                return KeySegment {
                    name: None,
                    span: None,
                };
            }
            Piece::Char { ch, at } => {
                name.push(*ch);
                span = Some(match (span, at) {
                    (None, at) => *at,
                    (Some(Some(so_far)), Some(at)) if so_far.end == at.start => {
                        Some(Span::new(so_far.start, at.end))
                    }
                    _ => None,
                });
            }
        }
    }
    KeySegment {
        name: Some(name),
        span: span.flatten(),
    }
}

/// The characters after an escape's backslash, for a language's escape decoder.
pub type EscapeChars<'s> = Peekable<CharIndices<'s>>;

/// Decodes the body of a string literal, each character mapped to where it is written and an
/// escape to its whole sequence. `escape` gets the character after the backslash and the rest
/// of the body, consumes what the escape spans, and returns the character it stands for (`None`
/// for escapes that stand for nothing, such as line continuations).
pub fn unescape_with(
    content: &str,
    start: usize,
    escape: impl Fn(char, &mut EscapeChars) -> Option<char>,
) -> MappedText {
    let mut out = MappedText::default();
    let mut chars = content.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch != '\\' {
            out.push(ch, Some(Span::new(start + i, start + i + ch.len_utf8())));
            continue;
        }
        let Some((_, kind)) = chars.next() else {
            break;
        };
        if let Some(decoded) = escape(kind, &mut chars) {
            let end = chars.peek().map_or(content.len(), |(j, _)| *j);
            out.push(decoded, Some(Span::new(start + i, start + end)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    }

    #[test]
    fn utf16_is_decoded_without_its_mark() {
        assert_eq!(
            decode(utf16le("REGEDIT4\r\n[x]")).unwrap(),
            "REGEDIT4\r\n[x]"
        );
        let mut odd = utf16le("a\r\nb");
        odd.push(b'c');
        assert!(decode(odd).unwrap_err().contains("line 2"));
        let mut lone = utf16le("a\n");
        lone.extend([0x00, 0xD8]);
        assert!(decode(lone).unwrap_err().contains("surrogate"));
        let unmarked = utf16le("Windows Registry Editor")[2..].to_vec();
        assert!(decode(unmarked).unwrap_err().contains("byte-order mark"));
    }

    #[test]
    fn utf8_is_kept_and_other_bytes_read_one_per_character() {
        assert_eq!(decode("\u{feff}é".into()).unwrap(), "\u{feff}é");
        assert_eq!(decode(vec![b'a', 0xE9]).unwrap(), "aé");
    }

    #[test]
    fn segments_keep_their_place_when_written_as_is() {
        let mut text = MappedText::written("CLSID\\", 10);
        text.push_unknown();
        text.append(MappedText::written("\\InprocServer", 40));
        let segments = text.segments();
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[0].span, Some(Span::new(10, 15)));
        assert_eq!(segments[1].name, None);
        assert_eq!(segments[2].name.as_deref(), Some("InprocServer"));
        assert_eq!(segments[2].span, Some(Span::new(41, 53)));
        let mut split = MappedText::written("Inproc", 0);
        split.append(MappedText::written("Server", 20));
        assert_eq!(split.segments()[0].span, None);
    }
}
