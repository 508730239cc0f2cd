//! The command line: `ptrwidth [OPTIONS] [PATH]...` and `cargo ptrwidth [OPTIONS] [PATH]...`,
//! plus the `rules`, `explain`, `config` and `inspect` subcommands. It parses arguments, hands
//! them to [`Settings::resolve`], runs the engine and prints; what a run is configured with is
//! decided in the library.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::catalog;
use crate::engine::{self, Outcome, Progress};
use crate::fix;
use crate::inspect;
use crate::report::text::{escape, printable_lines};
use crate::report::{self, Context, FailOn, Format, Style};
use crate::settings::{self, Flags, Settings};
use crate::source::FileError;
use crate::workspace::{CheckCommand, Selection};

const EXIT_CODES: &str = "\
Exit codes:
  0  no error-level finding (warnings alone exit 0), or none at the --fail-on level
  1  at least one error-level finding, or one at the --fail-on level; with --diff, fixes to apply
  2  usage error, internal error, or nothing could be linted

A path named like a subcommand (rules, explain, config, inspect) is given as ./rules.";

const INSPECT_EXIT_CODES: &str = "\
Exit codes:
  0  every file was read
  1  a file is not a Windows binary, or is corrupt
  2  usage error, or a path given does not exist";

const DEFAULT_CHECK: &str = "cargo check --message-format=json";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Finds pointer-width (32/64-bit) portability bugs in Windows FFI code.
#[derive(Debug, Parser)]
#[command(
    name = "ptrwidth",
    version,
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true
)]
struct Standalone {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    common: Common,
}

/// Finds pointer-width (32/64-bit) portability bugs in the packages of a cargo workspace.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-ptrwidth",
    bin_name = "cargo ptrwidth",
    version,
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true
)]
struct Cargo {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    cargo: CargoArgs,
}

#[derive(Debug, Args)]
struct CargoArgs {
    /// Path to Cargo.toml of the workspace or package to lint.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Lint only this package (repeatable).
    #[arg(short, long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Lint every workspace member (the default when no package is named).
    #[arg(long)]
    workspace: bool,
    /// Leave this package out (repeatable).
    #[arg(long = "exclude", value_name = "NAME")]
    excluded: Vec<String>,
    /// cargo's output flag: `json` (and its `json-*` variants) is `--format rustc-json`.
    #[arg(long, value_name = "FMT")]
    message_format: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the rules: name, default level and summary.
    Rules,
    /// Print a rule's documentation: why it matters, a bad and a good example, the fix.
    Explain {
        /// The rule's name, as in `ptrwidth rules`.
        rule: String,
    },
    /// Print the effective configuration and where each value came from.
    Config {
        #[command(flatten)]
        common: Box<Common>,
    },
    /// Print the machine, bitness and kind of Windows binaries (.dll .exe .sys .ocx .cpl .lib).
    #[command(after_help = INSPECT_EXIT_CODES)]
    Inspect {
        /// Binaries, or directories to search for them.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = inspect::Format::Human)]
        format: inspect::Format,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// Files or directories to lint [default: `.`, or the cargo workspace with `cargo ptrwidth`].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format [default: human].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also write a report in another format to a file (repeatable): `sarif=ptrwidth.sarif`.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    reports: Vec<(Format, PathBuf)>,
    /// Windows target triple the code is built for (repeatable) [default: `targets` from the
    /// configuration, else `build.target` from .cargo/config.toml, else x86_64-pc-windows-msvc].
    #[arg(long = "target", value_name = "TRIPLE")]
    targets: Vec<String>,
    /// Run only these rules.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Exit 1 on findings at this level or above.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Apply every machine-applicable fix, then report what is left.
    #[arg(long)]
    fix: bool,
    /// With --fix or --diff, also apply fixes that may change behaviour (review them).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change, and change nothing.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// Report only findings that this baseline file does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in a baseline file, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "fix", "diff"])]
    write_baseline: Option<PathBuf>,
    /// Run a check command first and pass its JSON records through (rustc-json output; for
    /// rust-analyzer). The command is split on whitespace.
    #[arg(
        long,
        value_name = "CMD",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = DEFAULT_CHECK
    )]
    with_check: Option<String>,
    /// Print only the summary line.
    #[arg(short, long)]
    quiet: bool,
    /// When to color human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Number of worker threads [default: one per core].
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Skip source files larger than this, with a note [default: `max-file-size` from the
    /// configuration, else 16 MiB].
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Keep what was read of each file here, to skip unchanged files on the next run
    /// [default: `target/ptrwidth-cache` under `cargo ptrwidth`, else the user's cache directory].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Read every file afresh, and neither use nor write the cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
}

