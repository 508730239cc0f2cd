//! Build conditions (`#[cfg]`, `cfg!()`, `#if`/`#ifdef`) and their value on a target.
//!
//! Evaluation is three-valued: a condition the target does not decide (a cargo feature, an
//! unknown macro) is `None`, and code under it is treated as live.
//!
//! A condition is kept as its value on each kind of Windows target, not as the expression it
//! was written as: the target decides a predicate only through its architecture and
//! environment, so twenty kinds tell every target apart, and a condition is two bit sets. `and`,
//! `or` and `not` cost the same whatever the conditions they combine, every fact can carry its
//! own copy, and an `#elif` chain or a 40,000-term `any(...)` is as small as `windows`.

use crate::target::{Arch, ENVIRONMENTS, Target};

/// The environments a target can have: none named, then each `target_env` value.
const ENV_KINDS: usize = ENVIRONMENTS.len() + 1;
const KINDS: usize = Arch::ALL.len() * ENV_KINDS;
const ALL_KINDS: u32 = (1 << KINDS) - 1;

/// Which kinds of target the condition holds on, and which it fails on; on the others it is
/// undecided.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Cond {
    holds: u32,
    fails: u32,
}

impl Default for Cond {
    fn default() -> Self {
        Cond::TRUE
    }
}

impl std::fmt::Debug for Cond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Cond(holds {:#07x}, fails {:#07x})",
            self.holds, self.fails
        )
    }
}

impl Cond {
    pub const TRUE: Cond = Cond {
        holds: ALL_KINDS,
        fails: 0,
    };
    pub const FALSE: Cond = Cond {
        holds: 0,
        fails: ALL_KINDS,
    };
    /// Undecided on every target.
    pub const UNKNOWN: Cond = Cond { holds: 0, fails: 0 };

    /// `key` alone (`windows`, `test`) or `key = "value"` (`target_pointer_width = "32"`).
    pub fn pred(key: &str, value: Option<&str>) -> Cond {
        let mut cond = Cond::UNKNOWN;
        for (kind, (arch, env)) in kinds().enumerate() {
            match eval_pred(key, value, arch, env) {
                Some(true) => cond.holds |= 1 << kind,
                Some(false) => cond.fails |= 1 << kind,
                None => {}
            }
        }
        cond
    }

    pub fn negate(self) -> Cond {
        Cond {
            holds: self.fails,
            fails: self.holds,
        }
    }

    pub fn and(self, other: Cond) -> Cond {
        Cond {
            holds: self.holds & other.holds,
            fails: self.fails | other.fails,
        }
    }

    pub fn or(self, other: Cond) -> Cond {
        Cond {
            holds: self.holds | other.holds,
            fails: self.fails & other.fails,
        }
    }

    /// `all(...)`: true when empty.
    pub fn all(items: impl IntoIterator<Item = Cond>) -> Cond {
        items.into_iter().fold(Cond::TRUE, Cond::and)
    }

    /// `any(...)`: false when empty.
    pub fn any(items: impl IntoIterator<Item = Cond>) -> Cond {
        items.into_iter().fold(Cond::FALSE, Cond::or)
    }

    pub fn eval(&self, target: &Target) -> Option<bool> {
        let bit = 1 << kind_of(target);
        if self.holds & bit != 0 {
            Some(true)
        } else if self.fails & bit != 0 {
            Some(false)
        } else {
            None
        }
    }

    /// Holds on the kinds of the targets marked true, fails on those marked false, and is
    /// undecided on every other kind: what a preprocessor run once per configured target
    /// found.
    pub fn on_targets<'t>(targets: impl IntoIterator<Item = (&'t Target, bool)>) -> Cond {
        let mut cond = Cond::UNKNOWN;
        for (target, live) in targets {
            let bit = 1 << kind_of(target);
            if live {
                cond.holds |= bit;
            } else {
                cond.fails |= bit;
            }
        }
        cond
    }

    /// Whether no target is known to compile code under this condition and some target is
    /// known not to.
    pub fn is_dead(&self) -> bool {
        self.holds == 0 && self.fails != 0
    }

    /// Whether code under this condition may be compiled for the target.
    pub fn is_live(&self, target: &Target) -> bool {
        self.eval(target) != Some(false)
    }
}

