//! The command line: `ptrwidth [OPTIONS] [PATH]...` and `cargo ptrwidth [OPTIONS] [PATH]...`,
//! and `ptrwidth inspect FILE...`.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{self, Options};
use crate::knowledge::Knowledge;
use crate::report::{self, Format, Style};
use crate::target::{self, Target};

const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at error level (warnings alone exit 0)
  1  at least one error-level finding
  2  usage error, internal error, or nothing could be linted";

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
    disable_help_subcommand = true
)]
struct Standalone {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the machine, bitness and kind of Windows binaries (.dll .exe .sys .ocx .cpl .lib).
    #[command(after_help = INSPECT_EXIT_CODES)]
    Inspect(InspectArgs),
}

const INSPECT_EXIT_CODES: &str = "\
Exit codes:
  0  every file was read
  1  a file is not a Windows binary, or is corrupt
  2  usage error";

#[derive(Debug, Args)]
struct InspectArgs {
    /// Binaries, or directories to search for them.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Output format [default: human].
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Finds pointer-width (32/64-bit) portability bugs in the packages of a cargo workspace.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-ptrwidth",
    bin_name = "cargo ptrwidth",
    version,
    after_help = EXIT_CODES,
    disable_help_subcommand = true
)]
struct Cargo {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    common: Common,
    /// Path to Cargo.toml of the workspace or package to lint.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Lint only this package (repeatable).
    #[arg(short, long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Lint every workspace member (the default when no package is named).
    #[arg(long)]
    workspace: bool,
}

#[derive(Debug, Args)]
struct Common {
    /// Files or directories to lint [default: `.`, or the cargo workspace with `cargo ptrwidth`].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Windows target triple the code is built for (repeatable) [default: `build.target` from
    /// .cargo/config.toml, else x86_64-pc-windows-msvc].
    #[arg(long = "target", value_name = "TRIPLE")]
    targets: Vec<String>,
    /// Run only these rules.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Print only the summary line.
    #[arg(short, long)]
    quiet: bool,
    /// When to color human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Number of worker threads [default: one per core].
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
}

pub fn main_standalone() -> ExitCode {
    let args = Standalone::parse();
    match args.command {
        Some(Command::Inspect(inspect)) => finish(run_inspect(&inspect, args.common.format)),
        None => finish(run(args.common, None)),
    }
}

/// cargo runs `cargo-ptrwidth ptrwidth [ARGS]`; the repeated name is dropped.
pub fn main_cargo() -> ExitCode {
    let mut argv: Vec<OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "ptrwidth") {
        argv.remove(1);
    }
    let args = Cargo::parse_from(argv);
    if let Some(Command::Inspect(inspect)) = &args.command {
        return finish(run_inspect(inspect, args.common.format));
    }
    let workspace = CargoSelection {
        manifest_path: args.manifest_path,
        packages: args.packages,
    };
    finish(run(args.common, Some(workspace)))
}

struct CargoSelection {
    manifest_path: Option<PathBuf>,
    packages: Vec<String>,
}

fn finish(result: Result<ExitCode, String>) -> ExitCode {
    result.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

/// `format` is the one given before `inspect`, used when none is given after it.
fn run_inspect(args: &InspectArgs, format: Format) -> Result<ExitCode, String> {
    let inspected = crate::inspect::inspect(&args.files);
    let format = args.format.unwrap_or(format);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    match crate::inspect::write(format, &inspected, &mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("cannot write output: {e}")),
    }
    let unreadable = inspected.iter().any(|i| i.result.is_err());
    Ok(ExitCode::from(u8::from(unreadable)))
}

fn run(args: Common, cargo: Option<CargoSelection>) -> Result<ExitCode, String> {
    let knowledge = Knowledge::load().map_err(|e| format!("internal error: {e}"))?;
    crate::catalog::all().map_err(|e| format!("internal error: {e}"))?;
    let (paths, excluded_dirs) = match (&cargo, args.paths.is_empty()) {
        (Some(selection), true) => cargo_package_dirs(selection)?,
        (_, true) => (vec![PathBuf::from(".")], Vec::new()),
        (_, false) => (args.paths.clone(), Vec::new()),
    };
    let targets = resolve_targets(&args.targets, &paths[0])?;
    let rules = engine::select_rules(&args.select, &args.ignore)?;
    if args.jobs == Some(0) {
        return Err("--jobs must be at least 1".to_string());
    }
    let options = Options {
        paths,
        excluded_dirs,
        targets,
        rules,
        jobs: args.jobs,
    };
    let outcome = engine::run(&options, &knowledge)?;

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let style = Style {
        color,
        quiet: args.quiet,
    };
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let written =
        report::write(args.format, &outcome, &style, &mut stdout).and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        // `ptrwidth | head` closing the pipe early is not a failure of the run.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(format!("cannot write output: {e}")),
    }

    if outcome.files.is_empty() {
        if !outcome.errors.is_empty() {
            return Ok(ExitCode::from(2));
        }
        eprintln!("warning: no files to lint");
    }
    let errors = report::counts(&outcome).errors;
    Ok(ExitCode::from(u8::from(errors > 0)))
}

/// `--target` values, else the cargo configuration above the first path, else the default.
fn resolve_targets(requested: &[String], first_path: &Path) -> Result<Vec<Target>, String> {
    let triples = if requested.is_empty() {
        let configured = target::cargo_config_targets(first_path)?;
        if configured.is_empty() {
            vec![target::DEFAULT_TRIPLE.to_string()]
        } else {
            configured
        }
    } else {
        requested.to_vec()
    };
    let mut targets: Vec<Target> = Vec::new();
    for triple in triples {
        let target = Target::parse(&triple)?;
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    Ok(targets)
}

/// The directories of the selected workspace members, and those of the members not selected
/// (which may be nested inside a selected one and must not be walked).
fn cargo_package_dirs(selection: &CargoSelection) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps();
    if let Some(manifest) = &selection.manifest_path {
        command.manifest_path(manifest);
    }
    let metadata = command
        .exec()
        .map_err(|e| format!("cannot read the cargo workspace (is this a cargo project?): {e}"))?;
    let members = metadata.workspace_packages();
    for wanted in &selection.packages {
        if !members.iter().any(|p| p.name.as_str() == wanted) {
            return Err(format!(
                "package `{wanted}` is not a member of the workspace"
            ));
        }
    }
    let (selected, others): (Vec<_>, Vec<_>) = members.iter().partition(|p| {
        selection.packages.is_empty() || selection.packages.iter().any(|w| w == p.name.as_str())
    });
    let dir = |p: &&cargo_metadata::Package| {
        p.manifest_path
            .parent()
            .map(|dir| relative_to_cwd(dir.as_std_path()))
    };
    let dirs: Vec<PathBuf> = selected.iter().filter_map(dir).collect();
    if dirs.is_empty() {
        return Err("the workspace has no packages".to_string());
    }
    Ok((dirs, others.iter().filter_map(dir).collect()))
}

fn relative_to_cwd(path: &Path) -> PathBuf {
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    {
        Some(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
        Some(relative) => relative,
        None => path.to_path_buf(),
    }
}
