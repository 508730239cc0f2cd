#![no_main]

//! The whole run on a small tree: the input is split into files at each NUL byte, and the first
//! byte of each part picks its extension, so one input can hold a crate, its header and a DLL.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::rules;
use ptrwidth::target::{DEFAULT_TRIPLE, Target};

const EXTENSIONS: [&str; 8] = ["rs", "c", "h", "cpp", "idl", "dll", "lib", "reg"];

fuzz_target!(|data: &[u8]| {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    let knowledge = KNOWLEDGE.get_or_init(|| Knowledge::load().expect("the tables load"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (n, part) in data.split(|&b| b == 0).filter(|p| !p.is_empty()).take(6).enumerate() {
        let extension = EXTENSIONS[usize::from(part[0]) % EXTENSIONS.len()];
        let name = dir.path().join(format!("f{n}.{extension}"));
        std::fs::write(name, &part[1..]).expect("a file is written");
    }
    let options = Options {
        paths: vec![dir.path().to_path_buf()],
        excluded_dirs: Vec::new(),
        targets: vec![
            Target::parse(DEFAULT_TRIPLE).expect("the default target"),
            Target::parse("i686-pc-windows-msvc").expect("a 32-bit target"),
        ],
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
        cache: None,
    };
    engine::run(&options, knowledge).expect("the run starts");
});
