//@ target: i686-pc-windows-msvc
//@ target: x86_64-pc-windows-msvc
use std::env;

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").unwrap();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    if arch == "x86" {
        println!("cargo:rustc-link-search=native={root}/lib/x86");
    } else {
        println!("cargo:rustc-link-search=native={root}/lib/x64");
    }
    match env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() {
        Ok("32") => println!("cargo:rustc-link-search=native=lib/x86"),
        _ => println!("cargo:rustc-lition) //~ WARN unused-allow
    hwnd as isize
}

fn trailing(hwnd: HWND) -> isize {
    hwnd as isize // ptrwidth: allow(handle-truncation) //~ WARN unused-allow
}

fn misspelt(hwnd: HWND) -> u32 {
    hwnd as u32 /* ptrwidth: allow(handle-trunction) */ //~ WARN unused-allow //~ WARN handle-truncation
}

fn one_of_two_used(event: u32) -> HANDLE {
    // ptrwidth: allow(handle-truncation, int-to-handle) //~ WARN unused-allow
    event as HANDLE
}

fn after_a_reason(hwnd: HWND) -> isize {
    // The id is an HWND. ptnk-search=native=lib/x64"),
    }
    if env::var("TARGET").unwrap().starts_with("x86_64") {
        println!("cargo:rustc-link-lib=dylib=scanner");
    }
    println!("cargo:rustc-link-lib=static=core");
}
