//! The preprocessor against mingw-w64's `gcc -E` on real code: for source files of a tree,
//! which `#if` blocks ptrwidth compiles for `x86_64-pc-windows-gnu` and which ones gcc does,
//! with mingw-w64's own SDK headers where ptrwidth has its table of the SDK's macros.
//!
//!     cargo bench --bench preprocessor-gcc -- [--sample N] [--list N] ROOT SUBTREE...
//!
//! A block is the text between two lines of the `#if` family; one holding code is live for gcc
//! when gcc, run with `-fdirectives-only`, emits any of its lines. Headers the tree does not hold and gcc cannot find are
//! given to gcc empty, as ptrwidth reads them. `benches/c_corpora.py --gcc` runs this over
//! the six codebases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ptrwidth::discover::{self, FileKind};
use ptrwidth::frontend::c::{self, pp};
use ptrwidth::model::tree::normalize;
use ptrwidth::target::Target;
use ptrwidth::units::{self, Build, CompileCommands, UnitFile};

/// Header names gcc may be missing before a unit is given up.
const MAX_STUBS: usize = 64;

struct Args {
    root: PathBuf,
    subtrees: Vec<PathBuf>,
    sample: usize,
    list: usize,
}

fn args() -> Result<Args, String> {
    let mut sample = 40;
    let mut list = 20;
    let mut positional = Vec::new();
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            words
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or(format!("{name} takes a number"))
        };
        match word.as_str() {
            "--sample" => sample = number("--sample")?,
            "--list" => list = number("--list")?,
            // cargo bench passes this to every bench target.
            "--bench" => {}
            _ => positional.push(PathBuf::from(word)),
        }
    }
    let mut positional = positional.into_iter();
    let root = positional
        .next()
        .ok_or("usage: preprocessor-gcc [--sample N] [--list N] ROOT SUBTREE...")?;
    let root = std::fs::canonicalize(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let mut subtrees: Vec<PathBuf> = positional.map(|s| root.join(s)).collect();
    if subtrees.is_empty() {
        subtrees.push(root.clone());
    }
    Ok(Args {
        root,
        subtrees,
        sample,
        list,
    })
}

fn is_source(path: &Path) -> bool {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(extension.as_str(), "c" | "cc" | "cpp" | "cxx")
}

/// The 1-based lines of each file gcc emitted tokens for, read from its line markers, and
/// every file it entered.
fn emitted_lines(output: &str) -> BTreeMap<PathBuf, BTreeSet<usize>> {
    let mut lines: BTreeMap<PathBuf, BTreeSet<usize>> = BTreeMap::new();
    let (mut file, mut line) = (PathBuf::new(), 0usize);
    for text in output.lines() {
        // With `-fdirectives-only` a marker may be indented.
        let marker = text
            .trim_start()
            .strip_prefix("# ")
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        if let Some(marker) = marker {
            let mut parts = marker.splitn(2, ' ');
            line = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let spelled = parts
                .next()
                .and_then(|rest| rest.split('"').nth(1))
                .unwrap_or("");
            file = normalize(Path::new(spelled));
            lines.entry(file.clone()).or_default();
            continue;
        }
        if !text.trim().is_empty() {
            lines.entry(file.clone()).or_default().insert(line);
        }
        line += 1;
    }
    lines
}

/// gcc's output for one unit, giving it empty headers for those it cannot find.
fn gcc(
    source: &Path,
    cpp: bool,
    include_dirs: &[PathBuf],
    fallback_dirs: &BTreeSet<PathBuf>,
    stubs: &Path,
) -> Result<String, String> {
    for _ in 0..MAX_STUBS {
        let mut command = Command::new(if cpp {
            "x86_64-w64-mingw32-g++"
        } else {
            "x86_64-w64-mingw32-gcc"
        });
        // Directives only: code is copied, not expanded, so every compiled line of code is
        // emitted, even one whose macros expand to nothing.
        command.args([
            "-E",
            "-fdirectives-only",
            "-x",
            if cpp { "c++" } else { "c" },
        ]);
        if cpp {
            command.arg("-std=gnu++17");
        }
        for dir in include_dirs {
            command.arg("-I").arg(dir);
        }
        for dir in fallback_dirs {
            command.arg("-idirafter").arg(dir);
        }
        command.arg("-idirafter").arg(stubs).arg(source);
        let output = command.output().map_err(|e| {
            format!("x86_64-w64-mingw32-gcc: {e} (Debian: apt-get install g++-mingw-w64-x86-64)")
        })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let missing = stderr.lines().find_map(|line| {
            let (_, rest) = line.split_once("fatal error: ")?;
            rest.strip_suffix(": No such file or directory")
        });
        match missing {
            Some(header) => {
                let stub = stubs.join(header.trim());
                if stub.exists() {
                    return Err(format!("{header}: still missing"));
                }
                std::fs::create_dir_all(stub.parent().unwrap_or(stubs))
                    .and_then(|()| std::fs::write(&stub, ""))
                    .map_err(|e| format!("{}: {e}", stub.display()))?;
            }
            None if output.stdout.is_empty() => {
                return Err(stderr.lines().next().unwrap_or("no output").to_string());
            }
            // `#error` fails the run but not the preprocessing around it.
            None => return Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
        }
    }
    Err("too many missing headers".into())
}

