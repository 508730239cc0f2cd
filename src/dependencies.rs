//! The binding crates a Rust package depends on, found on disk without running cargo: the
//! direct dependencies its `Cargo.toml` names (normal and per-target), their versions from
//! `Cargo.lock`, their sources in cargo's registry (or at a `path`). Their declarations type
//! the calls the package makes into them; nothing in them is reported.
//!
//! Only crates that link a native library are read (a `links` key, as the `-sys` crates of C
//! libraries have): their declarations are what calls into C cross. A `-sys` crate without one
//! binds something else (`js-sys`, `web-sys`: WebAssembly) and is not read. The Windows
//! bindings (`windows-sys`, `winapi`, …, listed in `rules/data/win32-names.toml`) are left
//! out: the Win32 tables already hold what they declare.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::knowledge::names;

/// Where cargo keeps downloaded crates: `$CARGO_HOME`, else `.cargo` in the home directory.
pub fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    ["HOME", "USERPROFILE"]
        .iter()
        .find_map(|var| std::env::var_os(var).filter(|h| !h.is_empty()))
        .map(|home| PathBuf::from(home).join(".cargo"))
}

/// The source directories of the binding crates the packages at `package_roots` depend on
/// directly, found under `cargo_home`; each at most once.
pub fn binding_sources(package_roots: &BTreeSet<PathBuf>, cargo_home: &Path) -> Vec<PathBuf> {
    let mut found = BTreeSet::new();
    let registry = Registry::new(cargo_home);
    let mut locks: HashMap<PathBuf, Option<toml::Table>> = HashMap::new();
    for root in package_roots {
        let lock = root
            .ancestors()
            .map(|dir| dir.join("Cargo.lock"))
            .find(|path| path.is_file())
            .and_then(|path| {
                locks
                    .entry(path)
                    .or_insert_with_key(|path| read_toml(path))
                    .as_ref()
            });
        for dependency in direct_dependencies(root) {
            if names()
                .rust
                .windows_binding_crates
                .contains(&dependency.package)
            {
                continue;
            }
            let Some(dir) = registry.locate(&dependency, root, lock) else {
                continue;
            };
            let Some(manifest) = read_binding_manifest(&dir.join("Cargo.toml")) else {
                continue;
            };
            found.insert(library_dir(&dir, &manifest));
        }
    }
    found.into_iter().collect()
}

/// A dependency as a manifest names it.
#[derive(Debug, PartialEq, Eq)]
struct Dependency {
    /// The package's name (`package = "…"` when the dependency is renamed).
    package: String,
    path: Option<PathBuf>,
    /// The version requirement (`"0.4"`, `"^1.1.0"`).
    requirement: Option<String>,
}

/// The normal dependencies of the package at `root`, including those under
/// `[target.'cfg(…)'.dependencies]`; `workspace = true` entries take the workspace's.
fn direct_dependencies(root: &Path) -> Vec<Dependency> {
    let Some(manifest) = read_toml(&root.join("Cargo.toml")) else {
        return Vec::new();
    };
    let mut tables: Vec<&toml::Table> = Vec::new();
    if let Some(table) = manifest.get("dependencies").and_then(toml::Value::as_table) {
        tables.push(table);
    }
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        tables.extend(
            targets
                .values()
                .filter_map(|t| t.get("dependencies").and_then(toml::Value::as_table)),
        );
    }
    let workspace = || {
        root.ancestors()
            .skip(1)
            .filter_map(|dir| Some((dir, read_toml(&dir.join("Cargo.toml"))?)))
            .find(|(_, manifest)| manifest.get("workspace").is_some())
    };
    let mut dependencies = Vec::new();
    for table in tables {
        for (key, spec) in table {
            let inherited = spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
            let (spec, base) = if inherited {
                let Some((dir, manifest)) = workspace() else {
                    continue;
                };
                let Some(spec) = manifest
                    .get("workspace")
                    .and_then(|w| w.get("dependencies"))
                    .and_then(|d| d.get(key))
                    .cloned()
                else {
                    continue;
                };
                (spec, dir.to_path_buf())
            } else {
                (spec.clone(), root.to_path_buf())
            };
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_string();
            let path = spec
                .get("path")
                .and_then(toml::Value::as_str)
                .map(|p| lexical(&base.join(p)));
            let requirement = match &spec {
                toml::Value::String(version) => Some(version.clone()),
                other => other
                    .get("version")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string),
            };
            let dependency = Dependency {
                package,
                path,
                requirement,
            };
            if !dependencies.contains(&dependency) {
                dependencies.push(dependency);
            }
        }
    }
    dependencies
}

/// The crates cargo has unpacked (`$CARGO_HOME/registry/src/<index>/<name>-<version>`), listed
/// once for all dependencies.
struct Registry {
    indexes: Vec<PathBuf>,
    /// By crate name: each released version on disk, with its directory.
    releases: HashMap<String, Vec<(Vec<u64>, PathBuf)>>,
}

