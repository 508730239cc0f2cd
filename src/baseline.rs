//! Baselines: the findings a codebase already has, recorded so that a gate reports only new
//! ones. Entries are matched by rule, path (relative to the baseline file) and the fingerprint
//! of the flagged line and its neighbours, never by line number, so unrelated edits keep them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Outcome;
use crate::fingerprint;
use crate::source::{FileError, read_settings};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
    /// For people reading the file; not matched, so rewording a message keeps the entry.
    message: String,
}

/// What applying a baseline did.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    /// Findings left out because the baseline has them.
    pub known: usize,
    /// Baseline entries that match no finding any more.
    pub stale: usize,
}

fn entries(outcome: &Outcome, baseline: &Path) -> Vec<Entry> {
    let dir = std::path::absolute(baseline)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let paths: Vec<String> = outcome
        .files
        .iter()
        .map(|file| {
            let absolute = std::path::absolute(&file.path).unwrap_or_else(|_| file.path.clone());
            absolute
                .strip_prefix(&dir)
                .unwrap_or(&absolute)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let source = &outcome.files[d.file];
            let line = source.position(d.span.start).line;
            Entry {
                rule: d.rule.to_string(),
                path: paths[d.file].clone(),
                fingerprint: fingerprint::of(d.rule, &paths[d.file], source, line),
                message: d.message.clone(),
            }
        })
        .collect()
}

/// Baselines are far smaller than this; a file this big is not one.
const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

/// The errors of files the run could not read at all. A baseline written without their findings
/// would report each of them as new once the file can be read; a C file parsed in part was read,
/// and its findings are recorded.
pub fn unread(outcome: &Outcome) -> Vec<&FileError> {
    let read: HashSet<&str> = outcome.files.iter().map(|f| f.display.as_str()).collect();
    outcome
        .errors
        .iter()
        .filter(|error| !read.contains(error.path.as_str()))
        .collect()
}

/// Records every finding of the outcome; returns how many. Refused when a file could not be
/// read (see [`unread`]), so that a run on a mistyped path never replaces a baseline.
pub fn write(outcome: &Outcome, path: &Path) -> Result<usize, String> {
    let unread = unread(outcome);
    if !unread.is_empty() {
        return Err(format!(
            "{} not written: {} could not be read, and their findings would be missing from it; fix them, or leave them out with `exclude` in ptrwidth.toml",
            path.display(),
            match unread.len() {
                1 => "1 file".to_string(),
                n => format!("{n} files"),
            }
        ));
    }
    let file = BaselineFile {
        version: VERSION,
        entries: entries(outcome, path),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(file.entries.len())
}

/// Drops the findings the baseline records. Each entry matches one finding, so a second
/// identical finding on a copied line is new.
pub fn apply(outcome: &mut Outcome, path: &Path) -> Result<Applied, String> {
    let text = read_settings(path, MAX_BASELINE_BYTES).map_err(|e| format!("cannot read {e}"))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a ptrwidth baseline: {e}", path.display()))?;
    if file.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (expected {VERSION})",
            path.display(),
            file.version
        ));
    }
    let key = |e: &Entry| (e.rule.clone(), e.path.clone(), e.fingerprint.clone());
    let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
    for entry in &file.entries {
        *remaining.entry(key(entry)).or_default() += 1;
    }
    let current = entries(outcome, path);
    let mut keep =
        current.iter().map(
            |entry| match remaining.get_mut(&key(entry)).filter(|n| **n > 0) {
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => true,
            },
        );
    let before = outcome.diagnostics.len();
    outcome.diagnostics.retain(|_| keep.next().unwrap_or(true));
    Ok(Applied {
        known: before - outcome.diagnostics.len(),
        stale: remaining.values().sum(),
    })
}
