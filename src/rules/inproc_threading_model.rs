//! `inproc-threading-model`: an in-process server registered without a `ThreadingModel`, or
//! with one COM does not know.

use std::collections::HashMap;

use super::{Checker, Rule};
use crate::diagnostic::Finding;
use crate::model::ir::{RegistryAction, RegistryEntry};

pub const RULE: Rule = Rule {
    name: "inproc-threading-model",
    check,
};

/// The `InprocServer32` key an entry writes to or under, as comparable names.
fn server_key(entry: &RegistryEntry) -> Option<Vec<Option<String>>> {
    if entry.action != RegistryAction::Write {
        return None;
    }
    let classes = entry.classes_path()?;
    let (_, server) = classes.class_server()?;
    if !server.is("InprocServer32") || classes.path.len() != 3 {
        return None;
    }
    let mut key: Vec<Option<String>> = classes
        .path
        .iter()
        .map(|s| s.name.as_ref().map(|n| n.to_ascii_lowercase()))
        .collect();
    key.push(Some(format!("{:?}/{}", entry.view, classes.through_wow_node)));
    Some(key)
}

fn check(cx: &mut Checker) {
    let file = cx.semantic.file;
    let known = &cx.semantic.knowledge().names.registry.threading_models;
    let listed = known.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
    // Each server key, in order of its first entry, with its `ThreadingModel` values.
    let mut keys: Vec<(&RegistryEntry, Vec<&RegistryEntry>)> = Vec::new();
    let mut index: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    for entry in &file.registry {
        let Some(key) = server_key(entry) else {
            continue;
        };
        let slot = *index.entry(key).or_insert_with(|| {
            keys.push((entry, Vec::new()));
            keys.len() - 1
        });
        if entry.sets_value("ThreadingModel") {
            keys[slot].1.push(entry);
        }
    }
    for (entry, models) in keys {
        if models.is_empty() {
            cx.report(
                Finding::new(entry.span, "in-process server registered without a `ThreadingModel`")
                    .label("COM loads it into the process's main single-threaded apartment")
                    .help(format!(
                        "add a `ThreadingModel` value to `InprocServer32`: one of {}, as the server's objects are written for (`Apartment` for single-threaded objects, `Both` for thread-safe ones)",
                        listed
                    )),
            );
            continue;
        }
        for model in models {
            let Some(value) = model.value.as_ref().and_then(|v| v.data.as_deref()) else {
                continue;
            };
            if known.iter().any(|m| m.eq_ignore_ascii_case(value)) {
                continue;
            }
            let span = model.value.as_ref().map_or(model.span, |v| v.span);
            cx.report(
                Finding::new(span, format!("`ThreadingModel` is `{value}`, which COM does not know"))
                    .label("COM treats it as missing and loads the server into the main single-threaded apartment")
                    .help(format!(
                        "use one of {listed}"
                    )),
            );
        }
    }
}
