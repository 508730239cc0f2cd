//! Collects `link!` function declarations, type aliases and records from windows-sys sources,
//! and turns them into the rows of the function and struct tables.

use std::collections::{HashMap, HashSet};

use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::visit::{self, Visit};
use syn::{
    Attribute, Expr, ExprLit, ExprUnary, Field, FnArg, Ident, ItemConst, ItemMacro, ItemMod,
    ItemStruct, ItemType, ItemUnion, ItemUse, Lit, LitStr, Pat, ReturnType, Signature, Token, Type,
    UnOp, UseTree, Visibility,
};

use crate::cfg::{self, Widths};
use crate::classify::Classifier;

#[derive(Default)]
pub struct Scan {
    files: usize,
    functions: Vec<FnDecl>,
    renames: Vec<Rename>,
    aliases: HashMap<String, Vec<Type>>,
    records: Vec<Record>,
    /// Every `pub const`, with its integer value where it is an integer literal.
    consts: HashMap<String, Vec<Option<i64>>>,
}

struct FnDecl {
    file: usize,
    dll: String,
    widths: Widths,
    sig: Signature,
}

/// `pub use GetWindowLongW as GetWindowLongPtrW;`: on some widths windows-sys provides a
/// function under another function's declaration.
struct Rename {
    file: usize,
    from: String,
    to: String,
    widths: Widths,
}

/// A struct or union: passed by value as `other`, and a row of the struct table.
struct Record {
    name: String,
    widths: Widths,
    /// Named fields by name, tuple fields by index (`"0"`).
    fields: Vec<(String, Type)>,
}

pub struct Table {
    /// Function rows without trailing newline, already sorted.
    pub rows: Vec<String>,
    /// Struct and union rows, likewise.
    pub structs: Vec<String>,
    /// Constant rows: name, then the value when every definition agrees on an integer.
    pub consts: Vec<String>,
    pub warnings: Vec<String>,
}

impl Scan {
    /// Adds one source file. A `link!` body that does not parse is reported on stderr and skipped.
    pub fn add_file(&mut self, label: &str, source: &str) -> syn::Result<()> {
        let file = syn::parse_file(source)?;
        let id = self.files;
        self.files += 1;
        let widths = cfg::widths(&file.attrs);
        Collector {
            scan: self,
            file: id,
            label,
            widths,
        }
        .visit_file(&file);
        Ok(())
    }

    pub fn table<'a>(&'a self) -> Table {
        let record_names: HashSet<String> = self.records.iter().map(|r| r.name.clone()).collect();
        let classifier = Classifier::new(&self.aliases, &record_names);
        let mut renames: HashMap<(usize, &str), Vec<&Rename>> = HashMap::new();
        for rename in &self.renames {
            renames
                .entry((rename.file, rename.from.as_str()))
                .or_default()
                .push(rename);
        }

        // Keyed by every column but the width, so that identical declarations under
        // different cfgs merge into one row covering all their widths.
        let mut merged: HashMap<(String, &str, String), Widths> = HashMap::new();
        let mut add = |name: String, dll: &'a str, signature: String, widths: Widths| {
            let entry = merged.entry((name, dll, signature)).or_insert(Widths::NONE);
            *entry = entry.union(widths);
        };
        for decl in &self.functions {
            let name = decl.sig.ident.unraw().to_string();
            let signature = signature(&classifier, &decl.sig);
            for rename in renames
                .get(&(decl.file, name.as_str()))
                .into_iter()
                .flatten()
            {
                let widths = decl.widths.intersect(rename.widths);
                add(rename.to.clone(), &decl.dll, signature.clone(), widths);
            }
            add(name, &decl.dll, signature, decl.widths);
        }

        let mut rows: Vec<(String, &str, &str, String)> = merged
            .into_iter()
            .filter(|(_, widths)| !widths.is_empty())
            .map(|((name, dll, signature), widths)| (name, widths.label(), dll, signature))
            .collect();
        rows.sort();
        let rows = rows
            .into_iter()
            .map(|(name, widths, dll, signature)| format!("{name}\t{dll}\t{widths}\t{signature}"))
            .collect();
        let structs = self.struct_rows(&classifier);

        let mut warnings = Vec::new();
        for name in classifier.conflicting_aliases() {
            warnings.push(format!(
                "alias {name} has definitions of different classes; classified as other"
            ));
        }
        for name in classifier.unknown_names() {
            warnings.push(format!(
                "type {name} is used but never defined; classified as other"
            ));
        }
        Table {
            rows,
            structs,
            consts: self.const_rows(),
            warnings,
        }
    }

    /// One row per constant name, sorted: `name`, then its value when every definition gives
    /// the same integer (else none: defined, value unknown).
    fn const_rows(&self) -> Vec<String> {
        let mut rows: Vec<String> = self
            .consts
            .iter()
            .map(|(name, values)| {
                let first = values.first().copied().flatten();
                match first.filter(|v| values.iter().all(|other| *other == Some(*v))) {
                    Some(value) => format!("{name}\t{value}"),
                    None => name.clone(),
                }
            })
            .collect();
        rows.sort();
        rows
    }

    /// One row per record and distinct field list: `name, widths, field=type...`, sorted by
    /// name (ptrwidth looks names up by binary search). Records without fields (opaque types)
    /// have nothing to look up and are left out.
    fn struct_rows(&self, classifier: &Classifier) -> Vec<String> {
        let mut merged: HashMap<(&str, String), Widths> = HashMap::new();
        for record in self.records.iter().filter(|r| !r.fields.is_empty()) {
            let fields = record
                .fields
                .iter()
                .map(|(name, ty)| format!("{name}={}", classifier.token(ty)))
                .collect::<Vec<_>>()
                .join("\t");
            let entry = merged.entry((&record.name, fields)).or_insert(Widths::NONE);
            *entry = entry.union(record.widths);
        }
        let mut rows: Vec<(&str, &str, String)> = merged
            .into_iter()
            .filter(|(_, widths)| !widths.is_empty())
            .map(|((name, fields), widths)| (name, widths.label(), fields))
            .collect();
        rows.sort();
        rows.into_iter()
            .map(|(name, widths, fields)| format!("{name}\t{widths}\t{fields}"))
            .collect()
    }
}

