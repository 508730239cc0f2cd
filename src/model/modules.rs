//! Rust's module tree: the condition each Rust file is compiled under, and its module path.
//!
//! `#[cfg(target_os = "linux")] mod gtk;` compiles `gtk.rs` (and all it declares) only where
//! the condition holds, and `#[cfg(windows)] #[path = "windows/mod.rs"] mod platform;` beside
//! an Android twin picks one file of several per target. A file's condition is therefore what
//! holds along some chain of `mod` declarations from a file no `mod` names (a crate root, or a
//! file outside any module tree, which is linted as it is): the `or` over the declarations that
//! name it of the declaring file's condition `and` the declaration's. Files are found as rustc
//! finds them (`name.rs`, `name/mod.rs`, the directory of a non-`mod.rs` file, inline modules
//! as directories, `#[path]` relative to the declaring file), among the files of the run only.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::cfg::Cond;
use super::ir::{FileIr, Language, ModuleDecl};
use super::tree::{Location, normalize};

/// What the module tree says of each file, by file index.
#[derive(Default)]
pub(super) struct ModuleTree {
    /// The condition under which the file is compiled (`TRUE` for every file that is not Rust
    /// or that no `mod` declaration names).
    pub(super) conds: Vec<Cond>,
    /// The file's module path below its crate root (`["platform_impl", "windows"]`; empty for
    /// a root), by the first chain of declarations found; `None` outside any tree.
    pub(super) paths: Vec<Option<Vec<String>>>,
}

pub(super) fn module_tree(files: &[&FileIr], locations: &[Location]) -> ModuleTree {
    let by_path: HashMap<&Path, usize> = files
        .iter()
        .zip(locations)
        .enumerate()
        .filter(|(_, (file, _))| file.language == Language::Rust)
        .map(|(id, (_, location))| (location.path.as_path(), id))
        .collect();
    // (declaring file, declared file, condition of the declaration there, module path below
    // the declaring file's)
    let mut edges: Vec<(usize, usize, Cond, Vec<String>)> = Vec::new();
    for (parent, (file, location)) in files.iter().zip(locations).enumerate() {
        for decl in &file.modules {
            for (path_cond, path) in &decl.paths {
                let Some(child) = module_file(&location.path, decl, path.as_deref(), &by_path)
                else {
                    continue;
                };
                if child != parent {
                    let mut below = decl.inline.clone();
                    below.push(decl.name.clone());
                    edges.push((parent, child, decl.cond.and(*path_cond), below));
                }
            }
        }
    }
    let mut named = vec![false; files.len()];
    let mut children: Vec<Vec<(usize, Cond, &[String])>> = vec![Vec::new(); files.len()];
    for (parent, child, cond, below) in &edges {
        named[*child] = true;
        children[*parent].push((*child, *cond, below));
    }
    let mut paths: Vec<Option<Vec<String>>> = named
        .iter()
        .zip(files)
        .map(|(&named, file)| (!named && file.language == Language::Rust).then(Vec::new))
        .collect();
    let mut conds: Vec<Cond> = named
        .iter()
        .map(|&named| if named { Cond::FALSE } else { Cond::TRUE })
        .collect();
    // Each file's condition only gains targets as declarations reach it, and a condition has
    // finitely many values, so the walk ends, cycles of `#[path]` included.
    let mut queue: VecDeque<usize> = (0..files.len()).filter(|&id| !named[id]).collect();
    let mut reached = vec![false; files.len()];
    while let Some(parent) = queue.pop_front() {
        reached[parent] = true;
        for &(child, cond, below) in &children[parent] {
            if paths[child].is_none()
                && let Some(parent_path) = &paths[parent]
            {
                let mut path = parent_path.clone();
                path.extend_from_slice(below);
                paths[child] = Some(path);
            }
            let widened = conds[child].or(conds[parent].and(cond));
            if widened != conds[child] || !reached[child] {
                conds[child] = widened;
                reached[child] = true;
                queue.push_back(child);
            }
        }
    }
    // Files that only name each other, reached from no root, are linted as they are.
    for (cond, reached) in conds.iter_mut().zip(reached) {
        if !reached {
            *cond = Cond::TRUE;
        }
    }
    ModuleTree { conds, paths }
}

