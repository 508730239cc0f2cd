//! `--fix` and `--diff`: applying the fixes rules attach to their findings.
//!
//! Fixes are byte-range edits into a file's text, whatever its language. Per file, fixes are
//! taken in diagnostic order and one that overlaps an earlier one is not applied (edits equal
//! to an accepted one are shared, not conflicts). The fixed text is encoded as the file was
//! (UTF-8 or UTF-16 with its byte-order mark), keeps the file's line endings, and goes through
//! the file kind's front end again: a fix that would not parse leaves the file untouched.
//! Files are written through a temporary file renamed over the original, keeping its
//! permissions, and only when their real path lies inside the tree being linted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Edit};
use crate::engine::{FileError, Outcome};
use crate::frontend;
use crate::report::text;
use crate::source::{FileId, Span};

/// What fixing would do to one file.
pub struct FileFix {
    pub path: PathBuf,
    pub display: String,
    pub before: String,
    pub after: String,
    /// The bytes to write: `after` in the file's encoding.
    bytes: Vec<u8>,
    /// Findings whose fix is applied.
    pub fixed: usize,
}

pub struct Plan {
    pub files: Vec<FileFix>,
    /// Fixes left out because an earlier fix overlaps them, as `path:line: message`.
    pub conflicts: Vec<String>,
    /// Files whose fixes could not be applied, with the reason.
    pub failures: Vec<FileError>,
}

impl Plan {
    pub fn fixed(&self) -> usize {
        self.files.iter().map(|f| f.fixed).sum()
    }
}

/// Works out every file's fixed text without writing anything.
pub fn plan(outcome: &Outcome, unsafe_fixes: bool) -> Plan {
    let mut accepted: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut fixed_per_file: BTreeMap<FileId, usize> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for d in &outcome.diagnostics {
        let Some(fix) = d
            .fixes
            .iter()
            .find(|fix| fix.applicability == Applicability::MachineApplicable || unsafe_fixes)
        else {
            continue;
        };
        let clashes = fix.edits.iter().any(|edit| {
            accepted
                .get(&edit.file)
                .into_iter()
                .flatten()
                .any(|taken| taken != edit && overlaps(taken.span, edit.span))
        });
        if clashes {
            let source = &outcome.files[d.file];
            conflicts.push(format!(
                "{}:{}: fix \"{}\" overlaps an earlier fix; not applied",
                source.display,
                source.position(d.span.start).line,
                fix.message
            ));
            continue;
        }
        for edit in &fix.edits {
            let edits = accepted.entry(edit.file).or_default();
            if !edits.contains(edit) {
                edits.push(edit.clone());
            }
        }
        *fixed_per_file.entry(d.file).or_default() += 1;
    }

    let mut files = Vec::new();
    let mut failures = Vec::new();
    for (file, mut edits) in accepted {
        let source = &outcome.files[file];
        let fail = |message: String| FileError::new(&source.path, message);
        edits.sort_by_key(|edit| std::cmp::Reverse((edit.span.start, edit.span.end)));
        let before = source.text().to_string();
        let after = apply(&before, &edits);
        let result = std::fs::read(&source.path)
            .map_err(|e| fail(e.to_string()))
            .and_then(|on_disk| {
                Encoding::detect(&on_disk, &before).ok_or_else(|| {
                    fail("changed since it was read, or in an encoding ptrwidth cannot write back; not fixed".to_string())
                })
            })
            .and_then(|encoding| {
                let bytes = encoding.encode(&after);
                match frontend::lower(outcome.kinds[file], bytes.clone()) {
                    Err(e) => Err(fail(format!(
                        "the fixed file would not parse ({e}); left untouched"
                    ))),
                    Ok(_) => Ok(bytes),
                }
            });
        match result {
            Ok(bytes) => files.push(FileFix {
                path: source.path.clone(),
                display: source.display.clone(),
                before,
                after,
                bytes,
                fixed: fixed_per_file.get(&file).copied().unwrap_or(0),
            }),
            Err(error) => failures.push(error),
        }
    }
    Plan {
        files,
        conflicts,
        failures,
    }
}

/// Two ranges overlap when they share a byte, or when an insertion lands on or inside the
/// other: the order of the two results would be a guess.
fn overlaps(a: Span, b: Span) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.start <= b.end && b.start <= a.end;
    }
    a.start < b.end && b.start < a.end
}

/// Applies non-overlapping edits sorted from last to first, so earlier offsets stay valid.
fn apply(text: &str, edits_last_first: &[Edit]) -> String {
    let crlf = text.contains("\r\n");
    let mut fixed = text.to_string();
    for edit in edits_last_first {
        let replacement = if crlf {
            edit.replacement.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            edit.replacement.clone()
        };
        if fixed.get(edit.span.start..edit.span.end).is_some() {
            fixed.replace_range(edit.span.start..edit.span.end, &replacement);
        }
    }
    fixed
}

/// How a file's text was stored, so the fixed text is stored the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    /// UTF-16 with a byte-order mark; `mark_in_text` when the front end kept the mark as
    /// U+FEFF in the text.
    Utf16 {
        big_endian: bool,
        mark_in_text: bool,
    },
    /// A legacy code page the front end read one character per byte (an ANSI `.reg` file).
    SingleByte,
}

