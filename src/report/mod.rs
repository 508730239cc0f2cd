//! Reporters: each renders the same outcome in one output format.

mod github;
mod human;
mod json;
mod rustc_json;
mod sarif;
pub mod text;

use std::cell::Cell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::diagnostic::Level;
use crate::engine::Outcome;
use crate::source::SourceFile;

pub use rustc_json::{Package, PackageTarget};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated snippets for people.
    Human,
    /// One JSON document with a stable schema, for tools.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub and others).
    Sarif,
    /// GitHub Actions workflow commands (annotations) and a step summary.
    Github,
    /// One JSON record per line as `cargo --message-format=json` prints (editors, rust-analyzer).
    RustcJson,
}

impl Format {
    /// Formats read by programs, where nothing else may reach the output.
    pub fn is_machine(self) -> bool {
        !matches!(self, Format::Human)
    }
}

pub struct Style {
    pub color: bool,
    /// Only the summary line.
    pub quiet: bool,
}

/// What reporters need beyond the outcome.
pub struct Context<'a> {
    pub style: Style,
    /// The repository root: SARIF and GitHub paths are relative to it.
    pub root: PathBuf,
    /// The cargo packages linted, for the records `rustc-json` attributes to a package.
    pub packages: &'a [Package],
    /// With `--with-check`, whether the check command succeeded (`rustc-json`'s
    /// `build-finished` reports both).
    pub build_succeeded: bool,
}

pub fn write(
    format: Format,
    outcome: &Outcome,
    cx: &Context,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(outcome, &cx.style, out),
        Format::Json => json::write(outcome, out),
        Format::Sarif => sarif::write(outcome, cx, out),
        Format::Github => github::write(outcome, cx, out),
        Format::RustcJson => rustc_json::write(outcome, cx, out),
    }
}

pub use human::render as render_human;

/// A sequence serialized as its items are made, each dropped once written: a report of many
/// findings is written without ever being held whole in memory.
struct Streamed<I>(Cell<Option<I>>);

impl<I> Streamed<I> {
    fn new(items: I) -> Self {
        Streamed(Cell::new(Some(items)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(items) => serializer.collect_seq(items),
            None => Err(serde::ser::Error::custom("a stream is written once")),
        }
    }
}

pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

/// The level of findings at and above which a run fails (exit code 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl Counts {
    pub fn fail(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::Error => self.errors > 0,
            FailOn::Warning => self.errors + self.warnings > 0,
            FailOn::Never => false,
        }
    }
}

pub fn counts(outcome: &Outcome) -> Counts {
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    Counts {
        errors,
        warnings: outcome.diagnostics.len() - errors,
    }
}

/// `$GITHUB_WORKSPACE` in GitHub Actions, else the nearest directory above the current one
/// holding `.git`, else the current directory.
pub fn repository_root() -> PathBuf {
    if let Some(workspace) = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        return PathBuf::from(workspace);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| cwd.clone(), Path::to_path_buf)
}

/// A file's path relative to the root, with `/` separators; the displayed path when the file
/// is outside the root.
pub fn path_from_root(root: &Path, file: &SourceFile) -> String {
    let absolute = std::path::absolute(&file.path).unwrap_or_else(|_| file.path.clone());
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
        Err(_) => file.display.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, FailOn};

    #[test]
    fn a_run_fails_on_findings_at_its_fail_on_level_or_above() {
        let warnings_only = Counts {
            errors: 0,
            warnings: 3,
        };
        let one_error = Counts {
            errors: 1,
            warnings: 0,
        };
        assert!(!warnings_only.fail(FailOn::Error));
        assert!(warnings_only.fail(FailOn::Warning));
        assert!(one_error.fail(FailOn::Error) && one_error.fail(FailOn::Warning));
        assert!(!one_error.fail(FailOn::Never));
    }
}
