//! `handle-truncation`: a pointer or pointer-sized handle narrowed to a 32-bit (or smaller) integer.

use super::{Checker, Rule, target_list};
use crate::diagnostic::{Applicability, Edit, Finding, Fix, Level};
use crate::model::Origin;
use crate::model::ir::Slot;
use crate::model::ty::{HandleKind, IntTy};
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "handle-truncation",
    check,
};

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    for conversion in &semantic.file.conversions {
        // `LOWORD(hkl as u32)`: only part of the value is wanted.
        if let Some(Slot::Arg { callee, .. }) = &conversion.destination
            && semantic.knowledge().mask_functions.contains(semantic.canonical(callee))
        {
            continue;
        }
        let body = &semantic.file.bodies[conversion.body];
        let mut first: Option<(Origin, IntTy, u32)> = None;
        let mut affected: Vec<&Target> = Vec::new();
        for target in cx.live_64bit_targets(&conversion.cond) {
            let Some(int) = semantic.conversion_target(&conversion.to, target).as_int() else {
                continue;
            };
            let width = int.width(target.pointer_width);
            if width >= target.pointer_width {
                continue;
            }
            let Some(origin) = semantic.value_info(body, &conversion.value, target).origin else {
                continue;
            };
            first.get_or_insert((origin, int, width));
            affected.push(target);
        }
        let Some((origin, int, width)) = first else {
            continue;
        };
        let written = match conversion.to_span {
            Some(span) => format!("`{}`", cx.text(span)),
            None => format!("`{}{width}` (inferred)", if int.signed { "i" } else { "u" }),
        };
        let level = match origin.kind {
            HandleKind::Address => Level::Error,
            HandleKind::Shared => Level::Warning,
        };
        let help = match origin.kind {
            HandleKind::Address => format!(
                "this {} is an address that can lie above 4 GiB on 64-bit Windows: keep it in its own type or in `{}`",
                origin.description,
                int.pointer_sized_name()
            ),
            HandleKind::Shared => format!(
                "Windows keeps only the low 32 bits of this {} significant between 32- and 64-bit processes, so narrowing may be deliberate; \
                 if so, do it in one helper named for the intent (like C's `HandleToULong`), otherwise keep the value in `{}`",
                origin.description,
                int.pointer_sized_name()
            ),
        };
        let mut finding = Finding::new(
            conversion.span,
            format!("{} truncated to {written}", origin.description),
        )
        .level(level)
        .label(format!(
            "{width} bits on {}, where pointers are 64",
            target_list(&affected)
        ))
        .help(help);
        if let Some(span) = conversion.to_span {
            finding = finding.fix(Fix {
                message: format!("convert to `{}` instead", int.pointer_sized_name()),
                applicability: Applicability::MaybeIncorrect,
                edits: vec![Edit {
                    file: cx.file,
                    span,
                    replacement: int.pointer_sized_name().to_string(),
                }],
            });
        }
        cx.report(finding);
    }
}
