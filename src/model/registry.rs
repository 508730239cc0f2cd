//! Registry entries read as COM registrations, whatever wrote them: which class key an entry
//! is under, in which view it lands, and the classes the whole tree registers.
//!
//! Facts: `HKCR` merges `HKLM\SOFTWARE\Classes` and `HKCU\Software\Classes`; the 32-bit view
//! of `CLSID` shows under `Wow6432Node` (`WowAA32Node` for ARM32 on ARM64) in the 64-bit
//! view. An in-process server registers under `CLSID\{clsid}\InprocServer32` in the view of
//! its own bitness. A class with an `AppID` whose key has a `DllSurrogate` value can be
//! activated out of process by the system surrogate.

use std::collections::{HashMap, HashSet};

use super::ir::{
    FileIr, Guid, KeySegment, RegistryAction, RegistryEntry, RegistryRoot, RegistryView,
};
use super::tree::BinaryRef;
use crate::knowledge::names;
use crate::source::FileId;

/// An entry's place below `Classes`, as COM sees it through `HKCR`.
#[derive(Clone, Copy, Debug)]
pub struct ClassesPath<'a> {
    /// The segments below `Classes` (`CLSID`, `{...}`, `InprocServer32`, ...).
    pub path: &'a [KeySegment],
    /// The path goes through `Wow6432Node`: the 32-bit view, spelled out.
    pub through_wow_node: bool,
}

impl<'a> ClassesPath<'a> {
    /// `CLSID\{clsid}\<server>`: the CLSID segment and the server key segment.
    pub fn class_server(&self) -> Option<(&'a KeySegment, &'a KeySegment)> {
        match self.path {
            [clsid_key, clsid, server, ..] if clsid_key.is("CLSID") && is_clsid(clsid) => {
                Some((clsid, server))
            }
            _ => None,
        }
    }

    /// `CLSID\{clsid}` itself.
    pub fn class(&self) -> Option<Guid> {
        match self.path {
            [clsid_key, clsid] if clsid_key.is("CLSID") => {
                clsid.name.as_deref().and_then(Guid::parse)
            }
            _ => None,
        }
    }

    /// `AppID\{appid}` itself.
    pub fn app_id(&self) -> Option<Guid> {
        match self.path {
            [app_key, app_id] if app_key.is("AppID") => {
                app_id.name.as_deref().and_then(Guid::parse)
            }
            _ => None,
        }
    }
}

/// A GUID, or a segment only known at run time (`format!("CLSID\\{}\\...", clsid)`).
fn is_clsid(segment: &KeySegment) -> bool {
    segment
        .name
        .as_deref()
        .is_none_or(|name| Guid::parse(name).is_some())
}

fn is_wow_node(segment: &KeySegment) -> bool {
    names()
        .registry
        .wow_nodes
        .iter()
        .any(|node| segment.is(node))
}

impl RegistryEntry {
    /// Where the entry is below `HKCR`, `HKLM\SOFTWARE\Classes` or `HKCU\Software\Classes`
    /// (through `Wow6432Node` or not); `None` for other keys.
    pub fn classes_path(&self) -> Option<ClassesPath<'_>> {
        let key = self.key.as_slice();
        let (path, through_wow_node) = match self.root {
            RegistryRoot::ClassesRoot => match key {
                [node, rest @ ..] if is_wow_node(node) => (rest, true),
                _ => (key, false),
            },
            RegistryRoot::LocalMachine
            | RegistryRoot::CurrentUser
            | RegistryRoot::MachineOrUser => match key {
                [software, classes, rest @ ..]
                    if software.is("SOFTWARE") && classes.is("Classes") =>
                {
                    (rest, false)
                }
                [software, node, classes, rest @ ..]
                    if software.is("SOFTWARE") && is_wow_node(node) && classes.is("Classes") =>
                {
                    (rest, true)
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(ClassesPath {
            path,
            through_wow_node,
        })
    }

    /// The pointer width of the view the entry lands in, for code built for `process_bits`;
    /// `None` when the source does not decide it.
    pub fn view_bits(&self, process_bits: u32) -> Option<u32> {
        if self.classes_path().is_some_and(|c| c.through_wow_node) {
            return Some(32);
        }
        match self.view {
            RegistryView::Bits32 => Some(32),
            RegistryView::Bits64 => Some(64),
            RegistryView::Process => Some(process_bits),
            RegistryView::Module | RegistryView::Both | RegistryView::Unknown => None,
        }
    }

    /// Whether the entry sets the value `name` (case ignored).
    pub fn sets_value(&self, name: &str) -> bool {
        self.action == RegistryAction::Write
            && self
                .value
                .as_ref()
                .is_some_and(|v| v.name.eq_ignore_ascii_case(name))
    }
}

/// An in-process server registration: a write under `CLSID\{clsid}\InprocServer32`.
#[derive(Clone, Copy, Debug)]
pub struct InprocRegistration<'a> {
    pub file: FileId,
    pub clsid: Guid,
    /// The entry that names the server DLL (the key's default value), else the key itself.
    pub entry: &'a RegistryEntry,
}

impl InprocRegistration<'_> {
    /// The server DLL's path as registered, when known.
    pub fn server(&self) -> Option<&str> {
        self.entry
            .value
            .as_ref()
            .filter(|v| v.name.is_empty())
            .and_then(|v| v.data.as_deref())
    }
}

