#![no_main]

use libfuzzer_sys::fuzz_target;
use ptrwidth::discover::FileKind;

fuzz_target!(|data: &[u8]| {
    let _ = ptrwidth::frontend::lower(FileKind::Cpp, data.to_vec());
});
