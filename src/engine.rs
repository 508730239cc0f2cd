//! The pipeline: discover → read and lower each file (in parallel) → build the model → run the
//! rules on each file (in parallel) → sorted diagnostics.
//!
//! Each file is read once (bounded by `--max-file-size`; binaries by their own limit) and
//! lowered on a scoped rayon pool with large worker stacks, largest files first and one file
//! per task, so no worker waits on a big file started last; files of 1 MiB and more start only
//! while those being lowered add up to a budget, since each holds its syntax tree and IR until
//! it is lowered. Each file is then located (absolute path, package root = nearest
//! `Cargo.toml`, the command-line root it was found under) for the model. The engine also
//! decides, from the bytes, whether a file may hold allow comments, so the text of the others
//! is never decompressed for suppression.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::cache::{Cache, CacheDir};
use crate::dependencies;
use crate::diagnostic::Diagnostic;
use crate::discover::{self, Exclude, FileKind, Input};
use crate::frontend::{self, c::UnitView, c::pp::Definitions, rust::CrateMacros};
use crate::knowledge::Knowledge;
use crate::model::Model;
use crate::model::cfg::Regions;
use crate::model::ir::FileIr;
use crate::model::tree::{Location, normalize};
use crate::model::visibility::Visibility;
use crate::rules::{Checker, Levels, Rule};
use crate::source::{FileError, MAX_FILE_BYTES, SourceFile, display_path, read_bytes};
use crate::suppress::{self, UNUSED_ALLOW, comments::Syntax};
use crate::target::Target;
use crate::units::{self, CompileCommands, UnitFile};

/// Vendored DLLs and libraries are often far larger than any source file; their headers are
/// read whole all the same, but a file this big is not a binary a project ships.
pub const MAX_BINARY_BYTES: u64 = 512 * 1024 * 1024;

/// Parsing recurses with the nesting of the input; workers get room for deep but legal code.
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Directories not to walk into (nested packages of another selected package).
    pub excluded_dirs: Vec<PathBuf>,
    pub targets: Vec<Target>,
    /// The rules the run may run: those the policy's levels turn off do not.
    pub rules: Vec<&'static Rule>,
    /// Worker threads; `None` uses every core. At most [`max_jobs`] are started.
    pub jobs: Option<usize>,
    /// Where lowered files are cached between runs; `None` lowers every file.
    pub cache: Option<CacheDir>,
    /// Where the binding crates the linted packages depend on are looked up (cargo's home),
    /// to read their declarations; `None` reads none.
    pub cargo_home: Option<PathBuf>,
}

/// How a project adjusts a run (from its configuration and the command line): what is walked,
/// which rules run and how loud each is (`unused-allow` too, which reports
/// `ptrwidth: allow(...)` comments that suppress nothing).
pub struct Policy {
    pub exclude: Exclude,
    pub levels: Levels,
    pub progress: Option<Arc<Progress>>,
    /// Source files larger than this are skipped with a note.
    pub max_file_bytes: u64,
    /// The include path and macros of C and C++ units a compilation database does not list.
    pub c_include: Vec<PathBuf>,
    pub c_defines: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            exclude: Exclude::default(),
            levels: Levels::default(),
            progress: None,
            max_file_bytes: MAX_FILE_BYTES,
            c_include: Vec::new(),
            c_defines: Vec::new(),
        }
    }
}

/// Files read so far and files to read, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
}

pub struct Outcome {
    /// Every file read: the linted ones, then dependencies' read for their declarations.
    pub files: Vec<SourceFile>,
    /// How many of `files`, from the first, were linted.
    pub linted_files: usize,
    /// The kind of each file, by the same index as `files`.
    pub kinds: Vec<FileKind>,
    /// Sorted by path, line, column and rule.
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
    /// How many of `files` were not lowered again: the cache held what their bytes lower to.
    pub cached: usize,
    /// What the run left undone that changes no finding (a cache it would not use): said to
    /// the user, but no file's error, so it neither counts as unread nor blocks a baseline.
    pub notes: Vec<String>,
}

pub fn run(options: &Options, knowledge: &Knowledge) -> Result<Outcome, String> {
    run_with(options, &Policy::default(), knowledge)
}

