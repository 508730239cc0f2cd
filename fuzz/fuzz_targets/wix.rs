#![no_main]

use libfuzzer_sys::fuzz_target;
use ptrwidth::discover::{FileKind, RegistryFormat};

fuzz_target!(|data: &[u8]| {
    let _ = ptrwidth::frontend::lower(FileKind::Registry(RegistryFormat::Wix), data.to_vec());
});
