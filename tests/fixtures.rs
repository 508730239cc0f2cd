//! Runs the real analysis over every fixture and requires exactly the findings marked inline:
//! `//~ ERROR rule` / `//~ WARN rule` on the line of the finding, `//~^` for the line above,
//! and `//@ target: TRIPLE` directives for the targets a file is linted for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ptrwidth::diagnostic::Level;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::rules;
use ptrwidth::target::{DEFAULT_TRIPLE, Target};

type Expectation = (usize, Level, String);

struct Fixture {
    targets: Vec<Target>,
    expected: BTreeSet<Expectation>,
}

fn parse_fixture(text: &str) -> Fixture {
    let mut triples = Vec::new();
    let mut expected = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(triple) = line.trim().strip_prefix("//@ target:") {
            triples.push(triple.trim().to_string());
        }
        for marker in line.split("//~").skip(1) {
            let (line_number, marker) = match marker.strip_prefix('^') {
                Some(rest) => (index, rest),
                None => (index + 1, marker),
            };
            let mut words = marker.split_whitespace();
            let level = match words.next() {
                Some("ERROR") => Level::Error,
                Some("WARN") => Level::Warning,
                other => panic!(
                    "line {}: marker level must be ERROR or WARN, got {other:?}",
                    index + 1
                ),
            };
            let rule = words.next().expect("a marker names a rule").to_string();
            assert!(
                rules::find(&rule).is_some(),
                "line {}: unknown rule `{rule}`",
                index + 1
            );
            expected.insert((line_number, level, rule));
        }
    }
    if triples.is_empty() {
        triples.push(DEFAULT_TRIPLE.to_string());
    }
    Fixture {
        targets: triples.iter().map(|t| Target::parse(t).unwrap()).collect(),
        expected,
    }
}

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
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

fn lint(path: &Path, targets: Vec<Target>, knowledge: &Knowledge) -> BTreeSet<Expectation> {
    let options = Options {
        paths: vec![path.to_path_buf()],
        targets,
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
    };
    let outcome = engine::run(&options, knowledge).unwrap();
    assert!(
        outcome.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.errors
    );
    outcome
        .diagnostics
        .iter()
        .map(|d| {
            let line = outcome.files[d.file].position(d.span.start).line;
            (line, d.level, d.rule.to_string())
        })
        .collect()
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let knowledge = Knowledge::load().unwrap();
    let mut failures = Vec::new();
    let files = fixture_files();
    assert!(!files.is_empty());
    for path in &files {
        let fixture = parse_fixture(&std::fs::read_to_string(path).unwrap());
        let name = path.file_name().unwrap().to_string_lossy();
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
        let actual = lint(path, fixture.targets, &knowledge);
        let display = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display();
        for missing in fixture.expected.difference(&actual) {
            failures.push(format!(
                "{display}:{}: missing {:?} {}",
                missing.0, missing.1, missing.2
            ));
        }
        for extra in actual.difference(&fixture.expected) {
            failures.push(format!(
                "{display}:{}: unexpected {:?} {}",
                extra.0, extra.1, extra.2
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for rule in rules::ALL {
        let files = walk(&root.join(rule.name));
        let names: Vec<String> = files
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
        let marked = files.iter().any(|p| {
            parse_fixture(&std::fs::read_to_string(p).unwrap())
                .expected
                .iter()
                .any(|(_, _, r)| r == rule.name)
        });
        assert!(
            marked,
            "{}: no fixture marks a finding of this rule",
            rule.name
        );
    }
}
