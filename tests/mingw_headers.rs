//! Measures how much of the mingw-w64 Windows headers parse cleanly, before and after the C
//! front end blanks the macros it sees through. Needs the Debian package `mingw-w64-common`;
//! run with `cargo test --release --test mingw_headers -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use ptrwidth::discover::{self, FileKind};
use ptrwidth::frontend;

const HEADERS: &str = "/usr/share/mingw-w64/include";

#[test]
#[ignore = "needs /usr/share/mingw-w64/include (apt-get install mingw-w64-common)"]
fn share_of_headers_that_parse_with_errors() {
    let root = Path::new(HEADERS);
    assert!(root.is_dir(), "{HEADERS} is missing");
    let (inputs, _) = discover::discover(&[PathBuf::from(root)], &[]);
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_c::LANGUAGE.into())
        .unwrap();
    let (mut files, mut raw_errors, mut prepared_errors) = (0, 0, 0);
    for input in inputs
        .iter()
        .filter(|i| matches!(i.kind, FileKind::C | FileKind::Cpp))
    {
        let bytes = std::fs::read(&input.path).unwrap();
        files += 1;
        let raw = parser.parse(&bytes, None).unwrap();
        raw_errors += usize::from(raw.root_node().has_error());
        match frontend::lower(input.kind, bytes, None) {
            Ok(lowered) => prepared_errors += usize::from(!lowered.errors.is_empty()),
            Err(_) => prepared_errors += 1,
        }
    }
    let share = |n: usize| 100.0 * n as f64 / files as f64;
    println!(
        "{files} headers; with syntax errors: {raw_errors} ({:.1}%) as written (tree-sitter-c), \
         {prepared_errors} ({:.1}%) after blanking",
        share(raw_errors),
        share(prepared_errors)
    );
    assert!(prepared_errors < raw_errors);
}