/// A stretch of a file between two conditional directives, holding code.
struct Block {
    /// 1-based lines of its code.
    lines: Vec<usize>,
    /// Byte offset of its first line of code.
    offset: usize,
}

/// The file's blocks that hold code: lines outside comments that are not directives.
fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = Block {
        lines: Vec::new(),
        offset: 0,
    };
    let (mut in_comment, mut continued, mut offset) = (false, false, 0);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        let continues = trimmed.ends_with('\\');
        if continued {
            continued = continues;
            continue;
        }
        if !in_comment && trimmed.starts_with('#') {
            continued = continues;
            // A comment opened on the directive's line and left open spans the next lines.
            if let Some(open) = trimmed.rfind("/*") {
                in_comment = !trimmed[open..].contains("*/");
            }
            let word = trimmed[1..].trim_start();
            let word: String = word.chars().take_while(char::is_ascii_alphabetic).collect();
            if matches!(
                word.as_str(),
                "if" | "ifdef" | "ifndef" | "elif" | "elifdef" | "elifndef" | "else" | "endif"
            ) && !current.lines.is_empty()
            {
                blocks.push(std::mem::replace(
                    &mut current,
                    Block {
                        lines: Vec::new(),
                        offset: 0,
                    },
                ));
            }
            continue;
        }
        let mut code = false;
        let mut rest = trimmed;
        while !rest.is_empty() {
            if in_comment {
                match rest.find("*/") {
                    Some(end) => {
                        rest = rest[end + 2..].trim_start();
                        in_comment = false;
                    }
                    None => rest = "",
                }
            } else if rest.starts_with("//") {
                rest = "";
            } else if let Some(after) = rest.strip_prefix("/*") {
                in_comment = true;
                rest = after;
            } else {
                code = true;
                match rest.find("/*") {
                    // A comment opened after code and left open spans the next lines.
                    Some(open) if !rest[open..].contains("*/") && !rest[..open].contains("//") => {
                        in_comment = true;
                        rest = "";
                    }
                    _ => rest = "",
                }
            }
        }
        if code {
            if current.lines.is_empty() {
                current.offset = start;
            }
            current.lines.push(index + 1);
        }
    }
    if !current.lines.is_empty() {
        blocks.push(current);
    }
    blocks
}

#[derive(Default)]
struct Tally {
    units: usize,
    gcc_failed: usize,
    files_both: usize,
    files_ours_only: usize,
    files_gcc_only: usize,
    blocks: usize,
    agree: usize,
    /// Blocks ptrwidth compiles and gcc does not (code read that no build compiles).
    ours_only: Vec<String>,
    /// Blocks gcc compiles and ptrwidth does not (code never checked).
    gcc_only: Vec<String>,
    failures: Vec<String>,
    /// Files only one side read, with the unit that read them.
    read_by_one: Vec<String>,
}

fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(2);
        }
    };
    let (inputs, _) = discover::discover(&args.subtrees, &[]);
    let mut files: Vec<UnitFile> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for input in inputs
        .iter()
        .filter(|i| matches!(i.kind, FileKind::C | FileKind::Cpp))
    {
        let Ok(text) = std::fs::read(&input.path)
            .map_err(|e| e.to_string())
            .and_then(c::decode)
        else {
            continue;
        };
        files.push(UnitFile {
            path: normalize(&args.root.join(&input.path)),
            kind: input.kind,
            len: text.len(),
            directives: pp::scan(&text),
        });
        texts.push(text);
    }
    let index_of: BTreeMap<PathBuf, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect();
    let (commands, _) = CompileCommands::discover(&args.subtrees);
    let build = Build {
        commands: &commands,
        include: &[],
        defines: &[],
    };
    let sdk = c::sdk_macros().expect("the SDK macro table loads");
    let target = Target::parse("x86_64-pc-windows-gnu").expect("a known triple");
    let sources: Vec<usize> = (0..files.len())
        .filter(|&i| is_source(&files[i].path))
        .collect();
    let step = sources.len().div_ceil(args.sample.max(1)).max(1);
    let stubs = tempfile::tempdir().expect("a temporary directory");
    let mut tally = Tally::default();
    let at = |file: usize, line: usize| {
        let path = &files[file].path;
        format!(
            "{}:{line}",
            path.strip_prefix(&args.root).unwrap_or(path).display()
        )
    };
    for &root in sources.iter().step_by(step) {
        let Some(unit) = units::preprocess_one(&files, root, &target, &build, &sdk) else {
            continue;
        };
        tally.units += 1;
        let fallback: BTreeSet<PathBuf> = unit
            .files
            .iter()
            .filter_map(|(file, _)| files[*file].path.parent().map(Path::to_path_buf))
            .collect();
        let output = match gcc(
            &files[root].path,
            unit.cpp,
            &unit.include_dirs,
            &fallback,
            stubs.path(),
        ) {
            Ok(output) => output,
            Err(why) => {
                tally.gcc_failed += 1;
                tally.failures.push(format!("{}: {why}", at(root, 1)));
                continue;
            }
        };
        let emitted: BTreeMap<usize, BTreeSet<usize>> = emitted_lines(&output)
            .into_iter()
            .filter_map(|(path, lines)| Some((*index_of.get(&path)?, lines)))
            .collect();
        let ours: BTreeMap<usize, &Vec<std::ops::Range<usize>>> = unit
            .files
            .iter()
            .map(|(file, ranges)| (*file, ranges))
            .collect();
        for &file in ours.keys().filter(|f| !emitted.contains_key(f)) {
            tally.files_ours_only += 1;
            let read = format!("ptrwidth: {} from {}", at(file, 1), at(root, 1));
            tally.read_by_one.push(read);
        }
        for &file in emitted.keys().filter(|f| !ours.contains_key(f)) {
            tally.files_gcc_only += 1;
            let read = format!("gcc: {} from {}", at(file, 1), at(root, 1));
            tally.read_by_one.push(read);
        }
        for (&file, ranges) in &ours {
            let Some(gcc_lines) = emitted.get(&file) else {
                continue;
            };
            tally.files_both += 1;
            for block in blocks(&texts[file]) {
                tally.blocks += 1;
                let ours_live = ranges
                    .iter()
                    .any(|r| r.start <= block.offset && block.offset < r.end);
                let gcc_live = block.lines.iter().any(|line| gcc_lines.contains(line));
                match (ours_live, gcc_live) {
                    (true, false) => tally.ours_only.push(at(file, block.lines[0])),
                    (false, true) => tally.gcc_only.push(at(file, block.lines[0])),
                    _ => tally.agree += 1,
                }
            }
        }
    }
    println!(
        "units {} (gcc failed on {}); files read by both {}, only ptrwidth {}, only gcc {}; \
         blocks {}, agreeing {} ({:.1}%), compiled only by ptrwidth {}, only by gcc {}",
        tally.units,
        tally.gcc_failed,
        tally.files_both,
        tally.files_ours_only,
        tally.files_gcc_only,
        tally.blocks,
        tally.agree,
        100.0 * tally.agree as f64 / tally.blocks.max(1) as f64,
        tally.ours_only.len(),
        tally.gcc_only.len(),
    );
    for (title, list) in [
        ("compiled only by ptrwidth", &tally.ours_only),
        ("compiled only by gcc", &tally.gcc_only),
        ("gcc failed", &tally.failures),
        ("read only by", &tally.read_by_one),
    ] {
        let mut entries: Vec<&String> = list.iter().collect();
        entries.sort();
        entries.dedup();
        for entry in entries.into_iter().take(args.list) {
            println!("  {title}: {entry}");
        }
    }
}
