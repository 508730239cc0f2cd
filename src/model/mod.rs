//! The shared semantic model: what every rule asks about a program.
//!
//! [`Model`] merges the declarations of every file in the run with the Win32 knowledge tables.
//! [`Semantic`] is its view from one file (that file's own declarations win over the rest of
//! the tree), and answers the questions rules ask: the type of a value on a target, whether a
//! value came from a pointer or handle, whether code under a condition builds for a target.
//! Each job has its file: `declarations.rs` indexes the declarations by name, `types.rs` says
//! what a written type means, `provenance.rs` follows where a value came from, `modules.rs`
//! gives each Rust file the condition its `mod` declarations compile it under, `resolve.rs`
//! finds the binaries a load or link names and `registry.rs` reads COM registrations.

pub mod cfg;
mod declarations;
pub mod ir;
pub mod machine;
mod modules;
mod provenance;
pub mod registry;
mod resolve;
pub mod text;
pub mod tree;
pub mod ty;
mod types;
pub mod visibility;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{Cell, OnceCell};
use std::sync::OnceLock;

use crate::knowledge::Knowledge;
use crate::source::FileId;
use crate::target::Target;
use cfg::Cond;
pub use declarations::CDecl;
use declarations::{CDeclAt, Declarations, Named};
use ir::{BodyId, FileIr, FnKind};
pub use provenance::{Origin, ValueInfo};
use registry::ComIndex;
use tree::{Location, Tree};
use visibility::{FileSet, Visibility};

/// Alias chains and value flow deeper than this are treated as unknown (and cycles end).
const MAX_RESOLVE_DEPTH: usize = 32;

pub struct Model<'a> {
    pub knowledge: &'a Knowledge,
    pub targets: &'a [Target],
    com: ComIndex<'a>,
    files: &'a [&'a FileIr],
    /// Rust names and C names live apart: a binding's `type LONG = i64` must not change
    /// what `LONG` means in a header, nor a header's typedef what it means in Rust.
    rust: Declarations<'a>,
    c_family: Declarations<'a>,
    /// Built on the first question: only bindings ask it, and a tree of headers alone would
    /// hold a second index of all its declarations for nothing. Keyed by a hash of the name
    /// and holding positions, not references, so that it needs no lifetime of its own.
    c_index: OnceLock<HashMap<u64, Named<CDeclAt>>>,
    tree: Tree<'a>,
    visibility: Option<&'a Visibility>,
    /// The Rust module tree: each file's condition and module path; empty until the model
    /// knows where files live.
    modules: modules::ModuleTree,
}

impl<'a> Model<'a> {
    pub fn new(knowledge: &'a Knowledge, targets: &'a [Target], files: &'a [&'a FileIr]) -> Self {
        let mut rust = Declarations::new();
        let mut c_family = Declarations::new();
        for (id, file) in files.iter().enumerate() {
            let Ok(id) = u32::try_from(id) else {
                break;
            };
            if file.language.is_c_family() {
                c_family.add(id, file);
            } else {
                rust.add(id, file);
            }
        }
        Model {
            knowledge,
            targets,
            com: ComIndex::new(files),
            files,
            rust,
            c_family,
            c_index: OnceLock::new(),
            tree: Tree::default(),
            visibility: None,
            modules: modules::ModuleTree::default(),
        }
    }

    /// Tells the model which files each C and C++ file sees (by the same indexes as `files`).
    pub fn with_visibility(mut self, visibility: &'a Visibility) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// Tells the model where each file lives (`locations[i]` for `files[i]`), so that it can
    /// resolve the libraries code loads and links to the binaries of the run.
    pub fn with_locations(mut self, locations: &'a [Location]) -> Self {
        self.tree = Tree::new(self.files, locations);
        self.modules = modules::module_tree(self.files, locations);
        self
    }

    /// The condition the file with this index is compiled under: the `#[cfg]` of the `mod`
    /// declarations that lead to it.
    fn file_cond(&self, file: u32) -> Cond {
        self.modules
            .conds
            .get(file as usize)
            .copied()
            .unwrap_or(Cond::TRUE)
    }

    /// The module path of a Rust file below its crate root, when the module tree reaches it.
    fn module_path(&self, file: u32) -> Option<&[String]> {
        self.modules.paths.get(file as usize)?.as_deref()
    }

    /// The model as seen from the file with this index.
    /// The IR of a file of the run.
    pub fn file_ir(&self, id: FileId) -> Option<&'a FileIr> {
        self.files.get(id).copied()
    }

    pub fn semantic_of(&'a self, id: FileId) -> Semantic<'a> {
        let index = u32::try_from(id).ok();
        let mut semantic = self.semantic_with_id(self.files[id], index);
        semantic.id = Some(id);
        semantic.file_cond = index.map_or(Cond::TRUE, |index| self.file_cond(index));
        if let Some(own) = index.and_then(|index| self.module_path(index)) {
            semantic.imported_from = imported_modules(&self.files[id].imports, own);
        }
        semantic.seen = self.visibility.and_then(|v| v.seen_from(id));
        semantic
    }

    /// The model as seen from one file, without knowing where it lives.
    pub fn semantic(&'a self, file: &'a FileIr) -> Semantic<'a> {
        self.semantic_with_id(file, None)
    }

    fn semantic_with_id(&'a self, file: &'a FileIr, id: Option<u32>) -> Semantic<'a> {
        let mut local = Declarations::new();
        local.add(id.unwrap_or(u32::MAX), file);
        let renames = file
            .imports
            .iter()
            .filter_map(|import| Some((import.rename.as_deref()?, import.name.as_deref()?)))
            .collect();
        let global = if file.language.is_c_family() {
            &self.c_family
        } else {
            &self.rust
        };
        Semantic {
            model: self,
            file,
            id: None,
            file_cond: Cond::TRUE,
            imported_from: Imported::default(),
            local,
            global,
            seen: None,
            renames,
            helper_bodies: OnceCell::new(),
            steps_left: Cell::new(0),
        }
    }
}

