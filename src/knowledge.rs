//! The Win32 knowledge tables from `rules/data/`, embedded at build time and loaded once per run.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use serde::Deserialize;

use crate::model::ir::Language;
use crate::model::ty::{HandleKind, HandleRepr, HandleTy, IntBits, IntTy, PtrKind, Ty};

const TYPES_TOML: &str = include_str!("../rules/data/win32-types.toml");
const WINDOW_LONG_TOML: &str = include_str!("../rules/data/window-long.toml");
const API_TSV: &str = include_str!("../rules/data/win32-api.tsv");
const STRUCTS_TSV: &str = include_str!("../rules/data/win32-structs.tsv");
const RUST_STD_TOML: &str = include_str!("../rules/data/rust-std.toml");
const NAMES_TOML: &str = include_str!("../rules/data/win32-names.toml");

pub struct Knowledge {
    pub handles: HashMap<String, HandleTy>,
    /// Handle-looking names that are plain integers: `HRESULT`, `ATOM`, `HFILE`.
    pub narrow_handles: HashMap<String, IntTy>,
    pub integers: HashMap<String, IntTy>,
    pub data_pointers: HashSet<String>,
    pub function_pointers: HashSet<String>,
    /// Functions that keep only part of their argument (`LOWORD`, `GET_X_LPARAM`).
    pub mask_functions: HashSet<String>,
    pub window_long: WindowLong,
    pub helpers: Helpers,
    pub handle_names: HandleNames,
    /// MIDL types that keep all 64 bits on the wire (`HANDLE_PTR`).
    pub full_width_on_wire: HashSet<String>,
    pub rust_std: RustStd,
    pub names: &'static Names,
    /// The Win32 function table, split into rows on the first lookup; a row is parsed the first
    /// time its function is asked for (its text borrowed, not copied). A run pays for the
    /// functions its code declares or calls, not for the twenty thousand others.
    apis: OnceLock<ApiTable>,
    /// A project's own functions (from its configuration); they replace the table's.
    project_apis: HashMap<String, Vec<ApiFn>>,
    /// The struct table's rows, in name order; split on first use, so that runs which never
    /// look into a Win32 struct pay nothing, and searched without building an index.
    struct_rows: OnceLock<Vec<&'static str>>,
}

/// Functions and macros that convert between handles and integers on purpose.
#[derive(Deserialize)]
pub struct Helpers {
    pub truncate: HashSet<String>,
    pub widen: HashSet<String>,
    pub split: HashSet<String>,
}

impl Helpers {
    /// Whether a function's own body converts on purpose.
    pub fn is_helper(&self, name: &str) -> bool {
        self.truncate.contains(name) || self.widen.contains(name) || self.split.contains(name)
    }
}

/// Names that mark a parameter or field as holding a handle.
#[derive(Deserialize)]
pub struct HandleNames {
    exact: HashSet<String>,
    suffixes: Vec<String>,
    integer_prefixes: Vec<String>,
    not_handles: HashSet<String>,
}

impl HandleNames {
    /// Whether a name marks its value as a handle; `pointer` when the declaration is a
    /// pointer, whose name may say so too (`phKey`, `pphObject`).
    pub fn matches(&self, name: &str, pointer: bool) -> bool {
        // `_FileHandle`: the CRT's reserved names, whose file handles are `int` descriptors.
        if self.not_handles.contains(name) || name.starts_with('_') {
            return false;
        }
        if self.exact.contains(&name.to_ascii_lowercase()) {
            return true;
        }
        self.is_hungarian_handle(name, pointer) || self.has_handle_suffix(name)
    }

    /// `hWnd`, `hProcess`; `phKey` for a pointer.
    pub fn is_hungarian_handle(&self, name: &str, pointer: bool) -> bool {
        let name = if pointer {
            name.trim_start_matches('p')
        } else {
            name
        };
        let mut chars = name.chars();
        chars.next() == Some('h') && chars.next().is_some_and(|c| c.is_ascii_uppercase())
    }

