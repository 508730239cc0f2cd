//! The type model and provenance, on small programs lowered by the Rust front end.

use super::ty::{HandleKind, IntBits, PtrKind, Ty};
use super::*;
use crate::frontend::rust;
use crate::knowledge::Knowledge;

fn x64() -> Target {
    Target::parse("x86_64-pc-windows-msvc").unwrap()
}

/// Lowers `source`, then calls `check` with the model and the value of the first conversion.
fn with_first_conversion(source: &str, check: impl FnOnce(&Semantic, &ir::Conversion)) {
    let knowledge = Knowledge::load().unwrap();
    let (ir, _) = rust::lower(source).unwrap();
    let targets = [x64()];
    let files = [&ir];
    let model = Model::new(&knowledge, &targets, &files);
    let semantic = model.semantic(&ir);
    let conversion = ir.conversions.first().expect("the snippet has a cast");
    check(&semantic, conversion);
}

fn info(semantic: &Semantic, conversion: &ir::Conversion) -> ValueInfo {
    let body = &semantic.file.bodies[conversion.body];
    semantic.value_info(body, &conversion.value, &x64())
}

#[test]
fn knowledge_tables_resolve_win32_names() {
    with_first_conversion(
        "fn f(h: HWND) -> u32 { h as u32 }",
        |semantic, conversion| {
            let value = info(semantic, conversion);
            assert!(matches!(&value.ty, Ty::Handle(h) if h.name == "HWND"));
            assert_eq!(value.origin.unwrap().kind, HandleKind::Shared);
            let to = semantic.conversion_target(&conversion.to, &x64());
            assert_eq!(to.width(64), Some(32));
        },
    );
    with_first_conversion(
        "fn f(m: HMODULE) -> DWORD { m as DWORD }",
        |semantic, conversion| {
            assert_eq!(
                info(semantic, conversion).origin.unwrap().kind,
                HandleKind::Address
            );
            let to = semantic.conversion_target(&conversion.to, &x64());
            assert!(matches!(to, Ty::Int(i) if i.bits == IntBits::Fixed(32) && !i.signed));
        },
    );
}

#[test]
fn local_aliases_and_newtypes_are_seen() {
    let source = "type Cookie = *mut Ctx; struct Ctx; fn f(c: Cookie) -> i32 { c as i32 }";
    with_first_conversion(source, |semantic, conversion| {
        assert_eq!(info(semantic, conversion).ty, Ty::Pointer(PtrKind::Data));
    });
    // The windows crate's newtype: `.0` is the pointer inside, still a handle by origin.
    let source = "pub struct HWND(pub *mut core::ffi::c_void); fn f(h: HWND) -> u32 { h.0 as u32 }";
    with_first_conversion(source, |semantic, conversion| {
        let value = info(semantic, conversion);
        assert_eq!(value.ty, Ty::Pointer(PtrKind::Data));
        assert_eq!(value.origin.unwrap().description, "`HWND` handle");
    });
}

#[test]
fn provenance_survives_widening_and_bindings_but_not_masks() {
    let source = "fn f(p: *mut u8) -> u32 { let raw = p as usize; let n = raw + 8; n as u32 }";
    with_first_conversion(source, |semantic, _| {
        let last = semantic.file.conversions.last().unwrap();
        let value = info(semantic, last);
        assert_eq!(value.origin.unwrap().description, "raw pointer");
    });
    let source = "fn f(p: *mut u8) -> u16 { ((p as usize) & 0xffff) as u16 }";
    with_first_conversion(source, |semantic, _| {
        let last = semantic.file.conversions.last().unwrap();
        assert_eq!(info(semantic, last).origin, None);
    });
    let source = "fn f(p: *mut u8) -> u32 { let narrow = p as u32; narrow as u32 }";
    with_first_conversion(source, |semantic, _| {
        // Already truncated once: the second cast is not a second truncation of the pointer.
        let last = semantic.file.conversions.last().unwrap();
        assert_eq!(info(semantic, last).origin, None);
    });
}

#[test]
fn helper_functions_pass_on_what_they_return() {
    let source = "fn raw(h: HWND) -> usize { h as usize } fn f(h: HWND) -> u32 { raw(h) as u32 }";
    with_first_conversion(source, |semantic, _| {
        let last = semantic.file.conversions.last().unwrap();
        assert_eq!(
            info(semantic, last).origin.unwrap().description,
            "`HWND` handle"
        );
    });
}

#[test]
fn inferred_targets_come_from_the_slot() {
    let source = "struct Rec { id: u32 } fn f(s: SOCKET) -> Rec { Rec { id: s as _ } }";
    with_first_conversion(source, |semantic, conversion| {
        let to = semantic.conversion_target(&conversion.to, &x64());
        assert_eq!(to.width(64), Some(32));
        assert!(info(semantic, conversion).origin.is_some());
    });
    let source = "fn f(dw: u32) -> HWND { HWND(dw as _) }";
    with_first_conversion(source, |semantic, conversion| {
        let to = semantic.conversion_target(&conversion.to, &x64());
        assert!(matches!(to, Ty::Handle(h) if h.name == "HWND"));
    });
}

