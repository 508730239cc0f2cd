//! Which pointer widths an item exists on, judging by its `#[cfg(...)]` attributes.

use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, Meta, Token};

/// A set of pointer widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Widths(u8);

impl Widths {
    pub const NONE: Widths = Widths(0);
    pub const W64: Widths = Widths(1);
    pub const W32: Widths = Widths(2);
    pub const ANY: Widths = Widths(3);

    pub fn is_empty(self) -> bool {
        self == Self::NONE
    }

    pub fn union(self, other: Widths) -> Widths {
        Widths(self.0 | other.0)
    }

    pub fn intersect(self, other: Widths) -> Widths {
        Widths(self.0 & other.0)
    }

    /// The TSV width column.
    pub fn label(self) -> &'static str {
        match self {
            Self::W64 => "64",
            Self::W32 => "32",
            Self::ANY => "any",
            _ => "none",
        }
    }
}

/// The Windows targets windows-sys tells apart in its cfgs: (target_arch, target_pointer_width).
const TARGETS: [(&str, &str, Widths); 4] = [
    ("x86_64", "64", Widths::W64),
    ("aarch64", "64", Widths::W64),
    ("arm64ec", "64", Widths::W64),
    ("x86", "32", Widths::W32),
];

/// The widths on which an item with these attributes can exist.
///
/// Only `target_arch` and `target_pointer_width` are decided; anything else (features, `test`,
/// unparsable cfgs) is treated as possibly true, since cargo features don't change widths.
pub fn widths(attrs: &[Attribute]) -> Widths {
    let cfgs: Vec<Meta> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .filter_map(|attr| attr.meta.require_list().ok()?.parse_args().ok())
        .collect();
    TARGETS
        .iter()
        .filter(|(arch, width, _)| cfgs.iter().all(|cfg| eval(cfg, arch, width) != Some(false)))
        .fold(Widths::NONE, |acc, (_, _, w)| acc.union(*w))
}

/// Three-valued cfg evaluation on one target: `None` means "depends on something else".
fn eval(cfg: &Meta, arch: &str, width: &str) -> Option<bool> {
    match cfg {
        Meta::Path(_) => None,
        Meta::NameValue(nv) => {
            let Expr::Lit(ExprLit {
                lit: Lit::Str(value),
                ..
            }) = &nv.value
            else {
                return None;
            };
            if nv.path.is_ident("target_arch") {
                Some(value.value() == arch)
            } else if nv.path.is_ident("target_pointer_width") {
                Some(value.value() == width)
            } else {
                None
            }
        }
        Meta::List(list) => {
            let args = list
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()?;
            let values: Vec<Option<bool>> = args.iter().map(|arg| eval(arg, arch, width)).collect();
            if list.path.is_ident("all") {
                short_circuit(&values, false)
            } else if list.path.is_ident("any") {
                short_circuit(&values, true)
            } else if list.path.is_ident("not") && values.len() == 1 {
                values[0].map(|v| !v)
            } else {
                None
            }
        }
    }
}

/// `all` (short = false) or `any` (short = true) over three-valued operands.
fn short_circuit(values: &[Option<bool>], short: bool) -> Option<bool> {
    if values.contains(&Some(short)) {
        Some(short)
    } else if values.contains(&None) {
        None
    } else {
        Some(!short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widths_of(src: &str) -> Widths {
        let item: syn::ItemStruct = syn::parse_str(&format!("{src} struct S;")).expect("parses");
        widths(&item.attrs)
    }

    #[test]
    fn width_cfgs() {
        assert_eq!(widths_of(""), Widths::ANY);
        assert_eq!(
            widths_of(r#"#[cfg(feature = "Win32_Foundation")]"#),
            Widths::ANY
        );
        assert_eq!(
            widths_of(r#"#[cfg(target_pointer_width = "64")]"#),
            Widths::W64
        );
        assert_eq!(widths_of(r#"#[cfg(target_arch = "x86")]"#), Widths::W32);
        assert_eq!(
            widths_of(r#"#[cfg(any(target_arch = "aarch64", target_arch = "x86_64"))]"#),
            Widths::W64
        );
        assert_eq!(
            widths_of(r#"#[cfg(all(feature = "A", not(target_pointer_width = "64")))]"#),
            Widths::W32
        );
        assert_eq!(
            widths_of(r#"#[cfg(target_arch = "x86")] #[cfg(target_arch = "x86_64")]"#),
            Widths::NONE
        );
    }
}
