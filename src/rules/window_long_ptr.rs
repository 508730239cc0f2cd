//! `window-long-ptr`: the 32-bit `{Get,Set}{Window,Class}Long` functions used for pointer-sized
//! data; and the pointer-sized functions handed a value already cut to 32 bits, or a 32-bit
//! index name that C headers only define for 32-bit targets.

use std::collections::{HashMap, HashSet};

use super::{Checker, Rule, target_list};
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::knowledge::{Access, SlotFamily, SlotHolds, WindowLongFn, WindowLongIndex};
use crate::model::ir::{CallSite, FileIr, Value};
use crate::source::Span;
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "window-long-ptr",
    check,
};

enum Reason<'k> {
    /// The index names a pointer-sized slot.
    Index(&'k str, &'k WindowLongIndex),
    /// A setter is given a pointer-derived value.
    PointerValue(String),
    /// A getter's 32-bit result is turned into a pointer.
    ResultToPointer,
}

/// The file's conversions and calls in order of where they start, so that those inside one
/// argument are found without looking at all of them: with thousands of `SetWindowLongPtr`
/// calls in one file, that look alone took most of a run.
struct ByStart {
    conversions: Vec<(Span, usize)>,
    calls: Vec<(Span, usize)>,
}

impl ByStart {
    fn new(file: &FileIr) -> ByStart {
        fn sorted(spans: impl Iterator<Item = Span>) -> Vec<(Span, usize)> {
            let mut sorted: Vec<(Span, usize)> = spans.zip(0..).collect();
            sorted.sort_unstable_by_key(|&(span, i)| (span.start, i));
            sorted
        }
        ByStart {
            conversions: sorted(file.conversions.iter().map(|c| c.span)),
            calls: sorted(file.calls.iter().map(|c| c.span)),
        }
    }

    /// The indexes of the spans within `outer`, in no particular order.
    fn inside(sorted: &[(Span, usize)], outer: Span) -> impl Iterator<Item = usize> + '_ {
        let from = sorted.partition_point(|(span, _)| span.start < outer.start);
        sorted[from..]
            .iter()
            .take_while(move |(span, _)| span.start <= outer.end)
            .filter(move |(span, _)| span.end <= outer.end)
            .map(|&(_, i)| i)
    }
}

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    let window_long = &semantic.knowledge().window_long;
    let mut reported: HashSet<Span> = HashSet::new();
    let by_start = ByStart::new(semantic.file);
    for call in &semantic.file.calls {
        let Some(function) = window_long.functions.get(semantic.canonical(&call.callee)) else {
            continue;
        };
        let targets = cx.live_64bit_targets(&call.cond);
        let Some(&target) = targets.first() else {
            continue;
        };
        if function.twin.is_empty() {
            if let Some(misuse) = ptr_misuse(cx, &by_start, call, function, target) {
                reported.insert(call.span);
                report_ptr_misuse(cx, call, misuse, &target_list(&targets));
            }
            continue;
        }
        let index = call.args.get(1).and_then(|arg| match arg.value.without_casts() {
            Value::Global(name) => window_long
                .indexes
                .get_key_value(semantic.canonical(name))
                .map(|(name, index)| (name.as_str(), index)),
            Value::Int(value) => i64::try_from(*value)
                .ok()
                .and_then(|v| window_long.index_by_value(function.family, v)),
            _ => None,
        });
        let reason = match index {
            Some((name, index)) if index.holds == SlotHolds::Pointer && accepts(function.family, index.family) => {
                Some(Reason::Index(name, index))
            }
            // `ctx as *mut _ as i32` is pointer-derived even though the last cast dropped the bits.
            _ if function.access == Access::Set => call.args.get(2).and_then(|arg| {
                let body = &semantic.file.bodies[call.body];
                let origin = arg
                    .value
                    .cast_chain()
                    .find_map(|v| semantic.value_info(body, v, target).origin)?;
                Some(Reason::PointerValue(origin.description))
            }),
            _ => None,
        };
        if let Some(reason) = reason {
            reported.insert(call.span);
            report(cx, call, function, reason, &target_list(&targets));
        }
    }
    // `GetWindowLongW(..) as *mut T` with an index that did not give it away.
    let mut call_at: HashMap<Span, &CallSite> = HashMap::new();
    for call in &semantic.file.calls {
        call_at.entry(call.span).or_insert(call);
    }
    for conversion in &semantic.file.conversions {
        let Value::Call { callee, .. } = &conversion.value else {
            continue;
        };
        let Some(function) = window_long.functions.get(semantic.canonical(callee)) else {
            continue;
        };
        if function.twin.is_empty() || reported.contains(&conversion.value_span) {
            continue;
        }
        let targets = cx.live_64bit_targets(&conversion.cond);
        let converts_to_pointer = targets
            .iter()
            .any(|t| semantic.conversion_target(&conversion.to, t).is_pointer_like());
        let Some(&call) = call_at.get(&conversion.value_span) else {
            continue;
        };
        if converts_to_pointer {
            reported.insert(call.span);
            report(cx, call, function, Reason::ResultToPointer, &target_list(&targets));
        }
    }
}

