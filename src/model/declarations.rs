//! The declaration index: every file's declarations by name, Rust and the C family apart,
//! looked up from one file (its own declarations first); and the index of C, C++ and MIDL
//! declarations that bindings are checked against.

use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash};

use super::cfg::Cond;
use super::ir::{FileIr, FnDecl, Guid, GuidConst, StructDecl, TextConst, TypeAlias, TypeRef};
use super::{MAX_RESOLVE_DEPTH, Model, Semantic};
use crate::source::FileId;
use crate::target::Target;

/// The declarations of one name, in the order they were added. Nearly every name is declared
/// once, and an empty vector allocates nothing: a vector per name was a tenth of the peak
/// memory of a run over the Windows headers.
pub(super) struct Named<T> {
    first: T,
    rest: Vec<T>,
}

impl<T> Named<T> {
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        std::iter::once(&self.first).chain(&self.rest)
    }
}

fn name_hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// Adds a declaration under its name (or the name's hash).
fn add<K: Hash + Eq, T>(map: &mut HashMap<K, Named<T>>, name: K, item: T) {
    match map.entry(name) {
        Entry::Occupied(mut named) => named.get_mut().rest.push(item),
        Entry::Vacant(slot) => {
            slot.insert(Named {
                first: item,
                rest: Vec::new(),
            });
        }
    }
}

/// A declaration and the index of the file it is in.
pub(super) type In<T> = (u32, T);

/// Declarations of the whole run, by name.
pub(super) struct Declarations<'a> {
    pub(super) aliases: HashMap<&'a str, Named<In<&'a TypeAlias>>>,
    pub(super) structs: HashMap<&'a str, Named<In<&'a StructDecl>>>,
    pub(super) functions: HashMap<&'a str, Named<In<&'a FnDecl>>>,
    pub(super) consts: HashMap<&'a str, Named<In<(&'a Cond, &'a TypeRef)>>>,
    pub(super) guids: HashMap<&'a str, Named<In<&'a GuidConst>>>,
    pub(super) text_consts: HashMap<&'a str, Named<In<&'a TextConst>>>,
}

impl<'a> Declarations<'a> {
    pub(super) fn new() -> Self {
        Declarations {
            aliases: HashMap::default(),
            structs: HashMap::default(),
            functions: HashMap::default(),
            consts: HashMap::default(),
            guids: HashMap::default(),
            text_consts: HashMap::default(),
        }
    }

    /// Adds the declarations of the file with index `id`.
    pub(super) fn add(&mut self, id: u32, file: &'a FileIr) {
        for alias in &file.aliases {
            add(&mut self.aliases, &alias.name, (id, alias));
        }
        for decl in &file.structs {
            add(&mut self.structs, &decl.name, (id, decl));
        }
        for decl in &file.functions {
            add(&mut self.functions, &decl.name, (id, decl));
        }
        for decl in &file.consts {
            add(&mut self.consts, &decl.name, (id, (&decl.cond, &decl.ty)));
        }
        for decl in &file.guids {
            add(&mut self.guids, &decl.name, (id, decl));
        }
        for decl in &file.text_consts {
            add(&mut self.text_consts, &decl.name, (id, decl));
        }
    }
}

/// Where a C-family declaration is: its file, what it is and its place in that file's list.
#[derive(Clone, Copy)]
pub(super) struct CDeclAt {
    file: u32,
    kind: CDeclKind,
    index: u32,
}

#[derive(Clone, Copy)]
pub(super) enum CDeclKind {
    Function,
    Struct,
    Alias,
}

