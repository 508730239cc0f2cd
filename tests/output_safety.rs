//! What the linted tree controls (file names, source lines, string literals, archive member
//! names) is printed so that it cannot drive the terminal, forge a GitHub Actions workflow
//! command or break the step summary's Markdown, and long lines are quoted in bounded pieces.

mod common;

use common::{Scratch, json, ptrwidth, stderr, stdout};

const TRUNCATION: &str =
    "use windows_sys::Win32::Foundation::HWND;\nfn f(h: HWND) -> u32 { h as u32 }\n";

/// Every line a GitHub runner would read, split as it splits them (on `\r` and `\n`).
fn runner_lines(output: &std::process::Output) -> Vec<String> {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text.split(['\r', '\n']).map(str::to_string).collect()
}

/// The runner takes a line for a command when it starts with `::` after leading whitespace.
fn commands(output: &std::process::Output) -> Vec<String> {
    runner_lines(output)
        .into_iter()
        .filter(|line| line.trim_start().starts_with("::"))
        .collect()
}

fn assert_no_control_characters(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        let raw: Vec<char> = text
            .chars()
            .filter(|&c| c.is_control() && c != '\n')
            .collect();
        assert!(raw.is_empty(), "raw {raw:?} in:\n{text}");
    }
}

/// A C file whose one line of 82 KB holds a cast in its middle.
fn long_line_file(scratch: &Scratch) -> (String, String) {
    let filler = "/* ".to_string() + &"x".repeat(41_000) + " */";
    let cast = "(DWORD)hModule";
    let line = format!("{filler} DWORD low = {cast}; {filler}");
    let text = format!(
        "#include <windows.h>\nvoid f(void) {{ HMODULE hModule = GetModuleHandleW(NULL);\n{line}\n}}\n"
    );
    scratch.write("long.c", &text);
    (text, cast.to_string())
}

#[test]
fn rustc_json_quotes_a_window_of_an_82_kb_line() {
    // `ptrwidth --format rustc-json` on a file with a finding on an 82 KB line copied the line
    // into every span of every finding: 333 MB of output for a line full of them.
    let scratch = Scratch::new();
    let (text, cast) = long_line_file(&scratch);
    let output = ptrwidth(scratch.path(), &["--format", "rustc-json", "long.c"]);
    let out = stdout(&output);
    assert!(out.len() < 32 * 1024, "{} bytes of output", out.len());
    let records: Vec<serde_json::Value> = out.lines().map(json).collect();
    let message = &records[0]["message"];
    let mut spans: Vec<&serde_json::Value> = message["spans"].as_array().unwrap().iter().collect();
    for child in message["children"].as_array().unwrap() {
        spans.extend(child["spans"].as_array().unwrap());
    }
    let primary = spans[0];
    assert_eq!(
        &text[primary["byte_start"].as_u64().unwrap() as usize
            ..primary["byte_end"].as_u64().unwrap() as usize],
        cast
    );
    for span in spans {
        for line in span["text"].as_array().unwrap() {
            let quoted = line["text"].as_str().unwrap();
            assert!(quoted.chars().count() <= 410, "{} characters", quoted.len());
            // The highlight still marks the flagged part of the quoted line.
            let from = line["highlight_start"].as_u64().unwrap() as usize;
            let to = line["highlight_end"].as_u64().unwrap() as usize;
            let highlighted: String = quoted.chars().skip(from - 1).take(to - from).collect();
            let (start, end) = (
                span["byte_start"].as_u64().unwrap() as usize,
                span["byte_end"].as_u64().unwrap() as usize,
            );
            assert!(
                text[start..end].starts_with(&highlighted) && !highlighted.is_empty(),
                "{highlighted:?} is not the start of {:?}",
                &text[start..end]
            );
        }
    }
}

#[test]
fn human_snippets_cut_long_context_lines() {
    // The 82 KB line above a finding was quoted whole as the snippet's context line.
    let scratch = Scratch::new();
    let long = "x".repeat(82_000);
    scratch.write(
        "a.rs",
        format!("use windows_sys::Win32::Foundation::HWND;\n// {long}\nfn f(h: HWND) -> u32 {{ h as u32 }}\n// {long}\n"),
    );
    let out = stdout(&ptrwidth(scratch.path(), &["--color", "never", "a.rs"]));
    assert!(out.len() < 8 * 1024, "{} bytes of output", out.len());
    assert!(out.contains("fn f(h: HWND) -> u32 { h as u32 }"), "{out}");
    assert!(out.contains("xxx..."), "{out}");
}