/// The file of the run that a `mod` declaration in `declaring` names.
fn module_file(
    declaring: &Path,
    decl: &ModuleDecl,
    path: Option<&str>,
    by_path: &HashMap<&Path, usize>,
) -> Option<usize> {
    let dir = declaring.parent()?;
    let stem = declaring.file_stem()?.to_string_lossy();
    // A crate root or `mod.rs` holds its modules beside it; `foo.rs` holds them in `foo/`.
    // Roots are not known by name (`src/bin/tool.rs`, an example), so the other place is
    // tried second.
    let beside = matches!(stem.as_ref(), "mod" | "lib" | "main" | "build");
    let own_dir = dir.join(stem.as_ref());
    let places: [&Path; 2] = if beside {
        [dir, &own_dir]
    } else {
        [&own_dir, dir]
    };
    let find = |candidate: PathBuf| by_path.get(normalize(&candidate).as_path()).copied();
    for base in places {
        let mut base = base.to_path_buf();
        base.extend(&decl.inline);
        let found = match path {
            // Outside inline modules a `#[path]` is relative to the declaring file's directory.
            Some(path) if decl.inline.is_empty() => find(dir.join(path)),
            Some(path) => find(base.join(path)),
            None => find(base.join(format!("{}.rs", decl.name)))
                .or_else(|| find(base.join(&decl.name).join("mod.rs"))),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;

    fn file(modules: Vec<ModuleDecl>) -> FileIr {
        FileIr {
            modules,
            ..FileIr::default()
        }
    }

    fn module(name: &str, cond: Cond, path: Option<&str>) -> ModuleDecl {
        ModuleDecl {
            name: name.to_string(),
            inline: Vec::new(),
            paths: vec![(Cond::TRUE, path.map(str::to_string))],
            cond,
        }
    }

    fn location(path: &str) -> Location {
        Location {
            display: path.to_string(),
            path: PathBuf::from(path),
            package_root: None,
            lint_root: PathBuf::from("/c"),
        }
    }

    #[test]
    fn conditions_follow_the_module_tree() {
        let windows = Cond::pred("target_os", Some("windows"));
        let linux = Cond::pred("target_os", Some("linux"));
        let files = [
            file(vec![
                module("gtk", linux, None),
                module("platform", windows, Some("win/mod.rs")),
                module("platform", linux, Some("linux/mod.rs")),
                module("util", Cond::TRUE, None),
            ]),
            file(vec![module("menu", Cond::TRUE, None)]),
            file(vec![]),
            file(vec![]),
            file(vec![]),
            file(vec![]),
            file(vec![]),
        ];
        let locations = [
            "/c/src/lib.rs",
            "/c/src/gtk/mod.rs",
            "/c/src/gtk/menu.rs",
            "/c/src/win/mod.rs",
            "/c/src/linux/mod.rs",
            "/c/src/util.rs",
            "/c/examples/orphan.rs",
        ]
        .map(location);
        let refs: Vec<&FileIr> = files.iter().collect();
        let tree = module_tree(&refs, &locations);
        let conds = tree.conds;
        let x64 = Target::parse("x86_64-pc-windows-msvc").unwrap();
        let live: Vec<bool> = conds.iter().map(|c| c.is_live(&x64)).collect();
        assert_eq!(live, [true, false, false, true, false, true, true]);
        let path = |id: usize| tree.paths[id].as_ref().map(|p| p.join("::"));
        assert_eq!(path(0).as_deref(), Some(""));
        assert_eq!(path(2).as_deref(), Some("gtk::menu"));
        assert_eq!(path(3).as_deref(), Some("platform"));
        assert_eq!(
            path(6).as_deref(),
            Some(""),
            "a file no `mod` names is a root"
        );
    }

    #[test]
    fn a_non_mod_rs_file_holds_its_modules_in_its_own_directory() {
        let files = [
            file(vec![module("imp", Cond::FALSE, None)]),
            file(vec![]),
            file(vec![]),
        ];
        let locations = ["/c/src/sys.rs", "/c/src/sys/imp.rs", "/c/src/imp.rs"].map(location);
        let refs: Vec<&FileIr> = files.iter().collect();
        let conds = module_tree(&refs, &locations).conds;
        assert_eq!(conds, [Cond::TRUE, Cond::FALSE, Cond::TRUE]);
    }
}
