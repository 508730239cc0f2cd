//! The on-disk cache of what the front ends made of each file.
//!
//! Lowering is nearly all of a run's cost, and what a front end makes of a file depends only on
//! the file's kind and bytes and on the build of ptrwidth. An entry is keyed by a hash of the
//! kind and bytes, in a directory named after the build (its version and sources, and the
//! executable itself), so a changed file or a new build never reads a stale entry. An entry
//! is believed only for the bytes it was written for: it records their key, carries a checksum,
//! holds no text (the text is made again from the bytes just read) and every span in it must
//! fall on the characters of that text; anything else is a miss. The model and the rules always
//! run on the whole tree: they see every file, cached or not, and they are cheap. Entries are
//! written atomically (a temporary file renamed into place), so parallel runs share a cache; a
//! cache that cannot be read or written only costs the time it saves.
//!
//! The directory a run is given may be the user's own, so ptrwidth makes a directory of its
//! own inside it ([`OWN_DIR`]), tags that one, and removes nothing anywhere else.

mod spans;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::FileKind;
use crate::frontend::c::UnitView;
use crate::frontend::{self, Lowered};
use crate::model::ir::FileIr;
use crate::model::tree::normalize;

/// The sources and version this program was built from (`build.rs`); see [`build_id`].
const SOURCE_ID: &str = env!("PTRWIDTH_BUILD_ID");

/// The directory ptrwidth makes in the cache directory it is given, and the only place it
/// writes or deletes anything.
const OWN_DIR: &str = "ptrwidth-v1";

/// Starts every entry, before the key it was written for, the checksum and the payload: a
/// file that does not start so (truncated, zeroed, another program's) is a miss.
const MAGIC: &[u8; 8] = b"ptrwIR02";

/// The cache directory tag (bford.info/cachedir) that backup tools honour. ptrwidth writes it
/// only into [`OWN_DIR`], as it makes that directory, so it also marks the directory as one
/// ptrwidth made: without it, nothing in the directory is used or removed.
const TAG_FILE: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
                   # This file is a cache directory tag created by ptrwidth.\n";

/// Where a run keeps its cache.
#[derive(Clone, Debug)]
pub struct CacheDir {
    pub path: PathBuf,
    /// The directory that holds `path` and that the cache must not leave, if there is one
    /// (cargo's target directory, for the default cache): a symbolic link below it (a clone
    /// can commit one) must not lead the cache's writes and deletions elsewhere.
    pub tree: Option<PathBuf>,
}

impl CacheDir {
    /// The cache at `path`, kept inside the outermost of `trees` (directories; a file stands
    /// for its directory) that holds it.
    pub fn new(path: &Path, trees: &[PathBuf]) -> CacheDir {
        let absolute = |path: &Path| {
            let path = if path.as_os_str().is_empty() {
                Path::new(".")
            } else {
                path
            };
            normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
        };
        let path = absolute(path);
        let tree = trees
            .iter()
            .map(|tree| match tree.parent() {
                Some(dir) if !tree.is_dir() => absolute(dir),
                _ => absolute(tree),
            })
            .filter(|tree| path.starts_with(tree))
            .min_by_key(|tree| tree.components().count());
        CacheDir { path, tree }
    }
}

pub struct Cache {
    /// `<cache dir>/<OWN_DIR>/<build id>`.
    dir: PathBuf,
}

/// The cache key of one file's bytes.
pub struct Key(u128);

/// A front end's result, as stored; a file it could not read is stored as the message.
type Entry = Result<Stored, String>;

#[derive(Serialize, Deserialize)]
struct Stored {
    ir: FileIr,
    errors: Vec<String>,
}

impl Cache {
    /// The cache in `location`, or `None` when it cannot be made (the run goes on uncached);
    /// `Err` says why a cache that is there is not used. ptrwidth's own directory in it is
    /// made, tagged, when there is none; the directories of other builds in it are removed,
    /// since nothing will read them.
    pub fn open(location: &CacheDir) -> Result<Option<Cache>, String> {
        let own = location.path.join(OWN_DIR);
        let build = build_id();
        let dir = own.join(&build);
        if let Some(tree) = &location.tree {
            stays_inside(&dir, tree)?;
        }
        // An empty directory (its entries removed by hand) holds nothing to lose: it is
        // replaced by a tagged one.
        let missing = || {
            std::fs::symlink_metadata(&own).is_err()
                || std::fs::read_dir(&own).is_ok_and(|mut entries| entries.next().is_none())
        };
        if missing() && make_own_dir(&location.path, &own).is_err() && missing() {
            return Ok(None);
        }
        if !is_tagged(&own) {
            return Err(format!(
                "not used as the cache: {} was not made by ptrwidth (it has no {TAG_FILE} of \
                 ptrwidth's); files were read afresh",
                own.display()
            ));
        }
        remove_other_builds(&own, &build);
        Ok(Some(Cache { dir }))
    }

