//! Resolved types and their width on a target.

/// How many bits an integer type has: fixed, or tied to the pointer width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntBits {
    Fixed(u32),
    /// `usize`, `INT_PTR`, `SIZE_T`, `WPARAM`, ...
    Pointer,
    /// `HALF_PTR`: 16 bits on 32-bit Windows, 32 on 64-bit.
    HalfPointer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntTy {
    pub bits: IntBits,
    pub signed: bool,
}

impl IntTy {
    pub fn width(self, pointer_width: u32) -> u32 {
        match self.bits {
            IntBits::Fixed(n) => n,
            IntBits::Pointer => pointer_width,
            IntBits::HalfPointer => pointer_width / 2,
        }
    }

    /// Rust's primitive integers, plus the `half`/`uhalf` spelling the tables use for `HALF_PTR`.
    pub fn from_primitive(name: &str) -> Option<IntTy> {
        let (signed, bits) = match name {
            "i8" => (true, IntBits::Fixed(8)),
            "u8" => (false, IntBits::Fixed(8)),
            "i16" => (true, IntBits::Fixed(16)),
            "u16" => (false, IntBits::Fixed(16)),
            "i32" => (true, IntBits::Fixed(32)),
            "u32" => (false, IntBits::Fixed(32)),
            "i64" => (true, IntBits::Fixed(64)),
            "u64" => (false, IntBits::Fixed(64)),
            "i128" => (true, IntBits::Fixed(128)),
            "u128" => (false, IntBits::Fixed(128)),
            "isize" => (true, IntBits::Pointer),
            "usize" => (false, IntBits::Pointer),
            "half" => (true, IntBits::HalfPointer),
            "uhalf" => (false, IntBits::HalfPointer),
            _ => return None,
        };
        Some(IntTy { bits, signed })
    }

    /// The pointer-sized integer with this type's signedness: what a truncating type becomes.
    pub fn pointer_sized_name(self) -> &'static str {
        if self.signed { "isize" } else { "usize" }
    }
}

/// How much of a handle's value matters when it crosses between 32- and 64-bit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandleKind {
    /// A real address (module base, memory block, socket, opaque pointer): all 64 bits matter.
    Address,
    /// USER, GDI and kernel handles: Windows documents only the low 32 bits as significant.
    Shared,
}

/// How a handle type is represented in the bindings: a pointer or a pointer-sized integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandleRepr {
    Pointer,
    Usize,
    Isize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HandleTy {
    pub name: String,
    pub kind: HandleKind,
    pub repr: HandleRepr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PtrKind {
    Data,
    Reference,
    Function,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Int(IntTy),
    Pointer(PtrKind),
    Handle(HandleTy),
    Bool,
    Float(u32),
    Unit,
    /// A struct, enum or union, by name.
    Struct(String),
    Unknown,
}

impl Ty {
    /// Width in bits on a target of the given pointer width, where the type has a scalar width.
    pub fn width(&self, pointer_width: u32) -> Option<u32> {
        match self {
            Ty::Int(int) => Some(int.width(pointer_width)),
            Ty::Pointer(_) | Ty::Handle(_) => Some(pointer_width),
            Ty::Bool => Some(8),
            Ty::Float(bits) => Some(*bits),
            Ty::Unit | Ty::Struct(_) | Ty::Unknown => None,
        }
    }

    pub fn is_pointer_like(&self) -> bool {
        matches!(self, Ty::Pointer(_) | Ty::Handle(_))
    }

    pub fn as_int(&self) -> Option<IntTy> {
        match self {
            Ty::Int(int) => Some(*int),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_pointer_width() {
        let usize_ = Ty::Int(IntTy::from_primitive("usize").unwrap());
        assert_eq!(usize_.width(64), Some(64));
        assert_eq!(usize_.width(32), Some(32));
        let half = Ty::Int(IntTy::from_primitive("half").unwrap());
        assert_eq!((half.width(64), half.width(32)), (Some(32), Some(16)));
        assert_eq!(Ty::Pointer(PtrKind::Data).width(64), Some(64));
        assert_eq!(Ty::Struct("POINT".into()).width(64), None);
        assert_eq!(
            IntTy::from_primitive("i32").unwrap().pointer_sized_name(),
            "isize"
        );
    }
}
