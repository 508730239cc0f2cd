//! The shared semantic model: what every rule asks about a program.
//!
//! [`Model`] merges the declarations of every file in the run with the Win32 knowledge tables.
//! [`Semantic`] is its view from one file (that file's own declarations win over the rest of
//! the tree), and answers the questions rules ask: the type of a value on a target, whether a
//! value came from a pointer or handle, whether code under a condition builds for a target.

pub mod cfg;
pub mod ir;
pub mod machine;
pub mod registry;
mod resolve;
pub mod text;
pub mod tree;
pub mod ty;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{Cell, OnceCell};
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash};
use std::sync::OnceLock;

use crate::knowledge::{ApiType, Knowledge};
use crate::source::FileId;
use crate::target::Target;
use cfg::Cond;
use ir::{
    Body, BodyId, ConversionTarget, FileIr, FnDecl, FnKind, Guid, GuidConst, Slot, StructDecl,
    TextConst, TypeAlias, TypeRef, Value,
};
use registry::ComIndex;
use tree::{Location, Tree};
use ty::{HandleKind, HandleRepr, HandleTy, IntTy, PtrKind, Ty};

/// Alias chains and value flow deeper than this are treated as unknown (and cycles end).
const MAX_RESOLVE_DEPTH: usize = 32;

/// How many values one question about a value may visit; real value flow needs a few dozen.
const MAX_VALUE_STEPS: usize = 4096;

/// The declarations of one name, in the order they were added. Nearly every name is declared
/// once, and an empty vector allocates nothing: a vector per name was a tenth of the peak
/// memory of a run over the Windows headers.
struct Named<T> {
    first: T,
    rest: Vec<T>,
}

impl<T> Named<T> {
    fn iter(&self) -> impl Iterator<Item = &T> {
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

/// Declarations of the whole run, by name.
struct Declarations<'a> {
    aliases: HashMap<&'a str, Named<&'a TypeAlias>>,
    structs: HashMap<&'a str, Named<&'a StructDecl>>,
    functions: HashMap<&'a str, Named<&'a FnDecl>>,
    consts: HashMap<&'a str, Named<(&'a Cond, &'a TypeRef)>>,
    guids: HashMap<&'a str, Named<&'a GuidConst>>,
    text_consts: HashMap<&'a str, Named<&'a TextConst>>,
}

impl<'a> Declarations<'a> {
    fn new() -> Self {
        Declarations {
            aliases: HashMap::default(),
            structs: HashMap::default(),
            functions: HashMap::default(),
            consts: HashMap::default(),
            guids: HashMap::default(),
            text_consts: HashMap::default(),
        }
    }