    pub fn key(kind: FileKind, bytes: &[u8]) -> Key {
        Cache::key_in(kind, bytes, None, 0)
    }

    /// The key of a C or C++ file lowered as its translation units see it (what they compile,
    /// the macros they define), or of a Rust file lowered with the `macro_rules!` of its
    /// package (`package_macros`, their digest; 0 for none): the same bytes lower to other IR
    /// in other company.
    pub fn key_in(
        kind: FileKind,
        bytes: &[u8],
        unit: Option<&UnitView>,
        package_macros: u64,
    ) -> Key {
        use std::hash::Hash;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(format!("{kind:?}\0").as_bytes());
        hasher.update(bytes);
        if let Some(unit) = unit {
            hasher.update(b"\0regions");
            unit.regions.hash(&mut hasher);
            hasher.update(&unit.macros.digest().to_le_bytes());
            unit.seen.hash(&mut hasher);
        }
        if package_macros != 0 {
            hasher.update(b"\0macros");
            hasher.update(&package_macros.to_le_bytes());
        }
        Key(hasher.digest128())
    }

    /// What an earlier run made of `bytes`, a file of `kind` whose [`Cache::key`] is `key`;
    /// `None` when there is no entry, or one that cannot be read whole or does not describe
    /// these bytes.
    pub fn get(&self, key: &Key, kind: FileKind, bytes: &[u8]) -> Option<Result<Lowered, String>> {
        let stored = std::fs::read(self.path(key)).ok()?;
        let rest = stored.strip_prefix(MAGIC)?;
        let (written_for, rest) = rest.split_first_chunk::<16>()?;
        let (checksum, payload) = rest.split_first_chunk::<8>()?;
        if u128::from_le_bytes(*written_for) != key.0
            || u64::from_le_bytes(*checksum) != checksum_of(key, payload)
        {
            return None;
        }
        let (entry, unread): (Entry, &[u8]) = postcard::take_from_bytes(payload).ok()?;
        if !unread.is_empty() {
            return None;
        }
        let Stored { ir, errors } = match entry {
            Ok(stored) => stored,
            Err(message) => return Some(Err(message)),
        };
        let text = frontend::text_of(kind, bytes, &ir)?;
        spans::fit(&ir, &text).then_some(Ok(Lowered { text, ir, errors }))
    }

    /// Stores a front end's result. Failing to is not an error: the next run lowers again.
    pub fn put(&self, key: &Key, lowered: &Result<Lowered, String>) {
        let entry: Result<StoredRef, &str> = match lowered {
            Ok(lowered) => Ok(StoredRef {
                ir: &lowered.ir,
                errors: &lowered.errors,
            }),
            Err(message) => Err(message),
        };
        let Ok(payload) = postcard::to_stdvec(&entry) else {
            return;
        };
        let _ = self.write(key, &framed(key, &payload));
    }

    fn write(&self, key: &Key, bytes: &[u8]) -> std::io::Result<()> {
        if !self.dir.is_dir() {
            // Not `create_dir_all`: ptrwidth's own directory, made tagged when the cache was
            // opened, is not made again untagged if it was removed since.
            match std::fs::create_dir(&self.dir) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        let mut temporary = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut temporary, bytes)?;
        temporary.persist(self.path(key))?;
        Ok(())
    }

    /// Where the entry for `key` is stored (the file may not exist).
    pub(crate) fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{:032x}", key.0))
    }
}

