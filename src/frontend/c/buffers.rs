//! Text buffers C code fills before it names a key with them: `wsprintf`-style formatting,
//! `wcscpy`/`wcscat` and `StringFromGUID2`.

use tree_sitter::Node;

use super::lower::Lowerer;
use super::registry::{Held, clsid_of, definite_text, out_local, text_of};
use crate::frontend::registry::text::MappedText;
use crate::frontend::text_names::names;
use crate::model::ir::ClsidRef;
use crate::source::Span;

/// The text `StringFromGUID2` writes for a class: its registry spelling, when the GUID is known
/// in this file.
fn guid_text(l: &Lowerer, node: Node) -> MappedText {
    let guid = match clsid_of(l, node, 0) {
        ClsidRef::Guid(guid) => Some(guid),
        ClsidRef::Named(name) => {
            l.ir.guids
                .iter()
                .rev()
                .find(|g| g.name == name)
                .map(|g| g.guid)
        }
        ClsidRef::Unknown => None,
    };
    guid.map_or_else(MappedText::unknown, |g| MappedText::plain(&g.to_string()))
}

/// The functions that write text into a local buffer: formatting, copying, appending, and
/// `StringFromGUID2(rclsid, buffer, size)`/`StringFromCLSID(rclsid, &text)`. Whether the call
/// is one of them.
pub(super) fn fill_buffer(l: &mut Lowerer, callee: &str, args: &[Node]) -> bool {
    if matches!(
        callee,
        "StringFromGUID2" | "StringFromCLSID" | "StringFromIID"
    ) && let (Some(&class), Some(&out)) = (args.first(), args.get(1))
        && let Some(id) = out_local(l, out)
    {
        let text = guid_text(l, class);
        l.registry.locals.insert((l.body, id), Held::Text(text));
        return true;
    }
    let Some(buffer) = args.first().and_then(|arg| out_local(l, *arg)) else {
        return false;
    };
    let rest = args.get(1..).unwrap_or_default();
    // The first text after the buffer: sizes and counts come between them, never text.
    let first_text = || {
        rest.iter()
            .enumerate()
            .find_map(|(i, arg)| definite_text(l, *arg).map(|t| (i, t)))
    };
    let written = if names().c.formatters.contains(callee) {
        first_text().map_or_else(MappedText::unknown, |(i, template)| {
            format_text(l, &template, &rest[i + 1..])
        })
    } else if names().c.copiers.contains(callee) {
        first_text().map_or_else(MappedText::unknown, |(_, t)| t)
    } else if names().c.appenders.contains(callee) {
        let appended = first_text().map_or_else(MappedText::unknown, |(_, t)| t);
        // Taken out of the map rather than copied: a buffer appended to in thousands of
        // statements is then extended in place, not copied whole by each of them.
        let mut text = match l.registry.locals.remove(&(l.body, buffer)) {
            Some(Held::Text(text)) => text.without_nul(),
            _ => MappedText::unknown(),
        };
        text.append(appended);
        text
    } else {
        return false;
    };
    l.registry
        .locals
        .insert((l.body, buffer), Held::Text(written));
    true
}

/// A `printf` template with its arguments put in: `%s`-style conversions take the argument's
/// text, any other conversion is only known at run time.
fn format_text(l: &Lowerer, template: &MappedText, args: &[Node]) -> MappedText {
    let chars: Vec<Option<(char, Option<Span>)>> = template.clone().without_nul().chars().collect();
    let mut args = args.iter();
    let mut out = MappedText::default();
    let mut i = 0;
    while i < chars.len() {
        let Some((ch, at)) = chars[i] else {
            out.push_unknown();
            i += 1;
            continue;
        };
        i += 1;
        if ch != '%' {
            out.push(ch, at);
            continue;
        }
        if let Some(Some(('%', _))) = chars.get(i) {
            out.push('%', None);
            i += 1;
            continue;
        }
        // Flags, width, precision and length, up to the conversion letter.
        let mut conversion = None;
        while let Some(Some((c, _))) = chars.get(i) {
            i += 1;
            if *c == '*' {
                args.next();
            } else if c.is_ascii_alphabetic() && !"hlLwIjzt".contains(*c) {
                conversion = Some(*c);
                break;
            }
        }
        let arg = args.next();
        match conversion {
            Some('s' | 'S') => out.append(
                arg.and_then(|a| text_of(l, *a))
                    .map(MappedText::without_nul)
                    .unwrap_or_else(MappedText::unknown),
            ),
            _ => out.push_unknown(),
        }
    }
    out
}
