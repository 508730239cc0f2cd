//! The on-disk cache of what the front ends made of each file.
//!
//! Lowering is nearly all of a run's cost, and what a front end makes of a file depends only on
//! the file's kind and bytes and on the build of ptrwidth. An entry is keyed by a hash of the
//! kind and bytes, in a directory named after the build (its version, sources and locked
//! dependencies), so a changed file or a new build never reads a stale entry. The model and
//! the rules always run on the whole tree: they see every file, cached or not, and they are
//! cheap. Entries are written atomically (a temporary file renamed into place), so parallel
//! runs share a cache; a cache that cannot be read or written only costs the time it saves.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::FileKind;
use crate::frontend::Lowered;
use crate::model::ir::FileIr;

/// Identifies the build: entries written by another build are never read.
const BUILD_ID: &str = env!("PTRWIDTH_BUILD_ID");

pub struct Cache {
    /// `<root>/<BUILD_ID>`.
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
    /// The cache under `root`. Directories of other builds are removed: nothing will read them.
    pub fn open(root: &Path) -> Cache {
        if let Ok(entries) = std::fs::read_dir(root) {
            for entry in entries.flatten() {
                if entry.file_name() != BUILD_ID && entry.path().is_dir() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        Cache {
            dir: root.join(BUILD_ID),
        }
    }

    pub fn key(kind: FileKind, bytes: &[u8]) -> Key {
        let mut input = Vec::with_capacity(bytes.len() + 16);
        input.extend_from_slice(format!("{kind:?}\0").as_bytes());
        input.extend_from_slice(bytes);
        Key(xxhash_rust::xxh3::xxh3_128(&input))
    }

    /// The stored result for this key; `None` when there is none or it cannot be read.
    pub fn get(&self, key: &Key) -> Option<Result<Lowered, String>> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry = postcard::from_bytes(&bytes).ok()?;
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
        let Ok(bytes) = postcard::to_stdvec(&entry) else {
            return;
        };
        let _ = self.write(key, &bytes);
    }

    fn write(&self, key: &Key, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut temporary = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut temporary, bytes)?;
        temporary.persist(self.path(key))?;
        Ok(())
    }

    fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{:032x}", key.0))
    }
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
    fn other_builds_entries_are_removed_and_a_corrupt_entry_is_a_miss() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("0123456789abcdef")).unwrap();
        let cache = Cache::open(root.path());
        assert!(!root.path().join("0123456789abcdef").exists());
        let key = Cache::key(FileKind::Rust, b"");
        std::fs::create_dir_all(&cache.dir).unwrap();
        std::fs::write(cache.path(&key), b"\xff\xff\xff").unwrap();
        assert!(cache.get(&key).is_none());
    }
}
