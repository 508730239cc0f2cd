//! Bad input is normal input: every test puts one hostile file (or tree) next to a good file
//! with a known finding, runs the built `ptrwidth` under a deadline, and requires that the run
//! finishes (no panic, crash or hang), that the hostile file ends up in `errors` or is linted,
//! and that the good file's finding is still reported.

mod common;

use common::Scratch;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PTRWIDTH: &str = env!("CARGO_BIN_EXE_ptrwidth");

/// A raw pointer narrowed to `u32`: one ERROR-level handle-truncation on line 1.
const GOOD_SRC: &str = "pub fn f(p: *mut u8) -> u32 { p as u32 }\n";
const GOOD: &str = "good.rs";

/// No hostile input may take longer than this (the whole suite should take seconds).
const DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Helpers

/// A fresh directory holding `good.rs`.
fn hostile_dir() -> Scratch {
    let dir = Scratch::new();
    dir.write(GOOD, GOOD_SRC);
    dir
}

struct Run {
    code: i32,
    doc: Value,
    stderr: String,
}

/// Runs `ptrwidth --format json ARGS` in `cwd`; a hang, a crash (signal), a panic message or
/// output that is not one JSON document fails the test.
fn lint(cwd: &Path, args: &[&str]) -> Run {
    let run = common::finish(
        Command::new(PTRWIDTH)
            .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .arg("--format")
            .arg("json")
            .args(args)
            .current_dir(cwd),
        &format!("ptrwidth {args:?}"),
        DEADLINE,
    );
    let (code, stdout, stderr) = (run.code, run.stdout, run.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("fatal runtime error"),
        "ptrwidth {args:?} panicked:\n{stderr}"
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("ptrwidth {args:?}: stdout is not one JSON document ({e}), exit {code}\nstderr:\n{stderr}\nstdout:\n{stdout}")
    });
    Run { code, doc, stderr }
}

impl Run {
    fn diagnostics(&self) -> &Vec<Value> {
        self.doc["diagnostics"].as_array().unwrap()
    }

    fn diagnostic_paths(&self) -> BTreeSet<String> {
        self.diagnostics()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect()
    }

    fn error_paths(&self) -> BTreeSet<String> {
        self.doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect()
    }

    fn files(&self) -> u64 {
        self.doc["summary"]["files"].as_u64().unwrap()
    }

    /// The good file's finding is reported, exactly once, at its place.
    fn assert_good_reported(&self) {
        let good: Vec<&Value> = self
            .diagnostics()
            .iter()
            .filter(|d| d["path"] == GOOD)
            .collect();
        assert_eq!(
            good.len(),
            1,
            "the finding in good.rs is missing or repeated: {}\nstderr:\n{}",
            self.doc,
            self.stderr
        );
        assert_eq!(good[0]["rule"], "handle-truncation");
        assert_eq!(good[0]["level"], "error");
        assert_eq!(good[0]["line"], 1);
        assert_eq!(good[0]["column"], 31);
        assert_eq!(self.code, 1, "good.rs has an error-level finding");
    }

    /// Every one of the `total` files of the run is either linted or reported in `errors`, and
    /// if the hostile file is in `errors` its entry says why.
    fn assert_handled(&self, bad: &str, total: u64) {
        let errors = self.doc["errors"].as_array().unwrap();
        assert_eq!(
            self.files() + errors.len() as u64,
            total,
            "some file is neither linted nor in `errors`: {}",
            self.doc
        );
        assert_eq!(
            self.doc["summary"]["unreadable"].as_u64().unwrap(),
            errors.len() as u64
        );
        if let Some(entry) = errors.iter().find(|e| e["path"] == bad) {
            assert!(!entry["message"].as_str().unwrap().is_empty());
        }
    }

