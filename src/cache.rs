//! The on-disk cache of what the front ends made of each file.
//!
//! Lowering is nearly all of a run's cost, and what a front end makes of a file depends only on
//! the file's kind and bytes and on the build of ptrwidth. An entry is keyed by a hash of the
//! kind and bytes, in a directory named after the build (its version and sources, and the
//! executable itself), so a changed file or a new build never reads a stale entry; an entry
//! carries a checksum, so a damaged one is never believed. The model and
//! the rules always run on the whole tree: they see every file, cached or not, and they are
//! cheap. Entries are written atomically (a temporary file renamed into place), so parallel
//! runs share a cache; a cache that cannot be read or written only costs the time it saves.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::FileKind;
use crate::frontend::Lowered;
use crate::model::ir::FileIr;

/// The sources and version this program was built from (`build.rs`); see [`build_id`].
const SOURCE_ID: &str = env!("PTRWIDTH_BUILD_ID");

/// Starts every entry, before the checksum and the payload: a file that does not start so
/// (truncated, zeroed, another program's) is a miss.
const MAGIC: &[u8; 8] = b"ptrwIR01";

/// The cache directory tag (bford.info/cachedir) that backup tools honour; ptrwidth also
/// reads it as proof that a directory is its cache before removing anything in it.
const TAG_FILE: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
                   # This file is a cache directory tag created by ptrwidth.\n";

pub struct Cache {
    root: PathBuf,
    /// `<root>/<build id>`.
    dir: PathBuf,
}

/// The cache key of one file's bytes.
pub struct Key(u128);

/// A front end's result, as stored; a file it could not read is stored as the message.
type Entry = Result<Stored, String>;

#[derive(Serialize, Deserialize)]
struct Stored {
    text: String,
    ir: FileIr,
    errors: Vec<String>,
}

impl Cache {
    /// The cache under `root`. Directories of other builds are removed, since nothing will
    /// read them, but only in a directory ptrwidth tagged as its cache and only those named
    /// as a build is: a `--cache-dir` that names a directory of the user's own loses nothing.
    pub fn open(root: &Path) -> Cache {
        let build = build_id();
        let tagged = std::fs::read_to_string(root.join(TAG_FILE)).is_ok_and(|tag| tag == TAG);
        if tagged && let Ok(entries) = std::fs::read_dir(root) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let is_build = name.to_str().is_some_and(|name| {
                    name.len() == build.len() && name.bytes().all(|b| b.is_ascii_hexdigit())
                });
                if is_build && name.to_str() != Some(build.as_str()) && entry.path().is_dir() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        Cache {
            root: root.to_path_buf(),
            dir: root.join(build),
        }
    }

    pub fn key(kind: FileKind, bytes: &[u8]) -> Key {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(format!("{kind:?}\0").as_bytes());
        hasher.update(bytes);
        Key(hasher.digest128())
    }

    /// The stored result for this key; `None` when there is none or it cannot be read whole.
    pub fn get(&self, key: &Key) -> Option<Result<Lowered, String>> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let (checksum, payload) = rest.split_first_chunk::<8>()?;
        if u64::from_le_bytes(*checksum) != xxhash_rust::xxh3::xxh3_64(payload) {
            return None;
        }
        let (entry, unread): (Entry, &[u8]) = postcard::take_from_bytes(payload).ok()?;
        if !unread.is_empty() {
            return None;
        }
        Some(entry.map(|Stored { text, ir, errors }| Lowered { text, ir, errors }))
    }

    /// Stores a front end's result. Failing to is not an error: the next run lowers again.
    pub fn put(&self, key: &Key, lowered: &Result<Lowered, String>) {
        let entry: Result<StoredRef, &str> = match lowered {
            Ok(lowered) => Ok(StoredRef {
                text: &lowered.text,
                ir: &lowered.ir,
                errors: &lowered.errors,
            }),
            Err(message) => Err(message),
        };
        let Ok(payload) = postcard::to_stdvec(&entry) else {
            return;
        };
        let _ = self.write(key, &framed(&payload));
    }

    fn write(&self, key: &Key, bytes: &[u8]) -> std::io::Result<()> {
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)?;
            let tag = self.root.join(TAG_FILE);
            if !tag.exists() {
                std::fs::write(tag, TAG)?;
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

/// An entry file's bytes: the magic, the payload's checksum, the payload.
pub(crate) fn framed(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(MAGIC.len() + 8 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
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
    text: &'a str,
    ir: &'a FileIr,
    errors: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(kind: FileKind, text: &str) -> Result<Lowered, String> {
        crate::frontend::lower(kind, text.as_bytes().to_vec())
    }

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path());
        let source = "fn f(h: *mut u8) -> u32 { h as u32 }";
        let key = Cache::key(FileKind::Rust, source.as_bytes());
        assert!(cache.get(&key).is_none());
        let fresh = lowered(FileKind::Rust, source);
        cache.put(&key, &fresh);
        let cached = cache.get(&key).expect("stored").expect("lowered");
        let fresh = fresh.unwrap();
        assert_eq!(cached.text, fresh.text);
        assert_eq!(format!("{:?}", cached.ir), format!("{:?}", fresh.ir));
    }

    #[test]
    fn failures_are_remembered_and_keys_depend_on_kind_and_bytes() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path());
        let key = Cache::key(FileKind::Rust, b"fn (");
        cache.put(&key, &lowered(FileKind::Rust, "fn ("));
        assert!(matches!(cache.get(&key), Some(Err(_))));
        let other_kind = Cache::key(FileKind::C, b"fn (");
        let other_bytes = Cache::key(FileKind::Rust, b"fn ((");
        assert!(cache.get(&other_kind).is_none());
        assert!(cache.get(&other_bytes).is_none());
    }

    #[test]
    fn only_other_builds_entries_in_a_tagged_cache_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let other_build = root.path().join("0123456789abcdef");
        let users_own = root.path().join("photos");
        for dir in [&other_build, &users_own] {
            std::fs::create_dir_all(dir).unwrap();
        }
        // Not tagged (a directory of the user's own): nothing is removed.
        let cache = Cache::open(root.path());
        assert!(other_build.exists() && users_own.exists());
        let key = Cache::key(FileKind::Rust, b"");
        cache.put(&key, &lowered(FileKind::Rust, ""));
        assert!(root.path().join(TAG_FILE).is_file());
        // Tagged by that first write: only the other build's directory goes.
        let cache = Cache::open(root.path());
        assert!(!other_build.exists());
        assert!(users_own.exists());
        assert!(cache.get(&key).is_some());
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path());
        let source = "fn f(h: *mut u8) -> u32 { h as u32 }";
        let key = Cache::key(FileKind::Rust, source.as_bytes());
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
            assert!(cache.get(&key).is_none(), "{damaged:?}");
        }
        std::fs::write(cache.path(&key), &whole).unwrap();
        assert!(cache.get(&key).is_some());
    }
}
