//! Conditions and chains of any length: `#elif` chains, Rust `else if` chains and the
//! conditions of the branches before them, and files whose expressions nest past the lowering's
//! depth limit, which are analysed in part and listed.

mod common;

use common::Scratch;
use serde_json::Value;

fn lint(dir: &Scratch, file: &str) -> Value {
    let output = common::ptrwidth(
        dir.path(),
        &[
            "--no-cache",
            "--format",
            "json",
            "--select",
            "handle-truncation",
            file,
        ],
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", common::stderr(&output));
    })
}

/// The lines of the findings, in order.
fn finding_lines(doc: &Value) -> Vec<u64> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect()
}

fn error_messages(doc: &Value) -> Vec<&str> {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

/// `#if FEATURE_0` then `#elif FEATURE_1` ... `#elif FEATURE_999`, each branch with a pointer
/// cast to 32 bits, as a compiler reads it: a macro nobody defines is 0, so the branch taken is
/// the first whose macro a header defines (`FEATURE_500`); `#elif defined(_WIN64)` after it is
/// not. Without that header, the chain ends at `_WIN64` on x64.
#[test]
fn a_thousand_branch_elif_chain_takes_the_branch_a_compiler_takes() {
    let cast = "unsigned long f(void *p) { return (unsigned long)p; }\n";
    let chain = |include: &str| {
        let mut text = format!("#include <windows.h>\n{include}\n");
        let mut lines = Vec::new();
        let mut line = 3;
        for branch in 0..1000 {
            let directive = if branch == 0 { "#if" } else { "#elif" };
            text.push_str(&format!("{directive} FEATURE_{branch}\n{cast}"));
            lines.push(line + 1);
            line += 2;
        }
        text.push_str(&format!("#elif defined(_WIN64)\n{cast}"));
        lines.push(line + 1);
        text.push_str(&format!("#elif FEATURE_LAST\n{cast}#else\n{cast}#endif\n"));
        (text, lines)
    };
    let dir = Scratch::new();
    dir.write("features.h", "#define FEATURE_500 1\n");
    let (with_header, lines) = chain("#include \"features.h\"");
    dir.write("chain.c", &with_header);
    let doc = lint(&dir, ".");
    assert_eq!(error_messages(&doc), Vec::<&str>::new());
    assert_eq!(finding_lines(&doc), [lines[500]]);
    let (without, lines) = chain("");
    dir.write("chain.c", &without);
    let doc = lint(&dir, "chain.c");
    assert_eq!(finding_lines(&doc), [lines[1000]]);
}

/// `if cfg!(target_pointer_width = "32") {..} else if n == 1 {..}` ... 200 branches, each with
/// a pointer cast to `u32`: the first is not compiled on x64, the 198 after it are, and so is
/// `else if cfg!(target_pointer_width = "64")`; the `else` after that is not.
#[test]
fn every_branch_of_a_two_hundred_branch_else_if_chain_is_analysed() {
    let mut text = String::from(
        "pub fn f(p: *mut u8, n: u32) -> u32 {\n    if cfg!(target_pointer_width = \"32\") {\n        p as u32\n    }",
    );
    let mut live = Vec::new();
    let mut line = 5;
    for branch in 1..199 {
        text.push_str(&format!(
            " else if n == {branch} {{\n        p as u32\n    }}"
        ));
        live.push(line);
        line += 2;
    }
    text.push_str(" else if cfg!(target_pointer_width = \"64\") {\n        p as u32\n    }");
    live.push(line);
    text.push_str(" else {\n        p as u32\n    }\n}\n");
    let dir = Scratch::new();
    dir.write("chain.rs", &text);
    let doc = lint(&dir, "chain.rs");
    assert_eq!(error_messages(&doc), Vec::<&str>::new());
    assert_eq!(finding_lines(&doc), live);
}

/// The same chain in C, `if (n == 0) ... else if (n == 1) ...`, 200 branches.
#[test]
fn every_branch_of_a_two_hundred_branch_c_else_if_chain_is_analysed() {
    let mut text = String::from(
        "unsigned long f(void *p, int n)\n{\n    if (n == 0)\n        return (unsigned long)p;\n",
    );
    let mut live = vec![4];
    for branch in 1..200 {
        text.push_str(&format!(
            "    else if (n == {branch})\n        return (unsigned long)p;\n"
        ));
        live.push(4 + 2 * branch);
    }
    text.push_str("    return 0;\n}\n");
    let dir = Scratch::new();
    dir.write("chain.c", &text);
    let doc = lint(&dir, "chain.c");
    assert_eq!(error_messages(&doc), Vec::<&str>::new());
    assert_eq!(finding_lines(&doc), live);
}

/// `1 + 1 + ... + 1` with 300 terms nests 300 deep without a bracket: what lies below the
/// depth limit is not analysed, and the file says so instead of passing as clean.
#[test]
fn expressions_nested_past_the_depth_limit_list_the_file() {
    let sum = vec!["1"; 300].join(" + ");
    let dir = Scratch::new();
    dir.write(
        "deep.rs",
        format!("pub fn f(p: *mut u8) -> u32 {{ let x = {sum}; p as u32 }}\n"),
    );
    dir.write(
        "deep.c",
        format!("unsigned long f(void *p) {{ int x = {sum}; return (unsigned long)p; }}\n"),
    );
    for file in ["deep.rs", "deep.c"] {
        let doc = lint(&dir, file);
        // The rest of the file is analysed.
        assert_eq!(finding_lines(&doc), [1], "{file}: {doc}");
        let errors = error_messages(&doc);
        assert_eq!(errors.len(), 1, "{file}: {doc}");
        assert!(
            errors[0].contains("expressions nested deeper than 128 levels"),
            "{file}: {}",
            errors[0]
        );
    }
}
