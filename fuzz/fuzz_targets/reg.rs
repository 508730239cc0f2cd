#![no_main]

//! regedit scripts come as UTF-8 (or ANSI) and, as regedit exports them, as UTF-16LE with a
//! BOM: each input is lowered as given and again as its UTF-16LE encoding, reaching the decoder
//! and the parser by both roads.

use libfuzzer_sys::fuzz_target;
use ptrwidth::discover::{FileKind, RegistryFormat};

fuzz_target!(|data: &[u8]| {
    let kind = FileKind::Registry(RegistryFormat::RegEdit);
    let _ = ptrwidth::frontend::lower(kind, data.to_vec());
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(String::from_utf8_lossy(data).encode_utf16().flat_map(u16::to_le_bytes));
    let _ = ptrwidth::frontend::lower(kind, utf16);
});
