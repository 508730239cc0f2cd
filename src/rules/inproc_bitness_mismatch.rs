//! `inproc-bitness-mismatch`: an in-process server registered in the registry view of the
//! other bitness, and clients that ask for an in-process server only the other bitness has.

use rustc_hash::FxHashMap as HashMap;

use super::{Checker, Rule, target_list};
use crate::diagnostic::Finding;
use crate::model::ir::{ClsidRef, ComActivation, Guid, RegistryEntry, RegistryView};
use crate::model::registry::InprocRegistration;
use crate::target::Target;

pub const RULE: Rule = Rule {
    name: "inproc-bitness-mismatch",
    check,
};

const CLSCTX_INPROC_SERVER: u64 = 0x1;
const CLSCTX_LOCAL_SERVER: u64 = 0x4;
const CLSCTX_REMOTE_SERVER: u64 = 0x10;

fn check(cx: &mut Checker) {
    for entry in &cx.semantic.file.registry {
        check_registration(cx, entry);
    }
    for activation in &cx.semantic.file.activations {
        check_activation(cx, activation);
    }
}

/// The server path an entry registers: the default value of `CLSID\{clsid}\InprocServer32`.
fn registered_server(entry: &RegistryEntry) -> Option<&str> {
    let classes = entry.classes_path()?;
    let (_, server) = classes.class_server()?;
    if !server.is("InprocServer32") || classes.path.len() != 3 || !entry.sets_value("") {
        return None;
    }
    entry.value.as_ref()?.data.as_deref()
}

fn check_registration(cx: &mut Checker, entry: &RegistryEntry) {
    let semantic = cx.semantic;
    let Some(path) = registered_server(entry) else {
        return;
    };
    let Some((dll_bits, binaries)) = semantic.registered_bits(path) else {
        return;
    };
    let targets: Vec<&Target> = semantic.live_targets(&entry.cond).collect();
    let wrong: Vec<&Target> = targets
        .iter()
        .copied()
        .filter(|t| entry.view_bits(t.pointer_width).is_some_and(|v| v != dll_bits))
        .collect();
    let Some(first) = wrong.first() else {
        return;
    };
    let view_bits = entry.view_bits(first.pointer_width).unwrap_or(dll_bits);
    let span = entry.value.as_ref().map_or(entry.span, |v| v.span);
    let clsid = entry
        .classes_path()
        .and_then(|c| c.class_server())
        .and_then(|(clsid, _)| clsid.name.clone())
        .unwrap_or_else(|| "{...}".to_string());
    let whose = if entry.view == RegistryView::Process {
        format!(" (code built for {})", target_list(&wrong))
    } else {
        String::new()
    };
    let mut finding = Finding::new(
        span,
        format!(
            "{dll_bits}-bit DLL registered as the in-process server of {clsid} in the {view_bits}-bit registry view{whose}"
        ),
    )
    .label(format!(
        "{view_bits}-bit clients find it here and cannot load a {dll_bits}-bit DLL"
    ))
    .help(format!(
        "register the DLL in the {dll_bits}-bit view instead: in code open the key with `KEY_WOW64_{dll_bits}KEY`; in WiX put it in a {dll_bits}-bit component ({}); for a .reg file, `reg import FILE /reg:{dll_bits}`\nor {}",
        if dll_bits == 64 {
            "`Win64=\"yes\"`, `Bitness=\"always64\"`"
        } else {
            "`Win64=\"no\"`, `Bitness=\"always32\"`"
        },
        surrogate_help(&clsid)
    ));
    for binary in binaries {
        finding = finding.secondary(
            binary.file,
            binary.span(),
            format!("`{}` is a {}", binary.location.display, binary.info.summary()),
        );
    }
    cx.report(finding);
}

/// The context's bits, when every part of it is known.
fn context_bits(clsctx: &HashMap<String, u64>, activation: &ComActivation) -> Option<u64> {
    let context = &activation.context;
    if context.opaque {
        return None;
    }
    let mut bits = context.bits;
    for name in &context.names {
        bits |= clsctx.get(name)?;
    }
    Some(bits)
}

fn check_activation(cx: &mut Checker, activation: &ComActivation) {
    let semantic = cx.semantic;
    let Some(bits) = context_bits(&semantic.knowledge().names.clsctx, activation) else {
        return;
    };
    // Out-of-process servers are found whatever the bitness: only in-process-only requests fail.
    if bits & CLSCTX_INPROC_SERVER == 0 || bits & (CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER) != 0
    {
        return;
    }
    let com = semantic.com();
    let mut failing: Vec<&Target> = Vec::new();
    let mut only: Option<(Guid, u32, Vec<InprocRegistration>)> = None;
    for target in semantic.live_targets(&activation.cond) {
        let clsid = match &activation.clsid {
            ClsidRef::Guid(guid) => Some(*guid),
            ClsidRef::Named(name) => semantic.guid(name, target),
            ClsidRef::Unknown => None,
        };
        let Some(clsid) = clsid else {
            continue;
        };
        let servers = com.inproc_servers(clsid);
        if servers.is_empty() || com.has_surrogate(clsid) {
            continue;
        }
        let bits: Option<Vec<u32>> = servers
            .iter()
            .map(|server| server_bits(cx, server, target))
            .collect();
        let Some(bits) = bits else {
            continue;
        };
        if bits.iter().all(|&b| b != target.pointer_width) {
            failing.push(target);
            only = Some((clsid, bits[0], servers.to_vec()));
        }
    }
    let Some((clsid, server_bits, servers)) = only else {
        return;
    };
    let mut finding = Finding::new(
        activation.span,
        format!(
            "`{}` asks only for an in-process server of {clsid}, which this tree registers only for {server_bits}-bit processes",
            activation.api
        ),
    )
    .label(format!(
        "fails with REGDB_E_CLASSNOTREG in a process built for {}",
        target_list(&failing)
    ))
    .help(surrogate_help(&clsid.to_string()));
    for server in servers {
        finding = finding.secondary(
            server.file,
            server.entry.span,
            format!("registered here for {server_bits}-bit processes"),
        );
    }
    cx.report(finding);
}

/// The bitness of the processes a registration serves: its DLL's machine when the tree holds
/// the DLL, else the view it is written to (code writing its own view serves its own bitness).
fn server_bits(cx: &Checker, server: &InprocRegistration, target: &Target) -> Option<u32> {
    let semantic = cx.semantic.model.semantic_of(server.file);
    if let Some((bits, _)) = server.server().and_then(|p| semantic.registered_bits(p)) {
        return Some(bits);
    }
    server.entry.view_bits(target.pointer_width)
}

/// The out-of-process remedy, as text to paste.
fn surrogate_help(clsid: &str) -> String {
    format!(
        "let the system surrogate (dllhost) host the DLL out of process and activate it with `CLSCTX_LOCAL_SERVER`:\n\
         \n\
         [HKEY_CLASSES_ROOT\\CLSID\\{clsid}]\n\
         \"AppID\"=\"{clsid}\"\n\
         \n\
         [HKEY_CLASSES_ROOT\\AppID\\{clsid}]\n\
         \"DllSurrogate\"=\"\"\n\
         \n\
         and in the client pass `CLSCTX_LOCAL_SERVER` as the context of `CoCreateInstance`/`CoGetClassObject`, in place of `CLSCTX_INPROC_SERVER`"
    )
}
