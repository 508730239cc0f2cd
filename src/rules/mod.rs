//! Rules: small functions that read one file's IR through the shared [`Semantic`] model and
//! report findings. They never parse and never do I/O.
//!
//! Each rule lives in its own file here, exporting `pub const RULE: Rule`; `build.rs` finds the
//! file and registers it, and requires a catalog entry `rules/<rule-name>.toml` for it.

use crate::catalog;
use crate::diagnostic::{Diagnostic, Edit, Finding, Level};
use crate::model::Semantic;
use crate::model::cfg::Cond;
use crate::source::{FileId, SourceFile, Span};
use crate::target::Target;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

pub struct Rule {
    /// The stable kebab-case id, as in the catalog, the output and suppressions.
    pub name: &'static str,
    pub check: fn(&mut Checker),
}

impl Rule {
    pub fn default_level(&self) -> Level {
        catalog::get(self.name).map_or(Level::Error, |doc| doc.level())
    }
}

pub fn find(name: &str) -> Option<&'static Rule> {
    ALL.iter().find(|rule| rule.name == name)
}

/// What a rule sees while it checks one file.
pub struct Checker<'a> {
    pub semantic: &'a Semantic<'a>,
    pub source: &'a SourceFile,
    pub file: FileId,
    rule: &'static Rule,
    default_level: Level,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(
        semantic: &'a Semantic<'a>,
        source: &'a SourceFile,
        file: FileId,
        rule: &'static Rule,
    ) -> Self {
        Checker {
            semantic,
            source,
            file,
            rule,
            default_level: rule.default_level(),
            diagnostics: Vec::new(),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.diagnostics.push(Diagnostic {
            rule: self.rule.name,
            level: finding.level.unwrap_or(self.default_level),
            message: finding.message,
            file: self.file,
            span: finding.span,
            label: finding.label,
            labels: finding.labels,
            help: finding.help,
            fixes: finding.fixes,
        });
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// The configured 64-bit targets on which code under `cond` is compiled: the targets on
    /// which narrowing a pointer loses bits.
    pub fn live_64bit_targets(&self, cond: &'a Cond) -> Vec<&'a Target> {
        self.semantic
            .live_targets(cond)
            .filter(|t| t.is_64bit())
            .collect()
    }

    /// The source text of a span, for messages that quote the code.
    /// Replaces `span` of the file being checked.
    pub fn edit(&self, span: Span, replacement: String) -> Edit {
        Edit {
            file: self.file,
            span,
            replacement,
        }
    }

    pub fn text(&self, span: Span) -> &str {
        self.source.slice(span)
    }

    /// Whether `name` is usable unqualified in this file: imported by name, or through a glob
    /// import of one of `modules`.
    pub fn in_scope(&self, name: &str, modules: &[String]) -> bool {
        self.semantic
            .file
            .imports
            .iter()
            .any(|import| match &import.name {
                Some(imported) => imported == name && import.rename.is_none(),
                None => import
                    .module
                    .last()
                    .is_some_and(|m| modules.iter().any(|wanted| wanted == m)),
            })
    }

    /// The module a name was imported from by name, for help that says which import to extend.
    pub fn import_module_of(&self, name: &str) -> Option<String> {
        self.semantic
            .file
            .imports
            .iter()
            .find(|import| import.name.as_deref() == Some(name))
            .map(|import| import.module.join("::"))
    }
}

/// Joins target triples for messages: "x86_64-pc-windows-msvc and aarch64-pc-windows-msvc".
pub fn target_list(targets: &[&Target]) -> String {
    let names: Vec<&str> = targets.iter().map(|t| t.triple.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
