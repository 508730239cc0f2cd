//! Where the run's files live, and an index of the binaries among them: the model resolves the
//! names that code loads and links against these.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::ir::{BinaryInfo, FileIr, LinkKind, LinkSite};
use crate::source::{FileId, Span};

/// Where one file of the run lives.
#[derive(Clone, Debug)]
pub struct Location {
    /// The path as shown to users.
    pub display: String,
    /// Absolute and lexically normalised (no `.` or `..`).
    pub path: PathBuf,
    /// The directory of the nearest `Cargo.toml` at or above the file.
    pub package_root: Option<PathBuf>,
    /// The directory given on the command line that the file was found under (for a file named
    /// on the command line, its directory).
    pub lint_root: PathBuf,
}

/// A binary of the run, as the model hands it to rules.
#[derive(Clone, Copy, Debug)]
pub struct BinaryRef<'a> {
    pub file: FileId,
    pub location: &'a Location,
    pub info: &'a BinaryInfo,
}

impl BinaryRef<'_> {
    /// The binary's line in reports: the description of its headers.
    pub fn span(&self) -> Span {
        self.info.description_span()
    }
}

/// "`vendor/a.dll` (x86), `vendor/b.dll` (ARM64)".
pub fn listing(binaries: &[BinaryRef]) -> String {
    binaries
        .iter()
        .map(|b| format!("`{}` ({})", b.location.display, b.info.arch_names()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Default)]
pub(super) struct Tree<'a> {
    pub(super) locations: &'a [Location],
    binaries: HashMap<FileId, &'a BinaryInfo>,
    /// Binaries by lower-cased path, by lower-cased file name, and by lower-cased directory:
    /// Windows file names are case-insensitive.
    by_path: HashMap<String, FileId>,
    by_name: HashMap<String, Vec<FileId>>,
    by_dir: HashMap<String, Vec<FileId>>,
    /// Link-search directories by package root, with the file that names them.
    pub(super) search_dirs: HashMap<&'a Path, Vec<(FileId, &'a LinkSite)>>,
}

impl<'a> Tree<'a> {
    /// `locations[i]` is where `files[i]` lives.
    pub(super) fn new(files: &[&'a FileIr], locations: &'a [Location]) -> Self {
        let mut tree = Tree {
            locations,
            ..Tree::default()
        };
        for (id, (file, location)) in files.iter().zip(locations).enumerate() {
            if let Some(info) = &file.binary {
                tree.binaries.insert(id, info);
                tree.by_path.insert(key(&location.path), id);
                if let Some(name) = location.path.file_name() {
                    let name = name.to_string_lossy().to_lowercase();
                    tree.by_name.entry(name).or_default().push(id);
                }
                if let Some(dir) = location.path.parent() {
                    tree.by_dir.entry(key(dir)).or_default().push(id);
                }
            }
            if let Some(root) = &location.package_root {
                for link in file.links.iter().filter(|l| l.kind == LinkKind::SearchDir) {
                    tree.search_dirs
                        .entry(root.as_path())
                        .or_default()
                        .push((id, link));
                }
            }
        }
        tree
    }

    fn binary(&self, id: FileId) -> Option<BinaryRef<'a>> {
        Some(BinaryRef {
            file: id,
            location: self.locations.get(id)?,
            info: self.binaries.get(&id)?,
        })
    }

    pub(super) fn at_path(&self, path: &Path) -> Option<BinaryRef<'a>> {
        self.binary(*self.by_path.get(&key(&normalize(path)))?)
    }

    /// Every binary with this file name, anywhere in the run.
    pub(super) fn named(&self, name: &str) -> Vec<BinaryRef<'a>> {
        self.by_name
            .get(&name.to_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|&id| self.binary(id))
            .collect()
    }

    /// The binaries directly in a directory.
    pub(super) fn in_dir(&self, dir: &Path) -> Vec<BinaryRef<'a>> {
        self.by_dir
            .get(&key(&normalize(dir)))
            .into_iter()
            .flatten()
            .filter_map(|&id| self.binary(id))
            .collect()
    }

    /// Binaries whose path ends with these components (compared without case).
    pub(super) fn with_suffix(&self, suffix: &Path) -> Vec<BinaryRef<'a>> {
        let suffix = key(suffix);
        let Some(name) = suffix.rsplit('/').next() else {
            return Vec::new();
        };
        self.named(name)
            .into_iter()
            .filter(|b| key(&b.location.path).ends_with(&format!("/{suffix}")))
            .collect()
    }
}

/// Lower-cased, `/`-separated: the form paths are compared in.
fn key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/").to_lowercase()
}

/// Removes `.` and resolves `..` without touching the file system (links are not followed).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