fn parse_report(value: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = value
        .split_once('=')
        .ok_or_else(|| "expected FORMAT=PATH, e.g. sarif=ptrwidth.sarif".to_string())?;
    let format = Format::from_str(format, true).map_err(|_| {
        format!("unknown format `{format}`; formats are human, json, sarif, github, rustc-json")
    })?;
    Ok((format, PathBuf::from(path)))
}

/// The `ptrwidth` program; to be called first thing in `main` (it sets up the allocator).
pub fn main_standalone() -> ExitCode {
    // SAFETY: first thing the program does; no tree-sitter object exists.
    unsafe { crate::allocator::configure() };
    let args = Standalone::parse();
    finish(match args.command {
        Some(command) => subcommand(command, None),
        None => run(args.common, None),
    })
}

/// The `cargo-ptrwidth` program; to be called first thing in `main` (it sets up the
/// allocator). cargo runs `cargo-ptrwidth ptrwidth [ARGS]`; the repeated name is dropped.
pub fn main_cargo() -> ExitCode {
    // SAFETY: first thing the program does; no tree-sitter object exists.
    unsafe { crate::allocator::configure() };
    let mut argv: Vec<OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "ptrwidth") {
        argv.remove(1);
    }
    let args = Cargo::parse_from(argv);
    let mut common = args.common;
    let cargo = args.cargo;
    let selection = Selection {
        manifest_path: cargo.manifest_path,
        packages: cargo.packages,
        excluded: cargo.excluded,
    };
    if let Some(message_format) = &cargo.message_format {
        let format = if message_format.starts_with("json") {
            Format::RustcJson
        } else if matches!(message_format.as_str(), "human" | "short") {
            Format::Human
        } else {
            return finish(Err(format!(
                "unknown --message-format `{message_format}`; use json or human"
            )));
        };
        if common.format.is_some_and(|f| f != format) {
            return finish(Err(
                "--message-format and --format name different formats".to_string()
            ));
        }
        common.format = Some(format);
    }
    finish(match args.command {
        Some(command) => subcommand(command, Some(&selection)),
        None => run(common, Some(&selection)),
    })
}

fn finish(result: Result<ExitCode, String>) -> ExitCode {
    result.unwrap_or_else(|message| {
        eprintln!("error: {}", printable_lines(&message));
        ExitCode::from(2)
    })
}

