//! The command line, the configuration and file reading never give a wrong answer silently
//! and never hang: paths that do not exist, files that cannot be read, empty target lists,
//! configuration files outside the repository, absurd `--jobs`, FIFOs, devices and pseudo-files.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Run, Scratch, command, finish};

/// Long enough for a loaded machine; a run that hangs on a FIFO or a device never ends.
const DEADLINE: Duration = Duration::from_secs(20);

const ERROR_SRC: &str = "pub fn f(p: *mut u8) -> u32 { p as u32 }\n";
const BROKEN_SRC: &str = "pub fn f( {\n";
const BASELINE: &str = "{\n  \"version\": 1,\n  \"entries\": [\n    {\n      \"rule\": \"handle-truncation\",\n      \"path\": \"a.rs\",\n      \"fingerprint\": \"0123456789abcdef\",\n      \"message\": \"kept\"\n    }\n  ]\n}\n";

fn ptrwidth(dir: &Path, args: &[&str]) -> Run {
    finish(
        command(dir).arg("--no-cache").args(args),
        &format!("ptrwidth {args:?}"),
        DEADLINE,
    )
}

fn inspect(dir: &Path, args: &[&str]) -> Run {
    finish(
        command(dir).arg("inspect").args(args),
        &format!("ptrwidth inspect {args:?}"),
        DEADLINE,
    )
}

// ---------------------------------------------------------------------------------------------
// Paths and files that cannot be read

/// `ptrwidth --diff /nonexistent` printed nothing and exited 0; a path that does not exist is a
/// usage error in every mode, also next to one that does.
#[test]
fn a_missing_path_is_a_usage_error_in_every_mode() {
    let dir = Scratch::new();
    dir.write("a.rs", ERROR_SRC);
    let missing = "/nonexistent/ptrwidth-no-such-path";
    let modes: &[&[&str]] = &[
        &[],
        &["--format", "json"],
        &["--format", "sarif"],
        &["--format", "github"],
        &["--format", "rustc-json"],
        &["--fix"],
        &["--fix", "--unsafe-fixes"],
        &["--diff"],
        &["--diff", "--unsafe-fixes"],
        &["--write-baseline", "baseline.json"],
    ];
    for mode in modes {
        for paths in [&[missing][..], &[missing, "a.rs"], &["a.rs", "gone.rs"]] {
            let args: Vec<&str> = mode.iter().chain(paths).copied().collect();
            let run = ptrwidth(dir.path(), &args);
            run.assert_code(2);
            let named = paths.iter().find(|p| **p != "a.rs").unwrap();
            assert!(
                run.stderr.contains(named),
                "{args:?}: stderr does not name {named}: {}",
                run.stderr
            );
        }
    }
    assert_eq!(dir.read("a.rs"), ERROR_SRC, "a usage error fixes nothing");
    assert!(!dir.path().join("baseline.json").exists());
    // `ptrwidth inspect /nonexistent` too.
    for paths in [&[missing][..], &[missing, "."]] {
        let run = inspect(dir.path(), paths);
        run.assert_code(2);
        assert!(run.stderr.contains(missing), "{}", run.stderr);
    }
}