    fn add(&mut self, file: &'a FileIr) {
        for alias in &file.aliases {
            add(&mut self.aliases, &alias.name, alias);
        }
        for decl in &file.structs {
            add(&mut self.structs, &decl.name, decl);
        }
        for decl in &file.functions {
            add(&mut self.functions, &decl.name, decl);
        }
        for decl in &file.consts {
            add(&mut self.consts, &decl.name, (&decl.cond, &decl.ty));
        }
        for decl in &file.guids {
            add(&mut self.guids, &decl.name, decl);
        }
        for decl in &file.text_consts {
            add(&mut self.text_consts, &decl.name, decl);
        }
    }
}

/// Where a C-family declaration is: its file, what it is and its place in that file's list.
#[derive(Clone, Copy)]
struct CDeclAt {
    file: u32,
    kind: CDeclKind,
    index: u32,
}

#[derive(Clone, Copy)]
enum CDeclKind {
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
}

impl<'a> Model<'a> {
    pub fn new(knowledge: &'a Knowledge, targets: &'a [Target], files: &'a [&'a FileIr]) -> Self {
        let mut rust = Declarations::new();
        let mut c_family = Declarations::new();
        for file in files {
            if file.language.is_c_family() {
                c_family.add(file);
            } else {
                rust.add(file);
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
        }
    }

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

    /// Tells the model where each file lives (`locations[i]` for `files[i]`), so that it can
    /// resolve the libraries code loads and links to the binaries of the run.
    pub fn with_locations(mut self, locations: &'a [Location]) -> Self {
        self.tree = Tree::new(self.files, locations);
        self
    }

    /// The model as seen from the file with this index.
    pub fn semantic_of(&'a self, id: FileId) -> Semantic<'a> {
        let mut semantic = self.semantic(self.files[id]);
        semantic.id = Some(id);
        semantic
    }

    /// The model as seen from one file, without knowing where it lives.
    pub fn semantic(&'a self, file: &'a FileIr) -> Semantic<'a> {
        let mut local = Declarations::new();
        local.add(file);
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
            local,
            global,
            renames,
            helper_bodies: OnceCell::new(),
            steps_left: Cell::new(0),
        }
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

/// Where a value came from, when it came from a pointer or a handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// For messages: "raw pointer", "`HWND` handle", ...
    pub description: String,
    pub kind: HandleKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueInfo {
    pub ty: Ty,
    pub origin: Option<Origin>,
}

impl ValueInfo {
    fn unknown() -> Self {
        ValueInfo {
            ty: Ty::Unknown,
            origin: None,
        }
    }

    fn of_type(ty: Ty) -> Self {
        let origin = origin_of_type(&ty);
        ValueInfo { ty, origin }
    }
}

fn origin_of_type(ty: &Ty) -> Option<Origin> {
    let (description, kind) = match ty {
        Ty::Pointer(PtrKind::Data) => ("raw pointer".to_string(), HandleKind::Address),
        Ty::Pointer(PtrKind::Reference) => ("reference".to_string(), HandleKind::Address),
        Ty::Pointer(PtrKind::Function) => ("function pointer".to_string(), HandleKind::Address),
        Ty::Handle(handle) => (format!("`{}` handle", handle.name), handle.kind),
        _ => return None,
    };
    Some(Origin { description, kind })
}

/// Methods that hand out a raw pointer to what their receiver owns or points at.
const POINTER_METHODS: &[&str] = &["as_ptr", "as_mut_ptr", "into_raw", "as_non_null_ptr"];

/// Methods whose result has the type and provenance of their receiver: unwrapping, cloning,
/// and the arithmetic that integers and pointers share (`p.add(1)`, `n.wrapping_sub(1)`).
const TRANSPARENT_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_unchecked",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "clone",
    "to_owned",
    "into",
    "cast",
    "cast_mut",
    "cast_const",
    "add",
    "sub",
    "offset",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_offset",
    "byte_add",
    "byte_sub",
    "byte_offset",
];

/// Associated functions that turn an owned value into a raw pointer.
const INTO_RAW_OWNERS: &[&str] = &["Box", "Arc", "Rc", "CString", "Weak"];

pub struct Semantic<'a> {
    pub model: &'a Model<'a>,
    pub file: &'a FileIr,
    /// The file's index in the run, when the model knows where files live.
    id: Option<FileId>,
    local: Declarations<'a>,
    /// The declarations of the whole tree in this file's language family.
    global: &'a Declarations<'a>,
    /// `use a::HWND as WindowHandle`: local name → imported name.
    renames: HashMap<&'a str, &'a str>,
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

    /// The name a local name stands for, through `use ... as` renames.
    pub fn canonical<'n>(&'n self, name: &'n str) -> &'n str {
        self.renames.get(name).copied().unwrap_or(name)
    }

