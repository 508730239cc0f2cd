//! One pass over a C, C++ or MIDL file before it is parsed: macros the parser cannot see
//! through are blanked or rewritten in place, MIDL's attribute lists and blocks are turned into
//! C, the conditional-compilation state is recorded, and C++ syntax is noticed.
//!
//! Before it, in a file of translation units, the code no target compiles is blanked and the
//! tree's macros are expanded ([`pp::expand_code`]); [`Prepared::span`] takes offsets of the
//! prepared text back to the file. Every rewrite of the pass itself keeps the length of what it
//! replaces (and its line breaks).

use std::collections::HashMap;

use super::UnitView;
use super::condition::Tracker;
use super::guids::GUID_MACROS;
use super::macros::{Action, MacroTable, Mode};
use super::pp::{self, OffsetMap};
use crate::model::cfg::{Cond, Regions};
use crate::model::ir::Attribute;
use crate::source::Span;

/// Macro argument lists longer than this are not looked through (an unbalanced parenthesis
/// would otherwise blank the rest of the file).
const MAX_ARGS_BYTES: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    C,
    Cpp,
    Idl,
}

/// A MIDL attribute list, `[in, size_is(n)]`, by the byte range of its brackets.
#[derive(Clone, Debug)]
pub struct AttributeList {
    pub start: usize,
    pub end: usize,
    pub attributes: Vec<Attribute>,
}

/// A MIDL block rewritten as a `struct`: which keyword it was and its attributes.
#[derive(Clone, Debug)]
pub struct Container {
    pub interface: bool,
    pub attributes: Vec<Attribute>,
}

/// A blanked macro call whose arguments name a GUID (`DEFINE_GUID(...)`,
/// `__declspec(uuid("..."))`), kept for the lowering.
#[derive(Clone, Debug)]
pub struct MacroCall {
    pub name: String,
    pub start: usize,
    /// The text between the parentheses.
    pub args: String,
    /// Past the closing parenthesis.
    pub end: usize,
}

pub struct Prepared {
    /// What the parser reads.
    pub text: Vec<u8>,
    /// C++-only syntax (`class`, `template`, `::`, ...) occurs outside comments and strings.
    pub cpp: bool,
    /// The condition in force from each offset on, in offset order.
    pub conds: Regions,
    /// MIDL attribute lists, in offset order.
    pub attributes: Vec<AttributeList>,
    /// MIDL `interface`/`dispinterface`/`coclass` blocks by the offset of their keyword.
    pub containers: HashMap<usize, Container>,
    /// The blanked GUID macro calls, in offset order.
    pub guid_macros: Vec<MacroCall>,
    /// From offsets of `text` to offsets of the file.
    pub map: OffsetMap,
    /// The tree's macro invocations expanded in `text`: where each is in the file, its name.
    pub invocations: Vec<(std::ops::Range<usize>, String)>,
}

impl Prepared {
    /// The file's span for a range of the prepared text.
    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(
            self.map.original(start, false),
            self.map.original(end, true),
        )
    }

    pub fn cond_at(&self, offset: usize) -> Cond {
        self.conds.cond_at(self.map.original(offset, false))
    }

    /// The attributes of the list that ends right before `offset` (only blanks between).
    pub fn attributes_before(&self, offset: usize) -> &[Attribute] {
        let index = self.attributes.partition_point(|list| list.end <= offset);
        let Some(list) = index.checked_sub(1).map(|i| &self.attributes[i]) else {
            return &[];
        };
        let between = &self.text[list.end..offset];
        if between.iter().all(u8::is_ascii_whitespace) {
            &list.attributes
        } else {
            &[]
        }
    }

    /// The attributes of every list inside the byte range.
    pub fn attributes_within(&self, start: usize, end: usize) -> impl Iterator<Item = &Attribute> {
        let first = self.attributes.partition_point(|list| list.start < start);
        self.attributes[first..]
            .iter()
            .take_while(move |list| list.end <= end)
            .flat_map(|list| &list.attributes)
    }
}

