use super::*;
use crate::model::ir::{FnKind, LinkKind, LoadFlag, TypeRef, Value};
use crate::model::text::MappedText;
use crate::target::Target;

fn lower_c(text: &str) -> Lowered {
    lower(Dialect::C, text.as_bytes().to_vec(), None).unwrap()
}

fn x64() -> Target {
    Target::parse("x86_64-pc-windows-msvc").unwrap()
}

fn x86() -> Target {
    Target::parse("i686-pc-windows-msvc").unwrap()
}

#[test]
fn typedefs_handles_defines_and_structs() {
    let lowered = lower_c(
        "DECLARE_HANDLE(HWIDGET);\n\
         typedef struct tagINFO { DWORD hWnd; union { int a; long b; }; void (*cb)(void); } INFO, *PINFO;\n\
         typedef HANDLE MYHANDLE;\n\
         #define OTHER_HANDLE HANDLE\n\
         #define PLAIN 42\n\
         typedef unsigned long int ULONG_T;\n\
         typedef LRESULT (CALLBACK *MYPROC)(HWND, UINT);\n",
    );
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    let ir = &lowered.ir;
    assert_eq!(ir.language, Language::C);
    let alias = |name: &str| {
        ir.aliases
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.ty.clone())
    };
    assert_eq!(
        alias("HWIDGET"),
        Some(TypeRef::Pointer(Box::new(TypeRef::named("HWIDGET__"))))
    );
    assert_eq!(alias("INFO"), Some(TypeRef::named("tagINFO")));
    assert_eq!(
        alias("PINFO"),
        Some(TypeRef::Pointer(Box::new(TypeRef::named("tagINFO"))))
    );
    assert_eq!(alias("MYHANDLE"), Some(TypeRef::named("HANDLE")));
    assert_eq!(alias("OTHER_HANDLE"), Some(TypeRef::named("HANDLE")));
    assert_eq!(alias("PLAIN"), None);
    assert_eq!(alias("ULONG_T"), Some(TypeRef::named("unsigned long")));
    assert_eq!(alias("MYPROC"), Some(TypeRef::FnPtr));
    let info = &ir.structs[0];
    assert_eq!(info.name, "tagINFO");
    let fields: Vec<&str> = info.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(fields, ["hWnd", "a", "b", "cb"]);
    assert_eq!(info.fields[3].1, TypeRef::FnPtr);
    assert_eq!(
        &lowered.text[info.field_spans[0].start..info.field_spans[0].end],
        "DWORD"
    );
}

#[test]
fn prototypes_keep_their_shape_through_blanked_macros() {
    let text = "WINBASEAPI HANDLE WINAPI CreateThing(_In_opt_ LPSECURITY_ATTRIBUTES sa, _In_ SIZE_T size, void *p, int a[]);\n\
                int f(void);";
    let lowered = lower_c(text);
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    let create = &lowered.ir.functions[0];
    assert_eq!(create.name, "CreateThing");
    assert_eq!(create.kind, FnKind::Foreign);
    assert_eq!(create.ret, Some(TypeRef::named("HANDLE")));
    assert_eq!(&text[create.ret_span.start..create.ret_span.end], "HANDLE");
    let params: Vec<(&str, &TypeRef)> = create
        .params
        .iter()
        .map(|p| (p.name.as_str(), &p.ty))
        .collect();
    assert_eq!(params[1], ("size", &TypeRef::named("SIZE_T")));
    assert!(matches!(params[2].1, TypeRef::Pointer(_)));
    assert!(matches!(params[3].1, TypeRef::Pointer(_)));
    assert_eq!(
        &text[create.params[2].ty_span.start..create.params[2].ty_span.end],
        "void *"
    );
    assert!(lowered.ir.functions[1].params.is_empty());
}

#[test]
fn conditions_follow_the_preprocessor() {
    let lowered = lower_c(
        "#ifdef _WIN64\ntypedef unsigned __int64 UPTR;\n#else\ntypedef unsigned long UPTR;\n#endif\n\
         #if defined(SOMETHING)\nint maybe;\n#endif\n",
    );
    let aliases: Vec<_> = lowered
        .ir
        .aliases
        .iter()
        .filter(|a| a.name == "UPTR")
        .collect();
    assert_eq!(aliases.len(), 2);
    assert!(aliases[0].cond.is_live(&x64()) && !aliases[0].cond.is_live(&x86()));
    assert!(!aliases[1].cond.is_live(&x64()) && aliases[1].cond.is_live(&x86()));
    let maybe = &lowered.ir.consts[0];
    assert!(maybe.cond.is_live(&x64()) && maybe.cond.is_live(&x86()));
}

