//! Inline suppression: `ptrwidth: allow(rule, ...)` in a comment on the flagged line or alone on
//! the line before it, and `ptrwidth: allow-file(rule, ...)` anywhere in the file (by
//! convention near the top). Applied by the engine after the rules ran, so rules know nothing
//! of it; an allow that suppressed nothing is itself reported as `unused-allow`.

pub mod comments;

use std::collections::HashSet;

use crate::catalog;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
use crate::source::{FileId, SourceFile, Span};
use crate::suggest;
use comments::{Comment, Syntax};

pub const UNUSED_ALLOW: &str = "unused-allow";

/// What every allow comment holds: `// ptrwidth: allow(rule)`.
pub const ALLOW_MARK: &str = "ptrwidth:";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    File,
    /// The 1-based line whose findings the directive suppresses.
    Line(usize),
}

#[derive(Debug)]
struct Directive {
    comment: Comment,
    /// `ptrwidth: allow(...)` itself, within the comment.
    span: Span,
    /// Whether the comment holds nothing before the directive (a reason may follow it).
    alone: bool,
    scope: Scope,
    /// The span of `rule, rule` between the parentheses.
    list: Span,
    /// Each rule name as written, with its span.
    rules: Vec<(String, Span)>,
}

/// What the engine needs to know to judge an allow.
pub struct Settings {
    /// The rules that ran: an allow for a rule that did not run cannot be judged unused.
    pub ran: Vec<&'static str>,
    /// The level of `unused-allow`, `None` when it is turned off.
    pub unused_allow: Option<Level>,
}

/// Drops the findings of one file that an allow covers and adds `unused-allow` findings.
pub fn apply(
    syntax: Option<Syntax>,
    source: &SourceFile,
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let Some(syntax) = syntax else {
        return diagnostics;
    };
    if !source.mentions_ptrwidth() {
        return diagnostics;
    }
    let all_comments = comments::scan(syntax, source.text());
    let directives = parse_directives(source, &all_comments);
    if directives.is_empty() {
        return diagnostics;
    }
    let mut used: HashSet<(usize, usize)> = HashSet::new();
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| match covering(&directives, source, d) {
            Some(key) => {
                used.insert(key);
                false
            }
            None => true,
        })
        .collect();
    let Some(level) = settings.unused_allow else {
        return kept;
    };
    for (index, directive) in directives.iter().enumerate() {
        let unused: Vec<usize> = (0..directive.rules.len())
            .filter(|&r| {
                let name = directive.rules[r].0.as_str();
                name != UNUSED_ALLOW
                    && !used.contains(&(index, r))
                    && (catalog::get(name).is_none() || settings.ran.contains(&name))
            })
            .collect();
        if unused.is_empty() {
            continue;
        }
        let fix = removal(source, file, directive, &unused);
        for r in unused {
            let (name, span) = &directive.rules[r];
            let message = match catalog::get(name) {
                Some(_) => format!("`allow({name})` suppresses nothing"),
                None => format!(
                    "`allow({name})` names no rule{}",
                    suggest::nearest(name, catalog::names())
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default()
                ),
            };
            let unused_finding = Diagnostic {
                rule: UNUSED_ALLOW,
                level,
                message,
                file,
                span: *span,
                label: Some("nothing here needs this".to_string()),
                labels: Vec::new(),
                help: Some("remove it, so that stale suppressions do not pile up".to_string()),
                fixes: vec![fix.clone()],
            };
            if covering(&directives, source, &unused_finding).is_none() {
                kept.push(unused_finding);
            }
        }
    }
    kept
}

/// The (directive, rule) that suppresses a finding, if one does.
fn covering(
    directives: &[Directive],
    source: &SourceFile,
    diagnostic: &Diagnostic,
) -> Option<(usize, usize)> {
    let line = source.position(diagnostic.span.start).line;
    directives.iter().enumerate().find_map(|(index, d)| {
        let applies = match d.scope {
            Scope::File => true,
            Scope::Line(l) => l == line,
        };
        if !applies {
            return None;
        }
        let rule = d.rules.iter().position(|(r, _)| r == diagnostic.rule)?;
        Some((index, rule))
    })
}

