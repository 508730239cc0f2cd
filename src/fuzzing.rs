//! What each fuzz target does with its input (`fuzz/fuzz_targets/`), here so that
//! `tests/fuzz_regressions.rs` replays a recorded input exactly as the target ran it.
//!
//! Targets that lint a tree read their input as [`tree`] describes. Each function panics only
//! where ptrwidth breaks a promise; bad input must otherwise be taken in stride.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::baseline;
use crate::cache::{self, Cache, CacheDir};
use crate::discover::{FileKind, RegistryFormat};
use crate::engine::{self, Options, Outcome};
use crate::fix;
use crate::frontend;
use crate::knowledge::Knowledge;
use crate::report::{self, Context, Format, Package, PackageTarget, Style};
use crate::rules;
use crate::settings::{Flags, Settings};
use crate::target::{DEFAULT_TRIPLE, Target};

/// Every target, by the name its directory under `fuzz/regressions/` has.
pub const TARGETS: [&str; 14] = [
    "rust", "c", "cpp", "idl", "reg", "rgs", "wix", "binary", "pipeline", "fix", "report", "cache",
    "config", "baseline",
];

/// Runs the target named `target` on one input.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "rust" => lower(FileKind::Rust, data),
        "c" => lower(FileKind::C, data),
        "cpp" => lower(FileKind::Cpp, data),
        "idl" => lower(FileKind::Idl, data),
        "reg" => reg(data),
        "rgs" => lower(FileKind::Registry(RegistryFormat::Registrar), data),
        "wix" => lower(FileKind::Registry(RegistryFormat::Wix), data),
        "binary" => lower(FileKind::Binary, data),
        "pipeline" => pipeline(data),
        "fix" => fix(data),
        "report" => report(data),
        "cache" => cache(data),
        "config" => config(data),
        "baseline" => baseline(data),
        other => panic!("no fuzz target `{other}`"),
    }
}

/// One file's bytes through one front end; whether it lowers does not matter.
pub fn lower(kind: FileKind, data: &[u8]) {
    let _ = frontend::lower(kind, data.to_vec(), None);
}

/// A `.reg` script as given and again as regedit exports it, UTF-16LE with a BOM, reaching the
/// decoder and the parser by both roads.
pub fn reg(data: &[u8]) {
    let kind = FileKind::Registry(RegistryFormat::RegEdit);
    lower(kind, data);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(
        String::from_utf8_lossy(data)
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let _ = frontend::lower(kind, utf16, None);
}

/// The extension a tree file's first byte picks (modulo the count). New kinds go at the end, so
/// that recorded inputs keep their meaning for the kinds they already used.
pub const EXTENSIONS: [&str; 10] = [
    "rs", "c", "h", "cpp", "idl", "dll", "lib", "reg", "rgs", "wxs",
];

/// Writes a small tree into `dir`: the input split into files at each NUL byte (up to six
/// non-empty parts), the first byte of each part picking its extension from [`EXTENSIONS`], so
/// one input can hold a crate, its header, a registration script and a DLL.
pub fn tree(data: &[u8], dir: &Path) {
    for (n, part) in data
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .take(6)
        .enumerate()
    {
        let extension = EXTENSIONS[usize::from(part[0]) % EXTENSIONS.len()];
        let name = dir.join(format!("f{n}.{extension}"));
        std::fs::write(name, &part[1..]).expect("a file is written");
    }
}

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::load().expect("the tables load"))
}

/// Every rule, for a 64-bit and a 32-bit target, on one thread.
fn lint(dir: &Path) -> Outcome {
    let options = Options {
        paths: vec![dir.to_path_buf()],
        excluded_dirs: Vec::new(),
        targets: vec![
            Target::parse(DEFAULT_TRIPLE).expect("the default target"),
            Target::parse("i686-pc-windows-msvc").expect("a 32-bit target"),
        ],
        rules: rules::ALL.iter().collect(),
        jobs: Some(1),
        cache: None,
        cargo_home: None,
    };
    engine::run(&options, knowledge()).expect("the run starts")
}

fn temporary_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// The whole run on a [`tree`].
pub fn pipeline(data: &[u8]) {
    let dir = temporary_dir();
    tree(data, dir.path());
    lint(dir.path());
}

/// `--diff` and `--fix`, with and without unsafe fixes, on a [`tree`].
pub fn fix(data: &[u8]) {
    for unsafe_fixes in [false, true] {
        let dir = temporary_dir();
        tree(data, dir.path());
        fix_tree(dir.path(), unsafe_fixes);
    }
}

