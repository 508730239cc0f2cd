//! The one evaluator of text values: what the names, paths and registry keys that code builds
//! hold, with the constants they name followed across the files of the run.
//!
//! Front ends record text as the program builds it, as [`MappedText`]: characters that
//! remember where each is written (so that a registry key name can be renamed in place),
//! named constants, the package root and parts only known at run time. Library names and
//! paths, registry keys and values and text constants all carry it. A constant is looked up
//! by name, the file's own first; its text comes from another place, so its characters map
//! nowhere in the file that uses it.

use std::iter::Peekable;
use std::str::CharIndices;

use rustc_hash::FxHashMap as HashMap;

use super::cfg::Cond;
use super::ir::{
    FileIr, KeySegment, RegistryCall, RegistryEntry, RegistryValue, TextConst, TextPart,
};
use crate::source::Span;

/// Constants defined through other constants are followed this deep (and cycles end).
const MAX_CONST_DEPTH: usize = 16;

/// The parts of a text with its constants replaced by their text as `find` gives it: only
/// literals, the package root and unknown parts remain; adjacent literals are joined.
pub fn expand<'v>(
    text: &MappedText,
    find: &impl Fn(&str) -> Option<&'v MappedText>,
    out: &mut Vec<TextPart>,
) {
    expand_at(text, find, 0, out);
}

fn expand_at<'v>(
    text: &MappedText,
    find: &impl Fn(&str) -> Option<&'v MappedText>,
    depth: usize,
    out: &mut Vec<TextPart>,
) {
    // No characters at all are the empty literal, which a path's parts are matched against.
    if text.pieces.is_empty() {
        push_literal(out, "");
    }
    for piece in &text.pieces {
        match piece {
            Piece::Const(name) => match find(name) {
                Some(text) if depth < MAX_CONST_DEPTH => expand_at(text, find, depth + 1, out),
                _ => out.push(TextPart::Unknown),
            },
            Piece::Char { ch, .. } => push_literal(out, ch.encode_utf8(&mut [0; 4])),
            Piece::PackageRoot => out.push(TextPart::PackageRoot),
            Piece::Unknown => out.push(TextPart::Unknown),
        }
    }
}

fn push_literal(out: &mut Vec<TextPart>, text: &str) {
    match out.last_mut() {
        Some(TextPart::Literal(previous)) => previous.push_str(text),
        _ => out.push(TextPart::Literal(text.to_string())),
    }
}

impl MappedText {
    /// The text with each constant it names replaced by the constant's text (C-string
    /// terminators dropped), unknown where `find` does not know the constant.
    pub fn resolved<'v>(&self, find: &impl Fn(&str) -> Option<&'v MappedText>) -> MappedText {
        let mut out = MappedText::default();
        for piece in &self.pieces {
            let Piece::Const(name) = piece else {
                out.pieces.push(piece.clone());
                out.cap();
                continue;
            };
            let mut parts = Vec::new();
            expand(&MappedText::named(name), find, &mut parts);
            for part in parts {
                match part {
                    TextPart::Literal(text) => {
                        out.append(MappedText::plain(text.trim_end_matches('\0')));
                    }
                    _ => out.push_unknown(),
                }
            }
        }
        out
    }
}

impl RegistryCall {
    /// The entry the call makes, its texts evaluated with `find`; `None` when the call names
    /// a value whose name is not known here, which says nothing a rule can use.
    pub fn entry<'v>(
        &self,
        find: &impl Fn(&str) -> Option<&'v MappedText>,
    ) -> Option<RegistryEntry> {
        let known = |text: &MappedText| text.resolved(find).without_nul().known();
        let value = match &self.value {
            None => None,
            Some((name, data)) => Some(RegistryValue {
                name: known(name)?,
                data: data.as_ref().and_then(known),
                span: self.span,
            }),
        };
        Some(RegistryEntry {
            root: self.root,
            key: self.key.resolved(find).segments(),
            value,
            action: self.action,
            view: self.view,
            view_span: self.view_span,
            span: self.span,
            cond: self.cond,
        })
    }
}