pub fn run_with(
    options: &Options,
    policy: &Policy,
    knowledge: &Knowledge,
) -> Result<Outcome, String> {
    // Scoped: the workers have ended, their thread-local parsers and source maps freed, when
    // the run returns, so a process that runs many (`--fix` rounds, a fuzzer) holds none of
    // them in between.
    rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or_else(cores).clamp(1, max_jobs()))
        .stack_size(WORKER_STACK_BYTES)
        .build_scoped(
            |worker| worker.run(),
            |pool| pool.install(|| run_in_pool(options, policy, knowledge)),
        )
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The most worker threads a run starts. The work is parsing, bound by the processor: threads
/// beyond a few per core add no speed, only memory (a file being parsed on each) and start-up
/// time (a thousand idle workers took over half a minute to start and stop).
pub fn max_jobs() -> usize {
    4 * cores()
}

fn run_in_pool(options: &Options, policy: &Policy, knowledge: &Knowledge) -> Outcome {
    let exclude = policy
        .exclude
        .clone()
        .with_dirs(options.excluded_dirs.iter().cloned());
    let (mut inputs, mut errors) = discover::discover_excluding(&options.paths, &exclude);
    let linted_inputs = inputs.len();
    if let Some(cargo_home) = &options.cargo_home {
        inputs.extend(binding_inputs(&inputs, cargo_home));
    }
    if let Some(progress) = &policy.progress {
        progress.total.store(inputs.len(), Ordering::Relaxed);
    }
    let sizes: Vec<u64> = inputs
        .par_iter()
        .map(|input| std::fs::metadata(&input.path).map_or(0, |m| m.len()))
        .collect();
    let mut notes = Vec::new();
    let cache = options.cache.as_ref().and_then(|dir| {
        Cache::open(dir).unwrap_or_else(|why| {
            notes.push(why);
            None
        })
    });
    let (early, units) = preprocess_units(&inputs, options, policy, &mut notes);
    let (package_of, packages) = package_macros(&inputs, policy.max_file_bytes);
    let mut lowered = each_largest_first(&sizes, |i| {
        let read = early[i].lock().unwrap_or_else(|e| e.into_inner()).take();
        let unit_file = units.unit_file_of.get(&i).map(|&f| f as usize);
        let seen = unit_file
            .and_then(|f| units.macro_visibility.seen_from(f))
            .unwrap_or_default();
        let cpp = unit_file.is_some_and(|f| units.read_as_cpp[f]);
        let unit = units.regions.get(&i).map(|regions| UnitView {
            regions,
            macros: &units.macros[usize::from(cpp)],
            seen: &seen,
            file: unit_file.map_or(u32::MAX, |f| f as u32),
        });
        let macros = package_of[i].map(|p| &packages[p]);
        let result = read_and_lower(
            &inputs[i],
            policy.max_file_bytes,
            cache.as_ref(),
            read,
            unit.as_ref(),
            macros,
        );
        if let Some(progress) = &policy.progress {
            progress.done.fetch_add(1, Ordering::Relaxed);
        }
        result
    });
    lowered.sort_unstable_by_key(|(i, _)| *i);
    let read: Vec<Result<ReadFile, FileError>> =
        lowered.into_iter().map(|(_, result)| result).collect();
    let paths = inputs
        .iter()
        .zip(&read)
        .filter_map(|(input, result)| result.is_ok().then_some(input.path.as_path()));
    let locations = locate(paths, &options.paths);
    let mut files = Vec::new();
    let mut kinds = Vec::new();
    let mut irs = Vec::new();
    let mut cached = 0;
    // By input index: the index of the file in the run, for those read.
    let mut file_ids: Vec<Option<u32>> = Vec::with_capacity(inputs.len());
    let mut unread_dependency_files = 0;
    for (index, (input, result)) in inputs.iter().zip(read).enumerate() {
        let dependency = index >= linted_inputs;
        file_ids.push(
            result
                .as_ref()
                .ok()
                .and_then(|_| u32::try_from(files.len()).ok()),
        );
        match result {
            Ok((file, ir, partial, from_cache)) => {
                cached += usize::from(from_cache);
                files.push(file);
                kinds.push(input.kind);
                irs.push(ir);
                match dependency {
                    true => unread_dependency_files += usize::from(!partial.is_empty()),
                    false => errors.extend(partial),
                }
            }
            Err(_) if dependency => unread_dependency_files += 1,
            Err(error) => errors.push(error),
        }
    }
    // Dependencies' files are read after the linted ones: the files from this index on.
    let first_dependency_file = files.len()
        - inputs[linted_inputs..]
            .iter()
            .zip(&file_ids[linted_inputs..])
            .filter(|(_, id)| id.is_some())
            .count();
    if unread_dependency_files > 0 {
        notes.push(format!(
            "files in dependencies that could not be read in full: {unread_dependency_files}; calls into what they declare are checked only as far as they were read"
        ));
    }
    errors.extend(
        units
            .limits
            .iter()
            .map(|(input, note)| FileError::new(&inputs[*input].path, note.clone())),
    );
    crate::model::text::resolve_registry_calls(&mut irs);
    let ir_refs: Vec<&FileIr> = irs.iter().collect();
    let visibility = units.visibility(&file_ids, ir_refs.len());
    let model = Model::new(knowledge, &options.targets, &ir_refs)
        .with_locations(&locations)
        .with_visibility(&visibility);
    let files_ref = &files;
    let kinds_ref = &kinds;
    let levels = &policy.levels;
    let rules: Vec<&'static Rule> = options
        .rules
        .iter()
        .copied()
        .filter(|rule| levels.decide(rule.name, None).0.is_some())
        .collect();
    let settings = suppress::Settings {
        ran: rules.iter().map(|rule| rule.name).collect(),
        unused_allow: levels.decide(UNUSED_ALLOW, None).0,
    };
    let checked: Vec<Vec<Diagnostic>> = (0..ir_refs.len())
        .into_par_iter()
        .map(|id| {
            if id >= first_dependency_file {
                return Vec::new();
            }
            let semantic = model.semantic_of(id);
            let source = &files_ref[id];
            let mut found = Vec::new();
            for rule in &rules {
                let mut checker = Checker::new(&semantic, source, id, rule, levels);
                (rule.check)(&mut checker);
                found.extend(checker.into_diagnostics());
            }
            found
        })
        .collect();
    let mut by_file = by_reported_file(checked);
    by_file.truncate(first_dependency_file);
    let mut diagnostics: Vec<Diagnostic> = by_file
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(id, found)| {
            let syntax = Syntax::of(kinds_ref[id]);
            suppress::apply(syntax, &files_ref[id], id, found, &settings)
        })
        .collect();
    diagnostics.sort_by(|a, b| {
        let position = |d: &Diagnostic| (&files[d.file].display, d.span.start, d.rule, d.span.end);
        position(a).cmp(&position(b))
    });
    diagnostics.dedup();
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    Outcome {
        linted_files: first_dependency_file,
        files,
        kinds,
        diagnostics,
        errors,
        cached,
        notes,
    }
}

