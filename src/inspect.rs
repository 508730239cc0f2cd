//! `ptrwidth inspect`: the machine, bitness and kind of Windows binaries, read from their
//! headers by the binary front end.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::discover::{self, FileKind};
use crate::engine;
use crate::frontend::binary;
use crate::model::ir::BinaryInfo;
use crate::report::text;
use crate::source::{display_path, read_bytes};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per binary.
    Human,
    /// One JSON document.
    Json,
}

pub struct Inspected {
    pub path: String,
    pub result: Result<BinaryInfo, String>,
}

/// Inspects the files named and the binaries found under the directories named, in order.
pub fn inspect(paths: &[PathBuf]) -> Vec<Inspected> {
    let mut inspected = Vec::new();
    for path in paths {
        if path.is_dir() {
            let (inputs, errors) = discover::discover(std::slice::from_ref(path), &[]);
            inspected.extend(errors.into_iter().map(|e| Inspected {
                path: e.path,
                result: Err(e.message),
            }));
            for input in inputs.iter().filter(|i| i.kind == FileKind::Binary) {
                inspected.push(inspect_file(&input.path));
            }
        } else {
            inspected.push(inspect_file(path));
        }
    }
    inspected
}

fn inspect_file(path: &Path) -> Inspected {
    Inspected {
        path: display_path(path),
        result: read_bytes(path, engine::MAX_BINARY_BYTES)
            .and_then(|bytes| binary::inspect(&bytes)),
    }
}

pub fn write(format: Format, inspected: &[Inspected], out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => write_human(inspected, out),
        Format::Json => write_json(inspected, out),
    }
}

fn write_human(inspected: &[Inspected], out: &mut dyn Write) -> io::Result<()> {
    let paths: Vec<_> = inspected.iter().map(|i| text::escape(&i.path)).collect();
    let width = paths.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    for (item, path) in inspected.iter().zip(&paths) {
        let line = match &item.result {
            Ok(info) => format!("{path:width$}  {}", info.describe()),
            Err(message) => format!("{path:width$}  error: {}", text::escape(message)),
        };
        // A file may be named like a workflow command.
        writeln!(out, "{}", text::guard_commands(&line))?;
    }
    let unreadable = inspected.iter().filter(|i| i.result.is_err()).count();
    let read = inspected.len() - unreadable;
    let mut summary = format!(
        "ptrwidth: {read} {} inspected",
        if read == 1 { "binary" } else { "binaries" }
    );
    if unreadable > 0 {
        summary.push_str(&format!(
            ", {unreadable} {} could not be read",
            if unreadable == 1 { "file" } else { "files" }
        ));
    }
    writeln!(out, "{summary}")
}

fn write_json(inspected: &[Inspected], out: &mut dyn Write) -> io::Result<()> {
    let binaries: Vec<_> = inspected
        .iter()
        .filter_map(|item| {
            let info = item.result.as_ref().ok()?;
            Some(json!({
                "path": item.path,
                "machines": info.machines.iter().map(|&m| json!({
                    "name": m.name(),
                    "value": m.value(),
                    "header_value": info.header_value(m),
                    "arch": m.arch_name(),
                })).collect::<Vec<_>>(),
                "bits": info.bits(),
                "format": info.format,
                "kind": info.kind,
                "maybe_hybrid": info.maybe_hybrid,
                "description": info.describe(),
            }))
        })
        .collect();
    let errors: Vec<_> = inspected
        .iter()
        .filter_map(|item| {
            let message = item.result.as_ref().err()?;
            Some(json!({"path": item.path, "message": message}))
        })
        .collect();
    let document = json!({"version": 1, "binaries": binaries, "errors": errors});
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
