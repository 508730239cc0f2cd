//! Reads the firmware version of the Acme document scanner through the vendor's driver DLL,
//! checked in as vendor/scanner.dll.

use std::path::Path;

use libloading::{Library, Symbol};

/// The vendor's DLL, relative to this crate.
const SCANNER_DLL: &str = "vendor/scanner.dll";

pub fn firmware_version() -> Result<i32, libloading::Error> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCANNER_DLL);
    let library = unsafe { Library::new(path)? };
    let version: Symbol<unsafe extern "C" fn() -> i32> =
        unsafe { library.get(b"scanner_version\0")? };
    Ok(unsafe { version() })
}
