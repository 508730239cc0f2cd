//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Paths are relative to the
//! repository root under `uriBaseId` `%SRCROOT%`; columns count Unicode code points, as ours do.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::catalog::{self, RuleDoc};
use crate::diagnostic::{Applicability, Diagnostic, Level};
use crate::engine::Outcome;
use crate::fingerprint;
use crate::source::{FileId, Span};

use super::{Context, Streamed, path_from_root};

/// GitHub code scanning keeps at most this many results per run.
const MAX_RESULTS: usize = 25_000;
/// GitHub truncates rule descriptions longer than this.
const MAX_DESCRIPTION: usize = 1_024;
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const ROOT_ID: &str = "%SRCROOT%";

/// The log's fields in the order a `serde_json` map keeps them (sorted), as they were when it
/// was built as one value.
#[derive(Serialize)]
#[serde(bound(serialize = "Streamed<R>: Serialize"))]
struct Document<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<R>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", bound(serialize = "Streamed<R>: Serialize"))]
struct Run<R> {
    column_kind: &'static str,
    invocations: Value,
    original_uri_base_ids: Value,
    results: Streamed<R>,
    tool: Value,
}

pub fn write(outcome: &Outcome, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let docs = catalog::all().map_err(io::Error::other)?;
    let rule_index: BTreeMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| (doc.name.as_str(), i))
        .collect();
    let paths: Vec<String> = outcome
        .files
        .iter()
        .map(|file| path_from_root(&cx.root, file))
        .collect();
    let results = Streamed::new(
        outcome
            .diagnostics
            .iter()
            .take(MAX_RESULTS)
            .map(|d| result(outcome, &paths, &rule_index, d)),
    );
    let mut notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|error| {
            json!({
                "level": "warning",
                "message": {"text": format!("could not read {}: {}", error.path, error.message)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri_path(&error.path)}}}],
            })
        })
        .collect();
    if outcome.diagnostics.len() > MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{} more results were left out: code scanning keeps {MAX_RESULTS} per run",
                outcome.diagnostics.len() - MAX_RESULTS
            )},
        }));
    }
    let document = Document {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: json!([{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }]),
            original_uri_base_ids: json!({ROOT_ID: {"uri": directory_uri(&cx.root)}}),
            results,
            tool: json!({"driver": {
                "name": "ptrwidth",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": docs.iter().map(rule).collect::<Vec<_>>(),
            }}),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

fn rule(doc: &RuleDoc) -> Value {
    let mut markdown = format!("{}\n\n**Fix**\n\n{}", doc.why.trim(), doc.fix.trim());
    for (language, example) in &doc.examples {
        markdown.push_str(&format!(
            "\n\n**Bad** ({language})\n\n```{language}\n{}\n```\n\n**Good** ({language})\n\n```{language}\n{}\n```",
            example.bad.trim(),
            example.good.trim()
        ));
    }
    json!({
        "id": doc.name,
        "name": doc.name,
        "shortDescription": {"text": truncate(&doc.summary, MAX_DESCRIPTION)},
        "fullDescription": {"text": truncate(doc.why.trim(), MAX_DESCRIPTION)},
        "help": {
            "text": format!("{}\n\nFix:\n{}", doc.why.trim(), doc.fix.trim()),
            "markdown": markdown,
        },
        "defaultConfiguration": {"level": level(doc.level())},
        "properties": {"tags": doc.tags},
    })
}

fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

fn result(
    outcome: &Outcome,
    paths: &[String],
    rule_index: &BTreeMap<&str, usize>,
    d: &Diagnostic,
) -> Value {
    let source = &outcome.files[d.file];
    let line = source.position(d.span.start).line;
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let mut result = json!({
        "ruleId": d.rule,
        "level": level(d.level),
        "message": {"text": text},
        "locations": [{"physicalLocation": physical(outcome, paths, d.file, d.span, true)}],
        "partialFingerprints": {
            "ptrwidthContextHash/v1": fingerprint::of(d.rule, &paths[d.file], source, line),
        },
    });
    if let Some(index) = rule_index.get(d.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !d.labels.is_empty() {
        result["relatedLocations"] = d
            .labels
            .iter()
            .enumerate()
            .map(|(id, label)| {
                json!({
                    "id": id,
                    "message": {"text": label.message},
                    "physicalLocation": physical(outcome, paths, label.file, label.span, false),
                })
            })
            .collect();
    }
    if !d.fixes.is_empty() {
        result["fixes"] = d
            .fixes
            .iter()
            .map(|fix| {
                let mut by_file: BTreeMap<FileId, Vec<Value>> = BTreeMap::new();
                for edit in &fix.edits {
                    by_file.entry(edit.file).or_default().push(json!({
                        "deletedRegion": region(outcome, edit.file, edit.span),
                        "insertedContent": {"text": edit.replacement},
                    }));
                }
                let description = match fix.applicability {
                    Applicability::MachineApplicable => fix.message.clone(),
                    Applicability::MaybeIncorrect => {
                        format!("{} (review before applying)", fix.message)
                    }
                };
                json!({
                    "description": {"text": description},
                    "artifactChanges": by_file.into_iter().map(|(file, replacements)| json!({
                        "artifactLocation": artifact(paths, file),
                        "replacements": replacements,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    result
}

fn artifact(paths: &[String], file: FileId) -> Value {
    json!({"uri": uri_path(&paths[file]), "uriBaseId": ROOT_ID})
}

fn physical(outcome: &Outcome, paths: &[String], file: FileId, span: Span, snippet: bool) -> Value {
    let mut region = region(outcome, file, span);
    if snippet {
        region["snippet"] = json!({"text": outcome.files[file].slice(span)});
    }
    json!({"artifactLocation": artifact(paths, file), "region": region})
}

/// SARIF's end column is the one after the region, as ours is.
fn region(outcome: &Outcome, file: FileId, span: Span) -> Value {
    let source = &outcome.files[file];
    let start = source.position(span.start);
    let end = source.position(span.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
        "charOffset": span.start,
        "charLength": source.slice(span).chars().count(),
    })
}

/// A relative path as a URI reference: each byte outside the unreserved set is %-escaped.
pub(super) fn uri_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

fn directory_uri(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut path = absolute.to_string_lossy().replace('\\', "/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    // A drive letter's colon stays as it is: `file:///C:/work/`.
    format!("file://{}", uri_path(&path).replacen("%3A", ":", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_uris_cannot_hold() {
        assert_eq!(uri_path("src/a b/é.rs"), "src/a%20b/%C3%A9.rs");
        assert!(directory_uri(Path::new("/tmp/x")).starts_with("file:///tmp/x/"));
    }

    #[test]
    fn long_descriptions_are_cut_on_a_character_boundary() {
        let long = "é".repeat(600);
        let cut = truncate(&long, MAX_DESCRIPTION);
        assert!(cut.len() <= MAX_DESCRIPTION && cut.ends_with("..."));
    }
}
