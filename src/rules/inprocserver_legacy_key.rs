//! `inprocserver-legacy-key`: an in-process server registered under `InprocServer` (or an
//! invented `InprocServer64`) instead of `InprocServer32`.

use std::collections::HashSet;

use super::{Checker, Rule};
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::model::ir::RegistryAction;
use crate::source::Span;

pub const RULE: Rule = Rule {
    name: "inprocserver-legacy-key",
    check,
};

const SERVER_KEY: &str = "InprocServer32";

/// `InprocServer` and `InprocServer<digits>` other than 32.
fn is_legacy(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.strip_prefix("inprocserver").is_some_and(|digits| {
        digits != "32" && digits.chars().all(|c| c.is_ascii_digit())
    })
}

fn check(cx: &mut Checker) {
    let file = cx.semantic.file;
    let mut reported: HashSet<Span> = HashSet::new();
    for entry in &file.registry {
        // Deleting the old key during clean-up is right; renaming it would delete the real one.
        if entry.action == RegistryAction::Delete {
            continue;
        }
        let Some(classes) = entry.classes_path() else {
            continue;
        };
        let Some((clsid, server)) = classes.class_server() else {
            continue;
        };
        let Some(name) = server.name.as_deref().filter(|n| is_legacy(n)) else {
            continue;
        };
        let span = server.span.unwrap_or(entry.span);
        if !reported.insert(span) {
            continue;
        }
        // The class may already have the right key here: renaming would then merge two keys.
        let has_server_key = file.registry.iter().any(|other| {
            other.classes_path().and_then(|c| c.class_server()).is_some_and(|(c, s)| {
                s.is(SERVER_KEY) && c.name.is_some() && c.name == clsid.name
            })
        });
        let what = if name.eq_ignore_ascii_case("InprocServer") {
            "the 16-bit-era `InprocServer` key, which 64-bit Windows ignores"
        } else {
            "a key COM never reads"
        };
        let mut finding = Finding::new(
            span,
            format!("in-process server registered under `{name}`: {what}"),
        )
        .label("COM looks for `InprocServer32` here")
        .help(
            "name the key `InprocServer32`: the same name serves 32- and 64-bit DLLs, each registered in the registry view of its own bitness",
        );
        if let Some(at) = server.span {
            let applicability = if has_server_key {
                Applicability::MaybeIncorrect
            } else {
                Applicability::MachineApplicable
            };
            let message = format!("rename `{name}` to `{SERVER_KEY}`");
            let edit = cx.edit(at, SERVER_KEY.to_string());
            finding = finding.fix(Fix::single(message, applicability, edit));
        }
        cx.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::is_legacy;

    #[test]
    fn legacy_names() {
        assert!(is_legacy("InprocServer"));
        assert!(is_legacy("inprocserver64"));
        assert!(!is_legacy("InprocServer32"));
        assert!(!is_legacy("InprocHandler32"));
        assert!(!is_legacy("InprocServerX"));
    }
}
