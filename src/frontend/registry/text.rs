//! Decoding registry sources. The text that remembers where each of its characters is written
//! is the model's ([`crate::model::text`]): code front ends record it in the IR.

use crate::source::{self, Damage};

pub use crate::model::text::{EscapeChars, MappedText, unescape_with};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

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
