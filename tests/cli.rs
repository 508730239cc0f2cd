//! The command-line contract of `ptrwidth` and `cargo-ptrwidth`: exit codes, the JSON schema,
//! ordering and determinism, option handling and the cargo workspace mode. Every test runs the
//! built binaries in a temporary directory (or in the repository for `fixtures/`).

mod common;

use common::{Run, Scratch, finish};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ptrwidth::discover::FileKind;
use serde_json::Value;

const PTRWIDTH: &str = env!("CARGO_BIN_EXE_ptrwidth");
const CARGO_PTRWIDTH: &str = env!("CARGO_BIN_EXE_cargo-ptrwidth");

/// A `HWND` (32 significant bits) narrowed to `u32`: a WARNING-level handle-truncation.
const WARN_SRC: &str =
    "use windows_sys::Win32::Foundation::HWND;\npub fn f(h: HWND) -> u32 { h as u32 }\n";
/// A raw pointer narrowed to `u32`: an ERROR-level handle-truncation.
const ERROR_SRC: &str = "pub fn f(p: *mut u8) -> u32 { p as u32 }\n";
/// Nothing to report.
const CLEAN_SRC: &str = "pub fn f(p: *mut u8) -> usize { p as usize }\n";

/// Every rule of the catalog: the fixtures exercise each one.
fn all_rules() -> Vec<&'static str> {
    ptrwidth::catalog::all()
        .unwrap()
        .iter()
        .map(|doc| doc.name.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a binary with a deadline; a crash (signal) or a hang fails the test.
fn run_bin(bin: &str, cwd: &Path, args: &[&str]) -> Run {
    finish(
        Command::new(bin)
            .args(args)
            .current_dir(cwd)
            .env_remove("NO_COLOR")
            // The cache goes under the build directory, not the user's own cache directory.
            .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .env_remove("CLICOLOR_FORCE"),
        &format!("{bin} {args:?}"),
        Duration::from_secs(60),
    )
}

fn ptrwidth(cwd: &Path, args: &[&str]) -> Run {
    run_bin(PTRWIDTH, cwd, args)
}

fn cargo_ptrwidth(cwd: &Path, args: &[&str]) -> Run {
    run_bin(CARGO_PTRWIDTH, cwd, args)
}

fn diagnostics(doc: &Value) -> &Vec<Value> {
    doc["diagnostics"].as_array().expect("diagnostics array")
}

fn errors(doc: &Value) -> &Vec<Value> {
    doc["errors"].as_array().expect("errors array")
}

/// `(path, line, level, rule)` of every diagnostic.
fn findings(doc: &Value) -> Vec<(String, u64, String, String)> {
    diagnostics(doc)
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["level"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn diagnostic_paths(doc: &Value) -> BTreeSet<String> {
    diagnostics(doc)
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

fn error_paths(doc: &Value) -> BTreeSet<String> {
    errors(doc)
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect()
}

fn summary(doc: &Value, key: &str) -> u64 {
    doc["summary"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("summary.{key} is not a count: {}", doc["summary"]))
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

/// 1-based line and column (in Unicode scalar values) of a byte offset, computed independently
/// of the tool.
/// A file's text as spans index it: UTF-16 with a byte-order mark decoded, UTF-8 as is, other
/// bytes one character each.
fn source_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    if let Some(utf16) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        return String::from_utf16(&units).unwrap();
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

fn position(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u64, column as u64)
}

const LOCATION_KEYS: [&str; 7] = [
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "byte_start",
    "byte_end",
];

/// Checks the location fields of a diagnostic, label or edit: their types, and that line and
/// column agree with the byte offsets in the file on disk.
fn check_location(what: &str, value: &Value, cwd: &Path) {
    for key in LOCATION_KEYS {
        assert!(value.get(key).is_some(), "{what}: no `{key}` in {value}");
    }
    let path = value["path"].as_str().expect("path is a string");
    assert!(
        !Path::new(path).is_absolute() && !path.contains('\\'),
        "{what}: path `{path}` is not relative to the current directory"
    );
    let number = |key: &str| {
        value[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: `{key}` is not an unsigned integer: {value}"))
    };
    let (line, column, end_line, end_column) = (
        number("line"),
        number("column"),
        number("end_line"),
        number("end_column"),
    );
    let (start, end) = (number("byte_start"), number("byte_end"));
    // A binary has no text: findings on it point at its start.
    if FileKind::of(Path::new(path)) == Some(FileKind::Binary) {
        assert_eq!((line, column, start, end), (1, 1, 0, 0), "{what}: {value}");
        return;
    }
    assert!(line >= 1 && column >= 1 && end_line >= 1 && end_column >= 1);
    assert!(start <= end, "{what}: byte_start > byte_end in {value}");
    assert!((line, column) <= (end_line, end_column), "{what}: {value}");
    let text = source_text(&cwd.join(path));
    assert!(end as usize <= text.len(), "{what}: span past the end");
    assert_eq!(
        position(&text, start as usize),
        (line, column),
        "{what}: line/column do not match byte_start in {value}"
    );
    assert_eq!(
        position(&text, end as usize),
        (end_line, end_column),
        "{what}: end_line/end_column do not match byte_end in {value}"
    );
}

/// Checks the whole document against schema version 1.
fn check_schema(doc: &Value, cwd: &Path) {
    assert_eq!(
        keys(doc),
        set(&["version", "diagnostics", "errors", "summary"])
    );
    assert_eq!(doc["version"], Value::from(1));
    let mut location_and = LOCATION_KEYS.to_vec();
    location_and.extend([
        "rule", "level", "message", "label", "labels", "help", "fixes",
    ]);
    let diagnostic_keys = set(&location_and);
    let (mut error_count, mut warning_count) = (0, 0);
    for d in diagnostics(doc) {
        assert_eq!(keys(d), diagnostic_keys, "diagnostic keys of {d}");
        let rule = d["rule"].as_str().expect("rule is a string");
        assert!(all_rules().contains(&rule), "unknown rule {rule}");
        match d["level"].as_str().expect("level is a string") {
            "error" => error_count += 1,
            "warning" => warning_count += 1,
            other => panic!("level {other}"),
        }
        assert!(!d["message"].as_str().expect("message").is_empty());
        assert!(d["label"].is_string() || d["label"].is_null(), "{d}");
        assert!(d["help"].is_string() || d["help"].is_null(), "{d}");
        check_location("diagnostic", d, cwd);
        for label in d["labels"].as_array().expect("labels is an array") {
            let mut expected = LOCATION_KEYS.to_vec();
            expected.push("message");
            assert_eq!(keys(label), set(&expected), "label keys of {label}");
            assert!(label["message"].is_string());
            check_location("label", label, cwd);
        }
        for fix in d["fixes"].as_array().expect("fixes is an array") {
            assert_eq!(keys(fix), set(&["message", "applicability", "edits"]));
            assert!(!fix["message"].as_str().expect("fix message").is_empty());
            let applicability = fix["applicability"].as_str().expect("applicability");
            assert!(
                ["machine-applicable", "maybe-incorrect"].contains(&applicability),
                "{applicability}"
            );
            let edits = fix["edits"].as_array().expect("edits is an array");
            assert!(!edits.is_empty(), "a fix without edits: {fix}");
            for edit in edits {
                let mut expected = LOCATION_KEYS.to_vec();
                expected.push("replacement");
                assert_eq!(keys(edit), set(&expected), "edit keys of {edit}");
                assert!(edit["replacement"].is_string());
                check_location("edit", edit, cwd);
            }
        }
    }
    for e in errors(doc) {
        assert_eq!(keys(e), set(&["path", "message"]), "error keys of {e}");
        assert!(e["path"].is_string());
        assert!(!e["message"].as_str().expect("error message").is_empty());
    }
    assert_eq!(
        keys(&doc["summary"]),
        set(&[
            "files",
            "errors",
            "warnings",
            "unreadable",
            "cached",
            "dependency_files"
        ])
    );
    assert_eq!(summary(doc, "errors"), error_count);
    assert_eq!(summary(doc, "warnings"), warning_count);
    assert_eq!(summary(doc, "unreadable"), errors(doc).len() as u64);
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_0_when_nothing_is_found() {
    let dir = Scratch::new();
    dir.write("clean.rs", CLEAN_SRC);
    let run = ptrwidth(dir.path(), &["--format", "json"]);
    run.assert_code(0);
    let doc = run.json();
    assert!(diagnostics(&doc).is_empty(), "{doc}");
    assert_eq!(summary(&doc, "files"), 1);
}

#[test]
fn exit_0_when_only_warnings_are_found() {
    let dir = Scratch::new();
    dir.write("warn.rs", WARN_SRC);
    let run = ptrwidth(dir.path(), &["--format", "json", "warn.rs"]);
    run.assert_code(0);
    let doc = run.json();
    assert_eq!(
        findings(&doc),
        vec![(
            "warn.rs".to_string(),
            2,
            "warning".to_string(),
            "handle-truncation".to_string()
        )]
    );
    assert_eq!(summary(&doc, "warnings"), 1);
    assert_eq!(summary(&doc, "errors"), 0);
    // The same in human format.
    ptrwidth(dir.path(), &["warn.rs"]).assert_code(0);
}

#[test]
fn exit_1_on_an_error_level_finding() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    dir.write("warn.rs", WARN_SRC);
    let run = ptrwidth(dir.path(), &["--format", "json", "err.rs"]);
    run.assert_code(1);
    assert_eq!(
        findings(&run.json()),
        vec![(
            "err.rs".to_string(),
            1,
            "error".to_string(),
            "handle-truncation".to_string()
        )]
    );
    // Warnings next to the error do not lower the exit code, in either format.
    let run = ptrwidth(dir.path(), &["--format", "json"]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(summary(&doc, "errors"), 1);
    assert_eq!(summary(&doc, "warnings"), 1);
    ptrwidth(dir.path(), &[]).assert_code(1);
}

#[test]
fn exit_2_on_usage_errors() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    let cases: &[&[&str]] = &[
        &["--format", "xml", "err.rs"],
        &["--color", "sometimes", "err.rs"],
        &["--jobs", "0", "err.rs"],
        &["--jobs", "many", "err.rs"],
        &["--no-such-option", "err.rs"],
        &["--target", "x86_64-unknown-linux-gnu", "err.rs"],
        &["--target", "sparc-pc-windows-msvc", "err.rs"],
        &["--select", "no-such-rule", "err.rs"],
        &["--ignore", "no-such-rule", "err.rs"],
    ];
    for args in cases {
        let run = ptrwidth(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: stderr {}", run.stderr);
        assert!(
            !run.stderr.trim().is_empty(),
            "{args:?}: no message on stderr"
        );
    }
}

#[test]
fn missing_path_exits_2_with_an_errors_entry() {
    let dir = Scratch::new();
    let run = ptrwidth(dir.path(), &["--format", "json", "no-such-dir"]);
    run.assert_code(2);
    let doc = run.json();
    check_schema(&doc, dir.path());
    assert_eq!(error_paths(&doc), paths(&["no-such-dir"]));
    assert_eq!(summary(&doc, "files"), 0);
    assert_eq!(summary(&doc, "unreadable"), 1);
    // Several missing paths: still nothing linted.
    ptrwidth(dir.path(), &["a.rs", "b"]).assert_code(2);
}

#[test]
fn missing_path_next_to_a_lintable_one_is_reported_and_exits_2() {
    let dir = Scratch::new();
    dir.write("warn.rs", WARN_SRC);
    dir.write("err.rs", ERROR_SRC);
    for lintable in ["warn.rs", "err.rs"] {
        let run = ptrwidth(dir.path(), &["--format", "json", "gone.rs", lintable]);
        run.assert_code(2);
        assert!(run.stderr.contains("gone.rs"), "{}", run.stderr);
        let doc = run.json();
        assert!(error_paths(&doc).contains("gone.rs"), "{doc}");
        assert_eq!(diagnostic_paths(&doc), paths(&[lintable]));
    }
}

#[test]
fn empty_directory_exits_0_with_a_warning() {
    let dir = Scratch::new();
    std::fs::create_dir_all(dir.path().join("nothing")).unwrap();
    let run = ptrwidth(dir.path(), &["--format", "json", "nothing"]);
    run.assert_code(0);
    assert!(
        run.stderr.to_lowercase().contains("warning"),
        "stderr: {}",
        run.stderr
    );
    let doc = run.json();
    check_schema(&doc, dir.path());
    assert!(diagnostics(&doc).is_empty());
    assert!(errors(&doc).is_empty());
    assert_eq!(summary(&doc, "files"), 0);
    // Human format, and the default path `.`.
    let run = ptrwidth(&dir.path().join("nothing"), &[]);
    run.assert_code(0);
    assert!(run.stderr.to_lowercase().contains("warning"));
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn json_document_follows_schema_on_fixtures() {
    let run = ptrwidth(repo(), &["--format", "json", "fixtures"]);
    run.assert_code(1);
    let doc = run.json();
    check_schema(&doc, repo());
    let diags = diagnostics(&doc);
    assert!(diags.len() > 10, "the fixtures have many findings");
    // The only unreadable files are the corrupt binaries kept to test exactly that, and
    // sources that say they are read in part (`//@ unreadable:` naming themselves).
    let declared_unreadable = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        std::fs::read_to_string(repo().join(path))
            .is_ok_and(|text| text.contains(&format!("//@ unreadable: {name}")))
    };
    assert!(
        errors(&doc).iter().all(|e| {
            let path = e["path"].as_str().unwrap();
            path.starts_with("fixtures/cross-bitness-load/good_corrupt_binaries/")
                || declared_unreadable(path)
        }),
        "{doc}"
    );
    assert!(summary(&doc, "files") >= 20);
    // Both levels, both applicabilities and every rule occur, so the schema checks above ran
    // on each of them.
    let levels: BTreeSet<&str> = diags.iter().map(|d| d["level"].as_str().unwrap()).collect();
    assert_eq!(levels, set(&["error", "warning"]));
    let applicabilities: BTreeSet<&str> = diags
        .iter()
        .flat_map(|d| d["fixes"].as_array().unwrap())
        .map(|f| f["applicability"].as_str().unwrap())
        .collect();
    assert_eq!(
        applicabilities,
        set(&["machine-applicable", "maybe-incorrect"])
    );
    let rules: BTreeSet<&str> = diags.iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, set(&all_rules()));
    for d in diags {
        assert!(
            d["path"].as_str().unwrap().starts_with("fixtures/"),
            "{}",
            d["path"]
        );
    }
}

#[test]
fn json_errors_entries_follow_schema() {
    let missing = format!("fixtures/does-not-exist-{}.rs", std::process::id());
    let run = ptrwidth(
        repo(),
        &["--format", "json", "fixtures/handle-truncation", &missing],
    );
    run.assert_code(2);
    let doc = run.json();
    check_schema(&doc, repo());
    assert_eq!(error_paths(&doc), [missing].into_iter().collect());
    assert!(!diagnostics(&doc).is_empty());
}

#[test]
fn json_diagnostics_are_sorted_by_path_line_column() {
    let run = ptrwidth(repo(), &["--format", "json", "fixtures"]);
    let doc = run.json();
    let order: Vec<(String, u64, u64)> = diagnostics(&doc)
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);

    // Files whose names sort differently from how a directory walk might meet them, with two
    // findings on one line.
    let dir = Scratch::new();
    let two = "pub fn f(p: *mut u8, q: *mut u8) -> (u32, u32) {\n    (q as u32, p as u32)\n}\n";
    for name in ["b.rs", "a/z.rs", "a.rs", "ab.rs", "a/b/c.rs", "B.rs"] {
        dir.write(name, format!("{two}{ERROR_SRC}"));
    }
    let run = ptrwidth(dir.path(), &["--format", "json", "-j", "2"]);
    run.assert_code(1);
    let doc = run.json();
    check_schema(&doc, dir.path());
    let order: Vec<(String, u64, u64)> = diagnostics(&doc)
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order.len(), 18, "{order:?}");
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(order[0], ("B.rs".to_string(), 2, 6));
    assert_eq!(order[1], ("B.rs".to_string(), 2, 16));
    assert_eq!(order[2].1, 4);
}

#[test]
fn output_is_identical_with_one_and_two_jobs() {
    for (format, two_jobs) in [("json", "-j2"), ("human", "--jobs=2")] {
        let one = ptrwidth(
            repo(),
            &["--format", format, "--color", "never", "-j1", "fixtures"],
        );
        let two = ptrwidth(
            repo(),
            &["--format", format, "--color", "never", two_jobs, "fixtures"],
        );
        one.assert_code(1);
        two.assert_code(1);
        assert!(one.stdout.len() > 1000);
        assert_eq!(
            one.stdout, two.stdout,
            "{format}: -j1 and {two_jobs} differ"
        );
    }
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let absolute = repo().join("fixtures/handle-truncation");
    let run = ptrwidth(repo(), &["--format", "json", absolute.to_str().unwrap()]);
    run.assert_code(1);
    let doc = run.json();
    check_schema(&doc, repo());
    for path in diagnostic_paths(&doc) {
        assert!(path.starts_with("fixtures/handle-truncation/"), "{path}");
    }
    // The same run from inside the directory and from outside it.
    let dir = Scratch::new();
    dir.write("sub/err.rs", ERROR_SRC);
    let file = dir.path().join("sub/err.rs");
    let run = ptrwidth(dir.path(), &["--format", "json", file.to_str().unwrap()]);
    assert_eq!(
        diagnostic_paths(&run.json()),
        ["sub/err.rs".to_string()].into_iter().collect()
    );
    let run = ptrwidth(&dir.path().join("sub"), &["--format", "json"]);
    assert_eq!(
        diagnostic_paths(&run.json()),
        ["err.rs".to_string()].into_iter().collect()
    );
}

#[test]
fn columns_count_unicode_scalar_values() {
    let dir = Scratch::new();
    let text = "pub fn f(p: *mut u8) -> u32 { let _s = \"é🦀\"; p as u32 }\n";
    dir.write("u.rs", text);
    let run = ptrwidth(dir.path(), &["--format", "json"]);
    run.assert_code(1);
    let doc = run.json();
    check_schema(&doc, dir.path());
    let d = &diagnostics(&doc)[0];
    let start = text.find("p as u32").unwrap();
    assert_eq!(d["byte_start"].as_u64(), Some(start as u64));
    // `é` is 2 bytes and `🦀` 4, but one column each.
    assert_eq!(
        d["column"].as_u64(),
        Some(text[..start].chars().count() as u64 + 1)
    );
    assert_eq!(d["column"].as_u64(), Some(46));
    assert_eq!(d["end_column"].as_u64(), Some(54));
}

// ---------------------------------------------------------------------------------------------
// Paths

#[test]
fn a_path_given_twice_is_linted_once() {
    let dir = Scratch::new();
    dir.write("d/err.rs", ERROR_SRC);
    let cases: &[&[&str]] = &[
        &["d/err.rs", "d/err.rs"],
        &["./d/err.rs", "d/err.rs"],
        &["d", "d"],
        &["d", "./d", "d/err.rs"],
    ];
    for args in cases {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = ptrwidth(dir.path(), &all);
        run.assert_code(1);
        let doc = run.json();
        assert_eq!(summary(&doc, "files"), 1, "{args:?}");
        assert_eq!(diagnostics(&doc).len(), 1, "{args:?}: {doc}");
        assert_eq!(diagnostics(&doc)[0]["path"], "d/err.rs");
    }
}

#[test]
fn a_path_given_absolute_and_relative_is_linted_once() {
    let dir = Scratch::new();
    let file = dir.write("err.rs", ERROR_SRC);
    let run = ptrwidth(
        dir.path(),
        &["--format", "json", "err.rs", file.to_str().unwrap()],
    );
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(summary(&doc, "files"), 1, "{doc}");
    assert_eq!(diagnostics(&doc).len(), 1, "{doc}");
}

// ---------------------------------------------------------------------------------------------
// Options

#[test]
fn select_and_ignore_filter_rules() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    let lint = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("err.rs");
        let run = ptrwidth(dir.path(), &all);
        (run.code, diagnostics(&run.json()).len())
    };
    assert_eq!(lint(&[]), (1, 1));
    assert_eq!(lint(&["--select", "handle-truncation"]), (1, 1));
    assert_eq!(lint(&["--select", "ffi-width-mismatch"]), (0, 0));
    assert_eq!(
        lint(&["--select", "ffi-width-mismatch,handle-truncation"]),
        (1, 1)
    );
    assert_eq!(
        lint(&[
            "--select",
            "ffi-width-mismatch",
            "--select",
            "handle-truncation"
        ]),
        (1, 1)
    );
    assert_eq!(lint(&["--ignore", "handle-truncation"]), (0, 0));
    assert_eq!(lint(&["--ignore", "int-to-handle,window-long-ptr"]), (1, 1));
}

#[test]
fn select_and_ignore_on_fixtures_keep_exactly_the_named_rules() {
    let rules_of = |args: &[&str]| -> BTreeSet<String> {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("fixtures");
        let doc = ptrwidth(repo(), &all).json();
        diagnostics(&doc)
            .iter()
            .map(|d| d["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let rules = all_rules();
    let (first, second) = (paths(&rules[..2]), paths(&rules[2..]));
    let joined = |rules: &[&str]| rules.join(",");
    assert_eq!(rules_of(&["--select", &joined(&rules[..2])]), first);
    assert_eq!(rules_of(&["--select", &joined(&rules[2..])]), second);
    assert_eq!(rules_of(&["--ignore", &joined(&rules[..2])]), second);
    assert_eq!(rules_of(&["--ignore", &joined(&rules[2..])]), first);
}

#[test]
fn unknown_rule_names_are_usage_errors() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    for args in [
        ["--select", "handle-truncations"],
        ["--select", "handle-truncation,bogus"],
        ["--ignore", "bogus"],
        ["--ignore", "window-long-ptr,bogus"],
    ] {
        let run = ptrwidth(
            dir.path(),
            &[args[0], args[1], "--format", "json", "err.rs"],
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("handle-truncations") || run.stderr.contains("bogus"),
            "{args:?}: stderr does not name the rule: {}",
            run.stderr
        );
    }
}

#[test]
fn target_i686_silences_truncation() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    dir.write("warn.rs", WARN_SRC);
    let run = ptrwidth(dir.path(), &["--format", "json"]);
    run.assert_code(1);
    assert_eq!(diagnostics(&run.json()).len(), 2);
    let run = ptrwidth(
        dir.path(),
        &["--format", "json", "--target", "i686-pc-windows-msvc"],
    );
    run.assert_code(0);
    let doc = run.json();
    assert!(diagnostics(&doc).is_empty(), "{doc}");
    assert_eq!(summary(&doc, "files"), 2);
    // Repeatable: adding a 64-bit target brings the findings back.
    let run = ptrwidth(
        dir.path(),
        &[
            "--format",
            "json",
            "--target",
            "i686-pc-windows-msvc",
            "--target",
            "aarch64-pc-windows-msvc",
        ],
    );
    run.assert_code(1);
    assert_eq!(diagnostics(&run.json()).len(), 2);
}

#[test]
fn non_windows_target_is_a_usage_error() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    for triple in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "i686-unknown-linux-gnu",
    ] {
        let run = ptrwidth(dir.path(), &["--target", triple, "err.rs"]);
        run.assert_code(2);
        assert!(run.stderr.contains(triple), "{}", run.stderr);
    }
}

