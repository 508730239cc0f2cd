//! Runs the real analysis over every fixture and requires exactly the findings marked inline.
//!
//! A marker is `~ ERROR rule` or `~ WARN rule` right after a comment opener (`//~`, `/*~`,
//! `;~` in .reg files, `<!--~` in XML, `#~`), on the line of the finding; `~^` means the line
//! above. `@ target: TRIPLE` directives (after a comment opener) choose the targets.
//!
//! Each file directly under `fixtures/<rule>/` is linted on its own. Each directory under
//! `fixtures/<rule>/` is one case linted as a whole tree (a crate with its headers, a DLL
//! and the code that loads it): its markers may be in any of its files. Binaries cannot
//! carry markers, so a case names what it expects of them in directives: `@ expect: PATH
//! LEVEL rule` (a finding on the binary at PATH, relative to the case) and `@ unreadable:
//! PATH` (the run lists PATH as a file it could not read; any other such file fails the case).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ptrwidth::catalog;
use ptrwidth::diagnostic::Level;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::rules;
use ptrwidth::target::{DEFAULT_TRIPLE, Target};

/// (file relative to the repository, line, level, rule)
type Expectation = (String, usize, Level, String);

struct Fixture {
    targets: Vec<Target>,
    expected: BTreeSet<Expectation>,
    /// Files (relative to the repository) the run must report as unreadable.
    unreadable: BTreeSet<String>,
}

/// What the `@ expect:` and `@ unreadable:` directives of a case name, relative to the case.
#[derive(Default)]
struct BinaryDirectives {
    expect: Vec<(String, Level, String)>,
    unreadable: Vec<String>,
}

const COMMENT_OPENERS: [&str; 5] = ["//", "/*", ";", "<!--", "#"];

fn parse_level(word: Option<&str>, file: &str, line: usize) -> Level {
    match word {
        Some("ERROR") => Level::Error,
        Some("WARN") => Level::Warning,
        other => panic!("{file}:{line}: marker level must be ERROR or WARN, got {other:?}"),
    }
}

/// Expectations of one file, keyed by line; `file` names the file in a multi-file case.
fn parse_markers(
    text: &str,
    file: &str,
    triples: &mut Vec<String>,
    expected: &mut BTreeSet<Expectation>,
    binaries: &mut BinaryDirectives,
) {
    for (index, line) in text.lines().enumerate() {
        for opener in COMMENT_OPENERS {
            let directive = |name: &str| {
                line.trim()
                    .strip_prefix(opener)
                    .and_then(|l| l.trim_start().strip_prefix(name))
                    .map(|value| {
                        value
                            .trim()
                            .trim_end_matches("*/")
                            .trim_end_matches("-->")
                            .trim()
                            .to_string()
                    })
            };
            if let Some(triple) = directive("@ target:") {
                triples.push(triple);
            }
            if let Some(path) = directive("@ unreadable:") {
                binaries.unreadable.push(path);
            }
            if let Some(value) = directive("@ expect:") {
                let mut words = value.split_whitespace();
                let path = words.next().expect("@ expect: names a file").to_string();
                let level = parse_level(words.next(), file, index + 1);
                let rule = words.next().expect("@ expect: names a rule").to_string();
                binaries.expect.push((path, level, rule));
            }
            for marker in line.split(&format!("{opener}~")).skip(1) {
                let (line_number, marker) = match marker.strip_prefix('^') {
                    Some(rest) => (index, rest),
                    None => (index + 1, marker),
                };
                let mut words = marker.split_whitespace();
                let level = parse_level(words.next(), file, index + 1);
                let rule = words.next().expect("a marker names a rule").to_string();
                assert!(
                    catalog::get(&rule).is_some(),
                    "{file}:{}: unknown rule `{rule}`",
                    index + 1
                );
                expected.insert((file.to_string(), line_number, level, rule));
            }
        }
    }
}

