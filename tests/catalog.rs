//! The catalog, the knowledge tables and the README agree with each other and with the engine.

use std::path::Path;

use ptrwidth::catalog;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::model::ty::Ty;
use ptrwidth::rules;
use ptrwidth::target::Target;

#[test]
fn every_rule_has_a_complete_catalog_entry() {
    let docs = catalog::all().unwrap();
    assert_eq!(docs.len(), rules::ALL.len());
    for rule in rules::ALL {
        let doc = catalog::get(rule.name).unwrap();
        assert!(
            !doc.summary.ends_with('.') && doc.summary.len() < 90,
            "{}",
            rule.name
        );
        assert!(
            doc.why.len() < 1024,
            "{}: why is over SARIF's 1,024 characters",
            rule.name
        );
        assert!(!doc.fix.is_empty() && !doc.tags.is_empty(), "{}", rule.name);
        assert!(
            doc.examples.contains_key("rust"),
            "{}: no Rust example",
            rule.name
        );
    }
}

/// The examples people read in `rules/` are real: the bad one fires, the good one does not.
#[test]
fn catalog_examples_behave_as_documented() {
    let knowledge = Knowledge::load().unwrap();
    let dir = std::env::temp_dir().join(format!("ptrwidth-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for doc in catalog::all().unwrap() {
        let example = &doc.examples["rust"];
        for (kind, code, should_fire) in
            [("bad", &example.bad, true), ("good", &example.good, false)]
        {
            let path = dir.join(format!("{}_{kind}.rs", doc.name.replace('-', "_")));
            std::fs::write(&path, code).unwrap();
            let options = Options {
                paths: vec![path.clone()],
                excluded_dirs: Vec::new(),
                targets: vec![Target::parse("x86_64-pc-windows-msvc").unwrap()],
                rules: vec![rules::find(&doc.name).unwrap()],
                jobs: Some(1),
            };
            let outcome = engine::run(&options, &knowledge).unwrap();
            assert!(
                outcome.errors.is_empty(),
                "{}: {:?}",
                doc.name,
                outcome.errors
            );
            assert_eq!(
                !outcome.diagnostics.is_empty(),
                should_fire,
                "{} {kind} example: {:?}",
                doc.name,
                outcome
                    .diagnostics
                    .iter()
                    .map(|d| &d.message)
                    .collect::<Vec<_>>()
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
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
    assert!(!knowledge.is_struct("HWND"));
}