/// What came before a `[`: MIDL attribute lists open declarations, array brackets follow names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Previous {
    Opening,
    Operand,
}

const CPP_WORDS: &[&str] = &[
    "class",
    "template",
    "namespace",
    "virtual",
    "typename",
    "operator",
    "nullptr",
    "constexpr",
    "public",
    "private",
    "protected",
    "throw",
];

struct Scanner<'a> {
    src: &'a [u8],
    out: Vec<u8>,
    table: &'a MacroTable,
    dialect: Dialect,
    tracker: Tracker<'a>,
    prepared_conds: Vec<(usize, Cond)>,
    attributes: Vec<AttributeList>,
    containers: HashMap<usize, Container>,
    guid_macros: Vec<MacroCall>,
    cpp: bool,
    previous: Previous,
    /// The attribute list just read, for the block keyword that may follow it.
    pending_attributes: Option<usize>,
    depth: usize,
    /// Brace depths whose closing brace belongs to a blanked `library`/`module` header.
    blank_closers: Vec<usize>,
    /// A MIDL block keyword was read and its `{` has not come yet.
    container_pending: bool,
    /// Brace depths of MIDL blocks, which end without the `;` a C struct needs.
    container_closers: Vec<usize>,
}

/// Prepares a file for the parser. With `unit` (what the file's translation units compile on
/// each target, and the macros they define), code no target compiles is blanked first, as a
/// compiler never sees it, the tree's macros are expanded, and
/// the regions are the file's conditions; without, `#if` directives are read alone.
pub fn prepare(
    src: &[u8],
    dialect: Dialect,
    table: &MacroTable,
    unit: Option<&UnitView>,
) -> Prepared {
    let live_text;
    let mut map = OffsetMap::default();
    let mut invocations = Vec::new();
    let src = match unit {
        Some(unit) => {
            let live = blank_dead(src, unit.regions);
            let sees = |file: u32| file != unit.file && unit.seen.contains(file);
            let wraps_literal = |name: &str| table.unwraps(name);
            let scope = pp::TreeScope {
                definitions: unit.macros,
                sees: &sees,
                wraps_literal: &wraps_literal,
            };
            let compiled = Cond::any(
                unit.regions
                    .0
                    .iter()
                    .map(|(_, cond)| *cond)
                    .filter(|cond| !cond.is_dead()),
            );
            let everywhere = |offset: usize| unit.regions.cond_at(offset) == compiled;
            live_text = match pp::expand_code(&live, scope, &everywhere) {
                Some(expanded) => {
                    map = expanded.map;
                    invocations = expanded.invocations;
                    expanded.text
                }
                None => live,
            };
            &live_text[..]
        }
        None => src,
    };
    let regions = unit.map(|unit| unit.regions);
    let mut scanner = Scanner {
        src,
        out: src.to_vec(),
        table,
        dialect,
        tracker: Tracker::new(table),
        prepared_conds: Vec::new(),
        attributes: Vec::new(),
        containers: HashMap::new(),
        guid_macros: Vec::new(),
        cpp: dialect == Dialect::Cpp,
        previous: Previous::Opening,
        pending_attributes: None,
        depth: 0,
        blank_closers: Vec::new(),
        container_pending: false,
        container_closers: Vec::new(),
    };
    scanner.run();
    Prepared {
        text: scanner.out,
        cpp: scanner.cpp,
        conds: regions.map_or(Regions(scanner.prepared_conds), Regions::clone),
        attributes: scanner.attributes,
        containers: scanner.containers,
        guid_macros: scanner.guid_macros,
        map,
        invocations,
    }
}

