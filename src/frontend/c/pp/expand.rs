//! Macro definitions and their expansion: object- and function-like macros, `#` and `##`,
//! variadic arguments and `__VA_OPT__`, rescanning with the rule that a macro is not expanded
//! inside its own expansion (each token's hide set).

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::rc::Rc;

use super::lex::{Kind, Token, tokenize};

/// What a name expands to.
#[derive(Clone, Debug)]
pub struct Macro {
    /// `None` for an object-like macro.
    pub params: Option<Vec<Rc<str>>>,
    pub variadic: bool,
    /// `None`: defined, but to something unknown (an SDK macro whose value no table gives).
    pub body: Option<Vec<Token>>,
}

/// What the SDK headers define, shared by every unit of a run: object-like macros with their
/// integer value (`None`: value unknown) and function-like ones (always of unknown value).
#[derive(Default)]
pub struct SdkMacros {
    values: HashMap<Box<str>, Option<i64>>,
    /// Those the table gives as a `#define` would (`WINAPI_FAMILY_PARTITION(P) (P)`), as
    /// written after `#define` (tokens are not shared between threads), by name.
    definitions: HashMap<Box<str>, Box<str>>,
}

impl SdkMacros {
    pub fn new(macros: impl IntoIterator<Item = (String, Option<i64>)>) -> SdkMacros {
        SdkMacros {
            values: macros
                .into_iter()
                .map(|(name, value)| (name.into_boxed_str(), value))
                .collect(),
            definitions: HashMap::default(),
        }
    }

    /// Adds macros as what follows `#define` on their lines.
    pub fn with_definitions<'d>(mut self, lines: impl IntoIterator<Item = &'d str>) -> SdkMacros {
        for line in lines {
            if let Some(name) = defined_name(line) {
                self.definitions.insert(name.into(), line.into());
            }
        }
        self
    }

    fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.definitions.contains_key(name)
    }

    fn get(&self, name: &str) -> Option<Macro> {
        if let Some(line) = self.definitions.get(name) {
            return parse_define(line).map(|(_, definition)| definition);
        }
        let value = *self.values.get(name)?;
        Some(Macro {
            params: None,
            variadic: false,
            body: value.map(|v| tokenize(&v.to_string())),
        })
    }
}

/// A unit's own definition of a macro.
#[derive(Clone, Debug)]
enum Definition<'s> {
    Parsed(Macro),
    /// What follows `#define` on a line of a file, parsed when the macro is first expanded:
    /// most definitions a header makes are never expanded in a condition.
    Line(&'s str),
    /// Defined or undefined in a branch whose condition was undecided: whether it is defined,
    /// and as what, is undecided too.
    Uncertain,
}

/// The macros a tree defines: by name, each file that defines it (by index) with what
/// follows its `#define` (`NAME(a) body`), or `None` for a definition only some targets make;
/// a digest of them all tells one table from another.
#[derive(Debug, Default)]
pub struct Definitions {
    lines: HashMap<Box<str>, DefinitionLines>,
    digest: u128,
}

/// A macro's definitions: the defining file, the line or `None`.
pub type DefinitionLines = Vec<(u32, Option<Box<str>>)>;

impl Definitions {
    pub fn new(lines: HashMap<Box<str>, DefinitionLines>) -> Definitions {
        let mut sorted: Vec<(&Box<str>, &DefinitionLines)> = lines.iter().collect();
        sorted.sort_unstable();
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for (name, definitions) in sorted {
            hasher.update(name.as_bytes());
            for (file, line) in definitions {
                hasher.update(&file.to_le_bytes());
                hasher.update(line.as_deref().unwrap_or("\u{1}").as_bytes());
                hasher.update(b"\0");
            }
        }
        Definitions {
            digest: hasher.digest128(),
            lines,
        }
    }