/// What is wrong with a call of a `...LongPtr` function.
enum PtrMisuse<'k> {
    /// `SetWindowLongPtr(h, GWLP_WNDPROC, (LONG)proc)`: the value is narrowed on the way in,
    /// by the cast (its type's span) or the helper (its call) described.
    NarrowValue {
        what: String,
        cast_type: Option<Span>,
        helper_call: Option<Span>,
    },
    /// `SetWindowLongPtr(h, GWL_USERDATA, ...)`: the 32-bit index name.
    Index(&'k str, &'k WindowLongIndex),
}

fn ptr_misuse<'k>(
    cx: &Checker<'k>,
    by_start: &ByStart,
    call: &CallSite,
    function: &WindowLongFn,
    target: &Target,
) -> Option<PtrMisuse<'k>> {
    let semantic = cx.semantic;
    let window_long = &semantic.knowledge().window_long;
    if let Some(Value::Global(name)) = call.args.get(1).map(|arg| arg.value.without_casts())
        && let Some((name, index)) = window_long.indexes.get_key_value(semantic.canonical(name))
        && !index.twin.is_empty()
        && !index.in_win64_headers
        && accepts(function.family, index.family)
        // Rust bindings export the 32-bit names on every target; only an offset that moves
        // on 64-bit Windows makes them wrong there.
        && (semantic.file.language.is_c_family() || index.twin_value64.is_some())
    {
        return Some(PtrMisuse::Index(name, index));
    }
    if function.access != Access::Set {
        return None;
    }
    let value = call.args.get(2)?;
    let conversions = &semantic.file.conversions;
    // The first in the file's order, as the rule has always reported.
    let narrowing = ByStart::inside(&by_start.conversions, value.span)
        .filter(|&i| {
            let c = &conversions[i];
            // `#ifndef _WIN64 (LONG) #endif`: a cast only 32-bit builds compile narrows nothing.
            !c.implicit
                && c.cond.is_live(target)
                && semantic
                    .conversion_target(&c.to, target)
                    .as_int()
                    .is_some_and(|int| int.width(target.pointer_width) < target.pointer_width)
        })
        .min()
        .map(|i| &conversions[i]);
    if let Some(conversion) = narrowing {
        let written = cx.written_type(conversion).unwrap_or_default();
        return Some(PtrMisuse::NarrowValue {
            what: format!("a cast to `{written}`"),
            cast_type: cx.written(conversion.to_span),
            helper_call: None,
        });
    }
    let helpers = &semantic.knowledge().helpers;
    ByStart::inside(&by_start.calls, value.span)
        .filter(|&i| {
            let helper = &semantic.file.calls[i];
            helper.cond.is_live(target) && helpers.truncate.contains(semantic.canonical(&helper.callee))
        })
        .min()
        .map(|i| &semantic.file.calls[i])
        .map(|helper| PtrMisuse::NarrowValue {
            what: format!("`{}`", helper.callee),
            cast_type: None,
            helper_call: Some(helper.callee_span),
        })
}

fn report_ptr_misuse(cx: &mut Checker, call: &CallSite, misuse: PtrMisuse, targets: &str) {
    let callee = call.callee.as_str();
    let c_family = cx.semantic.file.language.is_c_family();
    let wide = if c_family { "LONG_PTR" } else { "isize" };
    let finding = match misuse {
        PtrMisuse::NarrowValue {
            what,
            cast_type,
            helper_call,
        } => {
            let (edit, replacement) = match (cast_type, helper_call) {
                (Some(span), _) => (Some(span), wide.to_string()),
                (None, Some(span)) if c_family => (Some(span), format!("({wide})")),
                _ => (None, String::new()),
            };
            let mut finding = Finding::new(
                call.span,
                format!("`{callee}` is given a value already truncated to 32 bits by {what}"),
            )
            .label(format!("the upper half is lost before the call on {targets}"))
            .help(format!(
                "the `...LongPtr` functions take a `LONG_PTR`: convert the pointer to `{wide}` directly; a cast to `LONG`, `DWORD` or                  `int`, or `PtrToUlong`/`HandleToULong`, cuts it to 32 bits however deliberate it looks"
            ));
            if let Some(span) = edit {
                let message = format!("convert to `{wide}`");
                let edit = cx.edit(span, replacement);
                finding = finding.fix(Fix::single(message, Applicability::MachineApplicable, edit));
            }
            finding
        }
        PtrMisuse::Index(name, index) => {
            let twin = index.twin.clone();
            let mut finding = Finding::new(
                call.span,
                format!("`{callee}` is given the 32-bit index name `{name}`"),
            )
            .label(format!("use `{twin}` on {targets}"));
            let help = if index.twin_value64.is_some() {
                format!(
                    "`{name}` is the slot's offset on 32-bit Windows only: on 64-bit Windows `{twin}` is a different offset, so this reads or                      writes another slot; use `{twin}`"
                )
            } else {
                format!(
                    "the C headers define `{name}` only for 32-bit targets, so this does not compile for 64-bit Windows; use `{twin}`,                      the index the `...LongPtr` functions are documented with"
                )
            };
            finding = finding.help(help);
            if let Some(span) = call.args.get(1).and_then(|arg| arg.name_span) {
                let applicability = if c_family
                    || cx.in_scope(&twin, &cx.semantic.knowledge().window_long.modules)
                {
                    Applicability::MachineApplicable
                } else {
                    Applicability::MaybeIncorrect
                };
                let message = format!("use `{twin}`");
                finding = finding.fix(Fix::single(message, applicability, cx.edit(span, twin)));
            }
            finding
        }
    };
    cx.report(finding);
}

