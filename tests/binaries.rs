//! `ptrwidth inspect` on the fixture binaries, and the command lines around it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ptrwidth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ptrwidth"))
        .args(args)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .current_dir(repo())
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The machine each fixture binary was built for, as its folder says (the folder mix-up
/// fixture holds the one deliberate liar).
fn expected_machine(path: &str) -> &'static str {
    if path.ends_with("bad_folder_mixups/vendor/x64/scanner.dll")
        || path.ends_with("bad_folder_mixups/vendor/lib/scanner.lib")
    {
        return "I386";
    }
    if path.ends_with("bad_folder_mixups/vendor/lib/scanner.dll") {
        return "AMD64";
    }
    if path.ends_with("hybrid.dll") {
        return "ARM64X";
    }
    let folders = [
        "/x86/",
        "/win32/",
        "/x64/",
        "/win64/",
        "/arm64/",
        "/arm64ec/",
        "/arm64x/",
    ];
    let machines = [
        "I386", "I386", "AMD64", "AMD64", "ARM64", "ARM64EC", "ARM64X",
    ];
    for (folder, machine) in folders.iter().zip(machines) {
        if path.contains(folder) {
            return machine;
        }
    }
    // vendor/scanner.dll and bin/scanner.dll, the 32-bit builds the load and link cases vendor.
    "I386"
}

#[test]
fn inspect_prints_the_machine_of_every_fixture_binary() {
    let output = ptrwidth(&["inspect", "--format", "json", "fixtures", "examples"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the corrupt fixtures make it exit 1"
    );
    let document = json(&output);
    let binaries = document["binaries"].as_array().unwrap();
    assert!(binaries.len() >= 20, "{} binaries", binaries.len());
    for binary in binaries {
        let path = binary["path"].as_str().unwrap();
        let machines = binary["machines"].as_array().unwrap();
        assert_eq!(machines.len(), 1, "{path}");
        assert_eq!(
            machines[0]["name"].as_str(),
            Some(expected_machine(path)),
            "{path}"
        );
        let bits = if expected_machine(path) == "I386" {
            32
        } else {
            64
        };
        assert_eq!(binary["bits"].as_u64(), Some(bits), "{path}");
        let kind = binary["kind"].as_str().unwrap();
        let expected_kind = if path.ends_with(".dll") {
            "dll"
        } else if path.ends_with("core.lib") {
            "static-library"
        } else {
            "import-library"
        };
        assert_eq!(kind, expected_kind, "{path}");
        let format = binary["format"].as_str().unwrap();
        let expected_format = match (path.ends_with(".dll"), bits) {
            (true, 32) => "pe32",
            (true, _) => "pe32-plus",
            (false, _) => "archive",
        };
        assert_eq!(format, expected_format, "{path}");
    }
    let errors: Vec<(String, String)> = document["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (name, e["message"].as_str().unwrap().to_string())
        })
        .collect();
    let reasons = [
        ("bad_e_lfanew.dll", "e_lfanew = 0x7fffff00"),
        ("empty.dll", "empty file"),
        ("readme.dll", "not a Windows binary: text"),
        ("truncated.dll", "past the end of the 96-byte file"),
        ("truncated.lib", "truncated archive"),
    ];
    assert_eq!(errors.len(), reasons.len(), "{errors:?}");
    for ((name, message), (expected_name, reason)) in errors.iter().zip(reasons) {
        assert_eq!(name, expected_name);
        assert!(message.contains(reason), "{name}: {message}");
    }
}

#[test]
fn inspect_human_output_is_one_line_per_binary() {
    let output = ptrwidth(&[
        "inspect",
        "examples/scan-bridge/vendor/scanner.dll",
        "fixtures/cross-bitness-load/bad_arm64_dll/vendor/arm64/scanner.dll",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("32-bit x86 DLL (PE32, machine I386 0x14c)"),
        "{text}"
    );
    assert!(
        lines[1].ends_with("64-bit ARM64 DLL (PE32+, machine ARM64 0xaa64)"),
        "{text}"
    );
    assert_eq!(lines[2], "ptrwidth: 2 binaries inspected");
}

#[test]
fn inspect_is_a_subcommand_and_paths_still_lint() {
    let output = ptrwidth(&[
        "inspect",
        "--format",
        "json",
        "examples/scan-bridge/vendor/scanner.dll",
    ]);
    assert_eq!(json(&output)["binaries"][0]["bits"], 32);

    let output = ptrwidth(&["--format", "json", "examples/scan-bridge"]);
    assert_eq!(output.status.code(), Some(1));
    let document = json(&output);
    let rules: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["cross-bitness-load"]);
    assert_eq!(document["diagnostics"][0]["line"], 13);

    let missing = ptrwidth(&["inspect"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn cargo_ptrwidth_lints_and_inspects() {
    let cargo = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cargo-ptrwidth"))
            .arg("ptrwidth")
            .args(args)
            .current_dir(repo())
            .output()
            .unwrap()
    };
    // The cache goes under the build directory, not into the example's own `target/`.
    let output = cargo(&[
        "--format",
        "json",
        "--cache-dir",
        env!("CARGO_TARGET_TMPDIR"),
        "--manifest-path",
        "examples/scan-bridge/Cargo.toml",
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(json(&output)["summary"]["errors"], 1);
    let output = cargo(&["inspect", "examples/scan-bridge/vendor"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("machine I386 0x14c"));
}
