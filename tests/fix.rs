//! `--fix` and `--diff` on real files: every machine-applicable fix of every fixture applies,
//! the result re-lints clean of them, and fixing again changes nothing.

mod common;

use std::path::Path;

use common::{
    Scratch, copy_tree, json, outcome_with_fix, ptrwidth, repo, snapshot, stderr, stdout,
};

fn findings(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let document = json(&stdout(&ptrwidth(dir, &all)));
    document["diagnostics"].as_array().unwrap().clone()
}

fn has_machine_fix(d: &serde_json::Value) -> bool {
    d["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["applicability"] == "machine-applicable")
}

#[test]
fn fixing_every_fixture_leaves_nothing_fixable_and_is_idempotent() {
    let scratch = Scratch::new();
    copy_tree(&repo().join("fixtures"), &scratch.path().join("fixtures"));
    let dir = scratch.path();
    let before = findings(dir, &["fixtures"]);
    let fixable = before.iter().filter(|d| has_machine_fix(d)).count();
    assert!(fixable > 5, "{fixable} fixable findings");

    let output = ptrwidth(dir, &["--fix", "--format", "json", "fixtures"]);
    let message = stderr(&output);
    assert!(message.contains("ptrwidth: fixed "), "{message}");
    assert!(!message.contains("warning:"), "{message}");
    let after = findings(dir, &["fixtures"]);
    let left: Vec<_> = after.iter().filter(|d| has_machine_fix(d)).collect();
    assert!(left.is_empty(), "still fixable after --fix: {left:#?}");
    // Fixes remove findings (a rename to the Ptr function also ends the truncation of its
    // argument) and add none.
    assert!(after.len() <= before.len() - fixable);
    let key = |d: &serde_json::Value| format!("{} {} {}", d["path"], d["rule"], d["message"]);
    let mut unmatched: Vec<String> = before.iter().map(key).collect();
    for finding in &after {
        let position = unmatched.iter().position(|k| *k == key(finding));
        assert!(position.is_some(), "new after --fix: {}", key(finding));
        unmatched.remove(position.unwrap());
    }
    // What --fix reported is what is printed after it: the re-lint.
    let reported = json(&stdout(&output))["diagnostics"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(reported, after.len());

    let fixed = snapshot(dir);
    let output = ptrwidth(dir, &["--fix", "fixtures"]);
    assert!(stderr(&output).contains("fixed 0 findings in 0 files"));
    assert_eq!(snapshot(dir), fixed, "a second --fix changes nothing");
    let diff = ptrwidth(dir, &["--diff", "fixtures"]);
    assert_eq!(diff.status.code(), Some(0));
    assert!(stdout(&diff).is_empty());
}

#[test]
fn diff_shows_the_fix_and_writes_nothing() {
    let scratch = Scratch::new();
    let original =
        std::fs::read_to_string(repo().join("fixtures/window-long-ptr/bad_windows_sys_glob.rs"))
            .unwrap();
    scratch.write("a.rs", &original);
    let output = ptrwidth(scratch.path(), &["--diff", "a.rs"]);
    assert_eq!(output.status.code(), Some(1));
    let diff = stdout(&output);
    assert!(diff.starts_with("--- a/a.rs\n+++ b/a.rs\n@@"), "{diff}");
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("SetWindowLongW"))
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("SetWindowLongPtrW"))
    );
    assert_eq!(scratch.read("a.rs"), original);
    // The maybe-incorrect fixes are only offered with --unsafe-fixes.
    let safe = diff.lines().filter(|l| l.starts_with('+')).count();
    let unsafe_diff = stdout(&ptrwidth(
        scratch.path(),
        &["--diff", "--unsafe-fixes", "a.rs"],
    ));
    assert!(unsafe_diff.lines().filter(|l| l.starts_with('+')).count() > safe);
}