    pub fn digest(&self) -> u128 {
        self.digest
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// The tree's macros as one file sees them: those of the other files it sees, and of a name
/// they define in two ways, or only for some targets, none (no one expansion of it is right).
/// The file's own definitions hold from where they are written.
#[derive(Clone, Copy)]
pub struct TreeScope<'s> {
    pub definitions: &'s Definitions,
    pub sees: &'s dyn Fn(u32) -> bool,
    /// The SDK's macros that stand for the literal they wrap (`TEXT("x")`).
    pub wraps_literal: &'s dyn Fn(&str) -> bool,
}

impl<'s> TreeScope<'s> {
    fn line(&self, name: &str) -> Option<&'s str> {
        let mut seen = self
            .definitions
            .lines
            .get(name)?
            .iter()
            .filter(|(file, _)| (self.sees)(*file))
            .map(|(_, line)| line.as_deref());
        let first = seen.next()??;
        seen.all(|line| line == Some(first)).then_some(first)
    }
}

/// The macros defined at a point of a unit: its own definitions over the SDK's, once an SDK
/// header is included; or, for code, what the tree defines.
#[derive(Default)]
pub struct Macros<'s> {
    /// `None`: undefined by `#undef`, the SDK's definition included.
    map: HashMap<Cow<'s, str>, Option<Definition<'s>>>,
    tree: Option<TreeScope<'s>>,
    sdk: Option<&'s SdkMacros>,
}

/// Whether `#include` of a name (`"x"`, or `<x>` when angled) finds a file.
pub type HasInclude<'h> = dyn Fn(&str, bool) -> bool + 'h;

/// Expansion met a macro whose value is unknown, or ran out of budget.
#[derive(Debug, PartialEq, Eq)]
pub struct Undecided;

impl<'s> Macros<'s> {
    /// The macros of a tree, as code sees them.
    pub fn of_tree(tree: TreeScope<'s>) -> Macros<'s> {
        Macros {
            tree: Some(tree),
            ..Macros::default()
        }
    }

    /// From now on, what the SDK defines is defined.
    pub fn include_sdk(&mut self, sdk: &'s SdkMacros) {
        self.sdk = Some(sdk);
    }

    fn lookup(&self, name: &str) -> Option<Cow<'_, Macro>> {
        match self.map.get(name) {
            Some(Some(Definition::Parsed(own))) => Some(Cow::Borrowed(own)),
            Some(Some(Definition::Line(rest))) => parse_define(rest).map(|(_, m)| Cow::Owned(m)),
            Some(Some(Definition::Uncertain)) => Some(Cow::Owned(Macro {
                params: None,
                variadic: false,
                body: None,
            })),
            Some(None) => None,
            None => match self.tree.and_then(|tree| tree.line(name)) {
                Some(line) => parse_define(line).map(|(_, m)| Cow::Owned(m)),
                None => self.sdk?.get(name).map(Cow::Owned),
            },
        }
    }

    /// Whether `name` is defined; one only an undecided branch defined or undefined is not
    /// (an include guard it names does not skip a header).
    pub fn is_defined(&self, name: &str) -> bool {
        match self.map.get(name) {
            Some(own) => own
                .as_ref()
                .is_some_and(|d| !matches!(d, Definition::Uncertain)),
            None => {
                self.tree.is_some_and(|tree| tree.line(name).is_some())
                    || self.sdk.is_some_and(|sdk| sdk.contains(name))
            }
        }
    }

    /// Whether `name` is defined, as an `#ifdef` asks it.
    pub fn defined(&self, name: &str) -> Result<bool, Undecided> {
        match self.map.get(name) {
            Some(Some(Definition::Uncertain)) => Err(Undecided),
            _ => Ok(self.is_defined(name)),
        }
    }

    /// `#define` or `#undef` of `name` in a branch whose condition was undecided.
    pub fn make_uncertain(&mut self, name: &'s str) {
        if !name.is_empty() {
            self.map
                .insert(Cow::Borrowed(name), Some(Definition::Uncertain));
        }
    }

    /// `Some(true)` when `name` is defined as a function-like macro, `Some(false)` when as an
    /// object-like one.
    pub fn takes_args(&self, name: &str) -> Option<bool> {
        match self.map.get(name) {
            Some(Some(Definition::Parsed(own))) => Some(own.params.is_some()),
            Some(Some(Definition::Line(rest))) => {
                Some(rest.as_bytes().get(name.len()) == Some(&b'('))
            }
            Some(Some(Definition::Uncertain)) | Some(None) => None,
            None => {
                let line = self.tree?.line(name)?;
                Some(line.as_bytes().get(name.len()) == Some(&b'('))
            }
        }
    }

