//! The C preprocessor's directives over a translation unit: which byte ranges of the root file
//! and of every header it includes are compiled, given the macros a target predefines.
//!
//! Each file's directive lines are found once ([`scan`]); [`run_unit`] then walks them through
//! the unit's includes, with the `#if` family evaluated over the macros defined so far (as a
//! compiler does: a macro nobody defined is 0, and `#ifdef` on it false). Evaluation is
//! three-valued: an expression that reads a macro defined with an unknown value (an SDK macro
//! no table gives a value for) is undecided, and every branch of its group is then compiled,
//! so no code is dropped on a guess. No I/O: files come through [`Files`].

mod code;
mod expand;
mod expr;
mod lex;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::hash::Hash;
use std::ops::Range;

pub use code::{Expanded, OffsetMap, expand_code};
pub use expand::{
    DefinitionLines, Definitions, Macro, Macros, SdkMacros, TreeScope, Undecided, defined_name,
};
use lex::{Line, tokenize};

/// Includes nested deeper than this are not followed (as GCC's limit of 200).
const MAX_INCLUDE_DEPTH: usize = 200;

/// Directive lines one unit may process, across all its files.
const MAX_UNIT_STEPS: usize = 2_000_000;

/// Tokens one expression's expansion may produce.
const MAX_EXPANSION_TOKENS: usize = 1_000_000;

/// The directives of one file.
#[derive(Debug, Default)]
pub struct Directives {
    lines: Vec<Line>,
    len: usize,
    /// The macro of an include guard wrapping the whole file (`#ifndef G` / `#define G` ...
    /// `#endif`, nothing outside): a file whose guard is defined is skipped at once.
    guard: Option<Box<str>>,
}

impl Directives {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What every `#include` line names, whatever the conditions around it (`"x"`, or `<x>`
    /// when angled); an include through a macro is left out.
    pub fn includes(&self) -> impl Iterator<Item = (String, bool)> + '_ {
        self.lines
            .iter()
            .filter(|line| matches!(&*line.name, "include" | "include_next"))
            .filter_map(|line| include_operand(&line.rest))
    }
}

impl Directives {
    /// What follows `#define` on the line at `offset` (`NAME body`, `NAME(a, b) body`).
    pub fn define_at(&self, offset: usize) -> Option<&str> {
        let i = self.lines.partition_point(|line| line.start < offset);
        let line = self.lines.get(i).filter(|line| line.start == offset)?;
        (&*line.name == "define").then_some(&*line.rest)
    }

    /// The lines of every conditional group (`#if` … `#endif`) of which at most one branch
    /// holds code some target compiles (`compiled` says which ranges do): without them every
    /// target compiles the same text, and a parser reads that branch as plain code rather than
    /// as a statement cut in two by directives.
    pub fn settled_lines(&self, compiled: impl Fn(Range<usize>) -> bool) -> Vec<Range<usize>> {
        struct OpenGroup {
            lines: Vec<Range<usize>>,
            compiled_branches: usize,
            /// The branch being read holds compiled code (its own, or a group's in it).
            branch_compiled: bool,
        }
        let mut settled: Vec<Range<usize>> = Vec::new();
        let mut open: Vec<OpenGroup> = Vec::new();
        let mut text_start = 0;
        for line in &self.lines {
            let name = &*line.name;
            let conditional = matches!(
                name,
                "if" | "ifdef" | "ifndef" | "elif" | "elifdef" | "elifndef" | "else" | "endif"
            );
            if !conditional {
                continue;
            }
            // The text since the last conditional line belongs to the innermost branch.
            if text_start < line.start
                && compiled(text_start..line.start)
                && let Some(group) = open.last_mut()
            {
                group.branch_compiled = true;
            }
            text_start = line.end;
            match name {
                "if" | "ifdef" | "ifndef" => open.push(OpenGroup {
                    lines: std::iter::once(line.start..line.end).collect(),
                    compiled_branches: 0,
                    branch_compiled: false,
                }),
                _ => {
                    let Some(group) = open.last_mut() else {
                        continue;
                    };
                    group.compiled_branches += usize::from(group.branch_compiled);
                    group.branch_compiled = false;
                    group.lines.push(line.start..line.end);
                    if name != "endif" {
                        continue;
                    }
                    let Some(group) = open.pop() else {
                        continue;
                    };
                    let holds_code = group.compiled_branches > 0;
                    if group.compiled_branches <= 1 {
                        settled.extend(group.lines);
                    }
                    if holds_code && let Some(outer) = open.last_mut() {
                        outer.branch_compiled = true;
                    }
                }
            }
        }
        settled.sort_unstable_by_key(|r| r.start);
        settled
    }
}

