//! Runs the real analysis over every fixture and requires exactly the findings marked inline,
//! and exactly the output and fixes blessed beside it.
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
//!
//! Markers pin where findings are; the blessed files pin what the user reads. Beside each
//! fixture `NAME` (a file or a case directory) lies `NAME.stderr`: what `ptrwidth --format
//! human` prints for it from the repository root, with its targets. Beside each file that
//! fixing changes lies `FILE.fixed`: its bytes once `--fix --unsafe-fixes` has settled (every
//! fix, the unsafe ones too, for each to be reviewed; the `.stderr` says which are unsafe).
//! The full name is kept (`good_views.c.stderr` beside `good_views.rs.stderr`), and the
//! `.stderr` and `.fixed` extensions are no kind of file ptrwidth reads, so neither the
//! fixtures' own runs nor a run over `fixtures/` see them. `PTRWIDTH_BLESS=1` rewrites them
//! from the run, and removes those whose fixture is gone or no longer fixed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use ptrwidth::catalog;
use ptrwidth::diagnostic::Level;
use ptrwidth::discover::FileKind;
use ptrwidth::engine::{self, Options, Outcome};
use ptrwidth::fix;
use ptrwidth::knowledge::Knowledge;
use ptrwidth::report::{self, Context, Format, Style};
use ptrwidth::rules;
use ptrwidth::target::{DEFAULT_TRIPLE, Target};

mod common;

/// Set to `1`, the blessed files are rewritten from the run instead of compared with it.
const BLESS: &str = "PTRWIDTH_BLESS";

/// The extensions of the blessed files: the human output and the fixed file.
const STDERR: &str = "stderr";
const FIXED: &str = "fixed";

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
    // As the command line takes them: the first of each, in the order given.
    let mut seen = BTreeSet::new();
    triples.retain(|triple| seen.insert(triple.clone()));
    Fixture {
        targets: triples.iter().map(|t| Target::parse(t).unwrap()).collect(),
        expected,
        unreadable,
    }
}

/// A fixture's text: UTF-8, UTF-16LE with its byte-order mark (as regedit saves `.reg` files),
/// or a legacy code page; binaries have none.
fn read_text(path: &Path) -> Option<String> {
    text_of(std::fs::read(path).ok()?)
}

/// The text of a fixture's bytes, as [`read_text`] reads it.
fn text_of(bytes: Vec<u8>) -> Option<String> {
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

/// A fixture case: one file, or one directory linted as a tree; paths relative to the
/// repository, where the tests run.
struct Case {
    rule: String,
    path: PathBuf,
    files: Vec<PathBuf>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for rule_dir in sorted_entries(Path::new("fixtures"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        for entry in sorted_entries(&rule_dir) {
            let files = if entry.is_dir() {
                walk(&entry)
                    .into_iter()
                    .filter(|file| !is_blessed(file))
                    .collect()
            } else if FileKind::of(&entry).is_some() {
                vec![entry.clone()]
            } else {
                continue;
            };
            cases.push(Case {
                rule: rule.clone(),
                path: entry,
                files,
            });
        }
    }
    cases
}

fn is_blessed(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == STDERR || extension == FIXED)
}

/// `path` with `.extension` added to its full name: `bad.c` → `bad.c.stderr`.
fn blessed_path(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
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
    out.sort();
    out
}

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::load().unwrap())
}

fn options(path: PathBuf, targets: &[Target]) -> Options {
    Options {
        paths: vec![path.clone()],
        excluded_dirs: Vec::new(),
        targets: targets.to_vec(),
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
        cache: None,
        cargo_home: Some(path.join(".cargo-home")),
    }
}

/// What one run over a case gave, as the checks compare it.
struct CaseRun {
    case: Case,
    fixture: Fixture,
    findings: BTreeSet<Expectation>,
    unreadable: BTreeSet<String>,
    /// The run's errors as debugged, to show when `unreadable` is not as expected.
    errors: String,
    /// What `--format human` prints for the outcome.
    human: String,
    /// Whether any finding carries a fix, safe or not.
    fixable: bool,
}