impl Encoding {
    /// The encoding that turns `text` into `bytes`, if it is one ptrwidth can write.
    fn detect(bytes: &[u8], text: &str) -> Option<Encoding> {
        if bytes == text.as_bytes() {
            return Some(Encoding::Utf8);
        }
        let big_endian = match bytes.get(..2) {
            Some([0xFF, 0xFE]) => false,
            Some([0xFE, 0xFF]) => true,
            _ => {
                let one_per_byte = text.chars().count() == bytes.len()
                    && text
                        .chars()
                        .zip(bytes)
                        .all(|(c, &b)| u32::from(b) == u32::from(c));
                return one_per_byte.then_some(Encoding::SingleByte);
            }
        };
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|pair| {
                let pair = [pair[0], pair[1]];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        let decoded = String::from_utf16(&units).ok()?;
        if decoded == text {
            Some(Encoding::Utf16 {
                big_endian,
                mark_in_text: false,
            })
        } else if text.strip_prefix('\u{feff}') == Some(decoded.as_str()) {
            Some(Encoding::Utf16 {
                big_endian,
                mark_in_text: true,
            })
        } else {
            None
        }
    }

    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            // Fixes insert identifiers, which every code page spells in ASCII.
            Encoding::SingleByte => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Encoding::Utf16 {
                big_endian,
                mark_in_text,
            } => {
                let mark = (!mark_in_text).then_some(0xFEFF_u16);
                mark.into_iter()
                    .chain(text.encode_utf16())
                    .flat_map(|unit| {
                        if big_endian {
                            unit.to_be_bytes()
                        } else {
                            unit.to_le_bytes()
                        }
                    })
                    .collect()
            }
        }
    }
}

/// A unified diff of every file the plan changes.
pub fn diff(plan: &Plan) -> String {
    let mut out = String::new();
    for file in &plan.files {
        let diff = similar::TextDiff::from_lines(&file.before, &file.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("a/{}", text::escape(&file.display)),
                    &format!("b/{}", text::escape(&file.display)),
                )
                .to_string(),
        );
    }
    out
}

/// Writes the fixed files. `roots` are the paths the run linted: a file whose real path (after
/// symbolic links) leaves them is not written.
pub fn write(plan: &Plan, roots: &[PathBuf]) -> Vec<FileError> {
    let trees: Vec<PathBuf> = roots
        .iter()
        .filter_map(|root| {
            let dir = if root.is_dir() {
                root.as_path()
            } else {
                root.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
            };
            dir.canonicalize().ok()
        })
        .collect();
    let mut failures = Vec::new();
    for file in &plan.files {
        if let Err(message) = write_one(file, &trees) {
            failures.push(FileError::new(&file.path, message));
        }
    }
    failures
}

fn write_one(file: &FileFix, trees: &[PathBuf]) -> Result<(), String> {
    let real = file.path.canonicalize().map_err(|e| e.to_string())?;
    if !trees.iter().any(|tree| real.starts_with(tree)) {
        return Err(format!(
            "links to {}, outside the linted tree; not fixed",
            real.display()
        ));
    }
    let dir = real
        .parent()
        .ok_or_else(|| "has no parent directory".to_string())?;
    let permissions = std::fs::metadata(&real)
        .map_err(|e| e.to_string())?
        .permissions();
    let mut temporary = tempfile::Builder::new()
        .prefix(".ptrwidth-fix-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file next to it: {e}"))?;
    temporary
        .write_all(&file.bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| format!("cannot write the fixed file: {e}"))?;
    std::fs::set_permissions(temporary.path(), permissions)
        .map_err(|e| format!("cannot keep the file's permissions: {e}"))?;
    temporary
        .persist(&real)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, replacement: &str) -> Edit {
        Edit {
            file: 0,
            span: Span::new(start, end),
            replacement: replacement.to_string(),
        }
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(Span::new(0, 4), Span::new(3, 5)));
        assert!(!overlaps(Span::new(0, 4), Span::new(4, 5)));
        assert!(overlaps(Span::new(4, 4), Span::new(4, 4)));
        assert!(overlaps(Span::new(2, 2), Span::new(0, 4)));
    }

    #[test]
    fn edits_keep_crlf_line_endings() {
        let text = "a\r\nb\r\n";
        let fixed = apply(text, &[edit(3, 4, "x\ny")]);
        assert_eq!(fixed, "a\r\nx\r\ny\r\n");
    }

    #[test]
    fn utf16_round_trips_with_its_mark() {
        let text = "k=1\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let encoding = Encoding::detect(&bytes, text).unwrap();
        assert_eq!(encoding.encode(text), bytes);
        let with_mark = format!("\u{feff}{text}");
        assert_eq!(
            Encoding::detect(&bytes, &with_mark)
                .unwrap()
                .encode(&with_mark),
            bytes
        );
        assert_eq!(Encoding::detect(b"other", text), None);
    }

    #[test]
    fn a_single_byte_code_page_round_trips() {
        let bytes = b"@=\"Gr\xf6\xdfe\"\r\n".to_vec();
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        let encoding = Encoding::detect(&bytes, &text).unwrap();
        assert_eq!(encoding, Encoding::SingleByte);
        assert_eq!(encoding.encode(&text), bytes);
    }
}
