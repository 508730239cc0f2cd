//! Every output format, checked against its schema or the model of the program that reads it.

mod common;

use std::collections::BTreeSet;

use common::{Scratch, cargo_ptrwidth, json, ptrwidth, repo, stdout};
use serde::{Deserialize, Serialize};

/// The JSON report of the bundled fixtures: the reference the other formats are compared to.
fn fixtures_json() -> serde_json::Value {
    let output = ptrwidth(repo(), &["--format", "json", "fixtures"]);
    assert_eq!(output.status.code(), Some(1));
    json(&stdout(&output))
}

fn validator(schema_path: &str) -> jsonschema::Validator {
    let schema = json(&std::fs::read_to_string(repo().join(schema_path)).unwrap());
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, document: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn json_output_matches_its_published_schema() {
    let document = fixtures_json();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert!(diagnostics.len() > 50);
    assert!(
        diagnostics
            .iter()
            .any(|d| !d["fixes"].as_array().unwrap().is_empty())
    );
    let schema = validator("schema/ptrwidth-json-v1.schema.json");
    assert_valid(&schema, &document);
    // The schema is strict: an unknown field or a wrong level is rejected.
    let mut broken = document.clone();
    broken["diagnostics"][0]["level"] = "fatal".into();
    assert!(!schema.is_valid(&broken));
    let mut broken = document;
    broken["summary"]["extra"] = 1.into();
    assert!(!schema.is_valid(&broken));
}

#[test]
fn sarif_validates_and_has_what_code_scanning_reads() {
    let reference = fixtures_json();
    let output = ptrwidth(repo(), &["--format", "sarif", "fixtures"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&stdout(&output));
    let schema = validator("tests/schemas/sarif-schema-2.1.0.json");
    assert_valid(&schema, &sarif);
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema.is_valid(&broken), "the schema is enforced");

    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "ptrwidth");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(rule[key]["text"].as_str().unwrap().len() <= 1024);
        }
        // Every example language of the catalog entry is shown as a fenced block.
        let id = rule["id"].as_str().unwrap();
        let doc = ptrwidth::catalog::get(id).unwrap();
        assert!(doc.examples.keys().all(|language| {
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(&format!("```{language}"))
        }));
        assert!(rule["defaultConfiguration"]["level"].is_string());
        assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        reference["diagnostics"].as_array().unwrap().len()
    );
    let mut fingerprints = BTreeSet::new();
    for (result, diagnostic) in results
        .iter()
        .zip(reference["diagnostics"].as_array().unwrap())
    {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["ruleId"], diagnostic["rule"]);
        assert_eq!(result["level"], diagnostic["level"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("fixtures/"), "{uri}");
        let region = &location["region"];
        assert_eq!(region["startLine"], diagnostic["line"]);
        assert_eq!(region["startColumn"], diagnostic["column"]);
        assert_eq!(region["endColumn"], diagnostic["end_column"]);
        assert!(region["snippet"]["text"].is_string());
        let fingerprint = result["partialFingerprints"]["ptrwidthContextHash/v1"]
            .as_str()
            .unwrap();
        fingerprints.insert((fingerprint.to_string(), result["ruleId"].to_string()));
        let fixes = diagnostic["fixes"].as_array().unwrap().len();
        assert_eq!(result["fixes"].as_array().map_or(0, Vec::len), fixes);
    }
    assert!(
        fingerprints.len() > results.len() * 9 / 10,
        "fingerprints tell findings apart"
    );
}

#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let scratch = Scratch::new();
    let code =
        "use windows_sys::Win32::Foundation::HWND;\nfn f(h: HWND) -> u32 {\n    h as u32\n}\n";
    scratch.write("a.rs", code);
    let fingerprint = |dir: &std::path::Path| {
        let sarif = json(&stdout(&ptrwidth(dir, &["--format", "sarif", "a.rs"])));
        sarif["runs"][0]["results"][0]["partialFingerprints"].clone()
    };
    let before = fingerprint(scratch.path());
    scratch.write("a.rs", format!("// a new header\n\n{code}"));
    assert_eq!(fingerprint(scratch.path()), before);
}

/// GitHub's workflow command syntax, undone: `::level key=value,...::message`.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let unescape = |s: &str| {
        s.replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let rest = line.strip_prefix("::").unwrap();
    let (head, message) = rest.split_once("::").unwrap();
    let (command, properties) = head.split_once(' ').unwrap();
    let properties = properties
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), unescape(v))
        })
        .collect();
    (command.to_string(), properties, unescape(message))
}

