use super::*;
use std::collections::BTreeMap;

/// Files in memory, by name; includes resolve by name, `<win*.h>` and `<std*.h>` to the SDK.
struct Tree(BTreeMap<&'static str, Directives>, Vec<&'static str>);

impl Tree {
    fn new(files: &[(&'static str, &'static str)]) -> (Tree, BTreeMap<&'static str, &'static str>) {
        let texts: BTreeMap<_, _> = files.iter().copied().collect();
        let names = files.iter().map(|(n, _)| *n).collect();
        (
            Tree(files.iter().map(|(n, t)| (*n, scan(t))).collect(), names),
            texts,
        )
    }
}

impl Files for Tree {
    type Id = usize;
    fn directives(&self, id: usize) -> &Directives {
        &self.0[self.1[id]]
    }
    fn include(&self, _from: usize, spelled: &str, _angled: bool) -> Include<usize> {
        match self.1.iter().position(|n| *n == spelled) {
            Some(id) => Include::File(id),
            None if spelled.starts_with("win") || spelled.starts_with("std") => Include::Sdk,
            None => Include::Missing,
        }
    }
}

fn x64() -> Vec<Define> {
    ["_WIN32", "_WIN64", "_M_X64"]
        .iter()
        .map(|n| Define::object(n, "1"))
        .chain([Define::object("_MSC_VER", "1938")])
        .collect()
}

/// The compiled lines of each file: the trimmed text of every line a live range covers.
fn compiled(
    files: &[(&'static str, &'static str)],
    predefined: &[Define],
    sdk: &SdkMacros,
) -> BTreeMap<&'static str, Vec<String>> {
    let (tree, texts) = Tree::new(files);
    let unit = run_unit(&tree, 0, predefined, &[], sdk);
    let mut out = BTreeMap::new();
    for (id, ranges) in unit.files {
        let name = tree.1[id];
        let text = texts[name];
        let mut lines = Vec::new();
        for range in ranges {
            for line in text[range].lines() {
                let line = line.trim();
                if !line.is_empty() && !line.starts_with('#') {
                    lines.push(line.to_string());
                }
            }
        }
        out.insert(name, lines);
    }
    out
}

fn lines_of(files: &[(&'static str, &'static str)]) -> Vec<String> {
    compiled(files, &x64(), &SdkMacros::default())
        .remove(files[0].0)
        .unwrap()
}

#[test]
fn conditions_take_the_branches_a_compiler_takes() {
    let text = "a\n#ifdef _WIN64\nb\n#else\nc\n#endif\n#if defined(_M_IX86) || _MSC_VER < 1900\nd\n#elif _MSC_VER >= 1938 && !defined(__MINGW32__)\ne\n#else\nf\n#endif\n#ifdef __amigaos4__\ng\n#endif\n#ifndef _UNIX\nh\n#endif\n";
    assert_eq!(lines_of(&[("a.c", text)]), ["a", "b", "e", "h"]);
}

#[test]
fn skipped_groups_nest_and_directives_in_them_do_nothing() {
    let text = "#if 0\n#if 1\n#define X 1\nx\n#else\ny\n#endif\n#endif\n#ifdef X\nz\n#endif\nw\n";
    assert_eq!(lines_of(&[("a.c", text)]), ["w"]);
}

#[test]
fn expressions_evaluate_as_in_c() {
    let cases = [
        ("1 + 2 * 3 == 7", true),
        ("(1 << 4) == 16 && 10 / 3 == 3 && 10 % 3 == 1", true),
        ("-1 < 0", true),
        ("-1 < 0u", false),
        ("0x10 == 16 && 010 == 8 && 0b11 == 3", true),
        ("1 ? 2 : 0", true),
        ("0 ? 1 : 0", false),
        ("'A' == 65 && '\\n' == 10", true),
        ("~0 == -1", true),
        ("UNDEFINED_NAME == 0", true),
        ("0xFFFFFFFFFFFFFFFF > 0", true),
        ("100i64 == 100 && 5ui64 == 5", true),
        ("1'000 == 1000", true),
    ];
    for (expression, expected) in cases {
        let text = format!("#if {expression}\nyes\n#endif\n");
        let leaked: &'static str = Box::leak(text.into_boxed_str());
        let got = lines_of(&[("a.c", leaked)]) == ["yes"];
        assert_eq!(got, expected, "{expression}");
    }
}