/// Files this big or bigger take a share of [`LARGE_BYTES_AT_ONCE`] while they are read and
/// lowered. Lowering a file holds its syntax tree and the IR being built, some 50 times its
/// size, until it is done: as many large files at once as there are workers would multiply
/// the peak by the number of workers.
const LARGE_FILE_BYTES: u64 = 1024 * 1024;

/// How many bytes of large files are lowered at once: several binding files of a few MB side
/// by side, a 15 MB header alone.
const LARGE_BYTES_AT_ONCE: u64 = 8 * 1024 * 1024;

/// Runs `work` on every file index, largest files first (a big file started last would leave
/// the other threads idle while it finishes), on every worker; files of [`LARGE_FILE_BYTES`]
/// and more start only while the large files being lowered add up to no more than
/// [`LARGE_BYTES_AT_ONCE`] with them, or when no other large file is, so a worker waiting for
/// its turn waits on the others' large files and never on itself.
fn each_largest_first<T: Send>(sizes: &[u64], work: impl Fn(usize) -> T + Sync) -> Vec<(usize, T)> {
    let mut schedule: Vec<usize> = (0..sizes.len()).collect();
    schedule.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let large_in_flight = std::sync::Mutex::new(0_u64);
    let turn = std::sync::Condvar::new();
    schedule
        .par_iter()
        // One file per task, so that an idle thread can take the next file whatever its size.
        .with_max_len(1)
        .map(|&i| {
            let size = sizes[i];
            if size < LARGE_FILE_BYTES {
                return (i, work(i));
            }
            let mut in_flight = large_in_flight.lock().unwrap_or_else(|e| e.into_inner());
            while *in_flight > 0 && *in_flight + size > LARGE_BYTES_AT_ONCE {
                in_flight = turn.wait(in_flight).unwrap_or_else(|e| e.into_inner());
            }
            *in_flight += size;
            drop(in_flight);
            let done = work(i);
            *large_in_flight.lock().unwrap_or_else(|e| e.into_inner()) -= size;
            turn.notify_all();
            (i, done)
        })
        .collect()
}

