//! `cross-bitness-load`: a library loaded at run time whose binary in the tree is built for a
//! machine the target's process cannot load.

use super::{Checker, Rule, target_list};
use crate::diagnostic::Finding;
use crate::model::machine::arch_label;
use crate::model::tree::{BinaryRef, listing};
use crate::target::{Arch, Target};

pub const RULE: Rule = Rule {
    name: "cross-bitness-load",
    check,
};

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    for site in &semantic.file.loads {
        if !semantic.load_runs_code(site) {
            continue;
        }
        let (affected, binaries) = semantic.unusable_binaries(&site.cond, |t| semantic.resolve_load(site, t));
        let Some(&first) = affected.first() else {
            continue;
        };
        let targets = target_list(&affected);
        let message = match binaries.as_slice() {
            [one] => format!(
                "`{}` is a {}: a process built for {targets} cannot load it",
                one.location.display,
                one.info.summary()
            ),
            _ => format!(
                "none of the binaries this load may find loads into a process built for {targets}: {}",
                listing(&binaries)
            ),
        };
        let mut finding = Finding::new(site.name_span, message)
            .label(format!(
                "`{}` fails with ERROR_BAD_EXE_FORMAT (193) on {targets}",
                site.api
            ))
            .help(remedy(&binaries, first));
        for binary in &binaries {
            finding = finding.secondary(binary.file, binary.span(), format!("its headers: {}", binary.info.describe()));
        }
        cx.report(finding);
    }
}

/// The two remedies: a build for the target's machine, or the DLL out of process behind COM.
fn remedy(binaries: &[BinaryRef], target: &Target) -> String {
    let mut lines = vec![format!(
        "ship an {} build of the DLL for {}",
        arch_label(target.arch),
        target.triple
    )];
    let dll_bits = binaries.first().and_then(|b| b.info.bits());
    if dll_bits == Some(target.pointer_width) && target.arch != Arch::Arm {
        lines.push(
            "note: an ARM64X build loads into ARM64, x64 and ARM64EC processes alike".to_string(),
        );
    }
    if let Some(bits) = dll_bits.filter(|&b| b != target.pointer_width) {
        lines.push(format!(
            "or keep the {bits}-bit DLL out of process and call it over COM: register it with the \
             {bits}-bit regsvr32, give its CLSID an AppID whose `DllSurrogate` value is empty so \
             that the system surrogate (dllhost.exe) hosts it, and create it with \
             `CLSCTX_LOCAL_SERVER | CLSCTX_ACTIVATE_{bits}_BIT_SERVER`; the registry lines, for \
             `reg import surrogate.reg /reg:{bits}`:"
        ));
        lines.push("    [HKEY_CLASSES_ROOT\\CLSID\\{your-clsid}]".to_string());
        lines.push("    \"AppID\"=\"{your-appid}\"".to_string());
        lines.push("    [HKEY_CLASSES_ROOT\\AppID\\{your-appid}]".to_string());
        lines.push("    \"DllSurrogate\"=\"\"".to_string());
    }
    lines.join("\n")
}
