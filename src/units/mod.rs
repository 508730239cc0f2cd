//! C and C++ translation units: each source file with what it includes, in order, preprocessed
//! once per configured target as that target's compiler would (predefined macros, the
//! project's `-D`, the SDK's macros once an SDK header is included). What comes out is, for
//! every file, the build condition of each of its parts (code no unit compiles for a target is
//! dead there) and which files each unit reads, so that a declaration is seen only where a
//! compiler would see it. A header no unit reads is a unit of its own.
//!
//! Only directives are run here; the front end parses each file once, with its regions.

mod includes;

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::discover::FileKind;
use crate::frontend::c::pp::{self, Define, Definitions, Directives, SdkMacros};
use crate::model::cfg::{Cond, Regions};
use crate::target::{Arch, Target};
pub use includes::CompileCommands;
use includes::{Flags, Found, TreeIndex};

/// A C or C++ file of the run, with its directives.
pub struct UnitFile {
    /// Absolute and normalized.
    pub path: PathBuf,
    pub kind: FileKind,
    /// The length of its text.
    pub len: usize,
    pub directives: Directives,
}

/// What preprocessing the run's translation units found.
pub struct Preprocessed {
    /// By the index of the files given: the condition of each part of the file.
    pub regions: Vec<Regions>,
    /// By the index of the files given: some C++ unit reads the file.
    pub read_as_cpp: Vec<bool>,
    /// The macros C units, then C++ units, define on any target, for expanding code.
    pub macros: [Definitions; 2],
    /// The files (indexes) each unit reads.
    pub units: Vec<Vec<u32>>,
    /// Limits a unit hit, by the index of its root file.
    pub notes: Vec<(usize, String)>,
}

/// Build information for the units: per-file flags from a compilation database, else the
/// configured include path and macros.
pub struct Build<'b> {
    pub commands: &'b CompileCommands,
    pub include: &'b [PathBuf],
    pub defines: &'b [String],
}

/// Units run side by side before their results are merged.
const UNITS_AT_ONCE: usize = 64;

const DEFAULT_X86: &str = "i686-pc-windows-msvc";
const DEFAULT_X64: &str = "x86_64-pc-windows-msvc";

/// Source files start units; headers join them.
fn is_source(path: &std::path::Path) -> bool {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        extension.as_str(),
        "c" | "cc" | "cpp" | "cxx" | "c++" | "cp"
    )
}

/// The macros a target's compiler defines before the first line (MSVC, or mingw-w64 for a
/// `gnu` environment), and `__cplusplus` in C++ units.
fn predefined(target: &Target, cpp: bool) -> Vec<Define> {
    let mut names: Vec<(&str, &str)> = vec![("_WIN32", "1"), ("_INTEGRAL_MAX_BITS", "64")];
    let gnu = target.env.starts_with("gnu");
    if gnu {
        names.extend([
            ("__WIN32__", "1"),
            ("WIN32", "1"),
            ("__MINGW32__", "1"),
            ("__GNUC__", "13"),
            // From `_mingw.h`, which every mingw-w64 header includes first.
            ("__MINGW64_VERSION_MAJOR", "12"),
            ("__MINGW64_VERSION_MINOR", "0"),
        ]);
    } else {
        names.extend([("_MSC_VER", "1938"), ("_MSC_FULL_VER", "193833130")]);
    }
    if target.pointer_width == 64 {
        names.push(("_WIN64", "1"));
        if gnu {
            names.push(("__MINGW64__", "1"));
        }
    }
    match target.arch {
        Arch::X86 => names.extend(if gnu {
            [("__i386__", "1"), ("_X86_", "1")].as_slice()
        } else {
            [("_M_IX86", "600")].as_slice()
        }),
        Arch::X86_64 => names.extend(if gnu {
            [("__x86_64__", "1"), ("__amd64__", "1")].as_slice()
        } else {
            [("_M_X64", "100"), ("_M_AMD64", "100")].as_slice()
        }),
        Arch::Aarch64 => names.push(if gnu {
            ("__aarch64__", "1")
        } else {
            ("_M_ARM64", "1")
        }),
        Arch::Arm64ec => {
            names.extend([("_M_ARM64EC", "1"), ("_M_X64", "100"), ("_M_AMD64", "100")])
        }
        Arch::Arm => names.push(if gnu {
            ("__arm__", "1")
        } else {
            ("_M_ARM", "7")
        }),
    }
    if cpp {
        // MSVC reports C++98 unless `/Zc:__cplusplus`; its real level is in `_MSVC_LANG`.
        names.push(("__cplusplus", if gnu { "201703L" } else { "199711L" }));
        if !gnu {
            names.push(("_MSVC_LANG", "201703L"));
        }
    }
    names
        .into_iter()
        .map(|(name, value)| Define::object(name, value))
        .collect()
}

