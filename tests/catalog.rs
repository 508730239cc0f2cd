//! The catalog, the knowledge tables and the README agree with each other and with the engine.

use std::path::Path;

use ptrwidth::catalog;
use ptrwidth::discover::FileKind;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::model::ty::Ty;
use ptrwidth::rules;
use ptrwidth::suppress::UNUSED_ALLOW;
use ptrwidth::target::Target;

#[test]
fn every_rule_has_a_complete_catalog_entry() {
    let docs = catalog::all().unwrap();
    for doc in docs {
        assert!(
            rules::find(&doc.name).is_some() || doc.name == UNUSED_ALLOW,
            "{}: a catalog entry without a rule",
            doc.name
        );
    }
    for rule in rules::ALL {
        assert!(catalog::get(rule.name).is_some(), "{}", rule.name);
    }
    for doc in docs {
        assert!(
            !doc.summary.ends_with('.') && doc.summary.len() < 90,
            "{}",
            doc.name
        );
        assert!(
            doc.why.len() < 1024,
            "{}: why is over SARIF's 1,024 characters",
            doc.name
        );
        assert!(!doc.fix.is_empty() && !doc.tags.is_empty(), "{}", doc.name);
        assert!(!doc.examples.is_empty(), "{}: no example", doc.name);
        for language in doc.examples.keys() {
            assert!(
                extension(language).is_some(),
                "{}: examples in unknown language `{language}`",
                doc.name
            );
        }
    }
}