/// The return type and parameter columns, tab separated.
fn signature(classifier: &Classifier, sig: &Signature) -> String {
    let mut columns = vec![match &sig.output {
        ReturnType::Default => "void".to_owned(),
        ReturnType::Type(_, ty) => classifier.token(ty),
    }];
    for arg in &sig.inputs {
        // Foreign functions have no receiver; a `self` would not be a Win32 parameter anyway.
        let FnArg::Typed(arg) = arg else { continue };
        let name = match &*arg.pat {
            Pat::Ident(pat) => pat.ident.unraw().to_string(),
            _ => "_".to_owned(),
        };
        columns.push(format!("{name}={}", classifier.token(&arg.ty)));
    }
    columns.join("\t")
}

struct Collector<'a> {
    scan: &'a mut Scan,
    file: usize,
    label: &'a str,
    /// Widths allowed by the cfgs of the enclosing file and modules.
    widths: Widths,
}

impl Collector<'_> {
    fn widths(&self, attrs: &[Attribute]) -> Widths {
        self.widths.intersect(cfg::widths(attrs))
    }

    fn add_record<'f>(
        &mut self,
        ident: &Ident,
        attrs: &[Attribute],
        fields: impl IntoIterator<Item = &'f Field>,
    ) {
        let fields = fields
            .into_iter()
            .enumerate()
            .map(|(index, field)| {
                let name = field
                    .ident
                    .as_ref()
                    .map_or_else(|| index.to_string(), |ident| ident.unraw().to_string());
                (name, field.ty.clone())
            })
            .collect();
        self.scan.records.push(Record {
            name: ident.unraw().to_string(),
            widths: self.widths(attrs),
            fields,
        });
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, item: &'ast ItemMod) {
        let outer = self.widths;
        self.widths = self.widths(&item.attrs);
        visit::visit_item_mod(self, item);
        self.widths = outer;
    }

    fn visit_item_macro(&mut self, item: &'ast ItemMacro) {
        // `windows_link::link!` today, `windows_targets::link!` in older releases.
        if item
            .mac
            .path
            .segments
            .last()
            .is_none_or(|seg| seg.ident != "link")
        {
            return;
        }
        match item.mac.parse_body::<LinkBody>() {
            Ok(body) => self.scan.functions.push(FnDecl {
                file: self.file,
                dll: body.dll.value(),
                widths: self.widths(&item.attrs),
                sig: body.sig,
            }),
            Err(err) => {
                let line = err.span().start().line;
                eprintln!("{}:{line}: skipping unparsable link!: {err}", self.label);
            }
        }
    }

    fn visit_item_const(&mut self, item: &'ast ItemConst) {
        if !matches!(item.vis, Visibility::Public(_)) {
            return;
        }
        let name = item.ident.unraw().to_string();
        self.scan
            .consts
            .entry(name)
            .or_default()
            .push(integer_value(&item.expr));
    }

    fn visit_item_type(&mut self, item: &'ast ItemType) {
        let name = item.ident.unraw().to_string();
        let defs = self.scan.aliases.entry(name).or_default();
        defs.push((*item.ty).clone());
    }

    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        self.add_record(&item.ident, &item.attrs, &item.fields);
    }

    fn visit_item_union(&mut self, item: &'ast ItemUnion) {
        self.add_record(&item.ident, &item.attrs, &item.fields.named);
    }

    fn visit_item_use(&mut self, item: &'ast ItemUse) {
        let (Visibility::Public(_), UseTree::Rename(rename)) = (&item.vis, &item.tree) else {
            return;
        };
        self.scan.renames.push(Rename {
            file: self.file,
            from: rename.ident.unraw().to_string(),
            to: rename.rename.unraw().to_string(),
            widths: self.widths(&item.attrs),
        });
    }
}

