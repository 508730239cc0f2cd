//! Configuration, baselines, subcommands, exit codes and the cargo subcommand, as users meet them.
//! cargo subcommand.

mod common;

use common::{Scratch, cargo_ptrwidth, json, ptrwidth, stderr, stdout};

const TRUNCATION: &str =
    "use windows_sys::Win32::Foundation::HWND;\nfn id(h: HWND) -> u32 {\n    h as u32\n}\n";

fn rules_of(output: &std::process::Output) -> Vec<(String, String)> {
    json(&stdout(output))["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn configuration_levels_excludes_and_project_types() {
    let scratch = Scratch::new();
    scratch.write(
        "ptrwidth.toml",
        r#"
exclude = ["vendor/**"]
[rules]
handle-truncation = "deny"
[handles]
AppHandle = "address"
[functions]
app_store = { params = ["HWND", "u32"], ret = "BOOL" }
"#,
    );
    scratch.write("src/a.rs", TRUNCATION);
    scratch.write("vendor/b.rs", TRUNCATION);
    scratch.write(
        "src/own.rs",
        "fn keep(h: AppHandle, w: windows_sys::Win32::Foundation::HWND, p: *mut u8) -> u32 {\n    unsafe { app_store(w, p as _) };\n    h as u32\n}\n",
    );
    let output = ptrwidth(scratch.path(), &["--format", "json", "src", "vendor"]);
    let found = rules_of(&output);
    // `deny` makes the HWND warning an error; vendor/ is not walked.
    assert_eq!(
        found,
        [
            ("handle-truncation".into(), "error".into()),
            ("handle-truncation".into(), "error".into()),
            ("handle-truncation".into(), "error".into()),
        ],
        "{}",
        stdout(&output)
    );
    let document = json(&stdout(&output));
    let paths: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/a.rs", "src/own.rs", "src/own.rs"]);

    // Flags win: --select runs a rule the configuration allows, --target replaces `targets`.
    scratch.write(
        "ptrwidth.toml",
        "targets = [\"i686-pc-windows-msvc\"]\n[rules]\nhandle-truncation = \"allow\"\n",
    );
    assert!(rules_of(&ptrwidth(scratch.path(), &["--format", "json", "src"])).is_empty());
    let found = rules_of(&ptrwidth(
        scratch.path(),
        &[
            "--format",
            "json",
            "--select",
            "handle-truncation",
            "--target",
            "x86_64-pc-windows-msvc",
            "src/a.rs",
        ],
    ));
    assert_eq!(found, [("handle-truncation".into(), "warning".into())]);

    let output = ptrwidth(
        scratch.path(),
        &["config", "--target", "x86_64-pc-windows-msvc"],
    );
    let text = stdout(&output);
    assert!(
        text.contains("targets = [\"x86_64-pc-windows-msvc\"]  # --target"),
        "{text}"
    );
    assert!(text.contains("handle-truncation = \"allow\"  # "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("handle-truncation") && l.ends_with("ptrwidth.toml")),
        "{text}"
    );
    assert!(
        text.contains("int-to-handle = \"deny\"  # default"),
        "{text}"
    );
}

#[test]
fn configuration_errors_name_the_nearest_valid_name() {
    let scratch = Scratch::new();
    scratch.write("a.rs", TRUNCATION);
    for (toml, expected) in [
        (
            "exclud = []",
            "unknown key `exclud`; did you mean `exclude`?",
        ),
        (
            "[rules]\nhandle-truncaton = \"warn\"",
            "did you mean `handle-truncation`?",
        ),
        (
            "[rules]\nint-to-handle = \"forbid\"",
            "unknown level for `int-to-handle` `forbid`",
        ),
    ] {
        scratch.write(".ptrwidth.toml", toml);
        let output = ptrwidth(scratch.path(), &["a.rs"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(".ptrwidth.toml"),
            "{}",
            stderr(&output)
        );
    }
    std::fs::remove_file(scratch.path().join(".ptrwidth.toml")).unwrap();
    let output = ptrwidth(scratch.path(), &["--select", "handle-trunc", "a.rs"]);
    assert!(stderr(&output).contains("did you mean `handle-truncation`?"));
}

#[test]
fn cargo_metadata_tables_configure_the_workspace() {
    let scratch = Scratch::new();
    scratch.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"inner\"]\nresolver = \"2\"\n\n[workspace.metadata.ptrwidth]\n[workspace.metadata.ptrwidth.rules]\nhandle-truncation = \"allow\"\n",
    );
    scratch.write(
        "inner/Cargo.toml",
        "[package]\nname = \"inner\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    scratch.write("inner/src/lib.rs", TRUNCATION);
    let text = stdout(&ptrwidth(&scratch.path().join("inner"), &["config"]));
    assert!(text.contains("[workspace.metadata.ptrwidth]"), "{text}");
    assert!(rules_of(&ptrwidth(scratch.path(), &["--format", "json", "inner"])).is_empty());
    scratch.write(
        "inner/Cargo.toml",
        "[package]\nname = \"inner\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.ptrwidth.rules]\nhandle-truncation = \"deny\"\n",
    );
    let found = rules_of(&ptrwidth(scratch.path(), &["--format", "json", "inner"]));
    assert_eq!(found, [("handle-truncation".into(), "error".into())]);
}

#[test]
fn baseline_reports_only_new_findings_and_counts_stale_entries() {
    let scratch = Scratch::new();
    scratch.write("a.rs", TRUNCATION);
    let output = ptrwidth(
        scratch.path(),
        &["--write-baseline", "baseline.json", "a.rs"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("recorded 1 findings"));

    // Code added above the finding does not make it new.
    scratch.write("a.rs", format!("// header\n\n{TRUNCATION}"));
    let output = ptrwidth(
        scratch.path(),
        &["--baseline", "baseline.json", "--format", "json", "a.rs"],
    );
    assert!(rules_of(&output).is_empty(), "{}", stdout(&output));

    // A new finding is reported; a fixed one leaves a stale entry.
    let fresh = TRUNCATION
        .replace("fn id", "fn other")
        .replace("h as u32", "h as i32");
    scratch.write("a.rs", &fresh);
    let output = ptrwidth(
        scratch.path(),
        &["--baseline", "baseline.json", "--format", "json", "a.rs"],
    );
    assert_eq!(rules_of(&output).len(), 1);
    assert!(
        stderr(&output).contains("1 entries of baseline baseline.json no longer match"),
        "{}",
        stderr(&output)
    );

    scratch.write("baseline.json", "{\"nope\": 1}");
    let output = ptrwidth(scratch.path(), &["--baseline", "baseline.json", "a.rs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not a ptrwidth baseline"));
}

#[test]
fn rules_explain_and_paths_named_like_subcommands() {
    let scratch = Scratch::new();
    let text = stdout(&ptrwidth(scratch.path(), &["rules"]));
    for doc in ptrwidth::catalog::all().unwrap() {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&doc.name) && l.ends_with(&doc.summary)),
            "{text}"
        );
    }
    let text = stdout(&ptrwidth(scratch.path(), &["explain", "window-long-ptr"]));
    for heading in ["## Why", "## Fix", "## Bad (rust)", "## Good (rust)"] {
        assert!(text.contains(heading), "{text}");
    }
    let output = ptrwidth(scratch.path(), &["explain", "window-long"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `window-long-ptr`?"));

    scratch.write("rules/a.rs", TRUNCATION);
    let output = ptrwidth(scratch.path(), &["--format", "json", "./rules"]);
    assert_eq!(rules_of(&output).len(), 1);

    let help = stdout(&ptrwidth(scratch.path(), &["--help"]));
    assert!(
        help.contains("Exit codes:") && help.contains("2  usage error"),
        "{help}"
    );
}

#[test]
fn fail_on_and_extra_reports() {
    let scratch = Scratch::new();
    scratch.write("a.rs", TRUNCATION);
    let code = |args: &[&str]| ptrwidth(scratch.path(), args).status.code();
    assert_eq!(code(&["-q", "a.rs"]), Some(0), "a warning alone passes");
    assert_eq!(code(&["-q", "--fail-on", "warning", "a.rs"]), Some(1));
    assert_eq!(
        code(&[
            "-q",
            "--fail-on",
            "never",
            "--select",
            "handle-truncation",
            "a.rs"
        ]),
        Some(0)
    );
    assert_eq!(code(&["-q", "--unsafe-fixes", "a.rs"]), Some(2));

    let output = ptrwidth(
        scratch.path(),
        &[
            "-q",
            "--report",
            "sarif=out.sarif",
            "--report",
            "json=out.json",
            "a.rs",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let sarif = json(&scratch.read("out.sarif"));
    let report = json(&scratch.read("out.json"));
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["warnings"], 1);
    assert_eq!(code(&["--report", "xml=out.xml", "a.rs"]), Some(2));
}

#[test]
fn cargo_subcommand_selects_packages_and_lints_every_file_kind() {
    let scratch = Scratch::new();
    scratch.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"app/nested\", \"lib\"]\nresolver = \"2\"\n",
    );
    for (dir, name) in [("app", "app"), ("app/nested", "nested"), ("lib", "lib")] {
        scratch.write(
            &format!("{dir}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        scratch.write(&format!("{dir}/src/lib.rs"), TRUNCATION);
    }
    scratch.write("app/build.rs", TRUNCATION);
    let files = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let output = cargo_ptrwidth(scratch.path(), &all);
        let document = json(&stdout(&output));
        let mut paths: Vec<String> = document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(
        files(&[]),
        [
            "app/build.rs",
            "app/nested/src/lib.rs",
            "app/src/lib.rs",
            "lib/src/lib.rs"
        ]
    );
    // A package's directory is linted without the members nested in it.
    assert_eq!(files(&["-p", "app"]), ["app/build.rs", "app/src/lib.rs"]);
    assert_eq!(
        files(&["--workspace", "--exclude", "lib"]),
        ["app/build.rs", "app/nested/src/lib.rs", "app/src/lib.rs"]
    );
    let output = cargo_ptrwidth(scratch.path(), &["-p", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`nope` is not a member"));

    let elsewhere = Scratch::new();
    let output = cargo_ptrwidth(elsewhere.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read the cargo workspace"),
        "{}",
        stderr(&output)
    );

    // `CARGO` names the cargo to ask, as cargo sets it for its subcommands.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-ptrwidth"));
    command
        .current_dir(scratch.path())
        .env("CARGO", scratch.path().join("no-such-cargo"))
        .arg("ptrwidth");
    let output = common::run(&mut command);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no-such-cargo"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn machine_formats_print_nothing_but_the_format() {
    let scratch = Scratch::new();
    scratch.write("a.rs", TRUNCATION);
    for format in ["json", "sarif"] {
        let output = ptrwidth(scratch.path(), &["--format", format, "a.rs"]);
        json(&stdout(&output));
        assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    }
    let output = ptrwidth(scratch.path(), &["--format", "rustc-json", "a.rs"]);
    for line in stdout(&output).lines() {
        json(line);
    }
    assert!(stderr(&output).is_empty());
}