impl FileIr {
    /// A registry call of this file: its entry now when its texts are whole, else once the
    /// constants they name are looked up in the whole run ([`resolve_registry_calls`]).
    pub fn record_registry_call(&mut self, mut call: RegistryCall) {
        if call.key.names_constants()
            || call.value.as_ref().is_some_and(|(name, data)| {
                name.names_constants() || data.as_ref().is_some_and(MappedText::names_constants)
            })
        {
            call.at = self.registry.len();
            self.registry_calls.push(call);
        } else {
            self.registry.extend(call.entry(&|_| None));
        }
    }
}

/// Turns the registry calls that name constants into entries, with the text constants of
/// the whole run: the calling file's own first, else the first of its language family (Rust
/// apart from C, C++ and MIDL), in the order of the files.
pub fn resolve_registry_calls(files: &mut [FileIr]) {
    if files.iter().all(|file| file.registry_calls.is_empty()) {
        return;
    }
    let resolved: Vec<Vec<(usize, RegistryEntry)>> = {
        let mut index: HashMap<&str, Vec<(usize, &TextConst)>> = HashMap::default();
        for (i, file) in files.iter().enumerate() {
            for decl in &file.text_consts {
                index.entry(&decl.name).or_default().push((i, decl));
            }
        }
        files
            .iter()
            .enumerate()
            .map(|(i, file)| {
                let c_family = file.language.is_c_family();
                // The calling file's own definitions, else those of its language family;
                // none after one that holds on every target, as that one always wins.
                let candidates = |name: &str| -> Vec<&TextConst> {
                    let Some(decls) = index.get(name) else {
                        return Vec::new();
                    };
                    let own = decls.iter().any(|(f, _)| *f == i);
                    let mut found = Vec::new();
                    for (f, decl) in decls {
                        let in_scope = if own {
                            *f == i
                        } else {
                            files[*f].language.is_c_family() == c_family
                        };
                        if in_scope {
                            found.push(*decl);
                            if decl.cond == Cond::TRUE {
                                break;
                            }
                        }
                    }
                    found
                };
                let first = |name: &str| candidates(name).first().map(|decl| &decl.value);
                let mut entries = Vec::new();
                for call in &file.registry_calls {
                    entries.extend(call_entries(call, &candidates, &first));
                }
                entries
            })
            .collect()
    };
    for (file, entries) in files.iter_mut().zip(resolved) {
        for (inserted, (at, entry)) in entries.into_iter().enumerate() {
            let at = (at + inserted).min(file.registry.len());
            file.registry.insert(at, entry);
        }
        file.registry_calls = Vec::new();
    }
}

/// The entries a call makes. A constant it names that is defined differently for different
/// targets (`#ifdef _WIN64`) makes one entry for each definition, under its condition; other
/// constants take their first definition.
fn call_entries<'v>(
    call: &RegistryCall,
    candidates: &impl Fn(&str) -> Vec<&'v TextConst>,
    first: &impl Fn(&str) -> Option<&'v MappedText>,
) -> Vec<(usize, RegistryEntry)> {
    let mut names: Vec<&str> = call.texts().flat_map(MappedText::constants).collect();
    names.sort_unstable();
    names.dedup();
    let conditional: Vec<(&str, Vec<&TextConst>)> = names
        .iter()
        .map(|name| (*name, candidates(name)))
        .filter(|(_, decls)| decls.len() > 1)
        .collect();
    // One such constant at a time: definitions of several would multiply.
    let [(name, decls)] = conditional.as_slice() else {
        return call
            .entry(first)
            .map(|e| (call.at, e))
            .into_iter()
            .collect();
    };
    decls
        .iter()
        .filter_map(|decl| {
            let cond = call.cond.and(decl.cond);
            if cond == Cond::FALSE {
                return None;
            }
            let find = |wanted: &str| {
                if wanted == *name {
                    Some(&decl.value)
                } else {
                    first(wanted)
                }
            };
            let mut entry = call.entry(&find)?;
            entry.cond = cond;
            Some((call.at, entry))
        })
        .collect()
}

