//! `--format json`: one document, schema version 1 (see README).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use crate::diagnostic::{Applicability, Diagnostic};
use crate::engine::Outcome;
use crate::source::Span;

use super::Streamed;

/// The document's fields in the order a `serde_json` map keeps them (sorted), as they were
/// when it was built as one value.
#[derive(Serialize)]
#[serde(bound(serialize = "Streamed<D>: Serialize"))]
struct Document<D> {
    diagnostics: Streamed<D>,
    errors: Vec<Value>,
    summary: Value,
    version: u32,
}

pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let counts = super::counts(outcome);
    let document = Document {
        diagnostics: Streamed::new(outcome.diagnostics.iter().map(|d| diagnostic(outcome, d))),
        errors: outcome
            .errors
            .iter()
            .map(|e| json!({"path": e.path, "message": e.message}))
            .collect(),
        summary: json!({
            "files": outcome.linted_files,
            "errors": counts.errors,
            "warnings": counts.warnings,
            "unreadable": outcome.errors.len(),
            "cached": outcome.cached,
            "dependency_files": outcome.files.len() - outcome.linted_files,
        }),
        version: 1,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn location(outcome: &Outcome, file: usize, span: Span) -> serde_json::Map<String, Value> {
    let source = &outcome.files[file];
    let start = source.position(span.start);
    let end = source.position(span.end);
    let mut map = serde_json::Map::new();
    map.insert("path".into(), json!(source.display));
    map.insert("line".into(), json!(start.line));
    map.insert("column".into(), json!(start.column));
    map.insert("end_line".into(), json!(end.line));
    map.insert("end_column".into(), json!(end.column));
    map.insert("byte_start".into(), json!(span.start));
    map.insert("byte_end".into(), json!(span.end));
    map
}

fn diagnostic(outcome: &Outcome, d: &Diagnostic) -> Value {
    let mut map = serde_json::Map::new();
    map.insert("rule".into(), json!(d.rule));
    map.insert("level".into(), json!(d.level));
    map.insert("message".into(), json!(d.message));
    map.extend(location(outcome, d.file, d.span));
    map.insert("label".into(), json!(d.label));
    map.insert(
        "labels".into(),
        json!(
            d.labels
                .iter()
                .map(|label| {
                    let mut l = location(outcome, label.file, label.span);
                    l.insert("message".into(), json!(label.message));
                    Value::Object(l)
                })
                .collect::<Vec<_>>()
        ),
    );
    map.insert("help".into(), json!(d.help));
    map.insert(
        "fixes".into(),
        json!(
            d.fixes
                .iter()
                .map(|fix| json!({
                    "message": fix.message,
                    "applicability": match fix.applicability {
                        Applicability::MachineApplicable => "machine-applicable",
                        Applicability::MaybeIncorrect => "maybe-incorrect",
                    },
                    "edits": fix.edits.iter().map(|edit| {
                        let mut e = location(outcome, edit.file, edit.span);
                        e.insert("replacement".into(), json!(edit.replacement));
                        Value::Object(e)
                    }).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        ),
    );
    Value::Object(map)
}
