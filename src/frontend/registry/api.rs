//! The Win32 registry and COM activation functions whose arguments name keys, values, views
//! and classes: what the code front ends look for, by argument position, and how one call
//! becomes a registry entry whatever the language it is written in.

use super::text::MappedText;
use crate::model::cfg::Cond;
use crate::model::ir::{Flags, RegistryAction, RegistryCall, RegistryRoot, RegistryView};
use crate::source::Span;

pub const KEY_WOW64_64KEY: u64 = 0x0100;
pub const KEY_WOW64_32KEY: u64 = 0x0200;

/// Which value a call names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueArg {
    /// The call is about the key itself.
    None,
    /// The key's default value.
    Default,
    /// The value's name is this argument.
    Arg(usize),
}

#[derive(Debug)]
pub struct RegistryApi {
    /// Without the `A`/`W` suffix.
    pub name: &'static str,
    pub action: RegistryAction,
    /// The subkey path below the key handle (argument 0).
    pub subkey: Option<usize>,
    pub value: ValueArg,
    /// The value's data.
    pub data: Option<usize>,
    /// The access mask (`REGSAM`), which selects the view.
    pub sam: Option<usize>,
    /// Where the opened key's handle is stored.
    pub out_key: Option<usize>,
}

const fn api(
    name: &'static str,
    action: RegistryAction,
    subkey: Option<usize>,
    value: ValueArg,
    data: Option<usize>,
    sam: Option<usize>,
    out_key: Option<usize>,
) -> RegistryApi {
    RegistryApi {
        name,
        action,
        subkey,
        value,
        data,
        sam,
        out_key,
    }
}

use RegistryAction::{Delete, Open, Write};
use ValueArg::Arg;

static REGISTRY_APIS: &[RegistryApi] = &[
    api(
        "RegCreateKeyEx",
        Write,
        Some(1),
        ValueArg::None,
        None,
        Some(5),
        Some(7),
    ),
    api(
        "RegCreateKeyTransacted",
        Write,
        Some(1),
        ValueArg::None,
        None,
        Some(5),
        Some(7),
    ),
    api(
        "RegCreateKey",
        Write,
        Some(1),
        ValueArg::None,
        None,
        None,
        Some(2),
    ),
    api(
        "RegOpenKeyEx",
        Open,
        Some(1),
        ValueArg::None,
        None,
        Some(3),
        Some(4),
    ),
    api(
        "RegOpenKeyTransacted",
        Open,
        Some(1),
        ValueArg::None,
        None,
        Some(3),
        Some(4),
    ),
    api(
        "RegOpenKey",
        Open,
        Some(1),
        ValueArg::None,
        None,
        None,
        Some(2),
    ),
    api("RegSetValueEx", Write, None, Arg(1), Some(4), None, None),
    api(
        "RegSetValue",
        Write,
        Some(1),
        ValueArg::Default,
        Some(3),
        None,
        None,
    ),
    api(
        "RegSetKeyValue",
        Write,
        Some(1),
        Arg(2),
        Some(4),
        None,
        None,
    ),
    api(
        "RegDeleteKeyEx",
        Delete,
        Some(1),
        ValueArg::None,
        None,
        Some(2),
        None,
    ),
    api(
        "RegDeleteKeyTransacted",
        Delete,
        Some(1),
        ValueArg::None,
        None,
        Some(2),
        None,
    ),
    api(
        "RegDeleteKey",
        Delete,
        Some(1),
        ValueArg::None,
        None,
        None,
        None,
    ),
    api(
        "RegDeleteTree",
        Delete,
        Some(1),
        ValueArg::None,
        None,
        None,
        None,
    ),
    api(
        "RegDeleteKeyValue",
        Delete,
        Some(1),
        Arg(2),
        None,
        None,
        None,
    ),
    api("RegDeleteValue", Delete, None, Arg(1), None, None, None),
];

/// The registry function a call names (`RegCreateKeyExW`, `RegOpenKeyExA`, ...).
pub fn registry_api(name: &str) -> Option<&'static RegistryApi> {
    let base = name
        .strip_suffix('W')
        .or_else(|| name.strip_suffix('A'))
        .unwrap_or(name);
    REGISTRY_APIS.iter().find(|api| api.name == base)
}

/// The view an access mask selects: `Process` when it names neither flag, `Unknown` when a
/// part of it is not known here.
pub fn view_of(flags: &Flags) -> RegistryView {
    match (
        flags.has("KEY_WOW64_32KEY", KEY_WOW64_32KEY),
        flags.has("KEY_WOW64_64KEY", KEY_WOW64_64KEY),
    ) {
        (true, true) => RegistryView::Both,
        (true, false) => RegistryView::Bits32,
        (false, true) => RegistryView::Bits64,
        (false, false) if flags.opaque => RegistryView::Unknown,
        (false, false) => RegistryView::Process,
    }
}

