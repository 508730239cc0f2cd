//! `.reg` files, as regedit exports and imports them: `REGEDIT4` (ANSI) and version 5.00
//! (UTF-16LE with a byte-order mark, though UTF-8 copies are common).

use super::text::MappedText;
use crate::model::cfg::Cond;
use crate::model::ir::{
    FileIr, KeySegment, RegistryAction, RegistryEntry, RegistryRoot, RegistryValue, RegistryView,
};
use crate::source::Span;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    Regedit4,
    Five,
}

struct Key {
    root: RegistryRoot,
    segments: Vec<KeySegment>,
    deleted: bool,
}

/// One physical line: its text without the terminator, and where it starts.
struct Line<'t> {
    number: usize,
    start: usize,
    text: &'t str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut start = 0;
    text.split_inclusive('\n')
        .enumerate()
        .map(|(index, raw)| {
            let line = Line {
                number: index + 1,
                start,
                text: raw.trim_end_matches(['\n', '\r']),
            };
            start += raw.len();
            line
        })
        .collect()
}

pub fn lower(text: &str) -> Result<FileIr, String> {
    let lines = lines(text);
    let mut ir = FileIr::default();
    let mut version = None;
    let mut key: Option<Key> = None;
    let mut index = 0;
    while index < lines.len() {
        let line = &lines[index];
        index += 1;
        let trimmed = line.text.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        let Some(version) = version else {
            version = Some(match trimmed {
                "Windows Registry Editor Version 5.00" => Version::Five,
                "REGEDIT4" => Version::Regedit4,
                _ => {
                    return Err(format!(
                        "line {}: not a registry script: the first line must be `Windows Registry Editor Version 5.00` or `REGEDIT4`",
                        line.number
                    ));
                }
            });
            continue;
        };
        let offset = line.start + (line.text.len() - line.text.trim_start().len());
        if trimmed.starts_with('[') {
            let parsed = key_line(trimmed, offset, line.number)?;
            ir.registry.push(entry(&parsed, None, line_span(line)));
            key = Some(parsed);
            continue;
        }
        if !(trimmed.starts_with('@') || trimmed.starts_with('"')) {
            return Err(format!(
                "line {}: expected a [key], a value or a `;` comment",
                line.number
            ));
        }
        let Some(current) = &key else {
            return Err(format!("line {}: a value before any [key]", line.number));
        };
        // Data continues on the next lines while a line ends in a backslash.
        let mut logical = trimmed.to_string();
        let mut end = line_span(line).end;
        while logical.ends_with('\\') && index < lines.len() {
            logical.pop();
            logical.push_str(lines[index].text.trim());
            end = line_span(&lines[index]).end;
            index += 1;
        }
        let (name, data, deleted) = value_line(&logical, version, line.number)?;
        if current.deleted {
            continue;
        }
        let value = RegistryValue {
            name,
            data,
            span: Span::new(offset, end),
        };
        let mut value_entry = entry(current, Some(value), Span::new(offset, end));
        if deleted {
            value_entry.action = RegistryAction::Delete;
        }
        ir.registry.push(value_entry);
    }
    if version.is_none() {
        return Err("line 1: empty registry script (no header line)".to_string());
    }
    Ok(ir)
}

fn line_span(line: &Line) -> Span {
    let leading = line.text.len() - line.text.trim_start().len();
    Span::new(
        line.start + leading,
        line.start + line.text.trim_end().len(),
    )
}

/// Regedit and `reg import` run as 64-bit processes on 64-bit Windows: paths without
/// `Wow6432Node` land in the 64-bit view.
fn entry(key: &Key, value: Option<RegistryValue>, span: Span) -> RegistryEntry {
    RegistryEntry {
        root: key.root,
        key: key.segments.clone(),
        value,
        action: if key.deleted {
            RegistryAction::Delete
        } else {
            RegistryAction::Write
        },
        view: RegistryView::Bits64,
        view_span: None,
        span,
        cond: Cond::TRUE,
    }
}

/// `[HKEY_CLASSES_ROOT\CLSID\{...}]` or `[-...]`; `offset` is where `[` stands.
fn key_line(line: &str, offset: usize, number: usize) -> Result<Key, String> {
    let Some(close) = line.rfind(']') else {
        return Err(format!("line {number}: `[` without a closing `]`"));
    };
    let mut inner = &line[1..close];
    let mut inner_start = offset + 1;
    let deleted = inner.starts_with('-');
    if deleted {
        inner = &inner[1..];
        inner_start += 1;
    }
    let (root_name, path_start) = match inner.find('\\') {
        Some(slash) => (&inner[..slash], slash + 1),
        None => (inner, inner.len()),
    };
    let Some(root) = RegistryRoot::parse(root_name.trim()) else {
        return Err(format!("line {number}: unknown root key `{root_name}`"));
    };
    let path = &inner[path_start..];
    Ok(Key {
        root,
        segments: MappedText::written(path, inner_start + path_start).segments(),
        deleted,
    })
}

