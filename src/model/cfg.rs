//! Build conditions (`#[cfg]`, `cfg!()`, later `#if`/`#ifdef`) and their value on a target.
//!
//! Evaluation is three-valued: a condition the target does not decide (a cargo feature, an
//! unknown macro) is `None`, and code under it is treated as live.

use crate::target::Target;

#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Cond {
    #[default]
    True,
    /// `key` alone (`windows`, `test`) or `key = "value"` (`target_pointer_width = "32"`).
    Pred {
        key: String,
        value: Option<String>,
    },
    Not(Box<Cond>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

impl Cond {
    pub fn pred(key: &str, value: Option<&str>) -> Cond {
        Cond::Pred {
            key: key.to_string(),
            value: value.map(str::to_string),
        }
    }

    pub fn negate(self) -> Cond {
        match self {
            Cond::Not(inner) => *inner,
            other => Cond::Not(Box::new(other)),
        }
    }

    /// Both conditions must hold; `True` is the identity so nesting stays shallow.
    pub fn and(self, other: Cond) -> Cond {
        match (self, other) {
            (Cond::True, c) | (c, Cond::True) => c,
            (Cond::All(mut a), Cond::All(b)) => {
                a.extend(b);
                Cond::All(a)
            }
            (Cond::All(mut a), c) | (c, Cond::All(mut a)) => {
                a.push(c);
                Cond::All(a)
            }
            (a, b) => Cond::All(vec![a, b]),
        }
    }

    pub fn eval(&self, target: &Target) -> Option<bool> {
        match self {
            Cond::True => Some(true),
            Cond::Pred { key, value } => eval_pred(key, value.as_deref(), target),
            Cond::Not(inner) => inner.eval(target).map(|v| !v),
            Cond::All(items) => {
                let mut result = Some(true);
                for item in items {
                    match item.eval(target) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Cond::Any(items) => {
                let mut result = Some(false);
                for item in items {
                    match item.eval(target) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
        }
    }

    /// Whether code under this condition may be compiled for the target.
    pub fn is_live(&self, target: &Target) -> bool {
        self.eval(target) != Some(false)
    }
}

fn eval_pred(key: &str, value: Option<&str>, target: &Target) -> Option<bool> {
    let matches = |actual: &str| value.map(|v| v == actual);
    match key {
        "target_pointer_width" => matches(&target.pointer_width.to_string()),
        "target_arch" => matches(target.arch.cfg_name()),
        "target_os" => matches("windows"),
        "target_family" => matches("windows"),
        "target_vendor" => matches("pc"),
        "target_env" if !target.env.is_empty() => matches(&target.env),
        "windows" if value.is_none() => Some(true),
        "unix" if value.is_none() => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x64() -> Target {
        Target::parse("x86_64-pc-windows-msvc").unwrap()
    }
    fn x86() -> Target {
        Target::parse("i686-pc-windows-msvc").unwrap()
    }

    #[test]
    fn pointer_width_and_arch() {
        let w32 = Cond::pred("target_pointer_width", Some("32"));
        assert_eq!(w32.eval(&x64()), Some(false));
        assert_eq!(w32.eval(&x86()), Some(true));
        assert_eq!(w32.clone().negate().eval(&x64()), Some(true));
        let arch = Cond::pred("target_arch", Some("x86"));
        assert_eq!(arch.eval(&x86()), Some(true));
        assert_eq!(arch.eval(&x64()), Some(false));
    }

    #[test]
    fn unknown_predicates_are_three_valued() {
        let feature = Cond::pred("feature", Some("std"));
        let w64 = Cond::pred("target_pointer_width", Some("64"));
        assert_eq!(feature.eval(&x64()), None);
        assert!(feature.is_live(&x64()));
        assert_eq!(
            Cond::All(vec![feature.clone(), w64.clone()]).eval(&x86()),
            Some(false)
        );
        assert_eq!(
            Cond::All(vec![feature.clone(), w64.clone()]).eval(&x64()),
            None
        );
        assert_eq!(
            Cond::Any(vec![feature.clone(), w64.clone()]).eval(&x64()),
            Some(true)
        );
        assert_eq!(Cond::Any(vec![feature, w64]).eval(&x86()), None);
        assert_eq!(Cond::pred("unix", None).eval(&x64()), Some(false));
        assert_eq!(Cond::pred("windows", None).eval(&x64()), Some(true));
    }

    #[test]
    fn and_flattens() {
        let a = Cond::pred("a", None);
        let b = Cond::pred("b", None);
        assert_eq!(Cond::True.and(a.clone()), a);
        assert_eq!(
            a.clone().and(b.clone()).and(Cond::True),
            Cond::All(vec![a, b])
        );
    }
}
