//! The text a Rust expression holds, as far as the code writes it: the one reader of text
//! expressions, for registry keys and values as for library names and paths.
//!
//! Text is followed through literals, the `windows` crates' string macros, `concat!`,
//! `format!`/`format_args!`, `env!("CARGO_MANIFEST_DIR")` and `env::var`, `Path::join`,
//! the methods and calls that pass text through, and names, whose text the caller gives.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitStr, Macro, Token, UnOp};

use super::lower::{Lowerer, last_segment, span_of};
use crate::frontend::registry::text::{EscapeChars, MappedText, unescape_with};
use crate::frontend::text_names::names;
use crate::source::Span;

/// Expressions are followed this deep; deeper parts are unknown.
const MAX_DEPTH: usize = 64;

/// What a path names, as the caller's locals and constants know it: `None` for a local
/// holding something other than text.
pub(super) type Names<'a> = dyn Fn(&syn::Path) -> Option<MappedText> + 'a;

/// The text of an expression; parts only known at run time are unknown. `None` when the
/// expression is not text at all.
pub(super) fn text_of(l: &Lowerer, expr: &Expr, name: &Names) -> Option<MappedText> {
    Reader { l, name }.text(expr, 0)
}

/// The text a `format!`-style macro produces, and the span of its format string.
pub(super) fn format_text(
    l: &Lowerer,
    tokens: TokenStream,
    name: &Names,
) -> Option<(MappedText, Span)> {
    Reader { l, name }.format(tokens, 0)
}

struct Reader<'a> {
    l: &'a Lowerer,
    name: &'a Names<'a>,
}

impl Reader<'_> {
    fn text(&self, expr: &Expr, depth: usize) -> Option<MappedText> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = depth + 1;
        match expr {
            Expr::Lit(lit) => literal(&lit.lit),
            Expr::Paren(p) => self.text(&p.expr, next),
            Expr::Group(g) => self.text(&g.expr, next),
            Expr::Reference(r) => self.text(&r.expr, next),
            Expr::Cast(c) => self.text(&c.expr, next),
            Expr::Try(t) => self.text(&t.expr, next),
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => self.text(&u.expr, next),
            Expr::Unsafe(u) => match u.block.stmts.as_slice() {
                [syn::Stmt::Expr(tail, None)] => self.text(tail, next),
                _ => None,
            },
            Expr::Macro(m) => self.macro_text(&m.mac, next),
            Expr::Path(p) if p.qself.is_none() => (self.name)(&p.path),
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                if method == "join" && m.args.len() == 1 {
                    let mut text = self.known(&m.receiver, next);
                    text.append(MappedText::plain("/"));
                    text.append(self.known(&m.args[0], next));
                    return Some(text);
                }
                if names().rust.same_text_methods.contains(&method) {
                    return self.text(&m.receiver, next);
                }
                None
            }
            Expr::Call(call) => {
                if let Some(var) = self.l.env_var_of(expr) {
                    return Some(match var.as_str() {
                        "CARGO_MANIFEST_DIR" => MappedText::package_root(),
                        _ => MappedText::unknown(),
                    });
                }
                let from_parts = matches!(&*call.func, Expr::Path(p) if last_segment(&p.path) == "from_raw_parts");
                // `PCWSTR(..)`, `Path::new(..)`, `HSTRING::from(..)`, a `wide(..)` helper: one
                // argument in, the same text out.
                if from_parts || call.args.len() == 1 {
                    return self.text(call.args.first()?, next);
                }
                None
            }
            _ => None,
        }
    }

    /// The text of a part of a whole: unknown where it is not text.
    fn known(&self, expr: &Expr, depth: usize) -> MappedText {
        self.text(expr, depth).unwrap_or_else(MappedText::unknown)
    }

    fn macro_text(&self, mac: &Macro, depth: usize) -> Option<MappedText> {
        let name = last_segment(&mac.path);
        let args = || Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone());
        match name.as_str() {
            name if names().rust.text_macros.contains(name) => {
                Some(self.known(args().ok()?.first()?, depth))
            }
            "concat" => {
                let mut text = MappedText::default();
                for arg in &args().ok()? {
                    text.append(match arg {
                        Expr::Lit(lit) => match &lit.lit {
                            Lit::Int(i) => MappedText::plain(i.base10_digits()),
                            Lit::Char(c) => MappedText::plain(&c.value().to_string()),
                            Lit::Bool(b) => MappedText::plain(&b.value.to_string()),
                            other => literal(other).unwrap_or_else(MappedText::unknown),
                        },
                        other => self.known(other, depth),
                    });
                }
                Some(text)
            }
            "env" => Some(match syn::parse2::<LitStr>(mac.tokens.clone()) {
                Ok(var) if var.value() == "CARGO_MANIFEST_DIR" => MappedText::package_root(),
                _ => MappedText::unknown(),
            }),
            "format" | "format_args" => self.format(mac.tokens.clone(), depth).map(|(t, _)| t),
            _ => None,
        }
    }

    /// `format!`'s template with its arguments put in; `{{` and `}}` stand for braces.
    fn format(&self, tokens: TokenStream, depth: usize) -> Option<(MappedText, Span)> {
        let (format, args) = format_args.parse2(tokens).ok()?;
        let template = literal(&Lit::Str(format.clone()))?;
        let chars: Vec<Option<(char, Option<Span>)>> = template.chars().collect();
        let mut out = MappedText::default();
        let mut next_positional = 0;
        let mut i = 0;
        while i < chars.len() {
            let Some((ch, at)) = chars[i] else {
                out.push_unknown();
                i += 1;
                continue;
            };
            let doubled = chars.get(i + 1).copied().flatten().map(|(c, _)| c) == Some(ch);
            if (ch == '{' || ch == '}') && doubled {
                out.push(ch, None);
                i += 2;
                continue;
            }
            if ch != '{' {
                out.push(ch, at);
                i += 1;
                continue;
            }
            let mut spec = String::new();
            i += 1;
            while let Some(Some((c, _))) = chars.get(i) {
                i += 1;
                if *c == '}' {
                    break;
                }
                spec.push(*c);
            }
            let selector = spec.split(':').next().unwrap_or_default().trim();
            let argument = if selector.is_empty() {
                next_positional += 1;
                positional(&args, next_positional - 1)
            } else if let Ok(index) = selector.parse::<usize>() {
                positional(&args, index)
            } else if let Some(expr) = args.iter().find_map(|arg| match arg {
                FormatArg::Named(name, expr) if name == selector => Some(expr),
                _ => None,
            }) {
                Some(expr.clone())
            } else {
                // An inline capture, `{dir}`; anything else is not a format string rustc
                // accepts.
                Ident::parse_any.parse_str(selector).ok().map(|ident| {
                    Expr::Path(syn::ExprPath {
                        attrs: Vec::new(),
                        qself: None,
                        path: ident.into(),
                    })
                })
            };
            out.append(argument.map_or_else(MappedText::unknown, |e| self.known(&e, depth + 1)));
        }
        Some((out, span_of(&format)))
    }
}

