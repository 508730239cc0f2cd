//! Names of Win32 things live in `rules/data/`, read through `Knowledge`, not in lists written
//! in source: a list of names in a `.rs` file fails here unless it is syntax (keywords, the
//! configuration's own keys), which stays beside the code that parses it.

use std::fs;
use std::path::Path;

/// Lists of syntax, not knowledge: `(file, constant)`.
const SYNTAX: &[(&str, &str)] = &[
    // C++ keywords that make a file C++.
    ("src/frontend/c/prepare.rs", "CPP_WORDS"),
    // The C++ cast operators, keywords of the language.
    ("src/frontend/c/lower.rs", "CASTS"),
    // The prefixes of C and C++ string literals (`L"..."`, `u8R"(...)"`).
    ("src/frontend/c/literal.rs", "LITERAL_PREFIXES"),
    // The GUID macros the GUID reader parses, each by an arm of its own.
    ("src/frontend/c/guids.rs", "GUID_MACROS"),
    // ptrwidth's own configuration file names and keys.
    ("src/config.rs", "FILE_NAMES"),
    ("src/config.rs", "KEYS"),
    ("src/config.rs", "FUNCTION_KEYS"),
    ("src/config.rs", "C_KEYS"),
    ("src/frontend/c/pp/lex.rs", "PUNCTS"),
    // The environment part of a target triple.
    ("src/target.rs", "ENVIRONMENTS"),
    // WiX's XML namespaces.
    ("src/frontend/registry/wix.rs", "NAMESPACES"),
    // The fuzz targets and the file kinds they feed.
    ("src/fuzzing.rs", "TARGETS"),
    ("src/fuzzing.rs", "EXTENSIONS"),
];

/// Files whose lists go with the model's method tables, which leave those files as a whole.
const MOVING_WITH_THEIR_CODE: &[&str] = &["src/model/mod.rs"];

/// The name of a constant or static that holds a list of strings, if `line` declares one.
fn string_list(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let rest = [
        "pub const ",
        "pub(super) const ",
        "const ",
        "pub static ",
        "static ",
    ]
    .iter()
    .find_map(|keyword| line.strip_prefix(keyword))?;
    let (name, ty) = rest.split_once(':')?;
    let ty = ty.trim_start();
    ["&[&str]", "[&str;", "&[(&str,"]
        .iter()
        .any(|shape| ty.starts_with(shape))
        .then_some(name.trim())
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn name_lists_live_in_rules_data_not_in_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if MOVING_WITH_THEIR_CODE.contains(&relative.as_str()) {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(name) = string_list(line)
                && !SYNTAX.contains(&(relative.as_str(), name))
            {
                found.push(format!("{relative}:{}: {name}", i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "name lists written in source; move them to rules/data/ (or list them here if they are syntax):\n{}",
        found.join("\n")
    );
}