#[test]
fn bodies_record_casts_implicit_conversions_and_calls() {
    let lowered = lower_c(
        "DWORD f(HWND hwnd, PINFO info) {\n\
           DWORD a = (DWORD)hwnd;\n\
           a = hwnd;\n\
           info->hWnd = hwnd;\n\
           SetWindowLong(hwnd, GWL_USERDATA, (LONG)info);\n\
           return hwnd;\n\
         }",
    );
    let ir = &lowered.ir;
    let explicit = ir.conversions.iter().filter(|c| !c.implicit).count();
    let implicit = ir.conversions.iter().filter(|c| c.implicit).count();
    // (DWORD)hwnd, (LONG)info; then the initialisation, the assignment, the field store, the
    // three arguments, and the return.
    assert_eq!(explicit, 2);
    assert_eq!(implicit, 7, "{:#?}", ir.conversions);
    let call = ir
        .calls
        .iter()
        .find(|c| c.callee == "SetWindowLong")
        .unwrap();
    assert_eq!(call.args[1].value, Value::Global("GWL_USERDATA".into()));
    assert!(call.args[1].name_span.is_some());
    let body = &ir.bodies[1];
    assert_eq!(body.field_stores.len(), 1);
    assert_eq!(body.returns.len(), 1);
}

#[test]
fn cpp_is_recognised_in_headers_and_casts_are_lowered() {
    let lowered = lower_c(
        "class Box { public: void Put(HWND h) { m = static_cast<DWORD>(reinterpret_cast<ULONG_PTR>(h)); n = DWORD(h); } DWORD m, n; };",
    );
    assert_eq!(lowered.ir.language, Language::Cpp);
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    assert!(lowered.ir.functions.iter().any(|f| f.name == "Box::Put"));
    let written: Vec<String> = lowered
        .ir
        .conversions
        .iter()
        .filter(|c| !c.implicit)
        .filter_map(|c| c.to_span.map(|s| lowered.text[s.start..s.end].to_string()))
        .collect();
    assert_eq!(written, ["ULONG_PTR", "DWORD", "DWORD"]);
}

#[test]
fn midl_interfaces_and_attributes() {
    let text = "[object, uuid(1), dual] interface IFoo : IDispatch {\n\
                  [id(1), call_as(Bar)] HRESULT RemoteBar([in] DWORD hWnd, [in, context_handle] void *ctx);\n\
                }\n\
                typedef [context_handle] void *PCTX;";
    let lowered = lower(Dialect::Idl, text.as_bytes().to_vec(), None).unwrap();
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    let ir = &lowered.ir;
    assert_eq!(ir.language, Language::Idl);
    assert_eq!(ir.interfaces[0].name, "IFoo");
    assert!(crate::model::ir::has_attribute(
        &ir.interfaces[0].attributes,
        "dual"
    ));
    let method = &ir.functions[0];
    assert_eq!(method.name, "IFoo::RemoteBar");
    assert!(crate::model::ir::has_attribute(
        &method.attributes,
        "call_as"
    ));
    assert!(crate::model::ir::has_attribute(
        &method.params[1].attributes,
        "context_handle"
    ));
    assert!(ir.structs.is_empty());
    assert!(crate::model::ir::has_attribute(
        &ir.aliases[0].attributes,
        "context_handle"
    ));
}