#[test]
fn cargo_config_build_target_is_picked_up() {
    let dir = Scratch::new();
    dir.write("proj/src/err.rs", ERROR_SRC);
    dir.write("proj/src/warn.rs", WARN_SRC);
    dir.write("other/err.rs", ERROR_SRC);
    // Without configuration: the default 64-bit target.
    ptrwidth(dir.path(), &["proj"]).assert_code(1);
    dir.write(
        "proj/.cargo/config.toml",
        "[build]\ntarget = \"i686-pc-windows-msvc\"\n",
    );
    // Found above the first PATH, not the current directory.
    for path in ["proj", "proj/src", "proj/src/err.rs"] {
        let run = ptrwidth(dir.path(), &["--format", "json", path]);
        run.assert_code(0);
        assert!(diagnostics(&run.json()).is_empty(), "{path}");
    }
    ptrwidth(&dir.path().join("proj"), &[]).assert_code(0);
    // A configuration in the current directory does not apply to a PATH outside it.
    let other = dir.path().join("other");
    ptrwidth(&dir.path().join("proj"), &[other.to_str().unwrap()]).assert_code(1);
    // --target wins over the configuration.
    ptrwidth(dir.path(), &["--target", "x86_64-pc-windows-msvc", "proj"]).assert_code(1);
    // A list of targets.
    dir.write(
        "proj/.cargo/config.toml",
        "[build]\ntarget = [\"i686-pc-windows-msvc\", \"x86_64-pc-windows-msvc\"]\n",
    );
    ptrwidth(dir.path(), &["proj"]).assert_code(1);
    // A non-Windows configured target is a usage error.
    dir.write(
        "proj/.cargo/config.toml",
        "[build]\ntarget = \"x86_64-unknown-linux-gnu\"\n",
    );
    ptrwidth(dir.path(), &["proj"]).assert_code(2);
}

