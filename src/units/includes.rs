//! Where an `#include` leads: the files of the run by path, the include path of each unit
//! (from `compile_commands.json`, else the configuration, else the tree's `include/`
//! directories), and the headers the SDK provides.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use crate::model::tree::normalize;

const SDK_HEADERS: &str = include_str!("../../rules/data/sdk-headers.txt");

/// The headers of the Windows SDK, the C runtime and the C++ library, lower-cased.
static SDK: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    SDK_HEADERS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// The key a path is looked up by: Windows file systems ignore case, and an `#include` often
/// spells a name otherwise than the file.
fn key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/").to_lowercase()
}

/// What an include names, resolved.
pub enum Found {
    File(u32),
    Sdk,
    Missing,
}

/// The C and C++ files of the run, for include resolution.
pub struct TreeIndex {
    by_path: HashMap<String, u32>,
    /// By lower-cased file name: every file of that name, for trees without build information.
    by_name: HashMap<String, Vec<u32>>,
    paths: Vec<PathBuf>,
}

impl TreeIndex {
    /// `paths` are absolute and normalized; index `i` is file `i`.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        let mut by_path = HashMap::default();
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, path) in paths.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else {
                break;
            };
            by_path.entry(key(path)).or_insert(id);
            if let Some(name) = path.file_name() {
                by_name
                    .entry(name.to_string_lossy().to_lowercase())
                    .or_default()
                    .push(id);
            }
        }
        TreeIndex {
            by_path,
            by_name,
            paths,
        }
    }

    pub fn path(&self, id: u32) -> &Path {
        &self.paths[id as usize]
    }

    /// The tree's directories named `include`, the include path a unit without build
    /// information gets.
    pub fn include_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .paths
            .iter()
            .flat_map(|path| path.ancestors().skip(1))
            .filter(|dir| {
                dir.file_name()
                    .is_some_and(|name| name.eq_ignore_ascii_case("include"))
            })
            .map(Path::to_path_buf)
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    fn at(&self, path: &Path) -> Option<u32> {
        self.by_path.get(&key(&normalize(path))).copied()
    }

    /// Resolves `#include "spelled"` (or `<spelled>` when `angled`) from the file `from`, with
    /// the unit's include path `dirs`: the including file's directory (quoted only), then the
    /// include path; then the SDK for an angled name, and a file of the tree whose path ends in
    /// the spelled name (the nearest to `from`), since a tree linted without its build files
    /// still includes its own headers; the SDK after that for a quoted name.
    pub fn resolve(&self, from: u32, spelled: &str, angled: bool, dirs: &[PathBuf]) -> Found {
        let spelled = spelled.trim().replace('\\', "/");
        if spelled.is_empty() {
            return Found::Missing;
        }
        let relative = Path::new(&spelled);
        if relative.is_absolute() {
            return self.at(relative).map_or(Found::Missing, Found::File);
        }
        let own_dir = (!angled)
            .then(|| self.path(from).parent())
            .flatten()
            .map(Path::to_path_buf);
        for dir in own_dir.iter().chain(dirs) {
            if let Some(id) = self.at(&dir.join(relative)) {
                return Found::File(id);
            }
        }
        let sdk = SDK.contains(spelled.to_lowercase().as_str());
        if angled && sdk {
            return Found::Sdk;
        }
        if let Some(id) = self.nearest_ending_in(from, &spelled) {
            return Found::File(id);
        }
        if sdk { Found::Sdk } else { Found::Missing }
    }

    fn nearest_ending_in(&self, from: u32, spelled: &str) -> Option<u32> {
        let wanted = spelled.to_lowercase();
        let wanted = wanted.trim_start_matches("./");
        if wanted.starts_with("../") {
            return None;
        }
        let name = wanted.rsplit('/').next()?;
        let suffix = format!("/{wanted}");
        let from_key = key(self.path(from));
        self.by_name
            .get(name)?
            .iter()
            .copied()
            .filter(|&id| key(self.path(id)).ends_with(&suffix))
            .max_by_key(|&id| {
                let candidate = key(self.path(id));
                let shared = candidate
                    .bytes()
                    .zip(from_key.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                // Nearest first; the first in path order among equals.
                (shared, std::cmp::Reverse(id))
            })
    }
}

/// How one translation unit is compiled, as far as the preprocessor cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub include_dirs: Vec<PathBuf>,
    /// `NAME` or `NAME=VALUE`, in order; an `-U` is `(name, false)`.
    pub macros: Vec<(String, bool)>,
    /// Headers read before the first line (`-include`, `/FI`), as given.
    pub forced_includes: Vec<String>,
    /// The language the command compiles the file as (`-x c++`, `/TP`, `/TC`): `Some(true)`
    /// for C++.
    pub cpp: Option<bool>,
    /// `__cplusplus` (and MSVC's `_MSVC_LANG`) as `-std=c++17` or `/std:c++17` set it.
    pub cpp_standard: Option<&'static str>,
}

