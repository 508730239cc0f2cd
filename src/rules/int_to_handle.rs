//! `int-to-handle`: a 32-bit integer turned into a pointer or handle, by a cast or (in C)
//! implicitly, as when a function declared to return a handle returns a `DWORD`.


use super::{Checker, Rule, target_list};
use crate::diagnostic::Finding;
use crate::model::Semantic;
use crate::model::ir::{Body, Conversion, Language};
use crate::model::ty::{IntTy, Ty};
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "int-to-handle",
    check,
};

/// Integers this narrow are resource IDs and atoms (`MAKEINTRESOURCE`, `MAKEINTATOM`), which
/// Windows defines as small values carried in a pointer.
const SMALL_ID_BITS: u32 = 16;

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    for conversion in &semantic.file.conversions {
        // Pseudo-handles and resource IDs are constants: `-1isize as HANDLE`,
        // `32512 as PCWSTR`, `(1000 + CERT_ID) as LPCSTR`. C++ converts no integer to a
        // pointer implicitly: such a conversion means the call or name was bound to the wrong
        // declaration (a member, an overload).
        let cpp_implicit = conversion.implicit && semantic.file.language == Language::Cpp;
        // `p == (void *)n` makes no pointer anyone keeps: the value that lost bits, if any, was
        // lost where it was stored, and is reported there.
        if conversion.value.is_constant()
            || conversion.compared
            || semantic.is_helper_body(conversion.body)
            || cpp_implicit
        {
            continue;
        }
        let body = &semantic.file.bodies[conversion.body];
        let mut first: Option<(IntTy, u32, Ty, bool)> = None;
        let mut affected: Vec<&Target> = Vec::new();
        for target in cx.live_64bit_targets(&conversion.cond) {
            let to = semantic.conversion_target(&conversion.to, target);
            if !to.is_pointer_like() {
                continue;
            }
            let Some(int) = semantic.value_info(body, &conversion.value, target).ty.as_int() else {
                continue;
            };
            let (int, widened) = match widened_rust_value(semantic, body, conversion, &to, target) {
                Some(narrow) => (narrow, true),
                None => (int, false),
            };
            let width = int.width(target.pointer_width);
            if width >= target.pointer_width || width <= SMALL_ID_BITS {
                continue;
            }
            first.get_or_insert((int, width, to, widened));
            affected.push(target);
        }
        let Some((int, width, to, widened)) = first else {
            continue;
        };
        let source = format!("{}{width}", if int.signed { "i" } else { "u" });
        let destination = match (cx.written_type(conversion), &to) {
            (Some(written), _) => format!("`{written}`"),
            (None, Ty::Handle(handle)) => format!("`{}`", handle.name),
            (None, _) => "a pointer".to_string(),
        };
        let verb = match (conversion.implicit, widened) {
            (true, _) => "implicitly converted",
            (false, true) => "widened, then converted",
            (false, false) => "converted",
        };
        let extension = if int.signed { "sign-extended" } else { "zero-filled" };
        cx.report(
            Finding::new(
                conversion.span,
                format!("32-bit integer (`{source}`) {verb} to {destination}"),
            )
            .label(format!(
                "the upper 32 bits are {extension} on {}",
                target_list(&affected)
            ))
            .help(
                "keep the value pointer-sized from where it is produced (`usize`/`isize`, `LONG_PTR`, \
                 the `...LongPtr` window functions); a handle value that really arrived as 32 bits from a \
                 32-bit process must be widened on purpose, by sign extension as `LongToHandle` does: \
                 `value as i32 as isize`",
            ),
        );
    }
}

/// In Rust, the 32-bit integer a pointer-sized one converted to a pointer or handle was widened
/// from (`v as u32 as usize as *mut c_void`): its upper half is as lost as if it were cast
/// directly. Sign-extending a signed one into a handle is how `LongToHandle` restores a handle
/// that crossed from a 32-bit process, so that is left alone. In C the `(HANDLE)(ULONG_PTR)`
/// chains are the SDK's own helpers (`UlongToHandle`), written out.
fn widened_rust_value(
    semantic: &Semantic,
    body: &Body,
    conversion: &Conversion,
    to: &Ty,
    target: &Target,
) -> Option<IntTy> {
    if semantic.file.language.is_c_family() {
        return None;
    }
    let narrow = semantic.widened_from(body, &conversion.value, target)?;
    (!narrow.signed || !matches!(to, Ty::Handle(_))).then_some(narrow)
}