/// `1024u32`, `-12i32`, `0x8000_0000u32 as _`, `-1i32 as _`: the value a C compiler sees for
/// the macro the constant stands for; `None` for anything else (a GUID, a string, an
/// expression).
fn integer_value(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int
            .base10_parse::<i128>()
            .ok()
            .and_then(|v| i64::try_from(v).ok()),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => integer_value(expr)?.checked_neg(),
        Expr::Cast(cast) => integer_value(&cast.expr),
        Expr::Paren(paren) => integer_value(&paren.expr),
        _ => None,
    }
}

/// The body of `link!("kernel32.dll" "system" ["LinkName"] fn Name(..) -> T)`.
struct LinkBody {
    dll: LitStr,
    sig: Signature,
}

impl Parse for LinkBody {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let dll = input.parse()?;
        let _abi: LitStr = input.parse()?;
        // The optional symbol name differs from the Rust name; the table uses the Rust name.
        if input.peek(LitStr) {
            let _link_name: LitStr = input.parse()?;
        }
        let sig = input.parse()?;
        input.parse::<Option<Token![;]>>()?;
        Ok(LinkBody { dll, sig })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
        pub type BOOL = i32;
        pub type PCWSTR = *const u16;
        pub type HANDLE = *mut core::ffi::c_void;
        pub type HWND = *mut core::ffi::c_void;
        pub type LONG_PTR = isize;
        pub type LRESULT = LONG_PTR;
        pub type SOCKET = usize;
        pub type WNDPROC = Option<unsafe extern "system" fn(hwnd: HWND, msg: u32) -> LRESULT>;
        #[repr(C)]
        pub struct POINT { pub x: i32, pub y: i32 }