/// `ptrwidth --diff broken.rs` printed nothing and exited 0: the file's error goes to stderr,
/// and a run that could read nothing exits 2, as it does without `--diff`.
#[test]
fn diff_of_an_unparsable_file_reports_it() {
    let dir = Scratch::new();
    dir.write("broken.rs", BROKEN_SRC);
    dir.write("a.rs", ERROR_SRC);
    let lint = ptrwidth(dir.path(), &["broken.rs"]);
    lint.assert_code(2);
    for args in [
        &["--diff", "broken.rs"][..],
        &["--diff", "--unsafe-fixes", "broken.rs"],
    ] {
        let run = ptrwidth(dir.path(), args);
        run.assert_code(2);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("broken.rs") && run.stderr.contains("could not parse Rust"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Next to a file that can be fixed: the diff, the error on stderr, and exit 1 for the fix.
    let run = ptrwidth(
        dir.path(),
        &["--diff", "--unsafe-fixes", "broken.rs", "a.rs"],
    );
    run.assert_code(1);
    assert!(run.stdout.contains("+++ b/a.rs"), "{}", run.stdout);
    assert!(run.stderr.contains("broken.rs"), "{}", run.stderr);
    assert_eq!(dir.read("a.rs"), ERROR_SRC);
}

/// `ptrwidth --write-baseline baseline.json /nonexistent` exited 0 and replaced the baseline
/// with an empty one. A baseline is written only from a run that read every file; a C file
/// parsed in part was read, and does not stop it.
#[test]
fn a_baseline_is_not_replaced_by_a_run_that_could_not_read_its_inputs() {
    let dir = Scratch::new();
    dir.write("a.rs", ERROR_SRC);
    dir.write("broken.rs", BROKEN_SRC);
    dir.write("part.c", "int f( {\nint g(void);\n");
    for paths in [
        &["/nonexistent"][..],
        &["broken.rs"],
        &["a.rs", "broken.rs"],
        &["."],
    ] {
        dir.write("baseline.json", BASELINE);
        let args: Vec<&str> = ["--write-baseline", "baseline.json"]
            .iter()
            .chain(paths)
            .copied()
            .collect();
        let run = ptrwidth(dir.path(), &args);
        run.assert_code(2);
        assert!(
            run.stderr.contains("baseline.json") && run.stderr.contains("not written"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(dir.read("baseline.json"), BASELINE, "{args:?}");
    }
    let run = ptrwidth(
        dir.path(),
        &["--write-baseline", "baseline.json", "a.rs", "part.c"],
    );
    run.assert_code(0);
    assert!(dir.read("baseline.json").contains("\"path\": \"a.rs\""));
}

// ---------------------------------------------------------------------------------------------
// Configuration

/// `targets = []` turned every check off and exited 0.
#[test]
fn an_empty_target_list_is_an_error() {
    let dir = Scratch::new();
    dir.write("a.rs", ERROR_SRC);
    dir.write("ptrwidth.toml", "targets = []\n");
    for args in [&["a.rs"][..], &["config"]] {
        let run = finish(
            command(dir.path()).args(args),
            &format!("targets = [] {args:?}"),
            DEADLINE,
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("ptrwidth.toml") && run.stderr.contains("`targets`"),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::remove_file(dir.path().join("ptrwidth.toml")).unwrap();
    let run = ptrwidth(dir.path(), &["--target", "", "a.rs"]);
    run.assert_code(2);
    assert!(run.stderr.contains("target"), "{}", run.stderr);
}

/// A `ptrwidth.toml` planted in a directory above a checkout (`/tmp/ptrwidth.toml`) applied to
/// every checkout under it: the search stops at the directory holding `.git`.
#[test]
fn configuration_above_the_repository_is_not_read() {
    let dir = Scratch::new();
    dir.write("ptrwidth.toml", "[rules]\nhandle-truncation = \"allow\"\n");
    // A clone (`.git` directory) and a worktree or submodule (`.git` file).
    std::fs::create_dir_all(dir.path().join("clone/.git")).unwrap();
    dir.write("clone/src/a.rs", ERROR_SRC);
    dir.write("worktree/.git", "gitdir: /elsewhere/.git/worktrees/w\n");
    dir.write("worktree/src/a.rs", ERROR_SRC);
    for checkout in ["clone", "worktree"] {
        let root = dir.path().join(checkout);
        ptrwidth(&root, &["src"]).assert_code(1);
        ptrwidth(&root.join("src"), &["a.rs"]).assert_code(1);
        let config = finish(command(&root).arg("config"), "config", DEADLINE);
        assert!(
            config.stdout.contains("no ptrwidth.toml"),
            "{checkout}: {}",
            config.stdout
        );
    }
    // The checkout's own configuration, at its root, is read.
    dir.write(
        "clone/ptrwidth.toml",
        "[rules]\nhandle-truncation = \"allow\"\n",
    );
    ptrwidth(&dir.path().join("clone"), &["src"]).assert_code(0);
}

/// Under `cargo ptrwidth`, the search stops at the workspace root.
#[test]
fn cargo_ptrwidth_reads_no_configuration_above_the_workspace() {
    let dir = Scratch::new();
    dir.write("ptrwidth.toml", "[rules]\nhandle-truncation = \"allow\"\n");
    dir.write(
        "ws/Cargo.toml",
        "[workspace]\nmembers = [\"one\"]\nresolver = \"2\"\n",
    );
    dir.write(
        "ws/one/Cargo.toml",
        "[package]\nname = \"one\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    dir.write("ws/one/src/lib.rs", ERROR_SRC);
    let ws = dir.path().join("ws");
    let mut cargo_ptrwidth = Command::new(env!("CARGO_BIN_EXE_cargo-ptrwidth"));
    cargo_ptrwidth
        .current_dir(&ws)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["ptrwidth", "--no-cache"]);
    finish(&mut cargo_ptrwidth, "cargo ptrwidth", DEADLINE).assert_code(1);
}

// ---------------------------------------------------------------------------------------------
// Worker threads

/// `-j 100000` spent minutes starting threads with 256 MiB stacks; more threads than a few per
/// core only cost memory, so the count is capped, with a note.
#[test]
fn an_absurd_job_count_is_capped() {
    let dir = Scratch::new();
    dir.write("a.rs", ERROR_SRC);
    let run = ptrwidth(dir.path(), &["-j", "100000", "a.rs"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("note:") && run.stderr.contains("--jobs"),
        "{}",
        run.stderr
    );
    let run = ptrwidth(dir.path(), &["-j", "0", "a.rs"]);
    run.assert_code(2);
}

// ---------------------------------------------------------------------------------------------
// FIFOs, devices and pseudo-files

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `ptrwidth inspect x.dll`, with `x.dll` a FIFO, waited for a writer forever.
#[cfg(unix)]
#[test]
fn a_fifo_is_not_read() {
    let dir = Scratch::new();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    mkfifo(&dir.path().join("bin/x.dll"));
    mkfifo(&dir.path().join("bin/y.rs"));
    dir.write("bin/a.rs", ERROR_SRC);
    for args in [&["bin/x.dll"][..], &["bin/y.rs"]] {
        let run = ptrwidth(dir.path(), args);
        run.assert_code(2);
        assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
    }
    ptrwidth(dir.path(), &["bin"]).assert_code(1);
    let run = inspect(dir.path(), &["bin/x.dll"]);
    run.assert_code(1);
    assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
    inspect(dir.path(), &["bin"]).assert_code(0);
}

/// `ptrwidth inspect z.dll`, with `z.dll` a link to `/dev/zero`, read until out of memory.
#[cfg(unix)]
#[test]
fn a_device_is_not_read() {
    let dir = Scratch::new();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("z.dll")).unwrap();
    let run = limited(
        command(dir.path()).args(["inspect", "z.dll"]),
        "inspect z.dll",
    );
    run.assert_code(1);
    assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
    let run = ptrwidth(dir.path(), &["z.dll"]);
    run.assert_code(2);
    assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
}

/// `/proc/self/pagemap` says it holds 0 bytes and yields gigabytes: behind a link named
/// `p.dll` it passed the size limit, in `inspect` and in a run alike.
#[cfg(target_os = "linux")]
#[test]
fn a_pseudo_file_larger_than_its_size_is_not_read() {
    let dir = Scratch::new();
    std::os::unix::fs::symlink("/proc/self/pagemap", dir.path().join("p.dll")).unwrap();
    let run = limited(
        command(dir.path()).args(["inspect", "p.dll"]),
        "inspect p.dll",
    );
    run.assert_code(1);
    assert!(run.stdout.contains("more than its size"), "{}", run.stdout);
    let run = limited(
        command(dir.path()).args(["--no-cache", "-j", "1", "p.dll"]),
        "p.dll",
    );
    run.assert_code(2);
    assert!(run.stdout.contains("more than its size"), "{}", run.stdout);
}

/// Runs with the address space limited, so that reading a device or pseudo-file whole fails
/// quickly instead of taking the machine's memory.
#[cfg(unix)]
fn limited(command: &mut Command, what: &str) -> Run {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 4 << 30,
                    rlim_max: 4 << 30,
                };
                match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            });
        }
    }
    finish(command, what, DEADLINE)
}

/// A FIFO in the place of a configuration file, a baseline or `.cargo/config.toml` is an
/// error, not a wait for a writer (or a file skipped in silence).
#[cfg(unix)]
#[test]
fn a_fifo_in_place_of_a_settings_file_is_an_error() {
    let dir = Scratch::new();
    dir.write("config/a.rs", ERROR_SRC);
    mkfifo(&dir.path().join("config/ptrwidth.toml"));
    dir.write("baseline/a.rs", ERROR_SRC);
    mkfifo(&dir.path().join("baseline/baseline.json"));
    dir.write("cargo/a.rs", ERROR_SRC);
    std::fs::create_dir_all(dir.path().join("cargo/.cargo")).unwrap();
    mkfifo(&dir.path().join("cargo/.cargo/config.toml"));
    for (sub, args, name) in [
        ("config", &["a.rs"][..], "ptrwidth.toml"),
        (
            "baseline",
            &["--baseline", "baseline.json", "a.rs"],
            "baseline.json",
        ),
        ("cargo", &["a.rs"], "config.toml"),
    ] {
        let run = ptrwidth(&dir.path().join(sub), args);
        run.assert_code(2);
        assert!(
            run.stderr.contains(name) && run.stderr.contains("not a regular file"),
            "{sub}: {}",
            run.stderr
        );
    }
}
