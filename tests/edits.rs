//! Random edits to the fixtures: whatever the edit, the run never panics, and one worker and
//! two workers report exactly the same thing.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use ptrwidth::discover::FileKind;
use ptrwidth::engine::{self, Options};
use ptrwidth::knowledge::Knowledge;
use ptrwidth::rules;
use ptrwidth::target::{DEFAULT_TRIPLE, Target};

/// Fragments that open or close nesting, start comments and strings, or name what rules look
/// for: an edit made of them reaches deeper into a front end than random bytes do.
const FRAGMENTS: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b">",
    b";",
    b",",
    b"\"",
    b"'",
    b"/*",
    b"*/",
    b"//",
    b"\n",
    b"#if _WIN64\n",
    b"#endif\n",
    b"#define X(a) a\n",
    b" as u32",
    b" as usize",
    b"*mut ",
    b"HWND",
    b"SetWindowLongW",
    b"(DWORD)",
    b"LoadLibraryW",
    b"interface I : IUnknown",
    b"[uuid(0)]",
    b"#[cfg(target_pointer_width = \"32\")]",
    b"\xff",
    b"\xc3",
    b"\0",
    "é".as_bytes(),
];

/// Every fixture file a front end reads, as bytes.
fn fixtures() -> &'static Vec<(PathBuf, Vec<u8>)> {
    static FILES: OnceLock<Vec<(PathBuf, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        common::snapshot(&root)
            .into_iter()
            .filter(|(path, _)| FileKind::of(path).is_some())
            .map(|(path, bytes)| (path.strip_prefix(&root).unwrap().to_path_buf(), bytes))
            .collect()
    })
}

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::load().unwrap())
}

#[derive(Clone, Debug)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Duplicate { at: usize, len: usize },
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = proptest::sample::select(FRAGMENTS).prop_map(<[u8]>::to_vec);
    let inserted = prop_oneof![
        proptest::collection::vec(fragment, 1..8).prop_map(|f| f.concat()),
        proptest::collection::vec(any::<u8>(), 1..16),
    ];
    prop_oneof![
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), inserted).prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1..256usize).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let position = |at: usize, len: usize| at % (len + 1);
    match edit {
        Edit::Delete { at, len } => {
            let start = position(*at, bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        Edit::Insert {
            at,
            bytes: inserted,
        } => {
            let at = position(*at, bytes.len());
            bytes.splice(at..at, inserted.iter().copied());
        }
        Edit::Duplicate { at, len } => {
            let start = position(*at, bytes.len());
            let end = (start + len).min(bytes.len());
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Edit::Truncate { at } => {
            let at = position(*at, bytes.len());
            bytes.truncate(at);
        }
    }
}

/// Everything a run reports, with nothing that depends on scheduling.
fn report(dir: &Path, jobs: usize) -> String {
    let options = Options {
        paths: vec![dir.to_path_buf()],
        excluded_dirs: Vec::new(),
        targets: vec![
            Target::parse(DEFAULT_TRIPLE).unwrap(),
            Target::parse("i686-pc-windows-msvc").unwrap(),
        ],
        rules: rules::ALL.iter().collect(),
        jobs: Some(jobs),
        cache: None,
        cargo_home: None,
    };
    let outcome = engine::run(&options, knowledge()).unwrap();
    let mut out = String::new();
    for d in &outcome.diagnostics {
        out.push_str(&format!(
            "{} {:?} {} {:?} {}\n",
            outcome.files[d.file].display, d.span, d.rule, d.level, d.message
        ));
    }
    for e in &outcome.errors {
        out.push_str(&format!("error {} {}\n", e.path, e.message));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn edited_fixtures_never_panic_and_do_not_depend_on_the_worker_count(
        edited in any::<proptest::sample::Index>(),
        others in proptest::collection::vec(any::<proptest::sample::Index>(), 2),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let files = fixtures();
        let dir = tempfile::tempdir().unwrap();
        for (n, index) in others.iter().enumerate() {
            let (path, bytes) = &files[index.index(files.len())];
            let name = format!("other{n}.{}", path.extension().unwrap().to_string_lossy());
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let (path, bytes) = &files[edited.index(files.len())];
        let mut bytes = bytes.clone();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        let name = format!("edited.{}", path.extension().unwrap().to_string_lossy());
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let one = report(dir.path(), 1);
        let two = report(dir.path(), 2);
        prop_assert_eq!(one, two, "{} after {:?}", path.display(), edits);
    }
}