/// A value line, continuation lines joined: its name, its text when it is a string, and
/// whether it deletes the value.
fn value_line(
    line: &str,
    version: Version,
    number: usize,
) -> Result<(String, Option<String>, bool), String> {
    let (name, rest) = if let Some(rest) = line.strip_prefix('@') {
        (String::new(), rest)
    } else {
        quoted(&line[1..]).ok_or_else(|| format!("line {number}: unterminated value name"))?
    };
    let Some(data) = rest.trim_start().strip_prefix('=') else {
        return Err(format!("line {number}: expected `=` after the value name"));
    };
    let data = data.trim();
    if data == "-" {
        return Ok((name, None, true));
    }
    if let Some(string) = data.strip_prefix('"') {
        let (text, _) =
            quoted(string).ok_or_else(|| format!("line {number}: unterminated string value"))?;
        return Ok((name, Some(text), false));
    }
    let lower = data.to_ascii_lowercase();
    if lower.starts_with("dword:") || lower.starts_with("hex(b):") {
        return Ok((name, None, false));
    }
    if let Some(hex) = lower.strip_prefix("hex(2):") {
        return Ok((name, expand_string(hex, version, number)?, false));
    }
    if lower.starts_with("hex") {
        hex_bytes(data.split_once(':').map_or("", |(_, h)| h), number)?;
        return Ok((name, None, false));
    }
    Err(format!("line {number}: unrecognised value data `{data}`"))
}

/// A `"..."` string with `\\` and `\"` escapes, from after its opening quote: the text and the
/// rest of the line.
fn quoted(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '"' => return Some((out, &text[i + 1..])),
            '\\' => out.push(chars.next()?.1),
            _ => out.push(ch),
        }
    }
    None
}

fn hex_bytes(hex: &str, number: usize) -> Result<Vec<u8>, String> {
    hex.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| {
            u8::from_str_radix(b, 16).map_err(|_| format!("line {number}: `{b}` is not a hex byte"))
        })
        .collect()
}

/// `hex(2):` (REG_EXPAND_SZ) data: UTF-16LE in version 5 files, the code page in REGEDIT4.
fn expand_string(hex: &str, version: Version, number: usize) -> Result<Option<String>, String> {
    let bytes = hex_bytes(hex, number)?;
    let text: String = match version {
        Version::Five => {
            let units = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        Version::Regedit4 => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    Ok(Some(
        text.split('\0').next().unwrap_or_default().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_continuations() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n; comment\r\n[HKEY_CLASSES_ROOT\\CLSID\\{1}\\InprocServer32]\r\n@=hex(2):43,00,3a,00,\\\r\n  5c,00,00,00\r\n\"ThreadingModel\"=\"Apart\\\"ment\"\r\n[-HKEY_CURRENT_USER\\Software\\X]\r\n";
        let ir = lower(text).unwrap();
        assert_eq!(ir.registry.len(), 4);
        let key = &ir.registry[0];
        assert_eq!(key.root, RegistryRoot::ClassesRoot);
        let span = key.key[2].span.unwrap();
        assert_eq!(&text[span.start..span.end], "InprocServer32");
        let default = ir.registry[1].value.as_ref().unwrap();
        assert_eq!(default.data.as_deref(), Some("C:\\"));
        assert!(text[default.span.start..default.span.end].ends_with("00,00"));
        assert_eq!(
            ir.registry[2].value.as_ref().unwrap().data.as_deref(),
            Some("Apart\"ment")
        );
        assert_eq!(ir.registry[3].action, RegistryAction::Delete);
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (text, line) in [
            ("REGEDIT4\n\n[HKEY_CLASSES_ROOT\\CLSID\n", "line 3"),
            ("hello\n", "line 1"),
            ("REGEDIT4\n@=\"x\"\n", "line 2"),
            ("REGEDIT4\n[HKEY_NOPE\\x]\n", "line 2"),
            ("REGEDIT4\n[HKCR\\x]\n\"a\"=\"b\n", "line 3"),
            ("REGEDIT4\n[HKCR\\x]\n\"a\"=hex:zz\n", "line 3"),
        ] {
            assert!(lower(text).unwrap_err().contains(line), "{text:?}");
        }
    }
}