#[test]
fn github_annotations_and_step_summary() {
    let reference = fixtures_json();
    let scratch = Scratch::new();
    let summary = scratch.path().join("summary.md");
    let output = common::run(common::command(repo()).args(["--format", "github", "fixtures"]));
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    // The corrupt fixture binaries are annotated as unreadable, after the findings.
    let unreadable = reference["errors"].as_array().unwrap().len();
    let mut commands: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(parse_command)
        .collect();
    let unreadable_commands = commands.split_off(commands.len().saturating_sub(unreadable));
    assert!(
        unreadable_commands
            .iter()
            .all(|(_, _, message)| message.starts_with("could not read")),
        "{unreadable_commands:?}"
    );
    let diagnostics = reference["diagnostics"].as_array().unwrap();
    assert_eq!(commands.len(), diagnostics.len());
    for ((command, properties, message), diagnostic) in commands.iter().zip(diagnostics) {
        assert_eq!(
            command,
            if diagnostic["level"] == "error" {
                "error"
            } else {
                "warning"
            }
        );
        let get = |key: &str| &properties.iter().find(|(k, _)| k == key).unwrap().1;
        assert_eq!(get("file"), diagnostic["path"].as_str().unwrap());
        assert_eq!(get("line"), &diagnostic["line"].to_string());
        assert_eq!(get("endLine"), &diagnostic["end_line"].to_string());
        assert_eq!(get("col"), &diagnostic["column"].to_string());
        assert_eq!(get("endColumn"), &diagnostic["end_column"].to_string());
        assert_eq!(
            get("title"),
            &format!("ptrwidth({})", diagnostic["rule"].as_str().unwrap())
        );
        assert!(message.starts_with(diagnostic["message"].as_str().unwrap()));
        assert!(!message.contains('\n') || message.contains("\nhelp: "));
    }

    let output = common::run(
        common::command(repo())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_SHA", "abc123")
            .args(["--format", "github", "fixtures"]),
    );
    assert_eq!(output.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let errors = reference["summary"]["errors"].as_u64().unwrap();
    assert!(
        markdown.contains(&format!("**{errors} errors**")),
        "{markdown}"
    );
    assert!(markdown.contains("| `handle-truncation` | warning |"));
    let rows = markdown
        .lines()
        .filter(|l| l.contains("](https://github.com/o/r/blob/abc123/fixtures/"))
        .count();
    assert_eq!(rows, diagnostics.len());
}

/// rustc's JSON diagnostic (`rustc_errors::json`), field for field: a record that does not
/// round-trip through it unchanged is not what rustc prints.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RustcDiagnostic {
    #[serde(rename = "$message_type")]
    message_type: String,
    message: String,
    code: Option<RustcCode>,
    level: String,
    spans: Vec<RustcSpan>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RustcCode {
    code: String,
    explanation: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RustcSpan {
    file_name: String,
    byte_start: u32,
    byte_end: u32,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<RustcSpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<String>,
    expansion: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RustcSpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

const RUSTC_LEVELS: [&str; 6] = [
    "error",
    "warning",
    "note",
    "help",
    "failure-note",
    "error: internal compiler error",
];

fn check_rustc_diagnostic(diagnostic: &RustcDiagnostic, top: bool) {
    assert!(RUSTC_LEVELS.contains(&diagnostic.level.as_str()));
    for span in &diagnostic.spans {
        assert!(!span.text.is_empty(), "every span quotes its lines");
        assert!(std::path::Path::new(&span.file_name).is_absolute());
        assert!(span.line_start <= span.line_end && span.column_start >= 1);
    }
    if top {
        assert!(
            diagnostic
                .code
                .as_ref()
                .unwrap()
                .code
                .starts_with("ptrwidth::")
        );
        assert!(diagnostic.spans.iter().any(|s| s.is_primary));
        assert!(diagnostic.rendered.is_some());
    }
    for child in &diagnostic.children {
        check_rustc_diagnostic(child, false);
    }
}

#[test]
fn rustc_json_is_what_cargo_prints_and_round_trips() {
    let reference = fixtures_json();
    let output = ptrwidth(repo(), &["--format", "rustc-json", "fixtures"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let mut messages = 0;
    let mut quick_fixes = 0;
    for line in &lines[..lines.len() - 1] {
        // What rust-analyzer parses cargo's output with.
        let parsed: cargo_metadata::Message = serde_json::from_str(line).unwrap();
        let cargo_metadata::Message::CompilerMessage(message) = parsed else {
            panic!("not a compiler message: {line}");
        };
        assert!(!message.target.name.is_empty() && !message.target.kind.is_empty());
        let record = json(line);
        let diagnostic: RustcDiagnostic =
            serde_json::from_value(record["message"].clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&diagnostic).unwrap(),
            record["message"],
            "lossless round trip"
        );
        check_rustc_diagnostic(&diagnostic, true);
        assert_eq!(
            message.message.code.as_ref().unwrap().code,
            diagnostic.code.as_ref().unwrap().code
        );
        quick_fixes += diagnostic
            .children
            .iter()
            .filter(|c| {
                c.spans.iter().any(|s| {
                    s.suggested_replacement.is_some()
                        && s.suggestion_applicability.as_deref() == Some("MachineApplicable")
                })
            })
            .count();
        messages += 1;
    }
    assert_eq!(messages, reference["diagnostics"].as_array().unwrap().len());
    assert!(quick_fixes > 10);
    let finished: cargo_metadata::Message = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert!(matches!(finished, cargo_metadata::Message::BuildFinished(f) if !f.success));
}

#[test]
fn rustc_json_spans_quote_non_ascii_lines() {
    let scratch = Scratch::new();
    scratch.write(
        "a.rs",
        "use windows_sys::Win32::Foundation::HWND;\nfn f(h: HWND) -> u32 { let é = 1; h as u32 }\n",
    );
    let text = stdout(&ptrwidth(
        scratch.path(),
        &["--format", "rustc-json", "a.rs"],
    ));
    let record = json(text.lines().next().unwrap());
    let span = &record["message"]["spans"][0];
    assert_eq!(
        span["text"][0]["text"],
        "fn f(h: HWND) -> u32 { let é = 1; h as u32 }"
    );
    // Columns count characters, as rustc's do: `h` is the 35th (and starts at byte 36).
    assert_eq!(span["column_start"], 35);
    assert_eq!(span["text"][0]["highlight_start"], 35);
}

fn cargo_project(scratch: &Scratch) {
    scratch.write(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    scratch.write(
        "src/lib.rs",
        "use windows_sys::Win32::Foundation::HWND;\npub fn f(h: HWND) -> u32 { h as u32 }\n",
    );
    scratch.write(
        "build.rs",
        "fn main() { let p = Box::into_raw(Box::new(1u8)); let _ = p as u32; }\n",
    );
}

#[test]
fn cargo_message_format_json_attributes_packages_and_build_scripts() {
    let scratch = Scratch::new();
    cargo_project(&scratch);
    let output = cargo_ptrwidth(scratch.path(), &["--message-format=json"]);
    assert_eq!(output.status.code(), Some(1), "{}", common::stderr(&output));
    let text = stdout(&output);
    let records: Vec<cargo_metadata::Message> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut kinds = BTreeSet::new();
    for record in &records {
        if let cargo_metadata::Message::CompilerMessage(message) = record {
            assert!(
                message.package_id.repr.contains("demo"),
                "{}",
                message.package_id.repr
            );
            let file = &message.message.spans[0].file_name;
            let kind = message.target.kind[0].to_string();
            if file.ends_with("build.rs") {
                assert_eq!(kind, "custom-build");
            } else {
                assert_eq!(kind, "lib");
            }
            kinds.insert(kind);
        }
    }
    assert_eq!(kinds.len(), 2, "{text}");
}

#[test]
fn with_check_passes_the_check_records_through() {
    let scratch = Scratch::new();
    cargo_project(&scratch);
    let check_record = r#"{"reason":"compiler-message","package_id":"x","manifest_path":"/x/Cargo.toml","target":{"name":"x","kind":["lib"],"src_path":"/x/src/lib.rs"},"message":{"message":"unused","code":null,"level":"warning","spans":[],"children":[],"rendered":null}}"#;
    scratch.write(
        "check.jsonl",
        format!("{check_record}\n{{\"reason\":\"build-finished\",\"success\":true}}\n"),
    );
    let output = cargo_ptrwidth(scratch.path(), &["--with-check=cat check.jsonl"]);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], check_record);
    let finished: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("build-finished"))
        .collect();
    assert_eq!(finished.len(), 1, "one build-finished, at the end");
    assert_eq!(json(lines.last().unwrap())["success"], false);
    assert!(lines.len() >= 4, "{text}");
    assert_eq!(output.status.code(), Some(1));

    // A check that fails fails the run, even without findings.
    scratch.write("src/lib.rs", "pub fn f() {}\n");
    scratch.write("build.rs", "fn main() {}\n");
    scratch.write(
        "check.jsonl",
        "{\"reason\":\"build-finished\",\"success\":false}\n",
    );
    let output = cargo_ptrwidth(scratch.path(), &["--with-check=cat check.jsonl"]);
    assert_eq!(
        stdout(&output).trim(),
        r#"{"reason":"build-finished","success":false}"#
    );
    assert_eq!(output.status.code(), Some(1));
}