/// The flags of each source file a `compile_commands.json` lists, by [`key`] of its path.
#[derive(Default)]
pub struct CompileCommands {
    by_file: HashMap<String, Flags>,
}

impl CompileCommands {
    /// Reads `compile_commands.json` in each directory given and its `build/`; what cannot be
    /// read is said in the returned notes.
    pub fn discover(dirs: &[PathBuf]) -> (CompileCommands, Vec<String>) {
        let mut commands = CompileCommands::default();
        let mut notes = Vec::new();
        for dir in dirs {
            for candidate in [
                dir.join("compile_commands.json"),
                dir.join("build/compile_commands.json"),
            ] {
                if !candidate.is_file() {
                    continue;
                }
                let read = crate::source::read_bytes(&candidate, crate::source::MAX_FILE_BYTES)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
                match read {
                    Ok(json) => commands.add(&json),
                    Err(why) => notes.push(format!("{}: {why}; not used", candidate.display())),
                }
            }
        }
        (commands, notes)
    }

    fn add(&mut self, json: &serde_json::Value) {
        for entry in json.as_array().into_iter().flatten() {
            let Some(file) = entry.get("file").and_then(|f| f.as_str()) else {
                continue;
            };
            let directory = PathBuf::from(
                entry
                    .get("directory")
                    .and_then(|d| d.as_str())
                    .unwrap_or(""),
            );
            let arguments: Vec<String> = match entry.get("arguments").and_then(|a| a.as_array()) {
                Some(arguments) => arguments
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                None => entry
                    .get("command")
                    .and_then(|c| c.as_str())
                    .and_then(shlex::split)
                    .unwrap_or_default(),
            };
            let path = normalize(&directory.join(file));
            self.by_file
                .insert(key(&path), parse_flags(&directory, &arguments));
        }
    }

    pub fn flags_of(&self, path: &Path) -> Option<&Flags> {
        self.by_file.get(&key(path))
    }

    pub fn is_empty(&self) -> bool {
        self.by_file.is_empty()
    }
}

/// `__cplusplus` for a C++ standard named as `-std=` and `/std:` name it (`c++17`, `gnu++20`,
/// `c++latest`); `None` for a C standard.
fn cpp_standard(standard: &str) -> Option<&'static str> {
    let year = standard
        .strip_prefix("c++")
        .or_else(|| standard.strip_prefix("gnu++"))?;
    Some(match year {
        "98" | "03" => "199711L",
        "11" | "0x" => "201103L",
        "14" | "1y" => "201402L",
        "17" | "1z" => "201703L",
        "20" | "2a" => "202002L",
        _ => "202302L",
    })
}