impl Registry {
    fn new(cargo_home: &Path) -> Self {
        let mut indexes: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry").join("src"))
            .into_iter()
            .flatten()
            .filter_map(|entry| Some(entry.ok()?.path()))
            .collect();
        indexes.sort();
        let mut releases: HashMap<String, Vec<(Vec<u64>, PathBuf)>> = HashMap::new();
        for entry in indexes
            .iter()
            .filter_map(|index| std::fs::read_dir(index).ok())
            .flatten()
            .flatten()
        {
            let dir = entry.path();
            let Some(file_name) = dir.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some((name, numbers)) = name_and_release(file_name) {
                releases
                    .entry(name.to_string())
                    .or_default()
                    .push((numbers, dir));
            }
        }
        Registry { indexes, releases }
    }

    /// The directory of a dependency's sources: its `path`, else the registry copy of the
    /// version `lock` pins for the package at `root`.
    fn locate(
        &self,
        dependency: &Dependency,
        root: &Path,
        lock: Option<&toml::Table>,
    ) -> Option<PathBuf> {
        if let Some(path) = &dependency.path {
            return path.is_dir().then(|| path.clone());
        }
        if let Some(version) = lock.and_then(|lock| locked_version(lock, root, &dependency.package))
        {
            let wanted = format!("{}-{version}", dependency.package);
            return self
                .indexes
                .iter()
                .map(|index| index.join(&wanted))
                .find(|dir| dir.join("Cargo.toml").is_file());
        }
        // No lock (a published crate is linted where cargo unpacked it): the newest version on
        // disk that the requirement accepts, as cargo would choose among them.
        let requirement = dependency
            .requirement
            .as_deref()
            .and_then(compatible_prefix);
        self.releases
            .get(&dependency.package)?
            .iter()
            .filter(|(numbers, dir)| {
                requirement
                    .as_ref()
                    .is_none_or(|(prefix, _)| numbers.starts_with(prefix))
                    && dir.join("Cargo.toml").is_file()
            })
            .max()
            .map(|(_, dir)| dir.clone())
    }
}

/// `libz-sys-1.1.0` as `libz-sys` and `[1, 1, 0]`; `None` for a pre-release or another name.
fn name_and_release(file_name: &str) -> Option<(&str, Vec<u64>)> {
    file_name
        .match_indices('-')
        .find_map(|(at, _)| Some((&file_name[..at], release_numbers(&file_name[at + 1..])?)))
}

/// The leading version numbers a caret requirement keeps (`0.4.2` → `[0, 4]`, `1.1` → `[1]`),
/// and the requirement's numbers.
fn compatible_prefix(requirement: &str) -> Option<(Vec<u64>, Vec<u64>)> {
    let first = requirement
        .split(',')
        .next()?
        .trim()
        .trim_start_matches(['^', '~', '=', '>'])
        .trim();
    let numbers: Vec<u64> = first.split('.').map_while(|n| n.parse().ok()).collect();
    let kept = numbers
        .iter()
        .position(|&n| n != 0)
        .map_or(numbers.len(), |i| i + 1);
    Some((numbers[..kept.min(numbers.len())].to_vec(), numbers)).filter(|(p, _)| !p.is_empty())
}

/// `1.2.3` as `[1, 2, 3]`; a pre-release (`1.2.3-rc.1`) is never chosen.
fn release_numbers(version: &str) -> Option<Vec<u64>> {
    let numbers: Option<Vec<u64>> = version.split('.').map(|n| n.parse().ok()).collect();
    numbers.filter(|n| n.len() == 3)
}

/// The version of `package` in the lock of the package at `root`: the one that package depends
/// on when the lock holds several.
fn locked_version(lock: &toml::Table, root: &Path, package: &str) -> Option<String> {
    let packages = lock.get("package")?.as_array()?;
    let field = |entry: &toml::Value, key: &str| entry.get(key)?.as_str().map(str::to_string);
    let versions: Vec<String> = packages
        .iter()
        .filter(|p| field(p, "name").as_deref() == Some(package))
        .filter_map(|p| field(p, "version"))
        .collect();
    if let [only] = versions.as_slice() {
        return Some(only.clone());
    }
    // Several versions: the lock entry of the package at `root` names the one it uses, as
    // `name version`.
    let own_name = read_toml(&root.join("Cargo.toml"))
        .and_then(|m| Some(m.get("package")?.get("name")?.as_str()?.to_string()))?;
    let own = packages
        .iter()
        .find(|p| field(p, "name").as_deref() == Some(own_name.as_str()))?;
    own.get("dependencies")?
        .as_array()?
        .iter()
        .filter_map(toml::Value::as_str)
        .find_map(|entry| {
            let mut words = entry.split(' ');
            (words.next() == Some(package))
                .then(|| words.next().map(str::to_string))
                .flatten()
        })
}