/// `ranges` (sorted, disjoint) with the bytes of `holes` (sorted, disjoint) taken out.
pub fn without(ranges: Vec<Range<usize>>, holes: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut next_hole = 0;
    for mut range in ranges {
        while next_hole < holes.len() && holes[next_hole].end <= range.start {
            next_hole += 1;
        }
        let mut hole = next_hole;
        while hole < holes.len() && holes[hole].start < range.end {
            if holes[hole].start > range.start {
                out.push(range.start..holes[hole].start);
            }
            range.start = range.start.max(holes[hole].end);
            hole += 1;
        }
        if range.start < range.end {
            out.push(range);
        }
    }
    out
}

pub fn scan(text: &str) -> Directives {
    let (lines, code_outside) = lex::directive_lines(text);
    let guard = (!code_outside).then(|| guard_of(&lines)).flatten();
    Directives {
        lines,
        len: text.len(),
        guard,
    }
}

fn guard_of(lines: &[Line]) -> Option<Box<str>> {
    let (first, second, last) = (lines.first()?, lines.get(1)?, lines.last()?);
    let name: &str = match &*first.name {
        "ifndef" => first.rest.trim(),
        "if" => first
            .rest
            .trim()
            .strip_prefix('!')?
            .trim()
            .strip_prefix("defined")?
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim(),
        _ => return None,
    };
    let defines_it =
        &*second.name == "define" && second.rest.split_whitespace().next() == Some(name);
    if !defines_it || &*last.name != "endif" {
        return None;
    }
    // The first group must end at the last line.
    let mut depth = 0usize;
    for (i, line) in lines.iter().enumerate() {
        match &*line.name {
            "if" | "ifdef" | "ifndef" => depth += 1,
            "endif" => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i + 1 != lines.len() {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(name.into())
}

/// What a macro given from outside stands for.
#[derive(Clone, Debug)]
pub enum Body {
    /// The replacement text, as it follows `#define NAME` or `#define NAME(params)`.
    Tokens(String),
    /// Defined, to a value nobody knows.
    Opaque,
}

/// A macro given from outside: predefined by the target, given by `-D`, or by the SDK.
#[derive(Clone, Debug)]
pub struct Define {
    pub name: String,
    pub params: Option<Vec<String>>,
    pub body: Body,
}

impl Define {
    pub fn object(name: &str, body: &str) -> Define {
        Define {
            name: name.to_string(),
            params: None,
            body: Body::Tokens(body.to_string()),
        }
    }

    pub fn opaque(name: &str) -> Define {
        Define {
            name: name.to_string(),
            params: None,
            body: Body::Opaque,
        }
    }

    /// `NAME` (defined as 1, as `-DNAME` does) or `NAME=VALUE`.
    pub fn parse_flag(flag: &str) -> Define {
        match flag.split_once('=') {
            Some((name, value)) => Define::object(name.trim(), value),
            None => Define::object(flag.trim(), "1"),
        }
    }

    fn install(&self, macros: &mut Macros) {
        match &self.body {
            Body::Opaque => macros.insert(
                &self.name,
                Macro {
                    params: None,
                    variadic: false,
                    body: None,
                },
            ),
            Body::Tokens(text) => {
                let head = match &self.params {
                    Some(params) => format!("{}({})", self.name, params.join(",")),
                    None => self.name.clone(),
                };
                macros.define(&format!("{head} {text}"));
            }
        }
    }
}

pub enum Include<Id> {
    File(Id),
    /// A system header a table stands in for.
    Sdk,
    Missing,
}

/// The files of a unit.
pub trait Files {
    type Id: Copy + Eq + Hash + Ord;
    fn directives(&self, id: Self::Id) -> &Directives;
    /// Resolves `#include "x"` (angled = false) or `<x>` from the file `from`.
    fn include(&self, from: Self::Id, spelled: &str, angled: bool) -> Include<Self::Id>;
}

pub struct Unit<Id> {
    /// Every file the unit read, in first-visit order (the root first), each with the byte
    /// ranges of it that are compiled (sorted, disjoint, merged over all its visits).
    pub files: Vec<(Id, Vec<Range<usize>>)>,
    /// Limits the unit hit.
    pub notes: Vec<String>,
    /// Every `#define` the unit ran: its file and the offset of its line.
    pub defines: Vec<(Id, usize)>,
}

/// One `#if` ... `#endif` group being read.
struct Group {
    /// The region around the group is compiled.
    outer: bool,
    /// A branch so far was taken: later ones are not.
    taken: bool,
    /// A condition so far was undecided: every later branch is compiled too.
    undecided: bool,
}

/// A file being read, where it was left.
struct Frame<Id> {
    file: Id,
    /// It was included from a branch whose condition was undecided.
    included_uncertain: bool,
    next: usize,
    groups: Vec<Group>,
    live: bool,
    segment_start: usize,
    ranges: Vec<Range<usize>>,
}

impl<Id> Frame<Id> {
    fn new(file: Id, included_uncertain: bool) -> Self {
        Frame {
            file,
            included_uncertain,
            next: 0,
            groups: Vec::new(),
            live: true,
            segment_start: 0,
            ranges: Vec::new(),
        }
    }

    /// Code here is compiled only because a condition around it was undecided.
    fn uncertain(&self) -> bool {
        self.included_uncertain || self.groups.iter().any(|group| group.undecided)
    }

    /// The text up to the directive `line` was compiled or not as the state said; the line
    /// itself is compiled when the region around its group is; the state after it is `after`.
    fn mark(&mut self, line: &Line, line_live: bool, after: bool) {
        if self.live && self.segment_start < line.start {
            self.ranges.push(self.segment_start..line.start);
        }
        if line_live && line.start < line.end {
            self.ranges.push(line.start..line.end);
        }
        self.segment_start = line.end;
        self.live = after;
    }
}

struct State<'f, F: Files> {
    files: &'f F,
    macros: Macros<'f>,
    sdk: &'f SdkMacros,
    once: HashSet<F::Id>,
    read: Vec<(F::Id, Vec<Range<usize>>)>,
    index: HashMap<F::Id, usize>,
    notes: Vec<String>,
    steps: usize,
    defines: Vec<(F::Id, usize)>,
}

/// Runs the directives of the unit rooted at `root`: `predefined` first, then the `forced`
/// includes, and what `sdk` defines from the first include that resolves to
/// [`Include::Sdk`] on (under the unit's own definitions).
pub fn run_unit<'f, F: Files>(
    files: &'f F,
    root: F::Id,
    predefined: &[Define],
    forced: &[Include<F::Id>],
    sdk: &'f SdkMacros,
) -> Unit<F::Id> {
    let mut macros = Macros::default();
    for define in predefined {
        define.install(&mut macros);
    }
    let mut state = State {
        files,
        macros,
        sdk,
        once: HashSet::default(),
        read: Vec::new(),
        index: HashMap::default(),
        notes: Vec::new(),
        steps: 0,
        defines: Vec::new(),
    };
    // `-include` and `/FI` headers are read as if included before the root's first line.
    for include in forced {
        match include {
            Include::File(header) => state.run(*header),
            Include::Sdk => state.macros.include_sdk(sdk),
            Include::Missing => {}
        }
    }
    state.run(root);
    for (_, ranges) in &mut state.read {
        *ranges = merged(std::mem::take(ranges));
    }
    Unit {
        files: state.read,
        notes: state.notes,
        defines: state.defines,
    }
}

/// The ranges sorted, with those that overlap or touch joined.
pub fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

impl<'f, F: Files> State<'f, F> {
    fn run(&mut self, root: F::Id) {
        let mut stack = vec![Frame::new(root, false)];
        self.note_read(root);
        let files = self.files;
        while let Some(frame) = stack.last_mut() {
            let directives = files.directives(frame.file);
            let Some(line) = directives.lines.get(frame.next) else {
                let mut done = stack.pop().expect("the frame was just looked at");
                if done.live && done.segment_start < directives.len {
                    done.ranges.push(done.segment_start..directives.len);
                }
                self.add_ranges(done.file, done.ranges);
                continue;
            };
            frame.next += 1;
            self.steps += 1;
            if self.steps > MAX_UNIT_STEPS {
                self.notes.push(format!(
                    "preprocessing stopped after {MAX_UNIT_STEPS} directives; the rest of the unit was read as if compiled"
                ));
                // What was not reached stays compiled: nothing is dropped on a limit.
                for frame in stack.drain(..) {
                    let len = self.files.directives(frame.file).len;
                    let mut ranges = frame.ranges;
                    ranges.push(frame.segment_start.min(len)..len);
                    self.add_ranges(frame.file, ranges);
                }
                return;
            }
            if let Some(include) = self.directive(frame, line) {
                let uncertain = frame.uncertain();
                if stack.len() >= MAX_INCLUDE_DEPTH {
                    self.notes.push(format!(
                        "includes nested deeper than {MAX_INCLUDE_DEPTH} were not followed"
                    ));
                    continue;
                }
                if self.once.contains(&include) {
                    continue;
                }
                let guarded = self
                    .files
                    .directives(include)
                    .guard
                    .as_deref()
                    .is_some_and(|guard| self.macros.is_defined(guard));
                if guarded {
                    continue;
                }
                self.note_read(include);
                stack.push(Frame::new(include, uncertain));
            }
        }
    }

    fn note_read(&mut self, file: F::Id) {
        if !self.index.contains_key(&file) {
            self.index.insert(file, self.read.len());
            self.read.push((file, Vec::new()));
        }
    }

    fn add_ranges(&mut self, file: F::Id, ranges: Vec<Range<usize>>) {
        if let Some(&i) = self.index.get(&file) {
            self.read[i].1.extend(ranges);
        }
    }

    /// Applies one directive; returns the file a compiled `#include` leads to.
    fn directive(&mut self, frame: &mut Frame<F::Id>, line: &'f Line) -> Option<F::Id> {
        let live = frame.live;
        match &*line.name {
            "if" | "ifdef" | "ifndef" => {
                let value = if live {
                    Some(self.condition(frame.file, &line.name, &line.rest))
                } else {
                    None
                };
                let (taken, undecided, after) = match value {
                    None => (true, false, false),
                    Some(Ok(v)) => (v, false, v),
                    Some(Err(Undecided)) => (true, true, true),
                };
                frame.groups.push(Group {
                    outer: live,
                    taken,
                    undecided,
                });
                frame.mark(line, live, after);
            }
            "elif" | "elifdef" | "elifndef" | "else" => {
                let group = frame.groups.last()?;
                let outer = group.outer;
                let after = if !outer {
                    false
                } else if group.undecided {
                    true
                } else if group.taken {
                    false
                } else if &*line.name == "else" {
                    true
                } else {
                    let name = line.name.strip_prefix("el").unwrap_or("if");
                    match self.condition(frame.file, name, &line.rest) {
                        Ok(v) => v,
                        Err(Undecided) => {
                            if let Some(group) = frame.groups.last_mut() {
                                group.undecided = true;
                            }
                            true
                        }
                    }
                };
                if let Some(group) = frame.groups.last_mut() {
                    group.taken |= after;
                }
                frame.mark(line, outer, after);
            }
            "endif" => {
                let outer = frame.groups.pop().map_or(live, |g| g.outer);
                frame.mark(line, outer, outer);
            }
            _ if !live => {}
            "define" => {
                self.defines.push((frame.file, line.start));
                if frame.uncertain() {
                    self.macros
                        .make_uncertain(defined_name(&line.rest).unwrap_or(""));
                } else {
                    self.macros.define_line(&line.rest);
                }
            }
            "undef" => {
                let name = line.rest.split_whitespace().next().unwrap_or("");
                if frame.uncertain() {
                    self.macros.make_uncertain(name);
                } else {
                    self.macros.undefine(name);
                }
            }
            "pragma" if line.rest.split_whitespace().next() == Some("once") => {
                self.once.insert(frame.file);
            }
            "include" | "include_next" => return self.include(frame.file, &line.rest),
            _ => {}
        }
        None
    }

    fn condition(&self, file: F::Id, name: &str, rest: &str) -> Result<bool, Undecided> {
        let word = || rest.split_whitespace().next().unwrap_or("");
        match name {
            "ifdef" => self.macros.defined(word()),
            "ifndef" => self.macros.defined(word()).map(|defined| !defined),
            _ => {
                let has_include = |spelled: &str, angled: bool| {
                    !matches!(self.files.include(file, spelled, angled), Include::Missing)
                };
                let mut budget = MAX_EXPANSION_TOKENS;
                let tokens = self
                    .macros
                    .expand(tokenize(rest), Some(&has_include), &mut budget)?;
                expr::evaluate(&tokens)
            }
        }
    }

    fn include(&mut self, from: F::Id, rest: &str) -> Option<F::Id> {
        let (spelled, angled) = include_operand(rest).or_else(|| {
            let mut budget = MAX_EXPANSION_TOKENS;
            let tokens = self.macros.expand(tokenize(rest), None, &mut budget).ok()?;
            let text: String = tokens.iter().map(|t| &*t.text).collect();
            include_operand(&text)
        })?;
        match self.files.include(from, &spelled, angled) {
            Include::File(id) => Some(id),
            Include::Sdk => {
                self.macros.include_sdk(self.sdk);
                None
            }
            Include::Missing => None,
        }
    }
}

/// `"x.h"` or `<x.h>` at the start of an include's operand.
fn include_operand(rest: &str) -> Option<(String, bool)> {
    let rest = rest.trim();
    if let Some(quoted) = rest.strip_prefix('"') {
        return Some((quoted[..quoted.find('"')?].to_string(), false));
    }
    let angled = rest.strip_prefix('<')?;
    Some((angled[..angled.find('>')?].trim().to_string(), true))
}

/// Expands `text` with `macros` (for tests and tools).
pub fn expand_text(macros: &Macros, text: &str) -> Result<String, Undecided> {
    let mut budget = MAX_EXPANSION_TOKENS;
    let tokens = macros.expand(tokenize(text), None, &mut budget)?;
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 && t.space_before {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
