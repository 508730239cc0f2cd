//! Reporters: each renders the same outcome in one output format.

mod human;
mod json;

use std::io::{self, Write};

use crate::diagnostic::Level;
use crate::engine::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated snippets for people.
    Human,
    /// One JSON document with a stable schema, for tools.
    Json,
}

pub struct Style {
    pub color: bool,
    /// Only the summary line.
    pub quiet: bool,
}

pub fn write(
    format: Format,
    outcome: &Outcome,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(outcome, style, out),
        Format::Json => json::write(outcome, out),
    }
}

pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
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