#[test]
fn fixes_keep_line_endings_and_permissions() {
    let scratch = Scratch::new();
    let code = "use windows_sys::Win32::UI::WindowsAndMessaging::{SetWindowLongPtrW, SetWindowLongW, GWLP_USERDATA, GWL_USERDATA};\r\nfn f(hwnd: windows_sys::Win32::Foundation::HWND, p: *mut u8) {\r\n    unsafe { SetWindowLongW(hwnd, GWL_USERDATA, p as i32) };\r\n}\r\n";
    let path = scratch.write("a.rs", code);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let output = ptrwidth(scratch.path(), &["--fix", "a.rs"]);
    let fixed = scratch.read("a.rs");
    assert_ne!(fixed, code, "{}", stderr(&output));
    assert!(
        fixed.contains("SetWindowLongPtrW(hwnd, GWLP_USERDATA, p as isize)"),
        "{fixed}"
    );
    assert_eq!(fixed.matches('\n').count(), fixed.matches("\r\n").count());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    let leftovers: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".ptrwidth-fix"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_not_written_through() {
    let outside = Scratch::new();
    let code =
        std::fs::read_to_string(repo().join("fixtures/window-long-ptr/bad_windows_sys_glob.rs"))
            .unwrap();
    let target = outside.write("real.rs", &code);
    let tree = Scratch::new();
    std::os::unix::fs::symlink(&target, tree.path().join("link.rs")).unwrap();
    let output = ptrwidth(tree.path(), &["--fix", "link.rs"]);
    assert!(
        stderr(&output).contains("outside the linted tree"),
        "{}",
        stderr(&output)
    );
    assert_eq!(outside.read("real.rs"), code);
    assert!(tree.path().join("link.rs").is_symlink());
}

/// The fixed text goes through the front end again; a fix that breaks the syntax is refused.
#[test]
fn a_fix_that_would_not_parse_leaves_the_file_untouched() {
    use ptrwidth::source::Span;

    let scratch = Scratch::new();
    let text = "fn f() {}\n";
    let path = scratch.write("a.rs", text);
    let outcome = outcome_with_fix(path, text, Span::new(0, 2), Span::new(8, 9), "");
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert!(plan.files.is_empty());
    assert!(
        plan.failures[0].message.contains("would not parse"),
        "{:?}",
        plan.failures
    );
    assert!(ptrwidth::fix::write(&plan, &[scratch.path().to_path_buf()]).is_empty());
    assert_eq!(scratch.read("a.rs"), text);
}

#[test]
fn overlapping_fixes_first_wins() {
    use ptrwidth::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
    use ptrwidth::discover::FileKind;
    use ptrwidth::engine::Outcome;
    use ptrwidth::source::{SourceFile, Span};

    let text = "fn f() { let a = 1; }\n";
    let diagnostic = |start: usize, end: usize, replacement: &str| Diagnostic {
        rule: "handle-truncation",
        level: Level::Error,
        message: "m".into(),
        file: 0,
        span: Span::new(start, end),
        label: None,
        labels: Vec::new(),
        help: None,
        fixes: vec![Fix {
            message: format!("use {replacement}"),
            applicability: Applicability::MachineApplicable,
            edits: vec![Edit {
                file: 0,
                span: Span::new(start, end),
                replacement: replacement.into(),
            }],
        }],
    };
    let scratch = Scratch::new();
    let path = scratch.write("a.rs", text);
    let outcome = Outcome {
        files: vec![SourceFile::new(path, "a.rs".into(), text.into())],
        linted_files: 1,
        kinds: vec![FileKind::Rust],
        diagnostics: vec![
            diagnostic(13, 14, "b"),
            diagnostic(13, 18, "c = 2"),
            diagnostic(17, 18, "3"),
        ],
        errors: Vec::new(),
        cached: 0,
        notes: Vec::new(),
    };
    let plan = ptrwidth::fix::plan(&outcome, false);
    assert_eq!(plan.files[0].after, "fn f() { let b = 3; }\n");
    assert_eq!(plan.conflicts.len(), 1);
    assert!(plan.conflicts[0].contains("use c = 2"));
}

/// `--fix` in a tree where some files cannot be written: each is reported, none is touched,
/// no temporary file is left behind, and the writable file is still fixed.
#[cfg(unix)]
#[test]
fn fix_reports_every_file_it_cannot_write_and_changes_nothing_else() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let scratch = Scratch::new();
    let dir = scratch.path();
    let original =
        std::fs::read_to_string(repo().join("fixtures/window-long-ptr/bad_windows_sys_glob.rs"))
            .unwrap();
    for name in ["locked/a.rs", "locked/b.rs", "open/c.rs"] {
        scratch.write(name, &original);
    }
    for file in ["locked/a.rs", "locked/b.rs"] {
        mode(&dir.join(file), 0o644);
    }
    mode(&dir.join("open/c.rs"), 0o666);
    mode(&dir.join("open"), 0o777);
    mode(&dir.join("locked"), 0o555);
    mode(dir, 0o755);
    let mut command = common::command(dir);
    command.args(["--fix", "locked", "open"]);
    // Privileged users write through permissions: probe, and run as nobody if so.
    if std::fs::write(dir.join("locked/probe"), "").is_ok() {
        std::fs::remove_file(dir.join("locked/probe")).unwrap();
        command.uid(65534).gid(65534);
    }
    let before = snapshot(&dir.join("locked"));
    let fixable = findings(dir, &["open"])
        .iter()
        .filter(|d| has_machine_fix(d))
        .count();
    let output = common::run(&mut command);
    let message = stderr(&output);
    for file in ["locked/a.rs", "locked/b.rs"] {
        assert!(
            message
                .lines()
                .any(|l| l.starts_with(&format!("warning: {file}: cannot "))),
            "{file} is not reported:\n{message}"
        );
    }
    // Only what was written counts as fixed.
    assert!(
        message.contains(&format!("fixed {fixable} findings in 1 files")),
        "{message}"
    );
    assert_eq!(snapshot(&dir.join("locked")), before, "{message}");
    assert!(scratch.read("open/c.rs").contains("SetWindowLongPtrW"));
    assert_eq!(
        std::fs::read_dir(dir.join("open")).unwrap().count(),
        1,
        "only c.rs is in open/"
    );
    mode(&dir.join("locked"), 0o755);
}
