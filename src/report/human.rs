//! Human output: miette's annotated snippets, then one summary line.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity};

use crate::diagnostic::{Applicability, Diagnostic, Level};
use crate::engine::Outcome;

use super::Style;

/// Lines longer than this are not quoted: a minified or generated line would flood the terminal.
const MAX_SNIPPET_LINE: usize = 400;

pub fn write(outcome: &Outcome, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    if !style.quiet {
        let handler = handler(style.color);
        for diagnostic in &outcome.diagnostics {
            let rendered = render_with(&handler, outcome, diagnostic)?;
            writeln!(out, "{rendered}")?;
        }
        for error in &outcome.errors {
            writeln!(out, "could not read {}: {}", error.path, error.message)?;
        }
    }
    let counts = super::counts(outcome);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut summary = format!(
        "ptrwidth: {} linted: {}, {}",
        plural(outcome.files.len(), "file"),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
    );
    if !outcome.errors.is_empty() {
        summary.push_str(&format!(
            ", {} could not be read or parsed in full",
            plural(outcome.errors.len(), "file")
        ));
    }
    writeln!(out, "{summary}")
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_links(false)
}

/// One diagnostic as the human format shows it, without color.
pub fn render(outcome: &Outcome, diagnostic: &Diagnostic) -> io::Result<String> {
    render_with(&handler(false), outcome, diagnostic)
}

fn render_with(
    handler: &GraphicalReportHandler,
    outcome: &Outcome,
    diagnostic: &Diagnostic,
) -> io::Result<String> {
    let report = Report::new(outcome, diagnostic);
    let mut rendered = String::new();
    handler
        .render_report(&mut rendered, &report)
        .map_err(|_| io::Error::other("cannot render a diagnostic"))?;
    Ok(rendered)
}

struct Report {
    message: String,
    code: String,
    severity: Severity,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl Report {
    fn new(outcome: &Outcome, diagnostic: &Diagnostic) -> Self {
        let file = &outcome.files[diagnostic.file];
        let position = file.position(diagnostic.span.start);
        let quotable = file.line_text(position.line).len() <= MAX_SNIPPET_LINE;
        let mut message = diagnostic.message.clone();
        if !quotable {
            message.push_str(&format!(
                " (at {}:{}:{})",
                file.display, position.line, position.column
            ));
        }
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            diagnostic.label.clone(),
            (diagnostic.span.start, diagnostic.span.len()),
        )];
        let mut notes = Vec::new();
        for label in &diagnostic.labels {
            if label.file == diagnostic.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    (label.span.start, label.span.len()),
                ));
            } else {
                let other = &outcome.files[label.file];
                let at = other.position(label.span.start);
                notes.push(format!(
                    "{} ({}:{}:{})",
                    label.message, other.display, at.line, at.column
                ));
            }
        }
        let mut help: Vec<String> = diagnostic.help.iter().cloned().collect();
        help.extend(notes);
        for fix in &diagnostic.fixes {
            let kind = match fix.applicability {
                Applicability::MachineApplicable => "fix",
                Applicability::MaybeIncorrect => "suggestion",
            };
            help.push(format!("{kind}: {}", fix.message));
        }
        Report {
            message,
            code: format!("ptrwidth::{}", diagnostic.rule),
            severity: match diagnostic.level {
                Level::Error => Severity::Error,
                Level::Warning => Severity::Warning,
            },
            source: quotable.then(|| NamedSource::new(&file.display, file.text().clone())),
            labels: if quotable { labels } else { Vec::new() },
            help: (!help.is_empty()).then(|| help.join("\n")),
        }
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
