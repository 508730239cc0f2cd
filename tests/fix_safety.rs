//! What `--fix` must never do to a file (overwrite an edit made after it was read, write
//! through a symbolic link out of the tree, rewrite a read-only file, change its line endings
//! or encoding, edit data that only looks like a comment), and that fixing settles in one run.

mod common;

use common::{Scratch, copy_tree, outcome_with_fix, ptrwidth, repo, snapshot, stderr, stdout};
use ptrwidth::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use ptrwidth::source::Span;

fn window_long_fixture() -> String {
    std::fs::read_to_string(repo().join("fixtures/window-long-ptr/bad_windows_sys_glob.rs"))
        .unwrap()
}

/// A line appended to the file between planning the fix and writing it (an editor saving
/// while `ptrwidth --fix` runs) is kept: the file is not replaced.
#[test]
fn an_edit_made_after_planning_is_not_overwritten() {
    let scratch = Scratch::new();
    let text = "fn f() {}\n";
    let path = scratch.write("a.rs", text);
    let outcome = outcome_with_fix(path.clone(), text, Span::new(3, 4), Span::new(3, 4), "g");
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert_eq!(plan.files.len(), 1, "{:?}", plan.failures);
    let edited = "fn f() {}\nfn added_while_planning() {}\n";
    std::fs::write(&path, edited).unwrap();
    let failures = ptrwidth::fix::write(&plan, &[scratch.path().to_path_buf()]);
    assert_eq!(scratch.read("a.rs"), edited);
    assert_eq!(failures.len(), 1);
    assert!(failures[0].message.contains("changed"), "{failures:?}");
}

/// The same, when the change keeps the file's size: the bytes are compared, not only the
/// length.
#[test]
fn a_same_size_edit_made_after_planning_is_not_overwritten() {
    let scratch = Scratch::new();
    let text = "fn f() {}\n";
    let path = scratch.write("a.rs", text);
    let outcome = outcome_with_fix(path.clone(), text, Span::new(3, 4), Span::new(3, 4), "g");
    let plan = ptrwidth::fix::plan(&outcome, false);
    std::fs::write(&path, "fn h() {}\n").unwrap();
    let failures = ptrwidth::fix::write(&plan, &[scratch.path().to_path_buf()]);
    assert_eq!(scratch.read("a.rs"), "fn h() {}\n");
    assert_eq!(failures.len(), 1, "{failures:?}");
}

/// A fix whose edits give back the same text has nothing to write: `--fix` neither rewrites
/// the file round after round nor counts it as fixed.
#[test]
fn a_fix_that_changes_nothing_is_not_written() {
    let scratch = Scratch::new();
    let text = "fn f() {}\n";
    let path = scratch.write("a.rs", text);
    let mut outcome = outcome_with_fix(path, text, Span::new(3, 4), Span::new(3, 4), "f");
    assert!(ptrwidth::fix::plan(&outcome, false).files.is_empty());
    let roots = [scratch.path().to_path_buf()];
    let fixed = ptrwidth::fix::apply_and_relint(&mut outcome, false, &roots, || {
        panic!("nothing was written, so nothing is linted again")
    })
    .unwrap();
    assert!(fixed.settled);
    assert_eq!((fixed.findings, fixed.files), (0, 0));
}

/// `ptrwidth --fix tree tree/sub/x.rs` with `tree/sub -> ../outside`: naming the file does not
/// make the directory it really lies in part of the tree.
#[cfg(unix)]
#[test]
fn fix_does_not_write_through_a_symlinked_directory() {
    let scratch = Scratch::new();
    let code = window_long_fixture();
    scratch.write("outside/x.rs", &code);
    scratch.write("tree/y.rs", &code);
    std::os::unix::fs::symlink("../outside", scratch.path().join("tree/sub")).unwrap();
    let output = ptrwidth(scratch.path(), &["--fix", "tree", "tree/sub/x.rs"]);
    let message = stderr(&output);
    assert!(message.contains("outside the linted tree"), "{message}");
    assert_eq!(scratch.read("outside/x.rs"), code, "{message}");
    assert!(scratch.path().join("tree/sub").is_symlink());
    // The rest of the tree is fixed.
    assert!(
        scratch.read("tree/y.rs").contains("SetWindowLongPtrW"),
        "{message}"
    );
}

