//! `--format github`: one workflow command per finding, which GitHub Actions turns into an
//! annotation on the pull request, and, when `GITHUB_STEP_SUMMARY` names a file, a Markdown
//! summary appended to it. GitHub shows only ten annotations of each level per step, so the
//! summary is where the whole list lives. When `GITHUB_OUTPUT` names a file, the counts are
//! written there as the step's `errors` and `warnings` outputs.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, Write};

use crate::diagnostic::Level;
use crate::engine::Outcome;

use super::sarif::uri_path;
use super::{Context, path_from_root, text};

/// GitHub refuses step summaries over 1 MiB; leave room for the closing line.
const MAX_SUMMARY_BYTES: usize = 1024 * 1024 - 4 * 1024;

pub fn write(outcome: &Outcome, cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let paths: Vec<String> = outcome
        .files
        .iter()
        .map(|file| path_from_root(&cx.root, file))
        .collect();
    for d in &outcome.diagnostics {
        let source = &outcome.files[d.file];
        let start = source.position(d.span.start);
        let end = source.position(d.span.end);
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        writeln!(
            out,
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            property(&paths[d.file]),
            start.line,
            end.line,
            start.column,
            end.column,
            property(&format!("ptrwidth({})", d.rule)),
            data(&message),
        )?;
    }
    for error in &outcome.errors {
        writeln!(
            out,
            "::warning file={},title=ptrwidth::{}",
            property(&error.path),
            data(&format!("could not read {}: {}", error.path, error.message)),
        )?;
    }
    let counts = super::counts(outcome);
    writeln!(
        out,
        "ptrwidth: {} files linted: {} errors, {} warnings",
        outcome.linted_files, counts.errors, counts.warnings
    )?;
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        append(&summary, &step_summary(outcome, &paths, &Links::from_env()))?;
    }
    // The counts become the step's outputs, for later steps and the action's outputs.
    if let Some(outputs) = std::env::var_os("GITHUB_OUTPUT").filter(|s| !s.is_empty()) {
        append(
            &outputs,
            &format!("errors={}\nwarnings={}\n", counts.errors, counts.warnings),
        )?;
    }
    Ok(())
}

fn append(path: &std::ffi::OsStr, text: &str) -> io::Result<()> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Escaping for a command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a command's property values, where `:` and `,` are delimiters.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Where a finding's line can be viewed on GitHub, when the run says which commit it checks.
struct Links {
    blob: Option<String>,
}

impl Links {
    fn from_env() -> Links {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let blob = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repository), Some(sha)) => {
                Some(format!("{server}/{repository}/blob/{sha}"))
            }
            _ => None,
        };
        Links { blob }
    }

    fn location(&self, path: &str, line: usize) -> String {
        let shown = code(&cell(&format!("{path}:{line}")));
        match &self.blob {
            Some(blob) => format!("[{shown}]({blob}/{}#L{line})", uri_path(path)),
            None => shown,
        }
    }
}

/// Text made safe for a Markdown table cell: one line, its pipes escaped (GitHub reads `\|`
/// as a pipe even inside a code span).
fn cell(text: &str) -> String {
    text::escape(text).replace('|', "\\|")
}

/// A Markdown code span holding `text` as it is: its fence is one backtick longer than the
/// longest run of backticks inside, and a space pads text that starts or ends with one.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn step_summary(outcome: &Outcome, paths: &[String], links: &Links) -> String {
    let counts = super::counts(outcome);
    let mut markdown = format!(
        "## ptrwidth\n\n{} files linted: **{} errors**, **{} warnings**",
        outcome.linted_files, counts.errors, counts.warnings
    );
    if !outcome.errors.is_empty() {
        markdown.push_str(&format!(
            ", {} files could not be read",
            outcome.errors.len()
        ));
    }
    markdown.push_str("\n\n");
    if outcome.diagnostics.is_empty() {
        return markdown;
    }
    let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in &outcome.diagnostics {
        *by_rule.entry((d.rule, d.level.as_str())).or_default() += 1;
    }
    markdown.push_str("| rule | level | findings |\n|---|---|---:|\n");
    for ((rule, level), count) in &by_rule {
        markdown.push_str(&format!("| `{rule}` | {level} | {count} |\n"));
    }
    markdown.push_str("\n| level | rule | location | message |\n|---|---|---|---|\n");
    for (shown, d) in outcome.diagnostics.iter().enumerate() {
        let line = outcome.files[d.file].position(d.span.start).line;
        let row = format!(
            "| {} | `{}` | {} | {} |\n",
            d.level.as_str(),
            d.rule,
            links.location(&paths[d.file], line),
            cell(&d.message)
        );
        if markdown.len() + row.len() > MAX_SUMMARY_BYTES {
            markdown.push_str(&format!(
                "\n{} more findings are not listed: the summary is limited to 1 MB. Use `--format sarif` or `--format json` for the whole list.\n",
                outcome.diagnostics.len() - shown
            ));
            return markdown;
        }
        markdown.push_str(&row);
    }
    markdown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn the_summary_stays_under_githubs_limit() {
        use crate::diagnostic::Diagnostic;
        use crate::source::{SourceFile, Span};
        let text =
            "let x = h as u32; // a line long enough to make each row of the table sizeable\n";
        let file = SourceFile::new("src/a.rs".into(), "src/a.rs".into(), text.into());
        let finding = Diagnostic {
            rule: "handle-truncation",
            level: Level::Warning,
            message: "`HWND` handle truncated to `u32`, with | a pipe to escape".to_string(),
            file: 0,
            span: Span::new(8, 16),
            label: None,
            labels: Vec::new(),
            help: None,
            fixes: Vec::new(),
        };
        let outcome = Outcome {
            files: vec![file],
            linted_files: 1,
            kinds: vec![crate::discover::FileKind::Rust],
            diagnostics: vec![finding; 40_000],
            errors: Vec::new(),
            cached: 0,
            notes: Vec::new(),
        };
        let links = Links {
            blob: Some("https://github.com/o/r/blob/abc".to_string()),
        };
        let markdown = step_summary(&outcome, &["src/a.rs".to_string()], &links);
        assert!(markdown.len() < 1024 * 1024);
        let rows = markdown
            .lines()
            .filter(|l| l.starts_with("| warning |"))
            .count();
        assert!(rows > 1000 && rows < 40_000);
        assert!(markdown.contains(&format!("{} more findings are not listed", 40_000 - rows)));
        assert!(markdown.contains("with \\| a pipe"));
    }

    #[test]
    fn links_point_at_the_commit() {
        let links = Links {
            blob: Some("https://github.com/o/r/blob/abc".to_string()),
        };
        assert_eq!(
            links.location("src/a b.rs", 7),
            "[`src/a b.rs:7`](https://github.com/o/r/blob/abc/src/a%20b.rs#L7)"
        );
        assert_eq!(Links { blob: None }.location("a|b.rs", 1), "`a\\|b.rs:1`");
        assert_eq!(
            Links { blob: None }.location("`a``b`\n.rs", 1),
            "``` `a``b`\\n.rs:1 ```"
        );
    }
}