/// Every case, linted once for all the tests.
fn runs() -> &'static [CaseRun] {
    static RUNS: OnceLock<Vec<CaseRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            std::env::current_dir().unwrap().canonicalize().unwrap(),
            root.canonicalize().unwrap(),
            "the fixtures are linted from the repository root, as their paths are shown"
        );
        let cases = cases();
        assert!(!cases.is_empty());
        cases
            .into_par_iter()
            .map(|case| {
                let fixture = parse_case(&case.path, &case.files, root);
                let outcome =
                    engine::run(&options(case.path.clone(), &fixture.targets), knowledge())
                        .unwrap();
                CaseRun {
                    findings: findings(&outcome, root),
                    unreadable: outcome
                        .errors
                        .iter()
                        .map(|e| relative(Path::new(&e.path), root))
                        .collect(),
                    errors: format!("{:?}", outcome.errors),
                    human: human(&outcome),
                    fixable: outcome.diagnostics.iter().any(|d| !d.fixes.is_empty()),
                    case,
                    fixture,
                }
            })
            .collect()
    })
}

fn findings(outcome: &Outcome, root: &Path) -> BTreeSet<Expectation> {
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

/// The report `ptrwidth --format human` writes to stdout, uncolored as when piped.
fn human(outcome: &Outcome) -> String {
    let cx = Context {
        style: Style {
            color: false,
            quiet: false,
        },
        root: PathBuf::from("."),
        packages: &[],
        build_succeeded: true,
    };
    let mut out = Vec::new();
    report::write(Format::Human, outcome, &cx, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let mut failures = Vec::new();
    for run in runs() {
        let name = run.case.path.file_name().unwrap().to_string_lossy();
        if name.starts_with("good_") {
            assert!(
                run.fixture.expected.is_empty(),
                "{name}: good_ fixtures carry no markers"
            );
        } else {
            assert!(
                !run.fixture.expected.is_empty(),
                "{name}: bad_ fixtures need markers"
            );
        }
        if run.unreadable != run.fixture.unreadable {
            failures.push(format!(
                "{}: unreadable files differ from the `@ unreadable:` directives: {}",
                run.case.path.display(),
                run.errors
            ));
        }
        for missing in run.fixture.expected.difference(&run.findings) {
            failures.push(format!(
                "{}:{}: missing {:?} {}",
                missing.0, missing.1, missing.2, missing.3
            ));
        }
        for extra in run.findings.difference(&run.fixture.expected) {
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
    let cases = cases();
    for rule in catalog::all().unwrap() {
        let of_rule: Vec<&Case> = cases.iter().filter(|c| c.rule == rule.name).collect();
        let named = |prefix: &str| {
            of_rule.iter().any(|case| {
                case.path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
        };
        assert!(named("bad_"), "{}: no bad_ fixture", rule.name);
        assert!(named("good_"), "{}: no good_ fixture", rule.name);
        let marked = of_rule.iter().any(|case| {
            parse_case(&case.path, &case.files, root)
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

/// The blessed files compared with what the run gives, or rewritten from it.
struct Blessed {
    bless: bool,
    /// Every blessed file the fixtures call for.
    wanted: BTreeSet<PathBuf>,
    failures: Vec<String>,
}

impl Blessed {
    fn check(&mut self, path: PathBuf, actual: &[u8]) {
        let blessed = std::fs::read(&path).ok();
        if blessed.as_deref() != Some(actual) {
            if self.bless {
                std::fs::write(&path, actual).unwrap();
            } else {
                self.failures.push(match &blessed {
                    None => format!("{}: missing", path.display()),
                    Some(blessed) => mismatch(&path, blessed, actual),
                });
            }
        }
        self.wanted.insert(path);
    }

    /// Blessed files no fixture calls for: their fixture is gone, or fixing it changes nothing.
    fn sweep(&mut self) {
        let stale = walk(Path::new("fixtures"))
            .into_iter()
            .filter(|path| is_blessed(path) && !self.wanted.contains(path));
        for path in stale {
            if self.bless {
                std::fs::remove_file(&path).unwrap();
            } else {
                self.failures.push(format!(
                    "{}: stale: no fixture, or fixing changes nothing",
                    path.display()
                ));
            }
        }
    }
}

/// A unified diff from the blessed bytes to the actual ones, as text.
fn mismatch(path: &Path, blessed: &[u8], actual: &[u8]) -> String {
    // A fixture's text as the markers are read from it; a binary's bytes as best they go.
    let decode = |bytes: &[u8]| {
        text_of(bytes.to_vec()).unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
    };
    let (blessed_text, actual_text) = (decode(blessed), decode(actual));
    if blessed_text == actual_text {
        return format!(
            "{}: the same text in other bytes (encoding, byte-order mark)",
            path.display()
        );
    }
    similar::TextDiff::from_lines(&blessed_text, &actual_text)
        .unified_diff()
        .context_radius(3)
        .header(&path.display().to_string(), "actual")
        .to_string()
}

/// Each file of the case that `--fix --unsafe-fixes` changes, with its bytes once fixing has
/// settled; the fixer runs on a copy, in the case's place under a package root as in the
/// repository, so that it lints the same.
fn fixed_files(run: &CaseRun) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::write(scratch.path().join("Cargo.toml"), "").unwrap();
    let copy = scratch.path().join(&run.case.path);
    if run.case.path.is_dir() {
        common::copy_tree(&run.case.path, &copy);
    } else {
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(&run.case.path, &copy).unwrap();
    }
    let options = options(copy, &run.fixture.targets);
    let lint = || engine::run(&options, knowledge());
    let mut outcome = lint()?;
    let shown_from = relative(scratch.path(), &std::env::current_dir().unwrap());
    let copy_human = human(&outcome).replace(&format!("{shown_from}/"), "");
    if copy_human != run.human {
        return Err(format!(
            "{}: a copy lints otherwise than the fixture:\n{}",
            run.case.path.display(),
            mismatch(&run.case.path, run.human.as_bytes(), copy_human.as_bytes())
        ));
    }
    let fixed = fix::apply_and_relint(&mut outcome, true, &options.paths, lint)?;
    if !fixed.settled || !fixed.failures.is_empty() {
        return Err(format!(
            "{}: fixing did not settle in {} rounds, or failed: {:?}",
            run.case.path.display(),
            fix::MAX_ROUNDS,
            fixed.failures
        ));
    }
    Ok(run
        .case
        .files
        .iter()
        .filter_map(|file| {
            let after = std::fs::read(scratch.path().join(file)).unwrap();
            (after != std::fs::read(file).unwrap()).then(|| (file.clone(), after))
        })
        .collect())
}

#[test]
fn every_fixture_prints_and_fixes_as_blessed() {
    let mut blessed = Blessed {
        bless: std::env::var_os(BLESS).is_some_and(|v| v == "1"),
        wanted: BTreeSet::new(),
        failures: Vec::new(),
    };
    let fixed: Vec<_> = runs()
        .par_iter()
        .map(|run| run.fixable.then(|| fixed_files(run)))
        .collect();
    for (run, fixed) in runs().iter().zip(fixed) {
        blessed.check(blessed_path(&run.case.path, STDERR), run.human.as_bytes());
        match fixed {
            None => {}
            Some(Ok(files)) => {
                for (file, bytes) in files {
                    blessed.check(blessed_path(&file, FIXED), &bytes);
                }
            }
            Some(Err(failure)) => {
                // Its fixed files are judged once it can be fixed, not called stale meanwhile.
                let fixed = run.case.files.iter().map(|f| blessed_path(f, FIXED));
                blessed.wanted.extend(fixed);
                blessed.failures.push(failure);
            }
        }
    }
    blessed.sweep();
    assert!(
        blessed.failures.is_empty(),
        "{} blessed files are missing, stale or differ from the run:\n\n{}\n\nIf the change is meant, accept it with \
         `PTRWIDTH_BLESS=1 cargo test --test fixtures` and review the diff of the blessed files.",
        blessed.failures.len(),
        blessed.failures.join("\n")
    );
}

/// The output blessed in process is the command's: a few fixtures (a file, a tree with binaries
/// and an unreadable one, several targets, a UTF-16 `.reg`, a silent one) run through the
/// binary print exactly it on stdout, and nothing on stderr.
#[test]
fn blessed_output_is_what_the_command_prints() {
    let chosen = [
        "fixtures/window-long-ptr/bad_c_window.c",
        "fixtures/cross-bitness-load/good_corrupt_binaries",
        "fixtures/cross-bitness-load/bad_arm64_dll",
        "fixtures/inprocserver-legacy-key/bad_regedit_export.reg",
        "fixtures/hardcoded-wow6432node/good_views.c",
    ];
    for path in chosen {
        let run = runs()
            .iter()
            .find(|run| run.case.path == Path::new(path))
            .unwrap_or_else(|| panic!("{path}: no such fixture"));
        let mut command = common::command(Path::new(env!("CARGO_MANIFEST_DIR")));
        command.args(["--format", "human", "--no-cache", path]);
        for target in &run.fixture.targets {
            command.args(["--target", &target.triple]);
        }
        let output = common::run(&mut command);
        assert_eq!(common::stderr(&output), "", "{path}");
        assert_eq!(common::stdout(&output), run.human, "{path}");
    }
}
