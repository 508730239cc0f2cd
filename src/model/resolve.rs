//! Resolving the libraries code loads and links to the binaries of the run.
//!
//! A relative name is tried against the source file's directory, its package root and the
//! linted root; a bare file name also matches a binary of that name anywhere in the run. Link
//! names are looked up in the package's link-search directories first, as the linker does.

use std::path::{Path, PathBuf};

use super::Semantic;
use super::cfg::Cond;
use super::ir::{LinkKind, LinkSite, LoadFlag, LoadSite, TextConst, TextPart};
use super::text::MappedText;
use super::tree::{BinaryRef, Location};
use crate::target::Target;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathBase {
    /// As written: absolute, or relative to wherever the program runs.
    Written,
    /// Relative to the package root (built from `CARGO_MANIFEST_DIR`).
    PackageRoot,
    /// The tail of a path under a directory only known at run time.
    UnknownDir,
}

/// A path whose text is known, with `/` separators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSpec {
    pub base: PathBase,
    pub text: String,
}

impl PathSpec {
    /// `C:/...`, `//server/...`, `/...` or `%WINDIR%/...`: nothing in the tree.
    fn is_absolute(&self) -> bool {
        let bytes = self.text.as_bytes();
        self.base == PathBase::Written
            && (self.text.starts_with('/')
                || self.text.starts_with('%')
                || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic()))
    }

    fn is_bare_name(&self) -> bool {
        self.base == PathBase::Written && !self.text.contains('/')
    }
}

fn has_extension(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.contains('.')
}

impl<'a> Semantic<'a> {
    /// The live targets under `cond` on which every binary `find` returns is unusable, and
    /// those binaries: a load or link is wrong only where no candidate could serve.
    pub fn unusable_binaries(
        &self,
        cond: &'a Cond,
        find: impl Fn(&'a Target) -> Vec<BinaryRef<'a>>,
    ) -> (Vec<&'a Target>, Vec<BinaryRef<'a>>) {
        let mut affected = Vec::new();
        let mut binaries: Vec<BinaryRef> = Vec::new();
        for target in self.live_targets(cond) {
            let found = find(target);
            if found.is_empty()
                || !found
                    .iter()
                    .all(|b| b.info.usable_by(target.arch) == Some(false))
            {
                continue;
            }
            affected.push(target);
            for binary in found {
                if !binaries.iter().any(|b| b.file == binary.file) {
                    binaries.push(binary);
                }
            }
        }
        (affected, binaries)
    }

    /// Where this file lives, when the model was told.
    pub fn location(&self) -> Option<&'a Location> {
        self.model.tree.locations.get(self.id?)
    }

