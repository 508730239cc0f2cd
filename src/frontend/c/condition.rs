//! `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else` as build conditions.
//!
//! Only the macros of the table's `[conditions]` (`_WIN64`, `_M_IX86`, ...) are known; any
//! other macro, comparison or arithmetic is unknown, and code under an unknown condition is
//! live on every target, in both branches.

use super::macros::MacroTable;
use crate::model::cfg::Cond;

/// Deeper parenthesis nesting in one `#if` than this makes the condition unknown.
const MAX_DEPTH: usize = 64;

/// One `#if ... #endif` group.
struct Group {
    /// Whether some branch so far was taken: every later branch is compiled only without it.
    earlier: Cond,
    /// The condition of the current branch and of every enclosing group.
    within: Cond,
}

/// Tracks the conditional-compilation state through a file's directives.
pub struct Tracker<'t> {
    table: &'t MacroTable,
    stack: Vec<Group>,
}

impl<'t> Tracker<'t> {
    pub fn new(table: &'t MacroTable) -> Self {
        Tracker {
            table,
            stack: Vec::new(),
        }
    }

    /// Applies one directive (`name` is `if`, `ifdef`, ..., `rest` what follows it); returns
    /// whether it changed the state.
    pub fn directive(&mut self, name: &str, rest: &str) -> bool {
        match name {
            "if" => self.open(self.expression(rest)),
            "ifdef" => self.open(self.defined(rest)),
            "ifndef" => self.open(self.defined(rest).negate()),
            "elif" => self.branch(self.expression(rest)),
            "elifdef" => self.branch(self.defined(rest)),
            "elifndef" => self.branch(self.defined(rest).negate()),
            "else" => self.branch(Cond::TRUE),
            "endif" => {
                self.stack.pop();
            }
            _ => return false,
        }
        true
    }

    /// The condition in force after the directives applied so far.
    pub fn current(&self) -> Cond {
        self.stack.last().map_or(Cond::TRUE, |group| group.within)
    }

    fn open(&mut self, value: Cond) {
        self.stack.push(Group {
            earlier: value,
            within: self.current().and(value),
        });
    }

    /// A branch is taken when no earlier one was and its own condition holds; keeping the
    /// earlier branches as one condition makes a chain of any length cost the same per branch.
    fn branch(&mut self, value: Cond) {
        let Some(enclosing) = self.stack.len().checked_sub(1) else {
            return;
        };
        let outer = self.stack[..enclosing]
            .last()
            .map_or(Cond::TRUE, |group| group.within);
        let group = &mut self.stack[enclosing];
        group.within = outer.and(group.earlier.negate().and(value));
        group.earlier = group.earlier.or(value);
    }

    fn defined(&self, rest: &str) -> Cond {
        let name = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        self.macro_value(name)
    }

    fn macro_value(&self, name: &str) -> Cond {
        self.table.condition(name).unwrap_or(Cond::UNKNOWN)
    }

    fn expression(&self, text: &str) -> Cond {
        let tokens = tokenize(text);
        let mut parser = Parser {
            tokens: &tokens,
            pos: 0,
            tracker: self,
        };
        let value = parser.or(0);
        if parser.pos == tokens.len() {
            value
        } else {
            Cond::UNKNOWN
        }
    }
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Ident(&'a str),
    Number(u64),
    /// A number that does not parse (a float, a suffix we do not know).
    OddNumber,
    Op(&'a str),
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            break;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |end| i + 2 + end + 2);
        } else if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push(Token::Ident(&text[start..i]));
        } else if b.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            tokens.push(parse_number(&text[start..i]));
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let len = if matches!(two, "&&" | "||" | "==" | "!=" | "<=" | ">=" | "<<" | ">>") {
                2
            } else {
                text[i..].chars().next().map_or(1, char::len_utf8)
            };
            tokens.push(Token::Op(&text[i..i + len]));
            i += len;
        }
    }
    tokens
}

fn parse_number(text: &str) -> Token<'_> {
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let parsed = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(hex, 16)
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8)
    } else {
        digits.parse()
    };
    parsed.map_or(Token::OddNumber, Token::Number)
}

struct Parser<'p, 'a, 't> {
    tokens: &'p [Token<'a>],
    pos: usize,
    tracker: &'p Tracker<'t>,
}