impl RegistryCall {
    /// The texts of the call: its key, and its value's name and data.
    fn texts(&self) -> impl Iterator<Item = &MappedText> {
        let (name, data) = match &self.value {
            Some((name, data)) => (Some(name), data.as_ref()),
            None => (None, None),
        };
        std::iter::once(&self.key).chain(name).chain(data)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Piece {
    Char {
        ch: char,
        at: Option<Span>,
    },
    /// Text only known at run time.
    Unknown,
    /// The package's root directory (`CARGO_MANIFEST_DIR`): a place on the building machine.
    PackageRoot,
    /// The text of a constant the front end did not find in its file, by name: [`resolved`]
    /// looks it up in the whole run.
    ///
    /// [`resolved`]: MappedText::resolved
    Const(String),
}

/// Characters a [`MappedText`] keeps; what follows is unknown. No registry key path, value
/// name or DLL path is this long, and a buffer appended to in thousands of statements must not
/// grow with each of them.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Text assembled from pieces of a file (a literal, a constant, a `format!` argument), each
/// character remembering where it is written, so that a key name can be renamed in place.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MappedText {
    pieces: Vec<Piece>,
}

impl MappedText {
    /// Moves the span of every character through `map` ([`super::ir::FileIr::map_spans`]).
    pub fn map_spans(&mut self, map: &impl Fn(Span) -> Span) {
        for piece in &mut self.pieces {
            if let Piece::Char { at: Some(at), .. } = piece {
                *at = map(*at);
            }
        }
    }

    pub fn unknown() -> MappedText {
        MappedText {
            pieces: vec![Piece::Unknown],
        }
    }

    /// Text that is not written anywhere in the file as is.
    pub fn plain(text: &str) -> MappedText {
        let mut mapped = MappedText {
            pieces: text
                .chars()
                .take(MAX_TEXT_CHARS + 1)
                .map(|ch| Piece::Char { ch, at: None })
                .collect(),
        };
        mapped.cap();
        mapped
    }

    /// Text written as is in the file, starting at byte `start`.
    pub fn written(text: &str, start: usize) -> MappedText {
        let mut mapped = MappedText {
            pieces: text
                .char_indices()
                .take(MAX_TEXT_CHARS + 1)
                .map(|(i, ch)| Piece::Char {
                    ch,
                    at: Some(Span::new(start + i, start + i + ch.len_utf8())),
                })
                .collect(),
        };
        mapped.cap();
        mapped
    }

    /// The package's root directory.
    pub fn package_root() -> MappedText {
        MappedText {
            pieces: vec![Piece::PackageRoot],
        }
    }

    /// The text of a constant defined somewhere in the run.
    pub fn named(name: &str) -> MappedText {
        MappedText {
            pieces: vec![Piece::Const(name.to_string())],
        }
    }

    /// Some of it is known where it is built: characters or the package root, or no text at
    /// all (the empty literal).
    pub fn has_known_part(&self) -> bool {
        self.pieces.is_empty()
            || self
                .pieces
                .iter()
                .any(|p| matches!(p, Piece::Char { .. } | Piece::PackageRoot))
    }

    /// Only known at run time, all of it.
    pub fn is_unknown(&self) -> bool {
        !self.pieces.is_empty() && self.pieces.iter().all(|p| matches!(p, Piece::Unknown))
    }

    /// The text with each constant `find` knows replaced by its text.
    pub fn substituted<'t>(&self, find: impl Fn(&str) -> Option<&'t MappedText>) -> MappedText {
        let mut out = MappedText::default();
        for piece in &self.pieces {
            match piece {
                Piece::Const(name) if let Some(text) = find(name) => out.append(text.clone()),
                _ => {
                    out.pieces.push(piece.clone());
                    out.cap();
                }
            }
        }
        out
    }

    /// The text after its first `count` characters or other parts.
    pub fn after(&self, count: usize) -> MappedText {
        MappedText {
            pieces: self.pieces.get(count..).unwrap_or_default().to_vec(),
        }
    }