/// A key handle as code holds it: its hive, its path below the hive, and the view the flags
/// that opened it chose.
#[derive(Clone, Debug)]
pub struct KeyRef {
    pub root: RegistryRoot,
    pub path: MappedText,
    pub view: RegistryView,
    pub view_span: Option<Span>,
}

impl KeyRef {
    /// A predefined key (`HKEY_CLASSES_ROOT`).
    pub fn root(root: RegistryRoot) -> KeyRef {
        KeyRef {
            root,
            path: MappedText::default(),
            view: RegistryView::Process,
            view_span: None,
        }
    }

    /// A handle whose origin is not known here.
    pub fn unknown() -> KeyRef {
        KeyRef {
            root: RegistryRoot::Unknown,
            path: MappedText::unknown(),
            view: RegistryView::Process,
            view_span: None,
        }
    }

    /// A subkey, opened with `flags` when given: they choose the view, else this key's view
    /// carries over.
    pub fn child(&self, subpath: MappedText, flags: Option<&Flags>) -> KeyRef {
        let mut path = self.path.clone();
        let subpath = subpath.without_nul();
        if !path.is_empty() && !subpath.is_empty() {
            path.push('\\', None);
        }
        path.append(subpath);
        let (view, view_span) = match flags.map(|f| (view_of(f), f.span)) {
            Some((view, span)) if view != RegistryView::Process => (view, Some(span)),
            _ => (self.view, self.view_span),
        };
        KeyRef {
            root: self.root,
            path,
            view,
            view_span,
        }
    }

    /// The call of an action on this key or, given a name and maybe data, on one of its values.
    pub fn call(
        &self,
        action: RegistryAction,
        value: Option<(MappedText, Option<MappedText>)>,
        span: Span,
        cond: Cond,
    ) -> RegistryCall {
        RegistryCall {
            at: 0,
            root: self.root,
            key: self.path.clone(),
            value,
            action,
            view: self.view,
            view_span: self.view_span,
            span,
            cond,
        }
    }
}

/// One call's arguments, as a code front end reads them. Every method answers `None` (or
/// `false`) for an argument the call does not have.
pub trait CallArgs {
    fn has(&self, index: usize) -> bool;
    /// The key the argument stands for, when known.
    fn key(&self, index: usize) -> Option<KeyRef>;
    /// The argument's text, as far as it is literal; `None` when it is not text at all.
    fn text(&self, index: usize) -> Option<MappedText>;
    /// A null pointer: the default value, or no subkey.
    fn is_null(&self, index: usize) -> bool;
    fn flags(&self, index: usize) -> Option<Flags>;
}

impl RegistryApi {
    /// What a call of this function writes, opens or deletes, and the key it opens (which
    /// the front end binds to the out-parameter at `out_key`).
    pub fn lower(&self, args: &impl CallArgs, span: Span, cond: Cond) -> (RegistryCall, KeyRef) {
        let parent = args.key(0).unwrap_or_else(KeyRef::unknown);
        let flags = self.sam.and_then(|i| args.flags(i));
        let subkey = self.subkey.filter(|&i| args.has(i)).map(|i| {
            if args.is_null(i) {
                MappedText::default()
            } else {
                args.text(i).unwrap_or_else(MappedText::unknown)
            }
        });
        let key = parent.child(subkey.unwrap_or_default(), flags.as_ref());
        let text = |i: usize| args.text(i).unwrap_or_else(MappedText::unknown);
        let name = match self.value {
            ValueArg::None => None,
            ValueArg::Default => Some(MappedText::default()),
            ValueArg::Arg(i) if args.is_null(i) => Some(MappedText::default()),
            ValueArg::Arg(i) => Some(text(i)),
        };
        let value = name.map(|name| (name, self.data.and_then(|i| args.text(i))));
        (key.call(self.action, value, span, cond), key)
    }
}

/// A COM activation function: where its CLSID and its `CLSCTX` arguments are. The
/// `windows` crate's generic wrappers keep the same leading arguments.
pub struct ActivationApi {
    pub name: &'static str,
    pub clsid: usize,
    pub context: usize,
}

static ACTIVATION_APIS: &[ActivationApi] = &[
    ActivationApi {
        name: "CoCreateInstance",
        clsid: 0,
        context: 2,
    },
    ActivationApi {
        name: "CoCreateInstanceEx",
        clsid: 0,
        context: 2,
    },
    ActivationApi {
        name: "CoGetClassObject",
        clsid: 0,
        context: 1,
    },
];

pub fn activation_api(name: &str) -> Option<&'static ActivationApi> {
    ACTIVATION_APIS.iter().find(|api| api.name == name)
}