fn parse_directives(source: &SourceFile, comments: &[Comment]) -> Vec<Directive> {
    let text: &str = source.text();
    let mut directives = Vec::new();
    for comment in comments {
        let body = &text[comment.body.start..comment.body.end];
        let Some(at) = body.find(ALLOW_MARK) else {
            continue;
        };
        let after = &body[at + ALLOW_MARK.len()..];
        let trimmed = after.trim_start();
        let (file_wide, rest) = if let Some(rest) = trimmed.strip_prefix("allow-file(") {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix("allow(") {
            (false, rest)
        } else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let list_start = comment.body.start + (body.len() - rest.len());
        let list = Span::new(list_start, list_start + close);
        let span = Span::new(comment.body.start + at, list.end + 1);
        let alone = body[..at].trim().is_empty();
        let mut rules = Vec::new();
        let mut offset = list.start;
        for part in rest[..close].split(',') {
            let name = part.trim();
            if !name.is_empty() {
                let start = offset + (part.len() - part.trim_start().len());
                rules.push((name.to_string(), Span::new(start, start + name.len())));
            }
            offset += part.len() + 1;
        }
        if rules.is_empty() {
            continue;
        }
        let scope = if file_wide {
            Scope::File
        } else {
            line_scope(source, comments, comment)
        };
        directives.push(Directive {
            comment: *comment,
            span,
            alone,
            scope,
            list,
            rules,
        });
    }
    directives
}

/// A comment after code covers its own line; a comment alone covers the next line holding
/// code, so that several allows can stand above one line.
fn line_scope(source: &SourceFile, comments: &[Comment], comment: &Comment) -> Scope {
    let start = source.position(comment.span.start).line;
    if has_code(source, comments, start) {
        return Scope::Line(start);
    }
    let end = source.position(comment.span.end).line;
    let last = source.position(source.text().len()).line;
    let next = (end + 1..=last)
        .find(|&line| has_code(source, comments, line))
        .unwrap_or(end + 1);
    Scope::Line(next)
}

/// Whether a line holds anything but whitespace and comments.
fn has_code(source: &SourceFile, comments: &[Comment], line: usize) -> bool {
    let text = source.line_text(line);
    let line_start = line_start_offset(source, line);
    text.char_indices().any(|(i, c)| {
        let offset = line_start + i;
        !c.is_whitespace()
            && !comments
                .iter()
                .any(|comment| comment.span.start <= offset && offset < comment.span.end)
    })
}

fn line_start_offset(source: &SourceFile, line: usize) -> usize {
    let text: &str = source.text();
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(p) => start += p + 1,
            None => return text.len(),
        }
    }
    start
}

