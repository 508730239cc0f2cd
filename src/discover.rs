//! Input discovery: which files a run reads, and what kind each one is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::engine::FileError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Rust,
    /// C, or a `.h` header that may hold C++.
    C,
    Cpp,
    Idl,
    Registry,
    Binary,
}

impl FileKind {
    pub fn of(path: &Path) -> Option<FileKind> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "rs" => FileKind::Rust,
            "h" | "c" => FileKind::C,
            "hh" | "hpp" | "hxx" | "cc" | "cpp" | "cxx" | "inl" => FileKind::Cpp,
            "idl" | "odl" => FileKind::Idl,
            "reg" | "rgs" | "wxs" | "wxi" => FileKind::Registry,
            "dll" | "exe" | "ocx" | "sys" | "lib" | "cpl" => FileKind::Binary,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub path: PathBuf,
    pub kind: FileKind,
}

/// Walks the paths: `.gitignore`/`.ignore` are honoured, hidden directories and `target/`
/// skipped, symbolic links not followed (so loops cannot occur). A file named on the command
/// line is always read. The result is sorted and free of duplicates.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<FileError>) {
    let mut inputs = BTreeSet::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push(FileError::new(path, e.to_string())),
            Ok(meta) if meta.is_file() => match FileKind::of(path) {
                Some(kind) => {
                    inputs.insert(Input {
                        path: normalize(path),
                        kind,
                    });
                }
                None => errors.push(FileError::new(
                    path,
                    "not a kind of file ptrwidth reads".into(),
                )),
            },
            Ok(_) => walk(path, &mut inputs, &mut errors),
        }
    }
    (inputs.into_iter().collect(), errors)
}

fn walk(root: &Path, inputs: &mut BTreeSet<Input>, errors: &mut Vec<FileError>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            !(entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && entry.file_name() == "target")
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                if let Some(kind) = FileKind::of(entry.path()) {
                    inputs.insert(Input {
                        path: normalize(entry.path()),
                        kind,
                    });
                }
            }
            Err(e) => {
                let path = error_path(&e).unwrap_or_else(|| root.to_path_buf());
                errors.push(FileError::new(&path, e.to_string()));
            }
        }
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// `./a/b.rs` and `a/b.rs` are one file; the canonical path is not used, so that links inside
/// the tree keep the name the user sees.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}