#[test]
fn terminal_escapes_in_names_lines_and_strings_are_printed_escaped() {
    // `ptrwidth --color never` printed ESC from a file name, a quoted source line and a decoded
    // `"Apart\x1b[2J"` literal as it is, so a cloned repository could clear the terminal.
    let scratch = Scratch::new();
    scratch.write("name\x1b[2J.rs", TRUNCATION);
    scratch.write(
        "line.rs",
        "use windows_sys::Win32::Foundation::HWND;\nfn f(h: HWND) -> u32 { h as u32 } // \x1b]0;title\x07\u{9b}2J\u{202e}\n",
    );
    scratch.write(
        "registry.rs",
        "use winreg::enums::HKEY_CURRENT_USER;\nuse winreg::RegKey;\npub fn r(dll: &str) -> std::io::Result<()> {\n    let classes = RegKey::predef(HKEY_CURRENT_USER).open_subkey(\"Software\\\\Classes\")?;\n    let (server, _) = classes.create_subkey(r\"CLSID\\{5E0C1B2A-7F3D-4C61-9A52-0B7E2D4C9F10}\\InprocServer32\")?;\n    server.set_value(\"\", &dll)?;\n    server.set_value(\"ThreadingModel\", &\"Apart\\x1b[2J\")?;\n    Ok(())\n}\n",
    );
    scratch.write("bad\x1b[2J.rs", b"fn f() { \xff }\n");
    let output = ptrwidth(scratch.path(), &["--color", "never", "."]);
    assert_no_control_characters(&output);
    let out = stdout(&output);
    assert!(out.contains("name\\x1b[2J.rs"), "{out}");
    assert!(
        out.contains("// \\x1b]0;title\\x07\\u{9b}2J\\u{202e}"),
        "{out}"
    );
    assert!(out.contains("`Apart\\x1b[2J`"), "{out}");
    assert!(out.contains("could not read bad\\x1b[2J.rs"), "{out}");
    // The underline still sits under `h as u32` once the line's escapes are longer.
    let quoted = out.lines().find(|l| l.contains("// \\x1b]0")).unwrap();
    let underline = out
        .lines()
        .skip_while(|l| !l.contains("// \\x1b]0"))
        .nth(1)
        .unwrap();
    let column = |line: &str, at: usize| line[..at].chars().count();
    assert_eq!(
        column(underline, underline.find('─').unwrap()),
        column(quoted, quoted.find("h as u32").unwrap()),
        "{quoted}\n{underline}"
    );

    let diff = ptrwidth(
        scratch.path(),
        &["--diff", "--unsafe-fixes", "name\x1b[2J.rs"],
    );
    assert!(
        stdout(&diff).contains("--- a/name\\x1b[2J.rs"),
        "{}",
        stdout(&diff)
    );
    assert_no_control_characters(&diff);

    let missing = ptrwidth(scratch.path(), &["--baseline", "gone\x1b[2J.json", "."]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("gone\\x1b[2J.json"));
    assert_no_control_characters(&missing);
}

/// A `.lib` archive whose one member, named `x ESC [2J`, is a truncated import object.
fn archive_with_member_name(name: &[u8]) -> Vec<u8> {
    let mut field = name.to_vec();
    field.push(b'/');
    field.resize(16, b' ');
    let mut bytes = b"!<arch>\n".to_vec();
    bytes.extend(field);
    bytes.extend(format!("{:<12}{:<6}{:<6}{:<8}{:<10}`\n", 0, 0, 0, 644, 4).as_bytes());
    bytes.extend([0, 0, 0xff, 0xff]);
    bytes
}