#[test]
fn bad_input_is_analysed_in_part_or_refused_with_a_reason() {
    // Unbalanced braces and unknown macros: what parses is kept, the rest reported.
    let broken =
        lower_c("typedef DWORD MYID;\nvoid f( { UNKNOWN_MACRO(x) int y = ;\nHANDLE g(void);");
    assert_eq!(broken.errors.len(), 1, "{:?}", broken.errors);
    assert!(broken.errors[0].contains("line"), "{}", broken.errors[0]);
    assert!(broken.ir.aliases.iter().any(|a| a.name == "MYID"));
    // K&R definitions.
    lower_c("int old(a, b) int a; char *b; { return a; }");
    // UTF-16 with a byte-order mark, and Latin-1.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("typedef DWORD X;".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let decoded = lower(Dialect::C, utf16, None).unwrap();
    assert_eq!(decoded.ir.aliases[0].name, "X");
    let latin1 = b"/* caf\xe9 */ typedef DWORD Y;".to_vec();
    let decoded = lower(Dialect::C, latin1, None).unwrap();
    assert_eq!(decoded.ir.aliases[0].name, "Y");
    assert!(decoded.text.contains("café"));
    // Binary junk named .h.
    let err = lower(Dialect::C, vec![0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00], None)
        .err()
        .unwrap();
    assert!(err.contains("binary"), "{err}");
    // Truncated input.
    lower_c("typedef struct { DWORD a;");
    lower(Dialect::Idl, b"[object, uuid(".to_vec(), None).unwrap();
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 50_000;
    let expression = format!(
        "int f(void) {{ return {}1{}; }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    lower_c(&expression);
    let blocks = format!("void g(void) {}{}", "{".repeat(depth), "}".repeat(depth));
    lower_c(&blocks);
    let structs = format!("{}int x;{}", "struct s {".repeat(2_000), "};".repeat(2_000));
    lower_c(&structs);
    // Registry arguments, flags and GUID initialisers are read to a bounded depth.
    let open = "(".repeat(depth);
    let close = ")".repeat(depth);
    let call = format!(
        "void h(void) {{ HKEY k; RegCreateKeyExW({open}HKEY_CLASSES_ROOT{close}, {open}L\"x\"{close}, 0, 0, 0, {open}KEY_WRITE{close} | 1, 0, {open}&k{close}, 0); wcscpy({open}k{close}, L\"y\"); }}"
    );
    lower_c(&call);
    let guid = format!("static const CLSID c = {{{open}1{close}, 2, 3, {{4}}}};");
    lower_c(&guid);
}

fn lit(text: &str) -> MappedText {
    MappedText::plain(text)
}

fn konst(name: &str) -> MappedText {
    MappedText::named(name)
}

fn concat(mut text: MappedText, then: MappedText) -> MappedText {
    text.append(then);
    text
}

#[test]
fn load_names_follow_literals_macros_locals_and_constants() {
    let lowered = lower(
        Dialect::Cpp,
        br#"
#define PLUGIN_DIR L"vendor\\"
#define PLUGIN PLUGIN_DIR L"plugin.dll"
#define TPLUGIN TEXT("t.dll") /* the TCHAR build */
#define NOT_TEXT(x) x
#define CALLS_MACRO WIDEN("x.dll")
static const wchar_t kScanner[] = L"vendor\\scanner.dll";
const char *mutable_name = "m.dll";
void f(const wchar_t *dir) {
    LoadLibraryW(L"a.dll");
    LoadLibraryA("b" ".dll");
    LoadLibrary(TEXT("c.dll"));
    ::LoadLibraryW(_T("d\\" "e.dll"));
    const wchar_t *name = L"f.dll";
    LoadLibraryW(name);
    LoadLibraryW(kScanner);
    LoadLibraryW(PLUGIN);
    LoadLibraryW((LPCWSTR)LR"(g\h.dll)");
    std::wstring path(L"i.dll");
    LoadLibraryW(path.c_str());
    LoadPackagedLibrary(L"j.dll", 0);
    LoadLibraryW(dir);
    name = dir;
    LoadLibraryW(name);
    wchar_t buffer[260] = L"k.dll";
    wcscat_s(buffer, 260, L".bak");
    LoadLibraryW(buffer);
    GetModuleHandleW(L"kernel32.dll");
    LoadLibraryW(PLUGIN_DIR L"l.dll");
    std::wstring grown = L"m.dll";
    grown += L".bak";
    LoadLibraryW(grown.c_str());
    std::wstring appended = L"n.dll";
    appended.append(L".bak");
    LoadLibraryW(appended.c_str());
    const wchar_t *kept = L"o.dll";
    wcslen(kept);
    LoadLibraryW(kept);
}
"#
        .to_vec(),
        None,
    )
    .unwrap();
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    let ir = &lowered.ir;
    let names: Vec<MappedText> = ir.loads.iter().map(|l| l.name.without_spans()).collect();
    assert_eq!(
        names,
        [
            lit("a.dll"),
            lit("b.dll"),
            lit("c.dll"),
            lit("d\\e.dll"),
            lit("f.dll"),
            konst("kScanner"),
            konst("PLUGIN"),
            lit("g\\h.dll"),
            lit("i.dll"),
            lit("j.dll"),
            MappedText::unknown(),
            MappedText::unknown(),
            // Buffers are filled for loads as for registry keys.
            lit("k.dll.bak"),
            concat(konst("PLUGIN_DIR"), lit("l.dll")),
            MappedText::unknown(),
            MappedText::unknown(),
            lit("o.dll"),
        ]
    );
    let apis: Vec<&str> = ir.loads.iter().map(|l| l.api.as_str()).collect();
    assert_eq!(
        apis[..4],
        [
            "LoadLibraryW",
            "LoadLibraryA",
            "LoadLibrary",
            "LoadLibraryW"
        ]
    );
    assert_eq!(apis[9], "LoadPackagedLibrary");
    assert_eq!(
        &lowered.text[ir.loads[2].name_span.start..ir.loads[2].name_span.end],
        // `TEXT` is seen through before parsing, as the compiler sees it.
        "\"c.dll\""
    );
    let consts: Vec<(&str, MappedText)> = ir
        .text_consts
        .iter()
        .map(|c| (c.name.as_str(), c.value.without_spans()))
        .collect();
    assert_eq!(
        consts,
        [
            ("PLUGIN_DIR", lit("vendor\\")),
            ("PLUGIN", concat(konst("PLUGIN_DIR"), lit("plugin.dll"))),
            ("TPLUGIN", lit("t.dll")),
            ("kScanner", lit("vendor\\scanner.dll")),
            ("mutable_name", lit("m.dll")),
        ]
    );
}

#[test]
fn load_flags_are_collected() {
    let ir = lower_c(
        "void f(DWORD given) {
            DWORD flags = LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE;
            LoadLibraryExW(L\"a.dll\", NULL, flags);
            LoadLibraryExW(L\"a.dll\", NULL, 0x40);
            LoadLibraryExA(\"a.dll\", NULL, (DWORD)LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE);
            LoadLibraryEx(TEXT(\"a.dll\"), NULL, given);
            LoadLibraryW(L\"a.dll\");
        }",
    )
    .ir;
    let flags: Vec<&Vec<LoadFlag>> = ir.loads.iter().map(|l| &l.flags).collect();
    assert_eq!(
        flags,
        [
            &vec![
                LoadFlag::Named("LOAD_LIBRARY_AS_DATAFILE".into()),
                LoadFlag::Named("LOAD_LIBRARY_AS_IMAGE_RESOURCE".into())
            ],
            &vec![LoadFlag::Bits(0x40)],
            &vec![LoadFlag::Named("LOAD_LIBRARY_AS_DATAFILE_EXCLUSIVE".into())],
            &vec![LoadFlag::Unknown],
            &vec![],
        ]
    );
}

#[test]
fn pragma_comment_lib_is_a_link() {
    let lowered = lower_c(
        "#pragma comment(lib, \"scanner.lib\")\n\
         #ifdef _WIN64\n\
         #pragma comment( lib , \"lib\\\\x64\\\\core\" ) // 64-bit\n\
         #endif\n\
         #pragma comment(linker, \"/DEFAULTLIB:other.lib\")\n\
         #pragma once\n\
         #pragma comment(lib, SCANNER_LIB)\n\
         void f(void) {\n\
         #pragma comment(lib, \"inner\")\n\
         }\n",
    );
    assert!(lowered.errors.is_empty(), "{:?}", lowered.errors);
    let links: Vec<(LinkKind, MappedText, &str)> = lowered
        .ir
        .links
        .iter()
        .map(|l| {
            (
                l.kind,
                l.name.without_spans(),
                &lowered.text[l.span.start..l.span.end],
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (LinkKind::Import, lit("scanner.lib"), "\"scanner.lib\""),
            (
                LinkKind::Import,
                lit("lib\\x64\\core"),
                "\"lib\\\\x64\\\\core\""
            ),
            (LinkKind::Import, konst("SCANNER_LIB"), "SCANNER_LIB"),
            (LinkKind::Import, lit("inner"), "\"inner\""),
        ]
    );
    let x86 = x86();
    assert!(!lowered.ir.links[1].cond.is_live(&x86));
    assert!(lowered.ir.links[1].cond.is_live(&x64()));
}

#[test]
fn path_strings_in_bodies_are_kept() {
    let lowered = lower_c(
        "static const char *outside = \"C:\\\\Windows\\\\System32\";\n\
         void f(void) {\n\
             const wchar_t *dir = L\"C:\\\\Windows\\\\\" L\"SysWOW64\\\\x.dll\";\n\
             LoadLibraryW(L\"plain.dll\");\n\
             SetDllDirectoryW(L\"C:/Program Files (x86)/Acme\" SUFFIX);\n\
         }\n",
    );
    let texts: Vec<(&str, &str)> = lowered
        .ir
        .path_literals
        .iter()
        .map(|p| (p.text.as_str(), &lowered.text[p.span.start..p.span.end]))
        .collect();
    assert_eq!(
        texts,
        [
            (
                "C:\\Windows\\SysWOW64\\x.dll",
                "L\"C:\\\\Windows\\\\\" L\"SysWOW64\\\\x.dll\""
            ),
            (
                "C:/Program Files (x86)/Acme",
                "L\"C:/Program Files (x86)/Acme\""
            ),
        ]
    );
    assert!(lowered.ir.path_literals.iter().all(|p| p.body != 0));
}

/// A 20,000-term `|` chain nests 20,000 deep; following it must stop, not overflow.
#[test]
fn long_flag_chains_are_cut_off() {
    let terms = vec!["LOAD_LIBRARY_AS_DATAFILE"; 20_000].join(" | ");
    let parens = "(".repeat(20_000) + "L\"a.dll\"" + &")".repeat(20_000);
    let source = format!(
        "void f(void) {{ DWORD flags = {terms}; LoadLibraryExW({parens}, 0, flags); }}\n#define DEEP {parens}\n"
    );
    let handle = std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || lower(Dialect::C, source.into_bytes(), None).map(|l| l.ir.loads.len()))
        .unwrap();
    assert_eq!(handle.join().unwrap(), Ok(1));
}

/// A condition costs the same whatever its length: 50 casts under a 2,000-term `#if a || b
/// || ...` lower to an IR no larger than under a one-term `#if`, and the declarations of a
/// 2,000-branch `#elif` chain to one no larger than 2,000 separate groups.
#[test]
fn conditions_cost_the_same_whatever_their_length() {
    let size = |ir: &crate::model::ir::FileIr| postcard::to_stdvec(ir).unwrap().len();
    let casts: String = (0..50)
        .map(|i| format!("unsigned long f{i}(void *p) {{ return (unsigned long)p; }}\n"))
        .collect();
    let terms: String = (1..2000).map(|i| format!(" || A{i}")).collect();
    let long = lower_c(&format!("#if defined(_WIN64){terms}\n{casts}#endif\n"));
    let short = lower_c(&format!("#if defined(_WIN64)\n{casts}#endif\n"));
    assert_eq!(long.ir.conversions.len(), short.ir.conversions.len());
    assert!(long.ir.conversions.len() >= 50);
    assert!(size(&long.ir) < 2 * size(&short.ir));

    let chain: String = (0..2000)
        .map(|i| {
            let directive = if i == 0 { "#if" } else { "#elif" };
            format!("{directive} defined(_M_IX86)\ntypedef DWORD T{i};\n")
        })
        .collect();
    let groups: String = (0..2000)
        .map(|i| format!("#if defined(_M_IX86)\ntypedef DWORD T{i};\n#endif\n"))
        .collect();
    let chain = lower_c(&format!("{chain}#endif\n"));
    let groups = lower_c(&groups);
    assert!(chain.errors.is_empty(), "{:?}", chain.errors);
    assert_eq!(chain.ir.aliases.len(), 2000);
    assert!(size(&chain.ir) < 2 * size(&groups.ir));
    // Only the first branch of the chain is compiled on x86.
    let live = |alias: &&crate::model::ir::TypeAlias| alias.cond.is_live(&x86());
    assert_eq!(chain.ir.aliases.iter().filter(live).count(), 1);
}