    /// An object-like macro that stands for a literal (`L"x.dll"`, `(1024)`, `"a" "b"`,
    /// `TEXT("x")`, `ROOT L"\\x"` with `ROOT` one too): the front end knows such constants by
    /// name and where their text is written, which an expansion would hide behind each use.
    pub fn names_literal(&self, name: &str) -> bool {
        let mut budget = MAX_LITERAL_MACROS;
        self.names_literal_within(name, &mut budget)
    }

    fn names_literal_within(&self, name: &str, budget: &mut usize) -> bool {
        *budget = match budget.checked_sub(1) {
            Some(left) => left,
            None => return false,
        };
        let Some(definition) = self.lookup(name) else {
            return false;
        };
        let (None, Some(body)) = (&definition.params, &definition.body) else {
            return false;
        };
        let mut literals = 0;
        let only_literals = body.iter().all(|token| match token.kind {
            Kind::Str | Kind::Number | Kind::Char => {
                literals += 1;
                true
            }
            Kind::Punct => matches!(&*token.text, "(" | ")" | "-"),
            Kind::Ident => {
                self.tree
                    .is_some_and(|tree| (tree.wraps_literal)(&token.text))
                    || self.names_literal_within(&token.text, budget)
            }
        });
        only_literals && literals > 0
    }

    /// `#undef` of a name that lives no longer than the call.
    pub fn forget(&mut self, name: &str) {
        if !name.is_empty() {
            self.map.insert(Cow::Owned(name.to_string()), None);
        }
    }

    pub fn undefine(&mut self, name: &'s str) {
        if !name.is_empty() {
            self.map.insert(Cow::Borrowed(name), None);
        }
    }

    pub fn insert(&mut self, name: &str, definition: Macro) {
        self.map.insert(
            Cow::Owned(name.to_string()),
            Some(Definition::Parsed(definition)),
        );
    }

    /// `#define` as a file's line has it: `NAME body` or `NAME(a, b) body`.
    pub fn define_line(&mut self, rest: &'s str) {
        if let Some(name) = defined_name(rest) {
            self.map
                .insert(Cow::Borrowed(name), Some(Definition::Line(rest)));
        }
    }

    /// `#define` with what follows the directive's name: `NAME body` or `NAME(a, b) body`.
    pub fn define(&mut self, rest: &str) {
        if let Some((name, definition)) = parse_define(rest) {
            self.map.insert(
                Cow::Owned(name.to_string()),
                Some(Definition::Parsed(definition)),
            );
        }
    }

    /// Expands `tokens` fully. With `resolve`, `defined` and `__has_include` are answered as
    /// in an `#if` (before their operands could be expanded).
    pub fn expand(
        &self,
        tokens: Vec<Token>,
        resolve: Option<&HasInclude>,
        budget: &mut usize,
    ) -> Result<Vec<Token>, Undecided> {
        let mut input: VecDeque<Token> = tokens.into();
        let mut output = Vec::new();
        while let Some(token) = input.pop_front() {
            *budget = budget.checked_sub(1).ok_or(Undecided)?;
            if token.kind != Kind::Ident {
                output.push(token);
                continue;
            }
            if let Some(has_include) = resolve {
                if token.is("defined") {
                    output.push(number(self.take_defined(&mut input)?, &token));
                    continue;
                }
                if token.is("__has_include") || token.is("__has_include_next") {
                    let (spelled, angled) = take_include_operand(&mut input).ok_or(Undecided)?;
                    output.push(number(has_include(&spelled, angled), &token));
                    continue;
                }
            }
            let Some(definition) = self.lookup(&token.text) else {
                output.push(token);
                continue;
            };
            if token.hide.contains(&token.text) {
                output.push(token);
                continue;
            }
            let Some(body) = &definition.body else {
                return Err(Undecided);
            };
            let mut hide: Vec<Rc<str>> = token.hide.to_vec();
            hide.push(token.text.clone());
            let hide: Rc<[Rc<str>]> = Rc::from(hide);
            let replaced = match &definition.params {
                None => substitute(body, &[], &[], false, self, budget)?,
                Some(params) => {
                    if !input.front().is_some_and(|t| t.is("(")) {
                        output.push(token);
                        continue;
                    }
                    let Some(args) = take_args(&mut input, params.len(), definition.variadic)
                    else {
                        // Unbalanced: the name stands alone.
                        output.push(token);
                        continue;
                    };
                    substitute(body, params, &args, definition.variadic, self, budget)?
                }
            };
            for (i, mut t) in replaced.into_iter().enumerate().rev() {
                let mut merged = t.hide.to_vec();
                merged.extend(hide.iter().cloned());
                t.hide = Rc::from(merged);
                if i == 0 {
                    t.space_before = token.space_before;
                }
                input.push_front(t);
            }
        }
        Ok(output)
    }