        windows_link::link!("kernel32.dll" "system" fn CreateFileW(lpfilename : windows_sys::core::PCWSTR, r#type : u32) -> HANDLE);
        windows_link::link!("user32.dll" "system" fn CallWindowProcW(lpprevwndfunc : WNDPROC, pt : POINT, ppt : *mut POINT, name : *const u16) -> super::super::Foundation:: LRESULT);
        windows_link::link!("kernel32.dll" "system" fn ExitProcess(code : u32) -> !);
        windows_link::link!("ws2_32.dll" "system" fn socket(af : i32) -> SOCKET);
        windows_link::link!("msvcrt.dll" "C" fn printf(format : *const u8, ...) -> i32);
        windows_link::link!("user32.dll" "system" fn NoReturn(unknown : MYSTERY, arr : [u8; 4]));
        #[cfg(target_arch = "x86")]
        windows_link::link!("user32.dll" "system" fn Twice(hwnd : HWND) -> BOOL);
        #[cfg(any(target_arch = "aarch64", target_arch = "arm64ec", target_arch = "x86_64"))]
        windows_link::link!("user32.dll" "system" fn Twice(hwnd : HWND) -> BOOL);
        windows_link::link!("user32.dll" "system" fn GetWindowLongW(hwnd : HWND) -> i32);
        #[cfg(target_pointer_width = "64")]
        windows_link::link!("user32.dll" "system" fn GetWindowLongPtrW(hwnd : HWND) -> isize);
        #[cfg(target_pointer_width = "32")]
        pub use GetWindowLongW as GetWindowLongPtrW;
        windows_link::link!(this is not a declaration);
    "#;

    #[test]
    fn classifies_a_synthetic_crate() {
        let mut scan = Scan::default();
        scan.add_file("synthetic.rs", SOURCE).expect("parses");
        let table = scan.table();
        assert_eq!(
            table.rows,
            [
                "CallWindowProcW\tuser32.dll\tany\tisize:LRESULT\tlpprevwndfunc=fnptr:WNDPROC\tpt=other:POINT\tppt=ptr\tname=ptr",
                "CreateFileW\tkernel32.dll\tany\tptr:HANDLE\tlpfilename=ptr:PCWSTR\ttype=u32",
                "ExitProcess\tkernel32.dll\tany\tvoid\tcode=u32",
                "GetWindowLongPtrW\tuser32.dll\t32\ti32\thwnd=ptr:HWND",
                "GetWindowLongPtrW\tuser32.dll\t64\tisize\thwnd=ptr:HWND",
                "GetWindowLongW\tuser32.dll\tany\ti32\thwnd=ptr:HWND",
                "NoReturn\tuser32.dll\tany\tvoid\tunknown=other:MYSTERY\tarr=other",
                "Twice\tuser32.dll\tany\ti32:BOOL\thwnd=ptr:HWND",
                "printf\tmsvcrt.dll\tany\ti32\tformat=ptr",
                "socket\tws2_32.dll\tany\tusize:SOCKET\taf=i32",
            ]
        );
        assert_eq!(
            table.warnings,
            ["type MYSTERY is used but never defined; classified as other"]
        );
    }

    #[test]
    fn structs_and_unions_become_rows() {
        let mut scan = Scan::default();
        let source = r#"
            pub type HANDLE = *mut core::ffi::c_void;
            pub type WPARAM = usize;
            windows_link::link!("user32.dll" "system" fn F(h : HANDLE));
            #[repr(C)]
            pub struct RAWINPUT { pub header: RAWINPUTHEADER, pub data: RAWINPUT_0 }
            #[repr(C)]
            pub union RAWINPUT_0 { pub hid: u8, pub mouse: [u32; 6] }
            #[repr(C)]
            pub struct RAWINPUTHEADER { pub dwType: u32, pub hDevice: super::Foundation::HANDLE, pub wParam: WPARAM }
            #[repr(C)]
            pub struct LOGON_TYPE(pub i32);
            pub struct OPAQUE {}
            #[cfg(target_arch = "x86")]
            pub struct CONTEXT { pub Eip: u32, pub r#type: u32 }
            #[cfg(any(target_arch = "arm64ec", target_arch = "x86_64"))]
            pub struct CONTEXT { pub Rip: u64 }
            #[cfg(target_arch = "aarch64")]
            pub struct CONTEXT { pub Pc: u64 }
        "#;
        scan.add_file("structs.rs", source).expect("parses");
        let table = scan.table();
        assert_eq!(
            table.structs,
            [
                "CONTEXT\t32\tEip=u32\ttype=u32",
                "CONTEXT\t64\tPc=u64",
                "CONTEXT\t64\tRip=u64",
                "LOGON_TYPE\tany\t0=i32",
                "RAWINPUT\tany\theader=other:RAWINPUTHEADER\tdata=other:RAWINPUT_0",
                "RAWINPUTHEADER\tany\tdwType=u32\thDevice=ptr:HANDLE\twParam=usize:WPARAM",
                "RAWINPUT_0\tany\thid=u8\tmouse=other",
            ]
        );
        assert!(table.warnings.is_empty(), "{:?}", table.warnings);
    }

    #[test]
    fn conflicting_alias_definitions_are_reported() {
        let mut scan = Scan::default();
        let source = r#"
            pub type CALLBACK = Option<unsafe extern "system" fn()>;
            mod a { pub type ULONG_PTR = u32; }
            mod b { pub type ULONG_PTR = u64; }
            #[cfg(target_arch = "x86")]
            pub type CALLBACK = Option<unsafe extern "system" fn(x: u32)>;
            windows_link::link!("a.dll" "system" fn F(cb : CALLBACK, p : ULONG_PTR));
        "#;
        scan.add_file("conflict.rs", source).expect("parses");
        let table = scan.table();
        assert_eq!(
            table.rows,
            ["F\ta.dll\tany\tvoid\tcb=fnptr:CALLBACK\tp=other:ULONG_PTR"]
        );
        assert_eq!(
            table.warnings,
            ["alias ULONG_PTR has definitions of different classes; classified as other"]
        );
    }
}
