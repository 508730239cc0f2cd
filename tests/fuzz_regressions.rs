//! Every input a fuzz target crashed on (`fuzz/regressions/<target>/`), replayed through the
//! same front end: each must now lower, or fail with a reason, without a panic.

use std::path::Path;

use ptrwidth::discover::{FileKind, RegistryFormat};

#[test]
fn every_recorded_crash_input_lowers_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        let target = target.unwrap().path();
        let kind = match target.file_name().unwrap().to_str().unwrap() {
            "rust" => FileKind::Rust,
            "c" => FileKind::C,
            "cpp" => FileKind::Cpp,
            "idl" => FileKind::Idl,
            "reg" => FileKind::Registry(RegistryFormat::RegEdit),
            "rgs" => FileKind::Registry(RegistryFormat::Registrar),
            "wix" => FileKind::Registry(RegistryFormat::Wix),
            "binary" => FileKind::Binary,
            other => panic!("no front end for fuzz target `{other}`"),
        };
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            let bytes = std::fs::read(&input).unwrap();
            // The `reg` target also feeds each input as regedit exports it, UTF-16LE with a BOM.
            if kind == FileKind::Registry(RegistryFormat::RegEdit) {
                let mut utf16 = vec![0xff, 0xfe];
                utf16.extend(
                    String::from_utf8_lossy(&bytes)
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes),
                );
                let _ = ptrwidth::frontend::lower(kind, utf16);
            }
            // Lowering returns; whether it succeeded does not matter here.
            let _ = ptrwidth::frontend::lower(kind, bytes);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no crash inputs under {}", root.display());
}