#[test]
fn undecided_conditions_keep_every_later_branch() {
    let sdk = SdkMacros::new([("NTDDI_FUTURE".to_string(), None)]);
    let text = "#include <windows.h>\n#if 0\na\n#elif NTDDI_FUTURE > 5\nb\n#else\nc\n#endif\n#if 1/0\nd\n#endif\n#ifdef NTDDI_FUTURE\ne\n#endif\n";
    let lines = compiled(&[("a.c", text)], &x64(), &sdk)
        .remove("a.c")
        .unwrap();
    assert_eq!(lines, ["b", "c", "d", "e"]);
}

#[test]
fn macros_defined_under_an_undecided_condition_are_undecided() {
    // As curl's `#if WINAPI_FAMILY_PARTITION(...)` / `#define CURL_WINDOWS_UWP` and, later,
    // `#ifndef CURL_WINDOWS_UWP` around the desktop code: no branch of the later test may be
    // dropped, nor an include guard skip a header, on the word of an undecided one.
    let sdk = SdkMacros::new([("UNKNOWN_PARTITION".to_string(), None)]);
    let files = [
        (
            "a.c",
            "#include <windows.h>\n#define GONE 1\n#if UNKNOWN_PARTITION\n#define UWP\n#undef GONE\n#include \"guard.h\"\n#endif\n#ifndef UWP\ndesktop\n#else\nuwp\n#endif\n#if GONE\ngone\n#endif\n#if defined(INNER)\ninner\n#endif\n#include \"guard.h\"\n",
        ),
        (
            "guard.h",
            "#ifndef GUARD_H\n#define GUARD_H\n#define INNER 1\nguarded\n#endif\n",
        ),
    ];
    let compiled = compiled(&files, &x64(), &sdk);
    assert_eq!(compiled["a.c"], ["desktop", "uwp", "gone", "inner"]);
    assert_eq!(compiled["guard.h"], ["guarded"]);
}

#[test]
fn the_sdk_table_decides_api_families_and_unicode_names() {
    let sdk = crate::frontend::c::sdk_macros().unwrap();
    let text = "#include <windows.h>\n#if WINAPI_FAMILY_PARTITION(WINAPI_PARTITION_APP) && !WINAPI_FAMILY_PARTITION(WINAPI_PARTITION_DESKTOP)\nstore_app\n#else\ndesktop\n#endif\n#ifndef CreateFile\nown_create_file\n#endif\n#ifdef EAI_NONAME\nnoname\n#endif\n";
    let files = [("a.c", text)];
    assert_eq!(compiled(&files, &x64(), &sdk)["a.c"], ["desktop", "noname"]);
    let mut store = x64();
    store.push(Define::parse_flag("WINAPI_FAMILY=WINAPI_FAMILY_PC_APP"));
    assert_eq!(
        compiled(&files, &store, &sdk)["a.c"],
        ["store_app", "noname"]
    );
}

#[test]
fn the_sdk_is_defined_once_an_sdk_header_is_included() {
    let sdk = SdkMacros::new([
        ("GWLP_USERDATA".to_string(), Some(-21)),
        ("_WIN32_WINNT".to_string(), Some(0x0A00)),
    ]);
    let text = "#ifdef GWLP_USERDATA\nbefore\n#endif\n#define _WIN32_WINNT 0x0601\n#include <windows.h>\n#ifndef GWLP_USERDATA\nold\n#endif\n#if _WIN32_WINNT >= 0x0600 && _WIN32_WINNT < 0x0A00\nvista\n#endif\n";
    let lines = compiled(&[("a.c", text)], &x64(), &sdk)
        .remove("a.c")
        .unwrap();
    assert_eq!(lines, ["vista"]);
}