/// The text with every byte of the dead regions but line breaks made a space: offsets and
/// lines stay, and UTF-8 stays valid (a multi-byte character becomes several spaces).
fn blank_dead(src: &[u8], regions: &Regions) -> Vec<u8> {
    let mut text = src.to_vec();
    for range in regions.dead(text.len()) {
        for byte in &mut text[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    text
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Scanner<'_> {
    fn run(&mut self) {
        let src = self.src;
        let mut i = 0;
        let mut line_start = true;
        while i < src.len() {
            let b = src[i];
            if b == b'\n' {
                line_start = true;
                i += 1;
                continue;
            }
            if b.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if let Some(end) = self.skip_comment(i) {
                i = end;
                continue;
            }
            if b == b'#' && line_start {
                i = self.directive(i);
                continue;
            }
            line_start = false;
            if b == b'"' || b == b'\'' {
                i = self.skip_quoted(i);
                self.previous = Previous::Operand;
                continue;
            }
            if is_ident_start(b) {
                let start = i;
                while i < src.len() && is_ident(src[i]) {
                    i += 1;
                }
                i = self.identifier(start, i);
                continue;
            }
            if b.is_ascii_digit() {
                while i < src.len() && (is_ident(src[i]) || src[i] == b'.') {
                    i += 1;
                }
                self.previous = Previous::Operand;
                self.pending_attributes = None;
                continue;
            }
            i = self.punctuation(i);
        }
    }

    fn punctuation(&mut self, i: usize) -> usize {
        let b = self.src[i];
        if b == b':' && self.src.get(i + 1) == Some(&b':') {
            self.cpp = true;
        }
        if b == b'['
            && self.dialect == Dialect::Idl
            && self.previous == Previous::Opening
            && let Some(end) = self.attribute_list(i)
        {
            return end;
        }
        match b {
            b'{' => {
                self.depth += 1;
                if std::mem::take(&mut self.container_pending) {
                    self.container_closers.push(self.depth);
                }
            }
            b'}' => {
                if self.blank_closers.last() == Some(&self.depth) {
                    self.blank_closers.pop();
                    self.blank(i, i + 1);
                }
                if self.container_closers.last() == Some(&self.depth) {
                    self.container_closers.pop();
                    self.terminate(i + 1);
                }
                self.depth = self.depth.saturating_sub(1);
            }
            b';' => self.container_pending = false,
            _ => {}
        }
        self.previous = if matches!(b, b')' | b']') {
            Previous::Operand
        } else {
            Previous::Opening
        };
        self.pending_attributes = None;
        i + 1
    }

    fn identifier(&mut self, start: usize, end: usize) -> usize {
        let word = std::str::from_utf8(&self.src[start..end]).unwrap_or_default();
        if CPP_WORDS.contains(&word) {
            self.cpp = true;
        }
        if let Some(next) = self.keyword(word, start, end) {
            return next;
        }
        match self.table.action(word) {
            Some(action) => self.apply(action, start, end),
            None => {
                self.previous = if word == "typedef" {
                    Previous::Opening
                } else {
                    Previous::Operand
                };
                if word != "typedef" {
                    self.pending_attributes = None;
                }
                end
            }
        }
    }

    /// MIDL keywords (and `interface` in C headers, where objbase.h defines it as `struct`).
    fn keyword(&mut self, word: &str, start: usize, end: usize) -> Option<usize> {
        let idl = self.dialect == Dialect::Idl;
        match word {
            "interface" | "dispinterface" | "coclass" if idl || word == "interface" => {
                let (name_start, name_end) = self.next_identifier(end)?;
                self.write(start, end, "struct");
                self.container_pending = idl;
                if idl {
                    let attributes = self
                        .pending_attributes
                        .take()
                        .map(|i| self.attributes[i].attributes.clone())
                        .unwrap_or_default();
                    self.containers.insert(
                        start,
                        Container {
                            interface: word != "coclass",
                            attributes,
                        },
                    );
                }
                // `interface IFoo : IUnknown {`: the base is not C.
                let after = self.skip_blanks(name_end);
                if self.src.get(after) == Some(&b':') && self.src.get(after + 1) != Some(&b':') {
                    let body = self.src[after..]
                        .iter()
                        .position(|&b| b == b'{' || b == b';')
                        .map_or(self.src.len(), |p| after + p);
                    self.blank(after, body);
                    self.previous = Previous::Operand;
                    return Some(body);
                }
                self.previous = Previous::Operand;
                Some(name_end.max(name_start))
            }
            "library" | "module" if idl => {
                let (_, name_end) = self.next_identifier(end)?;
                let brace = self.skip_blanks(name_end);
                if self.src.get(brace) != Some(&b'{') {
                    return None;
                }
                self.blank(start, brace + 1);
                self.depth += 1;
                self.blank_closers.push(self.depth);
                self.previous = Previous::Opening;
                Some(brace + 1)
            }
            "import" | "importlib" if idl => {
                let semicolon = self.src[end..]
                    .iter()
                    .position(|&b| b == b';')
                    .map_or(self.src.len(), |p| end + p + 1);
                self.blank(start, semicolon);
                self.previous = Previous::Opening;
                Some(semicolon)
            }
            "cpp_quote" if idl => Some(self.blank_call(start, end, "")),
            // MSVC's inline assembly, `__asm { ... }` or `__asm mov eax, 1` to the line's end,
            // is no C: the grammar would lose the function around it. (GCC's `__asm(...)`
            // parses.)
            "__asm" | "_asm" if !idl => {
                let next = self.skip_blanks(end);
                let stop = match self.src.get(next) {
                    Some(b'(') => return None,
                    Some(b'{') => self.matching(next, b'{', b'}')?,
                    _ => self.src[end..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(self.src.len(), |p| end + p),
                };
                self.blank(start, stop);
                self.previous = Previous::Opening;
                Some(stop)
            }
            "midl_pragma" if idl => {
                let line_end = self.src[end..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.src.len(), |p| end + p);
                self.blank(start, line_end);
                Some(line_end)
            }
            "properties" | "methods" if idl => {
                let colon = self.skip_blanks(end);
                if self.src.get(colon) != Some(&b':') {
                    return None;
                }
                self.blank(start, colon + 1);
                self.previous = Previous::Opening;
                Some(colon + 1)
            }
            _ => None,
        }
    }

    fn apply(&mut self, action: Action, start: usize, end: usize) -> usize {
        match action {
            Action::Blank => {
                self.blank(start, end);
                end
            }
            Action::BlankCall => self.blank_call(start, end, ""),
            Action::Replace(replacement) => {
                let text = replacement.text.as_str();
                let args = self.args_after(end);
                let Some((open, close)) = args.filter(|_| replacement.mode != Mode::Word) else {
                    self.write(start, end, text);
                    self.previous = Previous::Operand;
                    return end;
                };
                match replacement.mode {
                    Mode::Word | Mode::Call => {
                        self.write(start, close, text);
                        self.previous = Previous::Operand;
                        close
                    }
                    Mode::KeepArgs => {
                        self.write(start, end, text);
                        self.previous = Previous::Operand;
                        end
                    }
                    Mode::Unwrap => {
                        self.write(start, open + 1, text);
                        self.blank(close - 1, close);
                        self.previous = Previous::Opening;
                        open + 1
                    }
                    Mode::FirstArg => {
                        self.write(start, open + 1, text);
                        let comma = self.top_level_comma(open + 1, close - 1);
                        self.blank(comma.unwrap_or(close - 1), close);
                        self.previous = Previous::Operand;
                        close
                    }
                    Mode::TypeAndName => {
                        let Some(comma) = self.top_level_comma(open + 1, close - 1) else {
                            self.write(start, end, text);
                            return end;
                        };
                        self.write(start, open + 1, text);
                        self.out[comma] = b'(';
                        self.previous = Previous::Opening;
                        open + 1
                    }
                }
            }
        }
    }

    /// Gives a MIDL block the `;` that ends a C struct, in the blank after its `}`: a space, a
    /// tab, or a line break that no directive needs.
    fn terminate(&mut self, after: usize) {
        if self.src.get(self.skip_blanks(after)) == Some(&b';') {
            return;
        }
        let run = self.src[after..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let blanks = &self.src[after..after + run];
        let newlines = blanks.iter().filter(|&&b| b == b'\n').count();
        let next_is_directive = self.src.get(after + run) == Some(&b'#');
        let slot = blanks
            .iter()
            .position(|&b| b != b'\n')
            .or_else(|| (newlines > 1 || !next_is_directive).then_some(0))
            .filter(|_| run > 0);
        if let Some(slot) = slot {
            self.out[after + slot] = b';';
        }
    }

    /// Blanks a macro name and, when one follows, its argument list; writes `text` at its start.
    fn blank_call(&mut self, start: usize, end: usize, text: &str) -> usize {
        let args = self.args_after(end);
        let stop = args.map_or(end, |(_, close)| close);
        let name = String::from_utf8_lossy(&self.src[start..end]);
        if let Some((open, close)) = args
            && GUID_MACROS.contains(&name.as_ref())
        {
            self.guid_macros.push(MacroCall {
                name: name.into_owned(),
                start,
                args: String::from_utf8_lossy(&self.src[open + 1..close - 1]).into_owned(),
                end: close,
            });
        }
        self.write(start, stop, text);
        stop
    }

    /// The `(`...`)` right after `pos` (blanks between allowed): the offsets of `(` and past `)`.
    fn args_after(&self, pos: usize) -> Option<(usize, usize)> {
        let open = self.skip_blanks(pos);
        if self.src.get(open) != Some(&b'(') {
            return None;
        }
        self.matching(open, b'(', b')').map(|close| (open, close))
    }

    /// The offset past the bracket that closes the one at `open`, skipping strings and comments.
    fn matching(&self, open: usize, opener: u8, closer: u8) -> Option<usize> {
        let limit = (open + MAX_ARGS_BYTES).min(self.src.len());
        let mut depth = 0usize;
        let mut i = open;
        while i < limit {
            if let Some(end) = self.skip_comment(i) {
                i = end;
                continue;
            }
            let b = self.src[i];
            if b == b'"' || b == b'\'' {
                i = self.skip_quoted(i);
                continue;
            }
            if b == opener {
                depth += 1;
            } else if b == closer {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            i += 1;
        }
        None
    }

    fn top_level_comma(&self, start: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = start;
        while i < end {
            if let Some(next) = self.skip_comment(i) {
                i = next;
                continue;
            }
            match self.src[i] {
                b'"' | b'\'' => {
                    i = self.skip_quoted(i);
                    continue;
                }
                b'(' | b'[' | b'{' | b'<' => depth += 1,
                b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => return Some(i),
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn attribute_list(&mut self, open: usize) -> Option<usize> {
        let close = self.matching(open, b'[', b']')?;
        let content = std::str::from_utf8(&self.src[open + 1..close - 1]).ok()?;
        let mut attributes = Vec::new();
        let mut rest = content;
        loop {
            let (item, tail) = split_top_level(rest);
            let item = item.trim();
            if !item.is_empty() {
                let name_end = item
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(item.len());
                let args = item[name_end..]
                    .trim()
                    .strip_prefix('(')
                    .and_then(|a| a.strip_suffix(')'))
                    .unwrap_or("")
                    .trim();
                attributes.push(Attribute {
                    name: item[..name_end].to_string(),
                    args: args.to_string(),
                });
            }
            match tail {
                Some(tail) => rest = tail,
                None => break,
            }
        }
        self.attributes.push(AttributeList {
            start: open,
            end: close,
            attributes,
        });
        self.pending_attributes = Some(self.attributes.len() - 1);
        self.blank(open, close);
        self.previous = Previous::Opening;
        Some(close)
    }

    /// A preprocessor line (with its continuations): conditionals update the state; the text is
    /// left for the parser.
    fn directive(&mut self, hash: usize) -> usize {
        let src = self.src;
        let mut i = hash + 1;
        let mut end = src.len();
        while i < src.len() {
            if src[i] == b'\n' && !continued(src, i) {
                end = i;
                break;
            }
            if let Some(next) = self.skip_comment(i) {
                i = next;
                continue;
            }
            i += 1;
        }
        let line = String::from_utf8_lossy(&src[hash + 1..end]);
        let line = line.trim_start();
        let name_len = line
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(line.len());
        let (name, rest) = line.split_at(name_len);
        if self.tracker.directive(name, &rest.replace("\\\n", " ")) {
            self.prepared_conds.push((end, self.tracker.current()));
        }
        if matches!(name, "ifdef" | "if") && rest.contains("__cplusplus") {
            self.linkage_guard(end);
        }
        end
    }

    /// `#ifdef __cplusplus` / `extern "C" {` / `#endif` and the `}` closing it later: the
    /// braces pair up only across the two groups, which a parser of one file cannot see, and
    /// the linkage changes nothing here. Both halves are blanked.
    fn linkage_guard(&mut self, line_end: usize) {
        let start = self.skip_blanks(line_end);
        let rest = &self.src[start..];
        let end = if rest.starts_with(b"}") {
            start + 1
        } else if rest.starts_with(b"extern") {
            let quote = self.skip_blanks(start + 6);
            if self.src.get(quote) != Some(&b'"') {
                return;
            }
            let brace = self.skip_blanks(self.skip_quoted(quote));
            if self.src.get(brace) != Some(&b'{') {
                return;
            }
            brace + 1
        } else {
            return;
        };
        if self.src.get(self.skip_blanks(end)) == Some(&b'#') {
            self.blank(start, end);
        }
    }

    fn skip_comment(&self, i: usize) -> Option<usize> {
        let src = self.src;
        if src[i] != b'/' {
            return None;
        }
        match src.get(i + 1) {
            Some(b'/') => {
                let mut j = i + 2;
                while j < src.len() && (src[j] != b'\n' || continued(src, j)) {
                    j += 1;
                }
                Some(j)
            }
            Some(b'*') => Some(find(&src[i + 2..], b"*/").map_or(src.len(), |p| i + 2 + p + 2)),
            _ => None,
        }
    }

    /// Past a string or character literal; an unterminated one ends at the line's end.
    fn skip_quoted(&self, i: usize) -> usize {
        let src = self.src;
        let quote = src[i];
        let mut j = i + 1;
        while j < src.len() {
            match src[j] {
                b'\\' => j += 2,
                b'\n' => return j,
                b if b == quote => return j + 1,
                _ => j += 1,
            }
        }
        src.len()
    }

    fn skip_blanks(&self, mut i: usize) -> usize {
        while i < self.src.len() {
            if self.src[i].is_ascii_whitespace() {
                i += 1;
            } else if let Some(next) = self.skip_comment(i) {
                i = next;
            } else {
                break;
            }
        }
        i
    }

    fn next_identifier(&self, from: usize) -> Option<(usize, usize)> {
        let start = self.skip_blanks(from);
        if !self.src.get(start).copied().is_some_and(is_ident_start) {
            return None;
        }
        let end = start
            + self.src[start..]
                .iter()
                .take_while(|&&b| is_ident(b))
                .count();
        Some((start, end))
    }

    /// Replaces `[start, end)` with spaces, keeping line breaks.
    fn blank(&mut self, start: usize, end: usize) {
        for byte in &mut self.out[start..end] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }

    /// Writes `text` at `start` and blanks the rest of `[start, end)`.
    fn write(&mut self, start: usize, end: usize, text: &str) {
        self.blank(start, end);
        let len = text.len().min(end - start);
        self.out[start..start + len].copy_from_slice(&text.as_bytes()[..len]);
    }
}

fn continued(src: &[u8], newline: usize) -> bool {
    let before = newline.checked_sub(1).map(|i| src[i]);
    match before {
        Some(b'\\') => true,
        Some(b'\r') => newline >= 2 && src[newline - 2] == b'\\',
        _ => false,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits at the first comma outside parentheses and quotes.
fn split_top_level(text: &str) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => return (&text[..i], Some(&text[i + 1..])),
            _ => {}
        }
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::c::macros;

    fn prep(text: &str, dialect: Dialect) -> Prepared {
        let prepared = prepare(text.as_bytes(), dialect, macros::table().unwrap(), None);
        assert_eq!(prepared.text.len(), text.len());
        prepared
    }

    fn show(text: &str, dialect: Dialect) -> String {
        let prepared = prep(text, dialect);
        String::from_utf8(prepared.text)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn blanks_calling_conventions_export_and_sal() {
        assert_eq!(
            show(
                "WINBASEAPI HANDLE WINAPI CreateFileW(_In_ LPCWSTR a, _In_reads_bytes_(n) PVOID p, _Out_opt_ DWORD *q);",
                Dialect::C
            ),
            "HANDLE CreateFileW( LPCWSTR a, PVOID p, DWORD *q);"
        );
        assert_eq!(
            show(
                "__declspec(dllimport) int __stdcall f(void) __attribute__((deprecated(\"x)\")));",
                Dialect::C
            ),
            "int f(void) ;"
        );
        // Only outside comments and strings.
        assert_eq!(
            show("/* WINAPI */ char *s = \"WINAPI\";", Dialect::C),
            "/* WINAPI */ char *s = \"WINAPI\";"
        );
    }

    #[test]
    fn rewrites_com_macros() {
        assert_eq!(
            show(
                "DECLARE_INTERFACE_(IFoo, IUnknown) { STDMETHOD(Bar)(THIS_ DWORD x) PURE; STDMETHOD_(ULONG, AddRef)(THIS) PURE; };",
                Dialect::C
            ),
            "struct IFoo { HRESULT (Bar)( DWORD x) ; ULONG( AddRef)( ) ; };"
        );
        assert_eq!(
            show(
                "MIDL_INTERFACE(\"00000000-0000\") IFoo : public IUnknown {};",
                Dialect::Cpp
            ),
            "struct IFoo : public IUnknown {};"
        );
        assert_eq!(
            show("STDMETHODIMP_(ULONG) C::AddRef() {}", Dialect::Cpp),
            "ULONG C::AddRef() {}"
        );
    }

    #[test]
    fn midl_attributes_and_blocks_become_c() {
        let text = "import \"oaidl.idl\";\n[object, uuid(1-2), dual] interface IFoo : IDispatch {\n  [id(1), call_as(X)] HRESULT M([in] DWORD hWnd, [out, size_is(n)] BYTE b[]);\n}\nlibrary L { coclass C { [default] interface IFoo; }; }";
        let prepared = prep(text, Dialect::Idl);
        assert_eq!(
            String::from_utf8(prepared.text.clone())
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            "struct IFoo { HRESULT M( DWORD hWnd, BYTE b[]); }; struct C { struct IFoo; };"
        );
        assert_eq!(prepared.containers.len(), 3);
        let interface = &prepared.containers[&text.find("interface").unwrap()];
        assert!(interface.interface);
        let names: Vec<&str> = interface
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["object", "uuid", "dual"]);
        let hwnd = text.find("DWORD hWnd").unwrap();
        assert_eq!(prepared.attributes_before(hwnd)[0].name, "in");
        let method = text.find("HRESULT M").unwrap();
        assert_eq!(prepared.attributes_before(method)[1].args, "X");
        assert!(!prepared.cpp);
    }

    #[test]
    fn records_conditions_and_cpp() {
        let text = "#ifdef _WIN64\nint a;\n#else\nint b;\n#endif\nclass X {};";
        let prepared = prep(text, Dialect::C);
        assert!(prepared.cpp);
        let x64 = crate::target::Target::parse("x86_64-pc-windows-msvc").unwrap();
        assert!(prepared.cond_at(text.find("int a").unwrap()).is_live(&x64));
        assert!(!prepared.cond_at(text.find("int b").unwrap()).is_live(&x64));
        assert!(prepared.cond_at(text.find("class").unwrap()).is_live(&x64));
    }

    #[test]
    fn unbalanced_input_stays_in_place() {
        for text in [
            "DECLSPEC_ALIGN(",
            "[in",
            "\"open",
            "/* open",
            "#if (",
            "interface",
            "library L",
        ] {
            prep(text, Dialect::Idl);
            prep(text, Dialect::C);
        }
    }
}