    fn take_defined(&self, input: &mut VecDeque<Token>) -> Result<bool, Undecided> {
        let parenthesised = input.front().is_some_and(|t| t.is("("));
        if parenthesised {
            input.pop_front();
        }
        let name = input.pop_front().filter(Token::is_ident).ok_or(Undecided)?;
        if parenthesised && !input.pop_front().is_some_and(|t| t.is(")")) {
            return Err(Undecided);
        }
        self.defined(&name.text)
    }
}

fn number(value: bool, at: &Token) -> Token {
    Token {
        kind: Kind::Number,
        text: Rc::from(if value { "1" } else { "0" }),
        space_before: at.space_before,
        hide: at.hide.clone(),
    }
}

/// `("x.h")` or `(<x.h>)` after `__has_include`.
fn take_include_operand(input: &mut VecDeque<Token>) -> Option<(String, bool)> {
    if !input.pop_front()?.is("(") {
        return None;
    }
    let first = input.pop_front()?;
    let result = if first.kind == Kind::Str {
        (first.text.trim_matches('"').to_string(), false)
    } else if first.is("<") {
        let mut spelled = String::new();
        loop {
            let t = input.pop_front()?;
            if t.is(">") {
                break;
            }
            spelled.push_str(&t.text);
        }
        (spelled, true)
    } else {
        return None;
    };
    input.pop_front()?.is(")").then_some(result)
}

/// The arguments of a call whose `(` is next; `None` (and nothing taken) when it is not
/// closed. Past the named parameters, a variadic macro's last argument takes the commas too.
fn take_args(
    input: &mut VecDeque<Token>,
    params: usize,
    variadic: bool,
) -> Option<Vec<Vec<Token>>> {
    let mut depth = 0usize;
    let mut close = None;
    for (i, t) in input.iter().enumerate().skip(1) {
        if t.is("(") {
            depth += 1;
        } else if t.is(")") {
            if depth == 0 {
                close = Some(i);
                break;
            }
            depth -= 1;
        }
    }
    let close = close?;
    let taken: Vec<Token> = input.drain(..=close).collect();
    let inner = &taken[1..taken.len() - 1];
    let mut args: Vec<Vec<Token>> = vec![Vec::new()];
    let mut depth = 0usize;
    for t in inner {
        if t.is("(") {
            depth += 1;
        } else if t.is(")") {
            depth = depth.saturating_sub(1);
        } else if t.is(",") && depth == 0 && !(variadic && args.len() > params) {
            args.push(Vec::new());
            continue;
        }
        if let Some(last) = args.last_mut() {
            last.push(t.clone());
        }
    }
    if params == 0 && !variadic && args.len() == 1 && args[0].is_empty() {
        args.clear();
    }
    Some(args)
}

