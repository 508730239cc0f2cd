//! Registry sources end to end: fixes rewrite only the key name, byte for byte, in each source
//! kind (UTF-16 `.reg` included); positions in UTF-16 files are those of the original; bad
//! input is an error with a line number, and the rest of the run goes on.

use std::path::{Path, PathBuf};

use ptrwidth::diagnostic::{Applicability, Edit};
use ptrwidth::engine::{self, Options, Outcome};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::rules;
use ptrwidth::source::Position;
use ptrwidth::target::Target;

const RULE: &str = "inprocserver-legacy-key";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(RULE)
        .join(name)
}

fn lint(paths: Vec<PathBuf>) -> Outcome {
    let knowledge = Knowledge::load().unwrap();
    let options = Options {
        paths,
        excluded_dirs: Vec::new(),
        targets: vec![Target::parse("x86_64-pc-windows-msvc").unwrap()],
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
        cache: None,
        cargo_home: None,
    };
    engine::run(&options, &knowledge).unwrap()
}

/// The file's text with every machine-applicable edit of `rule` applied, encoded as the file
/// was: UTF-16LE with its mark when it starts with one, else UTF-8 (the text is the bytes).
fn fixed_bytes(outcome: &Outcome, rule: &str, original: &[u8]) -> Vec<u8> {
    let mut edits: Vec<&Edit> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.rule == rule)
        .flat_map(|d| &d.fixes)
        .filter(|f| f.applicability == Applicability::MachineApplicable)
        .flat_map(|f| &f.edits)
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut text = outcome.files[0].text().to_string();
    for edit in edits {
        text.replace_range(edit.span.start..edit.span.end, &edit.replacement);
    }
    if original.starts_with(&[0xFF, 0xFE]) {
        [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    } else {
        text.into_bytes()
    }
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Bytes to find and the bytes to put in their place.
type Replacement = (Vec<u8>, Vec<u8>);

/// `haystack` with each `(from, to)` replaced once, at its only occurrence.
fn replaced(haystack: &[u8], replacements: &[Replacement]) -> Vec<u8> {
    let mut out = haystack.to_vec();
    for (from, to) in replacements {
        let positions: Vec<usize> = out
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| w == &from.as_slice())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(positions.len(), 1, "{:?}", String::from_utf8_lossy(from));
        out.splice(positions[0]..positions[0] + from.len(), to.iter().copied());
    }
    out
}

fn pair(from: &str, to: &str) -> Replacement {
    (from.as_bytes().to_vec(), to.as_bytes().to_vec())
}

