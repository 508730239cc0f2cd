//! Rules: small functions that read one file's IR through the shared [`Semantic`] model and
//! report findings. They never parse and never do I/O.
//!
//! Each rule lives in its own file here, exporting `pub const RULE: Rule`; `build.rs` finds the
//! file and registers it, and requires a catalog entry `rules/<rule-name>.toml` for it.

use std::collections::BTreeMap;

use crate::catalog;
use crate::diagnostic::{Diagnostic, Edit, Finding, Level};
use crate::model::Semantic;
use crate::model::cfg::Cond;
use crate::model::ir::{Conversion, ConversionTarget, TypeRef};
use crate::source::{FileId, SourceFile, Span};
use crate::target::Target;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

pub struct Rule {
    /// The stable kebab-case id, as in the catalog, the output and suppressions.
    pub name: &'static str,
    pub check: fn(&mut Checker),
}

/// A rule's level as a project or the command line sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Allow,
    Warn,
    Deny,
}

impl RuleLevel {
    pub const NAMES: [&'static str; 3] = ["allow", "warn", "deny"];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Allow => "allow",
            RuleLevel::Warn => "warn",
            RuleLevel::Deny => "deny",
        }
    }

    /// The setting that reports at `level`, or turns a rule off (`None`).
    pub fn reporting_at(level: Option<Level>) -> RuleLevel {
        match level {
            None => RuleLevel::Allow,
            Some(Level::Warning) => RuleLevel::Warn,
            Some(Level::Error) => RuleLevel::Deny,
        }
    }
}

/// What a run is told about how loud each rule is: the project's `[rules]` table and the
/// command line's `--select` and `--ignore`. The default turns nothing off and changes no
/// level.
#[derive(Clone, Debug, Default)]
pub struct Levels {
    pub configured: BTreeMap<String, RuleLevel>,
    /// When not empty, the only rules that run.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

/// What decided a rule's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelSource {
    /// The rule's own: the catalog's, or the one it gives a finding.
    Default,
    Configuration,
    Select,
    Ignore,
}

impl Levels {
    /// The level a finding of `rule` is reported at, `None` when the rule is off, and what
    /// decided it. Every level in a run is decided here: which rules run, each finding's level,
    /// `unused-allow`'s, and what `ptrwidth config` shows. `own` is the level the rule gave the
    /// finding (a rule may report some findings as errors and others as warnings); `None`
    /// stands for the catalog's level.
    ///
    /// `--ignore` turns a rule off. `--select` turns every rule it does not name off, and
    /// runs those it names at their own level unless the configuration makes them warn or
    /// deny (its `allow` does not turn off a rule the command line asks for). Otherwise the
    /// configuration's level, `allow` included, replaces the rule's own.
    pub fn decide(&self, rule: &str, own: Option<Level>) -> (Option<Level>, LevelSource) {
        let own_level =
            || own.unwrap_or_else(|| catalog::get(rule).map_or(Level::Error, |d| d.level()));
        let named = |names: &[String]| names.iter().any(|name| name == rule);
        if named(&self.ignore) {
            return (None, LevelSource::Ignore);
        }
        if !self.select.is_empty() && !named(&self.select) {
            return (None, LevelSource::Select);
        }
        let unchanged = if self.select.is_empty() {
            LevelSource::Default
        } else {
            LevelSource::Select
        };
        match self.configured.get(rule) {
            Some(RuleLevel::Deny) => (Some(Level::Error), LevelSource::Configuration),
            Some(RuleLevel::Warn) => (Some(Level::Warning), LevelSource::Configuration),
            Some(RuleLevel::Allow) if self.select.is_empty() => (None, LevelSource::Configuration),
            Some(RuleLevel::Allow) | None => (Some(own_level()), unchanged),
        }
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
    levels: &'a Levels,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(
        semantic: &'a Semantic<'a>,
        source: &'a SourceFile,
        file: FileId,
        rule: &'static Rule,
        levels: &'a Levels,
    ) -> Self {
        Checker {
            semantic,
            source,
            file,
            rule,
            levels,
            diagnostics: Vec::new(),
        }
    }

    /// Records a finding at the level [`Levels::decide`] gives it; a rule that is off reports
    /// nothing.
    pub fn report(&mut self, finding: Finding) {
        self.report_in(self.file, finding);
    }

    /// Records a finding whose span is in another file of the run: a declaration that this
    /// file's code shows wrong, reported where the fix goes. The engine merges the reports
    /// several files make of one declaration, and applies that file's allow comments.
    pub fn report_in(&mut self, file: FileId, mut finding: Finding) {
        let Some(level) = self.levels.decide(self.rule.name, finding.level).0 else {
            return;
        };
        let ir = if file == self.file {
            self.semantic.file
        } else {
            match self.semantic.model.file_ir(file) {
                Some(ir) => ir,
                None => return,
            }
        };
        // Code a macro's expansion produced has its invocation's span: the finding names the
        // macro, and no fix edits the invocation, whose text is not the code the fix is for.
        let expansions = &ir.expansions;
        if let Some((_, name)) = expansions
            .iter()
            .find(|(span, _)| span.start <= finding.span.start && finding.span.end <= span.end)
        {
            let note = format!("in this expansion of `{name}`");
            finding.label = Some(match finding.label {
                Some(label) => format!("{label} ({note})"),
                None => note,
            });
        }
        finding.fixes.retain(|fix| {
            fix.edits.iter().all(|edit| {
                edit.file != file
                    || !expansions
                        .iter()
                        .any(|(span, _)| edit.span.start < span.end && span.start < edit.span.end)
            })
        });
        self.diagnostics.push(Diagnostic {
            rule: self.rule.name,
            level,
            message: finding.message,
            file,
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

    /// The type a conversion converts to as written (`DWORD`, `(LONG_PTR)`'s `LONG_PTR`), or
    /// its name when a macro's expansion wrote it.
    pub fn written_type(&self, conversion: &Conversion) -> Option<String> {
        let span = conversion.to_span?;
        match (self.written(Some(span)), &conversion.to) {
            (Some(span), _) => Some(self.text(span).to_string()),
            (None, ConversionTarget::Written(TypeRef::Named(name))) => Some(name.clone()),
            (None, _) => None,
        }
    }

    /// A span where something is written in the file itself, not produced by expanding a
    /// macro (whose span is the invocation's): what can be quoted as written, or edited.
    pub fn written(&self, span: Option<Span>) -> Option<Span> {
        span.filter(|span| {
            !self
                .semantic
                .file
                .expansions
                .iter()
                .any(|(invocation, _)| invocation.start <= span.start && span.end <= invocation.end)
        })
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
