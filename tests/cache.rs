//! The on-disk cache against directories it does not own and entries it did not write: a
//! `--cache-dir` of the user's own loses nothing, a cache that a symbolic link leads out of the
//! linted tree is not used, and an entry that does not describe the bytes just read is a miss.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Scratch, json, outcome_with_fix, ptrwidth, stderr, stdout};
use ptrwidth::cache::{Cache, CacheDir};
use ptrwidth::discover::FileKind;

/// A raw pointer narrowed to `u32`: an error.
const ERROR_SRC: &str = "pub fn f(p: *mut u8) -> u32 { p as u32 }\n";
/// Nothing to report.
const CLEAN_SRC: &str = "pub fn f(p: *mut u8) -> usize { p as usize }\n";

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal\nstdout:\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// `ptrwidth --format json ARGS`, which must not have panicked.
fn lint(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let output = ptrwidth(dir, &all);
    assert_ne!(code(&output), 101, "panicked: {}", stderr(&output));
    (code(&output), json(&stdout(&output)))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.file_type().unwrap().is_dir() {
                true => stack.push(entry.path()),
                false => files.push(entry.path()),
            }
        }
    }
    files.sort();
    files
}

/// The cache entries under `dir`: files named by a 128-bit key in hex.
fn entries(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .collect()
}

#[test]
fn a_cache_dir_of_the_users_own_keeps_its_sixteen_hex_digit_directories() {
    // mkdir -p d/0123456789abcdef; echo keep > d/0123456789abcdef/f
    // ptrwidth -q --cache-dir d x.rs; ptrwidth -q --cache-dir d x.rs
    let dir = Scratch::new();
    dir.write("x.rs", ERROR_SRC);
    let kept = dir.write("d/0123456789abcdef/f", "keep\n");
    for cached in [0, 1] {
        let (code, doc) = lint(dir.path(), &["-q", "--cache-dir", "d", "x.rs"]);
        assert_eq!(code, 1, "{doc}");
        assert_eq!(doc["summary"]["cached"], cached, "{doc}");
    }
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "keep\n");
    assert!(
        !dir.path().join("d/CACHEDIR.TAG").exists(),
        "the directory the user named is not tagged: backup tools would skip all of it"
    );
}

#[cfg(unix)]
#[test]
fn cargo_ptrwidth_uses_no_cache_that_a_symlink_leads_out_of_the_tree() {
    // A cloned repository that commits `target/ptrwidth-cache -> ../../elsewhere`.
    let dir = Scratch::new();
    dir.write(
        "ws/Cargo.toml",
        "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    dir.write("ws/src/lib.rs", ERROR_SRC);
    let theirs = dir.write("elsewhere/0123456789abcdef/f", "keep\n");
    std::fs::create_dir_all(dir.path().join("ws/target")).unwrap();
    std::os::unix::fs::symlink(
        "../../elsewhere",
        dir.path().join("ws/target/ptrwidth-cache"),
    )
    .unwrap();
    for _ in 0..2 {
        let output = common::cargo_ptrwidth(&dir.path().join("ws"), &["--format", "json"]);
        assert_eq!(code(&output), 1, "{}", stderr(&output));
        let doc = json(&stdout(&output));
        assert_eq!(doc["summary"]["cached"], 0, "{doc}");
        assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1, "{doc}");
        // A cache left unused is said on stderr; no file went unread.
        assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
        let said = stderr(&output);
        assert!(
            said.contains("note: not used as the cache: ")
                && said.contains("target/ptrwidth-cache is a symbolic link"),
            "{said}"
        );
    }
    assert_eq!(
        files_under(&dir.path().join("elsewhere")),
        [theirs],
        "nothing is written or deleted outside the tree"
    );
}

