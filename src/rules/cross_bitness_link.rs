//! `cross-bitness-link`: a library the build links, or a directory it searches, that holds
//! binaries of another machine than the target; and, as warnings, vendored binaries whose
//! machine contradicts their folder or the sibling of the same name.

use std::path::Path;

use super::{Checker, Rule, target_list};
use crate::diagnostic::{Finding, Level};
use crate::model::ir::{BinaryInfo, BinaryKind, LinkKind, LinkSite};
use crate::model::machine::{arch_label, folder_arch};
use crate::model::tree::{BinaryRef, listing};
use crate::target::Arch;

pub const RULE: Rule = Rule {
    name: "cross-bitness-link",
    check,
};

const ARCHES: [Arch; 5] = [
    Arch::X86,
    Arch::X86_64,
    Arch::Aarch64,
    Arch::Arm64ec,
    Arch::Arm,
];

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    for site in &semantic.file.links {
        match site.kind {
            LinkKind::SearchDir => search_dir(cx, site),
            _ => library(cx, site),
        }
    }
    if let Some(info) = &semantic.file.binary {
        folder(cx, info);
        siblings(cx, info);
    }
}

fn library(cx: &mut Checker, site: &LinkSite) {
    let semantic = cx.semantic;
    let (affected, binaries) = semantic.unusable_binaries(&site.cond, |t| semantic.resolve_link(site, t));
    let Some(&first) = affected.first() else {
        return;
    };
    let targets = target_list(&affected);
    let found = match binaries.as_slice() {
        [one] => format!("`{}` is a {}", one.location.display, one.info.summary()),
        _ => format!("the libraries it may find are all for another machine: {}", listing(&binaries)),
    };
    let (message, label) = match site.kind {
        LinkKind::RawDylib => (
            format!("{found}: a program built for {targets} binds to it at start-up and cannot load it"),
            format!("the program fails to start (0xC000007B) on {targets}"),
        ),
        _ => (
            format!("{found}: a build for {targets} cannot link it"),
            format!("the linker skips or rejects it (machine type conflict) on {targets}"),
        ),
    };
    let mut finding = Finding::new(site.span, message).label(label).help(format!(
        "link the {} build of the library for {}: keep one folder per machine (`lib/x86`, \
         `lib/x64`, `lib/arm64`) and choose it by target: in build.rs from \
         `CARGO_CFG_TARGET_ARCH`, in C and C++ under `#ifdef _M_X64`, `_M_IX86`, `_M_ARM64`",
        arch_label(first.arch),
        first.triple
    ));
    for binary in &binaries {
        finding = finding.secondary(binary.file, binary.span(), format!("its headers: {}", binary.info.describe()));
    }
    cx.report(finding);
}

/// Binaries a linker may take from a search directory.
fn linkable(binary: &BinaryRef) -> bool {
    !matches!(
        binary.info.kind,
        BinaryKind::Executable | BinaryKind::Driver
    )
}

fn search_dir(cx: &mut Checker, site: &LinkSite) {
    let semantic = cx.semantic;
    let (affected, binaries) = semantic.unusable_binaries(&site.cond, |t| {
        semantic
            .search_dir(site, t)
            .map(|(_, binaries)| binaries.into_iter().filter(linkable).collect())
            .unwrap_or_default()
    });
    let Some(&first) = affected.first() else {
        return;
    };
    let targets = target_list(&affected);
    let dir = binaries
        .first()
        .and_then(|b| Path::new(&b.location.display).parent())
        .map_or(String::new(), |d| d.to_string_lossy().into_owned());
    let machines = {
        let mut names: Vec<String> = binaries.iter().map(|b| b.info.arch_names()).collect();
        names.sort();
        names.dedup();
        names.join(" and ")
    };
    let finding = Finding::new(
        site.span,
        format!("link-search directory `{dir}` holds only {machines} binaries: a build for {targets} can link none of them"),
    )
    .label(format!("searched by the linker on {targets}"))
    .help(format!(
        "search the {} folder on {}: choose the directory in build.rs from `CARGO_CFG_TARGET_ARCH`",
        arch_label(first.arch),
        first.triple
    ));
    cx.report(finding);
}

/// A binary under `x64/`, `win32/`, `arm64/`... that is not for that machine.
fn folder(cx: &mut Checker, info: &BinaryInfo) {
    let Some(location) = cx.semantic.location() else {
        return;
    };
    let inside = location
        .path
        .strip_prefix(&location.lint_root)
        .unwrap_or(&location.path);
    // The innermost folder that names a machine: `deps/win32/x64/` is an x64 folder.
    let Some((folder, arch)) = inside
        .parent()
        .map(Path::components)
        .into_iter()
        .flat_map(Iterator::rev)
        .find_map(|c| {
            let name = c.as_os_str().to_string_lossy().into_owned();
            folder_arch(&name).map(|arch| (name, arch))
        })
    else {
        return;
    };
    if info.usable_by(arch) != Some(false) {
        return;
    }
    cx.report(
        Finding::new(
            info.description_span(),
            format!(
                "`{}` is a {} in `{folder}/`, a folder for {} binaries",
                file_name(&location.path),
                info.summary(),
                arch_label(arch)
            ),
        )
        .level(Level::Warning)
        .label("what its headers say")
        .help(format!(
            "put the {} build here, or move this one to the folder of its machine; code that picks the folder by target gets the wrong binary",
            arch_label(arch)
        )),
    );
}

/// `foo.dll` and `foo.lib` side by side whose machines have nothing in common.
fn siblings(cx: &mut Checker, info: &BinaryInfo) {
    let Some(location) = cx.semantic.location() else {
        return;
    };
    let clashing: Vec<BinaryRef> = cx
        .semantic
        .siblings()
        .into_iter()
        .filter(|other| share_a_machine(info, other.info) == Some(false))
        .collect();
    if clashing.is_empty() {
        return;
    }
    let name = file_name(&location.path);
    let others: Vec<String> = clashing
        .iter()
        .map(|other| {
            format!(
                "`{}` beside it is {}",
                file_name(&other.location.path),
                other.info.arch_names()
            )
        })
        .collect();
    let mut finding = Finding::new(
        info.description_span(),
        format!(
            "`{name}` is a {}, but {}: the folder mixes machines",
            info.summary(),
            others.join(", and ")
        ),
    )
    .level(Level::Warning)
    .label("what its headers say")
    .help("keep the DLL, its import library and its tools of one machine together, one folder per machine");
    for other in &clashing {
        finding = finding.secondary(other.file, other.span(), other.info.describe());
    }
    cx.report(finding);
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// Whether some process could use both; `None` when the headers cannot tell.
fn share_a_machine(a: &BinaryInfo, b: &BinaryInfo) -> Option<bool> {
    let mut verdict = Some(false);
    for arch in ARCHES {
        match (a.usable_by(arch), b.usable_by(arch)) {
            (Some(true), Some(true)) => return Some(true),
            (None, _) | (_, None) => verdict = None,
            _ => {}
        }
    }
    verdict
}