/// Where the names a file imports come from, as module paths below the crate root (`crate::`,
/// `self::` and `super::` resolved against the file's own module path `own`): each named
/// import's module, and the modules of its glob imports, in order.
fn imported_modules<'a>(imports: &'a [ir::Import], own: &[String]) -> Imported<'a> {
    let mut imported = Imported::default();
    for import in imports {
        let mut path: Vec<String> = Vec::new();
        let mut segments = import.module.iter().peekable();
        match segments.peek().map(|s| s.as_str()) {
            Some("crate") => {
                segments.next();
            }
            Some("self") => {
                segments.next();
                path.extend_from_slice(own);
            }
            Some("super") => {
                path.extend_from_slice(own);
                while segments.next_if(|s| *s == "super").is_some() {
                    path.pop();
                }
            }
            _ => {}
        }
        path.extend(segments.cloned());
        match import.name.as_deref() {
            Some(name) => {
                imported.named.insert(name, path);
            }
            None => imported.globs.push(path),
        }
    }
    imported
}

/// What [`imported_modules`] finds.
#[derive(Default)]
struct Imported<'a> {
    named: HashMap<&'a str, Vec<String>>,
    globs: Vec<Vec<String>>,
}

pub struct Semantic<'a> {
    pub model: &'a Model<'a>,
    pub file: &'a FileIr,
    /// The file's index in the run, when the model knows where files live.
    id: Option<FileId>,
    /// What the module tree compiles this file under; code in it is live where both this and
    /// its own condition hold.
    file_cond: Cond,
    local: Declarations<'a>,
    /// The declarations of the whole tree in this file's language family.
    global: &'a Declarations<'a>,
    /// The files whose declarations this file sees; `None`: all of them.
    seen: Option<FileSet>,
    /// `use a::HWND as WindowHandle`: local name → imported name.
    renames: HashMap<&'a str, &'a str>,
    /// The modules below the crate root this file's `use`s import from, by name and by glob
    /// (`crate::`, `self::`, `super::` or, as in Rust 2015, a path from the root).
    imported_from: Imported<'a>,
    /// The bodies of `HandleToULong`, `LongToHandle` and kin: conversions there are the point.
    helper_bodies: OnceCell<HashSet<BodyId>>,
    /// Steps left for the current `value_info` question: value flow through locals assigned
    /// many times branches at every step, and must not grow exponentially.
    steps_left: Cell<usize>,
}

impl<'a> Semantic<'a> {
    pub fn knowledge(&self) -> &'a Knowledge {
        self.model.knowledge
    }

    /// Whether a body is one of the deliberate conversion helpers (`HandleToULong`, ...), whose
    /// narrowing and widening are what they exist for.
    pub fn is_helper_body(&self, body: BodyId) -> bool {
        self.helper_bodies
            .get_or_init(|| {
                let helpers = &self.knowledge().helpers;
                self.file
                    .functions
                    .iter()
                    .filter(|f| helpers.is_helper(&f.name))
                    .filter_map(|f| match f.kind {
                        FnKind::Defined(body) => Some(body),
                        FnKind::Foreign => None,
                    })
                    .collect()
            })
            .contains(&body)
    }

    /// Whether this file sees the declarations of the file with that index: it is the file
    /// itself, or a C or C++ file its translation units read.
    fn sees(&self, file: u32) -> bool {
        self.seen.as_ref().is_none_or(|seen| seen.contains(file))
            || self.id.is_some_and(|id| id == file as usize)
            || file == u32::MAX
    }

    /// Whether this file sees the declarations of that file on the target: it sees them, and
    /// the module tree compiles that file for the target.
    fn sees_on(&self, file: u32, target: &Target) -> bool {
        self.sees(file) && (file == u32::MAX || self.model.file_cond(file).is_live(target))
    }

    /// The name a local name stands for, through `use ... as` renames.
    pub fn canonical<'n>(&'n self, name: &'n str) -> &'n str {
        self.renames.get(name).copied().unwrap_or(name)
    }

    /// The COM classes the whole tree registers.
    pub fn com(&self) -> &ComIndex<'a> {
        &self.model.com
    }

    /// The configured targets on which code under `cond` in this file is compiled.
    pub fn live_targets(&self, cond: &'a Cond) -> impl Iterator<Item = &'a Target> + 'a {
        let file_cond = self.file_cond;
        self.model
            .targets
            .iter()
            .filter(move |t| file_cond.is_live(t) && cond.is_live(t))
    }

    /// The configured targets that compile this file.
    pub fn targets(&self) -> Vec<&'a Target> {
        self.live_targets(&Cond::TRUE).collect()
    }
}

#[cfg(test)]
mod tests;