/// A target directory that is itself a link (to a faster disk) is where cargo writes too: the
/// cache inside it is used.
#[cfg(unix)]
#[test]
fn cargo_ptrwidth_caches_in_a_target_directory_that_is_a_symlink() {
    let dir = Scratch::new();
    dir.write(
        "ws/Cargo.toml",
        "[package]\nname = \"ws\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    dir.write("ws/src/lib.rs", ERROR_SRC);
    std::fs::create_dir_all(dir.path().join("fast/target")).unwrap();
    std::os::unix::fs::symlink("../fast/target", dir.path().join("ws/target")).unwrap();
    let mut cached = Vec::new();
    for _ in 0..2 {
        let output = common::cargo_ptrwidth(&dir.path().join("ws"), &["--format", "json"]);
        assert_eq!(code(&output), 1, "{}", stderr(&output));
        assert!(
            !stderr(&output).contains("not used as the cache"),
            "{}",
            stderr(&output)
        );
        cached.push(json(&stdout(&output))["summary"]["cached"].clone());
    }
    assert_eq!(cached, [0, 1]);
    assert!(
        dir.path()
            .join("fast/target/ptrwidth-cache/ptrwidth-v1")
            .is_dir()
    );
}

#[test]
fn an_entry_copied_over_another_files_key_is_a_miss() {
    let dir = Scratch::new();
    dir.write("clean.rs", CLEAN_SRC);
    dir.write("bad.rs", ERROR_SRC);
    let cache = dir.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    lint(dir.path(), &["--cache-dir", cache_arg, "clean.rs"]);
    let [clean_entry] = &entries(&cache)[..] else {
        panic!("one entry: {:?}", files_under(&cache))
    };
    let (code, _) = lint(dir.path(), &["--cache-dir", cache_arg, "bad.rs"]);
    assert_eq!(code, 1);
    let bad_entry = entries(&cache)
        .into_iter()
        .find(|entry| entry != clean_entry)
        .unwrap();
    std::fs::copy(clean_entry, &bad_entry).unwrap();
    let (code, doc) = lint(dir.path(), &["--cache-dir", cache_arg, "bad.rs"]);
    assert_eq!(doc["summary"]["cached"], 0, "{doc}");
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(code, 1, "the file's own error is reported");
}

/// `GWL_USERDATA` is the 32-bit index name: a machine-applicable rename to `GWLP_USERDATA`.
const SHORT_C: &str = "#include <windows.h>\n\
    LONG_PTR user_data(HWND hwnd) { return GetWindowLongPtrW(hwnd, GWL_USERDATA); }\n";

/// Writes, as the cache entry for `short.c`'s bytes, what the front end made of a longer text:
/// every span of it lies past the end of `short.c`. The entry is written by the cache itself,
/// so its checksum is right; it then replaces the entry the command line wrote.
fn plant_entry_with_spans_past_the_end(dir: &Path, cli_cache: &Path) {
    let long = SHORT_C.replace(
        "\nLONG_PTR",
        &format!("\n/*{}*/\nLONG_PTR", "-".repeat(400)),
    );
    let mut forged = ptrwidth::frontend::lower(FileKind::C, long.into_bytes(), None).unwrap();
    forged.text = SHORT_C.to_string();
    let scratch = dir.join("forge");
    let cache = Cache::open(&CacheDir::new(&scratch, &[])).unwrap().unwrap();
    cache.put(&Cache::key(FileKind::C, SHORT_C.as_bytes()), &Ok(forged));
    let [forged_entry] = &entries(&scratch)[..] else {
        panic!("one entry: {:?}", files_under(&scratch))
    };
    let [cli_entry] = &entries(cli_cache)[..] else {
        panic!("one entry: {:?}", files_under(cli_cache))
    };
    std::fs::copy(forged_entry, cli_entry).unwrap();
    std::fs::remove_dir_all(scratch).unwrap();
}

#[test]
fn an_entry_whose_spans_pass_the_end_of_the_file_is_a_miss_for_sarif_and_fix() {
    let dir = Scratch::new();
    let short = dir.write("short.c", SHORT_C);
    let cache = dir.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let (code, fresh) = lint(dir.path(), &["--no-cache", "short.c"]);
    assert_eq!(code, 1);
    assert_eq!(fresh["diagnostics"].as_array().unwrap().len(), 1, "{fresh}");
    lint(dir.path(), &["--cache-dir", cache_arg, "short.c"]);

    plant_entry_with_spans_past_the_end(dir.path(), &cache);
    let (code, doc) = lint(dir.path(), &["--cache-dir", cache_arg, "short.c"]);
    assert_eq!((code, &doc["diagnostics"]), (1, &fresh["diagnostics"]));
    assert_eq!(doc["summary"]["cached"], 0, "{doc}");

    plant_entry_with_spans_past_the_end(dir.path(), &cache);
    let output = ptrwidth(
        dir.path(),
        &["--cache-dir", cache_arg, "--format", "sarif", "short.c"],
    );
    assert_eq!(code_of_run(&output), 1, "{}", stderr(&output));
    let sarif = json(&stdout(&output));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );

    plant_entry_with_spans_past_the_end(dir.path(), &cache);
    let output = ptrwidth(dir.path(), &["--cache-dir", cache_arg, "--fix", "short.c"]);
    assert_eq!(code_of_run(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&short).unwrap(),
        SHORT_C.replace("GWL_USERDATA", "GWLP_USERDATA")
    );
}

fn code_of_run(output: &Output) -> i32 {
    let code = code(output);
    assert_ne!(code, 101, "panicked: {}", stderr(output));
    code
}

/// The cache's checks are what keeps such spans out; reporters and the fixer do not trust
/// them either.
#[test]
fn reporters_and_the_fixer_take_a_span_past_the_text_without_panicking() {
    use ptrwidth::report::{self, Context, Format, Style};
    use ptrwidth::source::Span;

    let scratch = Scratch::new();
    let text = "fn é() {}\n";
    let path = scratch.write("a.rs", text);
    let outcome = outcome_with_fix(path, text, Span::new(4, 400), Span::new(300, 400), "x");
    let cx = Context {
        style: Style {
            color: false,
            quiet: false,
        },
        root: scratch.path().to_path_buf(),
        packages: &[],
        build_succeeded: true,
    };
    // GitHub's reporter is left out: it writes to the files the Actions variables name.
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::RustcJson,
    ] {
        report::write(format, &outcome, &cx, &mut Vec::new()).unwrap();
    }
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert!(plan.files.iter().all(|file| file.after == text));
}
