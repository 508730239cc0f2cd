//! The value of an `#if` expression after expansion: C's integer arithmetic in `intmax_t` and
//! `uintmax_t`, with identifiers left over as 0.

use super::expand::Undecided;
use super::lex::{Kind, Token};

/// Deeper nesting than this in one expression is not evaluated.
const MAX_DEPTH: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Value {
    bits: u64,
    unsigned: bool,
}

impl Value {
    fn signed(v: i64) -> Value {
        Value {
            bits: v as u64,
            unsigned: false,
        }
    }

    fn truth(self) -> bool {
        self.bits != 0
    }

    fn as_i64(self) -> i64 {
        self.bits as i64
    }
}

pub fn evaluate(tokens: &[Token]) -> Result<bool, Undecided> {
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let value = parser.conditional()?;
    if parser.at != tokens.len() {
        return Err(Undecided);
    }
    Ok(value.truth())
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    depth: usize,
}

fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "*" | "/" | "%" => 10,
        "+" | "-" => 9,
        "<<" | ">>" => 8,
        "<" | ">" | "<=" | ">=" => 7,
        "==" | "!=" => 6,
        "&" => 5,
        "^" => 4,
        "|" => 3,
        "&&" => 2,
        "||" => 1,
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, text: &str) -> bool {
        let found = self
            .peek()
            .is_some_and(|t| t.kind == Kind::Punct && t.is(text));
        if found {
            self.at += 1;
        }
        found
    }

    fn conditional(&mut self) -> Result<Value, Undecided> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Undecided);
        }
        let condition = self.binary(1)?;
        let value = if self.eat("?") {
            let then = self.conditional()?;
            if !self.eat(":") {
                return Err(Undecided);
            }
            let otherwise = self.conditional()?;
            let unsigned = then.unsigned || otherwise.unsigned;
            let chosen = if condition.truth() { then } else { otherwise };
            Value {
                bits: chosen.bits,
                unsigned,
            }
        } else {
            condition
        };
        self.depth -= 1;
        Ok(value)
    }

    fn binary(&mut self, min: u8) -> Result<Value, Undecided> {
        let mut left = self.unary()?;
        while let Some((op, precedence)) = self
            .peek()
            .filter(|t| t.kind == Kind::Punct)
            .and_then(|t| Some((t.text.clone(), binary_precedence(&t.text)?)))
            .filter(|(_, precedence)| *precedence >= min)
        {
            self.at += 1;
            let right = self.binary(precedence + 1)?;
            left = apply(&op, left, right)?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Value, Undecided> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Undecided);
        }
        let value = if self.eat("!") {
            Value::signed(i64::from(!self.unary()?.truth()))
        } else if self.eat("-") {
            let v = self.unary()?;
            Value {
                bits: v.bits.wrapping_neg(),
                unsigned: v.unsigned,
            }
        } else if self.eat("+") {
            self.unary()?
        } else if self.eat("~") {
            let v = self.unary()?;
            Value {
                bits: !v.bits,
                unsigned: v.unsigned,
            }
        } else if self.eat("(") {
            let v = self.conditional()?;
            if !self.eat(")") {
                return Err(Undecided);
            }
            v
        } else {
            let tokens = self.tokens;
            let token = tokens.get(self.at).ok_or(Undecided)?;
            self.at += 1;
            match token.kind {
                Kind::Number => number(&token.text)?,
                Kind::Char => character(&token.text)?,
                Kind::Ident if token.is("true") => Value::signed(1),
                Kind::Ident => Value::signed(0),
                _ => return Err(Undecided),
            }
        };
        self.depth -= 1;
        Ok(value)
    }
}

fn apply(op: &str, left: Value, right: Value) -> Result<Value, Undecided> {
    let unsigned = left.unsigned || right.unsigned;
    let (l, r) = (left.bits, right.bits);
    let arithmetic = |bits: u64| Value { bits, unsigned };
    let truth = |b: bool| Value::signed(i64::from(b));
    let compare = |ordering: std::cmp::Ordering| {
        if unsigned {
            l.cmp(&r) == ordering
        } else {
            left.as_i64().cmp(&right.as_i64()) == ordering
        }
    };
    Ok(match op {
        "*" => arithmetic(l.wrapping_mul(r)),
        "/" | "%" => {
            if r == 0 {
                return Err(Undecided);
            }
            let bits = match (op, unsigned) {
                ("/", true) => l / r,
                ("%", true) => l % r,
                ("/", false) => left.as_i64().wrapping_div(right.as_i64()) as u64,
                _ => left.as_i64().wrapping_rem(right.as_i64()) as u64,
            };
            arithmetic(bits)
        }
        "+" => arithmetic(l.wrapping_add(r)),
        "-" => arithmetic(l.wrapping_sub(r)),
        "<<" => Value {
            bits: l.wrapping_shl(r as u32),
            unsigned: left.unsigned,
        },
        ">>" => Value {
            bits: if left.unsigned {
                l.wrapping_shr(r as u32)
            } else {
                left.as_i64().wrapping_shr(r as u32) as u64
            },
            unsigned: left.unsigned,
        },
        "<" => truth(compare(std::cmp::Ordering::Less)),
        ">" => truth(compare(std::cmp::Ordering::Greater)),
        "<=" => truth(!compare(std::cmp::Ordering::Greater)),
        ">=" => truth(!compare(std::cmp::Ordering::Less)),
        "==" => truth(l == r),
        "!=" => truth(l != r),
        "&" => arithmetic(l & r),
        "^" => arithmetic(l ^ r),
        "|" => arithmetic(l | r),
        "&&" => truth(left.truth() && right.truth()),
        "||" => truth(left.truth() || right.truth()),
        _ => return Err(Undecided),
    })
}

/// An integer literal with C's and MSVC's suffixes (`u`, `l`, `ll`, `i64`, `ui64`), `'`
/// separators and hexadecimal, octal and binary forms.
fn number(text: &str) -> Result<Value, Undecided> {
    let lower = text.to_ascii_lowercase().replace('\'', "");
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(binary) = lower.strip_prefix("0b") {
        (binary, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let (digits, suffix) = digits.split_at(end);
    let unsigned = match suffix {
        "" | "l" | "ll" | "i64" | "i32" => false,
        "u" | "ul" | "lu" | "ull" | "llu" | "ui64" | "ui32" => true,
        _ => return Err(Undecided),
    };
    let bits = if digits.is_empty() {
        0
    } else {
        u64::from_str_radix(digits, radix).map_err(|_| Undecided)?
    };
    Ok(Value {
        bits,
        unsigned: unsigned || bits > i64::MAX as u64,
    })
}

fn character(text: &str) -> Result<Value, Undecided> {
    let inner = text
        .trim_start_matches(|c| c != '\'')
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .ok_or(Undecided)?;
    let value = match inner.strip_prefix('\\') {
        None => inner.chars().next().map_or(0, |c| c as i64),
        Some(escape) => match escape.chars().next() {
            Some('n') => 10,
            Some('t') => 9,
            Some('r') => 13,
            Some('0') if escape.len() == 1 => 0,
            Some('x') => i64::from_str_radix(&escape[1..], 16).map_err(|_| Undecided)?,
            Some(c) if c.is_digit(8) => i64::from_str_radix(escape, 8).map_err(|_| Undecided)?,
            Some(c) => c as i64,
            None => return Err(Undecided),
        },
    };
    Ok(Value::signed(value))
}