fn subcommand(command: Command, cargo: Option<&Selection>) -> Result<ExitCode, String> {
    let docs = catalog::all().map_err(|e| format!("internal error: {e}"))?;
    let mut out = String::new();
    match command {
        Command::Rules => {
            let width = docs.iter().map(|d| d.name.len()).max().unwrap_or(0);
            for doc in docs {
                out.push_str(&format!(
                    "{:width$}  {:7}  {}\n",
                    doc.name,
                    doc.level().as_str(),
                    doc.summary
                ));
            }
        }
        Command::Explain { rule } => {
            let doc = catalog::get(&rule).ok_or_else(|| settings::unknown_rule(&rule))?;
            out.push_str(&format!(
                "{} ({}, tags: {})\n\n{}\n\n## Why\n\n{}\n\n## Fix\n\n{}\n",
                doc.name,
                doc.level().as_str(),
                doc.tags.join(", "),
                doc.summary,
                doc.why.trim(),
                doc.fix.trim()
            ));
            for (language, example) in &doc.examples {
                out.push_str(&format!(
                    "\n## Bad ({language})\n\n{}\n\n## Good ({language})\n\n{}\n",
                    example.bad.trim_end(),
                    example.good.trim_end()
                ));
            }
        }
        Command::Config { common } => {
            out = Settings::resolve(&flags(&common, cargo))?.describe();
        }
        Command::Inspect { files, format } => return run_inspect(&files, format),
    }
    // The configuration's keys and paths are the project's text.
    write_stdout(printable_lines(&out).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a reader that stopped early (`ptrwidth ... | head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    match io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("cannot write output: {e}")),
        _ => Ok(()),
    }
}

fn run_inspect(files: &[PathBuf], format: inspect::Format) -> Result<ExitCode, String> {
    let inspected = inspect::inspect(files);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    match inspect::write(format, &inspected, &mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("cannot write output: {e}")),
    }
    // As in a run: a path that names nothing is a mistyped command line.
    let mut missing = false;
    for path in files {
        if let Err(error) = std::fs::symlink_metadata(path) {
            eprintln!(
                "error: {}: {}",
                escape(&path.to_string_lossy()),
                escape(&error.to_string())
            );
            missing = true;
        }
    }
    if missing {
        return Ok(ExitCode::from(2));
    }
    let unreadable = inspected.iter().any(|i| i.result.is_err());
    Ok(ExitCode::from(u8::from(unreadable)))
}

fn flags(args: &Common, cargo: Option<&Selection>) -> Flags {
    Flags {
        paths: args.paths.clone(),
        targets: args.targets.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        max_file_size: args.max_file_size,
        cache_dir: args.cache_dir.clone(),
        no_cache: args.no_cache,
        cargo: cargo.cloned(),
    }
}

fn run(args: Common, cargo: Option<&Selection>) -> Result<ExitCode, String> {
    if args.jobs == Some(0) {
        return Err("--jobs must be at least 1".to_string());
    }
    if let Some(jobs) = args.jobs.filter(|&jobs| jobs > engine::max_jobs()) {
        eprintln!(
            "note: --jobs {jobs} is more than 4 threads per core; using {}",
            engine::max_jobs()
        );
    }
    if args.unsafe_fixes && !(args.fix || args.diff) {
        return Err("--unsafe-fixes needs --fix or --diff".to_string());
    }
    let format = match (&args.with_check, args.format) {
        (Some(_), None | Some(Format::RustcJson)) => Format::RustcJson,
        (Some(_), Some(_)) => {
            return Err("--with-check writes rustc-json output; drop --format".to_string());
        }
        (None, format) => format.unwrap_or(Format::Human),
    };
    let settings = Settings::resolve(&flags(&args, cargo))?;
    let missing = settings.missing_paths();
    if args.fix && !missing.is_empty() {
        return Err(format!("{}; nothing was fixed", missing.join("; ")));
    }
    let knowledge = settings.knowledge()?;
    let check = args
        .with_check
        .as_deref()
        .map(CheckCommand::spawn)
        .transpose()?;
    let progress = (!format.is_machine() && !args.quiet && io::stderr().is_terminal())
        .then(|| Arc::new(Progress::default()));
    let options = settings.options(args.jobs);
    let policy = settings.policy(progress.clone())?;
    let lint = || -> Result<Outcome, String> {
        let spinner = progress.clone().map(Spinner::start);
        let outcome = engine::run_with(&options, &policy, &knowledge);
        if let Some(spinner) = spinner {
            spinner.stop();
        }
        outcome
    };
    let mut outcome = lint()?;
    for note in &outcome.notes {
        eprintln!("note: {}", escape(note));
    }

    if let Some(path) = &args.write_baseline {
        for error in baseline::unread(&outcome) {
            eprintln!(
                "error: could not read {}: {}",
                escape(&error.path),
                escape(&error.message)
            );
        }
        let count = baseline::write(&outcome, path)?;
        eprintln!(
            "ptrwidth: recorded {count} findings in {}",
            escape(&path.to_string_lossy())
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.diff {
        let plan = fix::plan(&outcome, args.unsafe_fixes);
        report_unfixed(&plan.conflicts, &plan.failures);
        // stdout is the patch: what could not be read is said on stderr, as a run without
        // --diff says it in its report, and a run that read nothing exits 2 as well.
        for error in &outcome.errors {
            eprintln!(
                "warning: could not read {}: {}",
                escape(&error.path),
                escape(&error.message)
            );
        }
        write_stdout(fix::diff(&plan).as_bytes())?;
        if !missing.is_empty() || (outcome.files.is_empty() && !outcome.errors.is_empty()) {
            return Ok(ExitCode::from(2));
        }
        return Ok(ExitCode::from(u8::from(!plan.files.is_empty())));
    }
    if args.fix {
        let fixed = fix::apply_and_relint(&mut outcome, args.unsafe_fixes, &settings.paths, lint)?;
        report_unfixed(&fixed.conflicts, &fixed.failures);
        if !fixed.settled {
            eprintln!(
                "note: fixes still apply after {} rounds; run --fix again",
                fix::MAX_ROUNDS
            );
        }
        eprintln!(
            "ptrwidth: fixed {} findings in {} files",
            fixed.findings, fixed.files
        );
    }
    if let Some(path) = &args.baseline {
        let applied = baseline::apply(&mut outcome, path)?;
        if applied.stale > 0 {
            eprintln!(
                "note: {} entries of baseline {} no longer match any finding; rewrite it with --write-baseline",
                applied.stale,
                escape(&path.to_string_lossy())
            );
        }
    }

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut cx = Context {
        style: Style {
            color,
            quiet: args.quiet,
        },
        root: report::repository_root(),
        packages: &settings.packages,
        build_succeeded: true,
    };
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let mut written = Ok(());
    if let Some(check) = check {
        match check.pass_through(&mut stdout) {
            Ok(succeeded) => cx.build_succeeded = succeeded,
            Err(e) => written = Err(e),
        }
    }
    let written = written
        .and_then(|()| report::write(format, &outcome, &cx, &mut stdout))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        // `ptrwidth | head` closing the pipe early is not a failure of the run.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("cannot write output: {e}")),
    }
    let file_cx = Context {
        style: Style {
            color: false,
            quiet: false,
        },
        ..cx
    };
    for (format, path) in &args.reports {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut file = io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        report::write(*format, &outcome, &file_cx, &mut file)
            .and_then(|()| file.flush())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }

    if !missing.is_empty() {
        for path in &missing {
            eprintln!("error: {}", escape(path));
        }
        return Ok(ExitCode::from(2));
    }
    if outcome.files.is_empty() {
        if !outcome.errors.is_empty() {
            return Ok(ExitCode::from(2));
        }
        eprintln!("warning: no files to lint");
    }
    let fails = report::counts(&outcome).fail(args.fail_on) || !file_cx.build_succeeded;
    Ok(ExitCode::from(u8::from(fails)))
}

/// Says on stderr which fixes waited for an earlier one and which files could not be fixed.
fn report_unfixed(conflicts: &[String], failures: &[FileError]) {
    for conflict in conflicts {
        eprintln!("note: {}", printable_lines(conflict));
    }
    for failure in failures {
        eprintln!(
            "warning: {}: {}",
            escape(&failure.path),
            escape(&failure.message)
        );
    }
}

/// A one-line progress display on stderr, shown only once a run has taken a second.
struct Spinner {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Spinner {
    fn start(progress: Arc<Progress>) -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let frames = ['|', '/', '-', '\\'];
            let mut shown = false;
            let mut frame = 0;
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let elapsed = started.elapsed();
                if elapsed < Duration::from_secs(1) {
                    continue;
                }
                let done = progress.done.load(Ordering::Relaxed);
                let total = progress.total.load(Ordering::Relaxed);
                let rate = done as f64 / elapsed.as_secs_f64();
                eprint!(
                    "\r{} linting: {done}/{total} files ({rate:.0} files/s)\x1b[K",
                    frames[frame % frames.len()]
                );
                frame += 1;
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        Spinner { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
