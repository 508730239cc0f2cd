//! The Win32 registry and COM activation functions whose arguments name keys, values, views
//! and classes: what the code front ends look for, by argument position.

use crate::model::ir::{Flags, RegistryAction, RegistryView};

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

/// The view an access mask selects; `Process` when it names neither flag.
pub fn view_of(flags: &Flags) -> RegistryView {
    match (
        flags.has("KEY_WOW64_32KEY", KEY_WOW64_32KEY),
        flags.has("KEY_WOW64_64KEY", KEY_WOW64_64KEY),
    ) {
        (true, true) => RegistryView::Both,
        (true, false) => RegistryView::Bits32,
        (false, true) => RegistryView::Bits64,
        (false, false) => RegistryView::Process,
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