/// The files of one unit as the preprocessor reads them: the run's files, the unit's include
/// path.
struct UnitFiles<'u> {
    tree: &'u TreeIndex,
    files: &'u [UnitFile],
    dirs: &'u [PathBuf],
}

impl pp::Files for UnitFiles<'_> {
    type Id = u32;

    fn directives(&self, id: u32) -> &Directives {
        &self.files[id as usize].directives
    }

    fn include(&self, from: u32, spelled: &str, angled: bool) -> pp::Include<u32> {
        match self.tree.resolve(from, spelled, angled, self.dirs) {
            Found::File(id) => pp::Include::File(id),
            Found::Sdk => pp::Include::Sdk,
            Found::Missing => pp::Include::Missing,
        }
    }
}

/// The files one unit read on one target, each with its compiled ranges.
type UnitRanges = Vec<(u32, Vec<Range<usize>>)>;

/// What one unit found on every kind of target: the files it read, the `#define` lines it ran
/// and the limits it hit.
struct UnitResult {
    per_kind: Vec<UnitRanges>,
    defines_per_kind: Vec<Vec<(u32, usize)>>,
    notes: Vec<String>,
}

/// One unit's root and how it is compiled.
struct Root {
    file: u32,
    cpp: bool,
    flags: Flags,
}

/// What a run's units share: the tree, the build information and the SDK's macros.
struct Runner<'r> {
    tree: TreeIndex,
    files: &'r [UnitFile],
    build: &'r Build<'r>,
    default_flags: Flags,
    sdk: &'r SdkMacros,
}

impl<'r> Runner<'r> {
    fn new(files: &'r [UnitFile], build: &'r Build<'r>, sdk: &'r SdkMacros) -> Self {
        let tree = TreeIndex::new(files.iter().map(|f| f.path.clone()).collect());
        let default_flags = Flags {
            include_dirs: if build.include.is_empty() {
                tree.include_dirs()
            } else {
                build.include.to_vec()
            },
            macros: build.defines.iter().map(|d| (d.clone(), true)).collect(),
            ..Flags::default()
        };
        Runner {
            tree,
            files,
            build,
            default_flags,
            sdk,
        }
    }

    /// The unit rooted at file `i`, with its flags from the compilation database, else the
    /// configuration's.
    fn root(&self, i: usize) -> Option<Root> {
        let flags = self
            .build
            .commands
            .flags_of(&self.files[i].path)
            .cloned()
            .unwrap_or_else(|| self.default_flags.clone());
        Some(Root {
            file: u32::try_from(i).ok()?,
            cpp: flags.cpp.unwrap_or(self.files[i].kind == FileKind::Cpp),
            flags,
        })
    }

    /// Runs one unit's directives as `target`'s compiler would.
    fn run(&self, root: &Root, target: &Target) -> pp::Unit<u32> {
        let unit_files = UnitFiles {
            tree: &self.tree,
            files: self.files,
            dirs: &root.flags.include_dirs,
        };
        let forced: Vec<pp::Include<u32>> = root
            .flags
            .forced_includes
            .iter()
            .map(|header| pp::Files::include(&unit_files, root.file, header, false))
            .collect();
        let mut defines = predefined(target, root.cpp);
        apply_flags(&mut defines, &root.flags);
        pp::run_unit(&unit_files, root.file, &defines, &forced, self.sdk)
    }
}

/// One unit as [`preprocess`] runs it on one target, for comparing with a compiler's output.
pub struct LoneUnit {
    /// Every file it read (by index), each with its compiled byte ranges.
    pub files: Vec<(usize, Vec<Range<usize>>)>,
    /// Its include path, in search order.
    pub include_dirs: Vec<PathBuf>,
    pub cpp: bool,
}

/// Runs only the unit rooted at `files[root]`, on `target`.
pub fn preprocess_one(
    files: &[UnitFile],
    root: usize,
    target: &Target,
    build: &Build,
    sdk: &SdkMacros,
) -> Option<LoneUnit> {
    let runner = Runner::new(files, build, sdk);
    let root = runner.root(root)?;
    let unit = runner.run(&root, target);
    Some(LoneUnit {
        files: unit
            .files
            .into_iter()
            .map(|(file, ranges)| (file as usize, ranges))
            .collect(),
        include_dirs: root.flags.include_dirs,
        cpp: root.cpp,
    })
}

