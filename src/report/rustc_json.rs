//! `--format rustc-json` (`cargo ptrwidth --message-format=json`): the records cargo prints for
//! `--message-format=json`, one per line, each carrying a diagnostic in rustc's JSON shape, then
//! `build-finished`. rust-analyzer's `check.overrideCommand` reads exactly this: findings show
//! as editor diagnostics, and children whose spans carry `suggested_replacement` as quick fixes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog;
use crate::diagnostic::{Applicability, Diagnostic, Level};
use crate::engine::Outcome;
use crate::source::{FileId, SourceFile, Span};

/// A cargo package, as `cargo metadata` describes it, that findings are attributed to.
#[derive(Clone, Debug)]
pub struct Package {
    pub id: String,
    pub manifest_path: PathBuf,
    pub targets: Vec<PackageTarget>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PackageTarget {
    pub name: String,
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub src_path: PathBuf,
    pub edition: String,
}

impl Package {
    fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new(""))
    }
}

/// The most lines of a span its record quotes.
const MAX_QUOTED_SPAN_LINES: usize = 8;

#[derive(Serialize)]
struct Record<'a> {
    reason: &'static str,
    package_id: String,
    manifest_path: String,
    target: PackageTarget,
    message: Message<'a>,
}

#[derive(Serialize)]
struct Message<'a> {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code<'a>>,
    level: &'static str,
    spans: Vec<SpanRecord>,
    children: Vec<Message<'a>>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code<'a> {
    code: String,
    explanation: Option<&'a str>,
}

#[derive(Serialize)]
struct SpanRecord {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

pub fn write(outcome: &Outcome, cx: &super::Context, out: &mut dyn Write) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let source = &outcome.files[d.file];
        let (package_id, manifest_path, target) = attribution(cx.packages, source);
        let record = Record {
            reason: "compiler-message",
            package_id,
            manifest_path: manifest_path.to_string_lossy().into_owned(),
            target,
            message: message(outcome, d)?,
        };
        serde_json::to_writer(&mut *out, &record)?;
        writeln!(out)?;
    }
    let success = cx.build_succeeded && super::counts(outcome).errors == 0;
    let finished = serde_json::json!({"reason": "build-finished", "success": success});
    writeln!(out, "{finished}")
}

fn message<'a>(outcome: &Outcome, d: &'a Diagnostic) -> io::Result<Message<'a>> {
    let mut spans = vec![span(outcome, d.file, d.span, true, d.label.clone(), None)];
    spans.extend(d.labels.iter().map(|l| {
        span(
            outcome,
            l.file,
            l.span,
            false,
            Some(l.message.clone()),
            None,
        )
    }));
    let mut children: Vec<Message> = d
        .help
        .iter()
        .map(|help| child(help.clone(), Vec::new()))
        .collect();
    for fix in &d.fixes {
        let applicability = match fix.applicability {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        };
        let edits = fix
            .edits
            .iter()
            .map(|edit| {
                span(
                    outcome,
                    edit.file,
                    edit.span,
                    true,
                    None,
                    Some((edit.replacement.clone(), applicability)),
                )
            })
            .collect();
        children.push(child(fix.message.clone(), edits));
    }
    Ok(Message {
        message_type: "diagnostic",
        message: d.message.clone(),
        code: Some(Code {
            code: format!("ptrwidth::{}", d.rule),
            explanation: catalog::get(d.rule).map(|doc| doc.why.as_str()),
        }),
        level: match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        },
        spans,
        children,
        rendered: Some(super::render_human(outcome, d)?),
    })
}

fn child(message: String, spans: Vec<SpanRecord>) -> Message<'static> {
    Message {
        message_type: "diagnostic",
        message,
        code: None,
        level: "help",
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// Paths are absolute: rust-analyzer joins them to the workspace root, which leaves an
/// absolute path as it is, wherever the command ran.
fn span(
    outcome: &Outcome,
    file: FileId,
    span: Span,
    is_primary: bool,
    label: Option<String>,
    suggestion: Option<(String, &'static str)>,
) -> SpanRecord {
    let source = &outcome.files[file];
    let start = source.position(span.start);
    let end = source.position(span.end);
    // A span over many lines quotes its first lines and its last, each cut to a window around
    // its highlight: a record stays small whatever the span and the lines it covers.
    let lines = start.line..=end.line;
    let text = lines
        .clone()
        .take(MAX_QUOTED_SPAN_LINES - 1)
        .chain(lines.skip(MAX_QUOTED_SPAN_LINES - 1).last())
        .map(|line| {
            let text = source.line_text(line);
            let highlight_start = if line == start.line { start.column } else { 1 };
            let highlight_end = if line == end.line {
                end.column
            } else {
                text.chars().count() + 1
            };
            let (text, highlight_start, highlight_end) =
                super::text::window(text, highlight_start, highlight_end);
            SpanLine {
                text: text.into_owned(),
                highlight_start,
                highlight_end,
            }
        })
        .collect();
    let (suggested_replacement, suggestion_applicability) = match suggestion {
        Some((replacement, applicability)) => (Some(replacement), Some(applicability)),
        None => (None, None),
    };
    SpanRecord {
        file_name: absolute(&source.path).to_string_lossy().into_owned(),
        byte_start: span.start,
        byte_end: span.end,
        line_start: start.line,
        line_end: end.line,
        column_start: start.column,
        column_end: end.column,
        is_primary,
        text,
        label,
        suggested_replacement,
        suggestion_applicability,
        expansion: None,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The package and target a file belongs to: the innermost package whose directory holds it,
/// `build.rs` to the build script, other files to the library (else the first target). A file
/// outside every known package is attributed to its directory, as a package of its own.
fn attribution(packages: &[Package], source: &SourceFile) -> (String, PathBuf, PackageTarget) {
    let path = absolute(&source.path);
    let package = packages
        .iter()
        .filter(|p| path.starts_with(absolute(p.dir())))
        .max_by_key(|p| p.dir().components().count());
    if let Some(package) = package {
        let build_script = package
            .targets
            .iter()
            .find(|t| t.kind.iter().any(|k| k == "custom-build") && absolute(&t.src_path) == path);
        let target = build_script
            .or_else(|| {
                package
                    .targets
                    .iter()
                    .find(|t| t.kind.iter().any(|k| k == "lib"))
            })
            .or_else(|| package.targets.first());
        if let Some(target) = target {
            return (
                package.id.clone(),
                package.manifest_path.clone(),
                target.clone(),
            );
        }
    }
    let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
    let name = dir.file_name().map_or_else(
        || "ptrwidth-input".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let id = format!(
        "path+file://{}#{name}@0.0.0",
        dir.to_string_lossy().replace('\\', "/")
    );
    let target = PackageTarget {
        name,
        kind: vec!["lib".to_string()],
        crate_types: vec!["lib".to_string()],
        src_path: path,
        edition: "2021".to_string(),
    };
    (id, dir.join("Cargo.toml"), target)
}