/// A file without write permission is the owner's way of saying "do not change this".
#[cfg(unix)]
#[test]
fn read_only_files_are_left_alone_and_reported() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    let code = window_long_fixture();
    let locked = scratch.write("locked.rs", &code);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    scratch.write("open.rs", &code);
    let output = ptrwidth(scratch.path(), &["--fix", "."]);
    let message = stderr(&output);
    assert!(
        message.contains("locked.rs: read-only; not fixed"),
        "{message}"
    );
    assert_eq!(scratch.read("locked.rs"), code);
    let mode = std::fs::metadata(&locked).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444);
    assert!(scratch.read("open.rs").contains("SetWindowLongPtrW"));
}

/// Removing a trailing unused allow from a CRLF file keeps the line's `\r\n`, in every encoding
/// a file may be read in.
#[test]
fn removing_a_trailing_allow_keeps_crlf() {
    let scratch = Scratch::new();
    scratch.write(
        "crlf.rs",
        "fn f() {} // ptrwidth: allow(handle-truncation)\r\nfn g() {}\r\n",
    );
    let reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\X]\r\n\"A\"=\"b\" ; ptrwidth: allow(handle-truncation)\r\n\"B\"=\"\u{e9}\"\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(reg.encode_utf16().flat_map(u16::to_le_bytes));
    scratch.write("utf16.reg", &utf16);
    let latin1: Vec<u8> = reg.chars().map(|c| u8::try_from(c).unwrap()).collect();
    scratch.write("latin1.reg", &latin1);
    let output = ptrwidth(scratch.path(), &["--fix", "."]);
    let message = stderr(&output);
    assert!(message.contains("fixed 3 findings in 3 files"), "{message}");
    assert_eq!(scratch.read("crlf.rs"), "fn f() {}\r\nfn g() {}\r\n");
    let fixed_reg = reg.replace(" ; ptrwidth: allow(handle-truncation)", "");
    let mut fixed_utf16 = vec![0xFF, 0xFE];
    fixed_utf16.extend(fixed_reg.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(
        std::fs::read(scratch.path().join("utf16.reg")).unwrap(),
        fixed_utf16
    );
    let fixed_latin1: Vec<u8> = fixed_reg
        .chars()
        .map(|c| u8::try_from(c).unwrap())
        .collect();
    assert_eq!(
        std::fs::read(scratch.path().join("latin1.reg")).unwrap(),
        fixed_latin1
    );
}