fn files_in(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the tree is listed")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            let bytes = std::fs::read(&path).expect("a file of the tree is read");
            (path, bytes)
        })
        .collect()
}

fn fix_tree(dir: &Path, unsafe_fixes: bool) {
    let mut outcome = lint(dir);
    let _ = fix::diff(&fix::plan(&outcome, unsafe_fixes));
    let kinds: BTreeMap<PathBuf, FileKind> = outcome
        .files
        .iter()
        .zip(&outcome.kinds)
        .map(|(file, kind)| (file.path.clone(), *kind))
        .collect();
    let before = files_in(dir);
    let fixed = fix::apply_and_relint(&mut outcome, unsafe_fixes, &[dir.to_path_buf()], || {
        Ok(lint(dir))
    })
    .expect("the tree is linted again");
    assert!(
        fixed.failures.is_empty(),
        "fixed files in a tree of plain files are written: {:?}",
        fixed.failures
    );
    let after = files_in(dir);
    assert!(
        before.keys().eq(after.keys()),
        "fixing creates or removes no file: {:?} became {:?}",
        before.keys(),
        after.keys()
    );
    for (path, bytes) in &before {
        if &after[path] == bytes {
            continue;
        }
        let kind = kinds.get(path).expect("a fixed file was linted");
        if let Err(e) = frontend::lower(*kind, after[path].clone(), None) {
            panic!("{} no longer lowers after fixing: {e}", path.display());
        }
        assert!(
            outcome.files.iter().any(|f| &f.path == path),
            "{} is read again after fixing",
            path.display()
        );
    }
    if fixed.settled {
        let second = fix::plan(&lint(dir), unsafe_fixes);
        assert!(
            second.files.is_empty(),
            "fixing twice changes nothing the second time, but it would change:\n{}",
            fix::diff(&second)
        );
    }
}

/// Every reporter, in every style, on the outcome of a [`tree`] linted as one cargo package.
/// The JSON formats must be JSON.
pub fn report(data: &[u8]) {
    let dir = temporary_dir();
    tree(data, dir.path());
    let outcome = lint(dir.path());
    let packages = [Package {
        id: "path+file:///fuzz#0.0.0".to_string(),
        manifest_path: dir.path().join("Cargo.toml"),
        targets: vec![PackageTarget {
            name: "fuzz".to_string(),
            kind: vec!["lib".to_string()],
            crate_types: vec!["lib".to_string()],
            src_path: dir.path().join("f0.rs"),
            edition: "2024".to_string(),
        }],
    }];
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::RustcJson,
    ] {
        for (color, quiet, build_succeeded) in [
            (false, false, true),
            (true, false, true),
            (false, true, false),
        ] {
            let cx = Context {
                style: Style { color, quiet },
                root: dir.path().to_path_buf(),
                packages: &packages,
                build_succeeded,
            };
            let mut out = Vec::new();
            report::write(format, &outcome, &cx, &mut out).expect("a report is written");
            let documents: Vec<&[u8]> = match format {
                Format::Json | Format::Sarif => vec![&out],
                Format::RustcJson => out
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .collect(),
                Format::Human | Format::Github => Vec::new(),
            };
            for document in documents {
                if let Err(e) = serde_json::from_slice::<serde_json::Value>(document) {
                    panic!(
                        "{format:?} is not JSON ({e}): {}",
                        String::from_utf8_lossy(document)
                    );
                }
            }
        }
    }
    for diagnostic in &outcome.diagnostics {
        report::render_human(&outcome, diagnostic).expect("a finding is rendered");
    }
}

/// The kinds a cache input's first byte picks from.
const CACHE_KINDS: [FileKind; 8] = [
    FileKind::Rust,
    FileKind::C,
    FileKind::Cpp,
    FileKind::Idl,
    FileKind::Registry(RegistryFormat::RegEdit),
    FileKind::Registry(RegistryFormat::Registrar),
    FileKind::Registry(RegistryFormat::Wix),
    FileKind::Binary,
];