/// A file's bytes, or why they could not be read.
type Bytes = Result<Vec<u8>, String>;

/// A C or C++ file read before lowering, for its translation units. Taken by the task that
/// lowers it.
type EarlyRead = std::sync::Mutex<Option<Bytes>>;

/// The translation units of a run, by input index.
struct RunUnits {
    /// The regions of each C and C++ file read.
    regions: HashMap<usize, Regions>,
    /// The index among the units' files of each C and C++ input.
    unit_file_of: HashMap<usize, u32>,
    /// By index among the units' files: some C++ unit reads the file.
    read_as_cpp: Vec<bool>,
    /// The tree's macros as C units, then C++ units, define them (files by their index
    /// among the units' files).
    macros: [Definitions; 2],
    /// Which files' macros each file sees, by index among the units' files.
    macro_visibility: Visibility,
    /// The input indexes each unit reads.
    members: Vec<Vec<usize>>,
    /// Limits a unit hit, by the input index of its root.
    limits: Vec<(usize, String)>,
}

impl RunUnits {
    /// Which files each file sees, by the index of the file in the run.
    fn visibility(&self, file_ids: &[Option<u32>], files: usize) -> Visibility {
        let units = self
            .members
            .iter()
            .map(|members| {
                members
                    .iter()
                    .filter_map(|&input| file_ids[input])
                    .collect()
            })
            .collect();
        Visibility::new(units, files)
    }
}

/// What checking each file found, regrouped by the file each finding is in: a finding one file
/// reports in another (a header's declaration its stores show wrong) joins that file's, and
/// the reports several files make of one declaration become one finding with all their labels
/// (the fix kept only when they all offer the same).
fn by_reported_file(checked: Vec<Vec<Diagnostic>>) -> Vec<Vec<Diagnostic>> {
    let mut by_file: Vec<Vec<Diagnostic>> = Vec::with_capacity(checked.len());
    let mut foreign: Vec<Diagnostic> = Vec::new();
    for (id, found) in checked.into_iter().enumerate() {
        let (own, elsewhere): (Vec<Diagnostic>, Vec<Diagnostic>) =
            found.into_iter().partition(|d| d.file == id);
        by_file.push(own);
        foreign.extend(elsewhere);
    }
    for diagnostic in foreign {
        let Some(found) = by_file.get_mut(diagnostic.file) else {
            continue;
        };
        match found
            .iter_mut()
            .find(|d| d.rule == diagnostic.rule && d.span == diagnostic.span)
        {
            Some(known) => {
                known.level = known.level.max(diagnostic.level);
                if known.fixes != diagnostic.fixes {
                    known.fixes.clear();
                }
                for label in diagnostic.labels {
                    if !known.labels.contains(&label) {
                        known.labels.push(label);
                    }
                }
            }
            None => found.push(diagnostic),
        }
    }
    by_file
}