/// The COM classes the tree registers, by CLSID.
#[derive(Default)]
pub struct ComIndex<'a> {
    inproc: HashMap<Guid, Vec<InprocRegistration<'a>>>,
    class_app_ids: HashMap<Guid, HashSet<Guid>>,
    surrogate_app_ids: HashSet<Guid>,
}

impl<'a> ComIndex<'a> {
    /// `files[i]` is file `i` of the run.
    pub fn new(files: &[&'a FileIr]) -> Self {
        let mut index = ComIndex::default();
        for (file, ir) in files.iter().enumerate() {
            for entry in ir
                .registry
                .iter()
                .filter(|e| e.action == RegistryAction::Write)
            {
                let Some(classes) = entry.classes_path() else {
                    continue;
                };
                if let Some((clsid, server)) = classes.class_server()
                    && server.is("InprocServer32")
                    && classes.path.len() == 3
                    && let Some(clsid) = clsid.name.as_deref().and_then(Guid::parse)
                    && entry.value.as_ref().is_none_or(|v| v.name.is_empty())
                {
                    let registrations = index.inproc.entry(clsid).or_default();
                    // One registration per key: its default value when set, else the key.
                    match registrations
                        .iter_mut()
                        .find(|r| r.file == file && same_key(r.entry, entry))
                    {
                        Some(existing) if entry.value.is_some() => existing.entry = entry,
                        Some(_) => {}
                        None => registrations.push(InprocRegistration { file, clsid, entry }),
                    }
                }
                if let Some(clsid) = classes.class()
                    && entry.sets_value("AppID")
                    && let Some(app_id) = entry
                        .value
                        .as_ref()
                        .and_then(|v| v.data.as_deref())
                        .and_then(Guid::parse)
                {
                    index.class_app_ids.entry(clsid).or_default().insert(app_id);
                }
                if let Some(app_id) = classes.app_id()
                    && entry.sets_value("DllSurrogate")
                {
                    index.surrogate_app_ids.insert(app_id);
                }
            }
        }
        index
    }

    /// Every in-process server registration of a class in the tree.
    pub fn inproc_servers(&self, clsid: Guid) -> &[InprocRegistration<'a>] {
        self.inproc.get(&clsid).map_or(&[], Vec::as_slice)
    }

    /// Whether the class can be hosted by the system surrogate: its AppID (or an AppID of
    /// the same GUID) has a `DllSurrogate` value.
    pub fn has_surrogate(&self, clsid: Guid) -> bool {
        self.surrogate_app_ids.contains(&clsid)
            || self
                .class_app_ids
                .get(&clsid)
                .is_some_and(|ids| ids.iter().any(|id| self.surrogate_app_ids.contains(id)))
    }
}

/// Two entries name the same key (same root spelling aside, same view).
fn same_key(a: &RegistryEntry, b: &RegistryEntry) -> bool {
    let names = |e: &RegistryEntry| -> Vec<Option<String>> {
        e.key
            .iter()
            .map(|s| s.name.as_ref().map(|n| n.to_ascii_lowercase()))
            .collect()
    };
    a.root == b.root && a.view == b.view && names(a) == names(b)
}

impl<'a> super::Semantic<'a> {
    /// The binaries of the run a registered server path may be: the file a relative path names
    /// from this file's directory (a WiX `Source`), else every binary of the path's file name
    /// (an installed path such as `C:\Program Files\...\x.dll` or `[INSTALLDIR]x.dll`).
    /// Nothing for placeholders the registering module fills in (`%MODULE%`).
    pub fn registered_binaries(&self, path: &str) -> Vec<BinaryRef<'a>> {
        let path = path.trim().trim_matches('"').replace('\\', "/");
        if path.is_empty() || path.contains("%MODULE") {
            return Vec::new();
        }
        let relative = !(path.starts_with('/')
            || path.starts_with('%')
            || path.starts_with('[')
            || path.as_bytes().get(1) == Some(&b':'));
        if relative
            && let Some(dir) = self.location().and_then(|l| l.path.parent())
            && let Some(binary) = self.model.tree.at_path(&dir.join(&path))
        {
            return vec![binary];
        }
        let name = path.rsplit(['/', ']']).next().unwrap_or(&path);
        self.model.tree.named(name)
    }

    /// The pointer width of the DLL a registered path names, when every binary it may be has
    /// the same one.
    pub fn registered_bits(&self, path: &str) -> Option<(u32, Vec<BinaryRef<'a>>)> {
        let binaries = self.registered_binaries(path);
        let first = binaries.first()?.info.bits()?;
        binaries
            .iter()
            .all(|b| b.info.bits() == Some(first))
            .then_some((first, binaries))
    }
}