#[test]
fn legacy_cargo_config_is_picked_up() {
    let dir = Scratch::new();
    dir.write("proj/src/err.rs", ERROR_SRC);
    ptrwidth(dir.path(), &["proj"]).assert_code(1);
    dir.write(
        "proj/.cargo/config",
        "[build]\ntarget = \"i686-pc-windows-msvc\"\n",
    );
    ptrwidth(dir.path(), &["proj"]).assert_code(0);
}

#[test]
fn quiet_prints_only_the_summary() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    dir.write("warn.rs", WARN_SRC);
    let loud = ptrwidth(dir.path(), &["--color", "never"]);
    loud.assert_code(1);
    assert!(loud.stdout.contains("handle-truncation"));
    for flag in ["--quiet", "-q"] {
        let quiet = ptrwidth(dir.path(), &[flag, "--color", "never"]);
        quiet.assert_code(1);
        let lines: Vec<&str> = quiet
            .stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(lines.len(), 1, "{flag}: {:?}", quiet.stdout);
        assert!(
            !quiet.stdout.contains("handle-truncation"),
            "{}",
            quiet.stdout
        );
        assert!(quiet.stdout.contains("1 error"), "{}", quiet.stdout);
        assert!(quiet.stdout.contains("1 warning"), "{}", quiet.stdout);
        assert_eq!(
            loud.stdout.lines().last(),
            quiet.stdout.lines().last(),
            "the summary line is the same"
        );
    }
}