/// An entry file's bytes: the magic, the key it is written for, the checksum of key and
/// payload, the payload.
pub(crate) fn framed(key: &Key, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(MAGIC.len() + 16 + 8 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&key.0.to_le_bytes());
    bytes.extend_from_slice(&checksum_of(key, payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// Covers the key an entry was written for with its payload, so that an entry moved to
/// another key is a miss.
fn checksum_of(key: &Key, payload: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&key.0.to_le_bytes());
    hasher.update(payload);
    hasher.digest()
}

/// Refuses a cache directory whose path, from `tree` down, passes through a symbolic link that
/// leads out of the tree (or nowhere): writing there would write, and pruning there delete,
/// where the tree's owner never pointed the cache. The parts that do not exist yet are made
/// as directories.
fn stays_inside(path: &Path, tree: &Path) -> Result<(), String> {
    let Ok(below) = path.strip_prefix(tree) else {
        return Ok(());
    };
    let real_tree = std::fs::canonicalize(tree).map_err(|e| {
        format!(
            "not used as the cache: {} cannot be resolved ({e}); files were read afresh",
            tree.display()
        )
    })?;
    let mut walked = tree.to_path_buf();
    for part in below.components() {
        walked.push(part);
        let Ok(meta) = std::fs::symlink_metadata(&walked) else {
            break;
        };
        let leads_in = || std::fs::canonicalize(&walked).is_ok_and(|r| r.starts_with(&real_tree));
        if meta.file_type().is_symlink() && !leads_in() {
            return Err(format!(
                "not used as the cache: {} is a symbolic link that leads out of {}; files were \
                 read afresh",
                walked.display(),
                tree.display()
            ));
        }
    }
    Ok(())
}

/// Makes ptrwidth's own directory, tagged: built under a temporary name and renamed into
/// place, so that it never exists without its tag, even to a run started at the same moment.
fn make_own_dir(root: &Path, own: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    let fresh = tempfile::Builder::new()
        .prefix(&format!(".{OWN_DIR}-"))
        .tempdir_in(root)?;
    std::fs::write(fresh.path().join(TAG_FILE), TAG)?;
    std::fs::rename(fresh.path(), own)?;
    // Renamed: there is nothing left under the temporary name to clean up.
    let _ = fresh.keep();
    Ok(())
}

/// Whether `own` holds ptrwidth's tag, as a file of its own (a link to a device or a pipe is
/// not read).
fn is_tagged(own: &Path) -> bool {
    let tag = own.join(TAG_FILE);
    if !std::fs::symlink_metadata(&tag).is_ok_and(|meta| meta.is_file()) {
        return false;
    }
    let mut content = Vec::new();
    std::fs::File::open(&tag)
        .and_then(|file| file.take(TAG.len() as u64 + 1).read_to_end(&mut content))
        .is_ok_and(|_| content == TAG.as_bytes())
}

/// Removes the directories other builds made in ptrwidth's own directory: entries named as a
/// build is, that are directories and not links to one.
fn remove_other_builds(own: &Path, build: &str) {
    let Ok(entries) = std::fs::read_dir(own) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_other_build = name.to_str().is_some_and(|name| {
            name != build
                && name.len() == build.len()
                && name.bytes().all(|b| b.is_ascii_hexdigit())
        });
        if is_other_build && entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Names the build whose entries a run reads: its sources and version, and the executable
/// itself (size and modification time), since the same sources built against other
/// dependency versions (`cargo install` without `--locked`) may lower files differently.
fn build_id() -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(SOURCE_ID.as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        hasher.update(&meta.len().to_le_bytes());
        if let Ok(since_epoch) = meta
            .modified()
            .map(|m| m.duration_since(std::time::UNIX_EPOCH).unwrap_or_default())
        {
            hasher.update(&since_epoch.as_nanos().to_le_bytes());
        }
    }
    format!("{:016x}", hasher.digest())
}

/// [`Stored`] borrowed from a result, so that storing it copies nothing.
#[derive(Serialize)]
struct StoredRef<'a> {
    ir: &'a FileIr,
    errors: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn lowered(kind: FileKind, text: &str) -> Result<Lowered, String> {
        crate::frontend::lower(kind, text.as_bytes().to_vec(), None)
    }

    fn open(root: &Path) -> Cache {
        Cache::open(&CacheDir::new(root, &[])).unwrap().unwrap()
    }

    /// `GWL_USERDATA` is the 32-bit index name, with a fix that renames it.
    const WINDOW_LONG_C: &str = "#include <windows.h>\n\
        LONG_PTR user_data(HWND hwnd) { return GetWindowLongPtrW(hwnd, GWL_USERDATA); }\n";

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        let root = tempfile::tempdir().unwrap();
        let cache = open(root.path());
        for (kind, source) in [
            (FileKind::Rust, "fn f(h: *mut u8) -> u32 { h as u32 }"),
            (FileKind::C, "\u{feff}int f(void *p) { return (int)p; }"),
        ] {
            let key = Cache::key(kind, source.as_bytes());
            assert!(cache.get(&key, kind, source.as_bytes()).is_none());
            let fresh = lowered(kind, source);
            cache.put(&key, &fresh);
            let cached = cache.get(&key, kind, source.as_bytes());
            let cached = cached.expect("stored").expect("lowered");
            let fresh = fresh.unwrap();
            assert_eq!(cached.text, fresh.text);
            assert_eq!(format!("{:?}", cached.ir), format!("{:?}", fresh.ir));
        }
    }

    #[test]
    fn failures_are_remembered_and_keys_depend_on_kind_and_bytes() {
        let root = tempfile::tempdir().unwrap();
        let cache = open(root.path());
        let key = Cache::key(FileKind::Rust, b"fn (");
        cache.put(&key, &lowered(FileKind::Rust, "fn ("));
        assert!(matches!(
            cache.get(&key, FileKind::Rust, b"fn ("),
            Some(Err(_))
        ));
        let other_kind = Cache::key(FileKind::C, b"fn (");
        let other_bytes = Cache::key(FileKind::Rust, b"fn ((");
        assert!(cache.get(&other_kind, FileKind::C, b"fn (").is_none());
        assert!(cache.get(&other_bytes, FileKind::Rust, b"fn ((").is_none());
    }

    #[test]
    fn in_a_users_directory_only_other_builds_in_ptrwidths_own_directory_are_removed() {
        // `--cache-dir d`, where d/0123456789abcdef is the user's, even tagged as a cache.
        let root = tempfile::tempdir().unwrap();
        let users = root.path().join("0123456789abcdef");
        std::fs::create_dir_all(&users).unwrap();
        std::fs::write(users.join("f"), "keep").unwrap();
        let cache = open(root.path());
        let key = Cache::key(FileKind::Rust, b"");
        cache.put(&key, &lowered(FileKind::Rust, ""));
        let own = root.path().join(OWN_DIR);
        assert!(is_tagged(&own));
        assert!(!root.path().join(TAG_FILE).exists());
        std::fs::write(root.path().join(TAG_FILE), TAG).unwrap();
        let other_build = own.join("fedcba9876543210");
        std::fs::create_dir_all(&other_build).unwrap();
        std::fs::write(other_build.join("0".repeat(32)), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&users, own.join("0000000000000000")).unwrap();

        let cache = open(root.path());
        assert!(!other_build.exists());
        assert_eq!(std::fs::read_to_string(users.join("f")).unwrap(), "keep");
        assert!(cache.get(&key, FileKind::Rust, b"").is_some());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["0123456789abcdef", TAG_FILE, OWN_DIR]);
    }

    #[test]
    fn a_directory_in_ptrwidths_place_that_it_did_not_make_is_not_used() {
        let root = tempfile::tempdir().unwrap();
        let theirs = root.path().join(OWN_DIR);
        std::fs::create_dir_all(theirs.join("0123456789abcdef")).unwrap();
        std::fs::write(
            theirs.join(TAG_FILE),
            "Signature: 8a477f597d28d172789f06886806bc55\n",
        )
        .unwrap();
        let refused = Cache::open(&CacheDir::new(root.path(), &[]));
        assert!(refused.is_err_and(|why| why.contains("not made by ptrwidth")));
        assert!(theirs.join("0123456789abcdef").is_dir());
        // An empty one holds nothing to lose: it becomes ptrwidth's.
        std::fs::remove_dir_all(&theirs).unwrap();
        std::fs::create_dir(&theirs).unwrap();
        open(root.path());
        assert!(is_tagged(&theirs));
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_that_a_symbolic_link_leads_out_of_the_tree_is_not_used() {
        // A clone that commits `target/ptrwidth-cache -> ../../elsewhere`.
        let scratch = tempfile::tempdir().unwrap();
        let tree = scratch.path().join("ws");
        let elsewhere = scratch.path().join("elsewhere");
        std::fs::create_dir_all(tree.join("target")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        let link = tree.join("target/ptrwidth-cache");
        std::os::unix::fs::symlink("../../elsewhere", &link).unwrap();
        let trees = [tree.clone()];
        let refused = Cache::open(&CacheDir::new(&link, &trees));
        assert!(refused.is_err_and(|why| why.contains("target/ptrwidth-cache is a symbolic link")));
        // Nor through a link further down, nor one that leads nowhere.
        std::fs::create_dir_all(tree.join("cache")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, tree.join("cache").join(OWN_DIR)).unwrap();
        assert!(Cache::open(&CacheDir::new(&tree.join("cache"), &trees)).is_err());
        std::os::unix::fs::symlink("../gone", tree.join("dangling")).unwrap();
        assert!(Cache::open(&CacheDir::new(&tree.join("dangling"), &trees)).is_err());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        // A link that stays inside the tree is followed, and so is any link outside it.
        std::os::unix::fs::symlink("target", tree.join("build")).unwrap();
        let inside = tree.join("build/inside");
        assert!(
            Cache::open(&CacheDir::new(&inside, &trees))
                .unwrap()
                .is_some()
        );
        assert!(tree.join("target/inside").join(OWN_DIR).is_dir());
        assert!(Cache::open(&CacheDir::new(&link, &[])).unwrap().is_some());
        assert!(is_tagged(&elsewhere.join(OWN_DIR)));
    }

    #[test]
    fn an_entry_is_believed_only_for_the_bytes_it_was_written_for() {
        let root = tempfile::tempdir().unwrap();
        let cache = open(root.path());
        let clean = b"fn f(p: *mut u8) -> usize { p as usize }";
        let bad = b"fn f(p: *mut u8) -> u32 { p as u32 }";
        let clean_key = Cache::key(FileKind::Rust, clean);
        let bad_key = Cache::key(FileKind::Rust, bad);
        cache.put(
            &clean_key,
            &lowered(FileKind::Rust, std::str::from_utf8(clean).unwrap()),
        );
        std::fs::copy(cache.path(&clean_key), cache.path(&bad_key)).unwrap();
        assert!(cache.get(&bad_key, FileKind::Rust, bad).is_none());
        assert!(cache.get(&clean_key, FileKind::Rust, clean).is_some());
    }

    #[test]
    fn an_entry_with_a_span_off_the_text_of_its_bytes_is_a_miss() {
        let root = tempfile::tempdir().unwrap();
        let cache = open(root.path());
        let short = WINDOW_LONG_C.as_bytes();
        let key = Cache::key(FileKind::C, short);
        let long =
            WINDOW_LONG_C.replace("\nLONG_PTR", &format!("\n/*{}*/\nLONG_PTR", "é".repeat(99)));
        // What the front end made of a longer text, given the shorter text: every span is
        // past its end.
        let mut forged = lowered(FileKind::C, &long).unwrap();
        forged.text = WINDOW_LONG_C.to_string();
        cache.put(&key, &Ok(forged));
        assert!(cache.get(&key, FileKind::C, short).is_none());
        // One span deep in the IR past the end, or inside a character, is enough.
        let accented = WINDOW_LONG_C.replace("hwnd)", "hwndé)");
        let key = Cache::key(FileKind::C, accented.as_bytes());
        let fresh = lowered(FileKind::C, &accented).unwrap();
        let inside_e = accented.find('é').unwrap() + 1;
        for span in [
            Span::new(0, accented.len() + 1),
            Span::new(inside_e, inside_e),
        ] {
            let mut forged = lowered(FileKind::C, &accented).unwrap();
            forged.ir.calls[0].args[1].name_span = Some(span);
            cache.put(&key, &Ok(forged));
            assert!(
                cache.get(&key, FileKind::C, accented.as_bytes()).is_none(),
                "{span:?}"
            );
        }
        cache.put(&key, &Ok(fresh));
        assert!(cache.get(&key, FileKind::C, accented.as_bytes()).is_some());
    }

    #[test]
    fn the_text_of_every_fixture_is_made_again_from_its_bytes() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let (inputs, _) = crate::discover::discover(&[fixtures], &[]);
        assert!(inputs.len() > 50);
        for input in inputs {
            let bytes = std::fs::read(&input.path).unwrap();
            if let Ok(lowered) = frontend::lower(input.kind, bytes.clone(), None) {
                let text = frontend::text_of(input.kind, &bytes, &lowered.ir);
                assert_eq!(
                    text.as_ref(),
                    Some(&lowered.text),
                    "{}",
                    input.path.display()
                );
                assert!(
                    spans::fit(&lowered.ir, &lowered.text),
                    "{}",
                    input.path.display()
                );
            }
        }
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let root = tempfile::tempdir().unwrap();
        let cache = open(root.path());
        let source = "fn f(h: *mut u8) -> u32 { h as u32 }";
        let key = Cache::key(FileKind::Rust, source.as_bytes());
        let get = || cache.get(&key, FileKind::Rust, source.as_bytes());
        cache.put(&key, &lowered(FileKind::Rust, source));
        let whole = std::fs::read(cache.path(&key)).unwrap();
        let mut flipped = whole.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut longer = whole.clone();
        longer.push(0);
        for damaged in [
            b"\xff\xff\xff".to_vec(),
            vec![0; 64],
            whole[..whole.len() / 2].to_vec(),
            flipped,
            longer,
        ] {
            std::fs::write(cache.path(&key), &damaged).unwrap();
            assert!(get().is_none(), "{damaged:?}");
        }
        std::fs::write(cache.path(&key), &whole).unwrap();
        assert!(get().is_some());
    }
}
