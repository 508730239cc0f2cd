//! The language-neutral summary of one source file that front ends produce and rules read.
//!
//! A front end (Rust, C/C++ and MIDL) lowers its syntax tree into declarations,
//! function bodies reduced to the value flow that matters for pointer width, and the facts
//! rules look at: conversions between types and calls. Spans are byte ranges into the
//! file's original bytes. Names are the last path segment (`HWND`, not `windows_sys::...::HWND`):
//! the tables the model resolves them against are keyed that way.

use super::cfg::Cond;
use super::machine::Machine;
use super::text::MappedText;
use crate::source::Span;

pub type BodyId = usize;
pub type LocalId = usize;

/// The language a file is written in. Bindings in Rust are checked against the declarations of
/// the C family (C, C++, MIDL) in the same tree.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Language {
    #[default]
    Rust,
    C,
    Cpp,
    Idl,
}

impl Language {
    pub fn is_c_family(self) -> bool {
        self != Language::Rust
    }
}

#[derive(Default, Debug, serde::Serialize, serde::Deserialize)]
pub struct FileIr {
    pub language: Language,
    pub imports: Vec<Import>,
    pub aliases: Vec<TypeAlias>,
    pub structs: Vec<StructDecl>,
    pub functions: Vec<FnDecl>,
    pub consts: Vec<ConstDecl>,
    pub bodies: Vec<Body>,
    pub conversions: Vec<Conversion>,
    pub calls: Vec<CallSite>,
    /// Registry keys and values the file writes, opens or deletes.
    pub registry: Vec<RegistryEntry>,
    /// Registry calls of code whose texts name constants not found in the file: they become
    /// entries of `registry` once the whole run's constants are known.
    pub registry_calls: Vec<RegistryCall>,
    pub activations: Vec<ComActivation>,
    pub guids: Vec<GuidConst>,
    pub interfaces: Vec<Interface>,
    pub loads: Vec<LoadSite>,
    pub links: Vec<LinkSite>,
    pub text_consts: Vec<TextConst>,
    pub path_literals: Vec<PathLiteral>,
    /// Set for binaries (DLLs, executables, libraries): what their headers say.
    pub binary: Option<BinaryInfo>,
    /// Macro invocations expanded before parsing: where each is, the macro's name. Code
    /// from an expansion has the invocation's span, which no fix may edit.
    pub expansions: Vec<(Span, String)>,
    /// Rust's `mod name;`: the modules whose code is in other files.
    pub modules: Vec<ModuleDecl>,
}

impl FileIr {
    /// Moves every span through `map`: a front end that parsed other text than the file's
    /// (with macros expanded) takes its spans back to the file. Every field is named, so a new
    /// one cannot be forgotten.
    pub fn map_spans(&mut self, map: &impl Fn(Span) -> Span) {
        let FileIr {
            language: _,
            imports: _,
            aliases,
            structs,
            functions,
            consts: _,
            bodies: _,
            conversions,
            calls,
            registry,
            registry_calls,
            activations,
            guids: _,
            interfaces,
            loads,
            links,
            text_consts,
            path_literals,
            binary: _,
            expansions,
            modules: _,
        } = self;
        let optional = |span: &mut Option<Span>| {
            if let Some(span) = span {
                *span = map(*span);
            }
        };
        for alias in aliases {
            alias.span = map(alias.span);
            alias.ty_span = map(alias.ty_span);
        }
        for decl in structs {
            decl.name_span = map(decl.name_span);
            decl.field_spans
                .iter_mut()
                .for_each(|span| *span = map(*span));
        }
        for function in functions {
            function.ret_span = map(function.ret_span);
            function.name_span = map(function.name_span);
            for param in &mut function.params {
                param.ty_span = map(param.ty_span);
            }
        }
        for conversion in conversions {
            conversion.span = map(conversion.span);
            conversion.value_span = map(conversion.value_span);
            optional(&mut conversion.to_span);
        }
        for call in calls {
            call.callee_span = map(call.callee_span);
            call.span = map(call.span);
            for arg in &mut call.args {
                arg.span = map(arg.span);
                optional(&mut arg.name_span);
            }
        }
        for entry in registry {
            for segment in &mut entry.key {
                optional(&mut segment.span);
            }
            if let Some(value) = &mut entry.value {
                value.span = map(value.span);
            }
            optional(&mut entry.view_span);
            entry.span = map(entry.span);
        }
        for call in registry_calls {
            call.key.map_spans(map);
            if let Some((name, data)) = &mut call.value {
                name.map_spans(map);
                if let Some(data) = data {
                    data.map_spans(map);
                }
            }
            optional(&mut call.view_span);
            call.span = map(call.span);
        }
        for activation in activations {
            activation.context.span = map(activation.context.span);
            activation.span = map(activation.span);
        }
        for interface in interfaces {
            interface.name_span = map(interface.name_span);
        }
        for load in loads {
            load.name.map_spans(map);
            load.name_span = map(load.name_span);
            load.span = map(load.span);
        }
        for link in links {
            link.name.map_spans(map);
            link.span = map(link.span);
        }
        for text in text_consts {
            text.value.map_spans(map);
        }
        for literal in path_literals {
            literal.span = map(literal.span);
        }
        for (span, _) in expansions {
            *span = map(*span);
        }
    }