/// The fix for the unused rules of one directive: the whole comment goes when nothing in it is
/// used and it holds nothing else, the directive alone when other text shares the comment, and
/// otherwise the list keeps the used names. Every finding of the directive carries the same
/// edit, so applying any of them applies all.
fn removal(source: &SourceFile, file: FileId, directive: &Directive, unused: &[usize]) -> Fix {
    let text: &str = source.text();
    let all_unused = unused.len() == directive.rules.len();
    let edit = if all_unused && !directive.alone {
        Edit {
            file,
            span: directive.span,
            replacement: String::new(),
        }
    } else if all_unused {
        let span = directive.comment.span;
        let line_start = match line_start_offset(source, source.position(span.start).line) {
            // A byte-order mark stays when the first line goes.
            0 if text.starts_with('\u{feff}') => '\u{feff}'.len_utf8(),
            start => start,
        };
        let before = &text[line_start..span.start];
        let after_end = text[span.end..]
            .find('\n')
            .map_or(text.len(), |p| span.end + p);
        let after = &text[span.end..after_end];
        if before.trim().is_empty() && after.trim().is_empty() {
            // The comment has its lines to itself: they go, newline included.
            let end = if after_end < text.len() {
                after_end + 1
            } else {
                after_end
            };
            Edit {
                file,
                span: Span::new(line_start, end),
                replacement: String::new(),
            }
        } else {
            let start = span.start - (before.len() - before.trim_end().len());
            Edit {
                file,
                span: Span::new(start, span.end),
                replacement: String::new(),
            }
        }
    } else {
        let kept: Vec<&str> = directive
            .rules
            .iter()
            .enumerate()
            .filter(|(r, _)| !unused.contains(r))
            .map(|(_, (name, _))| name.as_str())
            .collect();
        Edit {
            file,
            span: directive.list,
            replacement: kept.join(", "),
        }
    };
    Fix {
        message: "remove the unused allow".to_string(),
        applicability: Applicability::MachineApplicable,
        edits: vec![edit],
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::discover::{FileKind, RegistryFormat};

    fn finding(source: &SourceFile, line: usize, rule: &'static str) -> Diagnostic {
        let start = (1..line).map(|l| source.line_text(l).len() + 1).sum();
        Diagnostic {
            rule,
            level: Level::Error,
            message: "m".to_string(),
            file: 0,
            span: Span::new(start, start + 1),
            label: None,
            labels: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    /// Findings of `handle-truncation` on `lines`; what is left after suppression, as
    /// (line, rule).
    fn run(name: &str, kind: FileKind, text: &str, lines: &[usize]) -> Vec<(usize, &'static str)> {
        let source = SourceFile::new(PathBuf::from(name), name.to_string(), text.into());
        let found = lines
            .iter()
            .map(|&l| finding(&source, l, "handle-truncation"))
            .collect();
        let settings = Settings {
            ran: vec!["handle-truncation", "int-to-handle"],
            unused_allow: Some(Level::Warning),
        };
        let syntax = Syntax::of(kind);
        apply(syntax, &source, 0, found, &settings)
            .iter()
            .map(|d| (source.position(d.span.start).line, d.rule))
            .collect()
    }

    #[test]
    fn every_comment_syntax_suppresses() {
        let c = "// ptrwidth: allow(handle-truncation)\nint a = (int)h;\nint b = (int)h; /* ptrwidth: allow(handle-truncation) */\nint c = (int)h;\n";
        assert_eq!(
            run("a.c", FileKind::C, c, &[2, 3, 4]),
            [(4, "handle-truncation")]
        );
        let reg = "; ptrwidth: allow(handle-truncation)\n\"Value\"=dword:00000001\n\"Other\"=\"a;b\" ; ptrwidth: allow(handle-truncation)\n";
        assert_eq!(
            run(
                "a.reg",
                FileKind::Registry(RegistryFormat::RegEdit),
                reg,
                &[2, 3]
            ),
            []
        );
        let rgs = "HKCR\n{\n    ForceRemove X = s 'y' // ptrwidth: allow(handle-truncation)\n}\n";
        assert_eq!(
            run(
                "a.rgs",
                FileKind::Registry(RegistryFormat::Registrar),
                rgs,
                &[3]
            ),
            []
        );
        let wxs = "<Wix>\n  <!-- ptrwidth: allow(handle-truncation) -->\n  <RegistryValue Value=\"1\"/>\n</Wix>\n";
        assert_eq!(
            run("a.wxs", FileKind::Registry(RegistryFormat::Wix), wxs, &[3]),
            []
        );
        let idl = "/* ptrwidth: allow-file(handle-truncation) */\nlong a;\nlong b;\n";
        assert_eq!(run("a.idl", FileKind::Idl, idl, &[2, 3]), []);
    }

    #[test]
    fn unused_allows_are_reported_with_a_removal() {
        let text = "// ptrwidth: allow(handle-truncation)\nlet a = 1;\nlet b = h as u32; // ptrwidth: allow(handle-truncation, int-to-handle)\n";
        let left = run("a.rs", FileKind::Rust, text, &[3]);
        assert_eq!(left, [(1, UNUSED_ALLOW), (3, UNUSED_ALLOW)]);
    }

    #[test]
    fn directives_in_strings_are_not_comments() {
        let text = "let s = \"// ptrwidth: allow(handle-truncation)\"; let b = h as u32;\n";
        assert_eq!(
            run("a.rs", FileKind::Rust, text, &[1]),
            [(1, "handle-truncation")]
        );
    }
}
