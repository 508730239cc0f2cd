//! Human output: miette's annotated snippets, then one summary line.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, Severity, SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Applicability, Diagnostic, Level};
use crate::engine::Outcome;
use crate::source::{SourceFile, Span};

use super::Style;
use super::text::{self, MAX_QUOTED_LINE, escape};

/// The lines miette shows around each label, as it is configured by default.
const CONTEXT_LINES: usize = 1;

pub fn write(outcome: &Outcome, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    if !style.quiet {
        let handler = handler(style.color);
        for diagnostic in &outcome.diagnostics {
            let rendered = render_with(&handler, outcome, diagnostic)?;
            writeln!(out, "{rendered}")?;
        }
        for error in &outcome.errors {
            writeln!(
                out,
                "could not read {}: {}",
                escape(&error.path),
                escape(&error.message)
            )?;
        }
    }
    let counts = super::counts(outcome);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut summary = format!(
        "ptrwidth: {} linted: {}, {}",
        plural(outcome.linted_files, "file"),
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
    // miette wraps long messages: a wrapped line must not start with `::` either.
    Ok(match text::guard_commands(&rendered) {
        std::borrow::Cow::Borrowed(_) => rendered,
        std::borrow::Cow::Owned(guarded) => guarded,
    })
}

struct Report {
    message: String,
    code: String,
    severity: Severity,
    source: Option<NamedSource<Excerpt>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

/// Whether a span starts and ends on lines short enough to be quoted.
fn on_short_lines(file: &SourceFile, span: Span) -> bool {
    let short = |offset: usize| {
        let line = file.line_text(file.line_of(offset));
        line.len() <= MAX_QUOTED_LINE || line.chars().nth(MAX_QUOTED_LINE).is_none()
    };
    short(span.start) && (!file.slice(span).contains('\n') || short(span.end))
}

impl Report {
    fn new(outcome: &Outcome, diagnostic: &Diagnostic) -> Self {
        let file = &outcome.files[diagnostic.file];
        let quotable = on_short_lines(file, diagnostic.span);
        let mut message = escape(&diagnostic.message).into_owned();
        let at = |file: &SourceFile, offset: usize| {
            let at = file.position(offset);
            format!("{}:{}:{}", escape(&file.display), at.line, at.column)
        };
        if !quotable {
            message.push_str(&format!(" (at {})", at(file, diagnostic.span.start)));
        }
        let mut quoted = vec![(
            diagnostic.label.as_deref().map(escape),
            diagnostic.span,
            true,
        )];
        let mut notes = Vec::new();
        for label in &diagnostic.labels {
            let other = &outcome.files[label.file];
            if label.file == diagnostic.file && quotable && on_short_lines(other, label.span) {
                quoted.push((Some(escape(&label.message)), label.span, false));
            } else {
                notes.push(format!(
                    "{} ({})",
                    escape(&label.message),
                    at(other, label.span.start)
                ));
            }
        }
        let mut help: Vec<String> = diagnostic
            .help
            .iter()
            // Help is written in lines, some of them indented.
            .map(|help| text::escape_source(help).into_owned())
            .collect();
        help.extend(notes);
        for fix in &diagnostic.fixes {
            let kind = match fix.applicability {
                Applicability::MachineApplicable => "fix",
                Applicability::MaybeIncorrect => "suggestion",
            };
            help.push(format!("{kind}: {}", escape(&fix.message)));
        }
        let (source, labels) = if quotable {
            let excerpt = Excerpt::new(file, quoted.iter().map(|&(_, span, _)| span));
            let labels = quoted
                .into_iter()
                .map(|(label, span, primary)| {
                    let start = excerpt.offset(span.start);
                    let span = (start, excerpt.offset(span.end).saturating_sub(start));
                    let label = label.map(std::borrow::Cow::into_owned);
                    if primary {
                        LabeledSpan::new_primary_with_span(label, span)
                    } else {
                        LabeledSpan::new_with_span(label, span)
                    }
                })
                .collect();
            let name = escape(&file.display).into_owned();
            (Some(NamedSource::new(name, excerpt)), labels)
        } else {
            (None, Vec::new())
        };
        Report {
            message,
            code: format!("ptrwidth::{}", diagnostic.rule),
            severity: match diagnostic.level {
                Level::Error => Severity::Error,
                Level::Warning => Severity::Warning,
            },
            source,
            labels,
            help: (!help.is_empty()).then(|| help.join("\n")),
        }
    }
}

/// The lines of a file a snippet shows (each label's lines and the context around them),
/// escaped, with the context lines too long to quote cut short. Labels' offsets are moved
/// into it by [`Excerpt::offset`]; miette numbers its lines from `first_line`.
struct Excerpt {
    text: String,
    /// The 0-based number of its first line in the file.
    first_line: usize,
    /// Where in the file it starts.
    start: usize,
    /// Offsets in the file from which later offsets move, and by how much they do.
    moves: Vec<(usize, isize)>,
}

impl Excerpt {
    fn new(file: &SourceFile, spans: impl Iterator<Item = Span>) -> Excerpt {
        let lines_of = |offset: usize| file.line_of(offset);
        let labelled: Vec<usize> = spans
            .flat_map(|span| [lines_of(span.start), lines_of(span.end)])
            .collect();
        let last_line = lines_of(file.text().len());
        let first = labelled
            .iter()
            .min()
            .map_or(1, |l| l.saturating_sub(CONTEXT_LINES).max(1));
        let last = labelled
            .iter()
            .max()
            .map_or(1, |l| (l + CONTEXT_LINES).min(last_line));
        let start = file.line_span(first).start;
        let mut excerpt = Excerpt {
            text: String::new(),
            first_line: first - 1,
            start,
            moves: Vec::new(),
        };
        let mut moved: isize = 0;
        for line in first..=last {
            let span = file.line_span(line);
            let whole = file.slice(span);
            let content = whole.trim_end_matches(['\n', '\r']);
            let terminator = &whole[content.len()..];
            let mut kept = content;
            if content.chars().count() > MAX_QUOTED_LINE && !labelled.contains(&line) {
                let cut = content
                    .char_indices()
                    .nth(MAX_QUOTED_LINE)
                    .map_or(content.len(), |(i, _)| i);
                kept = &content[..cut];
            }
            let escaped = text::escape_source_tracked(kept, |after, grown| {
                excerpt
                    .moves
                    .push((span.start + after, moved + grown as isize));
            });
            let grown = escaped.len() as isize - kept.len() as isize;
            excerpt.text.push_str(&escaped);
            moved += grown;
            if kept.len() < content.len() {
                excerpt.text.push_str("...");
                moved += 3 - (content.len() - kept.len()) as isize;
                excerpt.moves.push((span.start + content.len(), moved));
            }
            excerpt.text.push_str(terminator);
        }
        excerpt
    }

    fn offset(&self, offset: usize) -> usize {
        let at = self.moves.partition_point(|&(from, _)| from <= offset);
        let moved = at.checked_sub(1).map_or(0, |i| self.moves[i].1);
        (offset - self.start).saturating_add_signed(moved)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
            contents.column(),
            contents.line_count(),
        )))
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