/// One argument of a `format!`-style macro.
enum FormatArg {
    Positional(Expr),
    Named(String, Expr),
}

fn positional(args: &[FormatArg], index: usize) -> Option<Expr> {
    args.iter()
        .filter_map(|arg| match arg {
            FormatArg::Positional(expr) => Some(expr),
            FormatArg::Named(..) => None,
        })
        .nth(index)
        .cloned()
}

/// The format string and arguments of `println!`, `format!`...
fn format_args(input: ParseStream) -> syn::Result<(LitStr, Vec<FormatArg>)> {
    let format: LitStr = input.parse()?;
    let mut args = Vec::new();
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            args.push(FormatArg::Named(name.to_string(), input.parse()?));
        } else {
            args.push(FormatArg::Positional(input.parse()?));
        }
    }
    Ok((format, args))
}

/// A string literal's text, each character mapped to where it is written (an escape maps to
/// the whole escape sequence).
fn literal(lit: &Lit) -> Option<MappedText> {
    let (value, token, span) = match lit {
        Lit::Str(s) => (s.value(), s.token().to_string(), span_of(s)),
        Lit::ByteStr(b) => (
            b.value().iter().map(|&b| char::from(b)).collect(),
            b.token().to_string(),
            span_of(b),
        ),
        Lit::CStr(c) => (
            c.value()
                .to_bytes()
                .iter()
                .map(|&b| char::from(b))
                .collect(),
            c.token().to_string(),
            span_of(c),
        ),
        _ => return None,
    };
    if token.len() != span.len() {
        return Some(MappedText::plain(&value));
    }
    let open = token.find('"')?;
    let close = token.rfind('"')?;
    let prefix = &token[..open];
    let content = &token[open + 1..close];
    let content_start = span.start + open + 1;
    if prefix.contains('r') {
        let start = content_start + content.len() - content.trim_start_matches('#').len();
        return Some(MappedText::written(
            content.trim_matches('#'),
            start.min(content_start + content.len()),
        ))
        .filter(|t| t.known().as_deref() == Some(value.as_str()))
        .or_else(|| Some(MappedText::plain(&value)));
    }
    let mapped = unescape_with(content, content_start, rust_escape);
    if mapped.known().as_deref() == Some(value.as_str()) {
        Some(mapped)
    } else {
        Some(MappedText::plain(&value))
    }
}

/// The character a Rust escape stands for, given the character after the backslash.
fn rust_escape(kind: char, chars: &mut EscapeChars) -> Option<char> {
    match kind {
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        '0' => Some('\0'),
        '\\' | '\'' | '"' => Some(kind),
        'x' => {
            let hex: String = (0..2)
                .filter_map(|_| chars.next().map(|(_, c)| c))
                .collect();
            u8::from_str_radix(&hex, 16).ok().map(char::from)
        }
        'u' => {
            let mut hex = String::new();
            for (_, c) in chars.by_ref() {
                if c == '}' {
                    break;
                }
                if c != '{' && c != '_' {
                    hex.push(c);
                }
            }
            u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
        }
        // A line continuation: the newline and the next line's indentation vanish.
        '\n' | '\r' => {
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            None
        }
        _ => None,
    }
}
