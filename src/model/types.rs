//! Type queries: what a written type, a conversion's target or the slot a value flows into
//! means on a target, through the tree's aliases and the Windows tables.

use super::ir::{ConversionTarget, Slot, StructDecl, TypeRef};
use super::ty::{IntTy, PtrKind, Ty};
use super::{MAX_RESOLVE_DEPTH, Semantic};
use crate::knowledge::ApiType;
use crate::target::Target;

impl Semantic<'_> {
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
    /// Windows tables (typedefs, then structs and the SDK's pointers to them).
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
        knowledge.type_named(name).unwrap_or(Ty::Unknown)
    }

    /// Which of C's `long` and `unsigned long` a written type is as Rust binds it (`c_long`,
    /// `c_ulong`, or an alias of them), if either: 32 bits on Windows but 64 on the LP64
    /// systems (Linux, macOS) where code is often written, so that a value typed for those,
    /// `i64` or `u64`, does not compile for Windows.
    pub fn c_long_of(&self, ty: &TypeRef, target: &Target) -> Option<&'static str> {
        let mut ty = ty;
        for _ in 0..MAX_RESOLVE_DEPTH {
            let TypeRef::Named(name) = ty else {
                return None;
            };
            match self.canonical(name) {
                "c_long" => return Some("c_long"),
                "c_ulong" => return Some("c_ulong"),
                name => ty = self.alias(name, target)?,
            }
        }
        None
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
    pub(super) fn struct_field_type(&self, name: &str, field: &str, target: &Target) -> Option<Ty> {
        match self.struct_through_aliases(name, target) {
            Some(decl) => decl
                .fields
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, ty)| self.resolve(ty, target)),
            None if self.knowledge().field_holds_no_address(name, field) => {
                IntTy::from_primitive("isize").map(Ty::Int)
            }
            None => self
                .knowledge()
                .struct_field(name, field, target.pointer_width)
                .map(|ty| self.api_type(&ty)),
        }
    }

    pub(super) fn field_type(&self, decl: &StructDecl, field: &str, target: &Target) -> Ty {
        decl.fields
            .iter()
            .find(|(name, _)| name == field)
            .map_or(Ty::Unknown, |(_, ty)| self.resolve(ty, target))
    }
}
