//! `--fix` and `--diff`: applying the fixes rules attach to their findings.
//!
//! Fixes are byte-range edits into a file's text, whatever its language. Per file, fixes are
//! taken in diagnostic order and one that overlaps an earlier one is not applied (edits equal
//! to an accepted one are shared, not conflicts); `--fix` lints again after writing and
//! applies what is fixable then, until nothing is. The fixed text is encoded as the file was
//! (UTF-8 with or without a byte-order mark, UTF-16 with its mark, a single-byte code page),
//! keeps the file's line endings, and goes through the file kind's front end again: a fix
//! that would not parse leaves the file untouched. Files are written through a temporary file
//! renamed over the original, keeping its permissions; a file is left alone when it is
//! read-only, when it is reached through a symbolic link below the linted paths, or when its
//! bytes are no longer those the fix was planned from.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::diagnostic::{Applicability, Edit};
use crate::engine::Outcome;
use crate::frontend;
use crate::model::tree::normalize;
use crate::report::text;
use crate::source::{self, FileError, FileId, Span};

/// How many times one `--fix` lints and fixes at most. A fix can make another one apply (a
/// cast widened leaves the variable it initialises to widen), and a fix that overlaps another
/// waits for the next round; a chain of such fixes this long is not seen in real code.
pub const MAX_ROUNDS: usize = 10;

/// What fixing would do to one file.
pub struct FileFix {
    pub path: PathBuf,
    pub display: String,
    pub before: String,
    pub after: String,
    /// The bytes to write: `after` in the file's encoding.
    bytes: Vec<u8>,
    /// The file as it was when `before` was checked against it.
    read: Stamp,
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

/// A file's size, modification time and a hash of its bytes: a file is replaced only while
/// all three are those of the bytes its fix was planned from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    hash: u64,
}

impl Stamp {
    fn read(path: &Path) -> std::io::Result<(Vec<u8>, Stamp)> {
        let modified = std::fs::metadata(path)?.modified().ok();
        let bytes = std::fs::read(path)?;
        let stamp = Stamp {
            len: bytes.len() as u64,
            modified,
            hash: xxhash_rust::xxh3::xxh3_64(&bytes),
        };
        Ok((bytes, stamp))
    }
}

/// The edits accepted in one file, by span. Accepted edits never overlap, so their ends rise
/// with their starts, and only the few nearest a new edit can overlap it.
#[derive(Default)]
struct Accepted {
    by_span: BTreeMap<(usize, usize), Edit>,
}

impl Accepted {
    fn clashes(&self, edit: &Edit) -> bool {
        let span = edit.span;
        self.by_span
            .range(..=(span.end, usize::MAX))
            .rev()
            .take_while(|(_, taken)| taken.span.end >= span.start)
            .any(|(_, taken)| taken != edit && overlaps(taken.span, span))
    }
}