#[test]
fn color_never_has_no_escape_codes() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    dir.write("warn.rs", WARN_SRC);
    let always = ptrwidth(dir.path(), &["--color", "always"]);
    always.assert_code(1);
    assert!(
        always.stdout.contains('\u{1b}'),
        "--color always should color: {}",
        always.stdout
    );
    for args in [&["--color", "never"][..], &["--color", "auto"]] {
        let run = ptrwidth(dir.path(), args);
        run.assert_code(1);
        assert!(run.stdout.contains("handle-truncation"));
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'),
            "{args:?} (stdout is a pipe) printed escape codes"
        );
    }
    // JSON is never colored.
    let run = ptrwidth(dir.path(), &["--color", "always", "--format", "json"]);
    assert!(!run.stdout.contains('\u{1b}'));
    run.json();
}

#[test]
fn help_mentions_the_exit_codes() {
    let here = repo();
    for run in [
        ptrwidth(here, &["--help"]),
        ptrwidth(here, &["-h"]),
        cargo_ptrwidth(here, &["ptrwidth", "--help"]),
    ] {
        run.assert_code(0);
        let text = &run.stdout;
        assert!(text.contains("Exit codes"), "{text}");
        let section = &text[text.find("Exit codes").unwrap()..];
        for (code, words) in [("0 ", "warning"), ("1 ", "error"), ("2 ", "usage")] {
            assert!(
                section
                    .lines()
                    .any(|l| l.trim_start().starts_with(code) && l.contains(words)),
                "exit code {code} is not described:\n{text}"
            );
        }
        for option in [
            "--format", "--target", "--select", "--ignore", "--quiet", "--color", "--jobs",
        ] {
            assert!(text.contains(option), "{option} missing from help");
        }
    }
    let run = cargo_ptrwidth(here, &["ptrwidth", "--help"]);
    for option in ["--manifest-path", "--package", "--workspace"] {
        assert!(run.stdout.contains(option), "{option} missing from help");
    }
}

