//! Inline suppression: `ptrwidth: allow(rule, ...)` in a comment on the flagged line or alone on
//! the line before it, and `ptrwidth: allow-file(rule, ...)` anywhere in the file (by
//! convention near the top). Applied by the engine after the rules ran, so rules know nothing
//! of it; an allow that suppressed nothing is itself reported as `unused-allow`.

pub mod comments;

use std::collections::{HashMap, HashSet};

use crate::catalog;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
use crate::source::{FileId, SourceFile, Span};
use crate::suggest;
use comments::{Comment, Syntax};

pub const UNUSED_ALLOW: &str = "unused-allow";

/// What every allow comment holds: `// ptrwidth: allow(rule)`. A file without it holds none.
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
    if !source.may_hold_allows() {
        return diagnostics;
    }
    let all_comments = comments::scan(syntax, source.text());
    let directives = parse_directives(source, &all_comments);
    if directives.is_empty() {
        return diagnostics;
    }
    let directive_index = DirectiveIndex::new(&directives);
    let mut used: HashSet<(usize, usize)> = HashSet::new();
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(
            |d| match covering(&directives, &directive_index, source, d) {
                Some(key) => {
                    used.insert(key);
                    false
                }
                None => true,
            },
        )
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
            if covering(&directives, &directive_index, source, &unused_finding).is_none() {
                kept.push(unused_finding);
            }
        }
    }
    kept
}

/// The directives by the lines they cover, so that a file with thousands of allows finds a
/// finding's in the few of its line.
struct DirectiveIndex {
    file_wide: Vec<usize>,
    by_line: HashMap<usize, Vec<usize>>,
}

impl DirectiveIndex {
    fn new(directives: &[Directive]) -> DirectiveIndex {
        let mut index = DirectiveIndex {
            file_wide: Vec::new(),
            by_line: HashMap::new(),
        };
        for (i, directive) in directives.iter().enumerate() {
            match directive.scope {
                Scope::File => index.file_wide.push(i),
                Scope::Line(line) => index.by_line.entry(line).or_default().push(i),
            }
        }
        index
    }
}

/// The (directive, rule) that suppresses a finding, if one does: the first directive in the
/// file that covers it.
fn covering(
    directives: &[Directive],
    index: &DirectiveIndex,
    source: &SourceFile,
    diagnostic: &Diagnostic,
) -> Option<(usize, usize)> {
    let line = source.position(diagnostic.span.start).line;
    let first = |candidates: &[usize]| {
        candidates.iter().find_map(|&i| {
            let rule = directives[i]
                .rules
                .iter()
                .position(|(r, _)| r == diagnostic.rule)?;
            Some((i, rule))
        })
    };
    let on_line = index.by_line.get(&line).and_then(|c| first(c));
    match (first(&index.file_wide), on_line) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_directives(source: &SourceFile, comments: &[Comment]) -> Vec<Directive> {
    let text: &str = source.text();
    let mut directives = Vec::new();
    let mut code_lines = None;
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
            let code_lines = code_lines.get_or_insert_with(|| CodeLines::new(source, comments));
            line_scope(source, code_lines, comment)
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

/// For each line, the first line from it on that holds code (anything but whitespace and
/// comments), worked out in one pass over the file.
struct CodeLines {
    /// By 0-based line; `None` when no code follows.
    next_code: Vec<Option<usize>>,
}

impl CodeLines {
    fn new(source: &SourceFile, comments: &[Comment]) -> CodeLines {
        let last = source.position(source.text().len()).line;
        // Comments are in order and apart, so the one that may cover an offset only moves on.
        let mut comment = 0;
        let mut has_code = |line: usize| {
            let line_start = source.line_start(line);
            source.line_text(line).char_indices().any(|(i, c)| {
                let offset = line_start + i;
                while comments.get(comment).is_some_and(|c| c.span.end <= offset) {
                    comment += 1;
                }
                let commented = comments
                    .get(comment)
                    .is_some_and(|c| c.span.start <= offset);
                !c.is_whitespace() && !commented
            })
        };
        let code: Vec<bool> = (1..=last).map(&mut has_code).collect();
        let mut next_code = vec![None; last];
        for line in (1..=last).rev() {
            next_code[line - 1] = if code[line - 1] {
                Some(line)
            } else {
                next_code.get(line).copied().flatten()
            };
        }
        CodeLines { next_code }
    }

    fn has_code(&self, line: usize) -> bool {
        self.next_from(line) == Some(line)
    }

    fn next_from(&self, line: usize) -> Option<usize> {
        self.next_code.get(line.wrapping_sub(1)).copied().flatten()
    }
}

/// A comment after code covers its own line; a comment alone covers the next line holding
/// code, so that several allows can stand above one line.
fn line_scope(source: &SourceFile, code_lines: &CodeLines, comment: &Comment) -> Scope {
    let start = source.position(comment.span.start).line;
    if code_lines.has_code(start) {
        return Scope::Line(start);
    }
    let end = source.position(comment.span.end).line;
    Scope::Line(code_lines.next_from(end + 1).unwrap_or(end + 1))
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
        let line_start = match source.line_start(source.position(span.start).line) {
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
    fn allows_stacked_above_a_line_cover_it() {
        let text = "// ptrwidth: allow(handle-truncation)\n/* ptrwidth: allow(int-to-handle) */\n\n// other\nlet b = h as u32; // ptrwidth: allow(int-to-handle)\nlet c = h as u32;\n";
        assert_eq!(
            run("a.rs", FileKind::Rust, text, &[5, 6]),
            [
                (6, "handle-truncation"),
                (2, UNUSED_ALLOW),
                (5, UNUSED_ALLOW)
            ]
        );
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
