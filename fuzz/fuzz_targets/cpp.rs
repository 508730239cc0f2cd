#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ptrwidth::fuzzing::run("cpp", data));