#[test]
fn api_table_gives_return_types() {
    let source = "fn f() -> u32 { unsafe { GetModuleHandleW(core::ptr::null()) as u32 } }";
    with_first_conversion(source, |semantic, conversion| {
        assert!(matches!(info(semantic, conversion).ty, Ty::Handle(h) if h.name == "HMODULE"));
    });
}

#[test]
fn win32_struct_fields_come_from_the_struct_table() {
    let handle = |source: &str, expected: &str| {
        with_first_conversion(source, |semantic, conversion| {
            let value = info(semantic, conversion);
            assert!(
                matches!(&value.ty, Ty::Handle(h) if h.name == expected),
                "{source}: {value:?}"
            );
        });
    };
    handle(
        "fn f(info: WNDCLASSEXW) -> i32 { info.hbrBackground as i32 }",
        "HBRUSH",
    );
    handle(
        "fn f(info: &WNDCLASSEXW) -> i32 { info.hIcon as i32 }",
        "HICON",
    );
    // Nested by-value structs chain: `RAWINPUT.header` is a `RAWINPUTHEADER`.
    handle(
        "fn f(data: RAWINPUT) -> u32 { data.header.hDevice as u32 }",
        "HANDLE",
    );
    handle(
        "fn f(data: *const RAWINPUT) -> u32 { data.header.hDevice as u32 }",
        "HANDLE",
    );
    // The tree's own declaration wins over the table, and an unknown field stays unknown.
    let source = "struct WNDCLASSEXW { hbrBackground: u32 } fn f(i: WNDCLASSEXW) -> i32 { i.hbrBackground as i32 }";
    with_first_conversion(source, |semantic, conversion| {
        assert!(matches!(info(semantic, conversion).ty, Ty::Int(_)));
    });
    let source = "fn f(info: WNDCLASSEXW) -> i32 { info.noSuchField as i32 }";
    with_first_conversion(source, |semantic, conversion| {
        assert_eq!(info(semantic, conversion), ValueInfo::unknown());
    });
    // A struct literal's field is the slot an inferred cast converts to.
    let source =
        "fn f(hwnd: HWND) -> NMHDR { NMHDR { hwndFrom: hwnd, idFrom: hwnd as _, code: 0 } }";
    with_first_conversion(source, |semantic, conversion| {
        let to = semantic.conversion_target(&conversion.to, &x64());
        assert_eq!(to.width(64), Some(64));
    });
}

#[test]
fn cfg_conditions_reach_statements_and_branches() {
    let source = r#"
        fn f(h: HWND) {
            #[cfg(target_pointer_width = "32")]
            let a = h as u32;
            if cfg!(target_pointer_width = "32") { let b = h as u32; } else { let c = h as u64; }
        }"#;
    let (ir, _) = rust::lower(source).unwrap();
    let live: Vec<bool> = ir
        .conversions
        .iter()
        .map(|c| c.cond.is_live(&x64()))
        .collect();
    assert_eq!(live, [false, false, true]);
}

#[test]
fn use_renames_stand_for_the_imported_name() {
    let source =
        "use windows_sys::Win32::Foundation::HWND as Window; fn f(w: Window) -> u32 { w as u32 }";
    with_first_conversion(source, |semantic, conversion| {
        assert!(matches!(info(semantic, conversion).ty, Ty::Handle(h) if h.name == "HWND"));
    });
}

#[test]
fn value_flow_through_many_reassigned_locals_stays_cheap() {
    // Each local is assigned twice from the one before: 2^60 paths through the value flow.
    let mut body = String::from("fn f(p: *mut u8) -> u32 { let mut a0 = p as usize;\n");
    for i in 1..60 {
        body.push_str(&format!(
            "let mut a{i} = a{}; a{i} = a{} + 1;\n",
            i - 1,
            i - 1
        ));
    }
    body.push_str("a59 as u32 }");
    with_first_conversion(&body, |semantic, _| {
        let last = semantic.file.conversions.last().unwrap();
        // The budget may cut the walk short; what matters is that the question returns.
        let _ = info(semantic, last);
    });
}

/// The standard library's methods are knowledge, read from `rules/data/rust-std.toml`: with
/// `as_ptr` and `as_raw_handle` taken out of the tables, their results are no longer followed.
#[test]
fn standard_library_methods_come_from_the_knowledge_tables() {
    let source = "fn f(v: Vec<u8>, file: File) { let a = v.as_ptr() as u32; let b = file.as_raw_handle() as u32; }";
    let (ir, _) = rust::lower(source).unwrap();
    let targets = [x64()];
    let files = [&ir];
    let origins = |knowledge: &Knowledge| -> Vec<Option<String>> {
        let model = Model::new(knowledge, &targets, &files);
        let semantic = model.semantic(&ir);
        ir.conversions
            .iter()
            .map(|conversion| info(&semantic, conversion).origin.map(|o| o.description))
            .collect()
    };
    let mut knowledge = Knowledge::load().unwrap();
    assert_eq!(
        origins(&knowledge),
        [
            Some("raw pointer".to_string()),
            Some("`RawHandle` handle".to_string())
        ]
    );
    knowledge.rust_std.pointer_methods.remove("as_ptr");
    knowledge
        .rust_std
        .raw_handle_methods
        .remove("as_raw_handle");
    assert_eq!(origins(&knowledge), [None, None]);
}