/// Works out every file's fixed text without writing anything.
pub fn plan(outcome: &Outcome, unsafe_fixes: bool) -> Plan {
    let mut accepted: BTreeMap<FileId, Accepted> = BTreeMap::new();
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
        let clashes = fix.edits.iter().enumerate().any(|(i, edit)| {
            accepted.get(&edit.file).is_some_and(|a| a.clashes(edit))
                || fix.edits[..i].iter().any(|other| {
                    other.file == edit.file && other != edit && overlaps(other.span, edit.span)
                })
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
            accepted
                .entry(edit.file)
                .or_default()
                .by_span
                .insert((edit.span.start, edit.span.end), edit.clone());
        }
        *fixed_per_file.entry(d.file).or_default() += 1;
    }

    let mut files = Vec::new();
    let mut failures = Vec::new();
    for (file, edits) in accepted {
        let source = &outcome.files[file];
        let fail = |message: &str| FileError::new(&source.path, message.to_string());
        let planned = Stamp::read(&source.path)
            .map_err(|e| fail(&e.to_string()))
            .and_then(|(on_disk, read)| {
                // The text fixes edit is the file's as decoded, the text it was analysed as but
                // for a byte-order mark the front end read as spaces; text that does not hold
                // the bytes exactly cannot be written back without losing some of them.
                let decoded = source::decode(on_disk, 0)
                    .ok()
                    .filter(|decoded| {
                        decoded.damage.is_none() && analysed_as(&decoded.text, source.text())
                    })
                    .ok_or_else(|| {
                        fail("changed since it was read, or in an encoding ptrwidth cannot write back; not fixed")
                    })?;
                let before = decoded.text;
                // A byte-order mark is not the file's text: an edit from the start of the
                // first line begins after it.
                let mark = if before.starts_with('\u{feff}') { 3 } else { 0 };
                let edits: Vec<Edit> = edits
                    .by_span
                    .into_values()
                    .map(|edit| Edit {
                        span: Span::new(edit.span.start.max(mark), edit.span.end.max(mark)),
                        ..edit
                    })
                    .collect();
                let after = apply(&before, &edits)
                    .ok_or_else(|| fail("a fix does not fit the file's text; not fixed"))?;
                let bytes = decoded.encoding.encode(&after);
                if let Err(e) = frontend::lower(outcome.kinds[file], bytes.clone(), None) {
                    return Err(fail(&format!(
                        "the fixed file would not parse ({e}); left untouched"
                    )));
                }
                Ok(FileFix {
                    path: source.path.clone(),
                    display: source.display.clone(),
                    before,
                    after,
                    bytes,
                    read,
                    fixed: fixed_per_file.get(&file).copied().unwrap_or(0),
                })
            });
        match planned {
            // Edits that give back the text as it was change nothing to write; written, they
            // would be written again by every round of `--fix`.
            Ok(fixed) if fixed.after == fixed.before => {}
            Ok(fixed) => files.push(fixed),
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

/// Applies edits sorted by position, none overlapping the next, in one pass over the text
/// (a file may carry tens of thousands of them). `None` when an edit does not fit the text:
/// out of its range, overlapping the one before, or splitting a character.
fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let crlf = text.contains("\r\n");
    let inserted: usize = edits.iter().map(|edit| edit.replacement.len()).sum();
    let mut fixed = String::with_capacity(text.len() + inserted);
    let mut copied = 0;
    for edit in edits {
        let Span { start, end } = edit.span;
        if start < copied || end < start || !text.is_char_boundary(end) {
            return None;
        }
        fixed.push_str(text.get(copied..start)?);
        if crlf {
            fixed.push_str(&edit.replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            fixed.push_str(&edit.replacement);
        }
        copied = end;
    }
    fixed.push_str(&text[copied..]);
    Some(fixed)
}

/// Whether a file decoded as `decoded` is the file analysed as `analysed`: the same text, or
/// the same after a UTF-8 byte-order mark that the front end read as three spaces (C, C++, IDL).
fn analysed_as(decoded: &str, analysed: &str) -> bool {
    decoded == analysed
        || decoded
            .strip_prefix('\u{feff}')
            .is_some_and(|rest| analysed.strip_prefix("   ") == Some(rest))
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

/// What `--fix` did over all its rounds.
#[derive(Default)]
pub struct Fixed {
    /// Findings whose fix was written.
    pub findings: usize,
    /// Files written at least once.
    pub files: usize,
    /// Fixes of the last round that an earlier fix overlapped.
    pub conflicts: Vec<String>,
    /// Files that could not be fixed, each reason once.
    pub failures: Vec<FileError>,
    /// Whether the last round found nothing left to write; `false` when fixes still applied
    /// after [`MAX_ROUNDS`].
    pub settled: bool,
}

/// `--fix`: writes the plan of `outcome`, lints again (through `relint`, which replaces
/// `outcome`) and fixes what that finds, until a round has nothing to write, so that running
/// `--fix` again finds nothing. A file that could not be written is not tried again. `roots`
/// are the paths the run linted, as for [`write()`].
pub fn apply_and_relint(
    outcome: &mut Outcome,
    unsafe_fixes: bool,
    roots: &[PathBuf],
    mut relint: impl FnMut() -> Result<Outcome, String>,
) -> Result<Fixed, String> {
    let trees = trees(roots);
    let mut fixed = Fixed::default();
    let mut written = BTreeSet::new();
    let mut refused = BTreeSet::new();
    for round in 0..=MAX_ROUNDS {
        let mut plan = plan(outcome, unsafe_fixes);
        plan.files.retain(|file| !refused.contains(&file.path));
        fixed.conflicts = plan.conflicts;
        for failure in plan.failures {
            if !fixed.failures.contains(&failure) {
                fixed.failures.push(failure);
            }
        }
        if plan.files.is_empty() {
            fixed.settled = true;
            break;
        }
        if round == MAX_ROUNDS {
            break;
        }
        let mut wrote = false;
        for file in &plan.files {
            match write_one(file, &trees) {
                Ok(()) => {
                    wrote = true;
                    fixed.findings += file.fixed;
                    written.insert(file.path.clone());
                }
                Err(message) => {
                    refused.insert(file.path.clone());
                    fixed.failures.push(FileError::new(&file.path, message));
                }
            }
        }
        fixed.files = written.len();
        if !wrote {
            fixed.settled = true;
            break;
        }
        *outcome = relint()?;
    }
    Ok(fixed)
}

/// Writes the fixed files, and returns those that could not be. `roots` are the paths the run
/// linted: a file is written only where it is reached from them without a symbolic link.
pub fn write(plan: &Plan, roots: &[PathBuf]) -> Vec<FileError> {
    let trees = trees(roots);
    plan.files
        .iter()
        .filter_map(|file| {
            write_one(file, &trees)
                .err()
                .map(|message| FileError::new(&file.path, message))
        })
        .collect()
}

/// A linted path: the directory it is (or, for a file, holds it) as written on the command
/// line, made absolute, and the real directory that is.
struct Tree {
    written: PathBuf,
    real: PathBuf,
    /// A file named on the command line vouches for itself alone.
    file: Option<PathBuf>,
}

fn absolute(path: &Path) -> PathBuf {
    normalize(&std::env::current_dir().unwrap_or_default().join(path))
}

fn trees(roots: &[PathBuf]) -> Vec<Tree> {
    roots
        .iter()
        .filter_map(|root| {
            let root = absolute(root);
            let (written, file) = if root.is_dir() {
                (root, None)
            } else {
                (root.parent()?.to_path_buf(), Some(root))
            };
            let real = written.canonicalize().ok()?;
            Some(Tree {
                written,
                real,
                file,
            })
        })
        .collect()
}

/// The real path of a file to write, if it is reached from a linted directory without a
/// symbolic link below it. A file named on the command line is judged by the directories
/// named beside it when one holds it (`ptrwidth --fix tree tree/sub/x.rs`, with `tree/sub`
/// linking out of `tree`, does not write `x.rs`), and otherwise by its own name: a symbolic
/// link in the path as the user wrote it is the user's, a link as the file itself is not
/// followed.
fn real_path_inside(path: &Path, trees: &[Tree]) -> Result<PathBuf, String> {
    let real = path.canonicalize().map_err(|e| e.to_string())?;
    let path = absolute(path);
    let reached_from = |tree: &&Tree| {
        path.strip_prefix(&tree.written)
            .is_ok_and(|below| tree.real.join(below) == real)
    };
    let holding: Vec<&Tree> = trees
        .iter()
        .filter(|tree| tree.file.is_none() && path.starts_with(&tree.written))
        .collect();
    let inside = if holding.is_empty() {
        trees
            .iter()
            .filter(|tree| tree.file.as_deref() == Some(path.as_path()))
            .any(|tree| reached_from(&tree))
    } else {
        holding.iter().any(reached_from)
    };
    if !inside {
        return Err(format!(
            "links to {}, outside the linted tree; not fixed",
            real.display()
        ));
    }
    Ok(real)
}

fn write_one(file: &FileFix, trees: &[Tree]) -> Result<(), String> {
    let real = real_path_inside(&file.path, trees)?;
    let dir = real
        .parent()
        .ok_or_else(|| "has no parent directory".to_string())?;
    let permissions = std::fs::metadata(&real)
        .map_err(|e| e.to_string())?
        .permissions();
    if permissions.readonly() {
        return Err("read-only; not fixed".to_string());
    }
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
    // Checked last, just before the rename: an editor may have saved the file since it was read.
    let unchanged = Stamp::read(&real).is_ok_and(|(_, now)| now == file.read);
    if !unchanged {
        return Err("changed since it was read; not fixed".to_string());
    }
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
        assert_eq!(fixed.as_deref(), Some("a\r\nx\r\ny\r\n"));
    }

    #[test]
    fn edits_apply_in_order_and_misfits_are_refused() {
        let edits = [edit(0, 1, "A"), edit(2, 2, "+"), edit(3, 5, "")];
        assert_eq!(apply("abcde", &edits).as_deref(), Some("Ab+c"));
        assert_eq!(apply("abc", &[edit(2, 9, "")]), None);
        assert_eq!(apply("abc", &[edit(1, 3, ""), edit(2, 3, "")]), None);
        assert_eq!(apply("é", &[edit(1, 2, "e")]), None);
    }

    #[test]
    fn accepted_edits_clash_only_with_their_neighbours() {
        let mut accepted = Accepted::default();
        for e in [edit(0, 2, "a"), edit(4, 4, "b"), edit(6, 9, "c")] {
            assert!(!accepted.clashes(&e));
            accepted.by_span.insert((e.span.start, e.span.end), e);
        }
        assert!(accepted.clashes(&edit(1, 3, "x")));
        assert!(accepted.clashes(&edit(4, 5, "x")));
        assert!(accepted.clashes(&edit(3, 4, "x")));
        assert!(accepted.clashes(&edit(8, 20, "x")));
        assert!(accepted.clashes(&edit(0, 9, "x")));
        assert!(!accepted.clashes(&edit(2, 3, "x")));
        assert!(!accepted.clashes(&edit(5, 6, "x")));
        assert!(
            !accepted.clashes(&edit(6, 9, "c")),
            "an equal edit is shared"
        );
    }

    #[test]
    fn a_utf8_mark_the_front_end_blanked_is_the_same_text() {
        assert!(analysed_as("\u{feff}int a;\r\n", "   int a;\r\n"));
        assert!(analysed_as("int a;", "int a;"));
        assert!(!analysed_as("\u{feff}int b;", "   int a;"));
        assert!(!analysed_as("   int a;", "\u{feff}int a;"));
    }
}
