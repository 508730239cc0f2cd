//! Embeds the rule catalog (`rules/*.toml`) and registers every rule in `src/rules/`, so that
//! adding a rule needs only its own source file, catalog entry and fixtures.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo::rerun-if-changed=rules");
    println!("cargo::rerun-if-changed=src/rules");
    // The on-disk cache holds what the front ends made of each file; a build whose sources or
    // dependencies differ may make something else of it, so it reads only its own entries.
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=Cargo.lock");
    let mut hasher = std::hash::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    for path in ["src", "rules", "Cargo.lock"] {
        hash_tree(&root.join(path), &mut hasher);
    }
    println!(
        "cargo::rustc-env=PTRWIDTH_BUILD_ID={:016x}",
        hasher.finish()
    );

    let catalog = names_in(&root.join("rules"), "toml");
    let modules: Vec<String> = names_in(&root.join("src/rules"), "rs")
        .into_iter()
        .filter(|m| m != "mod")
        .collect();
    for module in &modules {
        let rule = module.replace('_', "-");
        if !catalog.contains(&rule) {
            panic!("src/rules/{module}.rs has no catalog entry rules/{rule}.toml");
        }
    }

    let mut catalog_rs = String::from("pub static ENTRIES: &[(&str, &str)] = &[\n");
    for name in &catalog {
        let path = root.join("rules").join(format!("{name}.toml"));
        writeln!(
            catalog_rs,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    catalog_rs.push_str("];\n");

    let mut registry_rs = String::new();
    for module in &modules {
        let path = root.join("src/rules").join(format!("{module}.rs"));
        writeln!(
            registry_rs,
            "#[path = {:?}]\nmod {module};",
            path.display().to_string()
        )
        .unwrap();
    }
    registry_rs.push_str("/// Every rule, in name order.\npub static ALL: &[Rule] = &[\n");
    for module in &modules {
        writeln!(registry_rs, "    {module}::RULE,").unwrap();
    }
    registry_rs.push_str("];\n");

    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("catalog.rs"), catalog_rs).expect("write catalog.rs");
    std::fs::write(Path::new(&out).join("registry.rs"), registry_rs).expect("write registry.rs");
}

/// File stems with the given extension in a directory, sorted.
fn names_in(dir: &Path, extension: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == extension)
                .then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

/// Hashes the names and contents of the files under `path` (or of the file itself), in name
/// order; a path that does not exist adds nothing.
fn hash_tree(path: &Path, hasher: &mut impl Hasher) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|entry| entry.expect("read directory entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            hash_tree(&entry, hasher);
        }
    } else if let Ok(bytes) = std::fs::read(path) {
        path.file_name().hash(hasher);
        bytes.hash(hasher);
    }
}