#[test]
fn includes_are_read_in_order_with_guards_and_pragma_once() {
    let files = [
        (
            "a.c",
            "#include \"g.h\"\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n#ifdef FROM_G\nseen\n#endif\n#include \"missing.h\"\n",
        ),
        (
            "g.h",
            "#ifndef G_H\n#define G_H\n#define FROM_G\ng\n#endif\n",
        ),
        ("o.h", "#pragma once\no\n"),
    ];
    let (tree, _) = Tree::new(&files);
    assert!(tree.0["g.h"].guard.as_deref() == Some("G_H"));
    assert!(tree.0["o.h"].guard.is_none());
    let unit = run_unit(&tree, 0, &x64(), &[], &SdkMacros::default());
    assert_eq!(
        unit.files.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let lines = compiled(&files, &x64(), &SdkMacros::default());
    assert_eq!(lines["a.c"], ["seen"]);
    assert_eq!(lines["g.h"], ["g"]);
    assert_eq!(lines["o.h"], ["o"]);
}

#[test]
fn includes_through_macros_and_has_include() {
    let files = [
        (
            "a.c",
            "#define HEADER \"h.h\"\n#include HEADER\n#if __has_include(\"h.h\") && !__has_include(<nothere.h>)\nyes\n#endif\n",
        ),
        ("h.h", "h\n"),
    ];
    let lines = compiled(&files, &x64(), &SdkMacros::default());
    assert_eq!(lines["a.c"], ["yes"]);
    assert_eq!(lines["h.h"], ["h"]);
}

#[test]
fn function_like_macros_expand_with_stringizing_pasting_and_variadics() {
    let mut macros = Macros::default();
    for define in [
        "STR(x) #x",
        "XSTR(x) STR(x)",
        "CAT(a, b) a ## b",
        "VERSION 10",
        "LOG(fmt, ...) printf(fmt __VA_OPT__(,) __VA_ARGS__)",
        "ALL(...) f(__VA_ARGS__)",
        "SELF SELF + 1",
        "F(x) x + F(x)",
        "EMPTY()",
        "WINAPI_FAMILY_PARTITION(p) ((WINAPI_FAMILY & p) == p)",
        "WINAPI_FAMILY 3",
        "WINAPI_PARTITION_DESKTOP 1",
    ] {
        macros.define(define);
    }
    let cases = [
        ("STR(a + b)", "\"a + b\""),
        ("XSTR(VERSION)", "\"10\""),
        ("CAT(VER, SION)", "10"),
        ("CAT(x, 1)", "x1"),
        ("LOG(\"a\")", "printf(\"a\" )"),
        ("LOG(\"a\", 1, 2)", "printf(\"a\" , 1, 2)"),
        ("ALL(1, (2, 3))", "f(1, (2, 3))"),
        ("SELF", "SELF + 1"),
        ("F(2)", "2 + F(2)"),
        ("EMPTY() x", "x"),
        ("CAT", "CAT"),
        (
            "WINAPI_FAMILY_PARTITION(WINAPI_PARTITION_DESKTOP)",
            "((3 & 1) == 1)",
        ),
    ];
    for (input, expected) in cases {
        let got = expand_text(&macros, input).unwrap();
        assert_eq!(
            got.split_whitespace().collect::<String>(),
            expected.split_whitespace().collect::<String>(),
            "{input}"
        );
    }
    macros.insert(
        "OPAQUE",
        Macro {
            params: None,
            variadic: false,
            body: None,
        },
    );
    assert_eq!(expand_text(&macros, "OPAQUE + 1"), Err(Undecided));
}

#[test]
fn directives_are_found_outside_comments_strings_and_continuations() {
    let text = "/* #define A */\nconst char *s = \"#define B\";\n// #define C\n#define D \\\n  1 /* x */\nint x = '#';\n  #  define E 2 // e\nR\"(\n#define F\n)\";\n";
    let directives = scan(text);
    let names: Vec<(&str, &str)> = directives
        .lines
        .iter()
        .map(|l| (&*l.name, &*l.rest))
        .collect();
    assert_eq!(names, [("define", "D   1"), ("define", "E 2")]);
}

/// Bad input is normal input: nothing here may panic or hang.
#[test]
fn hostile_input_is_read_without_panicking() {
    let deep_if = "#if 1\n".repeat(100_000);
    let deep_parens = format!(
        "#if {}1{}\n#endif\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let pastes = format!(
        "#define P(a) a{}\n#if P(1)\n#endif\n",
        " ## a".repeat(10_000)
    );
    let recursive =
        "#define A B\n#define B A\n#if A\n#endif\n#define F(x) F(F(x))\n#if F(1)\n#endif\n";
    let inputs: Vec<String> = vec![
        "/* unterminated".into(),
        "#if\n#elif\n#else\n#else\n#endif\n#endif\n#endif\n".into(),
        "#define\n#define (\n#define 1x\n#undef\n#include\n#include <\n#include \"\n".into(),
        "#if defined(\n#endif\n#if 1 +\n#endif\n#if (1\n#endif\n#if 'a\n#endif\n#if 99999999999999999999999\n#endif\n".into(),
        "\"unterminated\n'x\n#define X \"\n".into(),
        "#define F(x, ...) #__VA_ARGS__ ## x\n#if F(\n#endif\n#if F(1,2\n#endif\n".into(),
        deep_if,
        deep_parens,
        pastes,
        recursive.into(),
        "R\"abc(never closed".into(),
        "#include \"a.c\"\n".into(),
        String::from_utf8_lossy(&[0xff, b'#', b'i', b'f', 0xfe, b'\n', 0]).into_owned(),
    ];
    for input in &inputs {
        let leaked: &'static str = Box::leak(input.clone().into_boxed_str());
        let _ = compiled(&[("a.c", leaked)], &x64(), &SdkMacros::default());
    }
}

#[test]
fn include_loops_end_at_the_depth_limit() {
    let files = [
        ("a.c", "#include \"b.h\"\n"),
        ("b.h", "#include \"a.c\"\nb\n"),
    ];
    let (tree, _) = Tree::new(&files);
    let unit = run_unit(&tree, 0, &x64(), &[], &SdkMacros::default());
    assert!(unit.notes.iter().any(|n| n.contains("deeper than")));
}

#[test]
fn directives_of_groups_with_one_compiled_branch_are_settled() {
    let text = "#ifdef _WIN64\nwide();\n#else\nnarrow();\n#endif\n\
                #if !defined(AMIGA)\nelse_if();\n#ifdef _WIN32\ninner();\n#endif\n#endif\n\
                #ifdef VMS\nvms();\n#endif\n";
    let directives = scan(text);
    // Every branch compiles for some target but `vms();`.
    let vms = text.find("vms();").unwrap();
    let settled = directives.settled_lines(|range| range.start > vms || range.end <= vms);
    let lines: Vec<&str> = settled.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(
        lines,
        [
            "#if !defined(AMIGA)",
            "#ifdef _WIN32",
            "#endif",
            "#endif",
            "#ifdef VMS",
            "#endif"
        ],
        "the `_WIN64` group compiles both branches and keeps its lines"
    );
}

#[test]
fn forced_includes_are_read_before_the_first_line() {
    let files = [
        ("a.c", "#ifdef FROM_PCH\npch_seen\n#endif\n"),
        ("pch.h", "#define FROM_PCH 1\n"),
    ];
    let (tree, texts) = Tree::new(&files);
    let unit = run_unit(&tree, 0, &x64(), &[Include::File(1)], &SdkMacros::default());
    let (_, ranges) = unit.files.iter().find(|(id, _)| *id == 0).unwrap();
    let compiled: String = ranges.iter().map(|r| &texts["a.c"][r.clone()]).collect();
    assert!(compiled.contains("pch_seen"), "{compiled:?}");
}