/// The window functions also serve dialog boxes, whose slots are the DWL_ indexes.
fn accepts(function: SlotFamily, index: SlotFamily) -> bool {
    function == index || (function == SlotFamily::Window && index == SlotFamily::Dialog)
}

fn report(cx: &mut Checker, call: &CallSite, function: &WindowLongFn, reason: Reason, targets: &str) {
    let window_long = &cx.semantic.knowledge().window_long;
    let callee = call.callee.as_str();
    let twin = function.twin.as_str();
    let c_family = cx.semantic.file.language.is_c_family();
    let wide = if c_family { "LONG_PTR" } else { "isize" };
    let message = match &reason {
        Reason::Index(name, _) => match function.access {
            Access::Set => format!("`{callee}` stores the pointer-sized `{name}` slot as a 32-bit LONG"),
            Access::Get => format!("`{callee}` reads the pointer-sized `{name}` slot as a 32-bit LONG"),
        },
        Reason::PointerValue(description) => {
            format!("`{callee}` stores a {description} as a 32-bit LONG")
        }
        Reason::ResultToPointer => format!("the 32-bit result of `{callee}` is converted to a pointer"),
    };

    let mut edits = vec![cx.edit(call.callee_span, twin.to_string())];
    let mut new_names = vec![twin.to_string()];
    let mut safe = true;
    let mut usage = format!("use `{twin}`");
    let mut notes = Vec::new();
    if let Reason::Index(name, index) = &reason
        && !index.twin.is_empty()
    {
        usage.push_str(&format!(" with `{}`", index.twin));
        match call.args.get(1).and_then(|arg| arg.name_span) {
            Some(span) => {
                edits.push(cx.edit(span, index.twin.clone()));
                new_names.push(index.twin.clone());
            }
            None => safe = false,
        }
        if index.twin_value64.is_some() {
            // DWLP_DLGPROC and DWLP_USER move on Win64, and the bindings may not export them.
            safe = false;
        }
        if !index.note.is_empty() {
            notes.push(format!("note: {}", index.note));
        }
        if !c_family
            && (name.starts_with("GWL_") || name.starts_with("GCL_") || name.starts_with("DWL_"))
        {
            notes.push(format!(
                "note: the C headers remove `{name}` on 64-bit targets; Rust bindings still export it, so this compiles and truncates"
            ));
        }
    }
    usage.push_str(if c_family {
        ", which take and return `LONG_PTR`"
    } else {
        ", which take and return `isize` (LONG_PTR)"
    });

    // The Ptr functions take and return `isize`: a 32-bit cast on the value must widen too,
    // and a getter's result must flow straight into a conversion for the rename to type-check.
    match function.access {
        Access::Set => match call.args.get(2) {
            Some(arg) => match cx
                .semantic
                .file
                .conversions
                .iter()
                .find(|c| c.span == arg.span)
                .and_then(|c| cx.written(c.to_span))
            {
                Some(span) => edits.push(cx.edit(span, wide.to_string())),
                None => safe &= arg.value.is_literal(),
            },
            None => safe = false,
        },
        Access::Get => {
            safe &= cx
                .semantic
                .file
                .conversions
                .iter()
                .any(|c| c.value_span == call.span);
        }
    }

    // C and C++ see every name their headers declare.
    let missing: Vec<&String> = new_names
        .iter()
        .filter(|name| !c_family && !call.qualified && !cx.in_scope(name, &window_long.modules))
        .collect();
    if !missing.is_empty() {
        safe = false;
        let names = missing
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        match cx.import_module_of(callee) {
            Some(module) => notes.push(format!("import {names} from `{module}`")),
            None => notes.push(format!("bring {names} into scope")),
        }
    }

    cx.report(
        Finding::new(call.span, message)
            .label(format!("truncated to 32 bits on {targets}"))
            .help(std::iter::once(usage).chain(notes).collect::<Vec<_>>().join("\n"))
            .fix(Fix {
                message: format!("call `{twin}`"),
                applicability: if safe {
                    Applicability::MachineApplicable
                } else {
                    Applicability::MaybeIncorrect
                },
                edits,
            }),
    );
}
