//! `wow64-path`: a hard-coded `System32`, `SysWOW64`, `SysArm32`, `Sysnative` or
//! `Program Files (x86)` path in a library load, or in a path string in the same function.
//! The file system redirector and the folder layout of 64-bit Windows make such paths mean
//! different things, or nothing, depending on the bitness of the process.

use super::{Checker, Rule, target_list};
use crate::diagnostic::Finding;
use crate::model::ir::{BodyId, TextPart};
use crate::source::Span;
use crate::target::{Arch, Target};

pub const RULE: Rule = Rule {
    name: "wow64-path",
    check,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Folder {
    System32,
    SysWow64,
    SysArm32,
    Sysnative,
    ProgramFilesX86,
}

impl Folder {
    fn of_component(component: &str) -> Option<Folder> {
        Some(match component.trim().to_ascii_lowercase().as_str() {
            "system32" => Folder::System32,
            "syswow64" => Folder::SysWow64,
            "sysarm32" => Folder::SysArm32,
            "sysnative" => Folder::Sysnative,
            "program files (x86)" | "%programfiles(x86)%" | "%programfiles(x86)" => {
                Folder::ProgramFilesX86
            }
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Folder::System32 => "System32",
            Folder::SysWow64 => "SysWOW64",
            Folder::SysArm32 => "SysArm32",
            Folder::Sysnative => "Sysnative",
            Folder::ProgramFilesX86 => "Program Files (x86)",
        }
    }

    /// Whether the path misleads a process built for the target.
    fn misleads(self, target: &Target) -> bool {
        match self {
            Folder::System32 => !target.is_64bit(),
            Folder::SysWow64 => true,
            Folder::SysArm32 => target.arch != Arch::Arm,
            Folder::Sysnative | Folder::ProgramFilesX86 => target.is_64bit(),
        }
    }

    fn why(self, target: &Target) -> &'static str {
        match self {
            Folder::System32 => {
                "the file system redirector sends a 32-bit process's `System32` to `SysWOW64` (or `SysArm32`), where the 32-bit DLLs are"
            }
            Folder::SysWow64 if target.is_64bit() => {
                "`SysWOW64` holds the 32-bit x86 system DLLs, which a 64-bit process cannot load"
            }
            Folder::SysWow64 => {
                "`SysWOW64` exists only on 64-bit Windows, where the redirector already sends a 32-bit process's `System32` there"
            }
            Folder::SysArm32 => "`SysArm32` holds 32-bit ARM DLLs, which only ARM32 processes load",
            Folder::Sysnative => {
                "`Sysnative` is an alias that exists only for 32-bit processes: a 64-bit process finds nothing there"
            }
            Folder::ProgramFilesX86 => {
                "`Program Files (x86)` holds 32-bit software, whose DLLs a 64-bit process cannot load"
            }
        }
    }
}

const HELP: &str = "ask Windows for the folder instead of spelling it: `GetSystemDirectoryW` \
    (the process's own system folder), `GetSystemWow64Directory2W` with the machine you need, \
    `SHGetKnownFolderPath` with `FOLDERID_System`, `FOLDERID_SystemX86`, `FOLDERID_ProgramFiles` \
    or `FOLDERID_ProgramFilesX86`, and `IsWow64Process2` to learn the process and native \
    machines; load a system DLL by its bare name with `LOAD_LIBRARY_SEARCH_SYSTEM32`";

/// The folders a path text names, as whole components.
fn folders_in(text: &str) -> Vec<Folder> {
    let mut folders = Vec::new();
    for component in text.split(['\\', '/']) {
        if let Some(folder) = Folder::of_component(component)
            && !folders.contains(&folder)
        {
            folders.push(folder);
        }
    }
    folders
}

fn check(cx: &mut Checker) {
    let semantic = cx.semantic;
    let file = semantic.file;
    // Where a folder is spelled in a literal beside the load, the literal is reported, not
    // every load its text flows into.
    let mut spelled: Vec<(BodyId, Folder)> = Vec::new();
    for literal in &file.path_literals {
        if !file.loads.iter().any(|load| load.body == literal.body) {
            continue;
        }
        let targets: Vec<&Target> = semantic.live_targets(&literal.cond).collect();
        let folders = folders_in(&literal.text);
        if let Some(folder) = report(cx, literal.span, &folders, &targets) {
            spelled.push((literal.body, folder));
        }
    }
    for site in &file.loads {
        let targets: Vec<&Target> = semantic.live_targets(&site.cond).collect();
        let Some(&first) = targets.first() else {
            continue;
        };
        let folders: Vec<Folder> = semantic
            .text_parts(&site.name, first)
            .iter()
            .filter_map(|part| match part {
                TextPart::Literal(text) => Some(folders_in(text)),
                _ => None,
            })
            .flatten()
            .filter(|folder| !spelled.contains(&(site.body, *folder)))
            .collect();
        report(cx, site.name_span, &folders, &targets);
    }
}

/// Reports the first folder that misleads a target, and returns it.
fn report(cx: &mut Checker, span: Span, folders: &[Folder], targets: &[&Target]) -> Option<Folder> {
    for &folder in folders {
        let affected: Vec<&Target> = targets
            .iter()
            .copied()
            .filter(|t| folder.misleads(t))
            .collect();
        let Some(first) = affected.first() else {
            continue;
        };
        cx.report(
            Finding::new(
                span,
                format!(
                    "hard-coded `{}` path: {}",
                    folder.name(),
                    folder.why(first)
                ),
            )
            .label(format!("wrong folder for {}", target_list(&affected)))
            .help(HELP),
        );
        return Some(folder);
    }
    None
}