fn same(a: &Result<frontend::Lowered, String>, b: &Result<frontend::Lowered, String>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            a.text == b.text
                && a.errors == b.errors
                && format!("{:?}", a.ir) == format!("{:?}", b.ir)
        }
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// The cache: the input (its first byte picking the kind) lowered, stored and read back as it
/// was; the stored entry cut short or with one byte changed is a miss; and the input's own
/// bytes, as an entry file and as the payload of an entry with a good checksum, are read
/// without a panic, and anything they read as is stored again as it was.
pub fn cache(data: &[u8]) {
    let Some((&kind, source)) = data.split_first() else {
        return;
    };
    let kind = CACHE_KINDS[usize::from(kind) % CACHE_KINDS.len()];
    let dir = temporary_dir();
    let cache = Cache::open(&CacheDir::new(dir.path(), &[]))
        .expect("a cache in a directory of our own is used")
        .expect("a cache in a directory of our own is opened");
    let key = Cache::key(kind, source);
    let path = cache.path(&key);
    let fresh = frontend::lower(kind, source.to_vec(), None);
    cache.put(&key, &fresh);
    let stored = std::fs::read(&path).expect("an entry is written in a cache of our own");
    let read = cache
        .get(&key, kind, source)
        .expect("a stored entry is read back");
    assert!(same(&read, &fresh), "an entry reads back as it was stored");

    let at = data.iter().map(|&b| usize::from(b)).sum::<usize>() % stored.len();
    let mut changed = stored.clone();
    changed[at] ^= 1 << (data.len() % 8);
    for damaged in [&stored[..at], &changed[..]] {
        std::fs::write(&path, damaged).expect("the entry is overwritten");
        assert!(
            cache.get(&key, kind, source).is_none(),
            "a damaged entry is a miss"
        );
    }

    for entry in [data.to_vec(), cache::framed(&key, data)] {
        std::fs::write(&path, &entry).expect("the entry is overwritten");
        if let Some(read) = cache.get(&key, kind, source) {
            cache.put(&key, &read);
            let again = cache
                .get(&key, kind, source)
                .expect("a stored entry is read back");
            assert!(
                same(&again, &read),
                "what an entry held is stored as it was"
            );
        }
    }
}

/// The input as `ptrwidth.toml`, and as a `Cargo.toml`, resolved into a run's settings as the
/// command line resolves them, and everything the run takes from them.
pub fn config(data: &[u8]) {
    for name in ["ptrwidth.toml", "Cargo.toml"] {
        let dir = temporary_dir();
        std::fs::write(dir.path().join(name), data).expect("the configuration is written");
        let flags = Flags {
            paths: vec![dir.path().to_path_buf()],
            no_cache: true,
            ..Flags::default()
        };
        let Ok(settings) = Settings::resolve(&flags) else {
            continue;
        };
        let _ = settings.describe();
        let _ = settings.knowledge();
        let _ = settings.options(None);
        let _ = settings.policy(None);
    }
}

/// A baseline: the input up to its first NUL byte is the baseline file, the rest a [`tree`]
/// (in `tree/` beside it). Applying it drops only findings, and drops none when it cannot be
/// read; a baseline written for the tree then drops every finding and has no stale entry, or
/// is refused when a file of the tree could not be read.
pub fn baseline(data: &[u8]) {
    let (recorded, files) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let dir = temporary_dir();
    let root = dir.path().join("tree");
    std::fs::create_dir(&root).expect("the tree's directory is made");
    tree(files, &root);
    let given = dir.path().join("given.json");
    std::fs::write(&given, recorded).expect("the baseline is written");
    let mut outcome = lint(&root);
    let found = outcome.diagnostics.len();
    match baseline::apply(&mut outcome, &given) {
        Ok(applied) => assert_eq!(
            applied.known + outcome.diagnostics.len(),
            found,
            "a baseline only drops findings"
        ),
        Err(_) => assert_eq!(outcome.diagnostics.len(), found),
    }

    let written = dir.path().join("written.json");
    let mut outcome = lint(&root);
    if !baseline::unread(&outcome).is_empty() {
        assert!(
            baseline::write(&outcome, &written).is_err() && !written.exists(),
            "no baseline is written from a run that could not read its inputs"
        );
        return;
    }
    let count = baseline::write(&outcome, &written).expect("a baseline is written");
    assert_eq!(count, outcome.diagnostics.len());
    let applied = baseline::apply(&mut outcome, &written).expect("a written baseline is read");
    assert_eq!(
        (applied.known, applied.stale, outcome.diagnostics.len()),
        (count, 0, 0),
        "a baseline written for a tree knows every finding of it"
    );
}
