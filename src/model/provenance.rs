//! Value provenance: the type of a value on a target, and whether it came from a pointer or a
//! handle, followed through locals, casts, calls, fields and the standard library's methods.

use super::ir::{Body, FnKind, TypeRef, Value};
use super::ty::{HandleKind, HandleRepr, HandleTy, IntTy, PtrKind, Ty};
use super::{MAX_RESOLVE_DEPTH, Semantic};
use crate::target::Target;

/// How many values one question about a value may visit; real value flow needs a few dozen.
const MAX_VALUE_STEPS: usize = 4096;

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
    pub(super) fn unknown() -> Self {
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

impl Semantic<'_> {
    /// The type of a value on a target, and whether it was derived from a pointer or handle.
    pub fn value_info(&self, body: &Body, value: &Value, target: &Target) -> ValueInfo {
        self.steps_left.set(MAX_VALUE_STEPS);
        self.info_at(body, value, target, 0)
    }

    /// The narrower integer a pointer-sized integer was widened from, through casts and the
    /// locals that hold them (`v as u32 as usize`, `let wide = n as usize;`): widening adds no
    /// bits, so the value is still the 32-bit one.
    pub fn widened_from(&self, body: &Body, value: &Value, target: &Target) -> Option<IntTy> {
        self.steps_left.set(MAX_VALUE_STEPS);
        self.widened_at(body, value, target, 0)
    }

    fn widened_at(
        &self,
        body: &Body,
        value: &Value,
        target: &Target,
        depth: usize,
    ) -> Option<IntTy> {
        if depth > MAX_RESOLVE_DEPTH || self.steps_left.get() == 0 {
            return None;
        }
        let pointer_width = target.pointer_width;
        match value {
            Value::Cast(inner, to) => {
                let to = self.conversion_target(to, target).as_int()?;
                if to.width(pointer_width) < pointer_width {
                    return None;
                }
                let from = self.info_at(body, inner, target, depth + 1).ty.as_int()?;
                if from.width(pointer_width) < pointer_width {
                    Some(from)
                } else {
                    self.widened_at(body, inner, target, depth + 1)
                }
            }
            // Every value the local is given, or it may hold a full-width one.
            Value::Local(id) => {
                let local = body.locals.get(*id)?;
                let mut narrowest: Option<IntTy> = None;
                for value in &local.values {
                    let from = self.widened_at(body, value, target, depth + 1)?;
                    narrowest.get_or_insert(from);
                }
                narrowest
            }
            _ => None,
        }
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
                // `HINSTANCE res = ShellExecute(...)`: declared a handle, holding an error code.
                if !local.values.is_empty() && local.values.iter().all(is_not_address_result) {
                    return not_address_result();
                }
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
            // `Some(v)` and `Ok(v)` are `v` to the model, as `unwrap` and `?` give it back.
            Value::Call {
                qualifier: None,
                callee,
                args,
            } if args.len() == 1 && matches!(callee.as_str(), "Some" | "Ok") => {
                self.info_at(body, &args[0], target, next)
            }
            Value::Call {
                qualifier,
                callee,
                args,
            } => self.call_info(qualifier.as_deref(), callee, args.len(), target, next),
            Value::Method(receiver, method) => {
                let method = method.as_str();
                let std = &self.knowledge().rust_std;
                if std.pointer_methods.contains(method) {
                    ValueInfo::of_type(Ty::Pointer(PtrKind::Data))
                } else if std.transparent_methods.contains(method) {
                    self.info_at(body, receiver, target, next)
                } else if std.raw_handle_methods.contains(method) {
                    ValueInfo::of_type(Ty::Handle(HandleTy {
                        name: "RawHandle".to_string(),
                        kind: HandleKind::Shared,
                        repr: HandleRepr::Pointer,
                    }))
                } else if std.raw_socket_methods.contains(method) {
                    ValueInfo {
                        ty: Ty::Int(IntTy::from_primitive("u64").expect("u64 is a primitive")),
                        origin: Some(Origin {
                            description: "`SOCKET` (as `RawSocket`)".to_string(),
                            kind: HandleKind::Address,
                        }),
                    }
                } else {
                    ValueInfo::unknown()
                }
            }
            Value::Field(base, field) => self.field_info(body, base, field, target, next),
            Value::Deref(pointer) => match pointer.as_ref() {
                Value::Local(id) => body
                    .locals
                    .get(*id)
                    .and_then(|local| match &local.ty {
                        Some(TypeRef::Pointer(pointee) | TypeRef::Reference(pointee)) => {
                            Some(ValueInfo::of_type(self.resolve(pointee, target)))
                        }
                        _ => None,
                    })
                    .unwrap_or_else(ValueInfo::unknown),
                _ => ValueInfo::unknown(),
            },
            Value::Arith(left, right) => {
                let left = self.info_at(body, left, target, next);
                let right = self.info_at(body, right, target, next);
                if self.file.language.is_c_family() {
                    return c_sum(left, right);
                }
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
            Value::Difference(left, right) => {
                let literal = right.is_literal();
                let left = self.info_at(body, left, target, next);
                let right = self.info_at(body, right, target, next);
                // `p - 1`: a literal is an integer, whatever type the tables give it.
                if literal && is_address(&left.ty) && !is_function(&left.ty) {
                    return left;
                }
                c_difference(left, right)
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
        arity: usize,
        target: &Target,
        depth: usize,
    ) -> ValueInfo {
        if callee == "into_raw"
            && qualifier.is_some_and(|q| self.knowledge().rust_std.into_raw_owners.contains(q))
        {
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
        if crate::knowledge::names()
            .not_address_results
            .contains(callee)
        {
            return not_address_result();
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
        // A call with another number of arguments than the Win32 function is not that
        // function: a C++ member or overload of the same name (`CreateThread()` of a class).
        match self.knowledge().api(callee, target.pointer_width) {
            Some(api) if api.params.len() == arity || !self.file.language.is_c_family() => {
                ValueInfo::of_type(self.api_type(&api.ret))
            }
            _ => ValueInfo::unknown(),
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

/// A call of a function whose pointer-typed result is a number (`ShellExecute`'s error code).
fn is_not_address_result(value: &Value) -> bool {
    matches!(value, Value::Call { callee, .. }
        if crate::knowledge::names().not_address_results.contains(callee.as_str()))
}

fn not_address_result() -> ValueInfo {
    ValueInfo::of_type(Ty::Int(
        IntTy::from_primitive("isize").expect("isize is a primitive"),
    ))
}

/// C and C++ do no arithmetic on functions: a name that seems to be one in a sum is something
/// else the front end could not see (a C++ member of the same name, a macro).
fn is_function(ty: &Ty) -> bool {
    matches!(ty, Ty::Pointer(PtrKind::Function))
}

fn is_address(ty: &Ty) -> bool {
    matches!(ty, Ty::Pointer(_) | Ty::Handle(_))
}

/// `a + b` in C: a pointer plus an integer is the pointer, moved (`buffer + offset`); when
/// either side's type is unknown it may be the pointer, so the sum is unknown, never the
/// integer side's type.
fn c_sum(left: ValueInfo, right: ValueInfo) -> ValueInfo {
    if is_function(&left.ty) || is_function(&right.ty) {
        return ValueInfo::unknown();
    }
    match (&left.ty, &right.ty) {
        (l, _) if is_address(l) => left,
        (_, r) if is_address(r) => right,
        (Ty::Unknown, _) | (_, Ty::Unknown) => ValueInfo::unknown(),
        _ => ValueInfo {
            ty: left.ty,
            origin: match (left.origin, right.origin) {
                (Some(_), Some(_)) => None,
                (left, right) => left.or(right),
            },
        },
    }
}

/// `a - b` in C: two pointers are a distance (`ptrdiff_t`, from no address); a pointer minus
/// an integer is the pointer; a pointer minus something unknown may be either, so unknown.
fn c_difference(left: ValueInfo, right: ValueInfo) -> ValueInfo {
    if is_function(&left.ty) || is_function(&right.ty) {
        return ValueInfo::unknown();
    }
    match (&left.ty, &right.ty) {
        (l, r) if is_address(l) && is_address(r) => ValueInfo::of_type(Ty::Int(
            IntTy::from_primitive("isize").expect("isize is a primitive"),
        )),
        (l, Ty::Int(_)) if is_address(l) => left,
        (Ty::Int(_), Ty::Int(_)) => ValueInfo {
            ty: left.ty,
            origin: match (left.origin, right.origin) {
                (Some(_), Some(_)) => None,
                (left, right) => left.or(right),
            },
        },
        _ => ValueInfo::unknown(),
    }
}