    /// Gives back the spare capacity vectors grew into while lowering: every file's IR is
    /// kept until the whole run's model is built, so the slack would add up with the tree.
    pub fn compact(&mut self) {
        self.imports.shrink_to_fit();
        self.aliases.shrink_to_fit();
        self.structs.shrink_to_fit();
        for decl in &mut self.structs {
            decl.fields.shrink_to_fit();
            decl.field_spans.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        for function in &mut self.functions {
            function.params.shrink_to_fit();
        }
        self.consts.shrink_to_fit();
        self.bodies.shrink_to_fit();
        for body in &mut self.bodies {
            body.locals.shrink_to_fit();
            for local in &mut body.locals {
                local.values.shrink_to_fit();
            }
            body.field_stores.shrink_to_fit();
            body.returns.shrink_to_fit();
        }
        self.conversions.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.registry.shrink_to_fit();
        self.registry_calls.shrink_to_fit();
        self.activations.shrink_to_fit();
        self.guids.shrink_to_fit();
        self.interfaces.shrink_to_fit();
        self.loads.shrink_to_fit();
        self.links.shrink_to_fit();
        self.text_consts.shrink_to_fit();
        self.path_literals.shrink_to_fit();
    }
}

/// An attribute written on a declaration: MIDL's `[call_as(RemoteNext)]` has the name
/// `call_as` and the arguments `RemoteNext`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attribute {
    pub name: String,
    pub args: String,
}

/// Whether any of the attributes has this name.
pub fn has_attribute(attributes: &[Attribute], name: &str) -> bool {
    attributes.iter().any(|a| a.name == name)
}

/// A COM or RPC interface (MIDL `interface`, `dispinterface`). Its methods are in
/// [`FileIr::functions`], named `Interface::Method`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Interface {
    pub name: String,
    pub attributes: Vec<Attribute>,
    pub name_span: Span,
    pub cond: Cond,
}

/// `mod name;` in Rust: a module whose code is in another file, which is compiled only where
/// the declaration is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleDecl {
    pub name: String,
    /// The inline modules around the declaration (`mod a { mod b; }`: `["a"]`), which are
    /// directories on the way to its file.
    pub inline: Vec<String>,
    /// The file by build condition: `#[path = "…"]` and `#[cfg_attr(…, path = "…")]`, as
    /// written; `None` is the default place (`name.rs` or `name/mod.rs`).
    pub paths: Vec<(Cond, Option<String>)>,
    pub cond: Cond,
}

/// A `use` of a name (or a glob) from a module path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The module path, e.g. `["windows_sys", "Win32", "UI", "WindowsAndMessaging"]`.
    pub module: Vec<String>,
    /// `None` for a glob import.
    pub name: Option<String>,
    /// The local name when renamed with `as`.
    pub rename: Option<String>,
}