/// Reads the C and C++ inputs (each once: the bytes are kept for their lowering), scans their
/// directives and preprocesses their translation units.
fn preprocess_units(
    inputs: &[Input],
    options: &Options,
    policy: &Policy,
    notes: &mut Vec<String>,
) -> (Vec<EarlyRead>, RunUnits) {
    let is_unit_kind = |kind: FileKind| matches!(kind, FileKind::C | FileKind::Cpp);
    let cwd = std::env::current_dir().unwrap_or_default();
    let read: Vec<Option<(Bytes, Option<UnitFile>)>> = inputs
        .par_iter()
        .map(|input| {
            if !is_unit_kind(input.kind) {
                return None;
            }
            let bytes =
                read_bytes(&input.path, policy.max_file_bytes).map_err(|e| format!("{e}; skipped"));
            let unit_file = bytes.as_ref().ok().and_then(|bytes| {
                let text = frontend::c::decode(bytes.clone()).ok()?;
                Some(UnitFile {
                    path: normalize(&cwd.join(&input.path)),
                    kind: input.kind,
                    len: text.len(),
                    directives: frontend::c::pp::scan(&text),
                })
            });
            Some((bytes, unit_file))
        })
        .collect();
    let mut early = Vec::with_capacity(inputs.len());
    let mut unit_files = Vec::new();
    let mut input_of = Vec::new();
    for (i, slot) in read.into_iter().enumerate() {
        let bytes = slot.map(|(bytes, unit_file)| {
            if let Some(unit_file) = unit_file {
                unit_files.push(unit_file);
                input_of.push(i);
            }
            bytes
        });
        early.push(std::sync::Mutex::new(bytes));
    }
    if unit_files.is_empty() {
        let units = RunUnits {
            regions: HashMap::new(),
            unit_file_of: HashMap::new(),
            read_as_cpp: Vec::new(),
            macros: Default::default(),
            macro_visibility: Visibility::default(),
            members: Vec::new(),
            limits: Vec::new(),
        };
        return (early, units);
    }
    let dirs: Vec<PathBuf> = options
        .paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .collect();
    let (commands, unread) = CompileCommands::discover(&dirs);
    notes.extend(unread);
    let build = units::Build {
        commands: &commands,
        include: &policy.c_include,
        defines: &policy.c_defines,
    };
    let sdk = match frontend::c::sdk_macros() {
        Ok(sdk) => sdk,
        Err(why) => {
            notes.push(format!(
                "internal error: {why}; the SDK's macros are unknown to the preprocessor"
            ));
            Default::default()
        }
    };
    let preprocessed = units::preprocess(&unit_files, &options.targets, &build, &sdk);
    let regions = preprocessed
        .regions
        .into_iter()
        .enumerate()
        .map(|(unit_file, regions)| (input_of[unit_file], regions))
        .collect();
    let unit_file_of = input_of
        .iter()
        .enumerate()
        .filter_map(|(unit_file, &input)| Some((input, u32::try_from(unit_file).ok()?)))
        .collect();
    let members = preprocessed
        .units
        .iter()
        .map(|files| files.iter().map(|&f| input_of[f as usize]).collect())
        .collect();
    let macro_visibility = Visibility::new(preprocessed.units, unit_files.len());
    let limits = preprocessed
        .notes
        .into_iter()
        .map(|(unit_file, note)| (input_of[unit_file], note))
        .collect();
    (
        early,
        RunUnits {
            regions,
            unit_file_of,
            read_as_cpp: preprocessed.read_as_cpp,
            macros: preprocessed.macros,
            macro_visibility,
            members,
            limits,
        },
    )
}

/// A file read and lowered, with errors for the parts of it that could not be analysed, and
/// whether its lowering came from the cache.
type ReadFile = (SourceFile, FileIr, Vec<FileError>, bool);

/// Reads a file once and lowers it, or takes what an earlier run made of the same bytes.
fn read_and_lower(
    input: &Input,
    max_file_bytes: u64,
    cache: Option<&Cache>,
    read: Option<Bytes>,
    unit: Option<&UnitView>,
    macros: Option<&PackageMacros>,
) -> Result<ReadFile, FileError> {
    let fail = |message: String| FileError::new(&input.path, message);
    let limit = match input.kind {
        FileKind::Binary => MAX_BINARY_BYTES,
        _ => max_file_bytes,
    };
    let bytes = match read {
        Some(read) => read.map_err(fail)?,
        None => read_bytes(&input.path, limit).map_err(|e| fail(format!("{e}; skipped")))?,
    };
    let digest = macros.map_or(0, |m| m.digest);
    let cached = cache.map(|cache| (cache, Cache::key_in(input.kind, &bytes, unit, digest)));
    let stored = cached
        .as_ref()
        .and_then(|(cache, key)| cache.get(key, input.kind, &bytes));
    let from_cache = stored.is_some();
    let lowered = match stored {
        Some(lowered) => lowered,
        None => {
            let no_macros = Arc::default();
            let definitions = macros.map_or(&no_macros, |m| &m.definitions);
            let lowered = frontend::lower_in_package(input.kind, bytes, unit, definitions).map(
                |mut lowered| {
                    lowered.ir.compact();
                    lowered
                },
            );
            if let Some((cache, key)) = &cached {
                cache.put(key, &lowered);
            }
            lowered
        }
    };
    let lowered = lowered.map_err(fail)?;
    let partial = lowered.errors.into_iter().map(fail).collect();
    Ok((
        SourceFile::compressed(
            input.path.clone(),
            display_path(&input.path),
            &lowered.text,
            lowered.text.contains(suppress::ALLOW_MARK),
        ),
        lowered.ir,
        partial,
        from_cache,
    ))
}