// ---------------------------------------------------------------------------------------------
// cargo ptrwidth

/// A virtual workspace with members `one` (an error) and `two` (a warning), and a stray `.rs`
/// file at the root that belongs to no package.
fn workspace() -> Scratch {
    let dir = Scratch::new();
    dir.write(
        "ws/Cargo.toml",
        "[workspace]\nmembers = [\"one\", \"two\"]\nresolver = \"2\"\n",
    );
    for (package, source) in [("one", ERROR_SRC), ("two", WARN_SRC)] {
        dir.write(
            &format!("ws/{package}/Cargo.toml"),
            format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        dir.write(&format!("ws/{package}/src/lib.rs"), source);
    }
    dir.write("ws/stray.rs", ERROR_SRC);
    dir
}

fn paths(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn cargo_ptrwidth_lints_the_workspace_members() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    for args in [
        &["ptrwidth", "--format", "json"][..],
        &["ptrwidth", "--workspace", "--format", "json"],
    ] {
        let run = cargo_ptrwidth(&ws, args);
        run.assert_code(1);
        let doc = run.json();
        check_schema(&doc, &ws);
        assert_eq!(
            diagnostic_paths(&doc),
            paths(&["one/src/lib.rs", "two/src/lib.rs"]),
            "{args:?}"
        );
        assert_eq!(summary(&doc, "files"), 2, "{args:?}");
    }
    // From a member directory, the whole workspace is linted too.
    let run = cargo_ptrwidth(&ws.join("two/src"), &["ptrwidth", "--format", "json", "-q"]);
    run.assert_code(1);
    assert_eq!(summary(&run.json(), "files"), 2);
}

#[test]
fn cargo_ptrwidth_package_selects_members() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let run = cargo_ptrwidth(&ws, &["ptrwidth", "-p", "one", "--format", "json"]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(diagnostic_paths(&doc), paths(&["one/src/lib.rs"]));
    assert_eq!(summary(&doc, "files"), 1);
    let run = cargo_ptrwidth(&ws, &["ptrwidth", "--package", "two", "--format", "json"]);
    run.assert_code(0);
    let doc = run.json();
    assert_eq!(diagnostic_paths(&doc), paths(&["two/src/lib.rs"]));
    let run = cargo_ptrwidth(
        &ws,
        &["ptrwidth", "-p", "two", "-p", "one", "--format", "json"],
    );
    run.assert_code(1);
    assert_eq!(
        diagnostic_paths(&run.json()),
        paths(&["one/src/lib.rs", "two/src/lib.rs"])
    );
}

#[test]
fn cargo_ptrwidth_unknown_package_exits_2() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    for args in [
        &["ptrwidth", "-p", "three"][..],
        &["ptrwidth", "-p", "one", "-p", "three"],
    ] {
        let run = cargo_ptrwidth(&ws, args);
        run.assert_code(2);
        assert!(run.stderr.contains("three"), "{}", run.stderr);
        assert!(!run.stdout.contains("handle-truncation"));
    }
}

