//! The layer order in ARCHITECTURE.md holds for the code: every file of `src/` is placed in a
//! layer, and no file refers to a file of a higher layer (so no import cycle leaves a layer).
//!
//! References are read from the tokens of each file, test modules included: `crate::`,
//! `super::` and `self::` paths (`use` trees expanded), paths through a module the file
//! declares (`mod lower;` … `lower::lower(…)`), and `ptrwidth::` in the binaries. Each is
//! resolved to the file of the deepest module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// One layer of the order: its name and the files and directories (`dir/`) it holds.
struct Layer {
    name: String,
    entries: Vec<String>,
}

/// The `## Layers` section: a numbered list, lowest layer first, of
/// `1. **name**: `file.rs`, `dir/``.
fn layers_of(architecture: &str) -> Result<Vec<Layer>, String> {
    let start = architecture
        .lines()
        .position(|line| line.trim() == "## Layers")
        .ok_or("ARCHITECTURE.md has no `## Layers` section")?;
    let mut layers = Vec::new();
    for line in architecture.lines().skip(start + 1) {
        if line.starts_with("## ") {
            break;
        }
        let Some((number, rest)) = line.split_once(". ") else {
            continue;
        };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (name, files) = rest
            .split_once(':')
            .ok_or_else(|| format!("layer line without `name:`: {line}"))?;
        let entries = files
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        layers.push(Layer {
            name: name.trim().trim_matches('*').to_string(),
            entries,
        });
    }
    if layers.is_empty() {
        return Err("the `## Layers` section lists no layer".to_string());
    }
    Ok(layers)
}

/// Every `.rs` file under `dir`, as a path relative to `root` with `/` separators.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The module path of a library file: `model/mod.rs` → `model`, `model/ir.rs` → `model::ir`.
fn module_of(file: &str) -> Vec<String> {
    let mut segments: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    segments
}

/// Places each file in the layer of its most specific entry: a file entry over a directory,
/// a deeper directory over a shallower one.
fn place(files: &[String], layers: &[Layer]) -> Result<BTreeMap<String, usize>, Vec<String>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for layer in layers {
        for entry in &layer.entries {
            if !seen.insert(entry.as_str()) {
                problems.push(format!("`{entry}` is listed in more than one layer"));
            }
            let matches = |file: &String| match entry.strip_suffix('/') {
                Some(_) => file.starts_with(entry.as_str()),
                None => file == entry,
            };
            if !files.iter().any(matches) {
                problems.push(format!(
                    "layer `{}` lists `{entry}`, which is no file or directory of src/",
                    layer.name
                ));
            }
        }
    }
    let mut placed = BTreeMap::new();
    for file in files {
        let best = layers
            .iter()
            .enumerate()
            .flat_map(|(index, layer)| layer.entries.iter().map(move |e| (index, e)))
            .filter(|(_, entry)| match entry.strip_suffix('/') {
                Some(_) => file.starts_with(entry.as_str()),
                None => *entry == file,
            })
            .max_by_key(|(_, entry)| (!entry.ends_with('/'), entry.len()));
        match best {
            Some((index, _)) => {
                placed.insert(file.clone(), index);
            }
            None => problems.push(format!(
                "src/{file} is in no layer: add it to the `## Layers` section of ARCHITECTURE.md"
            )),
        }
    }
    if problems.is_empty() {
        Ok(placed)
    } else {
        Err(problems)
    }
}

/// A path a file refers to, from the module it is written in, with its line.
struct Reference {
    line: usize,
    /// The module the path is relative to, after `crate`, `self` and `super` are applied.
    segments: Vec<String>,
}

fn is_path_separator(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn ident(tokens: &[TokenTree], at: usize) -> Option<String> {
    match tokens.get(at) {
        Some(TokenTree::Ident(ident)) => Some(ident.to_string()),
        _ => None,
    }
}

struct Scanner<'a> {
    /// The file's own module, and the modules it declares from files (`mod name;`).
    file_module: Vec<String>,
    children: &'a BTreeSet<String>,
    /// `ptrwidth` names the library in the binaries, as `crate` does inside it.
    crate_names: &'a [&'a str],
    references: Vec<Reference>,
}