/// The package root of files (the nearest directory above with a `Cargo.toml`), looked up once
/// per directory.
struct PackageRoots {
    cwd: PathBuf,
    of_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl PackageRoots {
    fn new() -> Self {
        PackageRoots {
            cwd: std::env::current_dir().unwrap_or_default(),
            of_dir: HashMap::new(),
        }
    }

    /// The file's absolute path and its package root.
    fn of(&mut self, file: &Path) -> (PathBuf, Option<PathBuf>) {
        let path = normalize(&self.cwd.join(file));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = self
            .of_dir
            .entry(dir)
            .or_insert_with_key(|dir| {
                dir.ancestors()
                    .find(|d| d.join("Cargo.toml").is_file())
                    .map(Path::to_path_buf)
            })
            .clone();
        (path, root)
    }
}

/// Where each file lives: its absolute path, its package root (the nearest directory with a
/// `Cargo.toml`) and the command-line directory it was found under.
fn locate<'p>(files: impl Iterator<Item = &'p Path>, roots: &[PathBuf]) -> Vec<Location> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |path: &Path| normalize(&cwd.join(path));
    let roots: Vec<PathBuf> = roots
        .iter()
        .map(|root| {
            let root = absolute(root);
            match root.is_dir() {
                true => root,
                false => root.parent().map(Path::to_path_buf).unwrap_or(root),
            }
        })
        .collect();
    let mut package_roots = PackageRoots::new();
    files
        .map(|file| {
            let (path, package_root) = package_roots.of(file);
            let lint_root = roots
                .iter()
                .filter(|root| path.starts_with(root))
                .max_by_key(|root| root.components().count())
                .cloned()
                .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
            Location {
                display: display_path(file),
                path,
                package_root,
                lint_root,
            }
        })
        .collect()
}

/// The Rust files of the binding crates the packages of `inputs` depend on.
fn binding_inputs(inputs: &[Input], cargo_home: &Path) -> Vec<Input> {
    let mut package_roots = PackageRoots::new();
    let roots = inputs
        .iter()
        .filter(|input| input.kind == FileKind::Rust)
        .filter_map(|input| package_roots.of(&input.path).1)
        .collect();
    let sources = dependencies::binding_sources(&roots, cargo_home);
    if sources.is_empty() {
        return Vec::new();
    }
    let (found, _) = discover::discover(&sources, &[]);
    // A path dependency inside the linted tree is linted, not read a second time.
    let linted: std::collections::HashSet<PathBuf> = inputs
        .iter()
        .filter(|input| input.kind == FileKind::Rust)
        .filter_map(|input| input.path.canonicalize().ok())
        .collect();
    found
        .into_iter()
        .filter(|input| input.kind == FileKind::Rust)
        .filter(|input| {
            input
                .path
                .canonicalize()
                .is_ok_and(|path| !linted.contains(&path))
        })
        .collect()
}

/// The `macro_rules!` definitions of a package's Rust files, which its other files may invoke.
struct PackageMacros {
    definitions: Arc<CrateMacros>,
    /// Of the definitions, for cache keys: a file's IR depends on what its macros expand to.
    digest: u64,
}

