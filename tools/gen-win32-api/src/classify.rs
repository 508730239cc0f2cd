//! Reduces a windows-sys parameter or return type to the width class recorded in the table.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use syn::ext::IdentExt as _;
use syn::{GenericArgument, PathArguments, PathSegment, Type};

const PRIMITIVES: [&str; 15] = [
    "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "i128", "u128", "isize", "usize", "f32",
    "f64", "bool",
];

/// Alias chains in windows-sys are short; this only guards against cycles.
const MAX_ALIAS_DEPTH: usize = 32;

pub struct Classifier<'a> {
    /// Every `pub type` in the crate, by name; a name may be defined in several modules or cfgs.
    aliases: &'a HashMap<String, Vec<Type>>,
    /// Struct and union names, which are passed by value as `other`.
    records: &'a HashSet<String>,
    /// Names that are neither aliases nor records, worth a warning.
    unknown: RefCell<BTreeSet<String>>,
}

impl<'a> Classifier<'a> {
    pub fn new(aliases: &'a HashMap<String, Vec<Type>>, records: &'a HashSet<String>) -> Self {
        Classifier {
            aliases,
            records,
            unknown: RefCell::default(),
        }
    }

    /// The table token for a type: `class`, or `class:Name` when it is spelled as a named type.
    pub fn token(&self, ty: &Type) -> String {
        match named_type(ty) {
            Some(seg) => format!("{}:{}", self.class_of_name(seg, 0), seg.ident.unraw()),
            None => self.class(ty, 0).to_owned(),
        }
    }

    /// Type names met in signatures that the crate never defines.
    pub fn unknown_names(&self) -> BTreeSet<String> {
        self.unknown.borrow().clone()
    }

    /// Aliases whose definitions (in different modules or cfgs) disagree on the class.
    pub fn conflicting_aliases(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .aliases
            .iter()
            .filter(|(_, defs)| self.agreed_class(defs, 0).is_none())
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    }

    fn class(&self, ty: &Type, depth: usize) -> &'static str {
        if let Some(seg) = named_type(ty) {
            return self.class_of_name(seg, depth);
        }
        match ty {
            Type::Paren(inner) => self.class(&inner.elem, depth),
            Type::Group(inner) => self.class(&inner.elem, depth),
            Type::Ptr(_) | Type::Reference(_) => "ptr",
            Type::FnPtr(_) => "fnptr",
            Type::Never(_) => "void",
            Type::Tuple(tuple) if tuple.elems.is_empty() => "void",
            Type::Path(path) => {
                let Some(seg) = path.path.segments.last() else {
                    return "other";
                };
                if let Some(prim) = primitive(seg) {
                    return prim;
                }
                // `Option<fn>` and `Option<&T>` are nullable pointers with the same layout.
                match option_arg(seg).map(|arg| self.class(arg, depth)) {
                    Some(class @ ("ptr" | "fnptr")) => class,
                    _ => "other",
                }
            }
            _ => "other",
        }
    }

    fn class_of_name(&self, seg: &PathSegment, depth: usize) -> &'static str {
        let name = seg.ident.unraw().to_string();
        if let Some(defs) = self.aliases.get(&name) {
            // A conflict is reported once via `conflicting_aliases`; `other` is the honest answer.
            self.agreed_class(defs, depth).unwrap_or("other")
        } else {
            if !self.records.contains(&name) {
                self.unknown.borrow_mut().insert(name);
            }
            "other"
        }
    }

    fn agreed_class(&self, defs: &[Type], depth: usize) -> Option<&'static str> {
        if depth > MAX_ALIAS_DEPTH {
            return Some("other");
        }
        let mut classes = defs.iter().map(|def| self.class(def, depth + 1));
        let first = classes.next()?;
        classes.all(|class| class == first).then_some(first)
    }
}

/// The last path segment when `ty` names a type defined by the crate (alias, struct, ...),
/// as opposed to a primitive, `Option<..>` or `core::ffi::c_void`.
fn named_type(ty: &Type) -> Option<&PathSegment> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let seg = path.path.segments.last()?;
    let builtin = primitive(seg).is_some() || option_arg(seg).is_some() || seg.ident == "c_void";
    (!builtin).then_some(seg)
}

fn primitive(seg: &PathSegment) -> Option<&'static str> {
    PRIMITIVES.into_iter().find(|prim| seg.ident == prim)
}

fn option_arg(seg: &PathSegment) -> Option<&Type> {
    if seg.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}