/// The build condition of each part of a C or C++ file, as the preprocessing of the
/// translation units that read it found: each condition holds from its offset to the next.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Regions(pub Vec<(usize, Cond)>);

impl Regions {
    /// The condition of the part holding `offset`.
    pub fn cond_at(&self, offset: usize) -> Cond {
        let index = self.0.partition_point(|(start, _)| *start <= offset);
        index.checked_sub(1).map_or(Cond::TRUE, |i| self.0[i].1)
    }

    /// The byte ranges no configured target compiles.
    pub fn dead(&self, len: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter_map(move |(i, (start, cond))| {
                let end = self.0.get(i + 1).map_or(len, |(next, _)| *next).min(len);
                (cond.is_dead() && *start < end).then_some(*start..end)
            })
    }
}

/// Every kind of target, as its architecture and environment (`""`: not named), in the order
/// of their bits.
fn kinds() -> impl Iterator<Item = (Arch, &'static str)> {
    Arch::ALL.into_iter().flat_map(|arch| {
        std::iter::once("")
            .chain(ENVIRONMENTS)
            .map(move |env| (arch, env))
    })
}

fn kind_of(target: &Target) -> usize {
    let arch = Arch::ALL
        .iter()
        .position(|&a| a == target.arch)
        .unwrap_or_default();
    // `Target::parse` names no other environment.
    let env = ENVIRONMENTS
        .iter()
        .position(|&e| e == target.env)
        .map_or(0, |i| i + 1);
    arch * ENV_KINDS + env
}

fn eval_pred(key: &str, value: Option<&str>, arch: Arch, env: &str) -> Option<bool> {
    let matches = |actual: &str| value.map(|v| v == actual);
    match key {
        "target_pointer_width" => matches(&arch.pointer_width().to_string()),
        "target_arch" => matches(arch.cfg_name()),
        "target_os" => matches("windows"),
        "target_family" => matches("windows"),
        "target_vendor" => matches("pc"),
        "target_env" if !env.is_empty() => matches(env),
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
        assert_eq!(w32.negate().eval(&x64()), Some(true));
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
        assert_eq!(Cond::all([feature, w64]).eval(&x86()), Some(false));
        assert_eq!(Cond::all([feature, w64]).eval(&x64()), None);
        assert_eq!(Cond::any([feature, w64]).eval(&x64()), Some(true));
        assert_eq!(Cond::any([feature, w64]).eval(&x86()), None);
        assert_eq!(Cond::pred("unix", None).eval(&x64()), Some(false));
        assert_eq!(Cond::pred("windows", None).eval(&x64()), Some(true));
        assert_eq!(Cond::all([]), Cond::TRUE);
        assert_eq!(Cond::any([]), Cond::FALSE);
    }

    /// Each target has a kind of its own wherever a predicate tells it apart from another.
    #[test]
    fn every_target_is_told_apart_by_its_kind() {
        let triples = [
            "i686-pc-windows-msvc",
            "i686-pc-windows-gnu",
            "x86_64-pc-windows-msvc",
            "x86_64-pc-windows-gnu",
            "x86_64-pc-windows-gnullvm",
            "aarch64-pc-windows-msvc",
            "aarch64-pc-windows-gnullvm",
            "arm64ec-pc-windows-msvc",
            "thumbv7a-pc-windows-msvc",
            "x86_64-uwp-windows",
        ];
        let preds = [
            ("target_pointer_width", Some("32")),
            ("target_pointer_width", Some("64")),
            ("target_arch", Some("x86")),
            ("target_arch", Some("x86_64")),
            ("target_arch", Some("aarch64")),
            ("target_arch", Some("arm64ec")),
            ("target_arch", Some("arm")),
            ("target_env", Some("msvc")),
            ("target_env", Some("gnu")),
            ("target_env", Some("gnullvm")),
        ];
        for triple in triples {
            let target = Target::parse(triple).unwrap();
            for (key, value) in preds {
                let expected = eval_pred(key, value, target.arch, &target.env);
                assert_eq!(
                    Cond::pred(key, value).eval(&target),
                    expected,
                    "{key} = {value:?} on {triple}"
                );
            }
        }
    }
}