/// Visual Studio saves UTF-8 with a byte-order mark; `--diff` and `--fix` work on such files
/// and keep the mark, also when the first line is the one removed.
#[test]
fn utf8_files_with_a_byte_order_mark_are_fixed_and_keep_it() {
    let scratch = Scratch::new();
    let mark = "\u{feff}";
    let files = [
        (
            "a.c",
            "// ptrwidth: allow(handle-truncation)\r\nint f(void);\r\n",
        ),
        (
            "b.cpp",
            "int f(void); // ptrwidth: allow(handle-truncation)\r\n",
        ),
        ("c.rs", "// ptrwidth: allow(handle-truncation)\nfn f() {}\n"),
        (
            "d.idl",
            "interface I { HRESULT F(); }; // ptrwidth: allow(handle-truncation)\n",
        ),
    ];
    for (name, text) in files {
        scratch.write(name, format!("{mark}{text}"));
    }
    let diff = ptrwidth(scratch.path(), &["--diff", "."]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    assert!(!stderr(&diff).contains("warning:"), "{}", stderr(&diff));
    for (name, _) in files {
        assert!(stdout(&diff).contains(&format!("+++ b/{name}")), "{name}");
    }
    let output = ptrwidth(scratch.path(), &["--fix", "."]);
    let message = stderr(&output);
    assert!(message.contains("fixed 4 findings in 4 files"), "{message}");
    assert_eq!(scratch.read("a.c"), format!("{mark}int f(void);\r\n"));
    assert_eq!(scratch.read("b.cpp"), format!("{mark}int f(void);\r\n"));
    assert_eq!(scratch.read("c.rs"), format!("{mark}fn f() {{}}\n"));
    assert_eq!(
        scratch.read("d.idl"),
        format!("{mark}interface I {{ HRESULT F(); }};\n")
    );
}

/// Text in a WiX CDATA section or in an `.rgs` string is data, however much it looks like an
/// allow comment: `--fix` leaves it.
#[test]
fn data_that_looks_like_a_comment_is_not_edited() {
    let scratch = Scratch::new();
    let wix = "<Wix>\n  <CustomAction Id=\"A\"><![CDATA[ x <!-- ptrwidth: allow(handle-truncation) --> y ]]></CustomAction>\n  <?define v = \"<!-- ptrwidth: allow(handle-truncation) -->\" ?>\n</Wix>\n";
    let rgs = "HKCR\n{\n    X = s 'http://a/ ptrwidth: allow(handle-truncation)'\n    Y = s 'it''s // ptrwidth: allow(handle-truncation)'\n}\n";
    scratch.write("a.wxs", wix);
    scratch.write("a.rgs", rgs);
    let diff = ptrwidth(scratch.path(), &["--diff", "."]);
    assert!(stdout(&diff).is_empty(), "{}", stdout(&diff));
    ptrwidth(scratch.path(), &["--fix", "."]);
    assert_eq!(scratch.read("a.wxs"), wix);
    assert_eq!(scratch.read("a.rgs"), rgs);
}

/// `--fix --unsafe-fixes` over every fixture, twice: the second run finds nothing to fix and
/// changes no byte, as fixes that only apply once others are made are made in the first.
#[test]
fn fixing_every_fixture_with_unsafe_fixes_settles_in_one_run() {
    let scratch = Scratch::new();
    copy_tree(&repo().join("fixtures"), &scratch.path().join("fixtures"));
    let dir = scratch.path();
    let first = ptrwidth(dir, &["--fix", "--unsafe-fixes", "fixtures"]);
    assert!(
        !stderr(&first).contains("fixed 0 findings"),
        "{}",
        stderr(&first)
    );
    let fixed = snapshot(dir);
    let second = ptrwidth(dir, &["--fix", "--unsafe-fixes", "fixtures"]);
    assert!(
        stderr(&second).contains("fixed 0 findings in 0 files"),
        "{}",
        stderr(&second)
    );
    assert_eq!(snapshot(dir), fixed, "a second --fix changes nothing");
    let diff = ptrwidth(dir, &["--diff", "--unsafe-fixes", "fixtures"]);
    assert!(stdout(&diff).is_empty(), "{}", stdout(&diff));
}

/// The best of three plans of `count` one-byte fixes in one file (inside a comment, so that
/// parsing the fixed file again costs little beside them).
fn best_plan_time(count: usize) -> std::time::Duration {
    let scratch = Scratch::new();
    let text = format!("/*{}*/\nfn f() {{}}\n", "a ".repeat(count));
    let path = scratch.write("a.rs", &text);
    let fix = |start: usize| Fix {
        message: "rename".into(),
        applicability: Applicability::MachineApplicable,
        edits: vec![Edit {
            file: 0,
            span: Span::new(start, start + 1),
            replacement: "b".into(),
        }],
    };
    let mut outcome = outcome_with_fix(path, &text, Span::new(2, 3), Span::new(2, 3), "b");
    let template = outcome.diagnostics.pop().unwrap();
    outcome.diagnostics = (0..count)
        .map(|i| Diagnostic {
            span: Span::new(2 + 2 * i, 3 + 2 * i),
            fixes: vec![fix(2 + 2 * i)],
            ..template.clone()
        })
        .collect();
    (0..3)
        .map(|_| {
            let started = std::time::Instant::now();
            let plan = ptrwidth::fix::plan(&outcome, false);
            let elapsed = started.elapsed();
            assert_eq!(plan.fixed(), count);
            assert!(plan.files[0].after.starts_with("/*b b "));
            elapsed
        })
        .min()
        .unwrap()
}

/// `--fix` on a file with tens of thousands of fixes: four times the fixes take about four
/// times as long (checking each against every other, or splicing each into the whole text,
/// takes sixteen; the quadratic version took 94 s for 40,000).
#[test]
fn planning_many_fixes_in_one_file_costs_linear_time() {
    let count = 10_000;
    let small = best_plan_time(count);
    let large = best_plan_time(4 * count);
    assert!(
        large < small * 8 || large < std::time::Duration::from_secs(2),
        "{count} fixes took {small:?}, {} took {large:?}",
        4 * count
    );
}
