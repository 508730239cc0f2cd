//! The macro table of `rules/data/c-macros.toml`, parsed once per run.

use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::knowledge::parse_table;
use crate::model::cfg::Cond;

const MACROS_TOML: &str = include_str!("../../../rules/data/c-macros.toml");

/// How a macro invocation is rewritten before parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Word,
    Call,
    KeepArgs,
    Unwrap,
    FirstArg,
    TypeAndName,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Replacement {
    pub text: String,
    pub mode: Mode,
}

#[derive(Deserialize)]
struct ConditionEntry {
    key: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct Declarators {
    handle: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MacrosFile {
    blank: Vec<String>,
    blank_call: Vec<String>,
    blank_suffixes: Vec<String>,
    prefixes: Vec<String>,
    replace: HashMap<String, Replacement>,
    declarators: Declarators,
    conditions: HashMap<String, ConditionEntry>,
    sdk: SdkSection,
}

/// `[sdk]`: what the SDK headers define beyond the constants table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkSection {
    pub values: HashMap<String, i64>,
    pub guards: Vec<String>,
    pub functions: Vec<String>,
    /// Macros whose definition a condition evaluates, as written after `#define`.
    pub definitions: Vec<String>,
}

/// What to do with an identifier met outside comments, strings and directives.
#[derive(Clone, Debug)]
pub enum Action {
    Blank,
    BlankCall,
    Replace(Replacement),
}

pub struct MacroTable {
    actions: HashMap<String, Action>,
    blank_suffixes: Vec<String>,
    /// Prefixes by their first four bytes: one lookup per identifier, not one per prefix.
    prefixes: HashMap<[u8; PREFIX_KEY], Vec<String>>,
    handle_declarators: Vec<String>,
    conditions: HashMap<String, Cond>,
    pub sdk: SdkSection,
}

const PREFIX_KEY: usize = 4;

fn prefix_key(name: &str) -> Option<[u8; PREFIX_KEY]> {
    name.as_bytes().get(..PREFIX_KEY)?.try_into().ok()
}

static TABLE: LazyLock<Result<MacroTable, String>> = LazyLock::new(|| {
    let file: MacrosFile = parse_table("c-macros.toml", MACROS_TOML)?;
    let mut actions = HashMap::default();
    for name in file.blank {
        actions.insert(name, Action::Blank);
    }
    for name in file.blank_call {
        actions.insert(name, Action::BlankCall);
    }
    for (name, replacement) in file.replace {
        if replacement.text.len() > name.len() {
            return Err(format!(
                "rules/data/c-macros.toml: `{}` is longer than `{name}`",
                replacement.text
            ));
        }
        actions.insert(name, Action::Replace(replacement));
    }
    let mut prefixes: HashMap<[u8; PREFIX_KEY], Vec<String>> = HashMap::default();
    for prefix in file.prefixes {
        let Some(key) = prefix_key(&prefix) else {
            return Err(format!(
                "rules/data/c-macros.toml: prefix `{prefix}` is shorter than {PREFIX_KEY} bytes"
            ));
        };
        prefixes.entry(key).or_default().push(prefix);
    }
    let conditions = file
        .conditions
        .into_iter()
        .map(|(name, entry)| (name, Cond::pred(&entry.key, entry.value.as_deref())))
        .collect();
    Ok(MacroTable {
        actions,
        blank_suffixes: file.blank_suffixes,
        prefixes,
        handle_declarators: file.declarators.handle,
        conditions,
        sdk: file.sdk,
    })
});

pub fn table() -> Result<&'static MacroTable, String> {
    TABLE.as_ref().map_err(Clone::clone)
}

impl MacroTable {
    /// The rewrite for an identifier, if it is a macro the front end sees through.
    pub fn action(&self, name: &str) -> Option<Action> {
        if let Some(action) = self.actions.get(name) {
            return Some(action.clone());
        }
        let bytes = name.as_bytes();
        if prefix_key(name)
            .and_then(|key| self.prefixes.get(&key))
            .is_some_and(|prefixes| prefixes.iter().any(|p| name.starts_with(p.as_str())))
        {
            return Some(Action::BlankCall);
        }
        let all_caps = bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
        if all_caps
            && self
                .blank_suffixes
                .iter()
                .any(|s| name.len() > s.len() + 1 && name.ends_with(s.as_str()))
        {
            return Some(if name.ends_with('_') {
                Action::Replace(Replacement {
                    text: String::new(),
                    mode: Mode::Unwrap,
                })
            } else {
                Action::Blank
            });
        }
        None
    }

    /// A macro that stands for its argument (`TEXT("x")`, `_T("x")`): a literal in it is
    /// still a literal.
    pub fn unwraps(&self, name: &str) -> bool {
        matches!(
            self.actions.get(name),
            Some(Action::Replace(Replacement { text, mode: Mode::Unwrap })) if text.is_empty()
        )
    }

    /// `DECLARE_HANDLE` and its kin.
    pub fn declares_handle(&self, name: &str) -> bool {
        self.handle_declarators.iter().any(|d| d == name)
    }

    /// The build condition a predefined macro stands for.
    pub fn condition(&self, name: &str) -> Option<Cond> {
        self.conditions.get(name).copied()
    }
}