    fn text_const(&self, name: &str, target: &Target) -> Option<&'a TextConst> {
        let name = self.canonical(name);
        self.lookup(
            name,
            |d| d.text_consts.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )
    }

    /// The parts of a text with constants replaced by their text on the target: only
    /// literals, the package root and unknown parts remain; adjacent literals are joined.
    pub fn text_parts(&self, value: &MappedText, target: &Target) -> Vec<TextPart> {
        let mut parts = Vec::new();
        let find = |name: &str| self.text_const(name, target).map(|decl| &decl.value);
        super::text::expand(value, &find, &mut parts);
        parts
    }

    /// The path a text names, when enough of it is known to find a file.
    pub fn path_spec(&self, value: &MappedText, target: &Target) -> Option<PathSpec> {
        let clean = |text: &str| text.trim_end_matches('\0').replace('\\', "/");
        let (base, text) = match self.text_parts(value, target).as_slice() {
            [TextPart::Literal(text)] => (PathBase::Written, clean(text)),
            [TextPart::PackageRoot] => (PathBase::PackageRoot, String::new()),
            [TextPart::PackageRoot, TextPart::Literal(text)] => (
                PathBase::PackageRoot,
                clean(text).trim_start_matches('/').to_string(),
            ),
            [TextPart::Unknown, TextPart::Literal(text)] => {
                let text = clean(text);
                let tail = text.strip_prefix('/')?.trim_start_matches('/').to_string();
                (PathBase::UnknownDir, tail)
            }
            _ => return None,
        };
        (!text.is_empty() || base == PathBase::PackageRoot).then_some(PathSpec { base, text })
    }

    /// Whether a load runs the library's code: not when it only maps it for its resources.
    pub fn load_runs_code(&self, site: &LoadSite) -> bool {
        let resource_only = &self.knowledge().names.resource_only_load_flags;
        !site.flags.iter().any(|flag| match flag {
            LoadFlag::Named(name) => resource_only.contains_key(self.canonical(name)),
            LoadFlag::Bits(bits) => resource_only.values().any(|b| bits & b != 0),
            LoadFlag::Unknown => false,
        })
    }

    /// The directories a relative path is tried against: the source file's directory, the
    /// package root, the linted root.
    fn bases(&self) -> Vec<&'a Path> {
        let Some(location) = self.location() else {
            return Vec::new();
        };
        let mut bases: Vec<&Path> = Vec::new();
        let candidates = [
            location.path.parent(),
            location.package_root.as_deref(),
            Some(location.lint_root.as_path()),
        ];
        for base in candidates.into_iter().flatten() {
            if !bases.contains(&base) {
                bases.push(base);
            }
        }
        bases
    }

    /// The binaries of the run a file name or path may be: the exact file when a base finds
    /// it, else every binary of that name when the name is bare.
    fn find(&self, spec: &PathSpec, names: &[String]) -> Vec<BinaryRef<'a>> {
        if spec.is_absolute() {
            return Vec::new();
        }
        let tree = &self.model.tree;
        let mut found: Vec<BinaryRef<'a>> = Vec::new();
        let add = |found: &mut Vec<BinaryRef<'a>>, binary: BinaryRef<'a>| {
            if !found.iter().any(|b| b.file == binary.file) {
                found.push(binary);
            }
        };
        for name in names {
            match spec.base {
                PathBase::Written => {
                    for base in self.bases() {
                        if let Some(binary) = tree.at_path(&base.join(name)) {
                            add(&mut found, binary);
                        }
                    }
                }
                PathBase::PackageRoot => {
                    if let Some(root) = self.location().and_then(|l| l.package_root.as_ref())
                        && let Some(binary) = tree.at_path(&root.join(name))
                    {
                        add(&mut found, binary);
                    }
                }
                PathBase::UnknownDir => {
                    for binary in tree.with_suffix(Path::new(name)) {
                        add(&mut found, binary);
                    }
                }
            }
        }
        if found.is_empty() && spec.is_bare_name() {
            for name in names {
                for binary in tree.named(name) {
                    add(&mut found, binary);
                }
            }
        }
        found.sort_by(|a, b| a.location.display.cmp(&b.location.display));
        found
    }

    /// The binaries of the run a runtime load may bind to.
    pub fn resolve_load(&self, site: &LoadSite, target: &Target) -> Vec<BinaryRef<'a>> {
        let Some(spec) = self.path_spec(&site.name, target) else {
            return Vec::new();
        };
        // `LoadLibrary` appends `.dll` to a name without an extension.
        let name = if has_extension(&spec.text) {
            spec.text.clone()
        } else {
            format!("{}.dll", spec.text)
        };
        self.find(&spec, &[name])
    }

    /// The file names the linker looks for when asked for library `name`.
    fn link_file_names(name: &str, kind: LinkKind, target: &Target) -> Vec<String> {
        if has_extension(name) {
            return vec![name.to_string()];
        }
        let (dir, file) = match name.rsplit_once('/') {
            Some((dir, file)) => (format!("{dir}/"), file),
            None => (String::new(), name),
        };
        let mut names = match kind {
            LinkKind::RawDylib => vec![format!("{file}.dll")],
            LinkKind::Static => vec![format!("{file}.lib")],
            LinkKind::Import | LinkKind::SearchDir => vec![format!("{file}.lib")],
        };
        // GNU ld also links against a DLL directly.
        if target.env != "msvc" && kind == LinkKind::Import {
            names.push(format!("lib{file}.dll"));
            names.push(format!("{file}.dll"));
        }
        names.into_iter().map(|n| format!("{dir}{n}")).collect()
    }

    /// The binaries of the run a library link binds to on a target: the first match in the
    /// package's link-search directories, else a match as for a load.
    pub fn resolve_link(&self, site: &LinkSite, target: &Target) -> Vec<BinaryRef<'a>> {
        if site.kind == LinkKind::SearchDir {
            return Vec::new();
        }
        let Some(spec) = self.path_spec(&site.name, target) else {
            return Vec::new();
        };
        let names = Self::link_file_names(&spec.text, site.kind, target);
        if spec.is_bare_name() && site.kind != LinkKind::RawDylib {
            for (dir, _) in self.search_dirs(target) {
                for name in &names {
                    if let Some(binary) = self.model.tree.at_path(&dir.join(name)) {
                        return vec![binary];
                    }
                }
            }
        }
        self.find(&spec, &names)
    }

    /// The package's link-search directories live on the target that exist in the run, with
    /// the site naming each.
    fn search_dirs(&self, target: &Target) -> Vec<(PathBuf, &'a LinkSite)> {
        let Some(root) = self.location().and_then(|l| l.package_root.as_deref()) else {
            return Vec::new();
        };
        let Some(sites) = self.model.tree.search_dirs.get(root) else {
            return Vec::new();
        };
        sites
            .iter()
            .filter(|(_, site)| site.cond.is_live(target))
            .filter_map(|&(file, site)| {
                let semantic = self.model.semantic_of(file);
                let (dir, _) = semantic.search_dir(site, target)?;
                Some((dir, site))
            })
            .collect()
    }

    /// A link-search directory and the binaries directly in it, when the directory holds any.
    pub fn search_dir(
        &self,
        site: &LinkSite,
        target: &Target,
    ) -> Option<(PathBuf, Vec<BinaryRef<'a>>)> {
        let spec = self.path_spec(&site.name, target)?;
        if spec.is_absolute() {
            return None;
        }
        let dirs: Vec<PathBuf> = match spec.base {
            PathBase::Written => {
                // Cargo runs the linker from the package root; the other bases are fallbacks.
                let mut bases = self.bases();
                if let Some(root) = self.location().and_then(|l| l.package_root.as_deref()) {
                    bases.retain(|b| *b != root);
                    bases.insert(0, root);
                }
                bases.iter().map(|base| base.join(&spec.text)).collect()
            }
            PathBase::PackageRoot => self
                .location()
                .and_then(|l| l.package_root.as_ref())
                .map(|root| root.join(&spec.text))
                .into_iter()
                .collect(),
            PathBase::UnknownDir => Vec::new(),
        };
        dirs.into_iter().find_map(|dir| {
            let binaries = self.model.tree.in_dir(&dir);
            (!binaries.is_empty()).then(|| (super::tree::normalize(&dir), binaries))
        })
    }

    /// For a binary: the other binaries in its directory with the same file stem (`foo.dll`
    /// and `foo.lib`).
    pub fn siblings(&self) -> Vec<BinaryRef<'a>> {
        let Some(location) = self.location() else {
            return Vec::new();
        };
        let (Some(dir), Some(stem)) = (location.path.parent(), location.path.file_stem()) else {
            return Vec::new();
        };
        let stem = stem.to_string_lossy().to_lowercase();
        self.model
            .tree
            .in_dir(dir)
            .into_iter()
            .filter(|b| Some(b.file) != self.id)
            .filter(|b| {
                b.location
                    .path
                    .file_stem()
                    .is_some_and(|s| s.to_string_lossy().to_lowercase() == stem)
            })
            .collect()
    }
}