/// For each input, the index of its package's macros in the second list, when it is a Rust
/// file of a package whose files define some. Files are grouped by package root (the nearest
/// directory with a `Cargo.toml`); a name two files define differently is left out: which
/// one a file sees depends on module order this does not follow.
fn package_macros(
    inputs: &[Input],
    max_file_bytes: u64,
) -> (Vec<Option<usize>>, Vec<PackageMacros>) {
    let mut package_roots = PackageRoots::new();
    let roots: Vec<Option<PathBuf>> = inputs
        .iter()
        .map(|input| {
            if input.kind != FileKind::Rust {
                return None;
            }
            let (path, root) = package_roots.of(&input.path);
            // Outside a package, the files of one directory are taken for one.
            root.or_else(|| path.parent().map(Path::to_path_buf))
        })
        .collect();
    let definitions: Vec<Vec<(String, String)>> = inputs
        .par_iter()
        .zip(&roots)
        .map(|(input, root)| {
            root.as_ref()
                .and_then(|_| read_bytes(&input.path, max_file_bytes).ok())
                .filter(|bytes| may_define_macros(bytes))
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|text| frontend::rust::macro_definitions(&text))
                .unwrap_or_default()
        })
        .collect();
    let mut by_root: HashMap<&PathBuf, HashMap<String, Option<String>>> = HashMap::new();
    for (root, found) in roots.iter().zip(definitions) {
        let Some(root) = root else { continue };
        for (name, body) in found {
            by_root
                .entry(root)
                .or_default()
                .entry(name)
                .and_modify(|known| {
                    if known.as_ref() != Some(&body) {
                        *known = None;
                    }
                })
                .or_insert(Some(body));
        }
    }
    let mut index_of_root: HashMap<&PathBuf, usize> = HashMap::new();
    let mut packages = Vec::new();
    for (root, names) in by_root {
        let mut definitions: Vec<(String, String)> = names
            .into_iter()
            .filter_map(|(name, body)| Some((name, body?)))
            .collect();
        if definitions.is_empty() {
            continue;
        }
        definitions.sort();
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for (name, body) in &definitions {
            hasher.update(name.as_bytes());
            hasher.update(b"\0");
            hasher.update(body.as_bytes());
            hasher.update(b"\0");
        }
        index_of_root.insert(root, packages.len());
        packages.push(PackageMacros {
            definitions: Arc::new(definitions.into_iter().collect()),
            digest: hasher.digest().max(1),
        });
    }
    let package_of = roots
        .iter()
        .map(|root| root.as_ref().and_then(|r| index_of_root.get(r).copied()))
        .collect();
    (package_of, packages)
}

/// Whether the bytes hold `macro_rules`: most files define no macro and are not tokenised.
fn may_define_macros(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"macro_rules").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Two 15 MB C files read at `-j2` once took twice the memory of one: each worker held a
    /// syntax tree and IR of its own. Large files now share a budget of bytes in flight, while
    /// small ones proceed beside them.
    #[test]
    fn large_files_are_lowered_within_a_budget_beside_the_small_ones() {
        let mb = LARGE_FILE_BYTES;
        let budget = LARGE_BYTES_AT_ONCE;
        // More small files than large ones: the half of the schedule that other workers take
        // first holds only small files.
        let mut sizes = vec![mb, budget * 2, mb * 3, mb * 2, budget];
        sizes.extend(10..30);
        let (large_bytes_now, most_large_bytes, most_large_files, small_beside_large) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let large_files_now = AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        // Long enough for the other workers to take files meanwhile, however loaded the
        // machine.
        let deadline = Instant::now() + Duration::from_secs(20);
        let done = pool.install(|| {
            each_largest_first(&sizes, |i| {
                let size = usize::try_from(sizes[i]).unwrap();
                if sizes[i] >= mb {
                    let bytes = large_bytes_now.fetch_add(size, Ordering::SeqCst) + size;
                    let files = large_files_now.fetch_add(1, Ordering::SeqCst) + 1;
                    most_large_bytes.fetch_max(bytes, Ordering::SeqCst);
                    most_large_files.fetch_max(files, Ordering::SeqCst);
                    while small_beside_large.load(Ordering::SeqCst) == 0
                        && Instant::now() < deadline
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    large_files_now.fetch_sub(1, Ordering::SeqCst);
                    large_bytes_now.fetch_sub(size, Ordering::SeqCst);
                } else if large_files_now.load(Ordering::SeqCst) > 0 {
                    small_beside_large.fetch_add(1, Ordering::SeqCst);
                }
                i
            })
        });
        let mut indexes: Vec<usize> = done
            .iter()
            .map(|&(i, result)| {
                assert_eq!(i, result);
                i
            })
            .collect();
        indexes.sort_unstable();
        assert_eq!(indexes, (0..sizes.len()).collect::<Vec<_>>());
        // The file over the budget went alone; the others shared it.
        let budget = usize::try_from(budget).unwrap();
        assert_eq!(most_large_bytes.load(Ordering::SeqCst), budget * 2);
        assert!(
            most_large_files.load(Ordering::SeqCst) >= 2,
            "large files side by side"
        );
        assert!(small_beside_large.load(Ordering::SeqCst) > 0);
    }
}