impl Scanner<'_> {
    /// Walks a token stream written in module `module`.
    fn scan(&mut self, stream: TokenStream, module: &[String]) {
        let tokens: Vec<TokenTree> = stream.into_iter().collect();
        let mut at = 0;
        while at < tokens.len() {
            // `mod name { ... }`: its paths are relative to the inline module.
            if ident(&tokens, at).as_deref() == Some("mod")
                && let Some(name) = ident(&tokens, at + 1)
                && let Some(TokenTree::Group(body)) = tokens.get(at + 2)
                && body.delimiter() == Delimiter::Brace
            {
                let mut inner = module.to_vec();
                inner.push(name);
                self.scan(body.stream(), &inner);
                at += 3;
                continue;
            }
            let after_separator = at >= 2 && is_path_separator(&tokens, at - 2);
            let after_dot =
                at >= 1 && matches!(&tokens[at - 1], TokenTree::Punct(p) if p.as_char() == '.');
            if let Some(first) = ident(&tokens, at)
                && !after_separator
                && !after_dot
                && is_path_separator(&tokens, at + 1)
            {
                let base = match first.as_str() {
                    name if self.crate_names.contains(&name) => Some(Vec::new()),
                    "self" => Some(module.to_vec()),
                    "super" => Some(module[..module.len().saturating_sub(1)].to_vec()),
                    name if module == self.file_module && self.children.contains(name) => {
                        let mut child = module.to_vec();
                        child.push(name.to_string());
                        Some(child)
                    }
                    _ => None,
                };
                if let Some(base) = base {
                    at = self.path(&tokens, at + 1, base);
                    continue;
                }
            }
            if let TokenTree::Group(group) = &tokens[at] {
                self.scan(group.stream(), module);
            }
            at += 1;
        }
    }

    /// Reads the rest of a path from `::` at `at`, expanding `{a, b::c}` groups; returns
    /// where the path ends.
    fn path(&mut self, tokens: &[TokenTree], mut at: usize, mut segments: Vec<String>) -> usize {
        let line = tokens[at].span().start().line;
        while is_path_separator(tokens, at) {
            match tokens.get(at + 2) {
                Some(TokenTree::Ident(next)) => {
                    let next = next.to_string();
                    if next == "super" {
                        segments.pop();
                    } else if next != "self" {
                        segments.push(next);
                    }
                    at += 3;
                }
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                    self.tree(group.stream(), &segments);
                    return at + 3;
                }
                _ => break,
            }
        }
        self.references.push(Reference { line, segments });
        at
    }

    /// The items of a `use` group, each a path from `prefix`.
    fn tree(&mut self, stream: TokenStream, prefix: &[String]) {
        let tokens: Vec<TokenTree> = stream.into_iter().collect();
        for item in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
            let Some(first) = item.first() else {
                continue;
            };
            let line = first.span().start().line;
            let mut segments = prefix.to_vec();
            match first {
                TokenTree::Ident(name) if name == "self" => {}
                TokenTree::Ident(name) => segments.push(name.to_string()),
                TokenTree::Group(group) => {
                    self.tree(group.stream(), prefix);
                    continue;
                }
                _ => {}
            }
            if is_path_separator(item, 1) {
                self.path(item, 1, segments);
            } else {
                self.references.push(Reference { line, segments });
            }
        }
    }
}

/// The modules a file declares as files of their own (`mod name;`).
fn declared_children(stream: TokenStream) -> BTreeSet<String> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    (0..tokens.len())
        .filter(|&at| ident(&tokens, at).as_deref() == Some("mod"))
        .filter(|&at| matches!(tokens.get(at + 2), Some(TokenTree::Punct(p)) if p.as_char() == ';'))
        .filter_map(|at| ident(&tokens, at + 1))
        .collect()
}

/// An import from one file to another, with the line it is written on.
struct Edge {
    from: String,
    line: usize,
    to: String,
}

fn edges(src: &Path, files: &[String]) -> Vec<Edge> {
    let modules: BTreeMap<Vec<String>, &String> = files
        .iter()
        .filter(|file| !file.starts_with("bin/"))
        .map(|file| (module_of(file), file))
        .collect();
    let mut edges = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let stream = TokenStream::from_str(&text)
            .unwrap_or_else(|e| panic!("src/{file} does not lex: {e:?}"));
        let binary = file.starts_with("bin/");
        let file_module = if binary { Vec::new() } else { module_of(file) };
        let children = if binary {
            BTreeSet::new()
        } else {
            declared_children(stream.clone())
        };
        let crate_names: &[&str] = if binary { &["ptrwidth"] } else { &["crate"] };
        let mut scanner = Scanner {
            file_module: file_module.clone(),
            children: &children,
            crate_names,
            references: Vec::new(),
        };
        scanner.scan(stream, &file_module);
        for reference in scanner.references {
            // The deepest module of the path that is a file of its own.
            let to = (0..=reference.segments.len())
                .rev()
                .find_map(|n| modules.get(&reference.segments[..n]))
                .copied();
            if let Some(to) = to.filter(|to| *to != file) {
                edges.push(Edge {
                    from: file.clone(),
                    line: reference.line,
                    to: to.clone(),
                });
            }
        }
    }
    edges
}