    /// The COM classes the whole tree registers.
    pub fn com(&self) -> &ComIndex<'a> {
        &self.model.com
    }

    /// The GUID a named constant holds on a target (this file's declaration first).
    pub fn guid(&self, name: &str, target: &Target) -> Option<Guid> {
        let name = self.canonical(name);
        self.lookup(|d| d.guids.get(name), |decl| decl.cond.is_live(target))
            .map(|decl| decl.guid)
    }

    /// The configured targets on which code under `cond` is compiled.
    pub fn live_targets(&self, cond: &'a Cond) -> impl Iterator<Item = &'a Target> + 'a {
        self.model.targets.iter().filter(move |t| cond.is_live(t))
    }

    /// The first declaration live on the target: this file's, else the rest of the tree's.
    fn lookup<T: Copy>(
        &self,
        pick: impl for<'d> Fn(&'d Declarations<'a>) -> Option<&'d Named<T>>,
        live: impl Fn(&T) -> bool,
    ) -> Option<T> {
        let first_live = |decls: &Named<T>| decls.iter().find(|d| live(d)).copied();
        pick(&self.local)
            .and_then(first_live)
            .or_else(|| pick(self.global).and_then(first_live))
    }

    fn alias(&self, name: &str, target: &Target) -> Option<&'a TypeRef> {
        self.alias_decl(name, target).map(|alias| &alias.ty)
    }

    /// The type alias (typedef) of this name live on the target, this file's first.
    pub fn alias_decl(&self, name: &str, target: &Target) -> Option<&'a TypeAlias> {
        self.lookup(|d| d.aliases.get(name), |alias| alias.cond.is_live(target))
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
        self.lookup(|d| d.structs.get(name), |decl| decl.cond.is_live(target))
    }

    /// A function declared in the tree (this file first), live on the target.
    pub fn function(&self, name: &str, target: &Target) -> Option<&'a FnDecl> {
        self.lookup(|d| d.functions.get(name), |decl| decl.cond.is_live(target))
    }

    /// The function a call binds to: this file's declaration, else the real Win32 function
    /// (a wrong `extern` elsewhere in the tree is reported where it is, not believed), else a
    /// declaration elsewhere in the tree.
    fn declared_function(&self, name: &str, target: &Target) -> Option<&'a FnDecl> {
        let live =
            |decls: &Named<&'a FnDecl>| decls.iter().find(|d| d.cond.is_live(target)).copied();
        if let Some(decl) = self.local.functions.get(name).and_then(live) {
            return Some(decl);
        }
        if self.knowledge().api(name, target.pointer_width).is_some() {
            return None;
        }
        self.global.functions.get(name).and_then(live)
    }

    fn is_local_function(&self, decl: &FnDecl) -> bool {
        self.local
            .functions
            .get(decl.name.as_str())
            .is_some_and(|decls| decls.iter().any(|d| std::ptr::eq(*d, decl)))
    }

    fn const_type(&self, name: &str, target: &Target) -> Option<&'a TypeRef> {
        self.lookup(|d| d.consts.get(name), |(cond, _)| cond.is_live(target))
            .map(|(_, ty)| ty)
    }

    /// What a written type means on a target.
    pub fn resolve(&self, ty: &TypeRef, target: &Target) -> Ty {
        self.resolve_at(ty, target, 0)
    }

    fn resolve_at(&self, ty: &TypeRef, target: &Target, depth: usize) -> Ty {
        if depth > MAX_RESOLVE_DEPTH {
            return Ty::Unknown;
        }
        match ty {
            TypeRef::Named(name) => self.resolve_name(name, target, depth),
            TypeRef::Pointer(_) => Ty::Pointer(PtrKind::Data),
            TypeRef::Reference(_) => Ty::Pointer(PtrKind::Reference),
            TypeRef::FnPtr => Ty::Pointer(PtrKind::Function),
            TypeRef::Unit => Ty::Unit,
            TypeRef::Infer | TypeRef::Other => Ty::Unknown,
        }
    }

    /// Handle names keep their identity whatever the bindings alias them to; other names
    /// resolve as the code compiles: primitives, then the tree's aliases and types, then the
    /// Windows tables (typedefs, then structs).
    fn resolve_name(&self, name: &str, target: &Target, depth: usize) -> Ty {
        let name = self.canonical(name);
        let knowledge = self.knowledge();
        if let Some(handle) = knowledge.handles.get(name) {
            return Ty::Handle(handle.clone());
        }
        if let Some(int) = IntTy::from_primitive(name).filter(|_| !name.contains("half")) {
            return Ty::Int(int);
        }
        let rust = !self.file.language.is_c_family();
        match name {
            "bool" | "_Bool" => return Ty::Bool,
            "f32" | "float" => return Ty::Float(32),
            "f64" | "double" => return Ty::Float(64),
            // Rust's `char` is a 32-bit scalar value; C's is the 8-bit integer the tables know.
            "char" if rust => {
                return Ty::Int(IntTy::from_primitive("u32").expect("u32 is a primitive"));
            }
            _ => {}
        }
        if let Some(aliased) = self.alias(name, target) {
            return self.resolve_at(aliased, target, depth + 1);
        }
        if self.struct_decl(name, target).is_some() {
            return Ty::Struct(name.to_string());
        }
        knowledge
            .type_named(name)
            .or_else(|| {
                knowledge
                    .is_struct(name)
                    .then(|| Ty::Struct(name.to_string()))
            })
            .unwrap_or(Ty::Unknown)
    }

    pub fn api_type(&self, ty: &ApiType) -> Ty {
        self.knowledge().api_type(ty)
    }

    /// The type a conversion produces on a target.
    pub fn conversion_target(&self, to: &ConversionTarget, target: &Target) -> Ty {
        match to {
            ConversionTarget::Written(ty) => self.resolve(ty, target),
            ConversionTarget::Inferred(slot) => self.slot_type(slot, target),
            ConversionTarget::Unknown => Ty::Unknown,
        }
    }

    /// The declared type of the place a value flows into.
    pub fn slot_type(&self, slot: &Slot, target: &Target) -> Ty {
        match slot {
            Slot::Arg {
                callee,
                index,
                arity,
            } => {
                let callee = self.canonical(callee);
                if let Some(decl) = self.declared_function(callee, target) {
                    return decl
                        .params
                        .get(*index)
                        .map_or(Ty::Unknown, |p| self.resolve(&p.ty, target));
                }
                if let Some(handle) = self.knowledge().handles.get(callee) {
                    return Ty::Handle(handle.clone());
                }
                if let Some(decl) = self.struct_decl(callee, target) {
                    return self.field_type(decl, &index.to_string(), target);
                }
                // Wrappers with the API's name but another shape (the `windows` crate's
                // slices) must not take the API's parameter types.
                self.knowledge()
                    .api(callee, target.pointer_width)
                    .filter(|api| api.params.len() == *arity)
                    .and_then(|api| api.params.get(*index))
                    .map_or(Ty::Unknown, |(_, ty)| self.api_type(ty))
            }
            Slot::Field { ty, field } => self
                .struct_field_type(ty, field, target)
                .unwrap_or(Ty::Unknown),
        }
    }

    /// A field of a struct declared in the tree (through typedefs), else of a Win32 struct.
    fn struct_field_type(&self, name: &str, field: &str, target: &Target) -> Option<Ty> {
        match self.struct_through_aliases(name, target) {
            Some(decl) => decl
                .fields
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, ty)| self.resolve(ty, target)),
            None => self
                .knowledge()
                .struct_field(name, field, target.pointer_width)
                .map(|ty| self.api_type(&ty)),
        }
    }

    fn field_type(&self, decl: &StructDecl, field: &str, target: &Target) -> Ty {
        decl.fields
            .iter()
            .find(|(name, _)| name == field)
            .map_or(Ty::Unknown, |(_, ty)| self.resolve(ty, target))
    }

    /// The type of a value on a target, and whether it was derived from a pointer or handle.
    pub fn value_info(&self, body: &Body, value: &Value, target: &Target) -> ValueInfo {
        self.steps_left.set(MAX_VALUE_STEPS);
        self.info_at(body, value, target, 0)
    }

    fn info_at(&self, body: &Body, value: &Value, target: &Target, depth: usize) -> ValueInfo {
        let steps = self.steps_left.get();
        if depth > MAX_RESOLVE_DEPTH || steps == 0 {
            return ValueInfo::unknown();
        }
        self.steps_left.set(steps - 1);
        let next = depth + 1;
        match value {
            Value::Int(_) | Value::Tuple(_) | Value::Unknown => ValueInfo::unknown(),
            Value::Text => ValueInfo::of_type(Ty::Pointer(PtrKind::Data)),
            Value::AddressOf(_) => ValueInfo::of_type(Ty::Pointer(PtrKind::Reference)),
            Value::Local(id) => {
                let Some(local) = body.locals.get(*id) else {
                    return ValueInfo::unknown();
                };
                let declared = local.ty.as_ref().map(|ty| self.resolve(ty, target));
                let flowing: Vec<ValueInfo> = local
                    .values
                    .iter()
                    .map(|v| self.info_at(body, v, target, next))
                    .collect();
                let ty = declared
                    .clone()
                    .or_else(|| flowing.first().map(|i| i.ty.clone()))
                    .unwrap_or(Ty::Unknown);
                let origin = declared
                    .as_ref()
                    .and_then(origin_of_type)
                    .or_else(|| flowing.into_iter().find_map(|i| i.origin));
                ValueInfo { ty, origin }
            }
            Value::Global(name) => {
                if let Some(ty) = self.const_type(name, target) {
                    return ValueInfo::of_type(self.resolve(ty, target));
                }
                if self.function(name, target).is_some() {
                    return ValueInfo::of_type(Ty::Pointer(PtrKind::Function));
                }
                ValueInfo::unknown()
            }
            Value::Cast(inner, to) => {
                let to = self.conversion_target(to, target);
                let inner = self.info_at(body, inner, target, next);
                let keeps_provenance = match &to {
                    Ty::Int(int) => int.width(target.pointer_width) >= target.pointer_width,
                    Ty::Unknown => true,
                    _ => false,
                };
                match to {
                    Ty::Pointer(_) | Ty::Handle(_) => ValueInfo::of_type(to),
                    to => ValueInfo {
                        ty: to,
                        origin: inner.origin.filter(|_| keeps_provenance),
                    },
                }
            }
            Value::Call {
                qualifier,
                callee,
                args: _,
            } => self.call_info(qualifier.as_deref(), callee, target, next),
            Value::Method(receiver, method) => {
                let method = method.as_str();
                if POINTER_METHODS.contains(&method) {
                    return ValueInfo::of_type(Ty::Pointer(PtrKind::Data));
                }
                if TRANSPARENT_METHODS.contains(&method) {
                    return self.info_at(body, receiver, target, next);
                }
                match method {
                    "as_raw_handle" | "into_raw_handle" => {
                        ValueInfo::of_type(Ty::Handle(HandleTy {
                            name: "RawHandle".to_string(),
                            kind: HandleKind::Shared,
                            repr: HandleRepr::Pointer,
                        }))
                    }
                    "as_raw_socket" | "into_raw_socket" => ValueInfo {
                        ty: Ty::Int(IntTy::from_primitive("u64").expect("u64 is a primitive")),
                        origin: Some(Origin {
                            description: "`SOCKET` (as `RawSocket`)".to_string(),
                            kind: HandleKind::Address,
                        }),
                    },
                    _ => ValueInfo::unknown(),
                }
            }
            Value::Field(base, field) => self.field_info(body, base, field, target, next),
            Value::Arith(left, right) => {
                let left = self.info_at(body, left, target, next);
                let right = self.info_at(body, right, target, next);
                let ty = if left.ty == Ty::Unknown {
                    right.ty
                } else {
                    left.ty
                };
                // Two addresses combined are a distance (`end - start`), not an address.
                let origin = match (left.origin, right.origin) {
                    (Some(_), Some(_)) => None,
                    (left, right) => left.or(right),
                };
                ValueInfo { ty, origin }
            }
            Value::Masked(inner) => ValueInfo {
                ty: self.info_at(body, inner, target, next).ty,
                origin: None,
            },
        }
    }

    fn call_info(
        &self,
        qualifier: Option<&str>,
        callee: &str,
        target: &Target,
        depth: usize,
    ) -> ValueInfo {
        if callee == "into_raw" && qualifier.is_some_and(|q| INTO_RAW_OWNERS.contains(&q)) {
            return ValueInfo {
                ty: Ty::Pointer(PtrKind::Data),
                origin: Some(Origin {
                    description: format!("`{}::into_raw` pointer", qualifier.unwrap_or_default()),
                    kind: HandleKind::Address,
                }),
            };
        }
        if let Some(handle) = self.knowledge().handles.get(callee) {
            return ValueInfo::of_type(Ty::Handle(handle.clone()));
        }
        let qualified = qualifier.map(|q| format!("{q}::{callee}"));
        let decl = qualified
            .as_deref()
            .and_then(|name| self.declared_function(name, target))
            .or_else(|| self.declared_function(callee, target));
        if let Some(decl) = decl {
            let ret = decl
                .ret
                .as_ref()
                .map_or(Ty::Unit, |ty| self.resolve(ty, target));
            let mut info = ValueInfo::of_type(ret);
            // A helper that returns a pointer laundered through an integer passes on its origin.
            if info.origin.is_none()
                && let FnKind::Defined(body_id) = decl.kind
                && self.is_local_function(decl)
                && let Some(body) = self.file.bodies.get(body_id)
            {
                info.origin = body
                    .returns
                    .iter()
                    .find_map(|v| self.info_at(body, v, target, depth + 1).origin);
            }
            return info;
        }
        if self.struct_decl(callee, target).is_some() {
            return ValueInfo::of_type(Ty::Struct(callee.to_string()));
        }
        match self.knowledge().api(callee, target.pointer_width) {
            Some(api) => ValueInfo::of_type(self.api_type(&api.ret)),
            None => ValueInfo::unknown(),
        }
    }

    fn field_info(
        &self,
        body: &Body,
        base: &Value,
        field: &str,
        target: &Target,
        depth: usize,
    ) -> ValueInfo {
        if let Value::Tuple(elements) = base {
            return field
                .parse::<usize>()
                .ok()
                .and_then(|i| elements.get(i))
                .map_or(ValueInfo::unknown(), |v| {
                    self.info_at(body, v, target, depth)
                });
        }
        // `let pair = (h, 1); pair.0`: the element stored in the tuple.
        if let Value::Local(id) = base
            && let Some(local) = body.locals.get(*id)
            && let Some(Value::Tuple(elements)) = local.values.first()
        {
            let element = Value::Tuple(elements.clone());
            return self.field_info(body, &element, field, target, depth + 1);
        }
        let base_info = self.info_at(body, base, target, depth);
        // `req.field` where `req: &Request`: fields are reached through references.
        if let Value::Local(id) = base
            && !matches!(base_info.ty, Ty::Handle(_))
            && let Some(name) = body
                .locals
                .get(*id)
                .and_then(|l| l.ty.as_ref())
                .and_then(TypeRef::pointee_name)
            && let Some(ty) = self.struct_field_type(name, field, target)
        {
            return ValueInfo::of_type(ty);
        }
        let stored = match base {
            Value::Local(id) => body
                .field_stores
                .iter()
                .filter(|(local, name, _)| local == id && name == field)
                .find_map(|(_, _, v)| self.info_at(body, v, target, depth).origin),
            _ => None,
        };
        let mut info = match &base_info.ty {
            Ty::Handle(handle) if field == "0" => {
                // The `windows` crate's newtypes: `HWND(pub *mut c_void)`, or `isize` in older releases.
                let inner = self
                    .struct_decl(&handle.name, target)
                    .map(|decl| self.field_type(decl, "0", target))
                    .unwrap_or(match handle.repr {
                        HandleRepr::Pointer => Ty::Pointer(PtrKind::Data),
                        HandleRepr::Usize => {
                            Ty::Int(IntTy::from_primitive("usize").expect("primitive"))
                        }
                        HandleRepr::Isize => {
                            Ty::Int(IntTy::from_primitive("isize").expect("primitive"))
                        }
                    });
                ValueInfo {
                    ty: inner,
                    origin: base_info.origin.clone(),
                }
            }
            Ty::Struct(name) => self
                .struct_field_type(name, field, target)
                .map_or(ValueInfo::unknown(), ValueInfo::of_type),
            _ => ValueInfo::unknown(),
        };
        if info.origin.is_none() {
            info.origin = stored;
        }
        info
    }
}

#[cfg(test)]
mod tests;