    fn assert_error_entry(&self, bad: &str, total: u64) {
        assert!(
            self.error_paths().contains(bad),
            "{bad} should be in `errors`: {}",
            self.doc
        );
        self.assert_handled(bad, total);
    }
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Lints `good.rs` next to one hostile file, by walking the directory (`total` files) and by
/// naming both files.
fn check_hostile(dir: &Scratch, bad: &str, total: u64, must_error: bool) {
    for (args, total) in [(&["."][..], total), (&[GOOD, bad], 2)] {
        let run = lint(dir.path(), args);
        run.assert_good_reported();
        if must_error {
            run.assert_error_entry(bad, total);
        } else {
            run.assert_handled(bad, total);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile files

#[test]
fn random_bytes() {
    let dir = hostile_dir();
    let mut bytes = pseudo_random_bytes(64 * 1024, 0x9e37_79b9_7f4a_7c15);
    // Not valid UTF-8 whatever the generator does.
    bytes[10] = 0xff;
    dir.write("random.rs", &bytes);
    check_hostile(&dir, "random.rs", 2, true);
}

#[test]
fn random_text() {
    // Valid UTF-8 made of Rust punctuation, keywords, quotes and non-ASCII: the parser must
    // reject it (or accept it) gracefully.
    let dir = hostile_dir();
    let pieces = [
        "fn",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        "<",
        ">",
        " as ",
        "u32",
        "*mut ",
        "&",
        "'",
        "\"",
        "r#\"",
        "/*",
        "*/",
        "//",
        "\n",
        "é",
        "🦀",
        "\u{200b}",
        "#!",
        "$",
        "::",
        "macro_rules!",
        "HWND",
        "=>",
        ";",
        "\\",
        "b'",
        "\t",
        "\r",
        "0x",
        "1e",
        "'a",
        "union",
    ];
    let random = pseudo_random_bytes(8 * 1024, 42);
    for (i, chunk) in random.chunks(1024).enumerate() {
        let text: String = chunk
            .iter()
            .map(|&b| pieces[b as usize % pieces.len()])
            .collect::<Vec<_>>()
            .join(" ");
        dir.write(&format!("text{i}.rs"), text.as_bytes());
    }
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    let handled = run.files() + run.error_paths().len() as u64;
    assert_eq!(handled, 9, "every file is linted or in errors: {}", run.doc);
}

#[test]
fn invalid_utf8() {
    let dir = hostile_dir();
    // A finding before the bad byte must not be reported from a file that cannot be read.
    let mut bytes = b"pub fn g(q: *mut u8) -> u32 { q as u32 } // ".to_vec();
    bytes.extend_from_slice(b"caf\xe9 \xff\xfe\n");
    dir.write("latin1.rs", &bytes);
    // Truncated multi-byte sequence at the very end.
    dir.write("truncated.rs", b"pub fn h() {} // \xf0\x9f\xa6");
    // UTF-16 with a byte-order mark.
    let utf16: Vec<u8> = "\u{feff}fn main() {}\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    dir.write("utf16.rs", &utf16);
    check_hostile(&dir, "latin1.rs", 4, true);
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert_eq!(
        run.error_paths(),
        ["latin1.rs", "truncated.rs", "utf16.rs"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(
        run.diagnostic_paths(),
        [GOOD.to_string()].into_iter().collect()
    );
}

#[test]
fn deeply_nested_parentheses() {
    let dir = hostile_dir();
    let depth = 20_000;
    let text = format!(
        "pub fn f() -> u32 {{ let x = {}1{}; x }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    dir.write("deep.rs", text.as_bytes());
    // Also unbalanced, and brackets and braces.
    let unclosed = format!("fn f() {{ let x = {}\n", "([{".repeat(depth / 3));
    dir.write("unclosed.rs", unclosed.as_bytes());
    check_hostile(&dir, "deep.rs", 3, false);
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    run.assert_handled("unclosed.rs", 3);
    assert!(run.error_paths().contains("unclosed.rs"));
}

#[test]
fn deep_undelimited_nesting_within_limits() {
    // Nesting shapes that do not overflow today, kept as regression tests.
    let dir = hostile_dir();
    let n = 20_000;
    dir.write(
        "unary.rs",
        format!("fn f() {{ let x = {}true; }}\n", "!".repeat(n)).as_bytes(),
    );
    dir.write(
        "neg.rs",
        format!("fn f() {{ let x = {}1; }}\n", "-".repeat(n)).as_bytes(),
    );
    dir.write(
        "chain.rs",
        format!("fn f() {{ let x = a{}; }}\n", ".b()".repeat(n)).as_bytes(),
    );
    dir.write(
        "binop.rs",
        format!("fn f() {{ let x = 1{}; }}\n", " + 1".repeat(n)).as_bytes(),
    );
    dir.write(
        "index.rs",
        format!("fn f() {{ let x = a{}; }}\n", "[0]".repeat(n)).as_bytes(),
    );
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    // The runs of prefix operators are refused; the chains are linted down to the depth limit
    // of lowering, and listed for what lies below it.
    assert_eq!(run.files(), 4, "{}", run.doc);
    let listed = ["binop.rs", "chain.rs", "index.rs", "neg.rs", "unary.rs"];
    assert_eq!(
        run.error_paths(),
        listed.map(String::from).into(),
        "{}",
        run.doc
    );
}

/// Builds one file per shape of nesting that the parser descends into recursively without a
/// delimiter (so a bracket-depth guard does not see it) and lints it next to good.rs.
fn check_deep_undelimited(text: String) {
    let dir = hostile_dir();
    dir.write("deep.rs", text.as_bytes());
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    run.assert_handled("deep.rs", 2);
}

#[test]
fn deeply_nested_reference_type() {
    check_deep_undelimited(format!("pub type T = {}u8;\n", "&".repeat(20_000)));
}

#[test]
fn deeply_nested_pointer_type() {
    check_deep_undelimited(format!("pub type T = {}u8;\n", "*const ".repeat(20_000)));
}

#[test]
fn deeply_nested_generic_type() {
    check_deep_undelimited(format!(
        "pub type T = {}u8{};\n",
        "Vec<".repeat(20_000),
        ">".repeat(20_000)
    ));
}

#[test]
fn deeply_nested_closures() {
    check_deep_undelimited(format!("fn f() {{ let x = {}1; }}\n", "|| ".repeat(20_000)));
}

#[test]
fn deeply_nested_unary_operators() {
    check_deep_undelimited(format!(
        "fn f() {{ let x = {}true; }}\n",
        "!".repeat(200_000)
    ));
}

#[test]
fn five_megabyte_single_line() {
    let dir = hostile_dir();
    // A 5 MB string literal, then a finding on the same line.
    let filler = "a".repeat(5 * 1024 * 1024);
    let prefix = format!("pub const S: &str = \"{filler}\"; ");
    let text = format!("{prefix}pub fn g(q: *mut u8) -> u32 {{ q as u32 }}");
    dir.write("long.rs", text.as_bytes());
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    run.assert_handled("long.rs", 2);
    if !run.error_paths().contains("long.rs") {
        let found: Vec<&Value> = run
            .diagnostics()
            .iter()
            .filter(|d| d["path"] == "long.rs")
            .collect();
        assert_eq!(found.len(), 1, "{}", run.doc);
        let start = text.find("q as u32").unwrap();
        assert_eq!(found[0]["line"], 1);
        assert_eq!(found[0]["column"], start as u64 + 1);
        assert_eq!(found[0]["byte_start"], start as u64);
    }
    // The human report must not fail on it either.
    let status = Command::new(PTRWIDTH)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--color", "never", "long.rs"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(matches!(status.code(), Some(0..=1)), "{status:?}");
}

#[test]
fn empty_and_blank_files() {
    let dir = hostile_dir();
    dir.write("empty.rs", b"");
    dir.write("blank.rs", b"\n\n   \r\n\t");
    dir.write("bom.rs", "\u{feff}".as_bytes());
    dir.write("comment.rs", b"// nothing\n/* still nothing */");
    check_hostile(&dir, "empty.rs", 5, false);
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert_eq!(
        run.files() + run.error_paths().len() as u64,
        5,
        "every file is linted or in errors: {}",
        run.doc
    );
    assert_eq!(
        run.diagnostic_paths(),
        [GOOD.to_string()].into_iter().collect()
    );
}

#[test]
fn unparsable_file() {
    let dir = hostile_dir();
    // A finding in an unparsable file is not reported: the file goes to `errors`.
    dir.write(
        "broken.rs",
        b"pub fn g(q: *mut u8) -> u32 { q as u32 }\nfn h( { let = ; }}}\n",
    );
    check_hostile(&dir, "broken.rs", 2, true);
    let run = lint(dir.path(), &["."]);
    let message = run.doc["errors"][0]["message"].as_str().unwrap();
    assert!(!message.is_empty());
    assert_eq!(
        run.diagnostic_paths(),
        [GOOD.to_string()].into_iter().collect()
    );
}

#[test]
fn odd_but_valid_files() {
    // Windows line endings, a byte-order mark and a shebang: linted, with positions that
    // count from the original bytes.
    let dir = hostile_dir();
    let text = "\u{feff}pub fn g(q: *mut u8) -> u32 {\r\n    q as u32\r\n}\r\n";
    dir.write("crlf.rs", text.as_bytes());
    dir.write(
        "shebang.rs",
        b"#!/usr/bin/env run-cargo-script\npub fn h(r: *mut u8) -> u32 { r as u32 }\n",
    );
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert_eq!(run.files(), 3, "{}", run.doc);
    let crlf: Vec<&Value> = run
        .diagnostics()
        .iter()
        .filter(|d| d["path"] == "crlf.rs")
        .collect();
    assert_eq!(crlf.len(), 1, "{}", run.doc);
    assert_eq!(crlf[0]["line"], 2);
    assert_eq!(crlf[0]["column"], 5);
    assert_eq!(crlf[0]["byte_start"], text.find("q as").unwrap() as u64);
    let shebang: Vec<&Value> = run
        .diagnostics()
        .iter()
        .filter(|d| d["path"] == "shebang.rs")
        .collect();
    assert_eq!(shebang.len(), 1, "{}", run.doc);
    assert_eq!(shebang[0]["line"], 2);
}

#[test]
fn oversized_file() {
    let dir = hostile_dir();
    // 17 MB of comment lines: over any sane size limit, but must not stop the run.
    let line = format!("// {}\n", "x".repeat(1020));
    dir.write("huge.rs", line.repeat(17 * 1024).as_bytes());
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    run.assert_handled("huge.rs", 2);
}

#[test]
fn every_hostile_file_at_once() {
    let dir = hostile_dir();
    dir.write("a/random.rs", pseudo_random_bytes(4096, 7));
    dir.write("b/invalid.rs", b"fn f() {} // \xff\n");
    dir.write(
        "c/deep.rs",
        format!("fn f() {{ {}1{} }}", "(".repeat(20_000), ")".repeat(20_000)).as_bytes(),
    );
    dir.write("d/empty.rs", b"");
    dir.write("e/broken.rs", b"fn (");
    dir.write("sub/also_good.rs", GOOD_SRC.as_bytes());
    for jobs in ["-j1", "-j2"] {
        let run = lint(dir.path(), &[jobs]);
        run.assert_good_reported();
        assert!(
            run.diagnostic_paths().contains("sub/also_good.rs"),
            "{}",
            run.doc
        );
        for bad in ["a/random.rs", "b/invalid.rs", "e/broken.rs"] {
            assert!(run.error_paths().contains(bad), "{bad}: {}", run.doc);
        }
        let handled = run.files() + run.error_paths().len() as u64;
        assert_eq!(handled, 7, "{}", run.doc);
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery

#[test]
fn gitignored_files_are_skipped_outside_a_git_repository() {
    let dir = hostile_dir();
    assert!(!dir.path().join(".git").exists());
    dir.write(".gitignore", b"ignored.rs\n/generated/\n");
    dir.write("ignored.rs", GOOD_SRC.as_bytes());
    dir.write("generated/gen.rs", GOOD_SRC.as_bytes());
    dir.write("sub/.ignore", b"local.rs\n");
    dir.write("sub/local.rs", GOOD_SRC.as_bytes());
    dir.write("sub/kept.rs", GOOD_SRC.as_bytes());
    dir.write("target/debug/build.rs", GOOD_SRC.as_bytes());
    dir.write(".hidden/secret.rs", GOOD_SRC.as_bytes());
    dir.write("nested/target/out.rs", GOOD_SRC.as_bytes());
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert_eq!(
        run.diagnostic_paths(),
        [GOOD, "sub/kept.rs"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        "ignored, target/ and hidden files must be skipped"
    );
    assert_eq!(run.files(), 2);
    // A file named explicitly is linted even if ignored.
    for bad in ["ignored.rs", "sub/local.rs", "generated/gen.rs"] {
        let run = lint(dir.path(), &[GOOD, bad]);
        run.assert_good_reported();
        assert!(run.diagnostic_paths().contains(bad), "{bad}: {}", run.doc);
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    use std::os::unix::fs::symlink;
    let dir = hostile_dir();
    let outside = hostile_dir();
    outside.write("far.rs", GOOD_SRC.as_bytes());
    std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
    symlink(".", dir.path().join("self")).unwrap();
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink("../..", dir.path().join("sub/deeper/top")).unwrap();
    symlink("loop-b", dir.path().join("loop-a")).unwrap();
    symlink("loop-a", dir.path().join("loop-b")).unwrap();
    symlink("nowhere.rs", dir.path().join("dangling.rs")).unwrap();
    symlink(GOOD, dir.path().join("alias.rs")).unwrap();
    symlink(outside.path(), dir.path().join("outside")).unwrap();
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert_eq!(
        run.diagnostic_paths(),
        [GOOD.to_string()].into_iter().collect(),
        "symbolic links are not followed"
    );
    assert_eq!(run.files(), 1, "{}", run.doc);
    // Naming the looping links or the dangling one explicitly finishes too.
    for extra in ["self", "sub/up", "loop-a", "dangling.rs"] {
        let run = lint(dir.path(), &[GOOD, extra]);
        assert!(
            run.diagnostic_paths().contains(GOOD),
            "{extra}: {}",
            run.doc
        );
        assert!(matches!(run.code, 1 | 2), "{extra}: exit {}", run.code);
    }
    let run = lint(dir.path(), &[GOOD, "loop-a", "dangling.rs"]);
    run.assert_good_reported();
    assert!(run.error_paths().contains("loop-a"), "{}", run.doc);
    assert!(run.error_paths().contains("dangling.rs"), "{}", run.doc);
    drop(outside);
}

#[cfg(unix)]
#[test]
fn special_files_and_odd_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = hostile_dir();
    // A FIFO must never be opened for reading (that would block forever).
    let fifo = dir.path().join("pipe.rs");
    let made = Command::new("mkfifo").arg(&fifo).status();
    // A directory whose name looks like a source file, and a file name that is not UTF-8.
    dir.write("dir.rs/inner.rs", GOOD_SRC.as_bytes());
    let odd = std::ffi::OsStr::from_bytes(b"odd\xff.rs");
    std::fs::write(dir.path().join(odd), GOOD_SRC).unwrap();
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    assert!(
        run.diagnostic_paths().contains("dir.rs/inner.rs"),
        "{}",
        run.doc
    );
    assert!(
        run.diagnostic_paths().iter().any(|p| p.starts_with("odd")),
        "{}",
        run.doc
    );
    if made.is_ok_and(|s| s.success()) {
        let run = lint(dir.path(), &[GOOD, "pipe.rs"]);
        run.assert_good_reported();
    }
}

#[test]
fn hundred_thousand_deep_nesting_in_every_front_end() {
    let n = 100_000;
    let dir = hostile_dir();
    // Nesting the front end must refuse or cut short: each ends up in `errors`.
    let refused = [
        (
            "paren.rs",
            format!("fn f() -> u32 {{ {}1{} }}\n", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "block.rs",
            format!("fn f() {{ {}{} }}\n", "{".repeat(n), "}".repeat(n)),
        ),
        (
            "mods.rs",
            format!("{}{}\n", "mod a { ".repeat(n), "}".repeat(n)),
        ),
        (
            "generic.rs",
            format!("type T = {}u8{};\n", "Vec<".repeat(n), ">".repeat(n)),
        ),
        (
            "struct.c",
            format!("{}int x; {}\n", "struct a { ".repeat(n), "};".repeat(n)),
        ),
        // Undecided conditions (the SDK's macros have no value here) compile every branch,
        // so every group keeps its directives.
        (
            "ifdef.c",
            format!(
                "#include <windows.h>\n{}int x;\n{}",
                "#if LOWORD(1)\nint a;\n#else\n".repeat(n),
                "#endif\n".repeat(n)
            ),
        ),
        (
            "ns.cpp",
            format!("{}{}\n", "namespace a { ".repeat(n), "}".repeat(n)),
        ),
        (
            "iface.idl",
            format!("{}{}\n", "interface I { ".repeat(n), "}".repeat(n)),
        ),
        (
            "keys.rgs",
            format!("HKCR\n{}{}\n", "{ NoRemove a\n".repeat(n), "}\n".repeat(n)),
        ),
        (
            "elements.wxs",
            format!(
                "<Wix>{}{}</Wix>\n",
                "<Component>".repeat(n),
                "</Component>".repeat(n)
            ),
        ),
    ];
    // Nesting that is linted as far as it is understood.
    let handled = [
        (
            "paren.c",
            format!(
                "int f(void) {{ return {}1{}; }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        ("pointer.c", format!("int {}p;\n", "*".repeat(n))),
        // Groups every target takes alike are gone before parsing: no nesting is left.
        (
            "ifdef_settled.c",
            format!(
                "{}int x;\n{}",
                "#ifdef _WIN32\n".repeat(n),
                "#endif\n".repeat(n)
            ),
        ),
        (
            "paren.cpp",
            format!(
                "int f() {{ return {}1{}; }}\n",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "paren.idl",
            format!("const int x = {}1{};\n", "(".repeat(n), ")".repeat(n)),
        ),
        // regedit has no nesting: the deepest it goes is a key path of that many parts.
        (
            "key.reg",
            format!(
                "Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER{}]\n\"v\"=dword:00000001\n",
                "\\a".repeat(n)
            ),
        ),
    ];
    for (name, text) in refused.iter().chain(&handled) {
        dir.write(name, text.as_bytes());
    }
    let run = lint(dir.path(), &["-j2", "."]);
    run.assert_good_reported();
    let errors = run.error_paths();
    for (name, _) in &refused {
        assert!(
            errors.contains(*name),
            "{name} should be in `errors`: {}",
            run.doc
        );
    }
    // Rust and registry sources are refused whole; the C family keeps what it understood.
    let skipped_whole = refused
        .iter()
        .filter(|(name, _)| [".rs", ".rgs", ".wxs"].iter().any(|e| name.ends_with(e)));
    assert_eq!(
        run.files(),
        1 + (refused.len() + handled.len() - skipped_whole.count()) as u64,
        "{}",
        run.doc
    );
}

#[test]
fn size_limit_from_the_configuration_and_the_flag() {
    let dir = hostile_dir();
    // 100 bytes of comment, then a finding: linted under the default limit.
    let text = format!("// {}\n{GOOD_SRC}", "x".repeat(96));
    dir.write("big.rs", text.as_bytes());
    let skipped = |run: &Run| {
        run.doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == "big.rs")
            .map(|e| e["message"].as_str().unwrap().to_string())
    };
    let run = lint(dir.path(), &["."]);
    assert_eq!(skipped(&run), None, "{}", run.doc);
    assert!(run.diagnostic_paths().contains("big.rs"));

    dir.write("ptrwidth.toml", b"max-file-size = 100\n");
    let run = lint(dir.path(), &["."]);
    run.assert_good_reported();
    let message = skipped(&run).expect("big.rs is over the configured limit");
    assert!(
        message.contains("over the 100-byte limit; skipped"),
        "{message}"
    );
    assert!(!run.diagnostic_paths().contains("big.rs"));

    // The flag wins over the configuration.
    let run = lint(dir.path(), &["--max-file-size", "1000", "."]);
    assert_eq!(skipped(&run), None, "{}", run.doc);
    assert!(run.diagnostic_paths().contains("big.rs"));
    let run = lint(dir.path(), &["--max-file-size", "50", "."]);
    assert!(skipped(&run).is_some(), "{}", run.doc);
    run.assert_good_reported();
}

/// The fastest of three runs over `dir`, which must finish and lint `files` files.
fn best_time(dir: &Path, files: u64) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let run = lint(dir, &["."]);
            let elapsed = started.elapsed();
            assert_eq!(run.files(), files);
            elapsed
        })
        .min()
        .unwrap()
}

#[test]
fn many_empty_files_cost_linear_time() {
    let small = hostile_dir();
    let large = hostile_dir();
    let count = 5_000;
    for (dir, files) in [(&small, count), (&large, 4 * count)] {
        for i in 0..files {
            dir.write(&format!("d{}/f{i}.rs", i % 100), b"");
        }
    }
    let small_time = best_time(small.path(), count as u64 + 1);
    let large_time = best_time(large.path(), 4 * count as u64 + 1);
    // Four times the files: about four times as long (quadratic would be sixteen); the
    // margin absorbs a shared machine's noise.
    assert!(
        large_time < small_time * 8,
        "{count} files took {small_time:?}, {} took {large_time:?}",
        4 * count
    );
}

// ---------------------------------------------------------------------------------------------
// Output

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for args in [
        &["--format", "human"][..],
        &["--format", "json"],
        &["--format", "sarif"],
        &["--diff"],
    ] {
        let mut child = Command::new(PTRWIDTH)
            .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .args(args)
            .arg(&fixtures)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the run has written anything: every write meets a broken pipe.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        // With --diff, stdout is the patch: the files that could not be read are named on
        // stderr instead.
        let stderr: String = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|line| !line.starts_with("warning: could not read "))
            .collect();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {:?}\n{stderr}",
            output.status
        );
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