#[test]
fn inspect_prints_file_and_member_names_escaped() {
    // `ptrwidth inspect` printed the names of files and of archive members raw.
    let scratch = Scratch::new();
    scratch.write("evil.lib", archive_with_member_name(b"x\x1b[2J"));
    scratch.write("tab\x1b[2J.dll", b"MZ");
    scratch.write("::error file=README.md,line=1::Forged.dll", b"MZ");
    let output = ptrwidth(scratch.path(), &["inspect", "."]);
    assert_eq!(output.status.code(), Some(1));
    assert_no_control_characters(&output);
    let out = stdout(&output);
    assert!(out.contains("(member `x\\x1b[2J`)"), "{out}");
    assert!(out.contains("tab\\x1b[2J.dll"), "{out}");
    assert_eq!(commands(&output), Vec::<String>::new(), "{out}");
}

const FORGED: &str = "x\n::error file=README.md,line=1::Forged\n.rs";

#[test]
fn file_names_cannot_forge_workflow_commands() {
    // A file named `x\n::error file=README.md,line=1::Forged\n.rs` printed a line the GitHub
    // runner reads as an annotation of its own, whatever the format.
    let scratch = Scratch::new();
    scratch.write(FORGED, TRUNCATION);
    scratch.write("y\r::error::Forged\r.rs", b"fn f() { \xff }\n");
    for args in [
        &["--color", "never", "."][..],
        &["--color", "always", "."],
        &["--diff", "--unsafe-fixes", "."],
        &["--baseline", "::error::Forged\n.json", "."],
    ] {
        let output = ptrwidth(scratch.path(), args);
        assert_eq!(commands(&output), Vec::<String>::new(), "{args:?}");
        assert!(
            !runner_lines(&output).iter().any(|l| l == ".rs"),
            "{args:?}"
        );
    }

    // The github format means its commands: one per finding or unreadable file, each naming
    // the file it is about.
    let output = ptrwidth(scratch.path(), &["--format", "github", "."]);
    let commands = commands(&output);
    assert_eq!(commands.len(), 2, "{commands:#?}");
    assert!(commands[0].starts_with(
        "::warning file=x%0A%3A%3Aerror file=README.md%2Cline=1%3A%3AForged%0A.rs,line=2,"
    ));
    assert!(commands[1].starts_with("::warning file=y%0D%3A%3Aerror%3A%3AForged%0D.rs,title=ptrwidth::could not read y%0D::error::Forged%0D.rs: "));
}

#[test]
fn names_in_messages_and_notes_cannot_start_a_command_line() {
    // `Library::new("vendor/x\n::error::Forged.dll")` loading a 32-bit DLL of that name: the
    // help's note naming the DLL broke its line, and the indented rest started with `::error::`.
    let scratch = Scratch::new();
    let dll = std::fs::read(
        common::repo()
            .join("fixtures/cross-bitness-load/bad_vendored_32bit_dll/vendor/scanner.dll"),
    )
    .unwrap();
    scratch.write("vendor/x\n::error::Forged.dll", dll);
    scratch.write(
        "lib.rs",
        "pub fn f() { let _ = unsafe { libloading::Library::new(\"vendor/x\\n::error::Forged.dll\") }; }\n",
    );
    let output = ptrwidth(scratch.path(), &["--color", "never", "."]);
    let out = stdout(&output);
    assert!(
        out.contains("x\\n::error::Forged.dll` is a 32-bit x86 DLL"),
        "{out}"
    );
    assert_eq!(commands(&output), Vec::<String>::new(), "{out}");
}

#[test]
fn step_summary_paths_keep_their_backticks_pipes_and_newlines_inside_the_code_span() {
    // A path with a backtick closed the summary's code span and made the rest Markdown; a
    // newline ended the table row.
    let scratch = Scratch::new();
    scratch.write("a``b|c\nd.rs", TRUNCATION);
    let summary = scratch.path().join("summary.md");
    common::run(
        common::command(scratch.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SHA", "abc")
            .env("GITHUB_WORKSPACE", scratch.path())
            .args(["--format", "github", "."]),
    );
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("| warning |"))
        .collect();
    assert_eq!(rows.len(), 1, "{markdown}");
    assert!(
        rows[0].contains(
            "| [```a``b\\|c\\nd.rs:2```](https://github.com/o/r/blob/abc/a%60%60b%7Cc%0Ad.rs#L2) |"
        ),
        "{}",
        rows[0]
    );
}