    /// Names a constant still to be looked up.
    pub fn names_constants(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Const(_)))
    }

    /// The names of the constants it names, in order.
    pub fn constants(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Const(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Only the name of a constant that was not found: nothing says it is text at all.
    pub fn is_bare_name(&self) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Const(_)])
    }

    pub fn push(&mut self, ch: char, at: Option<Span>) {
        self.pieces.push(Piece::Char { ch, at });
        self.cap();
    }

    pub fn push_unknown(&mut self) {
        self.pieces.push(Piece::Unknown);
        self.cap();
    }

    pub fn append(&mut self, other: MappedText) {
        self.pieces.extend(other.pieces);
        self.cap();
    }

    /// Past [`MAX_TEXT_CHARS`], the text is only known at run time.
    fn cap(&mut self) {
        if self.pieces.len() > MAX_TEXT_CHARS {
            self.pieces.truncate(MAX_TEXT_CHARS);
            self.pieces.push(Piece::Unknown);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Each character with where it is written; `None` for a part only known at run time.
    pub fn chars(&self) -> impl Iterator<Item = Option<(char, Option<Span>)>> + '_ {
        self.pieces.iter().map(|piece| match piece {
            Piece::Char { ch, at } => Some((*ch, *at)),
            Piece::Unknown | Piece::PackageRoot | Piece::Const(_) => None,
        })
    }

    /// The same text, its characters mapped nowhere: what a test compares.
    #[cfg(test)]
    pub fn without_spans(&self) -> MappedText {
        let mut out = self.clone();
        for piece in &mut out.pieces {
            if let Piece::Char { at, .. } = piece {
                *at = None;
            }
        }
        out
    }

    /// Without the NUL terminators C-style strings end in.
    pub fn without_nul(mut self) -> MappedText {
        while matches!(self.pieces.last(), Some(Piece::Char { ch: '\0', .. })) {
            self.pieces.pop();
        }
        self
    }

    /// The whole text, when every part of it is known.
    pub fn known(&self) -> Option<String> {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Char { ch, .. } => Some(*ch),
                Piece::Unknown | Piece::PackageRoot | Piece::Const(_) => None,
            })
            .collect()
    }

    /// The key path's segments, split at backslashes; empty segments are dropped, as the
    /// registry drops them.
    pub fn segments(&self) -> Vec<KeySegment> {
        self.split(|ch| ch == '\\')
    }

    /// The words of a list separated by whitespace (WiX's `Context="A B"`).
    pub fn split_whitespace(&self) -> Vec<KeySegment> {
        self.split(char::is_whitespace)
    }

    fn split(&self, is_separator: impl Fn(char) -> bool) -> Vec<KeySegment> {
        let mut parts = Vec::new();
        let mut current: Vec<&Piece> = Vec::new();
        for piece in &self.pieces {
            if matches!(piece, Piece::Char { ch, .. } if is_separator(*ch)) {
                if !current.is_empty() {
                    parts.push(segment(&current));
                }
                current.clear();
            } else {
                current.push(piece);
            }
        }
        if !current.is_empty() {
            parts.push(segment(&current));
        }
        parts
    }
}

fn segment(pieces: &[&Piece]) -> KeySegment {
    let mut name = String::new();
    let mut span: Option<Option<Span>> = None;
    for piece in pieces {
        match piece {
            Piece::Unknown | Piece::PackageRoot | Piece::Const(_) => {
                return KeySegment {
                    name: None,
                    span: None,
                };
            }
            Piece::Char { ch, at } => {
                name.push(*ch);
                span = Some(match (span, at) {
                    (None, at) => *at,
                    (Some(Some(so_far)), Some(at)) if so_far.end == at.start => {
                        Some(Span::new(so_far.start, at.end))
                    }
                    _ => None,
                });
            }
        }
    }
    KeySegment {
        name: Some(name),
        span: span.flatten(),
    }
}

/// The characters after an escape's backslash, for a language's escape decoder.
pub type EscapeChars<'s> = Peekable<CharIndices<'s>>;