#[test]
fn cargo_ptrwidth_honours_manifest_path() {
    let dir = workspace();
    let run = cargo_ptrwidth(
        dir.path(),
        &[
            "ptrwidth",
            "--manifest-path",
            "ws/Cargo.toml",
            "--format",
            "json",
        ],
    );
    run.assert_code(1);
    let doc = run.json();
    check_schema(&doc, dir.path());
    assert_eq!(
        diagnostic_paths(&doc),
        paths(&["ws/one/src/lib.rs", "ws/two/src/lib.rs"])
    );
    let run = cargo_ptrwidth(
        dir.path(),
        &[
            "ptrwidth",
            "--manifest-path",
            "ws/Cargo.toml",
            "-p",
            "two",
            "--format",
            "json",
        ],
    );
    run.assert_code(0);
    assert_eq!(diagnostic_paths(&run.json()), paths(&["ws/two/src/lib.rs"]));
    // A manifest that does not exist.
    cargo_ptrwidth(
        dir.path(),
        &["ptrwidth", "--manifest-path", "nowhere/Cargo.toml"],
    )
    .assert_code(2);
}

#[test]
fn cargo_ptrwidth_with_paths_lints_the_paths() {
    let dir = workspace();
    let ws = dir.path().join("ws");
    let run = cargo_ptrwidth(&ws, &["ptrwidth", "--format", "json", "two"]);
    run.assert_code(0);
    assert_eq!(diagnostic_paths(&run.json()), paths(&["two/src/lib.rs"]));
    // Outside any cargo project, explicit paths need no workspace.
    let plain = Scratch::new();
    plain.write("err.rs", ERROR_SRC);
    cargo_ptrwidth(plain.path(), &["ptrwidth", "err.rs"]).assert_code(1);
}