/// The include directories and macros of a compiler command line, GCC/clang (`-I`, `-isystem`,
/// `-D`, `-U`) or MSVC (`/I`, `/D`, `/U`, also with `-`), joined or as the next argument.
fn parse_flags(directory: &Path, arguments: &[String]) -> Flags {
    let mut flags = Flags::default();
    // `/I` is a path on other compilers' command lines.
    let msvc = arguments.first().is_some_and(|compiler| {
        let stem = Path::new(compiler)
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_lowercase();
        stem == "cl" || stem == "clang-cl"
    });
    let mut rest = arguments.iter().skip(1);
    while let Some(argument) = rest.next() {
        let mut value_of = |option: &str| -> Option<String> {
            let tail = argument.strip_prefix(option)?;
            if tail.is_empty() {
                rest.next().cloned()
            } else {
                Some(tail.to_owned())
            }
        };
        let msvc_option = msvc && argument.starts_with('/');
        match argument.as_str() {
            "/TP" | "-TP" if msvc => flags.cpp = Some(true),
            "/TC" | "-TC" if msvc => flags.cpp = Some(false),
            _ => {}
        }
        if let Some(standard) = argument
            .strip_prefix("-std=")
            .or_else(|| argument.strip_prefix("/std:").filter(|_| msvc))
        {
            flags.cpp_standard = cpp_standard(standard);
            continue;
        }
        let forced = if msvc_option {
            value_of("/FI")
        } else {
            value_of("-include")
        };
        if let Some(header) = forced {
            flags.forced_includes.push(header);
            continue;
        }
        if !msvc_option && let Some(language) = value_of("-x") {
            flags.cpp = Some(language.starts_with("c++"));
            continue;
        }
        let (include, define, undefine) = if msvc_option {
            (value_of("/I"), value_of("/D"), value_of("/U"))
        } else {
            (
                value_of("-isystem")
                    .or_else(|| value_of("-iquote"))
                    .or_else(|| value_of("-I")),
                value_of("-D"),
                value_of("-U"),
            )
        };
        if let Some(dir) = include {
            flags.include_dirs.push(normalize(&directory.join(dir)));
        } else if let Some(name) = define {
            flags.macros.push((name, true));
        } else if let Some(name) = undefine {
            flags.macros.push((name, false));
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(paths: &[&str]) -> TreeIndex {
        TreeIndex::new(paths.iter().map(PathBuf::from).collect())
    }

    fn file(found: Found) -> Option<u32> {
        match found {
            Found::File(id) => Some(id),
            _ => None,
        }
    }

    #[test]
    fn quoted_includes_look_beside_the_includer_then_the_include_path() {
        let tree = index(&[
            "/p/src/a.c",
            "/p/src/a.h",
            "/p/include/a.h",
            "/p/include/uv/win.h",
        ]);
        let dirs = [PathBuf::from("/p/include")];
        assert_eq!(file(tree.resolve(0, "a.h", false, &dirs)), Some(1));
        assert_eq!(file(tree.resolve(0, "a.h", true, &dirs)), Some(2));
        assert_eq!(file(tree.resolve(0, "uv\\WIN.H", false, &dirs)), Some(3));
        assert_eq!(file(tree.resolve(0, "../include/a.h", false, &[])), Some(2));
    }

    #[test]
    fn a_tree_without_build_files_still_finds_its_headers_and_the_sdk() {
        let tree = index(&[
            "/p/app/x.cpp",
            "/p/lib/one/util.h",
            "/p/app/sub/util.h",
            "/p/win/windows.h",
        ]);
        assert_eq!(file(tree.resolve(0, "util.h", false, &[])), Some(2));
        assert_eq!(file(tree.resolve(0, "one/util.h", false, &[])), Some(1));
        assert!(matches!(
            tree.resolve(0, "windows.h", true, &[]),
            Found::Sdk
        ));
        assert_eq!(file(tree.resolve(0, "windows.h", false, &[])), Some(3));
        assert!(matches!(tree.resolve(0, "vector", true, &[]), Found::Sdk));
        assert!(matches!(
            tree.resolve(0, "openssl/ssl.h", true, &[]),
            Found::Missing
        ));
        assert!(matches!(tree.resolve(0, "", false, &[]), Found::Missing));
    }

    #[test]
    fn compile_commands_give_include_paths_and_macros() {
        let json = serde_json::json!([
            {"directory": "/b", "file": "../p/a.c", "command": "cc -I inc -Isys -DX=1 -U Y -c ../p/a.c"},
            {"directory": "/b", "file": "/p/b.cpp", "arguments": ["cl.exe", "/Iwin", "/D", "UNICODE", "/c", "b.cpp"]}
        ]);
        let mut commands = CompileCommands::default();
        commands.add(&json);
        let a = commands.flags_of(Path::new("/p/a.c")).unwrap();
        assert_eq!(
            a.include_dirs,
            [PathBuf::from("/b/inc"), PathBuf::from("/b/sys")]
        );
        assert_eq!(
            a.macros,
            [("X=1".to_string(), true), ("Y".to_string(), false)]
        );
        let b = commands.flags_of(Path::new("/P/B.CPP")).unwrap();
        assert_eq!(b.include_dirs, [PathBuf::from("/b/win")]);
        assert_eq!(b.macros, [("UNICODE".to_string(), true)]);
    }

    #[test]
    fn forced_includes_language_and_standard_come_from_the_command() {
        let json = serde_json::json!([
            {"directory": "/b", "file": "/p/a.h", "command": "g++ -x c++ -std=gnu++20 -include pch.h -c /p/a.h"},
            {"directory": "/b", "file": "/p/b.c", "arguments": ["cl.exe", "/TP", "/std:c++17", "/FIstdafx.h", "/c", "b.c"]},
            {"directory": "/b", "file": "/p/c.c", "command": "cc -std=c11 -c /p/c.c"}
        ]);
        let mut commands = CompileCommands::default();
        commands.add(&json);
        let a = commands.flags_of(Path::new("/p/a.h")).unwrap();
        assert_eq!(a.forced_includes, ["pch.h"]);
        assert_eq!((a.cpp, a.cpp_standard), (Some(true), Some("202002L")));
        let b = commands.flags_of(Path::new("/p/b.c")).unwrap();
        assert_eq!(b.forced_includes, ["stdafx.h"]);
        assert_eq!((b.cpp, b.cpp_standard), (Some(true), Some("201703L")));
        let c = commands.flags_of(Path::new("/p/c.c")).unwrap();
        assert_eq!((c.cpp, c.cpp_standard), (None, None));
    }
}