/// The examples people read in `rules/` are real: the bad one fires, the good one does not.
#[test]
fn catalog_examples_behave_as_documented() {
    let knowledge = Knowledge::load().unwrap();
    let dir = std::env::temp_dir().join(format!("ptrwidth-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for doc in catalog::all().unwrap() {
        for (language, example) in &doc.examples {
            check_example(&knowledge, &dir, &doc.name, language, example);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The file extension the examples of a language are linted with.
fn extension(language: &str) -> Option<&'static str> {
    match language {
        "rust" => Some("rs"),
        "c" => Some("c"),
        "cpp" => Some("cpp"),
        "idl" => Some("idl"),
        "reg" => Some("reg"),
        "rgs" => Some("rgs"),
        "wix" => Some("wxs"),
        _ => None,
    }
}

fn check_example(
    knowledge: &Knowledge,
    dir: &Path,
    rule: &str,
    language: &str,
    example: &catalog::Example,
) {
    let extension = extension(language).unwrap();
    for (kind, code, should_fire) in [("bad", &example.bad, true), ("good", &example.good, false)] {
        let path = match &example.tree {
            // A crate: the example as its src/lib.rs, next to the fixture's binaries.
            Some(tree) => {
                let case = dir.join(format!("{rule}_{language}_{kind}"));
                copy_binaries(&Path::new(env!("CARGO_MANIFEST_DIR")).join(tree), &case);
                std::fs::create_dir_all(case.join("src")).unwrap();
                std::fs::write(case.join("Cargo.toml"), "[package]\nname = \"example\"\n").unwrap();
                std::fs::write(case.join(format!("src/lib.{extension}")), code).unwrap();
                case
            }
            None => {
                let path = dir.join(format!("{}_{kind}.{extension}", rule.replace('-', "_")));
                std::fs::write(&path, code).unwrap();
                path
            }
        };
        let options = Options {
            paths: vec![path.clone()],
            excluded_dirs: Vec::new(),
            targets: vec![Target::parse("x86_64-pc-windows-msvc").unwrap()],
            // `unused-allow` judges the allows of the rules that ran: all of them.
            rules: match rules::find(rule) {
                Some(found) => vec![found],
                None => rules::ALL.iter().collect(),
            },
            jobs: Some(1),
            cache: None,
            cargo_home: None,
        };
        let outcome = engine::run(&options, knowledge).unwrap();
        assert!(
            outcome.errors.is_empty(),
            "{rule} {language} {kind} example: {:?}",
            outcome.errors
        );
        let behaves = if should_fire {
            outcome.diagnostics.iter().any(|d| d.rule == rule)
        } else {
            outcome.diagnostics.is_empty()
        };
        assert!(
            behaves,
            "{rule} {language} {kind} example: {:?}",
            outcome
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        );
    }
}

/// Copies the binaries under `from` to the same places under `to`.
fn copy_binaries(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_binaries(&path, &target);
        } else if FileKind::of(&path) == Some(FileKind::Binary) {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn readme_rules_table_matches_the_catalog() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme
        .split("<!-- rules:start -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- rules:end -->").next())
        .expect("README has a rules table between markers");
    let mut expected = String::from("| rule | level | summary |\n|---|---|---|\n");
    for doc in catalog::all().unwrap() {
        expected.push_str(&format!(
            "| `{}` | {} | {} |\n",
            doc.name,
            doc.level().as_str(),
            doc.summary
        ));
    }
    assert_eq!(
        table, expected,
        "regenerate the README rules table from rules/"
    );
}

#[test]
fn knowledge_tables_load_and_know_the_common_apis() {
    let knowledge = Knowledge::load().unwrap();
    assert!(
        knowledge.api_count() > 15_000,
        "{} functions",
        knowledge.api_count()
    );
    let ret = |name: &str, width: u32| knowledge.api_type(&knowledge.api(name, width).unwrap().ret);
    assert!(matches!(ret("CreateFileW", 64), Ty::Handle(h) if h.name == "HANDLE"));
    assert!(matches!(ret("GetModuleHandleW", 64), Ty::Handle(h) if h.name == "HMODULE"));
    assert!(matches!(ret("socket", 64), Ty::Handle(h) if h.name == "SOCKET"));
    assert_eq!(ret("GetWindowLongPtrW", 64).width(64), Some(64));
    assert_eq!(ret("GetWindowLongPtrW", 32).width(32), Some(32));
    assert_eq!(ret("SetWindowLongW", 64).width(64), Some(32));
    for handle in [
        "HANDLE",
        "HWND",
        "HMODULE",
        "HKEY",
        "HDC",
        "SOCKET",
        "HCRYPTPROV",
        "SC_HANDLE",
    ] {
        assert!(knowledge.handles.contains_key(handle), "{handle}");
    }
    for narrow in ["HFILE", "HRESULT", "MSIHANDLE", "ATOM", "COLORREF", "LCID"] {
        assert!(knowledge.narrow_handles.contains_key(narrow), "{narrow}");
    }
    assert!(knowledge.window_long.indexes.contains_key("GWL_USERDATA"));
}

#[test]
fn struct_table_knows_the_common_structs() {
    let knowledge = Knowledge::load().unwrap();
    let field = |name: &str, field: &str, width: u32| {
        knowledge
            .struct_field(name, field, width)
            .map(|ty| knowledge.api_type(&ty))
    };
    assert!(
        matches!(field("WNDCLASSEXW", "hbrBackground", 64), Some(Ty::Handle(h)) if h.name == "HBRUSH")
    );
    assert_eq!(
        field("RAWINPUT", "header", 64),
        Some(Ty::Struct("RAWINPUTHEADER".into()))
    );
    assert_eq!(
        field("NMHDR", "idFrom", 32).and_then(|t| t.width(32)),
        Some(32)
    );
    // `CONTEXT` differs per architecture: x64 and ARM64 rows both answer on 64-bit.
    assert!(field("CONTEXT", "Rip", 64).is_some());
    assert!(field("CONTEXT", "Pc", 64).is_some());
    assert!(field("CONTEXT", "Eip", 32).is_some());
    assert!(field("CONTEXT", "Eip", 64).is_none());
    assert!(field("WNDCLASSEXW", "hbrbackground", 64).is_none());
    assert!(matches!(knowledge.type_named("HWND"), Some(Ty::Handle(_))));
    assert_eq!(
        knowledge.type_named("RECT"),
        Some(Ty::Struct("RECT".into()))
    );
}