fn parse_case(case: &Path, files: &[PathBuf], root: &Path) -> Fixture {
    let mut triples = Vec::new();
    let mut expected = BTreeSet::new();
    let mut binaries = BinaryDirectives::default();
    for path in files {
        // Binary fixtures (DLLs, import libraries) carry no markers.
        let Some(text) = read_text(path) else {
            continue;
        };
        parse_markers(
            &text,
            &relative(path, root),
            &mut triples,
            &mut expected,
            &mut binaries,
        );
    }
    let base = if case.is_dir() {
        case
    } else {
        case.parent().unwrap_or(case)
    };
    let in_case = |path: &str| {
        let file = base.join(path);
        assert!(file.is_file(), "{}: no such file", file.display());
        relative(&file, root)
    };
    for (path, level, rule) in binaries.expect {
        assert!(
            catalog::get(&rule).is_some(),
            "@ expect: unknown rule `{rule}`"
        );
        expected.insert((in_case(&path), 1, level, rule));
    }
    let unreadable = binaries.unreadable.iter().map(|p| in_case(p)).collect();
    if triples.is_empty() {
        triples.push(DEFAULT_TRIPLE.to_string());
    }
    triples.dedup();
    Fixture {
        targets: triples.iter().map(|t| Target::parse(t).unwrap()).collect(),
        expected,
        unreadable,
    }
}

/// A fixture's text: UTF-8, UTF-16LE with its byte-order mark (as regedit saves `.reg` files),
/// or a legacy code page; binaries have none.
fn read_text(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    match bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // A `.reg` file in a legacy code page: one character per byte, as ptrwidth reads it.
        None if !bytes.contains(&0) => Some(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect()),
        ),
        None => None,
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A fixture case: one file, or one directory linted as a tree.
struct Case {
    path: PathBuf,
    files: Vec<PathBuf>,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    for rule_dir in sorted_entries(&root).into_iter().filter(|p| p.is_dir()) {
        for entry in sorted_entries(&rule_dir) {
            if entry.is_dir() {
                cases.push(Case {
                    files: walk(&entry),
                    path: entry,
                });
            } else if ptrwidth::discover::FileKind::of(&entry).is_some() {
                cases.push(Case {
                    files: vec![entry.clone()],
                    path: entry,
                });
            }
        }
    }
    cases
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn lint(
    case: &Case,
    fixture: &Fixture,
    knowledge: &Knowledge,
    root: &Path,
) -> BTreeSet<Expectation> {
    let options = Options {
        paths: vec![case.path.clone()],
        excluded_dirs: Vec::new(),
        targets: fixture.targets.clone(),
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
        cache: None,
    };
    let outcome = engine::run(&options, knowledge).unwrap();
    let unreadable: BTreeSet<String> = outcome
        .errors
        .iter()
        .map(|e| relative(Path::new(&e.path), root))
        .collect();
    assert_eq!(
        unreadable,
        fixture.unreadable,
        "{}: unreadable files differ from the `@ unreadable:` directives: {:?}",
        case.path.display(),
        outcome.errors
    );
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let file = &outcome.files[d.file];
            let line = file.position(d.span.start).line;
            (
                relative(&file.path, root),
                line,
                d.level,
                d.rule.to_string(),
            )
        })
        .collect()
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let knowledge = Knowledge::load().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty());
    for case in &cases {
        let fixture = parse_case(&case.path, &case.files, root);
        let name = case.path.file_name().unwrap().to_string_lossy();
        if name.starts_with("good_") {
            assert!(
                fixture.expected.is_empty(),
                "{name}: good_ fixtures carry no markers"
            );
        } else {
            assert!(
                !fixture.expected.is_empty(),
                "{name}: bad_ fixtures need markers"
            );
        }
        let actual = lint(case, &fixture, &knowledge, root);
        for missing in fixture.expected.difference(&actual) {
            failures.push(format!(
                "{}:{}: missing {:?} {}",
                missing.0, missing.1, missing.2, missing.3
            ));
        }
        for extra in actual.difference(&fixture.expected) {
            failures.push(format!(
                "{}:{}: unexpected {:?} {}",
                extra.0, extra.1, extra.2, extra.3
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures_that_fire_and_stay_silent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rule in catalog::all().unwrap() {
        let entries = sorted_entries(&root.join("fixtures").join(&rule.name));
        let names: Vec<String> = entries
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad_")),
            "{}: no bad_ fixture",
            rule.name
        );
        assert!(
            names.iter().any(|n| n.starts_with("good_")),
            "{}: no good_ fixture",
            rule.name
        );
        let marked = entries.iter().any(|entry| {
            let files = if entry.is_dir() {
                walk(entry)
            } else {
                vec![entry.clone()]
            };
            parse_case(entry, &files, root)
                .expected
                .iter()
                .any(|(_, _, _, r)| *r == rule.name)
        });
        assert!(
            marked,
            "{}: no fixture marks a finding of this rule",
            rule.name
        );
    }
}