    /// Whether a type name reads as a handle type: `H` and capitals (`HCONTEXT`, `HMYOBJECT`:
    /// a `hWnd` written as a type), or a handle suffix in any case (`SESSION_HANDLE`).
    pub fn is_handle_type(&self, name: &str) -> bool {
        let bytes = name.as_bytes();
        let h_prefixed = bytes.len() > 1
            && bytes[0] == b'H'
            && bytes[1..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
        let lower = name.to_ascii_lowercase();
        h_prefixed
            || self
                .suffixes
                .iter()
                .any(|s| name.len() > s.len() && lower.ends_with(&s.to_ascii_lowercase()))
    }

    fn has_handle_suffix(&self, name: &str) -> bool {
        // `dwSessionHandle`, `bInheritHandle`: the Hungarian prefix says it is an integer.
        let integer_prefix = self.integer_prefixes.iter().any(|p| {
            name.strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        });
        !integer_prefix
            && self
                .suffixes
                .iter()
                .any(|s| name.len() > s.len() && name.ends_with(s.as_str()))
    }
}

/// Rust standard-library methods whose results keep a pointer's or handle's provenance.
#[derive(Deserialize)]
pub struct RustStd {
    /// Methods that hand out a raw pointer to what their receiver owns or points at.
    pub pointer_methods: HashSet<String>,
    /// Methods whose result has the type and provenance of their receiver.
    pub transparent_methods: HashSet<String>,
    /// Types whose `into_raw` associated function turns an owned value into a raw pointer.
    pub into_raw_owners: HashSet<String>,
    /// Methods that hand out a `RawHandle`.
    pub raw_handle_methods: HashSet<String>,
    /// Methods that hand out a `RawSocket`, which holds a `SOCKET`.
    pub raw_socket_methods: HashSet<String>,
}

/// The names of `rules/data/win32-names.toml`: constants, attributes and macros recognised by
/// name. Parsed once per process, for `Knowledge` and for the code that runs without one (the
/// front ends, the model's registry and load readers), which reads it through `names()`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub booleans: HashSet<String>,
    pub height_types: HashSet<String>,
    pub clsctx: HashMap<String, u64>,
    pub registry: RegistryNames,
    pub resource_only_load_flags: HashMap<String, u64>,
    pub midl: MidlNames,
    pub rust: RustNames,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryNames {
    pub wow_nodes: Vec<String>,
    pub threading_models: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MidlNames {
    pub mapped: Vec<String>,
    pub automation: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustNames {
    pub string_macros: HashSet<String>,
}

static NAMES: LazyLock<Result<Names, String>> = LazyLock::new(|| {
    toml::from_str(NAMES_TOML).map_err(|e| format!("rules/data/win32-names.toml: {}", e.message()))
});

/// The name table. A table that does not parse fails `Knowledge::load`, before any file is
/// read, so code that runs after it never sees the empty fallback.
pub fn names() -> &'static Names {
    static NONE: LazyLock<Names> = LazyLock::new(Names::default);
    NAMES.as_ref().unwrap_or(&NONE)
}

#[derive(Deserialize)]
struct MidlEntries {
    full_width: Vec<String>,
}

#[derive(Deserialize)]
struct TypesFile {
    handles: HashMap<String, HandleEntry>,
    masks: MaskEntries,
    narrow_handles: HashMap<String, String>,
    integers: HashMap<String, String>,
    pointers: PointerEntries,
    helpers: Helpers,
    handle_names: HandleNames,
    midl: MidlEntries,
}

#[derive(Deserialize)]
struct HandleEntry {
    repr: String,
    kind: String,
}

#[derive(Deserialize)]
struct MaskEntries {
    functions: Vec<String>,
}

#[derive(Deserialize)]
struct PointerEntries {
    data: Vec<String>,
    function: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotFamily {
    Window,
    Class,
    Dialog,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Get,
    Set,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WindowLongFn {
    pub family: SlotFamily,
    pub access: Access,
    /// The pointer-sized function to call instead; empty for the pointer-sized functions.
    pub twin: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotHolds {
    Pointer,
    Data,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WindowLongIndex {
    pub family: SlotFamily,
    pub value: i64,
    pub holds: SlotHolds,
    #[serde(default)]
    pub twin: String,
    pub twin_value64: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// The C headers keep this 32-bit name on 64-bit targets (`GWL_ID`).
    #[serde(default)]
    pub in_win64_headers: bool,
}

#[derive(Deserialize)]
pub struct WindowLong {
    pub functions: HashMap<String, WindowLongFn>,
    pub indexes: HashMap<String, WindowLongIndex>,
    /// Modules whose glob import brings every function and index name into scope.
    #[serde(default)]
    pub modules: Vec<String>,
}

impl WindowLong {
    /// The index a negative literal stands for: positive offsets are the caller's extra bytes.
    pub fn index_by_value(
        &self,
        family: SlotFamily,
        value: i64,
    ) -> Option<(&str, &WindowLongIndex)> {
        if value >= 0 {
            return None;
        }
        self.indexes
            .iter()
            .filter(|(_, index)| index.family == family && index.value == value)
            .map(|(name, index)| (name.as_str(), index))
            .min_by_key(|(name, _)| *name)
    }
}

/// A parameter or return type from the API table: its class and the alias it was declared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiType {
    pub class: Cow<'static, str>,
    pub name: Option<Cow<'static, str>>,
}

#[derive(Clone, Debug)]
pub struct ApiFn {
    pub dll: Cow<'static, str>,
    /// `Some(64)` or `Some(32)` when the declaration exists only for that pointer width.
    pub pointer_width: Option<u32>,
    pub ret: ApiType,
    pub params: Vec<(Cow<'static, str>, ApiType)>,
}

impl Knowledge {
    pub fn load() -> Result<Knowledge, String> {
        let types: TypesFile = toml::from_str(TYPES_TOML)
            .map_err(|e| format!("rules/data/win32-types.toml: {}", e.message()))?;
        let window_long: WindowLong = toml::from_str(WINDOW_LONG_TOML)
            .map_err(|e| format!("rules/data/window-long.toml: {}", e.message()))?;
        let rust_std: RustStd = toml::from_str(RUST_STD_TOML)
            .map_err(|e| format!("rules/data/rust-std.toml: {}", e.message()))?;
        let handles = types
            .handles
            .into_iter()
            .map(|(name, entry)| {
                let repr = match entry.repr.as_str() {
                    "pointer" => HandleRepr::Pointer,
                    "usize" => HandleRepr::Usize,
                    "isize" => HandleRepr::Isize,
                    other => return Err(format!("handle {name}: unknown repr `{other}`")),
                };
                let kind = match entry.kind.as_str() {
                    "address" => HandleKind::Address,
                    "shared" => HandleKind::Shared,
                    other => return Err(format!("handle {name}: unknown kind `{other}`")),
                };
                Ok((name.clone(), HandleTy { name, kind, repr }))
            })
            .collect::<Result<_, String>>()?;
        Ok(Knowledge {
            handles,
            narrow_handles: int_table(types.narrow_handles)?,
            integers: int_table(types.integers)?,
            data_pointers: types.pointers.data.into_iter().collect(),
            function_pointers: types.pointers.function.into_iter().collect(),
            mask_functions: types.masks.functions.into_iter().collect(),
            window_long,
            helpers: types.helpers,
            handle_names: types.handle_names,
            full_width_on_wire: types.midl.full_width.into_iter().collect(),
            rust_std,
            names: NAMES.as_ref().map_err(Clone::clone)?,
            apis: OnceLock::new(),
            project_apis: HashMap::default(),
            struct_rows: OnceLock::new(),
        })
    }

    /// The Windows meaning of a type name, when the tables know it.
    pub fn type_named(&self, name: &str) -> Option<Ty> {
        if let Some(handle) = self.handles.get(name) {
            return Some(Ty::Handle(handle.clone()));
        }
        if let Some(int) = self
            .integers
            .get(name)
            .or_else(|| self.narrow_handles.get(name))
        {
            return Some(Ty::Int(*int));
        }
        if self.data_pointers.contains(name) {
            return Some(Ty::Pointer(PtrKind::Data));
        }
        if self.function_pointers.contains(name) {
            return Some(Ty::Pointer(PtrKind::Function));
        }
        None
    }

    /// How code in `language` spells the pointer-sized integer to use instead of the 32-bit
    /// type written as `written`: `DWORD` → `DWORD_PTR`, `long` → `LONG_PTR`, `u32` → `usize`.
    pub fn pointer_sized_spelling(&self, language: Language, written: &str, int: IntTy) -> String {
        if !language.is_c_family() {
            return int.pointer_sized_name().to_string();
        }
        let widened = format!("{}_PTR", written.trim().to_ascii_uppercase());
        let pointer_sized = self
            .integers
            .get(&widened)
            .is_some_and(|w| w.bits == IntBits::Pointer);
        if pointer_sized {
            widened
        } else if int.signed {
            "LONG_PTR".to_string()
        } else {
            "ULONG_PTR".to_string()
        }
    }

    /// The declaration of a Win32 function that applies on a target of this pointer width.
    pub fn api(&self, name: &str, pointer_width: u32) -> Option<&ApiFn> {
        self.api_declarations(name, pointer_width).next()
    }

    /// Every declaration of a Win32 function that applies on a target of this pointer width:
    /// a few names are declared differently by different SDK headers (kernel and user mode).
    pub fn api_declarations(&self, name: &str, pointer_width: u32) -> impl Iterator<Item = &ApiFn> {
        let project = self.project_apis.get(name);
        let table = project
            .is_none()
            .then(|| self.api_table().declarations(name))
            .into_iter()
            .flatten();
        project
            .into_iter()
            .flatten()
            .chain(table)
            .filter(move |row| row.pointer_width.is_none_or(|w| w == pointer_width))
    }

    fn api_table(&self) -> &ApiTable {
        self.apis.get_or_init(ApiTable::split)
    }

    /// A project's own pointer-sized handle type (from its configuration).
    pub fn add_handle(&mut self, name: &str, kind: HandleKind) {
        let handle = HandleTy {
            name: name.to_string(),
            kind,
            repr: HandleRepr::Pointer,
        };
        self.handles.insert(name.to_string(), handle);
    }

    /// A project's own integer typedef (from its configuration).
    pub fn add_integer(&mut self, name: &str, int: IntTy) {
        self.integers.insert(name.to_string(), int);
    }

    /// A project's own function with Win32-style types, e.g. a wrapper around an API; types are
    /// written as in Rust or the Windows headers (`HWND`, `u32`, `*mut c_void`).
    pub fn add_function(&mut self, name: &str, params: &[String], ret: Option<&str>) {
        let declared = ApiFn {
            dll: Cow::Borrowed(""),
            pointer_width: None,
            ret: ret.map_or_else(
                || ApiType {
                    class: Cow::Borrowed("void"),
                    name: None,
                },
                written_api_type,
            ),
            params: params
                .iter()
                .enumerate()
                .map(|(i, ty)| (Cow::Owned(format!("p{i}")), written_api_type(ty)))
                .collect(),
        };
        self.project_apis.insert(name.to_string(), vec![declared]);
    }

    /// How many functions have a declaration, from the table or the project.
    pub fn api_count(&self) -> usize {
        let mut names: Vec<&str> = self
            .api_table()
            .rows
            .iter()
            .map(|row| row_name(row))
            .collect();
        names.dedup();
        let project_only = self
            .project_apis
            .keys()
            .filter(|name| names.binary_search(&name.as_str()).is_err())
            .count();
        names.len() + project_only
    }

    /// Whether windows-sys declares a struct or union of this name.
    pub fn is_struct(&self, name: &str) -> bool {
        self.struct_declarations(name).next().is_some()
    }

    /// The type of a field of a Win32 struct on a target of this pointer width. A struct that
    /// differs between architectures of one width (`CONTEXT`) answers from the first that has it.
    pub fn struct_field(&self, name: &str, field: &str, pointer_width: u32) -> Option<ApiType> {
        self.struct_declarations(name)
            .filter(|(width, _)| width.is_none_or(|w| w == pointer_width))
            .flat_map(|(_, fields)| fields.split('\t'))
            .find_map(|column| column.strip_prefix(field)?.strip_prefix('='))
            .map(parse_api_type)
    }

    /// The struct table's rows, sorted by name as the generator writes them.
    fn struct_rows(&self) -> &[&'static str] {
        self.struct_rows.get_or_init(|| table_rows(STRUCTS_TSV))
    }

    /// The pointer width (`None` for any) and the `field=type` columns of each row for a struct.
    fn struct_declarations(&self, name: &str) -> impl Iterator<Item = (Option<u32>, &'static str)> {
        let rows = self.struct_rows();
        rows[rows_named(rows, name)]
            .iter()
            .filter_map(|row| parse_struct_row(row))
    }

    /// The type of an API table entry, resolved the way a declared type would be.
    pub fn api_type(&self, ty: &ApiType) -> Ty {
        if let Some(name) = ty.name.as_deref() {
            if let Some(known) = self.type_named(name) {
                return known;
            }
            if ty.class == "other" && self.is_struct(name) {
                return Ty::Struct(name.to_string());
            }
        }
        match ty.class.as_ref() {
            "ptr" => Ty::Pointer(PtrKind::Data),
            "fnptr" => Ty::Pointer(PtrKind::Function),
            "bool" => Ty::Bool,
            "f32" => Ty::Float(32),
            "f64" => Ty::Float(64),
            "void" => Ty::Unit,
            class => IntTy::from_primitive(class).map_or(Ty::Unknown, Ty::Int),
        }
    }
}

fn int_table(entries: HashMap<String, String>) -> Result<HashMap<String, IntTy>, String> {
    entries
        .into_iter()
        .map(|(name, prim)| match IntTy::from_primitive(&prim) {
            Some(int) => Ok((name, int)),
            None => Err(format!("integer type {name}: unknown primitive `{prim}`")),
        })
        .collect()
}

/// A type as a user writes it, in the API table's terms: pointers by shape, primitives by
/// name, other names kept for the type tables to resolve.
fn written_api_type(text: &str) -> ApiType {
    let text = text.trim();
    let (class, name) = if text.starts_with('*') || text.starts_with('&') {
        (Cow::Borrowed("ptr"), None)
    } else if text.starts_with("fn") || text.starts_with("extern") {
        (Cow::Borrowed("fnptr"), None)
    } else if IntTy::from_primitive(text).is_some() || matches!(text, "bool" | "f32" | "f64") {
        (Cow::Owned(text.to_string()), None)
    } else {
        (Cow::Borrowed("other"), Some(Cow::Owned(text.to_string())))
    };
    ApiType { class, name }
}

fn parse_api_type(text: &'static str) -> ApiType {
    match text.split_once(':') {
        Some((class, name)) => ApiType {
            class: Cow::Borrowed(class),
            name: Some(Cow::Borrowed(name)),
        },
        None => ApiType {
            class: Cow::Borrowed(text),
            name: None,
        },
    }
}

/// The embedded function table's rows, sorted by function name as the generator writes them,
/// each parsed on first use.
struct ApiTable {
    rows: Vec<&'static str>,
    parsed: Vec<OnceLock<Option<ApiFn>>>,
}

impl ApiTable {
    fn split() -> ApiTable {
        let rows = table_rows(API_TSV);
        let parsed = rows.iter().map(|_| OnceLock::new()).collect();
        ApiTable { rows, parsed }
    }

    fn declarations(&self, name: &str) -> impl Iterator<Item = &ApiFn> {
        rows_named(&self.rows, name).filter_map(|i| {
            self.parsed[i]
                .get_or_init(|| parse_api_row(self.rows[i]))
                .as_ref()
        })
    }
}

/// An embedded table's rows, comments and blank lines left out, in the generator's order
/// (sorted by their first column).
fn table_rows(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .collect()
}

/// Where the rows declaring `name` are, in rows sorted by name.
fn rows_named(rows: &[&str], name: &str) -> Range<usize> {
    let start = rows.partition_point(|row| row_name(row) < name);
    start..start + rows[start..].partition_point(|row| row_name(row) == name)
}

/// The first column of a table row: the function or struct it declares.
fn row_name(row: &str) -> &str {
    row.split_once('\t').map_or(row, |(name, _)| name)
}

/// The pointer-width column: `any` (`Some(None)`), `64` or `32`; `None` when it is neither.
fn width_column(width: &str) -> Option<Option<u32>> {
    match width {
        "any" => Some(None),
        "64" => Some(Some(64)),
        "32" => Some(Some(32)),
        _ => None,
    }
}

/// One row of the embedded function table; `None` for a malformed row (the table's test finds
/// none). Its text is borrowed, not copied: the table lives as long as the program.
fn parse_api_row(line: &'static str) -> Option<ApiFn> {
    let mut columns = line.split('\t');
    let (_name, dll, width, ret) = (
        columns.next()?,
        columns.next()?,
        columns.next()?,
        columns.next()?,
    );
    let pointer_width = width_column(width)?;
    let params = columns
        .map(|param| {
            let (name, ty) = param.split_once('=')?;
            Some((Cow::Borrowed(name), parse_api_type(ty)))
        })
        .collect::<Option<_>>()?;
    Some(ApiFn {
        dll: Cow::Borrowed(dll),
        pointer_width,
        ret: parse_api_type(ret),
        params,
    })
}

/// A row's width and field columns; `None` for a malformed row, which a test rules out.
fn parse_struct_row(row: &'static str) -> Option<(Option<u32>, &'static str)> {
    let mut columns = row.splitn(3, '\t').skip(1);
    let (Some(width), Some(fields)) = (columns.next(), columns.next()) else {
        return None;
    };
    Some((width_column(width)?, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lookups search the rows by name, and a row that does not parse would be skipped.
    fn assert_well_formed_and_sorted(
        rows: &[&'static str],
        at_least: usize,
        parses: fn(&'static str) -> bool,
    ) {
        assert!(rows.len() > at_least, "{} rows", rows.len());
        for row in rows {
            assert!(parses(row), "malformed row: {row}");
        }
        for pair in rows.windows(2) {
            let (a, b) = (row_name(pair[0]), row_name(pair[1]));
            assert!(a <= b, "rows out of order: {a} before {b}");
        }
    }

    #[test]
    fn struct_rows_are_well_formed_and_sorted_by_name() {
        let knowledge = Knowledge::load().unwrap();
        assert_well_formed_and_sorted(knowledge.struct_rows(), 10_000, |row| {
            parse_struct_row(row).is_some()
        });
    }

    #[test]
    fn function_rows_are_well_formed_and_sorted_by_name() {
        assert_well_formed_and_sorted(&ApiTable::split().rows, 15_000, |row| {
            parse_api_row(row).is_some()
        });
    }

    #[test]
    fn knowledge_and_the_code_without_it_read_one_name_table() {
        let knowledge = Knowledge::load().unwrap();
        assert!(std::ptr::eq(knowledge.names, names()));
        assert_eq!(names().clsctx.get("CLSCTX_ALL"), Some(&0x17));
        assert!(names().rust.string_macros.contains("w"));
    }

    /// `handle-in-int-ptr` judges MIDL types by these names, with the suffixes that mark a
    /// parameter (`hContext`, `SessionHandle`) in their type spelling.
    #[test]
    fn handle_type_names_follow_the_handle_name_suffixes() {
        let names = &Knowledge::load().unwrap().handle_names;
        let handles = [
            "HCONTEXT",
            "HMYOBJECT2",
            "HANDLE",
            "SESSION_HANDLE",
            "DPNHANDLE",
            "rpc_handle",
            "MyHandle",
        ];
        for handle in handles {
            assert!(names.is_handle_type(handle), "{handle}");
        }
        for other in ["HResult", "H", "ULONG", "DWORD", "Handle"] {
            assert!(!names.is_handle_type(other), "{other}");
        }
    }

    #[test]
    fn a_projects_function_replaces_the_tables() {
        let mut knowledge = Knowledge::load().unwrap();
        let before = knowledge.api_count();
        assert_eq!(knowledge.api("SetWindowLongW", 64).unwrap().params.len(), 3);
        knowledge.add_function("SetWindowLongW", &["HWND".to_string()], None);
        knowledge.add_function("MyWrapper", &["u32".to_string()], Some("HWND"));
        assert_eq!(knowledge.api("SetWindowLongW", 64).unwrap().params.len(), 1);
        assert_eq!(knowledge.api("MyWrapper", 32).unwrap().params.len(), 1);
        assert_eq!(knowledge.api_count(), before + 1);
    }
}
