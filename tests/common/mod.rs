//! Running the built binaries the way users do.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ptrwidth::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
use ptrwidth::discover::FileKind;
use ptrwidth::engine::Outcome;
use ptrwidth::source::{SourceFile, Span};
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn ptrwidth(dir: &Path, args: &[&str]) -> Output {
    run(command(dir).args(args))
}

pub fn cargo_ptrwidth(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-ptrwidth"));
    clean(&mut command)
        .current_dir(dir)
        .arg("ptrwidth")
        .args(args);
    run(&mut command)
}

/// `ptrwidth` in a directory, with none of the GitHub Actions variables of the outer run.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ptrwidth"));
    clean(&mut command).current_dir(dir);
    command
}

fn clean(command: &mut Command) -> &mut Command {
    for name in [
        "GITHUB_STEP_SUMMARY",
        "GITHUB_WORKSPACE",
        "GITHUB_OUTPUT",
        "GITHUB_SHA",
    ] {
        command.env_remove(name);
    }
    // The cache goes under the build directory, not the user's own cache directory.
    command
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("NO_COLOR", "1")
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch directory removed when dropped.
pub struct Scratch(pub tempfile::TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("a temporary directory"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative)).unwrap()
    }
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Every file under a directory with its bytes, in path order.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The outcome of a run over one Rust file, `a.rs`, with one finding at `finding` whose
/// machine-applicable fix replaces `edit` with `replacement`: what the fixer and reporters are
/// given, without a rule having to produce it.
pub fn outcome_with_fix(
    path: PathBuf,
    text: &str,
    finding: Span,
    edit: Span,
    replacement: &str,
) -> Outcome {
    Outcome {
        files: vec![SourceFile::new(path, "a.rs".into(), text.into())],
        linted_files: 1,
        kinds: vec![FileKind::Rust],
        diagnostics: vec![Diagnostic {
            rule: "handle-truncation",
            level: Level::Error,
            message: "m".into(),
            file: 0,
            span: finding,
            label: None,
            labels: Vec::new(),
            help: None,
            fixes: vec![Fix {
                message: "m".into(),
                applicability: Applicability::MachineApplicable,
                edits: vec![Edit {
                    file: 0,
                    span: edit,
                    replacement: replacement.into(),
                }],
            }],
        }],
        errors: Vec::new(),
        cached: 0,
        notes: Vec::new(),
    }
}

/// What a finished run printed, its exit code, and what it was (for failure messages).
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub what: String,
}

impl Run {
    /// stdout parsed as exactly one JSON document (trailing data is an error).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document: {e}\nstdout:\n{}\nstderr:\n{}",
                self.what, self.stdout, self.stderr
            )
        })
    }

    pub fn assert_code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code, expected,
            "{}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.what, self.stdout, self.stderr
        );
        self
    }
}

/// Runs a command with a deadline, so that a hang fails the test instead of stalling it; a
/// crash (a signal) fails it too.
pub fn finish(command: &mut Command, what: &str, deadline: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes);
        bytes
    });
    let give_up = Instant::now() + deadline;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed by a signal ({status:?})\nstderr:\n{stderr}"));
    Run {
        code,
        stdout,
        stderr,
        what: what.to_string(),
    }
}