impl Parser<'_, '_, '_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Op(o)) if *o == op)
    }

    fn or(&mut self, depth: usize) -> Cond {
        let mut value = self.and(depth);
        while self.peek_op("||") {
            self.pos += 1;
            value = value.or(self.and(depth));
        }
        value
    }

    fn and(&mut self, depth: usize) -> Cond {
        let mut value = self.comparison(depth);
        while self.peek_op("&&") {
            self.pos += 1;
            value = value.and(self.comparison(depth));
        }
        value
    }

    /// Comparisons and arithmetic: their value depends on macro values, which are unknown.
    fn comparison(&mut self, depth: usize) -> Cond {
        let mut value = self.unary(depth);
        while let Some(Token::Op(op)) = self.tokens.get(self.pos) {
            if matches!(*op, "&&" | "||" | ")" | ":") {
                break;
            }
            self.pos += 1;
            if *op == "?" {
                self.or(depth);
                if self.peek_op(":") {
                    self.pos += 1;
                }
            }
            self.unary(depth);
            value = Cond::UNKNOWN;
        }
        value
    }

    fn unary(&mut self, depth: usize) -> Cond {
        if depth > MAX_DEPTH {
            self.pos = self.tokens.len();
            return Cond::UNKNOWN;
        }
        let Some(token) = self.tokens.get(self.pos) else {
            return Cond::UNKNOWN;
        };
        self.pos += 1;
        match token {
            Token::Op("!") => self.unary(depth + 1).negate(),
            Token::Op("-" | "+" | "~") => {
                self.unary(depth + 1);
                Cond::UNKNOWN
            }
            Token::Op("(") => {
                let value = self.or(depth + 1);
                if self.peek_op(")") {
                    self.pos += 1;
                }
                value
            }
            Token::Number(n) => {
                if *n != 0 {
                    Cond::TRUE
                } else {
                    Cond::FALSE
                }
            }
            Token::Ident("defined") => {
                let parenthesized = self.peek_op("(");
                if parenthesized {
                    self.pos += 1;
                }
                let value = match self.tokens.get(self.pos) {
                    Some(Token::Ident(name)) => {
                        self.pos += 1;
                        self.tracker.macro_value(name)
                    }
                    _ => Cond::UNKNOWN,
                };
                if parenthesized && self.peek_op(")") {
                    self.pos += 1;
                }
                value
            }
            Token::Ident(name) => {
                // A function-like macro call: its value is unknown.
                if self.peek_op("(") {
                    let mut open = 0usize;
                    while let Some(token) = self.tokens.get(self.pos) {
                        self.pos += 1;
                        match token {
                            Token::Op("(") => open += 1,
                            Token::Op(")") => {
                                open -= 1;
                                if open == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    return Cond::UNKNOWN;
                }
                // The target macros are defined as 1; an undefined name is 0, but whether it
                // is defined is unknown here.
                self.tracker.macro_value(name)
            }
            Token::OddNumber | Token::Op(_) => Cond::UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::c::macros;
    use crate::target::Target;

    fn eval(directives: &[(&str, &str)], triple: &str) -> Option<bool> {
        let mut tracker = Tracker::new(macros::table().unwrap());
        for (name, rest) in directives {
            tracker.directive(name, rest);
        }
        tracker.current().eval(&Target::parse(triple).unwrap())
    }

    const X64: &str = "x86_64-pc-windows-msvc";
    const X86: &str = "i686-pc-windows-msvc";

    #[test]
    fn pointer_width_and_architecture() {
        assert_eq!(eval(&[("ifdef", "_WIN64")], X64), Some(true));
        assert_eq!(eval(&[("ifdef", "_WIN64")], X86), Some(false));
        assert_eq!(eval(&[("ifndef", "_WIN64")], X64), Some(false));
        assert_eq!(eval(&[("ifdef", "_WIN64"), ("else", "")], X86), Some(true));
        assert_eq!(
            eval(&[("if", "defined(_M_IX86) || defined(__i386__)")], X86),
            Some(true)
        );
        assert_eq!(
            eval(&[("if", "defined(_M_IX86) || defined(__i386__)")], X64),
            Some(false)
        );
        assert_eq!(
            eval(&[("if", "!defined(_WIN64) && defined(_WIN32)")], X64),
            Some(false)
        );
        assert_eq!(eval(&[("if", "_M_AMD64 /* x64 */")], X64), Some(true));
        assert_eq!(eval(&[("if", "0")], X64), Some(false));
        assert_eq!(eval(&[("if", "0"), ("else", "")], X64), Some(true));
    }

    #[test]
    fn elif_chains_exclude_earlier_branches() {
        let chain = [("if", "defined(_M_IX86)"), ("elif", "defined(_M_X64)")];
        assert_eq!(eval(&chain, X64), Some(true));
        assert_eq!(eval(&chain, X86), Some(false));
        let with_else = [chain[0], chain[1], ("else", "")];
        assert_eq!(eval(&with_else, X64), Some(false));
        assert_eq!(eval(&with_else, "aarch64-pc-windows-msvc"), Some(true));
    }

    #[test]
    fn unknown_macros_leave_both_branches_live() {
        for directives in [
            vec![("ifdef", "FOO")],
            vec![("ifdef", "FOO"), ("else", "")],
            vec![("if", "_WIN32_WINNT >= 0x0600")],
            vec![("if", "_WIN32_WINNT >= 0x0600"), ("else", "")],
            vec![("if", "FOO(1, 2) && BAR")],
            vec![("ifndef", "_INC_FOO"), ("ifdef", "_WIN64"), ("endif", "")],
        ] {
            assert!(eval(&directives, X64) != Some(false), "{directives:?}");
            assert!(eval(&directives, X86) != Some(false), "{directives:?}");
        }
        // Unknown and known together: the known part still decides where it can.
        let mixed = [("if", "defined(_WIN64) && FOO")];
        assert_eq!(eval(&mixed, X86), Some(false));
        assert!(eval(&mixed, X64) != Some(false));
        let mixed_else = [mixed[0], ("else", "")];
        assert!(eval(&mixed_else, X64) != Some(false));
        assert_eq!(eval(&mixed_else, X86), Some(true));
    }

    #[test]
    fn unbalanced_and_deep_expressions_do_not_fail() {
        let deep = format!("{}_WIN64", "(".repeat(10_000));
        assert_ne!(eval(&[("if", &deep)], X64), Some(false));
        assert_eq!(eval(&[("endif", ""), ("else", "")], X64), Some(true));
        assert!(eval(&[("if", "defined(")], X64) != Some(false));
    }
}
