//! Input discovery: which files a run reads, and what kind each one is.
//!
//! The `ignore` crate walks the paths (`.gitignore`, hidden directories and `target/` skipped,
//! symbolic links not followed); each file is classified by kind (Rust, C/C++, IDL, registry
//! script, binary) from its name.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::source::FileError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Rust,
    /// C, or a `.h` header that may hold C++.
    C,
    Cpp,
    Idl,
    Registry(RegistryFormat),
    Binary,
}

/// The languages registrations are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegistryFormat {
    /// `.reg`: what regedit exports and imports.
    RegEdit,
    /// `.rgs`: ATL registrar scripts.
    Registrar,
    /// `.wxs`, `.wxi`: WiX installer sources.
    Wix,
}

impl FileKind {
    pub fn of(path: &Path) -> Option<FileKind> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "rs" => FileKind::Rust,
            "h" | "c" => FileKind::C,
            "hh" | "hpp" | "hxx" | "cc" | "cpp" | "cxx" | "inl" => FileKind::Cpp,
            "idl" | "odl" => FileKind::Idl,
            "reg" => FileKind::Registry(RegistryFormat::RegEdit),
            "rgs" => FileKind::Registry(RegistryFormat::Registrar),
            "wxs" | "wxi" => FileKind::Registry(RegistryFormat::Wix),
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

/// Walks the paths: `.gitignore`/`.ignore` are honoured, hidden directories, `target/` and the
/// `excluded_dirs` skipped, symbolic links not followed (so loops cannot occur). A file named on the command
/// line is always read. The result is sorted and free of duplicates.
pub fn discover(paths: &[PathBuf], excluded_dirs: &[PathBuf]) -> (Vec<Input>, Vec<FileError>) {
    discover_excluding(
        paths,
        &Exclude::default().with_dirs(excluded_dirs.iter().cloned()),
    )
}

/// Paths left out of directory walks: globs from the configuration and directories (another
/// package's, inside the one being linted). Files named on the command line are still read.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    /// Globs are matched against paths relative to this directory (the configuration's).
    base: PathBuf,
    globs: Option<globset::GlobSet>,
    dirs: Vec<PathBuf>,
}

impl Exclude {
    /// `patterns` are globs relative to `base`; one without a `/` matches a name at any depth.
    pub fn new(base: &Path, patterns: &[String]) -> Result<Exclude, String> {
        let mut builder = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let anchored = pattern.trim_start_matches("./").trim_end_matches('/');
            let full = if anchored.contains('/') {
                anchored.to_string()
            } else {
                format!("**/{anchored}")
            };
            let glob = globset::GlobBuilder::new(&full)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("exclude pattern `{pattern}`: {}", e.kind()))?;
            builder.add(glob);
        }
        let globs = builder
            .build()
            .map_err(|e| format!("exclude patterns: {e}"))?;
        Ok(Exclude {
            base: absolute(base),
            globs: (!patterns.is_empty()).then_some(globs),
            dirs: Vec::new(),
        })
    }

    pub fn with_dirs(mut self, dirs: impl IntoIterator<Item = PathBuf>) -> Exclude {
        self.dirs.extend(dirs.into_iter().map(|d| absolute(&d)));
        self
    }

    pub fn excludes(&self, path: &Path) -> bool {
        let path = absolute(path);
        if self.dirs.iter().any(|dir| path.starts_with(dir)) {
            return true;
        }
        let Some(globs) = &self.globs else {
            return false;
        };
        path.strip_prefix(&self.base)
            .is_ok_and(|relative| globs.is_match(relative))
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(normalize(path)).unwrap_or_else(|_| path.to_path_buf())
}

pub fn discover_excluding(paths: &[PathBuf], exclude: &Exclude) -> (Vec<Input>, Vec<FileError>) {
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
            Ok(meta) if meta.is_dir() => walk(path, exclude, &mut inputs, &mut errors),
            Ok(_) => errors.push(FileError::new(
                path,
                "not a regular file or directory".into(),
            )),
        }
    }
    // One file reached by two spellings (`a.rs`, `./x/../a.rs`, `/abs/a.rs`) is read once,
    // under the first spelling.
    let mut seen = HashSet::new();
    let inputs = inputs
        .into_iter()
        .filter(|input| {
            seen.insert(
                input
                    .path
                    .canonicalize()
                    .unwrap_or_else(|_| input.path.clone()),
            )
        })
        .collect();
    (inputs, errors)
}

fn walk(root: &Path, exclude: &Exclude, inputs: &mut BTreeSet<Input>, errors: &mut Vec<FileError>) {
    let exclude = exclude.clone();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            entry.depth() == 0
                || !((is_dir && entry.file_name() == "target") || exclude.excludes(entry.path()))
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