/// A type as written, before resolution against declarations and knowledge tables.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    Named(String),
    Pointer(Box<TypeRef>),
    Reference(Box<TypeRef>),
    FnPtr,
    Unit,
    /// `_`: the type comes from context.
    Infer,
    /// Arrays, tuples, trait objects and anything else that is never an integer or a handle.
    Other,
}

impl TypeRef {
    pub fn named(name: &str) -> TypeRef {
        TypeRef::Named(name.to_string())
    }

    /// The named type, behind any references and pointers: field access sees through them.
    pub fn pointee_name(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Pointer(inner) | TypeRef::Reference(inner) => inner.pointee_name(),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TypeAlias {
    pub name: String,
    pub ty: TypeRef,
    /// The whole declaration.
    pub span: Span,
    /// The aliased type.
    pub ty_span: Span,
    pub cond: Cond,
    /// MIDL type attributes (`[context_handle]`, `[transmit_as(T)]`).
    pub attributes: Vec<Attribute>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StructDecl {
    pub name: String,
    /// Named fields by name; tuple fields by index (`"0"`).
    pub fields: Vec<(String, TypeRef)>,
    /// The type of each field as written, in the order of `fields`.
    pub field_spans: Vec<Span>,
    pub name_span: Span,
    /// Laid out as C lays out a struct: every C struct, and Rust's `#[repr(C)]`.
    pub c_layout: bool,
    pub cond: Cond,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FnKind {
    /// Declared in an `extern` block or a binding macro: implemented elsewhere, the ABI matters.
    Foreign,
    /// Defined here, with its body.
    Defined(BodyId),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub name: String,
    pub ty: TypeRef,
    pub ty_span: Span,
    /// MIDL parameter attributes (`[in]`, `[call_as(...)]`, `[context_handle]`).
    pub attributes: Vec<Attribute>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FnDecl {
    pub name: String,
    pub kind: FnKind,
    pub params: Vec<Param>,
    /// `None` when the function returns nothing.
    pub ret: Option<TypeRef>,
    /// The return type as written; the signature's end when there is none.
    pub ret_span: Span,
    pub name_span: Span,
    pub cond: Cond,
    /// MIDL method attributes (`[local]`, `[call_as(Next)]`, `[propget]`).
    pub attributes: Vec<Attribute>,
    /// The library a Rust `extern` function is imported from, when the code names it
    /// (`#[link(name = "user32")]`, `link!("user32.dll" …)`), lower-cased without `.dll`.
    pub library: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ConstDecl {
    pub name: String,
    pub ty: TypeRef,
    pub cond: Cond,
}

/// What an expression evaluates to, reduced to what decides its width and provenance.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// An integer literal, sign applied.
    Int(i128),
    Local(LocalId),
    /// A constant, static, unit struct or function item, by name.
    Global(String),
    Cast(Box<Value>, ConversionTarget),
    /// A call of a path (function, tuple-struct constructor); `callee` is the last segment,
    /// `qualifier` the segment before it (`Box` in `Box::into_raw`).
    Call {
        qualifier: Option<String>,
        callee: String,
        args: Vec<Value>,
    },
    Method(Box<Value>, String),
    Field(Box<Value>, String),
    Tuple(Vec<Value>),
    AddressOf(Box<Value>),
    /// What a pointer points to: `*p`, `p[i]`.
    Deref(Box<Value>),
    /// Arithmetic that keeps a pointer's meaning (`p + 8`, `p | tag`).
    Arith(Box<Value>, Box<Value>),
    /// C's `a - b`: a pointer moved back when `b` is an integer, a distance (`ptrdiff_t`)
    /// when both are pointers.
    Difference(Box<Value>, Box<Value>),
    /// Masking or shifting (`x & 0xffff`, `x >> 16`): keeps the width, drops the provenance.
    Masked(Box<Value>),
    /// A string literal or a macro that produces a pointer to text (`w!("x")`).
    Text,
    Unknown,
}

impl Value {
    /// The value under any casts: `DWL_USER as i32` is `DWL_USER`.
    pub fn without_casts(&self) -> &Value {
        self.cast_chain().last().unwrap_or(self)
    }

    /// The value, then each value under its casts, outermost first.
    pub fn cast_chain(&self) -> impl Iterator<Item = &Value> {
        std::iter::successors(Some(self), |v| match v {
            Value::Cast(inner, _) => Some(inner),
            _ => None,
        })
    }

    /// A literal integer, possibly under casts: `-1isize as HANDLE`, `32512 as *const u16`.
    pub fn is_literal(&self) -> bool {
        match self {
            Value::Int(_) => true,
            Value::Cast(inner, _) => inner.is_literal(),
            _ => false,
        }
    }

    /// Built only from literals and named constants: `(1000 + CERT_ID) as LPCSTR`.
    pub fn is_constant(&self) -> bool {
        match self {
            Value::Int(_) | Value::Global(_) => true,
            Value::Cast(inner, _) | Value::Masked(inner) => inner.is_constant(),
            Value::Arith(left, right) | Value::Difference(left, right) => {
                left.is_constant() && right.is_constant()
            }
            _ => false,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Local {
    pub name: String,
    pub ty: Option<TypeRef>,
    /// Every value assigned to the binding: its initialiser, then later assignments.
    pub values: Vec<Value>,
}

/// A function body, or a constant's initialiser, reduced to its value flow.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Body {
    pub locals: Vec<Local>,
    /// Values stored into fields of locals: `ctx.raw = p as usize`.
    pub field_stores: Vec<(LocalId, String, Value)>,
    /// Values the body returns (tail expression and `return`s).
    pub returns: Vec<Value>,
    pub ret: Option<TypeRef>,
}

/// Where a conversion's inferred target type comes from (`x as _`, or an implicit C conversion).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Slot {
    /// Argument `index` of `arity` arguments of a call to `callee` (a function or a
    /// tuple-struct constructor).
    Arg {
        callee: String,
        index: usize,
        arity: usize,
    },
    /// Field `field` of a struct literal of type `ty`.
    Field { ty: String, field: String },
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ConversionTarget {
    Written(TypeRef),
    Inferred(Slot),
    Unknown,
}

/// A value converted to another type: an `as` cast, a C cast, or (in C) an implicit conversion.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Conversion {
    pub body: BodyId,
    pub value: Value,
    pub to: ConversionTarget,
    /// The whole conversion expression.
    pub span: Span,
    pub value_span: Span,
    /// The target type as written, where it is written (for an implicit conversion, the
    /// declared type of the variable or function it flows into).
    pub to_span: Option<Span>,
    /// Where the converted value goes, when it goes straight into an argument or a field.
    pub destination: Option<Slot>,
    pub cond: Cond,
    /// No cast is written: C converts at an initialisation, assignment, argument or return.
    pub implicit: bool,
    /// The converted value is only an operand of `==` or `!=`: compared with, not kept.
    pub compared: bool,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Arg {
    pub value: Value,
    pub span: Span,
    /// The last segment when the argument is a path (a constant a fix may rename).
    pub name_span: Option<Span>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CallSite {
    pub body: BodyId,
    pub callee: String,
    /// The callee's last path segment, where a rename goes.
    pub callee_span: Span,
    /// The callee was written with a module path (`WindowsAndMessaging::SetWindowLongW`).
    pub qualified: bool,
    pub args: Vec<Arg>,
    pub span: Span,
    pub cond: Cond,
}

/// Flags combined with `|`, as written: named constants and literal bits.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flags {
    pub names: Vec<String>,
    pub bits: u64,
    /// Something other than a name or a literal takes part: the set is not fully known.
    pub opaque: bool,
    pub span: Span,
}

impl Flags {
    pub fn has(&self, name: &str, bit: u64) -> bool {
        self.names.iter().any(|n| n == name) || self.bits & bit != 0
    }
}

/// A registry hive, as named by `HKEY_CLASSES_ROOT`, `HKCR`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RegistryRoot {
    ClassesRoot,
    LocalMachine,
    CurrentUser,
    Users,
    CurrentConfig,
    /// WiX's `HKMU`: the machine for a per-machine install, the user for a per-user one.
    MachineOrUser,
    /// A key handle whose origin is not known here.
    Unknown,
}

impl RegistryRoot {
    /// The hive a name stands for, in the long and the short spellings.
    pub fn parse(name: &str) -> Option<RegistryRoot> {
        Some(match name.to_ascii_uppercase().as_str() {
            "HKEY_CLASSES_ROOT" | "HKCR" => RegistryRoot::ClassesRoot,
            "HKEY_LOCAL_MACHINE" | "HKLM" => RegistryRoot::LocalMachine,
            "HKEY_CURRENT_USER" | "HKCU" => RegistryRoot::CurrentUser,
            "HKEY_USERS" | "HKU" => RegistryRoot::Users,
            "HKEY_CURRENT_CONFIG" | "HKCC" => RegistryRoot::CurrentConfig,
            "HKMU" => RegistryRoot::MachineOrUser,
            _ => return None,
        })
    }
}

/// The registry view (32- or 64-bit) an entry is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RegistryView {
    /// The view of the process that runs the code: the target's.
    Process,
    /// The view of the module being registered: a registrar script runs inside its own DLL.
    Module,
    Bits32,
    Bits64,
    /// `KEY_WOW64_32KEY | KEY_WOW64_64KEY`: the call fails.
    Both,
    /// Decided outside the source (an installer whose platform comes from its build command).
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RegistryAction {
    /// Creates the key or sets the value.
    Write,
    /// Opens the key or reads the value.
    Open,
    Delete,
}

/// One element of a key path. `name` is `None` when the text is only known at run time;
/// `span` is where the name is written as is in the file (a fix can rename it there).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeySegment {
    pub name: Option<String>,
    pub span: Option<Span>,
}

impl KeySegment {
    pub fn is(&self, name: &str) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistryValue {
    /// `""` for the key's default value.
    pub name: String,
    /// The value's text, when it is a string known here.
    pub data: Option<String>,
    /// The value (name and data) as written.
    pub span: Span,
}

/// A registry key or value that a registry script, an installer or code writes, opens or deletes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistryEntry {
    pub root: RegistryRoot,
    /// The key's path below the root, as written (`Wow6432Node` included).
    pub key: Vec<KeySegment>,
    /// `None` when the entry is the key itself.
    pub value: Option<RegistryValue>,
    pub action: RegistryAction,
    pub view: RegistryView,
    /// Where the view is chosen, when it is written: a call's flags, a component's bitness.
    pub view_span: Option<Span>,
    /// The whole entry: a `.reg` line, an element, a call.
    pub span: Span,
    pub cond: Cond,
}

/// A registry call of code, its texts as the program builds them (literals mapped to where
/// they are written, constants by name).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistryCall {
    /// Where its entry goes in [`FileIr::registry`], which keeps the order of the file.
    pub at: usize,
    pub root: RegistryRoot,
    /// The key's path below the root.
    pub key: MappedText,
    /// The value's name and data; `None` when the call is about the key itself.
    pub value: Option<(MappedText, Option<MappedText>)>,
    pub action: RegistryAction,
    pub view: RegistryView,
    pub view_span: Option<Span>,
    /// The whole call.
    pub span: Span,
    pub cond: Cond,
}

/// A GUID, as its 128 bits in the order of its text form (`GUID::from_u128`'s order).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Guid(pub u128);

impl Guid {
    /// `{12345678-1234-1234-1234-123456789abc}`, braces optional, case ignored.
    pub fn parse(text: &str) -> Option<Guid> {
        let text = text.trim();
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let groups: Vec<&str> = inner.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if lengths != [8, 4, 4, 4, 12] || !inner.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        {
            return None;
        }
        u128::from_str_radix(&groups.concat(), 16).ok().map(Guid)
    }

    /// The fields of a `GUID` struct: `data1`, `data2`, `data3`, `data4`.
    pub fn from_fields(data1: u32, data2: u16, data3: u16, data4: [u8; 8]) -> Guid {
        Guid(
            (u128::from(data1) << 96)
                | (u128::from(data2) << 80)
                | (u128::from(data3) << 64)
                | u128::from(u64::from_be_bytes(data4)),
        )
    }
}

impl std::fmt::Display for Guid {
    /// The registry's spelling: `{12345678-1234-1234-1234-123456789ABC}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = format!("{:032X}", self.0);
        write!(
            f,
            "{{{}-{}-{}-{}-{}}}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

/// A named GUID constant: `const CLSID_X: GUID = GUID::from_u128(..)`, `DEFINE_GUID(CLSID_X, ..)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GuidConst {
    pub name: String,
    pub guid: Guid,
    pub cond: Cond,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClsidRef {
    Guid(Guid),
    /// A constant, resolved by the model across files.
    Named(String),
    Unknown,
}

/// A COM class activated by CLSID: `CoCreateInstance`, `CoCreateInstanceEx`, `CoGetClassObject`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ComActivation {
    pub api: String,
    pub clsid: ClsidRef,
    /// The `CLSCTX` argument.
    pub context: Flags,
    /// The whole call.
    pub span: Span,
    pub cond: Cond,
}

/// A part of a text whose constants are replaced by their text ([`super::text::expand`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextPart {
    Literal(String),
    /// The package's root directory (`CARGO_MANIFEST_DIR`).
    PackageRoot,
    /// Only known at run time.
    Unknown,
}

/// A constant holding text: `const PLUGIN: &str = "x.dll";`, `#define PLUGIN L"x.dll"`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TextConst {
    pub name: String,
    pub value: MappedText,
    pub cond: Cond,
}

/// A flag passed to a library load, as written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LoadFlag {
    Named(String),
    Bits(u64),
    Unknown,
}

/// A library loaded at run time: `LoadLibraryExW(name, _, flags)`, `libloading::Library::new(name)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LoadSite {
    pub body: BodyId,
    /// The function called, e.g. `LoadLibraryExW`, `Library::new`.
    pub api: String,
    pub name: MappedText,
    pub name_span: Span,
    pub flags: Vec<LoadFlag>,
    /// The whole call.
    pub span: Span,
    pub cond: Cond,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// An import library: `#[link(name)]`, `rustc-link-lib=dylib=`, `#pragma comment(lib)`.
    Import,
    Static,
    /// No import library: the DLL itself is bound when the program starts (`kind = "raw-dylib"`).
    RawDylib,
    /// A directory the linker searches: `rustc-link-search`, `/LIBPATH`.
    SearchDir,
}

/// A library or library directory given to the linker.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LinkSite {
    pub kind: LinkKind,
    /// The library name (`foo`, `foo.lib`) or the directory.
    pub name: MappedText,
    pub span: Span,
    pub cond: Cond,
}

/// A string literal in a function body that looks like a file-system path (it holds `\` or `/`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PathLiteral {
    pub body: BodyId,
    pub text: String,
    pub span: Span,
    pub cond: Cond,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BinaryFormat {
    Pe32,
    Pe32Plus,
    Coff,
    Archive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BinaryKind {
    Dll,
    Executable,
    Driver,
    ImportLibrary,
    StaticLibrary,
    Object,
}

/// What a binary's headers say about the code in it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BinaryInfo {
    pub format: BinaryFormat,
    pub kind: BinaryKind,
    /// Every machine of its code, sorted: one for an image, any number for a library.
    pub machines: Vec<Machine>,
    /// An ARM64 image whose load configuration could not be read: it may be ARM64X.
    pub maybe_hybrid: bool,
}