/// The directory of a crate's library target: that of `[lib] path`, else `src`.
fn library_dir(dir: &Path, manifest: &toml::Table) -> PathBuf {
    manifest
        .get("lib")
        .and_then(|lib| lib.get("path"))
        .and_then(toml::Value::as_str)
        .and_then(|path| dir.join(path).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.join("src"))
}

/// Manifests and locks are small; a larger file is not one.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

fn read_toml(path: &Path) -> Option<toml::Table> {
    read_text(path)?.parse().ok()
}

fn read_text(path: &Path) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > MAX_MANIFEST_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The manifest of a crate that links a native library (`[package] links = …`); most
/// dependencies do not, and their manifests, some large, are not parsed to learn it.
fn read_binding_manifest(path: &Path) -> Option<toml::Table> {
    let text = read_text(path)?;
    if !text.contains("links") {
        return None;
    }
    let manifest: toml::Table = text.parse().ok()?;
    manifest.get("package")?.get("links")?;
    Some(manifest)
}

/// `a/b/../c` as `a/c`: a path dependency as the walk of the tree names it.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn binding_crates_are_found_in_the_registry_at_their_locked_versions() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        write(
            &app.join("Cargo.toml"),
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nzlib = { package = \"libz-sys\", version = \"1\" }\nserde = \"1\"\nwindows-sys = \"0.61\"\n\n[target.'cfg(windows)'.dependencies]\nfoo-sys = \"0.2\"\n",
        );
        write(
            &app.join("Cargo.lock"),
            "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"foo-sys 0.2.1\", \"libz-sys\", \"serde\", \"windows-sys\"]\n\n[[package]]\nname = \"foo-sys\"\nversion = \"0.2.1\"\n\n[[package]]\nname = \"foo-sys\"\nversion = \"0.3.0\"\n\n[[package]]\nname = \"libz-sys\"\nversion = \"1.1.0\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"windows-sys\"\nversion = \"0.61.2\"\n",
        );
        let registry = dir.path().join("home/registry/src/index.crates.io-0");
        for (name, links) in [
            ("foo-sys-0.2.1", "links = \"foo\"\n"),
            ("foo-sys-0.3.0", "links = \"foo\"\n"),
            ("libz-sys-1.1.0", "links = \"z\"\n"),
            ("serde-1.0.0", ""),
            ("windows-sys-0.61.2", "links = \"windows\"\n"),
        ] {
            write(
                &registry.join(name).join("Cargo.toml"),
                &format!("[package]\nname = \"x\"\n{links}"),
            );
        }
        let roots = BTreeSet::from([app.clone()]);
        let found = binding_sources(&roots, &dir.path().join("home"));
        assert_eq!(
            found,
            vec![
                registry.join("foo-sys-0.2.1/src"),
                registry.join("libz-sys-1.1.0/src"),
            ]
        );
    }

    #[test]
    fn registry_directories_split_into_name_and_release() {
        assert_eq!(
            name_and_release("libz-sys-1.1.20"),
            Some(("libz-sys", vec![1, 1, 20]))
        );
        assert_eq!(
            name_and_release("foo-2d-0.3.0"),
            Some(("foo-2d", vec![0, 3, 0]))
        );
        assert_eq!(name_and_release("foo-1.0.0-rc.1"), None);
        assert_eq!(name_and_release("README"), None);
    }

    #[test]
    fn path_dependencies_are_read_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        write(
            &app.join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nouter-sys = { path = \"../outer\" }\nmissing-sys = { path = \"../missing\" }\n",
        );
        write(
            &dir.path().join("outer/Cargo.toml"),
            "[package]\nname = \"outer-sys\"\nlinks = \"outer\"\n[lib]\npath = \"bindings/lib.rs\"\n",
        );
        let roots = BTreeSet::from([app]);
        let found = binding_sources(&roots, &dir.path().join("none"));
        assert_eq!(found, vec![dir.path().join("outer/bindings")]);
    }

    #[test]
    fn without_a_lock_the_newest_accepted_version_on_disk_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        write(
            &app.join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nfoo-sys = \"0.4.1\"\nbar-sys = { version = \"1\" }\n",
        );
        let registry = dir.path().join("home/registry/src/i");
        for name in [
            "foo-sys-0.4.0",
            "foo-sys-0.4.10",
            "foo-sys-0.5.0",
            "foo-sys-0.4.11-rc.1",
            "bar-sys-1.2.0",
            "bar-sys-2.0.0",
        ] {
            write(
                &registry.join(name).join("Cargo.toml"),
                "[package]\nname = \"x\"\nlinks = \"x\"\n",
            );
        }
        let roots = BTreeSet::from([app]);
        let found = binding_sources(&roots, &dir.path().join("home"));
        assert_eq!(
            found,
            vec![
                registry.join("bar-sys-1.2.0/src"),
                registry.join("foo-sys-0.4.10/src")
            ]
        );
    }
}