/// Runs every translation unit of `files` on every target.
pub fn preprocess(
    files: &[UnitFile],
    targets: &[Target],
    build: &Build,
    sdk: &SdkMacros,
) -> Preprocessed {
    let runner = Runner::new(files, build, sdk);

    let mut roots: Vec<Root> = (0..files.len())
        .filter(|&i| is_source(&files[i].path))
        .filter_map(|i| runner.root(i))
        .collect();
    // One target per kind of machine: the others would preprocess alike. Both widths are
    // always run: code for 32-bit Windows is still Windows code when only 64-bit builds are
    // checked, and rules that hold on every target read it.
    let widths =
        [DEFAULT_X86, DEFAULT_X64].map(|triple| Target::parse(triple).expect("a known triple"));
    let mut kinds: Vec<&Target> = Vec::new();
    for target in targets.iter().chain(&widths) {
        if !kinds
            .iter()
            .any(|t| t.arch == target.arch && t.env == target.env)
        {
            kinds.push(target);
        }
    }

    // live[k][file]: the ranges of the file some unit compiles on kind k.
    let mut live: Vec<HashMap<u32, Vec<Range<usize>>>> = vec![HashMap::default(); kinds.len()];
    let mut units: Vec<Vec<u32>> = Vec::new();
    let mut notes = Vec::new();
    let mut read_as_cpp = vec![false; files.len()];
    // The `#define` lines C units ([0]) and C++ units ([1]) run, with the kinds of target
    // (bits) that ran them, and the kinds of target on which they read each file.
    let mut define_lines: [HashMap<(u32, usize), u32>; 2] = Default::default();
    let mut kinds_reading: [HashMap<u32, u32>; 2] = Default::default();
    let mut run_roots = |roots: &[Root], live: &mut Vec<HashMap<u32, Vec<Range<usize>>>>| {
        // In batches: what a unit read is merged before the next batch runs, so memory holds
        // a batch's results, not the whole run's.
        for roots in roots.chunks(UNITS_AT_ONCE) {
            let results: Vec<UnitResult> = roots
                .par_iter()
                .map(|root| {
                    let mut result = UnitResult {
                        per_kind: Vec::new(),
                        defines_per_kind: Vec::new(),
                        notes: Vec::new(),
                    };
                    for target in &kinds {
                        let unit = runner.run(root, target);
                        result.notes.extend(unit.notes);
                        result.per_kind.push(unit.files);
                        result.defines_per_kind.push(unit.defines);
                    }
                    result.notes.sort();
                    result.notes.dedup();
                    result
                })
                .collect();
            for (root, result) in roots.iter().zip(results) {
                let language = usize::from(root.cpp);
                let mut members: Vec<u32> = Vec::new();
                for (k, unit_files) in result.per_kind.into_iter().enumerate() {
                    for (file, ranges) in unit_files {
                        members.push(file);
                        *kinds_reading[language].entry(file).or_default() |= 1 << k;
                        live[k].entry(file).or_default().extend(ranges);
                    }
                }
                for (k, defines) in result.defines_per_kind.into_iter().enumerate() {
                    for define in defines {
                        *define_lines[language].entry(define).or_default() |= 1 << k;
                    }
                }
                members.sort_unstable();
                members.dedup();
                if root.cpp {
                    for &member in &members {
                        read_as_cpp[member as usize] = true;
                    }
                }
                units.push(members);
                notes.extend(result.notes.into_iter().map(|n| (root.file as usize, n)));
            }
            for kind in live.iter_mut() {
                for ranges in kind.values_mut() {
                    *ranges = pp::merged(std::mem::take(ranges));
                }
            }
        }
    };
    run_roots(&roots, &mut live);
    // Headers no source file reaches are units of their own, read as C++ when C++ headers
    // are, else as C: first those no file includes at all (a header of headers reaches the
    // rest), then those only files still unread include (headers including each other). A
    // header that read files include only where no target compiles the `#include` is
    // another platform's (`#ifdef __VMS` / `#include "setup-vms.h"`), and no unit reads it.
    let includers = includers_of(files, &runner.tree, &runner.default_flags.include_dirs);
    let read = |live: &[HashMap<u32, Vec<Range<usize>>>], i: usize| {
        live.iter().any(|kind| kind.contains_key(&(i as u32)))
    };
    roots = (0..files.len())
        .filter(|&i| !read(&live, i) && includers[i].is_empty())
        .filter_map(|i| runner.root(i))
        .collect();
    run_roots(&roots, &mut live);
    let mut other_platform = vec![false; files.len()];
    loop {
        let mut changed = false;
        for i in 0..files.len() {
            if !other_platform[i]
                && !read(&live, i)
                && !includers[i].is_empty()
                && includers[i]
                    .iter()
                    .all(|&from| read(&live, from as usize) || other_platform[from as usize])
            {
                other_platform[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    roots = (0..files.len())
        .filter(|&i| !read(&live, i) && !other_platform[i])
        .filter_map(|i| runner.root(i))
        .collect();
    run_roots(&roots, &mut live);

    let regions = (0..files.len())
        .map(|i| regions_of(i as u32, &files[i], &kinds, &mut live))
        .collect();
    let [c_lines, cpp_lines] = define_lines;
    let [c_reading, cpp_reading] = kinds_reading;
    let macros = [
        definitions(files, &c_lines, &c_reading),
        definitions(files, &cpp_lines, &cpp_reading),
    ];
    Preprocessed {
        regions,
        read_as_cpp,
        macros,
        units,
        notes,
    }
}

/// The macros the `#define` lines units ran define, each with the files defining it and how;
/// a line only some of the targets reading its file run (under `#ifdef _WIN64`) is one
/// target's definition, which no code can expand for all (`None`).
fn definitions(
    files: &[UnitFile],
    lines: &HashMap<(u32, usize), u32>,
    kinds_reading: &HashMap<u32, u32>,
) -> Definitions {
    let mut by_name: HashMap<Box<str>, pp::DefinitionLines> = HashMap::default();
    for (&(file, offset), &kinds) in lines {
        let Some(line) = files[file as usize].directives.define_at(offset) else {
            continue;
        };
        let Some(name) = pp::defined_name(line) else {
            continue;
        };
        let everywhere = kinds_reading.get(&file) == Some(&kinds);
        let line: Option<Box<str>> =
            everywhere.then(|| line.split_whitespace().collect::<Vec<_>>().join(" ").into());
        let known = by_name.entry(name.into()).or_default();
        if !known.iter().any(|(f, l)| *f == file && *l == line) {
            known.push((file, line));
        }
    }
    for known in by_name.values_mut() {
        known.sort_unstable();
    }
    Definitions::new(by_name)
}

/// The files of the run that include each file, under any condition.
fn includers_of(files: &[UnitFile], tree: &TreeIndex, dirs: &[PathBuf]) -> Vec<Vec<u32>> {
    let mut includers = vec![Vec::new(); files.len()];
    for (from, file) in files.iter().enumerate() {
        let Ok(from) = u32::try_from(from) else {
            break;
        };
        for (spelled, angled) in file.directives.includes() {
            if let Found::File(id) = tree.resolve(from, &spelled, angled, dirs)
                && id != from
            {
                includers[id as usize].push(from);
            }
        }
    }
    includers
}

/// The unit's `-std=`, then its `-D`/`-U`, over the predefined macros.
fn apply_flags(defines: &mut Vec<Define>, flags: &Flags) {
    if let Some(standard) = flags.cpp_standard {
        for define in defines.iter_mut() {
            if define.name == "__cplusplus" || define.name == "_MSVC_LANG" {
                *define = Define::object(&define.name.clone(), standard);
            }
        }
    }
    for (flag, define) in &flags.macros {
        let parsed = Define::parse_flag(flag);
        defines.retain(|d| d.name != parsed.name);
        if *define {
            defines.push(parsed);
        }
    }
}

/// The file's regions: each stretch between two boundaries of any target's live ranges, with
/// the targets that compile it.
fn regions_of(
    file: u32,
    unit_file: &UnitFile,
    kinds: &[&Target],
    live: &mut [HashMap<u32, Vec<Range<usize>>>],
) -> Regions {
    let len = unit_file.len;
    let per_kind: Vec<Vec<Range<usize>>> = live
        .iter_mut()
        .map(|kind| pp::merged(kind.remove(&file).unwrap_or_default()))
        .collect();
    let settled = unit_file.directives.settled_lines(|range| {
        per_kind.iter().any(|ranges| {
            let first = ranges.partition_point(|r| r.end <= range.start);
            ranges.get(first).is_some_and(|r| r.start < range.end)
        })
    });
    let mut per_kind: Vec<Vec<Range<usize>>> = per_kind
        .into_iter()
        .map(|ranges| pp::without(ranges, &settled))
        .collect();
    let mut cuts: Vec<usize> = per_kind
        .iter()
        .flatten()
        .flat_map(|r| [r.start, r.end])
        .chain([0])
        .filter(|&cut| cut < len || cut == 0)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut regions: Vec<(usize, Cond)> = Vec::new();
    for &start in &cuts {
        let cond = Cond::on_targets(kinds.iter().zip(&mut per_kind).map(|(target, ranges)| {
            let index = ranges.partition_point(|r| r.end <= start);
            (*target, ranges.get(index).is_some_and(|r| r.start <= start))
        }));
        if regions.last().is_none_or(|(_, last)| *last != cond) {
            regions.push((start, cond));
        }
    }
    Regions(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(triple: &str) -> Target {
        Target::parse(triple).unwrap()
    }

    fn header(len: usize) -> UnitFile {
        UnitFile {
            path: PathBuf::from("/t/h.h"),
            kind: FileKind::C,
            len,
            directives: Directives::default(),
        }
    }

    /// A header read by a unit of each target, with `#ifdef _WIN64` code at 10..20 and code
    /// at 30..40 that no unit compiles.
    #[test]
    fn regions_say_which_targets_compile_each_part() {
        let (x64, x86) = (
            target("x86_64-pc-windows-msvc"),
            target("i686-pc-windows-msvc"),
        );
        let mut live = vec![HashMap::default(), HashMap::default()];
        live[0].insert(7, vec![0..30, 40..50]);
        live[1].insert(7, vec![20..30, 0..10, 40..50, 45..50]);
        let regions = regions_of(7, &header(50), &[&x64, &x86], &mut live);
        let at = |offset: usize| {
            let i = regions.0.partition_point(|(start, _)| *start <= offset) - 1;
            regions.0[i].1
        };
        assert!(at(5).is_live(&x64) && at(5).is_live(&x86));
        assert!(at(15).is_live(&x64) && !at(15).is_live(&x86));
        assert!(at(35).is_dead());
        assert!(at(45).is_live(&x86));
        let dead: Vec<Range<usize>> = regions.dead(50).collect();
        assert_eq!((dead.len(), dead[0].clone()), (1, 30..40));
        // Boundaries only where the condition changes.
        assert_eq!(regions.0.len(), 5);
    }

    #[test]
    fn a_file_no_unit_reads_on_a_target_is_dead_there() {
        let (x64, x86) = (
            target("x86_64-pc-windows-msvc"),
            target("i686-pc-windows-msvc"),
        );
        let mut live = vec![HashMap::default(), HashMap::default()];
        live[0].insert(1, std::iter::once(0..8).collect());
        let regions = regions_of(1, &header(8), &[&x64, &x86], &mut live);
        assert_eq!(regions.0.len(), 1);
        assert!(regions.0[0].1.is_live(&x64) && !regions.0[0].1.is_live(&x86));
        assert!(!regions.0[0].1.is_dead());
    }

    #[test]
    fn targets_predefine_what_their_compilers_do() {
        let names = |triple: &str, cpp: bool| -> Vec<String> {
            predefined(&target(triple), cpp)
                .into_iter()
                .map(|d| d.name)
                .collect()
        };
        let x64 = names("x86_64-pc-windows-msvc", false);
        assert!(
            ["_WIN32", "_WIN64", "_M_X64", "_M_AMD64", "_MSC_VER"]
                .iter()
                .all(|n| x64.contains(&n.to_string()))
        );
        assert!(!x64.contains(&"__cplusplus".to_string()));
        let x86 = names("i686-pc-windows-msvc", true);
        assert!(x86.contains(&"_M_IX86".to_string()) && !x86.contains(&"_WIN64".to_string()));
        assert!(x86.contains(&"__cplusplus".to_string()));
        let arm64ec = names("arm64ec-pc-windows-msvc", false);
        assert!(
            arm64ec.contains(&"_M_ARM64EC".to_string()) && arm64ec.contains(&"_M_X64".to_string())
        );
        assert!(!arm64ec.contains(&"_M_ARM64".to_string()));
        let gnu = names("x86_64-pc-windows-gnu", false);
        assert!(gnu.contains(&"__MINGW64__".to_string()) && !gnu.contains(&"_MSC_VER".to_string()));
    }
}