/// The body with its parameters replaced, `#` applied and `##` pasted.
fn substitute(
    body: &[Token],
    params: &[Rc<str>],
    args: &[Vec<Token>],
    variadic: bool,
    macros: &Macros,
    budget: &mut usize,
) -> Result<Vec<Token>, Undecided> {
    let arg_of = |name: &str| -> Option<&[Token]> {
        if variadic && name == "__VA_ARGS__" {
            return Some(args.get(params.len()).map_or(&[][..], Vec::as_slice));
        }
        let index = params.iter().position(|p| &**p == name)?;
        Some(args.get(index).map_or(&[][..], Vec::as_slice))
    };
    let variadic_empty = arg_of("__VA_ARGS__").is_none_or(<[Token]>::is_empty);
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        *budget = budget.checked_sub(1).ok_or(Undecided)?;
        let t = &body[i];
        if t.is("#")
            && (!params.is_empty() || variadic)
            && let Some(arg) = body.get(i + 1).and_then(|p| arg_of(&p.text))
        {
            out.push(stringize(arg, t.space_before));
            i += 2;
            continue;
        }
        if t.is("__VA_OPT__") && variadic && body.get(i + 1).is_some_and(|p| p.is("(")) {
            let mut depth = 0;
            let mut j = i + 1;
            while j < body.len() {
                if body[j].is("(") {
                    depth += 1;
                } else if body[j].is(")") {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            if !variadic_empty {
                let inner = substitute(
                    &body[i + 2..j.min(body.len())],
                    params,
                    args,
                    variadic,
                    macros,
                    budget,
                )?;
                out.extend(inner);
            }
            i = j + 1;
            continue;
        }
        if t.is("##") {
            let right = body.get(i + 1);
            let right_tokens: Vec<Token> = match right {
                Some(r) => match arg_of(&r.text) {
                    Some(arg) => arg.to_vec(),
                    None => vec![r.clone()],
                },
                None => Vec::new(),
            };
            let mut rest = right_tokens.into_iter();
            match (out.pop(), rest.next()) {
                (Some(left), Some(first)) => out.extend(paste(&left, &first)),
                (Some(left), None) => out.push(left),
                (None, Some(first)) => out.push(first),
                (None, None) => {}
            }
            out.extend(rest);
            i += 2;
            continue;
        }
        if let Some(arg) = arg_of(&t.text) {
            let pasted_next = body.get(i + 1).is_some_and(|n| n.is("##"));
            let mut tokens = if pasted_next {
                arg.to_vec()
            } else {
                macros.expand(arg.to_vec(), None, budget)?
            };
            if let Some(first) = tokens.first_mut() {
                first.space_before = t.space_before;
            }
            out.extend(tokens);
            i += 1;
            continue;
        }
        out.push(t.clone());
        i += 1;
    }
    Ok(out)
}

fn stringize(arg: &[Token], space_before: bool) -> Token {
    let mut text = String::from("\"");
    for (i, t) in arg.iter().enumerate() {
        if i > 0 && t.space_before {
            text.push(' ');
        }
        if matches!(t.kind, Kind::Str | Kind::Char) {
            for c in t.text.chars() {
                if c == '"' || c == '\\' {
                    text.push('\\');
                }
                text.push(c);
            }
        } else {
            text.push_str(&t.text);
        }
    }
    text.push('"');
    Token {
        kind: Kind::Str,
        text: Rc::from(text),
        space_before,
        hide: Rc::from(Vec::new()),
    }
}

/// `left ## right`: one token when their texts lex as one, else both.
fn paste(left: &Token, right: &Token) -> Vec<Token> {
    let joined = format!("{}{}", left.text, right.text);
    let mut tokens = tokenize(&joined);
    if tokens.len() == 1 {
        let mut token = tokens.remove(0);
        token.space_before = left.space_before;
        token.hide = left.hide.clone();
        vec![token]
    } else {
        vec![left.clone(), right.clone()]
    }
}

/// How many macros one literal macro may be made of before it is taken for code.
const MAX_LITERAL_MACROS: usize = 16;

/// The name a `#define` defines.
pub fn defined_name(rest: &str) -> Option<&str> {
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    (!name.is_empty() && !name.as_bytes()[0].is_ascii_digit()).then_some(name)
}

/// `NAME body`, `NAME(a, b) body`, `NAME(a, ...) body`, `NAME(...) body`.
fn parse_define(rest: &str) -> Option<(Rc<str>, Macro)> {
    let name = defined_name(rest)?;
    let after = &rest[name.len()..];
    if let Some(list) = after.strip_prefix('(') {
        let close = list.find(')')?;
        let mut params = Vec::new();
        let mut variadic = false;
        for param in list[..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if param == "..." {
                variadic = true;
            } else {
                params.push(Rc::from(param));
            }
        }
        let body = tokenize(&list[close + 1..]);
        return Some((
            Rc::from(name),
            Macro {
                params: Some(params),
                variadic,
                body: Some(body),
            },
        ));
    }
    Some((
        Rc::from(name),
        Macro {
            params: None,
            variadic: false,
            body: Some(tokenize(after)),
        },
    ))
}
