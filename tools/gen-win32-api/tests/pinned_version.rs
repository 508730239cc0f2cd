//! The tables are reproducible only from the exact windows-sys release they were generated
//! from: `regenerate.sh` pins one version, and the committed tables name that same version.
//! (`regenerate.sh --check`, run by `.ci/run`, regenerates them and compares every row.)

use std::fs;
use std::path::Path;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The version `regenerate.sh` asks cargo for, which must be an exact requirement (`=x.y.z`).
fn pinned_version() -> String {
    let script = repo_file("tools/gen-win32-api/regenerate.sh");
    let version = script
        .lines()
        .find_map(|line| line.strip_prefix("windows_sys_version=\""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("regenerate.sh sets windows_sys_version=\"x.y.z\"");
    assert!(
        script.contains("windows-sys = \"=$windows_sys_version\""),
        "regenerate.sh must require exactly windows-sys {version}"
    );
    version.to_string()
}

#[test]
fn the_tables_come_from_the_windows_sys_release_regenerate_sh_pins() {
    let version = pinned_version();
    assert_eq!(
        version.split('.').count(),
        3,
        "not an exact version: {version}"
    );
    for table in ["rules/data/win32-api.tsv", "rules/data/win32-structs.tsv"] {
        let text = repo_file(table);
        let header = text.lines().next().unwrap_or_default();
        assert!(
            header.contains(&format!("declared by windows-sys {version};")),
            "{table} was not generated from windows-sys {version}: {header}"
        );
    }
}