/// The files that can reach each other (strongly connected components of more than one file).
fn cycles(edges: &[Edge]) -> Vec<BTreeSet<String>> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in edges {
        next.entry(&edge.from).or_default().insert(&edge.to);
    }
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(file) = stack.pop() {
            for &to in next.get(file).into_iter().flatten() {
                if seen.insert(to) {
                    stack.push(to);
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&str, BTreeSet<&str>> =
        next.keys().map(|&file| (file, reach(file))).collect();
    let mut components: Vec<BTreeSet<String>> = Vec::new();
    for (&file, reached) in &reachable {
        if !reached.contains(file) || components.iter().any(|c| c.contains(file)) {
            continue;
        }
        let component = reached
            .iter()
            .filter(|other| reachable.get(*other).is_some_and(|r| r.contains(file)))
            .map(|other| other.to_string())
            .collect();
        components.push(component);
    }
    components
}

fn check(root: &Path) -> Vec<String> {
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let layers = match layers_of(&architecture) {
        Ok(layers) => layers,
        Err(problem) => return vec![problem],
    };
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    let placed = match place(&files, &layers) {
        Ok(placed) => placed,
        Err(problems) => return problems,
    };
    let layer = |file: &str| {
        let index = placed[file];
        format!("layer {} `{}`", index + 1, layers[index].name)
    };
    let edges = edges(&src, &files);
    let mut problems: Vec<String> = edges
        .iter()
        .filter(|edge| placed[&edge.to] > placed[&edge.from])
        .map(|edge| {
            format!(
                "src/{}:{}: imports src/{}, but {} may not use {}, which is higher",
                edge.from,
                edge.line,
                edge.to,
                layer(&edge.from),
                layer(&edge.to)
            )
        })
        .collect();
    for component in cycles(&edges) {
        let spanned: BTreeSet<usize> = component.iter().map(|file| placed[file]).collect();
        if spanned.len() > 1 {
            let members: Vec<String> = spanned
                .iter()
                .map(|&index| {
                    let files: Vec<&str> = component
                        .iter()
                        .filter(|file| placed[*file] == index)
                        .map(String::as_str)
                        .collect();
                    format!(
                        "layer {} `{}` (src/{})",
                        index + 1,
                        layers[index].name,
                        files.join(", src/")
                    )
                })
                .collect();
            problems.push(format!(
                "an import cycle spans layers: {}",
                members.join("; ")
            ));
        }
    }
    problems
}

#[test]
fn imports_only_point_down_the_layers_of_architecture_md() {
    let problems = check(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The check itself, on a small tree: an import up the order, a cycle across layers and an
/// unplaced file are each reported with the file, the line and the layers.
#[test]
fn an_import_up_the_order_an_unplaced_file_and_a_stray_entry_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "ARCHITECTURE.md",
        "# A\n\n## Layers\n\n1. **low**: `low.rs`, `model/ir.rs`\n2. **high**: `lib.rs`, `model/`\n\n## Next\n\n3. **not a layer**: `x.rs`\n",
    );
    write("src/lib.rs", "pub mod low;\npub mod model;\n");
    write(
        "src/low.rs",
        "use crate::model::Model;\n\nfn f() {\n    let _ = crate::model::ir::Ir;\n}\n",
    );
    write(
        "src/model/mod.rs",
        "pub mod ir;\nuse crate::{low::f, model::ir::{self}};\nuse ir::Ir;\npub struct Model;\n",
    );
    write(
        "src/model/ir.rs",
        "pub struct Ir;\n#[cfg(test)]\nmod tests {\n    use super::super::Model;\n}\n",
    );
    let problems = check(root);
    assert_eq!(
        problems,
        [
            "src/low.rs:1: imports src/model/mod.rs, but layer 1 `low` may not use layer 2 `high`, which is higher",
            "src/model/ir.rs:4: imports src/model/mod.rs, but layer 1 `low` may not use layer 2 `high`, which is higher",
            "an import cycle spans layers: layer 1 `low` (src/low.rs, src/model/ir.rs); layer 2 `high` (src/model/mod.rs)",
        ],
        "{problems:#?}"
    );

    write("src/extra.rs", "");
    write(
        "src/lib.rs",
        "pub mod extra;\npub mod low;\npub mod model;\n",
    );
    write(
        "ARCHITECTURE.md",
        "## Layers\n\n1. **low**: `low.rs`, `model/ir.rs`, `gone.rs`\n2. **high**: `lib.rs`, `model/`\n",
    );
    assert_eq!(
        check(root),
        [
            "layer `low` lists `gone.rs`, which is no file or directory of src/",
            "src/extra.rs is in no layer: add it to the `## Layers` section of ARCHITECTURE.md",
        ]
    );
}