#[test]
fn cargo_ptrwidth_outside_a_cargo_project_exits_2() {
    let dir = Scratch::new();
    dir.write("err.rs", ERROR_SRC);
    let run = cargo_ptrwidth(dir.path(), &["ptrwidth"]);
    run.assert_code(2);
    assert!(
        run.stderr.to_lowercase().contains("cargo"),
        "the error should say a cargo project is needed: {}",
        run.stderr
    );
    assert!(!run.stdout.contains("handle-truncation"));
}

/// A workspace whose root is itself a package, with member `one` nested in its directory.
fn rooted_workspace() -> Scratch {
    let dir = Scratch::new();
    dir.write(
        "ws/Cargo.toml",
        "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\nmembers = [\"one\"]\n",
    );
    dir.write("ws/src/lib.rs", WARN_SRC);
    dir.write(
        "ws/one/Cargo.toml",
        "[package]\nname = \"one\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    dir.write("ws/one/src/lib.rs", ERROR_SRC);
    dir
}

#[test]
fn cargo_ptrwidth_rooted_workspace_lints_each_file_once() {
    let dir = rooted_workspace();
    let ws = dir.path().join("ws");
    let run = cargo_ptrwidth(&ws, &["ptrwidth", "--format", "json"]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(summary(&doc, "files"), 2, "{doc}");
    assert_eq!(diagnostics(&doc).len(), 2, "{doc}");
}

#[test]
fn cargo_ptrwidth_package_root_excludes_nested_members() {
    let dir = rooted_workspace();
    let ws = dir.path().join("ws");
    let run = cargo_ptrwidth(&ws, &["ptrwidth", "-p", "root", "--format", "json"]);
    let doc = run.json();
    assert_eq!(diagnostic_paths(&doc), paths(&["src/lib.rs"]), "{doc}");
    run.assert_code(0);
}

#[test]
fn the_cache_skips_unchanged_files_and_re_analyses_changed_ones() {
    let dir = Scratch::new();
    dir.write("a.rs", ERROR_SRC);
    dir.write("b.rs", WARN_SRC);
    let cache = Scratch::new();
    let cache_dir = cache.path().join("cache");
    let cache_arg = cache_dir.to_str().unwrap();
    let lint = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "--cache-dir", cache_arg];
        args.extend_from_slice(extra);
        let run = ptrwidth(dir.path(), &args);
        let doc = run.json();
        (summary(&doc, "cached"), findings(&doc))
    };

    let (cached, first) = lint(&[]);
    assert_eq!(cached, 0);
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(
        lint(&[]),
        (2, first.clone()),
        "an unchanged tree is read from the cache"
    );

    dir.write("a.rs", CLEAN_SRC);
    let (cached, after_edit) = lint(&[]);
    assert_eq!(cached, 1, "only the unchanged b.rs comes from the cache");
    assert_eq!(
        after_edit,
        vec![(
            "b.rs".to_string(),
            2,
            "warning".to_string(),
            "handle-truncation".to_string()
        )]
    );
    let fresh = ptrwidth(dir.path(), &["--format", "json", "--no-cache"]).json();
    assert_eq!(summary(&fresh, "cached"), 0);
    assert_eq!(findings(&fresh), after_edit);

    // A damaged entry is a miss, not an error.
    for entry in walk(&cache_dir) {
        std::fs::write(entry, b"\xff\xfe not an entry").unwrap();
    }
    assert_eq!(lint(&[]), (0, after_edit.clone()));
    // So is a cache that cannot be written.
    let blocked = cache.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let run = ptrwidth(
        dir.path(),
        &["--format", "json", "--cache-dir", blocked.to_str().unwrap()],
    );
    assert_eq!(findings(&run.json()), after_edit);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
