//! The preprocessor against the real tool: for a unit of files written here, every line
//! `gcc -E` emits tokens for must be compiled by ptrwidth's preprocessor, and every compiled
//! line holding code must be one gcc emitted. gcc runs with no predefined macros and no system
//! headers, given exactly the macros ptrwidth predefines for x64 MSVC.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use ptrwidth::frontend::c::pp::{self, Define, Directives, Files, Include, SdkMacros};

const PREDEFINED: [(&str, &str); 5] = [
    ("_WIN32", "1"),
    ("_WIN64", "1"),
    ("_M_X64", "100"),
    ("_M_AMD64", "100"),
    ("_MSC_VER", "1938"),
];

const UNIT: [(&str, &str); 4] = [
    (
        "main.c",
        r##"#include "config.h"
#include "config.h"
#if defined(_WIN64) && _MSC_VER >= 1900
int win64_modern;
#elif defined(_WIN32)
int win32_only;
#else
int other_os;
#endif
#ifdef HAVE_FEATURE
int feature_on;
#endif
#if LEVEL * 2 > 5 && VERSION_AT_LEAST(2, 1)
int level_high;
#else
int level_low;
#endif
#if __has_include("sub/part.h")
#include "sub/part.h"
#endif
#if __has_include("absent.h")
int absent_included;
#endif
#ifndef __amigaos4__
int not_amiga;
#endif
#if 0
#if 1
int nested_dead;
#endif
#endif
#define PICK(a, b) a ## b
#if PICK(1, 0) == 10 && !defined(UNDEFINED_NAME) && (-1 < 0) && ('A' == 65)
int expressions_hold;
#endif
#undef HAVE_FEATURE
#ifdef HAVE_FEATURE
int undefined_again;
#endif
int /* a comment
#if 0
spanning lines */ after_comment;
const char *s = "#if 0";
int end;
"##,
    ),
    (
        "config.h",
        r#"#ifndef CONFIG_H
#define CONFIG_H
#define HAVE_FEATURE 1
#define LEVEL 3
#define VERSION_MAJOR 2
#define VERSION_MINOR 4
#define VERSION_AT_LEAST(major, minor) \
    (VERSION_MAJOR > (major) || (VERSION_MAJOR == (major) && VERSION_MINOR >= (minor)))
int config_once;
#endif
"#,
    ),
    (
        "sub/part.h",
        r#"#pragma once
#ifdef _M_IX86
int part_x86;
#else
int part_other;
#endif
"#,
    ),
    ("unused.h", "int never_included;\n"),
];

struct Tree {
    names: Vec<&'static str>,
    directives: Vec<Directives>,
}

impl Files for Tree {
    type Id = usize;
    fn directives(&self, id: usize) -> &Directives {
        &self.directives[id]
    }
    fn include(&self, _from: usize, spelled: &str, _angled: bool) -> Include<usize> {
        self.names
            .iter()
            .position(|name| *name == spelled)
            .map_or(Include::Missing, Include::File)
    }
}

/// The 1-based lines of each file that gcc emitted tokens for, read from its line markers.
fn gcc_lines(dir: &Path) -> BTreeMap<String, BTreeSet<usize>> {
    let mut command = Command::new("gcc");
    command.args(["-E", "-undef", "-nostdinc", "-x", "c"]);
    for (name, value) in PREDEFINED {
        command.arg(format!("-D{name}={value}"));
    }
    let output = command
        .arg("main.c")
        .current_dir(dir)
        .output()
        .expect("gcc is needed for the differential test of the preprocessor (it links Rust, so it is where cargo runs)");
    assert!(
        output.status.success(),
        "gcc -E failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let (mut file, mut line) = (String::new(), 0usize);
    for text in String::from_utf8_lossy(&output.stdout).lines() {
        if let Some(marker) = text.strip_prefix("# ") {
            let mut parts = marker.splitn(2, ' ');
            line = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            file = parts
                .next()
                .and_then(|rest| rest.split('"').nth(1))
                .unwrap_or("")
                .trim_start_matches("./")
                .to_string();
            continue;
        }
        if !text.trim().is_empty() {
            lines.entry(file.clone()).or_default().insert(line);
        }
        line += 1;
    }
    lines
}

/// The 1-based lines of each file the preprocessor compiles that hold code (not only
/// directives, comments or blanks).
fn our_lines() -> BTreeMap<String, BTreeSet<usize>> {
    let tree = Tree {
        names: UNIT.iter().map(|(name, _)| *name).collect(),
        directives: UNIT.iter().map(|(_, text)| pp::scan(text)).collect(),
    };
    let predefined: Vec<Define> = PREDEFINED
        .iter()
        .map(|(name, value)| Define::object(name, value))
        .collect();
    let unit = pp::run_unit(&tree, 0, &predefined, &[], &SdkMacros::default());
    let mut lines: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (id, ranges) in unit.files {
        let text = UNIT[id].1;
        let mut offset = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            let code = line.trim();
            let is_code =
                !code.is_empty() && !code.starts_with('#') && !code.starts_with("(VERSION_MAJOR");
            let compiled = ranges.iter().any(|r| r.start <= offset && offset < r.end);
            if is_code && compiled {
                lines
                    .entry(UNIT[id].0.to_string())
                    .or_default()
                    .insert(index + 1);
            }
            offset += line.len();
        }
    }
    lines
}

#[test]
fn compiled_lines_agree_with_gcc() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in UNIT {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let gcc = gcc_lines(dir.path());
    let ours = our_lines();
    assert_eq!(
        ours, gcc,
        "lines compiled: ptrwidth (left) and gcc -E (right)"
    );
    // The test means something only if both sides dropped and kept code.
    assert!(ours["main.c"].len() > 8 && !ours.contains_key("unused.h"));
}