/// Decodes the body of a string literal, each character mapped to where it is written and an
/// escape to its whole sequence. `escape` gets the character after the backslash and the rest
/// of the body, consumes what the escape spans, and returns the character it stands for (`None`
/// for escapes that stand for nothing, such as line continuations).
pub fn unescape_with(
    content: &str,
    start: usize,
    escape: impl Fn(char, &mut EscapeChars) -> Option<char>,
) -> MappedText {
    let mut out = MappedText::default();
    let mut chars = content.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch != '\\' {
            out.push(ch, Some(Span::new(start + i, start + i + ch.len_utf8())));
            continue;
        }
        let Some((_, kind)) = chars.next() else {
            break;
        };
        if let Some(decoded) = escape(kind, &mut chars) {
            let end = chars.peek().map_or(content.len(), |(j, _)| *j);
            out.push(decoded, Some(Span::new(start + i, start + end)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cfg::Cond;
    use crate::model::ir::{Language, RegistryAction, RegistryRoot, RegistryView, TextConst};

    fn call(key: MappedText, at_line: usize) -> RegistryCall {
        RegistryCall {
            at: 0,
            root: RegistryRoot::LocalMachine,
            key,
            value: None,
            action: RegistryAction::Open,
            view: RegistryView::Process,
            view_span: None,
            span: Span::new(at_line, at_line + 1),
            cond: Cond::TRUE,
        }
    }

    fn text_const(name: &str, value: MappedText) -> TextConst {
        TextConst {
            name: name.to_string(),
            value,
            cond: Cond::TRUE,
        }
    }

    fn path(entry: &RegistryEntry) -> String {
        let names: Vec<String> = entry
            .key
            .iter()
            .map(|s| s.name.clone().unwrap_or_else(|| "?".into()))
            .collect();
        names.join("\\")
    }

    /// `RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\" VENDOR, ...)` with `VENDOR` defined in
    /// a header, between two calls whose keys the file spells out.
    #[test]
    fn constants_of_other_files_are_followed_and_the_order_kept() {
        let mut header = FileIr {
            language: Language::C,
            ..FileIr::default()
        };
        let mut vendor = MappedText::named("NODE");
        vendor.append(MappedText::written("\\Contoso\0", 5));
        header.text_consts.push(text_const("VENDOR", vendor));
        header
            .text_consts
            .push(text_const("NODE", MappedText::written("Wow6432Node", 40)));
        let mut rust = FileIr::default();
        rust.text_consts
            .push(text_const("NODE", MappedText::plain("Rust")));
        let mut source = FileIr {
            language: Language::C,
            ..FileIr::default()
        };
        source.record_registry_call(call(MappedText::written("A", 10), 1));
        let mut key = MappedText::written("SOFTWARE\\", 20);
        key.append(MappedText::named("VENDOR"));
        source.record_registry_call(call(key, 2));
        source.record_registry_call(call(MappedText::named("UNDEFINED"), 3));
        source.record_registry_call(call(MappedText::written("B", 30), 4));
        assert_eq!(source.registry.len(), 2);
        let mut files = vec![rust, header, source];
        resolve_registry_calls(&mut files);
        let source = &files[2];
        let paths: Vec<String> = source.registry.iter().map(path).collect();
        assert_eq!(paths, ["A", "SOFTWARE\\Wow6432Node\\Contoso", "?", "B"]);
        let lines: Vec<usize> = source.registry.iter().map(|e| e.span.start).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        // Characters from another file map nowhere in this one.
        assert_eq!(source.registry[1].key[0].span, Some(Span::new(20, 28)));
        assert_eq!(source.registry[1].key[1].span, None);
        assert!(source.registry_calls.is_empty());
    }

    #[test]
    fn constants_defined_through_themselves_end() {
        let looped = MappedText::named("LOOP");
        let find = |_: &str| Some(&looped);
        let mut parts = Vec::new();
        expand(&looped, &find, &mut parts);
        assert_eq!(parts, [TextPart::Unknown]);
    }
}