/// A C, C++ or MIDL declaration and the file it is in: what bindings are checked against.
#[derive(Clone, Copy, Debug)]
pub enum CDecl<'a> {
    Function(&'a FnDecl),
    Struct(&'a StructDecl),
    Alias(&'a TypeAlias),
}

impl CDecl<'_> {
    pub fn name(&self) -> &str {
        match self {
            CDecl::Function(decl) => &decl.name,
            CDecl::Struct(decl) => &decl.name,
            CDecl::Alias(alias) => &alias.name,
        }
    }
}

impl<'a> Model<'a> {
    fn c_index(&self) -> &HashMap<u64, Named<CDeclAt>> {
        self.c_index.get_or_init(|| {
            let mut by_name: HashMap<u64, Named<CDeclAt>> = HashMap::default();
            for (file, ir) in self.files.iter().enumerate() {
                let Ok(file) = u32::try_from(file) else {
                    break;
                };
                if !ir.language.is_c_family() {
                    continue;
                }
                let mut add_list = |kind, names: &mut dyn Iterator<Item = &str>| {
                    for (index, name) in names.enumerate() {
                        if let Ok(index) = u32::try_from(index) {
                            add(&mut by_name, name_hash(name), CDeclAt { file, kind, index });
                        }
                    }
                };
                add_list(
                    CDeclKind::Function,
                    &mut ir.functions.iter().map(|d| d.name.as_str()),
                );
                add_list(
                    CDeclKind::Struct,
                    &mut ir.structs.iter().map(|d| d.name.as_str()),
                );
                add_list(
                    CDeclKind::Alias,
                    &mut ir.aliases.iter().map(|d| d.name.as_str()),
                );
            }
            by_name
        })
    }

    /// The C, C++ and MIDL functions, structs and typedefs of the tree with this name.
    pub fn c_declarations(&self, name: &str) -> impl Iterator<Item = (FileId, CDecl<'a>)> {
        let files = self.files;
        self.c_index()
            .get(&name_hash(name))
            .into_iter()
            .flat_map(Named::iter)
            .filter_map(move |at| {
                let file = files.get(at.file as usize)?;
                let index = at.index as usize;
                let decl = match at.kind {
                    CDeclKind::Function => CDecl::Function(file.functions.get(index)?),
                    CDeclKind::Struct => CDecl::Struct(file.structs.get(index)?),
                    CDeclKind::Alias => CDecl::Alias(file.aliases.get(index)?),
                };
                // Names that only share a hash are told apart here.
                (decl.name() == name).then_some((at.file as usize, decl))
            })
    }
}

impl<'a> Semantic<'a> {
    /// The GUID a named constant holds on a target (this file's declaration first).
    pub fn guid(&self, name: &str, target: &Target) -> Option<Guid> {
        let name = self.canonical(name);
        self.lookup(
            name,
            |d| d.guids.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )
        .map(|decl| decl.guid)
    }

    /// The first declaration live on the target: this file's, else the rest of the tree's
    /// that this file sees and that the target compiles.
    pub(super) fn lookup<T: Copy>(
        &self,
        name: &str,
        pick: impl for<'d> Fn(&'d Declarations<'a>) -> Option<&'d Named<In<T>>>,
        live: impl Fn(&T) -> bool,
        target: &Target,
    ) -> Option<T> {
        self.lookup_in(name, pick, live, target).map(|(_, d)| d)
    }

    /// As [`Self::lookup`], with the index of the declaring file. Of the tree's declarations,
    /// those of the module a Rust `use` names come first (`use um::ntsecapi::PLSA_…` takes
    /// `ntsecapi.rs`'s, not another file's of the same name), then those of the modules its
    /// glob imports name; names declared by bare name anywhere else are the fallback where no
    /// path resolves.
    fn lookup_in<T: Copy>(
        &self,
        name: &str,
        pick: impl for<'d> Fn(&'d Declarations<'a>) -> Option<&'d Named<In<T>>>,
        live: impl Fn(&T) -> bool,
        target: &Target,
    ) -> Option<In<T>> {
        let first_live = |decls: &Named<In<T>>| {
            decls
                .iter()
                .find(|(file, d)| self.sees_on(*file, target) && live(d))
                .copied()
        };
        if let Some(found) = pick(&self.local).and_then(first_live) {
            return Some(found);
        }
        let global = pick(self.global)?;
        let imported = &self.imported_from;
        let modules = imported.named.get(name).into_iter().chain(&imported.globs);
        for module in modules {
            let found = global.iter().find(|(file, d)| {
                self.model.module_path(*file) == Some(module.as_slice())
                    && self.sees_on(*file, target)
                    && live(d)
            });
            if let Some(found) = found {
                return Some(*found);
            }
        }
        first_live(global)
    }

    pub(super) fn alias(&self, name: &str, target: &Target) -> Option<&'a TypeRef> {
        self.alias_decl(name, target).map(|alias| &alias.ty)
    }

    /// The type alias (typedef) of this name live on the target, this file's first.
    pub fn alias_decl(&self, name: &str, target: &Target) -> Option<&'a TypeAlias> {
        self.lookup(
            name,
            |d| d.aliases.get(name),
            |alias| alias.cond.is_live(target),
            target,
        )
    }

    /// The struct a type name stands for, through typedefs and pointers to it (`PINFO`,
    /// `INFO` and `tagINFO` all name `struct tagINFO`).
    pub fn struct_through_aliases(&self, name: &str, target: &Target) -> Option<&'a StructDecl> {
        let mut name = self.canonical(name);
        for _ in 0..MAX_RESOLVE_DEPTH {
            if let Some(decl) = self.struct_decl(name, target) {
                return Some(decl);
            }
            name = self.alias(name, target)?.pointee_name()?;
        }
        None
    }

    pub fn struct_decl(&self, name: &str, target: &Target) -> Option<&'a StructDecl> {
        self.lookup(
            name,
            |d| d.structs.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )
    }

    /// The struct of this name live on the target, with the file declaring it when that is
    /// another file of the run (`None`: this one).
    pub fn struct_decl_in(
        &self,
        name: &str,
        target: &Target,
    ) -> Option<(Option<FileId>, &'a StructDecl)> {
        let (file, decl) = self.lookup_in(
            name,
            |d| d.structs.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )?;
        Some((self.other_file(file), decl))
    }

    /// A declaring file as a file of the run, when it is not this one.
    fn other_file(&self, file: u32) -> Option<FileId> {
        usize::try_from(file)
            .ok()
            .filter(|&f| file != u32::MAX && Some(f) != self.id && self.model.file_ir(f).is_some())
    }

    /// A function declared in the tree (this file first), live on the target.
    pub fn function(&self, name: &str, target: &Target) -> Option<&'a FnDecl> {
        self.lookup(
            name,
            |d| d.functions.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )
    }

    /// A function declared in the tree, live on the target, with the file declaring it (`None`:
    /// this one).
    pub fn function_in(&self, name: &str, target: &Target) -> Option<(Option<FileId>, &'a FnDecl)> {
        let (file, decl) = self.lookup_in(
            name,
            |d| d.functions.get(name),
            |decl| decl.cond.is_live(target),
            target,
        )?;
        Some((self.other_file(file), decl))
    }

    /// The function a call binds to: this file's declaration, else the real Win32 function
    /// (a wrong `extern` elsewhere in the tree is reported where it is, not believed), else a
    /// declaration elsewhere in the tree.
    pub(super) fn declared_function(&self, name: &str, target: &Target) -> Option<&'a FnDecl> {
        let live = |decls: &Named<In<&'a FnDecl>>| {
            decls
                .iter()
                .find(|(file, d)| self.sees_on(*file, target) && d.cond.is_live(target))
                .map(|(_, d)| *d)
        };
        if let Some(decl) = self.local.functions.get(name).and_then(live) {
            return Some(decl);
        }
        if self.knowledge().api(name, target.pointer_width).is_some() {
            return None;
        }
        self.global.functions.get(name).and_then(live)
    }

    pub(super) fn is_local_function(&self, decl: &FnDecl) -> bool {
        self.local
            .functions
            .get(decl.name.as_str())
            .is_some_and(|decls| decls.iter().any(|(_, d)| std::ptr::eq(*d, decl)))
    }

    pub(super) fn const_type(&self, name: &str, target: &Target) -> Option<&'a TypeRef> {
        self.lookup(
            name,
            |d| d.consts.get(name),
            |(cond, _)| cond.is_live(target),
            target,
        )
        .map(|(_, ty)| ty)
    }
}