#[test]
fn fixes_rename_the_key_byte_for_byte_in_every_source_kind() {
    let cases: Vec<(&str, Vec<Replacement>)> = vec![
        (
            "bad_regedit_export.reg",
            vec![
                (
                    utf16le("\\InprocServer]\r\n"),
                    utf16le("\\InprocServer32]\r\n"),
                ),
                (
                    utf16le("\\InprocServer64]\r\n"),
                    utf16le("\\InprocServer32]\r\n"),
                ),
            ],
        ),
        (
            "bad_atl_registrar.rgs",
            vec![
                pair("\t\t\tInprocServer = s", "\t\t\tInprocServer32 = s"),
                pair("'InprocServer64'", "'InprocServer32'"),
            ],
        ),
        (
            "bad_wix3.wxs",
            vec![
                pair("Context=\"InprocServer\"", "Context=\"InprocServer32\""),
                pair("\\InprocServer64\">", "\\InprocServer32\">"),
            ],
        ),
        (
            "bad_winreg.rs",
            vec![
                pair(
                    "\\\\InprocServer\", CLSID_WIDGET",
                    "\\\\InprocServer32\", CLSID_WIDGET",
                ),
                pair("\"\\\\InprocServer64\"", "\"\\\\InprocServer32\""),
            ],
        ),
        (
            "bad_windows_sys.rs",
            vec![
                pair("9F10}\\\\InprocServer\")", "9F10}\\\\InprocServer32\")"),
                pair("5F37}\\\\InprocServer\";", "5F37}\\\\InprocServer32\";"),
            ],
        ),
        (
            "bad_dllregister.c",
            vec![
                pair("\\\\InprocServer64\" //", "\\\\InprocServer32\" //"),
                pair("9F10}\\\\InprocServer\")", "9F10}\\\\InprocServer32\")"),
                pair("%s\\\\InprocServer\"", "%s\\\\InprocServer32\""),
            ],
        ),
    ];
    let dir = std::env::temp_dir().join(format!("ptrwidth-registry-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, replacements) in cases {
        let path = fixture(name);
        let original = std::fs::read(&path).unwrap();
        let outcome = lint(vec![path]);
        assert!(outcome.errors.is_empty(), "{name}: {:?}", outcome.errors);
        let fixed = fixed_bytes(&outcome, RULE, &original);
        assert_eq!(
            fixed,
            replaced(&original, &replacements),
            "{name}: the fix changed more than the key names"
        );
        // The fixed file reads back, and the key is no longer reported.
        let copy = dir.join(name);
        std::fs::write(&copy, &fixed).unwrap();
        let again = lint(vec![copy]);
        assert!(again.errors.is_empty(), "{name}: {:?}", again.errors);
        assert!(
            !again.diagnostics.iter().any(|d| d.rule == RULE),
            "{name}: still reported after the fix"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn positions_in_a_utf16_file_are_those_of_the_original() {
    let outcome = lint(vec![fixture("bad_regedit_export.reg")]);
    let file = &outcome.files[0];
    let found: Vec<(Position, &str)> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.rule == RULE)
        .map(|d| (file.position(d.span.start), file.slice(d.span)))
        .collect();
    assert_eq!(
        found,
        [
            (
                Position {
                    line: 6,
                    column: 65
                },
                "InprocServer"
            ),
            (
                Position {
                    line: 16,
                    column: 82
                },
                "InprocServer64"
            ),
        ]
    );
    // The value line with non-ASCII text reads as written.
    assert_eq!(file.line_text(4), "@=\"Contoso Widget — Größe\"");
}

#[test]
fn bad_registry_input_is_an_error_with_a_line_and_the_run_goes_on() {
    let dir = std::env::temp_dir().join(format!("ptrwidth-registry-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    let header = "Windows Registry Editor Version 5.00\r\n\r\n";
    let mut odd = vec![0xFF, 0xFE];
    odd.extend(utf16le(&format!("{header}[HKEY_CLASSES_ROOT\\x]\r\n")));
    odd.push(b'@');
    write("odd_length.reg", &odd);
    write("no_mark.reg", &utf16le(header));
    write(
        "unterminated.reg",
        format!("{header}[HKEY_CLASSES_ROOT\\CLSID\r\n").as_bytes(),
    );
    write("unbalanced.rgs", b"HKCR\n{\n\tNoRemove CLSID\n\t{\n\t}\n");
    write("malformed.wxs", b"<Wix>\n  <Component>\n</Wix>\n");
    std::fs::File::create(dir.join("huge.reg"))
        .unwrap()
        .set_len(ptrwidth::source::MAX_FILE_BYTES + 1)
        .unwrap();
    write(
        "good.reg",
        format!("{header}[HKEY_CLASSES_ROOT\\CLSID\\{{5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10}}\\InprocServer]\r\n\"ThreadingModel\"=\"Both\"\r\n").as_bytes(),
    );
    let outcome = lint(vec![dir.clone()]);
    let error = |name: &str| {
        outcome
            .errors
            .iter()
            .find(|e| e.path.ends_with(name))
            .map(|e| e.message.clone())
            .unwrap_or_else(|| panic!("{name} not in errors: {:?}", outcome.errors))
    };
    assert!(error("odd_length.reg").contains("line 4"));
    assert!(error("no_mark.reg").contains("line 1"));
    assert!(error("unterminated.reg").contains("line 3"));
    assert!(error("unbalanced.rgs").contains("line 2"));
    assert!(error("malformed.wxs").contains("line 3"));
    assert!(error("huge.reg").contains("limit"));
    assert_eq!(outcome.errors.len(), 6, "{:?}", outcome.errors);
    assert_eq!(
        outcome
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE)
            .count(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
