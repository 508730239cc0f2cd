//! `hardcoded-wow6432node`: registry paths that spell out the 32-bit view's reserved node, and
//! calls that ask for both views at once.

use std::collections::HashSet;

use super::{Checker, Rule};
use crate::diagnostic::Finding;
use crate::model::ir::RegistryView;
use crate::source::Span;

pub const RULE: Rule = Rule {
    name: "hardcoded-wow6432node",
    check,
};

fn check(cx: &mut Checker) {
    let file = cx.semantic.file;
    let wow_nodes = &cx.semantic.knowledge().names.registry.wow_nodes;
    let mut reported: HashSet<Span> = HashSet::new();
    for entry in &file.registry {
        if let Some(segment) = entry
            .key
            .iter()
            .find(|s| wow_nodes.iter().any(|node| s.is(node)))
        {
            let span = segment.span.unwrap_or(entry.span);
            if reported.insert(span) {
                let name = segment.name.as_deref().unwrap_or("Wow6432Node");
                cx.report(
                    Finding::new(
                        span,
                        format!("registry path spells out `{name}`, the 32-bit view's reserved node"),
                    )
                    .label("reserved for the registry redirector: its layout is not a contract")
                    .help(
                        "write the path without it and choose the view instead:\n\
                         code: open the key with `KEY_WOW64_32KEY` (winreg: `create_subkey_with_flags`/`open_subkey_with_flags`; `RegDeleteKeyExW` to delete)\n\
                         WiX: mark the component 32-bit (`Win64=\"no\"` in v3, `Bitness=\"always32\"` in v4)\n\
                         .reg: import it into the 32-bit view with `reg import FILE /reg:32`",
                    ),
                );
            }
        }
        if entry.view == RegistryView::Both {
            let span = entry.view_span.unwrap_or(entry.span);
            if reported.insert(span) {
                cx.report(
                    Finding::new(span, "`KEY_WOW64_32KEY` and `KEY_WOW64_64KEY` together")
                        .label("the call fails with ERROR_INVALID_PARAMETER")
                        .help("pass one of them: `KEY_WOW64_32KEY` for the 32-bit view, `KEY_WOW64_64KEY` for the 64-bit view"),
                );
            }
        }
    }
}
